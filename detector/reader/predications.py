"""What each clause of a claim predicates of what, and whether the claim states or denies it: "creatine does not
cause cramps" → cause (creatine; cramps), denied. Two claims that predicate one thing of the same arguments, one
stating it and the other denying it, disagree whatever the verb ("the RAM cannot be upgraded" / "you can upgrade
the RAM"; "melatonin is not addictive" / "there is no evidence … " against "melatonin is addictive"). Read from a
spaCy parse: dependency labels and closed-class words are grammar, kept here; the verbs that deny what they hold
("fail", "deny") and the words that open a condition are lexicon entries (`claim_reader.toml`)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

# The dependency labels of a clause's head verb: the sentence's, a complement clause's, a conjoined or relative
# clause's. A participle that only describes a noun ("the reported effects", amod) heads no clause.
_CLAUSE_DEPS = frozenset("ROOT ccomp xcomp conj relcl advcl acl csubj csubjpass parataxis pcomp".split())
# What a copula or a verb of judging says of its subject: "is safe", "is a stimulant", "is considered safe".
_COMPLEMENT_DEPS = ("acomp", "attr", "oprd")
_SUBJECT_DEPS = ("nsubj", "csubj")
_PASSIVE_SUBJECT_DEPS = ("nsubjpass", "csubjpass")
_OBJECT_DEPS = ("dobj", "dative")
_AUXILIARY_OR_SUBJECT = ("aux", "auxpass", "nsubj", "nsubjpass")
# Clauses whose own truth the sentence does not assert: "whether it helps", "if you take it".
_OPEN_MARKERS = frozenset(("whether", "if"))
# A subject or object that denies the clause: "no study found", "none of them", "nothing suggests".
_DENYING_ARGUMENTS = frozenset(("none", "nothing", "nobody", "neither"))


# A noun's phrase or clause that narrows what it names: "people with an ulcer", "users who signed up".
_NARROWING_DEPS = frozenset(("prep", "relcl", "acl"))
# The words that carry content in a clause that narrows a description.
_CONTENT = frozenset(("NOUN", "PROPN", "VERB", "ADJ", "ADV"))
# A name written with full stops: "U.S.", "U.K.", "e.U.".
_ABBREVIATION = re.compile(r"(?:[A-Za-z]\.){2,}")
# A number that is a year ("in 2019"): it names a time, not an amount or a value an instruction gives.
YEAR = re.compile(r"^(1[89]|20)\d\d$")
# The prepositions that date what a clause says happened: "opened in 1932", "was founded on 4 May 1901".
_DATING = frozenset(("in", "on"))
# What picks out one thing or one set: "the bridge", "these barriers", "its founder" (an owner), or a name.
_ONE = frozenset(("the", "this", "that", "these", "those"))


# The subject of a clause whose subject is a pronoun ("it can lead to hair loss"): someone another sentence
# names, so not the same as a subject named on the other side, but the same as another pronoun ("you can /
# cannot build up a tolerance").
PRONOUN = "-"


@dataclass(frozen=True)
class Predication:
    """One clause: its predicate (a verb's lemma, or the complement of a copula: "safe" in "is considered safe"),
    the concepts of its subject, and of its other arguments by role — "" for what the verb acts on (passives read
    as actives: "the RAM can be upgraded" has RAM there), else the preposition that introduces them ("sold as a
    supplement": "as") — and whether the text denies it. `words` and `names` show it in an explanation."""

    predicate: str
    subject: frozenset[str]
    arguments: tuple[tuple[str, frozenset[str]], ...]
    denied: bool
    words: str
    # Each argument concept → the word it was read from ("ram" → "RAM"), subject first.
    names: tuple[tuple[str, str], ...] = ()
    # The concepts read from proper nouns ("Clara", "Bremen"): who or where, where a clause names them.
    proper: frozenset[str] = frozenset()
    # Whether the subject is narrowed by a phrase or a clause of its own ("people with a stomach ulcer", "users
    # who signed up before May"): a group, not whoever does it.
    narrowed: bool = False
    # For a verb: the form it is written in ("opened", "was founded": "founded"), the years the clause is dated to
    # ("in 1932", "on 4 May 1901"), and whether what it happens to — what it acts on, else its subject — is one
    # thing or set a name, "the" or an owner picks out (`_one`: "the bridge opened", "Acme was founded"; not "two
    # workers died").
    form: str = ""
    years: frozenset[int] = frozenset()
    one: bool = False


@dataclass(frozen=True)
class Identity:
    """A copula that says which named thing a description picks out: "the capital of Norland is Arlen", "Arlen is
    the capital of Norland". A description with "the" or a possessive picks out one thing, so two claims that
    name different things for one description disagree. `description`: the concepts of its head noun, the nouns
    compounded with it, its phrases' nouns, its owner and the content words of a clause that narrows it
    ("capital", "norland"); `qualities`: its adjectives ("official"). `words` and `named` show it in an
    explanation."""

    description: frozenset[str]
    qualities: frozenset[str]
    name: frozenset[str]
    words: str
    named: str


def read_predications(
    doc: Any,
    key: Any,
    denying_verbs: frozenset[str],
    conditions: frozenset[str],
    belief_nouns: frozenset[str] = frozenset(),
    implicative_verbs: frozenset[str] = frozenset(),
) -> tuple[Predication, ...]:
    """Each clause of a parsed claim that the claim asserts or denies, as a `Predication`. `key` turns a word into
    its concept ("teenagers" → "teenag"). Read: finite clauses ("does not cause", "can be upgraded", "is safe").
    Not read: an infinitive, a gerund or a subjunctive ("persuaded him not to use it", "before using it",
    "recommended that he use it": an aim or an activity, not a statement) — but the infinitive of an
    `implicative_verbs` word is one ("managed to finish it", "failed to meet the target"); a clause under a
    condition ("if …") or left open ("whether …", "how …"); the content of a belief named ("the theory that X
    causes Y": a `belief_nouns` word); a question; a purpose ("decoys to neutralize the virus"); and a frame
    whose content is a clause of its own ("studies show that X": X is read, with the frame's denial passed on —
    "no study has shown that X" denies X, "studies failed to show that X" too).
    """
    found = []
    for token in doc:
        if token.pos_ not in ("VERB", "AUX") or token.dep_ not in _CLAUSE_DEPS or not _finite(token, implicative_verbs):
            continue
        if token.dep_ == "conj" and token.head.pos_ not in ("VERB", "AUX"):
            continue
        if token.sent.text.rstrip().endswith("?") or _open(token, conditions, belief_nouns):
            continue
        children = list(token.children)
        complement = next((c for c in children if c.dep_ in _COMPLEMENT_DEPS and not _amount(c)), None)
        objects = [c for c in children if c.dep_ in _OBJECT_DEPS]
        # What a verb does to an activity is said of the activity: "supports charging over USB-C".
        activities = [c for c in children if c.dep_ == "xcomp" and c.tag_ == "VBG" and c.i > token.i]
        held = [c for c in children if c.dep_ in ("ccomp", "xcomp") and c.i > token.i and c not in activities]
        if complement is None and (token.lemma_ == "be" or held):
            continue  # "there is …", "studies show that …", "fails to …": the clause they hold is read on its own
        subject = _subject(token)
        roles: dict[str, dict[str, str]] = {}
        read: list[Any] = []  # the arguments besides the subject
        undergoer = subject  # what the clause happens to: what the verb acts on, else its subject
        if complement is not None:
            # "X is safe", "X is considered safe", "experts consider X safe": safe is said of X.
            subject = objects[0] if objects else subject
            predicate, head = complement, complement
        else:
            predicate, head = token, token
            themes = objects + activities
            if _passive(token):
                # "the RAM cannot be upgraded (by the user)": RAM is what is upgraded, the agent the subject.
                themes = ([subject] if subject is not None else []) + objects
                agent = next((c for c in children if c.dep_ == "agent"), None)
                subject = next((c for c in agent.children if c.dep_ == "pobj"), None) if agent is not None else None
            for theme in themes:
                roles.setdefault("", {}).update(_phrase(theme, key))
            read += themes
            undergoer = themes[0] if themes else subject
        # A copula's phrases are its complement's: "is not available in the UK" may hang "in the UK" on "is".
        said = (head, *activities) if complement is None else (head, token)
        for preposition, noun in [pp for word in said for pp in _prepositional(word)]:
            roles.setdefault(preposition, {}).update(_phrase(noun, key))
            read.append(noun)
        # Where a phrase hangs is often the parser's guess: "sold as medication in the U.S." hangs "in the U.S." on
        # "medication". A phrase of an argument's noun is the clause's too, where the clause has none with its
        # preposition ("of" says which thing the noun is, not where or how the clause holds).
        own = set(roles)
        for preposition, noun in [pp for word in list(read) for pp in _prepositional(word) if pp[0] != "of"]:
            if preposition not in own:
                roles.setdefault(preposition, {}).update(_phrase(noun, key))
                read.append(noun)
        roles = {role: words for role, words in roles.items() if words}
        subject_names = {PRONOUN: subject.text} if _pronoun(subject) else _phrase(subject, key)
        if not roles and not (set(subject_names) - {PRONOUN}):
            continue
        names = dict(subject_names)
        for words in roles.values():
            names.update(words)
        proper = {
            key(w.lower_)
            for argument in (subject, *read)
            if argument is not None and argument.pos_ != "PRON"
            for w in _phrase_words(argument)
            if w.pos_ == "PROPN"
        }
        found.append(
            Predication(
                predicate=key(predicate.lemma_.lower()),
                subject=frozenset(subject_names),
                arguments=tuple(sorted((role, frozenset(words)) for role, words in roles.items())),
                # "is not backlit": the parser may hang the "not" on the complement
                denied=_denied(token, denying_verbs) != (complement is not None and _has_neg(complement)),
                words=predicate.lemma_.lower(),
                names=tuple(names.items()),
                proper=frozenset(proper),
                narrowed=subject is not None and any(_narrows(c) for c in subject.children),
                form=token.lower_ if complement is None else "",
                years=frozenset(_years(said)) if complement is None else frozenset(),
                one=complement is None and _one(undergoer),
            )
        )
    return tuple(found)


def read_datings(doc: Any, key: Any) -> tuple[Predication, ...]:
    """What a past participle that describes a noun dates of it ("the flood barriers, completed in 2012, held";
    "a museum founded in 1901"), as a `Predication` of what it happens to (the noun, in the role "" as a passive's
    is) with its years: a participle states no clause of its own, so only the date judge reads these. Not in a
    question; nothing without a year."""
    found = []
    for token in doc:
        if token.dep_ != "acl" or token.tag_ != "VBN" or token.head.pos_ not in ("NOUN", "PROPN"):
            continue
        if token.sent.text.rstrip().endswith("?") or not (years := _years([token])):
            continue
        noun = token.head
        roles: dict[str, dict[str, str]] = {"": _phrase(noun, key)}
        for preposition, phrase in _prepositional(token):
            roles.setdefault(preposition, {}).update(_phrase(phrase, key))
        roles = {role: words for role, words in roles.items() if words}
        if "" not in roles:
            continue
        found.append(
            Predication(
                predicate=key(token.lemma_.lower()),
                subject=frozenset(),
                arguments=tuple(sorted((role, frozenset(words)) for role, words in roles.items())),
                denied=_has_neg(token),
                words=token.lemma_.lower(),
                names=tuple(item for words in roles.values() for item in words.items()),
                form=token.lower_,
                years=frozenset(years),
                one=_one(noun),
            )
        )
    return tuple(found)


def _years(words: Sequence[Any]) -> set[int]:
    """The years the clause of `words` is dated to: a year in their phrases of "in" or "on" ("in 1932", "in March
    1932", "on 4 May 1901")."""
    return {
        int(w.text)
        for word in words
        for preposition, noun in _prepositional(word)
        if preposition in _DATING
        for w in noun.subtree
        if w.like_num and YEAR.match(w.text)
    }


def _one(token: Any) -> bool:
    """Whether a noun picks out one thing, or one set of things: a name ("Acme"), or a noun with "the", "this",
    "these" or an owner ("the bridge", "its founder", "the city's flood barriers"), not counted ("the two workers")
    and with nothing joined to it ("the bridge and the tunnel"); not a noun said of any ("a museum", "workers")."""
    if token is None or token.tag_ not in ("NN", "NNS", "NNP", "NNPS"):
        return False
    if any(c.dep_ in ("conj", "nummod") for c in token.children):
        return False
    if token.pos_ == "PROPN":
        return True
    return any(c.dep_ == "poss" or (c.dep_ == "det" and c.lower_ in _ONE) for c in token.children)


def _narrows(token: Any) -> bool:
    """Whether a noun's child narrows what the noun names to a group: a phrase ("people with an ulcer", "children
    under 12") or a clause ("users who signed up"). An "of" phrase says which thing the noun is ("the majority of
    patients", "millions of women"): the same people, counted."""
    return token.dep_ in _NARROWING_DEPS and not (token.dep_ == "prep" and token.lower_ == "of")


def read_identities(doc: Any, key: Any, conditions: frozenset[str]) -> tuple[Identity, ...]:
    """Each stated copula of a parsed claim between a description and a proper name (`Identity`): "the local
    currency is the Norland crown". Not read: a denied or open one ("is not", "whether", "if"), a question, a
    description that counts ("the two capitals") or that a pronoun heads."""
    found = []
    for token in doc:
        if token.lemma_ != "be" or token.dep_ not in _CLAUSE_DEPS or not _finite(token) or _has_neg(token):
            continue
        if token.sent.text.rstrip().endswith("?") or _open(token, conditions, frozenset()):
            continue
        subject = next((c for c in token.children if c.dep_ == "nsubj"), None)
        # a name after "is" is sometimes parsed as an adjective's place (acomp): "the capital is Arlen"
        attribute = next((c for c in token.children if c.dep_ == "attr" or (c.dep_ == "acomp" and _names(c))), None)
        if subject is None or attribute is None:
            continue
        for description, name in ((subject, attribute), (attribute, subject)):
            if _describes_one(description) and _names(name):
                found.append(_identity(description, name, key))
    return tuple(found)


def _names(token: Any) -> bool:
    """A proper name: what the tagger calls one, or a capitalised noun with no determiner, which the small tagger
    often takes a name it does not know for at the start of a sentence ("Tessel is the capital")."""
    if token.pos_ == "PROPN":
        return True
    return token.pos_ == "NOUN" and token.text.istitle() and not any(c.dep_ in ("det", "poss") for c in token.children)


def _describes_one(token: Any) -> bool:
    """A noun with "the" or a possessive and no number: a description that picks out one thing."""
    if token.pos_ != "NOUN" or _amount(token) or _denying(token):
        return False
    return any((c.dep_ == "det" and c.lower_ == "the") or c.dep_ == "poss" for c in token.children)


def _identity(description: Any, name: Any, key: Any) -> Identity:
    # What narrows the description is part of it: whose or of what ("the capital of Norland", "the study's
    # author", "the best treatment for insomnia"), and what a clause says of it ("the hormone that regulates
    # sleep" is not "the hormone that wakes you"). Adjectives are its qualities.
    objects = [g for c in description.children if c.dep_ == "prep" for g in c.children if g.dep_ == "pobj"]
    owners = [c for c in description.children if c.dep_ == "poss" and c.pos_ != "PRON"]
    nouns = [w for head in (description, *objects, *owners) for w in _phrase_words(head)]
    clauses = [c for c in description.children if c.dep_ in ("relcl", "acl")]
    nouns += [w for c in clauses for w in c.subtree if w.pos_ in _CONTENT and w.is_alpha and not w.is_stop]
    adjectives = [c for c in description.children if c.dep_ == "amod" and c.is_alpha]
    named = _phrase_words(name)
    return Identity(
        description=frozenset(key(w.lower_) for w in nouns),
        qualities=frozenset(key(w.lower_) for w in adjectives),
        name=frozenset(key(w.lower_) for w in named),
        words=" ".join(w.text for w in sorted({*nouns, *adjectives}, key=lambda w: w.i)),
        named=" ".join(w.text for w in named),
    )


def _finite(token: Any, implicative_verbs: frozenset[str] = frozenset()) -> bool:
    """Whether a verb heads a statement: finite ("causes", "caused"), with a finite auxiliary or a modal ("does
    not cause", "can be upgraded", "has been shown"), or the "to" infinitive of an implicative verb that does
    ("refused to declare", "did not manage to finish")."""
    if token.tag_ in ("VBZ", "VBP", "VBD"):
        return True
    if any(c.dep_ in ("aux", "auxpass") and c.tag_ in ("MD", "VBZ", "VBP", "VBD") for c in token.children):
        return True
    head = token.head
    if head.i == token.i:
        return False
    if token.dep_ == "xcomp" and token.i > head.i and head.lemma_.lower() in implicative_verbs:
        return any(c.dep_ == "aux" and c.tag_ == "TO" for c in token.children) and _finite(head, implicative_verbs)
    return token.dep_ == "conj" and _finite(head, implicative_verbs)  # "does not raise or lower"


def _open(token: Any, conditions: frozenset[str], belief_nouns: frozenset[str]) -> bool:
    """Whether the clause, or one it belongs to, is a condition, holds only under one ("if you take it with
    caffeine, it does not work"), is an open question ("whether it helps", "how it acts on the brain"), or is what
    a belief named holds ("the theory that X causes Y")."""
    node = token
    while True:
        if node.dep_ in ("acl", "ccomp") and node.head.lemma_.lower() in belief_nouns:
            return True
        for child in node.children:
            if child.dep_ == "mark" and child.lower_ in _OPEN_MARKERS | conditions:
                return True
            if child.dep_ == "advcl" and any(m.dep_ == "mark" and m.lower_ in conditions for m in child.children):
                return True
        if node.dep_ in ("csubj", "csubjpass", "ccomp", "advcl") and node.left_edge.tag_ in ("WRB", "WP", "WDT"):
            return True  # "how it acts on the brain is not clear": named, not said
        if node.head.i == node.i or node.dep_ not in _CLAUSE_DEPS:
            return False
        node = node.head


def _amount(token: Any) -> bool:
    """A complement that is an amount ("the dose is 5 g"): the amount readings compare those."""
    return token.pos_ == "NUM" or any(c.dep_ == "nummod" for c in token.children)


def _passive(token: Any) -> bool:
    if any(c.dep_ in ("auxpass", *_PASSIVE_SUBJECT_DEPS) for c in token.children):
        return True
    # "X is not regulated and sold freely": a participle joined to a passive is one too.
    return token.dep_ == "conj" and token.tag_ == "VBN" and _passive(token.head)


def _subject(token: Any) -> Any:
    """The clause's subject: its own, else the one it shares ("X is known to cause Y", "X is cheap and works");
    a relative clause's is the noun it describes ("creatine, which does not cause cramps")."""
    node = token
    while True:
        own = next((c for c in node.children if c.dep_ in (*_SUBJECT_DEPS, *_PASSIVE_SUBJECT_DEPS)), None)
        if own is not None:
            if own.tag_ in ("WDT", "WP") and node.dep_ == "relcl":
                return node.head
            return own
        if node.dep_ in ("conj", "xcomp") and node.head.i != node.i:
            node = node.head
            continue
        return None


def _prepositional(token: Any) -> list[tuple[str, Any]]:
    """A word's prepositional phrases, each as its preposition and its noun ("results in cramps": in, cramps)."""
    return [(c.lower_, g) for c in token.children if c.dep_ == "prep" for g in c.children if g.dep_ == "pobj"]


def _pronoun(token: Any) -> bool:
    return token is not None and token.pos_ == "PRON" and token.tag_ not in ("WDT", "WP")


def _phrase(token: Any, key: Any) -> dict[str, str]:
    """The concepts that name an argument, each → its word: its head, the nouns joined to it ("parts and labour")
    and the nouns compounded with them ("hair loss"); nothing for a pronoun, whose referent another sentence
    names; for a relative pronoun, the noun it stands for."""
    if token is None:
        return {}
    if token.tag_ in ("WDT", "WP") and token.head.dep_ == "relcl":
        token = token.head.head
    if token.pos_ == "PRON":
        return {}
    return {key(w.lower_): w.text for w in _phrase_words(token)}


def _phrase_words(token: Any) -> list[Any]:
    """The words that name an argument: its head, the nouns joined to it ("parts and labour") and the nouns
    compounded with them ("hair loss"); content words only."""
    heads = [token, *(c for c in token.children if c.dep_ == "conj" and c.pos_ in ("NOUN", "PROPN"))]
    words = [w for head in heads for w in (*(c for c in head.children if c.dep_ == "compound"), head)]
    return [w for w in words if (w.is_alpha or _ABBREVIATION.fullmatch(w.text)) and not w.is_stop]


def _denied(token: Any, denying_verbs: frozenset[str]) -> bool:
    """Whether the clause is denied: by its own "not" / "never", by an argument that denies ("no study", "none"),
    or by what holds it — a denied frame ("does not show that X"), a denying verb ("failed to show", "denied
    that"), a denied noun ("no evidence that X")."""
    own = _has_neg(token) or any(
        c.dep_ in (*_SUBJECT_DEPS, *_PASSIVE_SUBJECT_DEPS, *_OBJECT_DEPS) and _denying(c) for c in token.children
    )
    head = token.head
    if head.i == token.i:
        return own
    if token.dep_ in ("ccomp", "xcomp") and token.i > head.i:  # what a frame holds follows it
        held = head.lemma_.lower() in denying_verbs or (head.pos_ in ("VERB", "AUX") and _denied(head, denying_verbs))
        return own != held
    if token.dep_ == "acl" and head.pos_ in ("NOUN", "PROPN") and token.tag_ != "VBN":
        return own != _denying(head)  # "no evidence that melatonin is addictive"
    bare = not any(c.dep_ in _AUXILIARY_OR_SUBJECT for c in token.children)
    if token.dep_ == "conj" and token.pos_ == "VERB" and bare:
        return own or _denied(head, denying_verbs)  # "does not raise or lower X"; not "is not X and is Y"
    return own


def _has_neg(token: Any) -> bool:
    return any(c.dep_ == "neg" for c in token.children)


def _denying(token: Any) -> bool:
    """An argument that denies its clause: "no study", "none of them", "nothing"."""
    return token.lower_ in _DENYING_ARGUMENTS or any(c.dep_ == "det" and c.lower_ == "no" for c in token.children)
