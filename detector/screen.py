"""Stage 5b: read what each candidate pair holds before the judge runs, and choose the pairs worth judging.

Every candidate pair gets its `Evidence`: what the claim reader's judges say (opposite effects, an absence
against an occurrence, amounts that do not overlap) and how the two propositions relate (how much they share,
what is flipped: propositions.contrast). The screen (weights fitted by scripts/calibrate.py on public pairs)
ranks each claim's candidate pairs from that alone, and the judge sees each claim's `per_claim` best: the judge
is the costly stage, and most neighbours of a claim state something else about the same topic.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .reader import propositions
from .reader.assertions import Assertion
from .reader.propositions import Contrast, Proposition
from .records import Claim, Pair
from .verdict.calibration import Calibration, screen_features
from .verdict.signals import Signal, compare

DEFAULT_PER_CLAIM = 4


@dataclass(frozen=True)
class Evidence:
    """What is known of a pair before judging it."""

    signals: tuple[Signal, ...]
    contrast: Contrast
    screen: float  # the screen's logit: higher is more worth judging


def short_name(doc_id: str) -> str:
    """How an explanation names a document: "000_ac6c5d8dacf27aa2.txt" reads as "000"; other ids stay whole."""
    head = doc_id.split("_", 1)[0]
    return head if head.isdigit() and head != doc_id else doc_id


def gather(
    pairs: Sequence[Pair],
    claims: Sequence[Claim],
    assertions: Sequence[Assertion],
    calibration: Calibration,
) -> list[Evidence]:
    """The evidence of every pair, in the order of `pairs`."""
    read: dict[int, Proposition] = {}

    def proposition(i: int) -> Proposition:
        if i not in read:
            read[i] = propositions.read(claims[i].text)
        return read[i]

    found = []
    for pair in pairs:
        a, b = assertions[pair.a], assertions[pair.b]
        contrast = propositions.contrast(proposition(pair.a), proposition(pair.b))
        signals = compare(a, b, short_name(claims[pair.a].doc), short_name(claims[pair.b].doc), contrast)
        score = calibration.screen_score(screen_features((pair.similarity, pair.apart()), contrast, signals, a, b))
        found.append(Evidence(tuple(signals), contrast, score))
    return found


def choose(pairs: Sequence[Pair], evidence: Sequence[Evidence], per_claim: int) -> list[int]:
    """Indices (in order) of the pairs to judge: each claim's `per_claim` pairs with the highest screen score,
    and every pair the claim reader found a conflict in. `per_claim` 0 keeps every pair."""
    if per_claim <= 0:
        return list(range(len(pairs)))
    ranked: dict[int, list[tuple[float, int]]] = {}
    for index, (pair, seen) in enumerate(zip(pairs, evidence, strict=True)):
        for claim in (pair.a, pair.b):
            ranked.setdefault(claim, []).append((-seen.screen, index))
    chosen = {index for index, seen in enumerate(evidence) if seen.signals}
    for entries in ranked.values():
        chosen.update(index for _, index in sorted(entries)[:per_claim])
    return sorted(chosen)
