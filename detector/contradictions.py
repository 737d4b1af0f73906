"""Stage 7: turn judged pairs into contradictions, each with a calibrated score, its kind and a checkable
explanation."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from .reader.assertions import Assertion
from .records import Claim, Contradiction, Judgement, Pair
from .screen import Evidence
from .verdict.calibration import Calibration, features, judge_features
from .verdict.signals import scope_note

QUOTE_CHARS = 80
# How a flip between two propositions is named in a contradiction's kind.
_FLIP_KINDS = {
    "negation_flip": "negated",
    "antonym": "antonym",
    "amount_flip": "amount",
    "quantifier_flip": "quantifier",
}


def verdict_inputs(judgement: Judgement, seen: Evidence, assertions: Sequence[Assertion]) -> dict[str, float]:
    """What the verdict (`Calibration.score`) reads of a judged pair: its judgement and its evidence."""
    pair = judgement.pair
    return features(
        judgement.forward,
        judgement.backward,
        (pair.similarity, pair.apart()),
        seen.contrast,
        list(seen.signals),
        assertions[pair.a],
        assertions[pair.b],
    )


def highest_verdict(
    pair: Pair,
    forward: float | None,
    seen: Evidence,
    assertions: Sequence[Assertion],
    *,
    calibration: Calibration,
    ceiling: float,
) -> float:
    """The highest verdict the pair can get from the directions the judge has not read, each anywhere from 0 to
    `ceiling` (the judge's highest score, `Calibration.ceiling_for`): b→a given a→b (`forward`), or both where
    `forward` is None. A direction read above the ceiling shows the ceiling is no bound, and replaces it.

    The judge enters the verdict through the higher direction's logit ("nli", with "nli_by_length") and the
    lower's ("nli_min"), each linearly, so over the directions still unread the verdict is highest at a corner:
    b→a at nothing, at a→b or at the ceiling; or, neither read, both at nothing, one at the ceiling, or both.
    """
    inputs = verdict_inputs(Judgement(pair, 0.0, None), seen, assertions)
    if forward is None:
        corners = [(0.0, 0.0), (ceiling, 0.0), (ceiling, ceiling)]
    else:
        corners = [(forward, 0.0), (forward, forward), (forward, max(ceiling, forward))]
    return max(calibration.score(inputs | judge_features(f, b, inputs["length_ratio"])) for f, b in corners)


def find_contradictions(
    judgements: Sequence[Judgement],
    claims: Sequence[Claim],
    assertions: Sequence[Assertion],
    subject_of: Sequence[str],
    evidence: Mapping[tuple[int, int], Evidence],
    *,
    calibration: Calibration,
    threshold: float,
    nli_threshold: float,
    nli_only: bool = False,
) -> tuple[list[Contradiction], list[Contradiction]]:
    """(contradictions, NLI-only conflicts): pairs whose calibrated verdict reaches `threshold`, strongest first.

    The verdict combines the judge's two directions with what the pair's `evidence` holds: how much of one
    proposition the claims share and what is flipped between them (a negation, antonyms, amounts, quantifiers),
    the claim reader's judges (opposite effects, an absence against an occurrence, doses), hedges and scope.
    A pair below the verdict's threshold that the judge alone flags both ways is returned in the second list,
    and counted as a contradiction only with `nli_only`: between claims that merely share a topic the judge
    is confident and wrong (it gives 0.99 to 10-15% of them).
    """
    found: list[Contradiction] = []
    possible: list[Contradiction] = []
    for j in judgements:
        a, b = claims[j.pair.a], claims[j.pair.b]
        sa, sb = assertions[j.pair.a], assertions[j.pair.b]
        seen = evidence[(j.pair.a, j.pair.b)]
        signals = list(seen.signals)
        inputs = verdict_inputs(j, seen, assertions)
        score = calibration.score(inputs)
        scores = (("a→b", j.forward), ("b→a", j.backward))
        directions = tuple(name for name, value in scores if value is not None and value >= nli_threshold)
        judge_alone = len(directions) == 2
        if score < threshold and not judge_alone:
            continue
        flips = [kind for name, kind in _FLIP_KINDS.items() if inputs[name]]
        kinds = list(dict.fromkeys([s.kind for s in signals] + flips))
        if directions:
            kinds.append("nli")
        explanation = "; ".join(s.explanation for s in signals) or seen.contrast.explanation()
        back = "b then a not read" if j.backward is None else f"{j.backward:.2f} reading b then a"
        judged = f"NLI judge: contradiction {j.forward:.2f} reading a then b, {back}"
        explanation = f"{explanation}; {judged}" if explanation else judged
        scope = scope_note(sa, sb)
        hedges = sorted(set(sa.hedges) | set(sb.hedges))
        if scope:
            explanation += f"; {scope}"
        if hedges:
            explanation += f"; hedged ({', '.join(hedges)})"
        (found if score >= threshold or nli_only else possible).append(
            Contradiction(
                a=a.id,
                b=b.id,
                score=round(score, 4),
                subject=subject_of[j.pair.a],
                kind="+".join(kinds) or "verdict",
                directions=directions,
                explanation=explanation,
                signals={
                    "nli_forward": round(j.forward, 4),
                    "nli_backward": None if j.backward is None else round(j.backward, 4),
                }
                | {name: round(value, 4) for name, value in inputs.items() if not name.startswith("nli")},
            )
        )

    position = {c.id: n for n, c in enumerate(claims)}

    def strongest_first(items: list[Contradiction]) -> list[Contradiction]:
        return sorted(items, key=lambda c: (-c.score, position[c.a], position[c.b]))

    return strongest_first(found), strongest_first(possible)


def quote(text: str, limit: int = QUOTE_CHARS) -> str:
    """`text` shortened to about `limit` characters at a word boundary."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    return flat[:limit].rsplit(" ", 1)[0] + "…"


def by_subject(contradictions: Sequence[Contradiction]) -> list[tuple[str, list[Contradiction]]]:
    """Contradictions grouped by subject, as the reports show them: the subject with the most first (then the
    strongest, then by id), each group in the order given (strongest first, as a scan returns them)."""
    groups: dict[str, list[Contradiction]] = {}
    for c in contradictions:
        groups.setdefault(c.subject, []).append(c)
    return sorted(groups.items(), key=lambda item: (-len(item[1]), -item[1][0].score, item[0]))
