"""Stage 6a: what each claim asserts — effects (agent → target, direction), absences, quantities,
hedges and scope — read with a spaCy parser and a small direction lexicon."""

from __future__ import annotations

import math
import re
import sys
import tomllib
import types
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import snowballstemmer

from .predications import YEAR, Identity, Predication, read_datings, read_identities, read_predications


def _alternatives(words: Iterable[str]) -> str:
    """A regular expression's alternatives matching any of `words` literally, the longest first ("no more" before
    "no")."""
    return "|".join(sorted(map(re.escape, words), key=len, reverse=True))


# The reader's lexicons and patterns are data (detector/reader/data/claim_reader.toml): English words and phrasings.
LEXICON_FILE = Path(__file__).with_name("data") / "claim_reader.toml"
_LEXICON = tomllib.loads(LEXICON_FILE.read_text(encoding="utf-8"))
_WORDS = {name: frozenset(words) for name, words in _LEXICON["words"].items()}
# Direction of an effect, by verb (or nominalised verb) lemma; spaCy's lemmatizer normalises the forms.
RAISE = _WORDS["raise"]
LOWER = _WORDS["lower"]
_CARRIERS = _WORDS["carriers"]
_RELATIONAL = _WORDS["relational"]
_GENERIC = _WORDS["generic"]
_NOT_AGENTS = _WORDS["not_agents"]
_POINTING = _WORDS["pointing"]
_HOLDER_PREPOSITIONS = _WORDS["holder_prepositions"]
_CAUSING = _WORDS["causing"]
_TOPIC_PREPOSITIONS = _WORDS["topic_prepositions"]
_TREATING = _WORDS["treating"]
_COMPARATIVE = _WORDS["comparative"]
_NEGATORS = _WORDS["negators"]
_BELIEF_VERBS = _WORDS["belief_verbs"]
_BELIEF_HOLDERS = _WORDS["belief_holders"]
_CONJECTURE_VERBS = _WORDS["conjecture_verbs"]
_BELIEF_NOUNS = _WORDS["belief_nouns"]
_CONTRAST = _WORDS["contrast"]
_PROCEDURE_VERBS = _WORDS["procedure_verbs"]
_PROCEDURE_HOLDERS = _WORDS["procedure_holders"]
_AIM_NOUNS = _WORDS["aim_nouns"]
_FINDING_VERBS = _WORDS["finding_verbs"]
_QUESTION_WORDS = _WORDS["question_words"]
_REGIMEN_PHASES = _WORDS["regimen_phases"]
CONDITIONS = _WORDS["conditions"]
_DENYING_VERBS = _WORDS["denying_verbs"]
_IMPLICATIVE_VERBS = _WORDS["implicative_verbs"]
_FORBIDDING_VERBS = _WORDS["forbidding_verbs"]
# Each word that gives an amount a role → the role ("mean" → "average").
_DOSE_ROLES = {word: role for role, words in _LEXICON["dose_roles"].items() for word in words}
_ROLE_WORDS = _alternatives(_DOSE_ROLES)
_ROLE_PATTERN = re.compile(r"\b(" + _ROLE_WORDS + r")\b", re.I)
# A role named right after an amount, in its own phrase: "a 5 g maintenance dose", "5 g initially".
_ROLE_AFTER = re.compile(r"[\s-]*(" + _ROLE_WORDS + r")\b", re.I)
# Each word for an age group a dose can be for → the group ("teens" → "children").
_POPULATIONS = {word: group for group, words in _LEXICON["populations"].items() for word in words}
_POPULATION_PATTERN = re.compile(r"\b(" + _alternatives(_POPULATIONS) + r")\b", re.I)
# The words for age groups, as written ("children", "older adults").
POPULATION_WORDS = frozenset(_POPULATIONS)
HEDGES: dict[str, str] = dict(_LEXICON["hedges"])
# Nouns that name one concept (WordNet's, one group a line; see scripts/build_concepts.py).
CONCEPTS_FILE = LEXICON_FILE.with_name("concepts.tsv")
_SUBJECTS = frozenset({"nsubj", "nsubjpass", "csubj", "csubjpass", "expl"})
_AGENT_DEPS = (("nsubj", "nsubjpass"), ("poss", "nmod"))
_HEDGE_PATTERN = re.compile(r"\b(" + _alternatives(HEDGES) + r")\b", re.I)
_PATTERNS = {name: re.compile(pattern, re.I) for name, pattern in _LEXICON["patterns"].items()}
_SCOPE_PATTERN = _PATTERNS["scope"]
_ADVICE = _PATTERNS["advice"]
_META = _PATTERNS["meta"]
_LIMIT = _PATTERNS["limit"]
# Bound words that state a limit, the most or the least allowed ("up to", "a maximum of", "limited to"), not a
# description ("less than 1%"): two limits of one measure that differ disagree (propositions.py).
LIMIT_WORDS = _PATTERNS["limit_words"]
_PROMOTIONAL = _PATTERNS["promotional"]
# A negator or "avoid" in the same clause, right before a bound: "do not take more than", "avoid more than".
_DENIED_BOUND = re.compile(
    r"(?:\b(?:" + _alternatives(_NEGATORS) + r")|n['’]t|\bavoid\w*)"
    r"\b[^.;:,!?]*$",
    re.I,
)
# Bounds on an amount, checked in this order: "no more than" is a most before "more than" is a least.
_BOUNDS = (
    ("at most", _PATTERNS["at_most_before"], _PATTERNS["at_most_after"]),
    ("at least", _PATTERNS["at_least_before"], _PATTERNS["at_least_after"]),
)


@dataclass(frozen=True)
class Effect:
    """`agent` raises (+1) or lowers (-1) `target`, as `verb` says; `negated` when the text denies it."""

    agent: str
    target: str
    direction: int
    verb: str
    negated: bool


@dataclass(frozen=True)
class Quantity:
    """An amount as a range in a base unit (e.g. grams), with the words it was read from. `bound` says when the
    words make it a limit rather than a value: "at most" ("up to 6 mg", "3 g or less") or "at least" ("more than
    5 g"); the range is then what was stated, and `span` what the claim allows."""

    low: float
    high: float
    unit: str
    text: str
    bound: str = ""
    # What the amount is for, where its clause says: a phase of a regimen ("loading", "maintenance", "starting"),
    # "average" (what a study's people took), or "if" (the amount of a condition: "when taken above 5 mg").
    role: str = ""

    def answers_alike(self, other: Quantity) -> bool:
        """Whether two amounts answer one question: in one role, or one in none and the other a phase of a
        regimen ("3 to 5 g a day" and "a maintenance dose of 20 g"; not "a loading dose" and "a maintenance
        dose", nor "a mean dose" and a plain one)."""
        roles = {self.role, other.role}
        return len(roles) == 1 or ((roles - {""}) <= _REGIMEN_PHASES and "" in roles)

    def span(self) -> tuple[float, float]:
        """The amounts the claim speaks of: from none to the limit, or from the limit up, for a bound."""
        if self.bound == "at most":
            return 0.0, self.high
        if self.bound == "at least":
            return self.low, math.inf
        return self.low, self.high


@dataclass(frozen=True)
class Assertion:
    """What one claim asserts, for the judges that compare claims."""

    kind: str  # "claim", "advice", "meta", "promotional" or "reported" (a belief reported, not stated)
    effects: tuple[Effect, ...] = ()
    absences: tuple[str, ...] = ()  # concepts the claim says are absent ("addiction" in "without addiction")
    # Stems of what the claim says occurs ("may lead to dependency", "side effects like sedation"), not of
    # what it only names as a topic ("addiction treatment", "regarding hair loss") or denies.
    occurs: tuple[str, ...] = ()
    quantities: tuple[Quantity, ...] = ()
    hedges: tuple[str, ...] = ()
    scope: tuple[str, ...] = ()
    dosing: bool = False
    # The age groups the claim names ("children", "older"; `[populations]`): whom its doses are for. None named:
    # the usual dose, an adult's.
    population: tuple[str, ...] = ()
    phrases: dict[str, str] = field(default_factory=dict)  # stem → the words it came from, for explanations
    # Absent or occurring stem → stems of the words that narrow it, space-separated ("vaccine" → "influenza"
    # in "an influenza vaccine"): "no oxford vaccine" and "an influenza vaccine" speak of different vaccines.
    qualifiers: dict[str, str] = field(default_factory=dict)
    # Absent or occurring stem → who or what it is absent from or occurs with, named as an effect's agent is
    # ("kratom" in "kratom users report no hair loss"): "no mutation in the Swedish virus" and "mutations
    # in the receptor-binding domain" are not about one thing. Empty when the claim does not say.
    holders: dict[str, str] = field(default_factory=dict)
    # Whether the claim names what it speaks of only by pointing back to an earlier sentence ("its active
    # compounds", "this herb", "it"), and the stems the scan gave it for that (its document's topic).
    refers_back: bool = False
    context: tuple[str, ...] = ()
    # Whether the text holds a clause (a verb with its subject): a statement, not a title or a label.
    clause: bool = True
    # "done" when it says what was studied or what a text sets out to tell, and no finding ("a trial looked at
    # the effect of X"); "denied" when it says a thing was not studied; "" otherwise (candidates.on_one_footing).
    research: str = ""
    # What each clause predicates of what, stated or denied (predications.py): "does not cause cramps".
    predications: tuple[Predication, ...] = ()
    # Which named thing a description picks out, where a copula says so ("the local currency is the crown").
    identities: tuple[Identity, ...] = ()
    # What a participle dates of the noun it describes ("the barriers, completed in 2012, …"): read for dates only.
    datings: tuple[Predication, ...] = ()

    def about(self) -> set[str]:
        """Stems of what the claim speaks of: its own content words, and the context it refers back to."""
        return set(self.phrases) | set(self.context)


class AssertionReader:
    """Reads claims with a spaCy pipeline (tagger, parser, lemmatizer) loaded from a local folder."""

    def __init__(self, model_dir: Path) -> None:
        import spacy

        self._nlp = spacy.load(model_dir, exclude=["ner"])

    def read(self, texts: Sequence[str]) -> list[Assertion]:
        return [read_assertion(doc, self._verb_lemma) for doc in self._nlp.pipe(texts, batch_size=64)]

    @lru_cache(maxsize=4096)  # noqa: B019 - one reader per scan; the cache holds words, not documents
    def _verb_lemma(self, word: str) -> str:
        """A word's lemma read as a verb: the tagger sometimes calls "stimulates" a noun."""
        from spacy.tokens import Doc

        doc = Doc(self._nlp.vocab, words=[word], pos=["VERB"])
        return str(self._nlp.get_pipe("lemmatizer")(doc)[0].lemma_).lower()


_stemmer = snowballstemmer.stemmer("english")


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """A crude common root: "sedating" and "sedation" both give "sedat" (pure Python, so kept per word)."""
    return str(_stemmer.stemWord(word.lower()))


@lru_cache(maxsize=1)
def _concept_of() -> dict[str, str]:
    """Each stem of a group of `CONCEPTS_FILE` → the stem of the group's first word."""
    found = {}
    for line in CONCEPTS_FILE.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            stems = [stem(word) for word in line.split("\t")]
            found.update(dict.fromkeys(stems, stems[0]))
    return found


def concept(stem_: str) -> str:
    """A stem as its concept ("drowsi", "sleepi" and "somnol" are one, see CONCEPTS_FILE); others as they are."""
    return _concept_of().get(stem_, stem_)


def _key(word: str) -> str:
    return concept(stem(word))


@lru_cache(maxsize=1)
def generic_words() -> frozenset[str]:
    """Words too general to tell what two claims speak of ("study", "effect", "use"), as concepts."""
    return frozenset(_key(w) for w in _GENERIC | _NOT_AGENTS)


def read_assertion(doc: Any, verb_lemma: Any) -> Assertion:
    """Pull effects, absences, quantities, hedges and scope out of one parsed claim."""
    text = doc.text
    amounts = tuple(quantities(text, doc))
    kind = _kind(doc, amounts)
    tokens = list(doc)
    directions = [_direction(t, verb_lemma) for t in tokens]
    effects = []
    for i, sign in enumerate(directions):
        # A direction word right after another one modifies the target ("reducing elevated prolactin").
        if not sign or (i > 0 and directions[i - 1]) or _is_state_adjective(tokens, i) or _describes_a_noun(tokens[i]):
            continue
        target = _target(tokens, i + 1, directions)
        if target is None:
            continue
        effects.append(
            Effect(
                agent=_agent(tokens, i, target),
                target=target,
                direction=sign,
                verb=tokens[i].text,
                negated=_negated(tokens, i),
            )
        )
    absences, phrases, qualifiers, holders = _absences(tokens)
    occurring = [
        t for t in tokens if _content(t) and _occurs(t) and not _hyphened_to_next(t) and stem(t.text) not in absences
    ]
    occurs = {stem(t.text) for t in occurring}
    for t in occurring:
        narrowing = _qualifiers(t) - absences  # "non-scarring alopecia" is not narrowed by scarring
        if narrowing:
            qualifiers.setdefault(stem(t.text), " ".join(sorted(narrowing)))
        holders.setdefault(stem(t.text), _agent(tokens, t.i, t.lemma_.lower(), nearest=False) or _holder_after(t))
    for t in tokens:
        if _content(t):
            phrases.setdefault(stem(t.text), t.text)
    return Assertion(
        kind=kind,
        effects=tuple(effects),
        absences=tuple(sorted(absences)),
        occurs=tuple(sorted(occurs)),
        quantities=amounts,
        hedges=tuple(dict.fromkeys(HEDGES[m.group(1).lower()] for m in _HEDGE_PATTERN.finditer(text))),
        scope=tuple(dict.fromkeys(" ".join(m.group(0).lower().split()) for m in _SCOPE_PATTERN.finditer(text))),
        dosing=bool(re.search(r"\bdos(?:e|es|ing|age)\b", text, re.I)),
        population=tuple(sorted({_POPULATIONS[m.group(1).lower()] for m in _POPULATION_PATTERN.finditer(text)})),
        phrases=phrases,
        qualifiers=qualifiers,
        holders=holders,
        refers_back=any(_points_back(t) for t in tokens if t.dep_ in ("nsubj", "nsubjpass", "poss")),
        clause=any(t.dep_ in _SUBJECTS and t.head.pos_ in ("VERB", "AUX") for t in tokens),
        research=_research_footing(doc),
        predications=read_predications(doc, _key, _DENYING_VERBS, CONDITIONS, _BELIEF_NOUNS, _IMPLICATIVE_VERBS),
        identities=read_identities(doc, _key, CONDITIONS),
        datings=read_datings(doc, _key),
    )


def _points_back(token: Any) -> bool:
    """A subject that names nothing itself: a pronoun ("it", "they", "its") or a noun pointed at ("this herb")."""
    if token.lower_ in _POINTING or token.lower_ in ("it", "they"):
        return True
    return any(c.dep_ in ("det", "poss") and c.lower_ in _POINTING for c in token.children)


def _kind(doc: Any, amounts: Sequence[Quantity]) -> str:
    text = doc.text
    if _ADVICE.search(text) and not _states_a_limit(text, amounts):
        return "advice"
    if _imperative(doc) and not (_states_a_limit(text, amounts) or _instruction_states(doc)):
        return "advice"
    if _META.search(text):
        return "meta"
    if _PROMOTIONAL.search(text):
        return "promotional"
    if _reports_a_belief(doc):
        return "reported"
    return "claim"


def _reports_a_belief(doc: Any) -> bool:
    """Whether a sentence reports what others believe or say instead of stating it: "some people think that
    it is a sleeping pill", "a modern legend says that X triggers cramps", "the idea that X negates Y stems
    from older research". Who holds the belief is what tells it from a claim: "studies show that", "experts
    say that" and "contrary to popular belief, X" state X; and so does a clause of the author's own joined to the
    belief ("…, but studies show X"). A conjecture is reported whoever holds it: "researchers have theorized
    that X", "we hypothesized that X"."""
    root = _root(doc)
    if root is None or any(t.lower_ in _CONTRAST or t.text == ";" for t in doc):
        return False
    content = any(c.dep_ == "ccomp" for c in root.children)  # what is believed, in a clause of its own
    if root.lemma_.lower() in _CONJECTURE_VERBS:
        return content
    subjects = {c.lemma_.lower() for c in root.children if c.dep_ in ("nsubj", "nsubjpass")}
    if root.lemma_.lower() in _BELIEF_VERBS and subjects & (_BELIEF_HOLDERS | _BELIEF_NOUNS):
        return content
    # A belief as the sentence's subject (or, as the parser sometimes reads "the belief that X is wrong", its
    # root), with its content in a that-clause.
    if (subjects | {root.lemma_.lower()}) & _BELIEF_NOUNS:
        return any(t.lower_ == "that" and t.dep_ == "mark" for t in doc)
    return False


def _research_footing(doc: Any) -> str:
    """ "done" when a sentence says what was studied, or what a text sets out to tell, and states no finding: "a
    10-week trial looked at the effect of X", "levels were measured to see whether they changed", "below we cover
    whether X causes Y", "the aim of this review is to investigate X". "denied" when it says something was not
    studied ("X has not been studied in children", "no study has examined X"): a gap in the evidence, which an
    account of a study can contradict and a finding can too. "" for anything else, "X has been studied
    extensively", "all samples tested negative" and a sentence that also reports a result ("we studied 120
    variants, of which 86 were found to …", "…, finding that …") among them."""
    root = _root(doc)
    if root is None or any(t.pos_ in ("VERB", "AUX") and t.lemma_.lower() in _FINDING_VERBS for t in doc):
        return ""
    if any(t.dep_ == "ccomp" and not _embedded_question(t) for t in doc):
        return ""  # a clause stated as what is so, not asked
    subjects = [c for c in root.children if c.dep_ in ("nsubj", "nsubjpass")]
    denied = any(c.dep_ == "neg" for c in root.children) or any(
        d.lower_ in ("no", "neither") for s in subjects for d in s.children
    )
    if root.lemma_.lower() == "be":  # "the aim of this review is to investigate …"
        aim = any(s.lemma_.lower() in _AIM_NOUNS for s in subjects)
        return (
            "done"
            if aim and not denied and any(c.dep_ == "xcomp" and _procedure_verb(c) for c in root.children)
            else ""
        )
    if not _procedure_verb(root):
        return ""
    if denied:
        return "denied"
    for verb in (root, *(c for c in root.children if c.dep_ == "conj" and c.pos_ in ("VERB", "AUX"))):
        # "tested negative", "was extensively studied": a result, or how much the thing was studied.
        if any(c.dep_ in ("acomp", "oprd") or c.pos_ == "ADJ" for c in verb.children):
            return ""
        if any(c.dep_ == "advmod" and c.lower_.endswith("ly") for c in verb.children):
            return ""
    # Joined to another statement, unless that is a purpose ("to see …") or a question ("if …").
    joined = (c for c in root.children if c.dep_ in ("conj", "advcl") and c.pos_ in ("VERB", "AUX"))
    for clause in joined:
        purpose = any(c.lower_ == "to" and c.dep_ == "aux" for c in clause.children)
        if not (_procedure_verb(clause) or purpose or _embedded_question(clause)):
            return ""
    if any(c.dep_ in ("nsubjpass", "auxpass") for c in root.children):
        return "done"  # "levels were measured": who measured does not matter
    return "done" if any(s.dep_ == "nsubj" and s.lemma_.lower() in _PROCEDURE_HOLDERS for s in subjects) else ""


def _procedure_verb(verb: Any) -> bool:
    """A verb of research procedure or of a text's agenda, phrasal ones with their particle ("look at")."""
    lemma = verb.lemma_.lower()
    particles = (c.lower_ for c in verb.children if c.dep_ in ("prt", "prep"))
    return lemma in _PROCEDURE_VERBS or any(f"{lemma} {p}" in _PROCEDURE_VERBS for p in particles)


def _embedded_question(clause: Any) -> bool:
    """Whether a clause is an embedded question: opened by "whether", "if", "what", "how" …"""
    first = min(clause.subtree, key=lambda t: t.i)
    marks = (c.lower_ for c in clause.children if c.dep_ == "mark")
    return first.lower_ in _QUESTION_WORDS or any(m in _QUESTION_WORDS for m in marks)


def _states_a_limit(text: str, amounts: Sequence[Quantity]) -> bool:
    """Advice that names an amount (`amounts`: the text's) or a bound ("avoid taking more than 8 grams a day")
    still states a fact that another text can contradict."""
    return bool(_LIMIT.search(text)) or any(q.unit for q in amounts)


def _root(doc: Any) -> Any:
    """The parse's first root (a sentence the parser split holds more than one), or None."""
    return next((t for t in doc if t.dep_ == "ROOT"), None)


def _imperative(doc: Any) -> bool:
    # "Take 500 mg with food." — a sentence whose root verb is a bare verb with no subject.
    root = _root(doc)
    if root is None:
        return False
    has_subject = any(c.dep_ in ("nsubj", "nsubjpass", "csubj", "expl") for c in root.children)
    return root.tag_ == "VB" and not has_subject and root.i <= 2


def _instruction_states(doc: Any) -> bool:
    """Whether an instruction states what another text can contradict: it forbids ("do not freeze the cake",
    "never give aspirin to children", "avoid alcohol"), or it gives a value ("bake at 180 degrees for 45 minutes",
    "take 3 mg an hour before bed"). "Keep reading to find out" and "take it with food" state nothing."""
    root = _root(doc)
    if any(c.dep_ == "neg" or c.lower_ == "never" for c in root.children):
        return True
    if root.lemma_.lower() in _FORBIDDING_VERBS:
        return True
    return any(t.like_num and t.tag_ == "CD" and not YEAR.match(t.text) for t in doc)


def _direction(token: Any, verb_lemma: Any) -> int:
    if not token.is_alpha and "-" not in token.text:
        return 0
    for lemma in (token.lemma_.lower(), verb_lemma(token.lower_)):
        if lemma in RAISE:
            return 1
        if lemma in LOWER:
            return -1
    return 0


def _is_state_adjective(tokens: list[Any], i: int) -> bool:
    # "Increased prolactin levels can contribute to calm" says what prolactin does, not what changes it.
    before = [t for t in tokens[:i] if not t.is_punct and t.lower_ not in ("the", "a", "an")]
    return not before and tokens[i].tag_ in ("VBN", "JJ")


def _describes_a_noun(token: Any) -> bool:
    # "start with lower doses", "and enhanced sleep": an adjective or participle naming a state, not a change.
    # An adverb on it ("significantly alleviated pain") says the tagger missed a verb.
    describes = token.dep_ == "amod" or (token.tag_ in ("JJ", "JJR") and token.head.pos_ in ("NOUN", "PROPN"))
    return describes and not any(child.dep_ == "advmod" for child in token.children)


def _target(tokens: list[Any], start: int, directions: list[int]) -> str | None:
    """The thing a direction word changes: the last word of the first run of content words after it."""
    run: list[Any] = []
    for j in range(start, min(start + 8, len(tokens))):
        t = tokens[j]
        if t.text == "-":  # "pro-inflammatory cytokines": the hyphen joins, it does not end the run
            continue
        if t.is_punct or t.dep_ == "cc" or (run and t.pos_ in ("VERB", "AUX", "ADP")):
            break
        passes_on = t.lower_ in _RELATIONAL and j + 1 < len(tokens) and tokens[j + 1].lower_ == "of"
        if t.lower_ in _CARRIERS or passes_on or _manner(t) or directions[j] or t.is_stop or not t.is_alpha:
            if run:
                break
            continue
        run.append(t)
    if not run:
        return None
    return str(run[-1].lemma_.lower() if run[-1].pos_ in ("NOUN", "PROPN") else run[-1].lower_)


def _manner(token: Any) -> bool:
    """An adverb of manner or degree ("greatly", "naturally"): read as an -ly adverb, since the tagger calls an
    unknown noun ("prolactin") an adverb too."""
    return bool(token.pos_ == "ADV" and token.lower_.endswith("ly"))


def _agent(tokens: list[Any], i: int, target: str, *, nearest: bool = True) -> str:
    """Who acts: a subject or possessor before the verb ("kratom" in "kratom’s ability to stimulate"), else the
    nearest noun before it; with the words that name it with it ("kratom extract"). Empty when unknown, and
    when the claim points back to an earlier sentence ("this herb"): who that is, another sentence says."""
    nouns = [
        t
        for t in tokens[:i]
        if t.pos_ in ("NOUN", "PROPN")
        and t.lemma_.lower() != target
        and t.lower_ not in _CARRIERS
        and t.lemma_.lower() not in _NOT_AGENTS
        and not _hyphened_to_next(t)
        and not _hyphened_to_previous(t)
    ]
    chosen = next((c for deps in _AGENT_DEPS if (c := [t for t in nouns if t.dep_ in deps])), nouns if nearest else [])
    if not chosen:
        return ""
    head = chosen[-1]
    return "" if _points_back(head) else _name(head)


def _name(noun: Any) -> str:
    """A noun with the words compounded before it, as lemmas ("vitamin d supplement")."""
    return " ".join(t.lemma_.lower() for t in [*sorted(_compound_words(noun), key=lambda t: t.i), noun])


def _holder_after(token: Any) -> str:
    """Whom or what a noun concerns, named after it: "blood" in "absence of B cells from peripheral blood",
    "patients" in "immune response in severely affected patients"; empty when nothing is named."""
    for prep in token.children:
        if prep.dep_ == "prep" and prep.lower_ in _HOLDER_PREPOSITIONS:
            for noun in prep.children:
                if noun.dep_ == "pobj" and noun.pos_ in ("NOUN", "PROPN") and noun.is_alpha and not _points_back(noun):
                    return _name(noun)
    return ""


def _compound_words(token: Any) -> list[Any]:
    """The words compounded before a noun, and theirs ("vitamin d" in "vitamin d supplements")."""
    found = []
    for child in token.children:
        if child.dep_ == "compound" and child.i < token.i:
            found += [*_compound_words(child), *([child] if child.is_alpha else [])]
    return found


def agents_agree(first: str, second: str) -> bool:
    """Whether two effects can have one agent: one is unknown, or their names share a word ("kratom" and
    "kratom extract"); "vitamin d" and "mask" cannot."""
    return not first or not second or bool(set(first.split()) & set(second.split()))


def _negated(tokens: list[Any], i: int) -> bool:
    if any(c.dep_ == "neg" for c in tokens[i].children):
        return True
    window = [t.lower_ for t in tokens[max(0, i - 3) : i]]
    return any(w in _NEGATORS for w in window)


def _content(t: Any) -> bool:
    return t.is_alpha and not t.is_stop and len(t.text) > 2 and t.pos_ in ("NOUN", "PROPN", "VERB", "ADJ")


def _occurs(token: Any) -> bool:
    """Whether the claim says this thing happens, rather than naming it as a topic or a target of treatment."""
    if token.tag_ == "VBG" and token.dep_ in ("amod", "compound") and token.head.i != token.i:
        return _occurs(token.head)  # "may notice thinning hair": the thinning occurs if the hair does
    if token.pos_ == "ADJ":
        # "kratom is addictive" says it occurs; "addictive substances", "associated with" (a verb) do not.
        return token.dep_ in ("acomp", "attr")
    if token.pos_ not in ("NOUN", "PROPN") or token.dep_ == "compound":
        return False
    node = token
    while node.head.i != node.i and node.pos_ not in ("VERB", "AUX"):
        node = node.head
        if node.pos_ == "ADP" and node.lower_ in _TOPIC_PREPOSITIONS:
            return False
    return not (node.pos_ == "VERB" and node.lemma_.lower() in _TREATING)


def _qualifiers(token: Any) -> set[str]:
    """Stems of the content words that narrow an occurring noun ("influenza" in "influenza vaccine")."""
    if token.tag_ == "VBG" and token.dep_ in ("amod", "compound"):  # "thinning hair": what the hair is
        return {stem(token.head.text)} | _qualifiers(token.head) - {stem(token.text)}
    return {
        stem(child.text)
        for child in token.children
        if child.dep_ in ("compound", "amod")
        and _content(child)
        and child.lemma_.lower() not in _GENERIC
        and child.lower_ not in _NEGATORS | {"non"}
    }


def _absences(tokens: list[Any]) -> tuple[set[str], dict[str, str], dict[str, str], dict[str, str]]:
    """Stems of what the claim says is absent: "without addiction", "no significant hair thinning or loss";
    the words each came from; the stems that narrow each ("hair"); and whom each is absent from."""
    found: set[str] = set()
    phrases: dict[str, str] = {}
    qualifiers: dict[str, str] = {}
    holders: dict[str, str] = {}
    for i, t in enumerate(tokens):
        cue = t.lower_
        if cue not in ("without", "no", "non", "free", "lack", "absence") and not (
            cue in ("not", "n't", "never") and i + 1 < len(tokens) and tokens[i + 1].lemma_.lower() in _CAUSING
        ):
            continue
        if cue == "without" and i > 0 and tokens[i - 1].lower_ in ("not", "never"):
            continue  # "not without side effects" says they occur
        if {t.lower_ for t in tokens[i + 1 : i + 5]} & _COMPARATIVE:
            continue  # "without the same level of addiction risk" says there is less of it, not none
        if cue == "without" and [t.lower_ for t in tokens[max(0, i - 2) : i]] in (["with", "and"], ["with", "or"]):
            continue  # "subjects with and without covid-19 infection": both kinds, none absent
        if _describes_a_group(t):
            continue  # "a test for individuals without symptoms" says who is tested, not that symptoms are absent
        # "does not result in improvements": what is denied comes after the verb and its preposition.
        start = i + 2 if cue in ("not", "n't", "never") else i + 1
        while cue in ("not", "n't", "never") and start < len(tokens) and tokens[start].pos_ in ("ADP", "PART"):
            start += 1
        phrase: list[Any] = []
        # "non-scarring alopecia" denies the scarring, not the alopecia: "non" covers one word.
        reach = start + 2 if cue == "non" else start + 7
        for t2 in tokens[start:reach]:
            if t2.is_punct and t2.text != "-":
                break
            # The absent thing is the phrase right after the cue: "no association with cancer" denies an
            # association, not cancer; "without improved activity against the virus" denies no virus.
            within_a_word = _hyphened_to_previous(t2)
            if t2.pos_ in ("VERB", "AUX", "ADP", "SCONJ") and any(map(_names_a_concept, phrase)) and not within_a_word:
                break  # ("person-to-person transmission" goes on past its "to")
            if t2.pos_ == "SCONJ" or t2.lower_ == "that":
                break  # "no evidence that it works": what is missing is a proof, not a thing that can occur
            phrase.append(t2)
        span = [t2 for t2 in phrase if _names_a_concept(t2)]
        # The phrase's heads name the concept: the words it hangs from, and the words joined to those by
        # "or"/"and" ("thinning or loss"); the rest narrow it ("hair" in "hair thinning", "sars-cov-2" in
        # "sars-cov-2 cross-neutralization", which denies a neutralization, not the virus). A head too general
        # to name one ("sedating properties") gives way to the words that say which.
        inside = {t2.i for t2 in phrase}
        roots = [t2 for t2 in phrase if t2.head.i not in inside or t2.head.i == t2.i]
        heads = [t2 for t2 in phrase if t2 in roots or (t2.dep_ == "conj" and t2.head in roots)]
        heads = [t2 for t2 in heads if not _hyphened_to_next(t2)]
        named = [t2 for t2 in heads if _names_a_concept(t2)]
        named += [c for t2 in heads if not _names_a_concept(t2) for c in t2.children if c in span and c not in named]
        heads = named or [t2 for t2 in span if not _hyphened_to_next(t2)][-1:]
        narrowing = {stem(x.text) for x in span if x not in heads}
        # A letter narrows too: "no B cells" are not all cells.
        narrowing |= {stem(c.text) for h in heads for c in h.children if c.dep_ == "compound" and c.is_alpha}
        for t2 in heads:
            found.add(stem(t2.text))
            phrases[stem(t2.text)] = " ".join(x.text for x in span)
            holders[stem(t2.text)] = _agent(tokens, i, t2.lemma_.lower(), nearest=False) or _holder_after(t2)
            if narrowing:
                qualifiers[stem(t2.text)] = " ".join(sorted(narrowing))
    return found, phrases, qualifiers, holders


def _hyphened_to_previous(token: Any) -> bool:
    """Whether a word ends a hyphenated word ("person" at the end of "person-to-person")."""
    doc = token.doc
    k = token.i
    return k >= 2 and doc[k - 1].text == "-" and not doc[k - 1].whitespace_ and not doc[k - 2].whitespace_


def _describes_a_group(cue: Any) -> bool:
    """Whether an absence cue only says which people or things are meant: "individuals without symptoms",
    "people with no symptoms"."""
    if cue.lower_ == "without":
        return cue.dep_ == "prep" and cue.head.pos_ in ("NOUN", "PROPN")
    noun = cue.head
    return (
        cue.dep_ == "det"
        and noun.dep_ == "pobj"
        and noun.head.lower_ == "with"
        and noun.head.head.pos_ in ("NOUN", "PROPN")
    )


def _names_a_concept(token: Any) -> bool:
    return _content(token) and token.lemma_.lower() not in _GENERIC


def _hyphened_to_next(token: Any) -> bool:
    """Whether a word is the front of a hyphenated word ("sars" in "sars-cov-2", "cross" in
    "cross-neutralization"): the last part names the thing, the front narrows it."""
    doc = token.doc
    k = token.i
    return (
        k + 2 < len(doc)
        and not token.whitespace_
        and doc[k + 1].text == "-"
        and not doc[k + 1].whitespace_
        and any(c.isalpha() for c in doc[k + 2].text)
    )


@lru_cache(maxsize=1)
def _quantity_parser() -> Any:
    _import_inflect_unchecked()
    import quantulum3.classifier

    # quantulum3's optional classifier is a pickle that newer scikit-learn cannot load; its rule-based
    # unit disambiguation is what we want anyway.
    quantulum3.classifier.USE_CLF = False
    from quantulum3 import parser

    return parser


def _import_inflect_unchecked() -> None:
    """Import inflect (quantulum3 pluralizes unit names with it) without its run-time type checks.

    inflect wraps its engine in typeguard's @typechecked, which re-parses and re-compiles the class at import:
    about 2 s of a cold scan here (jaraco/inflect#212, agronholm/typeguard#468). The checks only reject
    arguments of the wrong type, which quantulum3 does not pass; a pass-through decorator stands in while
    inflect is imported, and the real typeguard module is put back right after.
    """
    if "inflect" in sys.modules:
        return
    stand_in = types.ModuleType("typeguard")
    stand_in.typechecked = lambda target=None, **_: target if target is not None else (lambda f: f)  # type: ignore[attr-defined]
    real = sys.modules.get("typeguard")
    sys.modules["typeguard"] = stand_in
    try:
        import inflect  # noqa: F401
    finally:
        if real is not None:
            sys.modules["typeguard"] = real
        else:
            del sys.modules["typeguard"]


@lru_cache(maxsize=1)
def _plural_symbol() -> re.Pattern[str]:
    """A unit's symbol written with a plural s right after a number ("30 gms", "10 mins", "2 tsps"), where the
    symbol is one quantulum3 knows for an amount this reader converts (`_BASE`) and the word with the s is not (so
    "5 ms" stays milliseconds and "2 kgs" is read as it is): English pluralises abbreviations so, and quantulum3
    reads only the bare symbol."""
    _quantity_parser()
    from quantulum3 import load

    known = load.units("en_US")
    plain = {s.lower() for s in known.symbols_all} | {s.lower() for s in known.surfaces_all}
    symbols = (
        symbol
        for symbol, units in known.symbols.items()
        if len(symbol) > 1
        and symbol.isalpha()
        and f"{symbol}s".lower() not in plain
        and all(unit.entity.name in _BASE for unit in units)
    )
    return re.compile(r"(?<=\d)(\s?(?:" + _alternatives(symbols) + r"))s\b")


@lru_cache(maxsize=1)
def units() -> Any:
    """pint's unit registry (one a process: it takes a while to build)."""
    import pint

    return pint.UnitRegistry()


_BASE = {"mass": "gram", "volume": "litre", "time": "second", "length": "metre"}
# The units a dose is measured in: two dosing claims conflict over amounts, not over "one week" vs "3 hours"
# (when a dose is given) or "18 years" (whom it is given to).
DOSE_UNITS = frozenset({"gram", "litre"})


def quantities(text: str, doc: Any = None) -> Iterable[Quantity]:
    """Amounts with units in `text`, converted to base units; plain numbers and years are left out. With the
    text's parse (`doc`), an amount inside a condition ("when taken above 5 mg") has the role "if"."""
    if not re.search(r"\d", text):
        return []
    found: list[Quantity] = []
    ends: list[int] = []  # where the words of each amount found end
    previous = 0  # where the amount before this one ends: its words are not this one's
    # The s of a plural symbol becomes a space, so every amount keeps its place in the text.
    for q in _quantity_parser().parse(_plural_symbol().sub(r"\1 ", text)):
        entity, unit = _per_day(q) or (q.unit.entity.name, q.unit.name)
        if entity not in _BASE:
            if q.unit.name != "dimensionless":  # "0.3 g/kg", "37 °C": an amount, whose words are its own
                previous = q.span[1]
            continue
        try:
            factor = units()(unit).to(_BASE[entity]).magnitude
        except Exception:
            continue
        spread = q.uncertainty or 0.0
        amount_start, amount_end = q.span
        bound, start, end = amount_bound(text, amount_start, amount_end)
        low, high = (q.value - spread) * factor, (q.value + spread) * factor
        role, words_end = "", amount_end
        if _BASE[entity] in DOSE_UNITS:
            # A role named in the amount's own phrase, right after it ("a 5 g maintenance dose", "5 g initially"),
            # is its role, and the next amount's words begin after it; else the last one named before it.
            if after := _ROLE_AFTER.match(text, amount_end):
                role, words_end = _DOSE_ROLES[after.group(1).lower()], after.end()
            else:
                role = _role(text, max(previous, amount_start - 60), amount_start, doc) or _spread_of(
                    text, amount_start, found, ends
                )
        found.append(Quantity(low, high, _BASE[entity], text[start:end], bound, role))
        ends.append(words_end)
        previous = words_end
    return found


def _spread_of(text: str, start: int, found: list[Quantity], ends: list[int]) -> str:
    """The role of the amount a parenthesis right after it describes, for an amount inside that parenthesis:
    "a mean dose of 4 mg (min 1 mg, max 9 mg)" gives the least and the most that a study's people took,
    not two doses."""
    depth = 0
    for at in range(start - 1, -1, -1):
        depth += {")": 1, "(": -1}.get(text[at], 0)
        if depth < 0:
            heads = [k for k, end in enumerate(ends) if end <= at and not text[end:at].strip()]
            return found[heads[-1]].role if heads else ""
    return ""


def _per_day(q: Any) -> tuple[str, str] | None:
    """An amount a day ("20 grams per day", "5 mg/day") as the amount, the way "20 grams a day" reads: the entity
    and unit of what is taken. A rate per other time ("1 mg/h") or per body weight ("0.3 g/kg") is no dose."""
    dimensions = q.unit.dimensions
    if (
        len(dimensions) != 2
        or dimensions[0]["power"] != 1
        or (dimensions[1]["base"], dimensions[1]["power"]) != ("day", -1)
    ):
        return None
    amount = dimensions[0]["base"]
    for entity in ("mass", "volume"):
        try:
            units()(amount).to(_BASE[entity])
        except Exception:
            continue
        return entity, amount
    return None


def _role(text: str, window: int, start: int, doc: Any) -> str:
    """What the amount at text[start:] is for: the last word before it that names a role (`[dose_roles]`),
    or "if" when the parse puts it in a condition."""
    if named := _ROLE_PATTERN.findall(text[window:start]):
        return _DOSE_ROLES[named[-1].lower()]
    token = doc.char_span(start, start + 1, alignment_mode="expand") if doc is not None else None
    if token is None or not len(token):
        return ""
    for clause in (token.root, *token.root.ancestors):
        # The parser attaches "if" as a marker and "when" as an adverb of the clause's verb.
        if clause.dep_ == "advcl" and any(
            c.dep_ in ("mark", "advmod") and c.lower_ in CONDITIONS for c in clause.children
        ):
            return "if"
    return ""


def amount_bound(text: str, start: int, end: int) -> tuple[str, int, int]:
    """Whether the words around text[start:end] make the amount a bound ("up to", "or less", "more than"), and
    the span of the amount with those words. A least that is denied or to be avoided ("do not take more than
    8 g", "avoid more than 8 g") is a most."""
    window = max(0, start - 60)
    for bound, before, after in _BOUNDS:
        if found := before.search(text[window:start]):
            first = window + found.start()
            while first > 0 and text[first - 1].isalpha():  # the whole word: "don't exceed", not "n't exceed"
                first -= 1
            if bound == "at least" and _DENIED_BOUND.search(text[max(0, first - 40) : first]):
                bound = "at most"
            return bound, first, end
        if found := after.search(text[end : end + 30]):
            return bound, start, end + found.end()
    return "", start, end
