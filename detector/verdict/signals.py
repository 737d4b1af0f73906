"""Stage 7a: compare what two claims assert, and combine those signals with the NLI score into one verdict."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from ..reader.assertions import CONCEPT_OF, DOSE_UNITS, Assertion, Quantity, agents_agree, concept, stem
from ..reader.propositions import Contrast

CALIBRATION = Path(__file__).with_name("calibration.json")

# The verdict's inputs. The judge's two directions (as logits: "nli" the higher, "nli_min" the lower), how near
# the claims are in meaning, how much of one proposition they share and what is flipped between them
# (propositions.py), the claim reader's judges, hedges and scope. "flipped_overlap" is the share of content
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
    "hedged",
    "scope",
)
# What the screen, which chooses the pairs worth judging, may use: everything but the judge.
SCREEN_FEATURES = tuple(f for f in FEATURES if not f.startswith("nli"))


@dataclass(frozen=True)
class Signal:
    """One reason two claims conflict, with a line a person can check."""

    kind: str
    explanation: str


def direction_signals(a: Assertion, b: Assertion, doc_a: str, doc_b: str) -> list[Signal]:
    """Same target, opposite directions ("stimulates" vs "suppresses" prolactin), or one denies the other."""
    found = []
    for ea in a.effects:
        for eb in b.effects:
            if ea.target != eb.target or not agents_agree(ea.agent, eb.agent):
                continue
            agent = _one_agent(ea.agent, eb.agent)
            head = f"{agent} → {ea.target}" if agent else ea.target
            if ea.direction == -eb.direction and not ea.negated and not eb.negated:
                found.append(Signal("direction", f"{head}: {ea.verb} ({doc_a}) vs {eb.verb} ({doc_b})"))
            elif ea.direction == eb.direction and ea.negated != eb.negated:
                first = f"not {ea.verb}" if ea.negated else ea.verb
                second = f"not {eb.verb}" if eb.negated else eb.verb
                found.append(Signal("negation", f"{head}: {first} ({doc_a}) vs {second} ({doc_b})"))
    return found[:1]


def _one_agent(first: str, second: str) -> str:
    """The name to show for an agent two effects share: the words both use ("kratom"), else the one known."""
    if first and second:
        return " ".join(w for w in first.split() if w in second.split())
    return first or second


def negation_signals(a: Assertion, b: Assertion, doc_a: str, doc_b: str) -> list[Signal]:
    """One claim says something is absent ("without addiction") that the other says occurs ("dependency")."""
    for first, second, d1, d2 in ((a, b, doc_a, doc_b), (b, a, doc_b, doc_a)):
        present = {concept(m): m for m in second.occurs}
        for absent in first.absences:
            key = concept(absent)
            if key in present and key not in {concept(x) for x in second.absences}:
                if not same_kind(narrowing(first, absent), narrowing(second, present[key]), second):
                    continue  # "no oxford vaccine" vs "an influenza vaccine": not the same thing
                if not same_holder(first.holders.get(absent, ""), second.holders.get(present[key], ""), second):
                    continue  # "Gilead provided access" vs "patients lack access": not the same access
                if not any(concept(w) != key for w in first.about() & second.about()):
                    continue  # "no virus was recovered from vaccinated monkeys" vs "interferons and viruses induce"
                what = first.phrases.get(absent, absent)
                other = second.phrases.get(present[key], present[key])
                return [Signal("negation", f"{what}: absent ({d1}) vs {other} ({d2})")]
    return []


def about_concepts(a: Assertion) -> set[str]:
    """What a claim speaks of (`Assertion.about`), as concepts."""
    return {concept(w) for w in a.about()}


def holder_words(holder: str) -> set[str]:
    """A holder's name ("kratom user") as concepts, to look for among what a claim speaks of (about())."""
    return {concept(stem(w)) for w in holder.split()}


def same_holder(absent: str, present: str, occurring_claim: Assertion) -> bool:
    """Whether an absence and an occurrence can concern the same people or things: their holders agree
    (`agents_agree`: one unknown, or they share a word), and an absence said of someone ("no B cells in the
    blood of two patients") meets an occurrence said of no one ("persistor cells explain ...") only where that
    claim names them."""
    if not agents_agree(absent, present):
        return False
    return not absent or bool(present) or bool(holder_words(absent) & about_concepts(occurring_claim))


def narrowing(a: Assertion, stem_: str) -> set[str]:
    """The concepts that narrow what a claim says is absent or occurs ("influenza" in "an influenza vaccine");
    none for a word of one of _CONCEPTS, which says itself which thing it is ("hair" in "hair thinning")."""
    if stem_ in CONCEPT_OF:
        return set()
    return {concept(w) for w in a.qualifiers.get(stem_, "").split()}


def same_kind(absent: set[str], present: set[str], occurring_claim: Assertion) -> bool:
    """Whether a narrowed absence ("no cardiac infection", "no oxford vaccine") can be the thing that occurs:
    the occurrence is narrowed by one of its words ("oxford vaccine"), or, said plainly ("sars-cov-2
    infection in ciliated cells"), its claim names one of them. An absence said plainly ("no vaccine") meets
    every occurrence."""
    if not absent:
        return True
    return bool(absent & (present or about_concepts(occurring_claim)))


def quantity_signals(a: Assertion, b: Assertion, doc_a: str, doc_b: str) -> list[Signal]:
    """Both claims answer a dosing question with amounts that do not overlap (500 mg vs 1–3 g), or give one dose
    with times that do not ("a 100 g dose ... after 1 year" vs "... after 5–6 years")."""
    if not (a.dosing and b.dosing):
        return []
    pairs = [(qa, qb) for qa in a.quantities for qb in b.quantities if qa.unit == qb.unit]
    same_dose = any(qa.unit in DOSE_UNITS and _overlap(qa, qb) for qa, qb in pairs)
    for qa, qb in pairs:
        if (qa.unit in DOSE_UNITS or same_dose) and not _overlap(qa, qb):
            return [Signal("quantity", f"dose: {qa.text} ({doc_a}) vs {qb.text} ({doc_b})")]
    return []


def _overlap(qa: Quantity, qb: Quantity, tolerance: float = 0.1) -> bool:
    # 10% slack: "about 500 mg" and "0.5 g" are the same amount, "500 mg" and "1 g" are not.
    return qa.low <= qb.high * (1 + tolerance) and qb.low <= qa.high * (1 + tolerance)


def scope_note(a: Assertion, b: Assertion) -> str:
    """ "different scope: in mice vs in healthy human subjects" where the claims speak of different settings."""
    if a.scope and b.scope and set(a.scope) != set(b.scope):
        return f"different scope: {', '.join(a.scope)} vs {', '.join(b.scope)}"
    if bool(a.scope) != bool(b.scope):
        return f"scope stated on one side only: {', '.join(a.scope or b.scope)}"
    return ""


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
    )


def _logit(p: float) -> float:
    p = min(max(p, 1e-6), 1 - 1e-6)
    return math.log(p / (1 - p))


def screen_features(
    similarity: float, contrast: Contrast, signals: list[Signal], a: Assertion, b: Assertion
) -> dict[str, float]:
    """The verdict's inputs that need no judge."""
    kinds = {s.kind for s in signals}
    values = contrast.features()
    flipped = max(values["negation_flip"], values["antonym"], values["amount_flip"], values["quantifier_flip"])
    return values | {
        "similarity": similarity,
        "flipped_overlap": contrast.overlap * flipped,
        "direction": float("direction" in kinds),
        "negation": float("negation" in kinds),
        "quantity": float("quantity" in kinds),
        "hedged": float(bool(a.hedges)) + float(bool(b.hedges)),
        "scope": float(bool(scope_note(a, b))),
    }


def features(
    forward: float,
    backward: float | None,
    similarity: float,
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


def compare(a: Assertion, b: Assertion, doc_a: str, doc_b: str) -> list[Signal]:
    """Every assertion-level signal that the two claims conflict (at most one of each kind)."""
    found = direction_signals(a, b, doc_a, doc_b)
    if not any(s.kind == "negation" for s in found):  # a denied effect already is the negation
        found += negation_signals(a, b, doc_a, doc_b)
    return found + quantity_signals(a, b, doc_a, doc_b)
