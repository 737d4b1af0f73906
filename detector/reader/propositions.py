"""Stage 6b: whether two claims state the same proposition with one thing flipped.

Real contradictions between documents mostly say nearly the same thing with one difference: "you can / cannot
build up a tolerance", "regulated / not regulated", "22% / 88% of labels", "3 to 5 g / 20 to 25 g a day". This
module reads each claim once into a `Proposition` (content words, negation, numbers, quantifiers) and compares
two of them: how much of the proposition they share, and what differs — a negation on one side only, a pair of
antonyms (WordNet's, `data/antonyms.tsv`, and un-/in-/non- prefixes), different amounts of the same unit, or
different quantifiers. These are features of the verdict (`verdicts.Calibration`), never a verdict alone.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .assertions import concept, stem

DATA = Path(__file__).with_name("data")
# English function words that carry the flip itself: kept out of the content words, read on their own.
NEGATORS = frozenset(
    "not no never none nothing nobody neither nor without cannot can't won't don't doesn't didn't isn't aren't "
    "wasn't weren't hasn't haven't hadn't shouldn't wouldn't couldn't mustn't lack lacks lacking".split()
)
QUANTIFIERS = frozenset("all every each always most many much some several few little rarely seldom sometimes".split())
_NEGATING_PREFIXES = ("un", "in", "im", "il", "ir", "non", "non-", "dis")
_WORD = re.compile(r"[A-Za-z][A-Za-z'’\-]*[A-Za-z]|[A-Za-z]")
# A number, an optional second one after a range word, and the unit word or sign after them. A number joined to
# the word before it ("COVID-19", "SARS-CoV-2", "omega-3") is part of a name, not an amount.
_NUMBER = re.compile(
    r"(?<![\w.-])(\d+(?:[.,]\d+)*)(?:\s*(?:-|–|—|to)\s*(\d+(?:[.,]\d+)*))?\s*(%|percent\b|[A-Za-zµ]+)?", re.I
)
# Numbers that name, not measure: years and list markers say nothing about an amount.
_YEAR = re.compile(r"^(1[89]|20)\d\d$")
_ORDINAL = frozenset(("st", "nd", "rd", "th"))


@lru_cache(maxsize=1)
def stop_words() -> frozenset[str]:
    """English stop words (scikit-learn's list), less the words that flip a proposition."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return frozenset(ENGLISH_STOP_WORDS) - NEGATORS - QUANTIFIERS


@lru_cache(maxsize=1)
def antonyms() -> frozenset[tuple[str, str]]:
    """Antonym pairs as word stems, both orders: WordNet 3.0's direct antonyms (see scripts/build_antonyms.py)."""
    pairs = set()
    for line in (DATA / "antonyms.tsv").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            first, second = line.split("\t")
            a, b = stem(first), stem(second)
            if a != b:
                pairs.update({(a, b), (b, a)})
    return frozenset(pairs)


@dataclass(frozen=True)
class Amount:
    """A number or range read from a claim, with the unit word after it ("%", "gram", "minut")."""

    low: float
    high: float
    unit: str
    text: str


@dataclass(frozen=True)
class Proposition:
    """What a claim says, as the comparison of two claims needs it."""

    words: frozenset[str]  # content-word stems
    terms: frozenset[str]  # the content words themselves, lower case (for antonyms)
    negated: bool
    amounts: tuple[Amount, ...]
    quantifiers: frozenset[str]


def read(text: str) -> Proposition:
    """A claim's content words, negation, amounts and quantifiers."""
    tokens = [t.lower().replace("’", "'") for t in _WORD.findall(text)]
    stops = stop_words()
    negated = any(t in NEGATORS or t.endswith("n't") for t in tokens)
    terms = frozenset(t for t in tokens if t not in stops and t not in NEGATORS and t not in QUANTIFIERS)
    return Proposition(
        words=frozenset(concept(stem(t)) for t in terms),
        terms=terms,
        negated=negated,
        amounts=tuple(_amounts(text)),
        quantifiers=frozenset(t for t in tokens if t in QUANTIFIERS),
    )


def _amounts(text: str) -> list[Amount]:
    found = []
    for match in _NUMBER.finditer(text):
        first, second, unit = match.group(1), match.group(2), match.group(3) or ""
        if _YEAR.match(first) and not second and unit.lower() in ("", "s"):
            continue  # "in 2019", "the 1990s": a year names a time, not an amount
        if not second and unit.lower() in _ORDINAL and match.group(0)[len(first)].isalpha():
            continue  # "the 3rd day", "21st century": a rank, not an amount
        try:
            low = float(first.replace(",", ""))
            high = float(second.replace(",", "")) if second else low
        except ValueError:
            continue
        if unit.lower() in stop_words():
            unit = ""  # "in 2 of 3 cases", "19 is": a function word after a number is not its unit
        unit = "%" if unit.lower() in ("%", "percent") else stem(unit) if unit else ""
        found.append(Amount(min(low, high), max(low, high), unit, match.group(0).strip()))
    return found


FEATURES = ("overlap", "negation_flip", "antonym", "amount_flip", "quantifier_flip", "length_ratio")


@dataclass(frozen=True)
class Contrast:
    """How two propositions relate: the share of content they have in common, and what differs."""

    overlap: float
    # log of how many times more content words the longer text has: 0 for two claims of a size, large for a
    # claim against a passage (the judge reads those differently).
    length_ratio: float
    negation_flip: bool
    antonym: tuple[str, str] | None
    amount_flip: tuple[str, str] | None
    quantifier_flip: tuple[str, str] | None

    def features(self) -> dict[str, float]:
        return {
            "overlap": self.overlap,
            "negation_flip": float(self.negation_flip),
            "antonym": float(self.antonym is not None),
            "amount_flip": float(self.amount_flip is not None),
            "quantifier_flip": float(self.quantifier_flip is not None),
            "length_ratio": self.length_ratio,
        }

    def explanation(self) -> str:
        """What differs, in words a person can check ("not on one side only", "3 to 5 g vs 20 to 25 g")."""
        parts = []
        if self.negation_flip:
            parts.append("negated on one side only")
        if self.antonym:
            parts.append(f"{self.antonym[0]} vs {self.antonym[1]}")
        if self.amount_flip:
            parts.append(f"{self.amount_flip[0]} vs {self.amount_flip[1]}")
        if self.quantifier_flip:
            parts.append(f"{self.quantifier_flip[0]} vs {self.quantifier_flip[1]}")
        return "; ".join(parts)


def contrast(a: Proposition, b: Proposition) -> Contrast:
    """Compare two claims' propositions (symmetric)."""
    shared = len(a.words & b.words)
    overlap = shared / min(len(a.words), len(b.words)) if a.words and b.words else 0.0
    sizes = sorted((len(a.words), len(b.words)))
    return Contrast(
        overlap=round(overlap, 4),
        length_ratio=round(math.log(max(sizes[1], 1) / max(sizes[0], 1)), 4),
        negation_flip=a.negated != b.negated,
        antonym=_antonym(
            frozenset(t for t in a.terms if concept(stem(t)) not in b.words),
            frozenset(t for t in b.terms if concept(stem(t)) not in a.words),
        ),
        amount_flip=_amount_flip(a.amounts, b.amounts),
        quantifier_flip=_quantifier_flip(a.quantifiers, b.quantifiers),
    )


def _antonym(left: frozenset[str], right: frozenset[str]) -> tuple[str, str] | None:
    table = antonyms()
    for x in sorted(left):
        for y in sorted(right):
            if (stem(x), stem(y)) in table or _prefixed(x, y) or _prefixed(y, x):
                return x, y
    return None


def _prefixed(word: str, base: str) -> bool:
    # "unregulated" / "regulated", "ineffective" / "effective", "non-addictive" / "addictive".
    return len(base) >= 4 and any(
        word.startswith(prefix) and stem(word[len(prefix) :]) == stem(base) for prefix in _NEGATING_PREFIXES
    )


def _amount_flip(left: Sequence[Amount], right: Sequence[Amount]) -> tuple[str, str] | None:
    # Amounts of the same unit on both sides that never overlap: "3 to 5 g" vs "20 to 25 g", "22%" vs "88%".
    # A bare number ("in 2 of 3 cases", "text 1") names no quantity to compare.
    for unit in sorted(({x.unit for x in left} & {y.unit for y in right}) - {""}):
        xs, ys = [x for x in left if x.unit == unit], [y for y in right if y.unit == unit]
        if not any(_overlap(x, y) for x in xs for y in ys):
            return xs[0].text, ys[0].text
    return None


def _overlap(x: Amount, y: Amount, tolerance: float = 0.1) -> bool:
    return x.low <= y.high * (1 + tolerance) and y.low <= x.high * (1 + tolerance)


def _quantifier_flip(left: frozenset[str], right: frozenset[str]) -> tuple[str, str] | None:
    if left and right and not left & right:
        return sorted(left)[0], sorted(right)[0]
    return None
