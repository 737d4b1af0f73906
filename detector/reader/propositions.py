"""Stage 6b: whether two claims state the same proposition with one thing flipped.

Real contradictions between documents mostly say nearly the same thing with one difference: "you can / cannot
build up a tolerance", "regulated / not regulated", "22% / 88% of labels", "3 to 5 g / 20 to 25 g a day". This
module reads each claim once into a `Proposition` (content words, negation, numbers, quantifiers) and compares
two of them: how much of the proposition they share, and what differs — a negation on one side only, a pair of
antonyms (WordNet's, `data/antonyms.tsv`, and un-/in-/non- prefixes), different amounts of the same unit, or
different quantifiers. These are features of the verdict (`verdicts.Calibration`), never a verdict alone. Where
two claims state one proposition with values that do not overlap (`Contrast.value_conflict`: "160,000 vehicles"
against "about 40,000 vehicles" a day, "eight lanes" against "six"), or date one event that happens once to
different years (`Contrast.date_conflict`: "completed in 1932" against "finished in 1928"), the quantity judge
reads it as a conflict.
"""

from __future__ import annotations

import math
import re
import tomllib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

from .assertions import CONDITIONS, LIMIT_WORDS, POPULATION_WORDS, YEAR, amount_bound, concept, generic_words, stem

DATA = Path(__file__).with_name("data")
# English function words that carry the flip itself: kept out of the content words, read on their own.
NEGATORS = frozenset(
    "not no never none nothing nobody neither nor without cannot can't won't don't doesn't didn't isn't aren't "
    "wasn't weren't hasn't haven't hadn't shouldn't wouldn't couldn't mustn't lack lacks lacking".split()
)
QUANTIFIERS = frozenset("all every each always most many much some several few little rarely seldom sometimes".split())
# Words that only say how exact or how bounded a value is ("about 500", "roughly 40,000", "over 20"): left out when
# two claims are compared apart from their values.
APPROXIMATORS = frozenset("about around approximately roughly nearly almost over under up more less least".split())
_NEGATING_PREFIXES = ("un", "in", "im", "il", "ir", "non", "non-", "dis")
_WORD = re.compile(r"[A-Za-z][A-Za-z'’\-]*[A-Za-z]|[A-Za-z]")
# A number, an optional second one after a range word, and the unit word or sign after them. A number joined to
# the word before it ("COVID-19", "SARS-CoV-2", "omega-3") is part of a name, not an amount.
_NUMBER = re.compile(
    r"(?<![\w.-])(\d+(?:[.,]\d+)*)(?:\s*(?:-|–|—|to)\s*(\d+(?:[.,]\d+)*))?\s*(%|percent\b|[A-Za-zµ]+)?", re.I
)
# "between 5 and 10": a range, as "5 to 10" is (the "and" of any other pair of numbers joins two amounts).
_BETWEEN = re.compile(r"\bbetween\s+\d+(?:[.,]\d+)*(\s*%?\s+and\s+)(?=\d)", re.I)
# Money: a currency sign before the number ("$10", "US$ 2.5", "€1,200"), a scale word after it ("$2 million"), and
# the period it is paid for ("$10 a month", "€5/day"), which is part of its unit: $10 a month is not $120 a year.
_MONEY = re.compile(
    r"(?<![\w.])(?:US|A|C|NZ|HK)?([$€£¥])\s?(\d+(?:[.,]\d+)*)"
    r"(?:\s*(?:-|–|—|to)\s*[$€£¥]?\s?(\d+(?:[.,]\d+)*))?"
    r"(?:\s*(thousand|million|billion|trillion|bn|k)\b)?"
    r"(?:\s*(?:a|an|per|each|every|/)\s*(hour|day|night|week|month|year|annum)\b)?",
    re.I,
)
_CURRENCIES = {"$": "dollar", "€": "euro", "£": "sterling", "¥": "yen"}
_SCALES = {"thousand": 1e3, "k": 1e3, "million": 1e6, "billion": 1e9, "bn": 1e9, "trillion": 1e12}
# A time of day, written with a.m. or p.m. ("9 am", "8:30 p.m."): minutes after midnight.
TIME_OF_DAY = "time of day"
_TIME_OF_DAY = re.compile(r"(?<![\w.:])(1[0-2]|0?[1-9])(?::([0-5]\d))?\s*(a\.m\.|p\.m\.|am\b|pm\b)", re.I)
# A day of the week ("on Friday", "closed on Mondays", "Monday to Friday"): its place in the week, 1 to 7.
WEEKDAY = "day of the week"
_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_WEEKDAY = re.compile(rf"\b({'|'.join(_DAYS)})s?\b(?:\s*(?:-|–|—|to|through|until)\s*({'|'.join(_DAYS)})s?\b)?", re.I)
# A verb of reporting right before a day ("officials said Tuesday", "announced on Monday"): the day the words were
# said, as a news report dates them, and no value of what was said.
_REPORTED_ON = re.compile(
    r"\b(?:say|says|said|announce[ds]?|report(?:s|ed)?|tell|tells|told|state[ds]?|confirm(?:s|ed)?|write|writes|"
    r"wrote|add(?:s|ed)?|note[ds]?)\s+(?:on\s+)?$",
    re.I,
)
# Times of day and days of the week say when, as a year does: claims that differ in them conflict only where they
# state one proposition ("opens at 9 am" / "at 8:30 am"; `_value_conflict`). Two reports of what happened on
# different days ("the toll rose to 9 on Thursday" / "14 were killed on Tuesday") differ in no value.
_POINTS = frozenset((TIME_OF_DAY, WEEKDAY))
# A number that names a release ("version 2.1", "release 3") is a name, as a year names a time: not an amount.
_VERSION = re.compile(r"\b(?:version|release)\s+\d+(?:\.\d+)*", re.I)
# Numbers that name, not measure: years (`YEAR`) and list markers say nothing about an amount.
# The months: words of a date, set aside with the year when two dates are compared.
MONTHS = frozenset("january february march april may june july august september october november december".split())
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


@lru_cache(maxsize=1)
def _events_table() -> dict[str, Any]:
    """`data/events.toml`: the events that happen once, as word forms and as verbs."""
    return tomllib.loads((DATA / "events.toml").read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def events() -> dict[str, str]:
    """Each word form that dates an event which happens once to what it happens to → the event ("finished" →
    "completion"): `data/events.toml`."""
    return {form: event for event, forms in _events_table()["events"].items() for form in forms}


@lru_cache(maxsize=1)
def event_verbs() -> dict[str, str]:
    """Each verb (lemma) that names an event which happens once → the event ("found" → "founding"):
    `data/events.toml`."""
    return {verb: event for event, verbs in _events_table()["event_verbs"].items() for verb in verbs}


@dataclass(frozen=True)
class Amount:
    """A number or range read from a claim, with the unit word after it ("%", "gram", "minut")."""

    low: float
    high: float
    unit: str
    text: str
    # "at most" or "at least" where the claim states it as a limit ("up to 6", "a maximum of 6", "limited to
    # 6", "at least 2"), "" otherwise ("less than 1%" describes an amount; "6" is one).
    limit: str = ""
    # The concept of the unit's word as the claim writes it ("kilometr"), where a unit of length, mass, volume,
    # time or data (`measure`) is read in its base unit: two claims can measure one thing in other words.
    word: str = ""


@dataclass(frozen=True)
class Proposition:
    """What a claim says, as the comparison of two claims needs it."""

    words: frozenset[str]  # content-word stems
    terms: frozenset[str]  # the content words themselves, lower case (for antonyms)
    negated: bool
    amounts: tuple[Amount, ...]
    quantifiers: frozenset[str]
    years: frozenset[int] = frozenset()  # the years it names ("in 2019"): when what it says holds
    conditional: bool = False  # a clause opened by "if", "when" …: what holds under a condition
    # The events that happen once it names, each → the word that names it ("completion" → "completed").
    events: tuple[tuple[str, str], ...] = ()
    # Age limits, in months (`_age_limits`): the ages a rule keeps out below ("not for children under 3": 36),
    # and the least ages a statement lets in ("safe for children 1 and older": 12; "over 18": 228).
    forbidden_below: frozenset[int] = frozenset()
    allowed_from: frozenset[int] = frozenset()
    # The propositions of a compound claim's clauses (`clauses`), each read alone; () for a claim of one clause.
    clauses: tuple[Proposition, ...] = ()


# Where a sentence joins clauses that each state something: a semicolon, a comma before a coordinating
# conjunction ("…, and its main arch spans 310 metres"), or "and" before a verb phrase that shares the subject
# ("opened in 1934 and was designed by …"). A subordinate clause ("when …", "if …") is left whole: what it says
# holds under it.
_CLAUSE_BREAK = re.compile(
    r";|,\s*(?:and|but|so|yet|whereas|while)\s+|\s+(?:and|but)\s+(?=(?:was|were|is|are|has|have|had|will|would|can|"
    r"could|may|might|must|should|does|did|do)\b)",
    re.I,
)


def clauses(text: str) -> list[str]:
    """The clauses a claim joins (`_CLAUSE_BREAK`, outside brackets: "(WMD −11.7 minutes; 95% CI …)" is one
    aside), each with a content word; the claim alone if it is one."""
    parts, at = [], 0
    for match in _CLAUSE_BREAK.finditer(text):
        before = text[: match.start()]
        if before.count("(") + before.count("[") <= before.count(")") + before.count("]"):
            parts.append(text[at : match.start()].strip())
            at = match.end()
    parts = [part for part in (*parts, text[at:].strip()) if _WORD.search(part)]
    return parts if len(parts) > 1 else [text]


def read(text: str) -> Proposition:
    """A claim's content words, negation, amounts, quantifiers, years and whether it states a condition; and for a
    compound claim that states no condition, each of its clauses read alone."""
    whole = _read(text)
    if whole.conditional or len(parts := clauses(text)) < 2:
        return whole
    return replace(whole, clauses=tuple(_read(part) for part in parts))


def _read(text: str) -> Proposition:
    tokens = [t.lower().replace("’", "'") for t in _WORD.findall(text)]
    stops = stop_words()
    negated = any(t in NEGATORS or t.endswith("n't") for t in tokens)
    terms = frozenset(t for t in tokens if t not in stops and t not in NEGATORS and t not in QUANTIFIERS)
    amounts, years = _amounts(*_spelled_out(text, tokens))
    once = events()
    forbidden_below, allowed_from = _age_limits(text)
    return Proposition(
        words=frozenset(concept(stem(t)) for t in terms),
        terms=terms,
        negated=negated,
        amounts=tuple(amounts),
        quantifiers=frozenset(t for t in tokens if t in QUANTIFIERS),
        years=years,
        conditional=any(t in CONDITIONS for t in tokens),
        events=tuple(sorted({once[t]: t for t in reversed(tokens) if t in once}.items())),
        forbidden_below=forbidden_below,
        allowed_from=allowed_from,
    )


@lru_cache(maxsize=1)
def _ages_table() -> dict[str, Any]:
    """data/ages.toml: the words and patterns of age limits."""
    return tomllib.loads((DATA / "ages.toml").read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def _age_patterns() -> dict[str, re.Pattern[str]]:
    """The patterns of data/ages.toml, and what may stand right before an age said without a unit: the people it
    is said of ("children under 12", "users who are over 18", "ages 12 and up"), or a copula ("must be at least
    13", "if you are under 18")."""
    table = _ages_table()
    holders = sorted({*table["holders"], *POPULATION_WORDS}, key=len, reverse=True)
    return {name: re.compile(pattern, re.I) for name, pattern in table["patterns"].items()} | {
        "holder": re.compile(
            r"(?:\b(?:" + "|".join(map(re.escape, holders)) + r")(?:\s+(?:who\s+are|aged?))?|\b(?:ages?|aged))\s*$",
            re.I,
        ),
        "copula": re.compile(r"\b(?:be|is|are|am|being)\s*$", re.I),
        "breaks": re.compile(table["clause_breaks"], re.I),
        "bound": re.compile(table["negated_bound"], re.I),
    }


def _age_limits(text: str) -> tuple[frozenset[int], frozenset[int]]:
    """The ages, in months, that a claim keeps out below and that it lets in from, clause by clause: "under 12" in
    a clause that keeps someone out is kept out — a rule denied ("should not", "cannot", "not recommended": a
    `permitting` word and a negation), a negated instruction ("do not give", "never leave") or a `prohibiting`
    word ("avoid", "banned", "unsafe") —, and "6 and older", "at least 13", "over 18" in a rule that is not denied
    ("can", "is safe", "must be") are let in. A clause that states no rule describes and sets no limit ("patients
    over 30 responded"). An age without a unit counts only after the people it is said of ("children under 12"),
    or after a copula where no word that could be its unit follows ("must be at least 13 to", not "must be at
    least 6 characters"); so does an age in years or months that does not say it is one ("12 years", not "12
    years old": a time as often)."""
    if not any(character.isdigit() for character in text):
        return frozenset(), frozenset()  # every age is written in digits: most claims name none
    patterns, table = _age_patterns(), _ages_table()
    prohibiting, permitting = frozenset(table["prohibiting"]), frozenset(table["permitting"])
    below: set[int] = set()
    allowed: set[int] = set()
    for clause in patterns["breaks"].split(text):
        # A negated bound limits an amount, not who ("do not take more than 10 mg if you are under 18").
        tokens = [t.lower().replace("’", "'") for t in _WORD.findall(patterns["bound"].sub(" ", clause))]
        negated = any(t in NEGATORS or t.endswith("n't") for t in tokens)
        rule = any(t in permitting for t in tokens)
        keeps_out = any(t in prohibiting for t in tokens) or (
            negated and (rule or (bool(tokens) and tokens[0] in table["instructing"]))
        )
        lets_in = rule and not negated and not keeps_out
        for name in ("below", "from", "over"):
            if not (keeps_out if name == "below" else lets_in):
                continue
            for match in patterns[name].finditer(clause):
                if (age := _age(match, clause, patterns)) is not None:
                    months, unit = age
                    # "over 18" lets in from 19, "over 4 months" from 5 months.
                    (below if name == "below" else allowed).add(months + (unit if name == "over" else 0))
    return frozenset(below), frozenset(allowed)


def _age(match: re.Match[str], clause: str, patterns: dict[str, re.Pattern[str]]) -> tuple[int, int] | None:
    """The age a match of an age pattern names, in months, and its unit in months (1 or 12); None where nothing
    says it is an age."""
    groups = {k: v for k, v in match.groupdict().items() if v}
    number = next(groups[k] for k in ("n", "plural", "least", "age", "plus") if k in groups)
    unit = groups.get("unit", "") or groups.get("least_unit", "")
    # "years old", "of age", "the age of", "older", "younger", "under-18s", "ages 12+" say an age; "12 years" alone
    # may be a time ("can persist for at least 12 years").
    said_as_age = bool(re.search(r"\b(?:old|olds|age|older|younger)\b", match.group(0), re.I)) or bool(
        groups.keys() & {"plural", "plus"}
    )
    before = clause[: match.start()]
    if not said_as_age and not patterns["holder"].search(before):
        if not patterns["copula"].search(before):
            return None
        after = re.match(r"\s*([A-Za-z]+)", clause[match.end() :])
        if after and match.group(0)[-1].isdigit() and after.group(1).lower() not in stop_words():
            return None  # "must be at least 6 characters": a number with its unit
    step = 1 if "month" in unit.lower() else 12
    return int(number) * step, step


@lru_cache(maxsize=1)
def _cardinals() -> frozenset[str]:
    """The words of whole numbers from two up in quantulum3's English number words ("two", "twenty",
    "hundred"): "a", "an" and "one" are mostly articles and pronouns ("one of the most common"), and its
    fractions and ordinals ("a third", "the third day") are no counts."""
    from quantulum3.regex import numberwords

    return frozenset(
        word
        for word, (scale, increment) in numberwords().items()
        if word.isalpha() and (increment >= 2 or scale >= 100) and float(scale).is_integer()
    )


def _spelled_out(text: str, tokens: list[str]) -> tuple[str, dict[int, str]]:
    """`text` with its numbers written as words in digits ("eight lanes" → "8 lanes", by quantulum3), and where
    each such number now starts → the words it was written in, for explanations."""
    cardinals = _cardinals()
    if not any(t in cardinals for t in tokens):
        return text, {}
    from quantulum3 import parser

    values = [
        v
        for v in parser.extract_spellout_values(text)
        if any(w.lower() in cardinals for w in v["old_surface"].split())
        # Not a list ("two, three or four times": quantulum3 adds them up), nor a name ("the Big Four firms",
        # "the Group of Seven": capitalised inside a sentence).
        and "," not in v["old_surface"]
        and not (
            v["old_span"][0] > 0 and v["old_surface"][0].isupper() and text[: v["old_span"][0]].strip()[-1:].isalnum()
        )
    ]
    parts, words, at, shift = [], {}, 0, 0
    for value in sorted(values, key=lambda v: v["old_span"][0]):
        start, end = value["old_span"]
        number = float(value["new_surface"])
        digits = str(int(number)) if number.is_integer() else str(number)
        parts += [text[at:start], digits]
        words[start + shift] = text[start:end]
        shift += len(digits) - (end - start)
        at = end
    return "".join(parts) + text[at:], words


def _amounts(text: str, written: dict[int, str] | None = None) -> tuple[list[Amount], frozenset[int]]:
    """The amounts in `text` and the years it names; `written` gives the words of numbers spelled out in the claim
    (`_spelled_out`)."""
    written = written or {}
    found, years = [], set()
    # "between 5 and 10" read as "5 to 10" ("between 20% and 30%" as "20 to 30%"), the text keeping its length so
    # that each amount's words are the claim's.
    ranged = _BETWEEN.sub(lambda m: m.group(0)[: m.start(1) - m.start()] + " to".ljust(len(m.group(1))), text)
    # Sums of money, times of day and days of the week are read first, and their words blanked (keeping every
    # offset) so that their numbers are not read again as plain ones; so are the numbers of releases.
    for pattern, read in ((_MONEY, _money), (_TIME_OF_DAY, _time_of_day), (_WEEKDAY, _weekday), (_VERSION, None)):
        for match in pattern.finditer(ranged):
            if read is not None and (amount := read(text, match, written)) is not None:
                found.append(amount)
            ranged = ranged[: match.start()] + " " * (match.end() - match.start()) + ranged[match.end() :]
    for match in _NUMBER.finditer(ranged):
        first, second, unit = match.group(1), match.group(2), match.group(3) or ""
        if unit.lower() in stop_words():
            unit = ""  # "in 2 of 3 cases", "19 is": a function word after a number is not its unit
        if YEAR.match(first) and not second and unit.lower() in ("", "s"):
            if not unit:
                years.add(int(first))
            continue  # "in 2019", "the 1990s": a year names a time, not an amount
        if not second and unit.lower() in _ORDINAL and match.group(0)[len(first)].isalpha():
            continue  # "the 3rd day", "21st century": a rank, not an amount
        try:
            low = float(first.replace(",", ""))
            high = float(second.replace(",", "")) if second else low
        except ValueError:
            continue
        word = ""
        if measured := measure(unit):
            word, (unit, factor) = concept(stem(unit)), measured
            low, high = low * factor, high * factor
            if unit == "time" and _EVERY.search(ranged[: match.start()]):
                unit = INTERVAL  # "every six hours" says how often, "for 30 days" how long
        else:
            unit = "%" if unit.lower() in ("%", "percent") else stem(unit) if unit else ""
        # A bound is every amount it allows, as the claim reader reads a dose's: "more than 5 songs" holds for 6,
        # "up to 8 days" for 6 (`amount_bound`, `[patterns]` in claim_reader.toml); "eight to ten lanes", as the
        # claim says it.
        found.append(_bounded(text, match, min(low, high), max(low, high), unit, written, (2, 1), word))
    return found, frozenset(years)


# A time after "every" or "each" is how often something happens, not how long it lasts or when.
INTERVAL = "interval"
_EVERY = re.compile(r"\b(?:every|each)\s+$", re.I)
# What pint reads a unit's word as measuring (its dimensionality) → the name of that quantity: amounts of one are
# compared in one unit ("1,200 metres" / "1.4 kilometres", "500 mcg" / "0.5 mg", "two weeks" / "14 days"). Rates
# ("mph"), energies ("kcal") and the rest keep their word as their unit.
_MEASURES = {"[length]": "length", "[mass]": "mass", "[length] ** 3": "volume", "[time]": "time"}
# Words pint reads as a unit that, after a number, mostly are something else: "5m people" (million), "the 1990 s",
# "at" (an atmosphere), "a" (a year).
_NOT_UNITS = frozenset(("m", "s", "t", "a", "at", "h", "units", "unit"))


@lru_cache(maxsize=4096)
def measure(word: str) -> tuple[str, float] | None:
    """The quantity a unit's word measures and the factor to that quantity's base unit (pint: "kilometres" →
    ("length", 1000.0), "mcg" → ("mass", 1e-09), "GB" → ("data", 8e9) in bits); None for a word pint does not
    know as a unit of length, mass, volume, time or data ("lanes", "people", "mph")."""
    if not word or word in _NOT_UNITS or word.lower() in stop_words():
        return None
    from pint.errors import PintError

    from .assertions import units

    try:
        base = units().Quantity(1.0, word).to_base_units()
    except (PintError, AttributeError, TypeError, ValueError):
        return None
    if str(base.units) == "bit":
        return "data", float(base.magnitude)
    name = _MEASURES.get(str(base.dimensionality))
    return (name, float(base.magnitude)) if name else None


def _money(text: str, match: re.Match[str], written: dict[int, str]) -> Amount:
    """A sum of money ("$2 million", "€10 a month", "up to $500"): its value in units of the currency, the
    currency (and the period it is paid for) as its unit."""
    sign, first, second, scale, period = match.groups()
    factor = _SCALES[scale.lower()] if scale else 1.0
    low = float(first.replace(",", "")) * factor
    high = float(second.replace(",", "")) * factor if second else low
    unit = _CURRENCIES[sign] + (f" per {period.lower()}" if period else "")
    return _bounded(text, match, min(low, high), max(low, high), unit, written, (3, 2))


def _time_of_day(text: str, match: re.Match[str], written: dict[int, str]) -> Amount:
    """A time of day ("9 am", "8:30 p.m."), as minutes after midnight."""
    hour, minutes, half = int(match.group(1)), int(match.group(2) or 0), match.group(3).lower()
    value = float((hour % 12 + (12 if half.startswith("p") else 0)) * 60 + minutes)
    return _bounded(text, match, value, value, TIME_OF_DAY, written, ())


def _weekday(text: str, match: re.Match[str], written: dict[int, str]) -> Amount | None:
    """A day of the week, or a span of days ("Monday to Friday"), by place in the week; None where the day is part
    of a name, after a capitalised word that is no function word ("Black Friday", "Cyber Monday"; not "On Monday",
    "Every Friday"), or dates a report ("officials said Tuesday")."""
    before = re.search(r"([A-Za-z]+)\s+$", text[: match.start()])
    if before and before.group(1)[0].isupper() and before.group(1).lower() not in stop_words():
        return None
    if _REPORTED_ON.search(text[: match.start()]):
        return None  # "the minister said Tuesday that …": when it was said
    first = _DAYS.index(match.group(1).lower()) + 1
    last = _DAYS.index(match.group(2).lower()) + 1 if match.group(2) else first
    return Amount(float(first), float(last if last >= first else last + 7), WEEKDAY, match.group(0).strip())


def _bounded(
    text: str,
    match: re.Match[str],
    low: float,
    high: float,
    unit: str,
    written: dict[int, str],
    numbers: Sequence[int],
    word: str = "",
) -> Amount:
    """An amount with the bound the words around it make ("up to $500"; `amount_bound`), in the claim's words:
    the numbers in `numbers` (groups of `match`, the later first) as the claim spelled them out, if it did."""
    bound, start, end = amount_bound(text, match.start(), match.end())
    limit = bound if bound and LIMIT_WORDS.search(text[start : match.start()]) else ""
    if bound == "at most":
        low = 0.0
    elif bound == "at least":
        high = math.inf
    words = text[start:end]
    for group in numbers:
        if match.group(group) and match.start(group) in written:
            at = match.start(group) - start
            words = words[:at] + written[match.start(group)] + words[at + len(match.group(group)) :]
    return Amount(low, high, unit, words.strip(), limit, word)


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
    amount_flip: tuple[str, str] | None  # not times of day or days of the week (`_POINTS`)
    quantifier_flip: tuple[str, str] | None
    # Amounts that never agree, times and days among them, where the claims state one proposition apart from them
    # (`_value_conflict`): "about 160,000 vehicles cross the bridge every day" vs "roughly 40,000 vehicles use the
    # bridge each day", "opens at 9 am" vs "opens at 8:30 am".
    value_conflict: tuple[str, str] | None = None
    # Where the claims date one event that happens once to different years (`_date_conflict`): "completed in
    # 1932" vs "finished in 1928", as "completed 1932", "finished 1928".
    date_conflict: tuple[str, str] | None = None
    # Where one keeps people out below an age that the other lets in, of one thing (`_age_conflict`): "not
    # recommended for children under 3" vs "safe for children 1 and older", as "not under 3", "from 1".
    age_conflict: tuple[str, str] | None = None
    # Whether the claims name different years, days of the week or times of day: each may say what holds at its
    # own time ("sales rose in 2019" / "sales fell in 2020").
    other_times: bool = False

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
    flips = _amount_flips(a.amounts, b.amounts)
    amount_flip = next((flip for unit, flip in flips.items() if unit not in _POINTS), None)
    return Contrast(
        overlap=round(overlap, 4),
        length_ratio=round(math.log(max(sizes[1], 1) / max(sizes[0], 1)), 4),
        negation_flip=a.negated != b.negated,
        antonym=_antonym(
            frozenset(t for t in a.terms if concept(stem(t)) not in b.words),
            frozenset(t for t in b.terms if concept(stem(t)) not in a.words),
        ),
        amount_flip=amount_flip,
        quantifier_flip=_quantifier_flip(a.quantifiers, b.quantifiers),
        value_conflict=_value_conflict_in_clauses(a, b),
        date_conflict=_in_clauses(a, b, _date_conflict),
        age_conflict=_age_conflict(a, b),
        other_times=bool(a.years and b.years and not a.years & b.years) or not _POINTS.isdisjoint(flips),
    )


def _in_clauses(
    a: Proposition, b: Proposition, conflict: Callable[[Proposition, Proposition], tuple[str, str] | None]
) -> tuple[str, str] | None:
    """What `conflict` finds between the two claims, or else between a clause of one and the other claim or a
    clause of it: a compound claim states each of its clauses ("the bridge opened in 1934 and was designed by …"
    dates the opening as "the bridge opened to traffic in 1932" does)."""
    for x in (a, *a.clauses):
        for y in (b, *b.clauses):
            if (found := conflict(x, y)) is not None:
                return found
    return None


def _antonym(left: frozenset[str], right: frozenset[str]) -> tuple[str, str] | None:
    # The first pair in sorted order that WordNet calls antonyms by stem, or where one word is the other with a
    # negating prefix. A screen compares tens of thousands of pairs: each word's stems are read once.
    table = antonyms()
    rights = [(y, stem(y), _unprefixed(y)) for y in sorted(right)]
    for x in sorted(left):
        sx, ux = stem(x), _unprefixed(x)
        for y, sy, uy in rights:
            if (sx, sy) in table or (len(y) >= 4 and sy in ux) or (len(x) >= 4 and sx in uy):
                return x, y
    return None


@lru_cache(maxsize=65536)
def _unprefixed(word: str) -> frozenset[str]:
    """The stems of `word` with a negating prefix taken off: "unregulated" / "regulated", "ineffective" /
    "effective", "non-addictive" / "addictive" (a word of four letters or more is another's base)."""
    return frozenset(stem(word[len(prefix) :]) for prefix in _NEGATING_PREFIXES if word.startswith(prefix))


def _amount_flips(left: Sequence[Amount], right: Sequence[Amount]) -> dict[str, tuple[str, str]]:
    # Each unit, in sorted order, whose amounts on the two sides never agree → the first amount of each side: "3 to
    # 5 g" vs "20 to 25 g", "22%" vs "88%", and two limits that differ ("up to two days a week" vs "limited to one
    # day a week": each allows the other's value, but they state different limits). A bare number ("in 2 of 3
    # cases", "text 1") names no quantity.
    flips = {}
    for unit in sorted(({x.unit for x in left} & {y.unit for y in right}) - {""}):
        xs, ys = [x for x in left if x.unit == unit], [y for y in right if y.unit == unit]
        if not any(_agree(x, y) for x in xs for y in ys):
            flips[unit] = (xs[0].text, ys[0].text)
    return flips


def _agree(x: Amount, y: Amount) -> bool:
    """Whether two amounts of one unit can both hold: they overlap, and if both are limits of one kind, they
    are one limit (within the same 10% slack)."""
    if not _overlap(x, y):
        return False
    if x.limit and x.limit == y.limit:
        edge = (x.high, y.high) if x.limit == "at most" else (x.low, y.low)
        return _overlap(Amount(edge[0], edge[0], x.unit, ""), Amount(edge[1], edge[1], y.unit, ""))
    return True


def _value_conflict_in_clauses(a: Proposition, b: Proposition) -> tuple[str, str] | None:
    """The values of a value conflict (`_value_conflict`) between the two claims or a clause of one and the other claim
    or a clause of it (a compound claim states each of its clauses), where neither claim states the other's proposition
    with a value that agrees: "the morning train carries 400 passengers, and the evening train carries 650" gives the
    650 of "the evening train carries 650 passengers". Of several, the one between the parts that share the most of
    their words, and the shortest of those."""
    found: list[tuple[float, int, int, tuple[str, str]]] = []
    for x in (a, *a.clauses):
        for y in (b, *b.clauses):
            if (conflict := _value_conflict(x, y)) is None:
                continue
            unit, values = conflict
            if any(_agree_on(other, y, unit) for other in a.clauses or (a,)) or any(
                _agree_on(x, other, unit) for other in b.clauses or (b,)
            ):
                continue
            shared = len(x.words & y.words) / max(min(len(x.words), len(y.words)), 1)
            found.append((-shared, len(x.words) + len(y.words), len(found), values))
    return min(found)[3] if found else None


def _value_conflict(a: Proposition, b: Proposition) -> tuple[str, tuple[str, str]] | None:
    """The first unit whose amounts never agree on the two sides (`_amount_flips`), with the first amount of each
    side, where the two claims state one proposition (`_one_proposition`) with another value. Two sources giving
    different values of one measure of one thing disagree, whatever the topic (a count, a share, a length, a price);
    the claim reader's dose judge reads doses more closely. Not where a claim is negated ("not 30 days" says what it
    is not), states a condition ("when you take 3 mg, levels rise 10 times": a value under it), or where the two name
    different years (two times)."""
    if a.negated or b.negated or a.conditional or b.conditional or not (a.amounts and b.amounts):
        return None
    if a.years and b.years and not a.years & b.years:
        return None
    flip = next(iter(_amount_flips(a.amounts, b.amounts).items()), None)
    return flip if flip is not None and _one_proposition(a, b, flip[0]) else None


def _agree_on(a: Proposition, b: Proposition, unit: str) -> bool:
    """Whether the two state one proposition with amounts of `unit` that agree."""
    has = any(x.unit == unit for x in a.amounts) and any(y.unit == unit for y in b.amounts)
    return has and unit not in _amount_flips(a.amounts, b.amounts) and _one_proposition(a, b, unit)


def _one_proposition(a: Proposition, b: Proposition, unit: str) -> bool:
    """Whether two claims that give amounts of `unit` state one proposition apart from them: apart from words of
    approximation they share three quarters of the shorter one's content words, two at least, the unit among them
    (it names what is counted or measured, in whatever words: "metres" and "kilometres" are one unit of length)."""
    aside = _not_the_proposition()
    # A unit read in its base unit is one word of both claims, whatever word each writes it in.
    named = {x.word for x in (*a.amounts, *b.amounts) if x.unit == unit and x.word}
    left, right = a.words - aside - named, b.words - aside - named
    shared = len(left & right) + bool(named)
    return shared >= 2 and shared >= 0.75 * (min(len(left), len(right)) + bool(named))


@lru_cache(maxsize=1)
def _not_the_proposition() -> frozenset[str]:
    """The concepts of words of approximation and of the days of the week: values, or how exact a value is, as the
    numbers are; left out when two claims are compared apart from their values."""
    return frozenset(concept(stem(w)) for w in (*APPROXIMATORS, *_DAYS))


def _date_conflict(a: Proposition, b: Proposition) -> tuple[str, str] | None:
    """The two claims' dates where they date one event that happens once (`events`: a completion, a birth, a
    founding) to years that differ, and state one proposition apart from the dates: apart from the words that name
    the event and the months, they share three quarters of the shorter one's content words, two at least ("the
    bridge was completed in 1932" / "construction of the bridge finished in 1928"). An event that recurs is no conflict
    ("closed in 1992" / "closed in 2004"), nor a date in a negated claim or under a condition."""
    if a.negated or b.negated or a.conditional or b.conditional:
        return None
    if not (a.years and b.years) or a.years & b.years:
        return None
    named_a, named_b = dict(a.events), dict(b.events)
    shared_events = sorted(set(named_a) & set(named_b))
    if not shared_events:
        return None
    aside = {concept(stem(w)) for w in (*named_a.values(), *named_b.values(), *MONTHS)}
    left, right = a.words - aside, b.words - aside
    shared = len(left & right)
    if shared < 2 or shared < 0.75 * min(len(left), len(right)):
        return None
    event = shared_events[0]

    def dated(named: dict[str, str], years: frozenset[int]) -> str:
        return f"{named[event]} {', '.join(map(str, sorted(years)))}"

    return dated(named_a, a.years), dated(named_b, b.years)


def _age_conflict(a: Proposition, b: Proposition) -> tuple[str, str] | None:
    """The two claims' age limits where one keeps people out below an age that the other lets in ("not
    recommended for children under 3" / "safe for children 1 and older"; "not available to users under 16" /
    "users must be at least 13 to use the app"), and they speak of one thing: a content word in common that is
    neither a word of age nor of the people a limit is said of, nor a generic word. A claim that states both
    kinds of limit is left alone, as are two that keep out, or let in, at different ages ("not for children under
    12" / "not for children under 6" say no one is let in)."""
    for first, second, flipped in ((a, b, False), (b, a, True)):
        if not (first.forbidden_below and second.allowed_from) or first.allowed_from or second.forbidden_below:
            continue
        kept_out, let_in = max(first.forbidden_below), min(second.allowed_from)
        if let_in >= kept_out or not (a.words & b.words) - _age_concepts() - generic_words():
            continue
        found = f"not under {_months(kept_out)}", f"from {_months(let_in)}"
        return (found[1], found[0]) if flipped else found
    return None


@lru_cache(maxsize=1)
def _age_concepts() -> frozenset[str]:
    """Words of age and of the people an age limit is said of, as concepts: what two age limits share by being
    age limits."""
    words = {*_ages_table()["holders"], *(w for w in POPULATION_WORDS if " " not in w)}
    words |= {"age", "aged", "ages", "year", "years", "old", "olds", "month", "months", "older", "younger"}
    return frozenset(concept(stem(w)) for w in words)


def _months(months: int) -> str:
    """An age as a limit names it: "3" (years), "6 months"."""
    return str(months // 12) if months % 12 == 0 else f"{months} months"


def _overlap(x: Amount, y: Amount, tolerance: float = 0.1) -> bool:
    # Within 10% of each other, as two sources round a value; a time of day or a day of the week is a point on a
    # clock or in a week, not a size: 8:30 is not 9 o'clock give or take, nor Saturday Friday.
    if x.unit in (TIME_OF_DAY, WEEKDAY):
        tolerance = 0.0
    return x.low <= y.high * (1 + tolerance) and y.low <= x.high * (1 + tolerance)


def _quantifier_flip(left: frozenset[str], right: frozenset[str]) -> tuple[str, str] | None:
    if left and right and not left & right:
        return sorted(left)[0], sorted(right)[0]
    return None
