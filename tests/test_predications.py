"""Stage 6a: what each clause predicates of what, stated or denied, and the denial judge that compares them."""

from __future__ import annotations

import pytest
import spacy
from spacy.tokens import Doc

from detector.reader.assertions import AssertionReader
from detector.reader.predications import read_predications
from detector.reader.propositions import contrast, read
from detector.verdict.signals import compare


def explanations(reader: AssertionReader, first: str, second: str, kind: str) -> list[str]:
    """The explanations of the signals of `kind` for two claims read with the real parser."""
    a, b = reader.read([first, second])
    return [s.explanation for s in compare(a, b, "A", "B", contrast(read(first), read(second))) if s.kind == kind]


def denials(reader: AssertionReader, first: str, second: str) -> list[str]:
    return explanations(reader, first, second, "denial")


def parsed(words: list[str], heads: list[int], deps: list[str], tags: list[str], lemmas: list[str]) -> Doc:
    """A parse built by hand (Penn tags; the coarse ones follow), so the rule is tested apart from what the
    parser happens to output."""
    coarse = {"DT": "DET", "NN": "NOUN", "NNS": "NOUN", "VBZ": "VERB", "VBN": "VERB", "MD": "AUX", "VB": "AUX"}
    coarse |= {"IN": "SCONJ", "RB": "PART", "PRP": "PRON", ".": "PUNCT", ",": "PUNCT", "TO": "PART"}
    pos = [coarse[t] for t in tags]
    return Doc(spacy.blank("en").vocab, words=words, heads=heads, deps=deps, tags=tags, pos=pos, lemmas=lemmas)


def test_a_clause_is_read_as_its_predicate_arguments_and_denial() -> None:
    # "No study has shown that creatine causes cramps": the frame is not read; its clause is, denied by "no study".
    doc = parsed(
        ["No", "study", "has", "shown", "that", "creatine", "causes", "cramps", "."],
        [1, 3, 3, 3, 6, 6, 3, 6, 3],
        ["det", "nsubj", "aux", "ROOT", "mark", "nsubj", "ccomp", "dobj", "punct"],
        ["DT", "NN", "VBZ", "VBN", "IN", "NN", "VBZ", "NNS", "."],
        ["no", "study", "have", "show", "that", "creatine", "cause", "cramp", "."],
    )
    (clause,) = read_predications(doc, str.lower, frozenset({"fail"}), frozenset({"if"}))
    assert (clause.predicate, set(clause.subject), clause.arguments, clause.denied) == (
        "cause",
        {"creatine"},
        (("", frozenset({"cramps"})),),
        True,
    )


def test_a_passive_is_read_as_its_active_and_a_condition_is_not_read() -> None:
    # "The RAM cannot be upgraded": RAM is what is upgraded. "If it rains, the road closes": only under a condition.
    upgraded = parsed(
        ["The", "RAM", "can", "not", "be", "upgraded", "."],
        [1, 5, 5, 5, 5, 5, 5],
        ["det", "nsubjpass", "aux", "neg", "auxpass", "ROOT", "punct"],
        ["DT", "NN", "MD", "RB", "VB", "VBN", "."],
        ["the", "ram", "can", "not", "be", "upgrade", "."],
    )
    (clause,) = read_predications(upgraded, str.lower, frozenset(), frozenset({"if"}))
    assert (clause.predicate, clause.subject, clause.arguments, clause.denied) == (
        "upgrade",
        frozenset(),
        (("", frozenset({"ram"})),),
        True,
    )
    conditional = parsed(
        ["If", "it", "rains", ",", "the", "road", "closes", "."],
        [2, 2, 6, 6, 5, 6, 6, 6],
        ["mark", "nsubj", "advcl", "punct", "det", "nsubj", "ROOT", "punct"],
        ["IN", "PRP", "VBZ", ",", "DT", "NN", "VBZ", "."],
        ["if", "it", "rain", ",", "the", "road", "close", "."],
    )
    assert read_predications(conditional, str.lower, frozenset(), frozenset({"if"})) == ()


def test_the_infinitive_of_an_implicative_verb_is_a_statement() -> None:
    # "The mayor refused to sign the bill": the bill was not signed. "The mayor wants to sign the bill" says nothing
    # of whether it was.
    def clauses(verb: str, lemma: str) -> tuple[tuple[str, bool], ...]:
        doc = parsed(
            ["The", "mayor", verb, "to", "sign", "the", "bill", "."],
            [1, 2, 2, 4, 2, 6, 4, 2],
            ["det", "nsubj", "ROOT", "aux", "xcomp", "det", "dobj", "punct"],
            ["DT", "NN", "VBZ", "TO", "VB", "DT", "NN", "."],
            ["the", "mayor", lemma, "to", "sign", "the", "bill", "."],
        )
        found = read_predications(doc, str.lower, frozenset({"refuse"}), frozenset({"if"}), frozenset(), IMPLICATIVE)
        return tuple((c.predicate, c.denied) for c in found)

    assert clauses("refuses", "refuse") == (("sign", True),)
    assert clauses("manages", "manage") == (("sign", False),)
    assert clauses("wants", "want") == ()


IMPLICATIVE = frozenset({"refuse", "manage"})


@pytest.mark.parametrize(
    ("first", "second", "explanation"),
    [
        (
            "The RAM in this laptop cannot be upgraded after purchase.",
            "You can upgrade the RAM to 32 GB.",
            "RAM · upgrade: denied (A) vs stated (B)",
        ),
        ("There is no evidence that melatonin is addictive.", "Melatonin is addictive.", "melatonin · addictive"),
        (
            "Melatonin is not regulated by the FDA.",
            "The FDA regulates melatonin as a drug.",
            "FDA Melatonin · regulate",
        ),
        (
            "The vaccine, which does not protect the elderly, is popular.",
            "The vaccine protects the elderly.",
            "protect",
        ),
        ("Studies failed to show that the drug lowers blood pressure.", "The drug lowers blood pressure.", "lower"),
        # an implicative verb's "to" clause says whether it happened
        (
            "The governor has refused to declare a state of emergency.",
            "The governor declared a state of emergency on Wednesday.",
            "governor state · declare: denied (A) vs stated (B)",
        ),
        ("The company failed to meet its sales target.", "The company met its sales target.", "meet"),
        ("The builders did not manage to finish the bridge.", "The builders finished the bridge in 1932.", "finish"),
        ("The keyboard is backlit.", "The keyboard is not backlit.", "keyboard · backlit"),  # "not" on the adjective
        ("The laptop does not support charging over USB-C.", "The laptop supports charging over USB-C.", "support"),
        ("The warranty covers parts and labour.", "The warranty does not cover labour.", "warranty labour · cover"),
        # "in Canada" hung on the copula is the complement's: the two places are compared, and agree
        ("The app is not available at all in Canada.", "The app is available in Canada.", "app Canada · available"),
        ("The drug is sold in the U.S.", "The drug is not sold in the U.S.", "drug U.S. · sell"),  # an abbreviation
        # an "of" phrase counts the same people; it does not narrow them to a group
        (
            "The majority of patients have shown full recoveries.",
            "None of the patients have shown full recoveries.",
            "show",
        ),
    ],
)
def test_one_claim_denies_what_the_other_states(reader, first: str, second: str, explanation: str) -> None:  # type: ignore[no-untyped-def]
    (found,) = denials(reader, first, second)
    assert explanation in found


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("A man is not playing a guitar.", "A woman is playing a flute."),  # other subject, other object
        ("The drug is not safe for children.", "The drug is safe for adults."),  # other people
        ("How the drug acts on the brain is not clear.", "It is clear that the drug improves memory."),  # a question
        ("If you take it with coffee, the drug does not work.", "The drug works."),  # under a condition
        ("No study has examined the drug.", "A study examined the effects."),  # only a generic word in common
        ("The drug does not cause cramps.", "The drug does not cause cramps in adults."),  # both denied
        ("The tablet is not sold as a laptop.", "The tablet is sold as an e-reader."),  # one role, other nouns
        ("It does not damage the screen.", "The cleaner damages the screen."),  # "it": someone named elsewhere
        ("The company persuaded him not to use the app.", "Managers use the app."),  # an aim, not a statement
        ("The mayor does not want to approve the budget.", "The mayor approved the budget."),  # a wish, not a deed
        ("The builders managed to finish the bridge.", "The builders finished the bridge in 1932."),  # both stated
        # a group named by its own phrase is not whoever a passive leaves unnamed
        ("The tablets should be taken with a meal.", "People with a stomach ulcer should not take the tablets."),
        ("Users who signed up before May cannot export their data.", "Data can be exported from the account page."),
        # where, though the parser hangs it on the noun ("tablets in the United States"): other places
        ("The drug is not available in Canada.", "The drug is available as tablets in the United States."),
    ],
)
def test_no_denial_between_other_things_open_questions_or_conditions(reader, first: str, second: str) -> None:  # type: ignore[no-untyped-def]
    assert denials(reader, first, second) == []


@pytest.mark.parametrize(
    ("first", "second", "explanation"),
    [
        ("Prices rose sharply in March.", "Prices fell sharply in March.", "Prices March: rise (A) vs fall (B)"),
        ("The museum is open on Mondays.", "The museum is closed on Mondays.", "open (A) vs close (B)"),
        ("The mayor lost the election.", "The mayor won the election.", "mayor election: lose (A) vs win (B)"),
        ("The drug is unregulated in Canada.", "The drug is regulated in Canada.", "unregulate (A) vs regulate (B)"),
    ],
)
def test_one_claim_states_the_opposite_of_the_other(reader, first: str, second: str, explanation: str) -> None:  # type: ignore[no-untyped-def]
    (found,) = denials(reader, first, second)
    assert explanation in found


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("Sales rose sharply in 2019.", "Sales fell sharply in 2020."),  # other years
        ("The store opens at 9 am on weekdays.", "The store closes at 5 pm on weekdays."),  # other times
        ("Blood pressure rose in the treated group.", "Blood pressure fell in the placebo group."),  # other groups
        ("The company won the contract.", "The company lost the appeal."),  # other things
        ("Melatonin levels rise at night.", "Melatonin levels fall in the morning."),  # each at its own time
        ("Prices did not rise in March.", "Prices fell in March."),  # one denied: both can hold
        ("The drug raises blood pressure.", "The drug lowers blood pressure."),  # the direction judge's
    ],
)
def test_no_opposites_at_other_times_or_of_other_things(reader, first: str, second: str) -> None:  # type: ignore[no-untyped-def]
    assert denials(reader, first, second) == []


def test_what_a_belief_named_holds_is_not_read(reader) -> None:  # type: ignore[no-untyped-def]
    named, said = reader.read(
        ["Critics repeat the theory that the vaccine causes fever.", "Critics say that the vaccine causes fever."]
    )
    assert "cause" not in [p.words for p in named.predications]
    assert "cause" in [p.words for p in said.predications]


def names(reader: AssertionReader, first: str, second: str) -> list[str]:
    return explanations(reader, first, second, "quantity")


@pytest.mark.parametrize(
    ("first", "second", "explanation"),
    [
        (
            "The Velmont Institute was founded in 1887 by Clara Osterfeld.",
            "Heinrich Baum founded the Velmont Institute.",
            "founding: Clara Osterfeld (A) vs Heinrich Baum (B)",
        ),
        ("Anna Weiss was born in Lyon in 1950.", "Anna Weiss was born in Paris.", "birth: Lyon (A) vs Paris (B)"),
        (
            "The capital of Norland is Arlen.",
            "Tessel is the capital of Norland.",
            "capital Norland: Arlen (A) vs Tessel (B)",
        ),
        (
            "The main author of the study is John Smith.",
            "The study's main author is Mary Jones.",
            "main author study: John Smith (A) vs Mary Jones (B)",
        ),
    ],
)
def test_two_names_for_what_only_one_can_be(reader, first: str, second: str, explanation: str) -> None:  # type: ignore[no-untyped-def]
    assert names(reader, first, second) == [explanation]


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("The capital of Norland is Arlen.", "Vienna is the capital of Austria."),  # two descriptions
        ("The drug is sold over the counter in the United States.", "The drug is sold over the counter in Canada."),
        ("Smith found that the drug improves memory.", "Jones found that the drug improves memory."),  # two findings
        ("Anna Weiss was born in June.", "Anna Weiss was born in Paris."),  # a month is a time, not a place
        ("The museum was founded by Clara Osterfeld.", "The library was founded by Heinrich Baum."),  # two things
        ("The capital of Norland is not Arlen.", "Arlen is the capital of Norland."),  # a denial: the denial judge's
        ("The official language is Norlandic.", "The spoken language is English."),  # described otherwise
        ("Insulin is the hormone that lowers blood sugar.", "Glucagon is the hormone that raises blood sugar."),
        ("The firm builds its cars in Mexico.", "The firm builds its cars in Germany."),  # done again and again
    ],
)
def test_no_name_conflict_between_other_things_or_what_recurs(reader, first: str, second: str) -> None:  # type: ignore[no-untyped-def]
    assert names(reader, first, second) == []


@pytest.mark.parametrize(
    ("first", "second", "explanation"),
    [
        # One word of content besides the event on a side: too little for the bag of words (`_date_conflict`).
        (
            "Acme was founded in 1901.",
            "Acme was founded in 1903 by John Smith.",
            "date: founded 1901 (A) vs founded 1903 (B)",
        ),
        (
            "The bridge opened to traffic in 1932.",
            "The bridge opened in 1934 and was designed by Pieter Holm.",
            "date: opened 1932 (A) vs opened 1934 (B)",
        ),
        (
            "Its founder died on 4 May 1951 in Paris.",
            "Its founder died in 1953.",
            "date: died 1951 (A) vs died 1953 (B)",
        ),
        # A participle dates the noun it describes; "the" picks out one set as it picks out one thing.
        (
            "The flood barriers, completed in 2012, performed as designed.",
            "The city's flood barriers were completed in 2009 and had never been tested.",
            "date: completed 2012 (A) vs completed 2009 (B)",
        ),
    ],
)
def test_one_thing_dated_to_two_years(reader, first: str, second: str, explanation: str) -> None:  # type: ignore[no-untyped-def]
    assert names(reader, first, second) == [explanation]


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("Acme was founded in 1901.", "The company's European branch was founded in 2005."),  # another thing
        ("The museum opened in 1934.", "The museum opened a new wing in 1932."),  # what it opened
        ("Two workers died in 1930.", "Two workers died in 1931."),  # not one thing
        ("The store opened in Paris in 1932.", "The store opened in Lyon in 1934."),  # two openings
        ("The bridge was not opened in 1932.", "The bridge opened in 1934."),  # a denial: the denial judge's
        ("The bridge was closed in 1992.", "The bridge was closed in 2004."),  # what recurs
        ("A museum founded in 1901 holds the paintings.", "The museum was founded in 1903."),  # any museum
        ("Buildings constructed in 1920 used lead pipes.", "Buildings constructed in 1950 used copper pipes."),
    ],
)
def test_no_date_conflict_between_other_things_or_openings(reader, first: str, second: str) -> None:  # type: ignore[no-untyped-def]
    assert names(reader, first, second) == []
