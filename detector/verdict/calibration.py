"""The calibrated verdict: one logistic score over the judge's two directions and what the claims' readings and
propositions say to each other, fitted by scripts/calibrate.py on public pairs (calibration.json); and the screen
that ranks candidate pairs before any is judged."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..reader.assertions import Assertion
from ..reader.propositions import Contrast
from .signals import Signal, scope_note

CALIBRATION = Path(__file__).with_name("calibration.json")

# The verdict's inputs. The judge's two directions (as logits: "nli" the higher, "nli_min" the lower), how near
# the claims are in meaning, how much of one proposition they share and what is flipped between them
# (reader/propositions.py), the claim reader's judges, hedges and scope. "flipped_overlap" is the share of content
# held in common when something is flipped (0 otherwise): a flip between two claims about different things
# says nothing. "length_ratio" tells a claim against a passage from two claims, and "nli_by_length" (the
# judge's higher score times it) lets the judge count differently for each.
FEATURES = (
    "nli",
    "nli_min",
    "similarity",
    "overlap",
    "negation_flip",
    "antonym",
    "amount_flip",
    "quantifier_flip",
    "flipped_overlap",
    "length_ratio",
    "nli_by_length",
    "direction",
    "negation",
    "quantity",
    "denial",
    "hedged",
    "scope",
)
# What the screen, which chooses the pairs worth judging, may use: everything but the judge, and for nearness the
# claims' similarity apart from the topic their whole collection shares (`Pair.apart`) — two claims of pages all
# about one substance are near by that substance alone, whether or not they speak of one question. It ranks each
# claim's pairs against each other; the verdict, whose threshold is one number for every collection, reads the
# plain similarity, which does not fall with how much a collection is about one thing.
SCREEN_FEATURES = tuple("apart_similarity" if f == "similarity" else f for f in FEATURES if not f.startswith("nli"))
# Everything read of a pair, for either model.
INPUTS = (*FEATURES, "apart_similarity")


@dataclass(frozen=True)
class Calibration:
    """Logistic weights over FEATURES and the decision threshold, fitted by scripts/calibrate.py; and the
    screen's weights (over SCREEN_FEATURES), which rank a claim's candidate pairs before any is judged."""

    weights: dict[str, float]
    bias: float
    threshold: float
    screen: dict[str, float] = field(default_factory=dict)
    # The judge reads b→a only where a→b reached this (0: always): chosen by scripts/calibrate.py as the highest
    # value at which no verdict on the public pairs it fits on changes, so a scan judges fewer inputs.
    backward_from: float = 0.0
    # The judge the weights were fitted with (models.lock's name) and the highest score it gave on any public
    # direction scripts/calibrate.py reads: its two-way head saturates there, so a scan with that judge takes it
    # as the most a direction not yet read could be, and does not judge a pair (or read its b→a) where even that
    # would leave the verdict under its threshold (contradictions.highest_verdict). 1.0 (no ceiling) for any
    # other judge.
    judge: str = ""
    judge_ceiling: float = 1.0

    def ceiling_for(self, models: Mapping[str, Mapping[str, Any]]) -> float:
        """The most the judge of `models` (a scan's models as findings.json describes them) can score a direction,
        as far as this calibration knows."""
        return self.judge_ceiling if models.get("judge", {}).get("name") == self.judge else 1.0

    def score(self, features: dict[str, float]) -> float:
        z = self.bias + sum(weight * features[name] for name, weight in self.weights.items())
        return 1.0 / (1.0 + math.exp(-z))

    def screen_score(self, features: dict[str, float]) -> float:
        """How worth judging a pair is, from what can be read without the judge (a logit; higher first)."""
        return sum(weight * features[name] for name, weight in self.screen.items())


@lru_cache(maxsize=4)
def load_calibration(path: Path = CALIBRATION) -> Calibration:
    data = json.loads(path.read_text(encoding="utf-8"))
    return Calibration(
        dict(data["weights"]),
        float(data["bias"]),
        float(data["threshold"]),
        dict(data.get("screen", {})),
        float(data.get("backward_from", 0.0)),
        str(data.get("judge", "")),
        float(data.get("judge_ceiling", 1.0)),
    )


def _logit(p: float) -> float:
    p = min(max(p, 1e-6), 1 - 1e-6)
    return math.log(p / (1 - p))


def screen_features(
    similarity: tuple[float, float], contrast: Contrast, signals: list[Signal], a: Assertion, b: Assertion
) -> dict[str, float]:
    """The verdict's inputs that need no judge; `similarity` is the pair's plain one and the one apart from the
    collection's topic (`Pair.similarity`, `Pair.apart()`)."""
    kinds = {s.kind for s in signals}
    values = contrast.features()
    flipped = max(values["negation_flip"], values["antonym"], values["amount_flip"], values["quantifier_flip"])
    return values | {
        "similarity": similarity[0],
        "apart_similarity": similarity[1],
        "flipped_overlap": contrast.overlap * flipped,
        "direction": float("direction" in kinds),
        "negation": float("negation" in kinds),
        # The quantity judge: doses that do not overlap (the claim reader), or one proposition with another value.
        "quantity": float("quantity" in kinds),
        "denial": float("denial" in kinds),
        "hedged": float(bool(a.hedges)) + float(bool(b.hedges)),
        "scope": float(bool(scope_note(a, b))),
    }


def features(
    forward: float,
    backward: float | None,
    similarity: tuple[float, float],
    contrast: Contrast,
    signals: list[Signal],
    a: Assertion,
    b: Assertion,
) -> dict[str, float]:
    """The verdict's inputs: the judge's two directions as logits (`judge_features`), then `screen_features`."""
    return judge_features(forward, backward, contrast.length_ratio) | screen_features(
        similarity, contrast, signals, a, b
    )


def judge_features(forward: float, backward: float | None, length_ratio: float) -> dict[str, float]:
    """The verdict's inputs that come from the judge. A direction not judged counts as the one that was."""
    back = forward if backward is None else backward
    nli = _logit(max(forward, back))
    return {"nli": nli, "nli_min": _logit(min(forward, back)), "nli_by_length": nli * length_ratio}
