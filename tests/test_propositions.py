"""Stage 6b: the same proposition with one thing flipped — negation, antonyms, amounts, quantifiers."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from detector.reader.assertions import CONCEPTS_FILE, concept, stem
from detector.reader.propositions import antonyms, contrast, read


def compared(first: str, second: str) -> dict[str, float]:
    return contrast(read(first), read(second)).features()


def test_a_negation_on_one_side_only_is_a_flip() -> None:
    found = compared("Supplements are regulated by the agency.", "Supplements are not regulated by the agency.")
    assert found["negation_flip"] == 1.0 and found["overlap"] == 1.0
    assert compared("You can build a tolerance.", "You cannot build a tolerance.")["negation_flip"] == 1.0
    assert compared("It doesn't help.", "It does not help at all.")["negation_flip"] == 0.0


def test_antonyms_come_from_wordnet_and_negating_prefixes() -> None:
    assert ("increas", "decreas") in antonyms()
    assert compared("Caffeine increases blood pressure.", "Caffeine decreases blood pressure.")["antonym"] == 1.0
    assert compared("The herb is safe for teens.", "The herb is unsafe for teens.")["antonym"] == 1.0
    assert compared("The drug is effective.", "The drug is ineffective.")["antonym"] == 1.0
    # Words both claims use are not a flip, nor are unrelated words.
    assert compared("Coffee raises alertness.", "Tea raises alertness.")["antonym"] == 0.0


def test_concepts_are_wordnet_nouns_of_one_first_sense() -> None:
    def same(first: str, second: str) -> bool:
        return concept(stem(first)) == concept(stem(second))

    assert same("drowsiness", "somnolence") and same("ischemia", "ischaemia") and same("freeway", "motorway")
    # A rarer sense is not enough: "dependency" first means reliance, not addiction.
    assert not same("addiction", "dependency") and not same("nausea", "vomiting")
    # Nor a noun sense of a word that is mostly a verb: "add" (attention deficit disorder), "check" (a cheque).
    assert not same("add", "adhd") and not same("check", "cheque")
    # Words outside the table are their own concept; no stem belongs to two groups.
    assert concept("kratom") == "kratom"
    lines = [line for line in CONCEPTS_FILE.read_text(encoding="utf-8").splitlines() if not line.startswith("#")]
    stems = [stem(word) for line in lines for word in set(line.split("\t"))]
    grouped = [{stem(word) for word in line.split("\t")} for line in lines]
    assert all(len(group) > 1 for group in grouped)
    assert sum(map(len, grouped)) == len(set(stems))


def test_amounts_of_one_unit_that_never_overlap_are_a_flip() -> None:
    found = contrast(read("The maintenance dose is 20 to 25 g a day."), read("The maintenance dose is 3-5 g a day."))
    assert found.amount_flip == ("20 to 25 g", "3-5 g")
    assert compared("22% of labels were wrong.", "88% of labels were wrong.")["amount_flip"] == 1.0
    # Overlapping ranges, other units and years are not.
    assert compared("Take 3 to 5 g daily.", "Take 5 g daily.")["amount_flip"] == 0.0
    assert compared("Take 3 g daily.", "It lasts 8 hours.")["amount_flip"] == 0.0
    assert compared("A study from 2004 found this.", "A study from 2019 found this.")["amount_flip"] == 0.0


def test_numbers_that_name_or_rank_are_not_amounts() -> None:
    # A number joined to the word before it is part of a name; a year with "s" is a decade; an ordinal is a rank.
    assert compared("SARS-CoV-2 patients were treated.", "COVID-19 patients were treated.")["amount_flip"] == 0.0
    assert read("Omega-3 oils in the 1990s, on the 3rd day.").amounts == ()
    # A function word after a number is not its unit: "2 of" and "19 is" measure nothing to compare.
    assert compared("In 2 of the trials it helped.", "In 19 of the trials it helped.")["amount_flip"] == 0.0
    # Amounts with units still are: "3-5g" as written on labels, a range, a share.
    assert [a.unit for a in read("Take 3-5g, or 20 to 25 grams, in 22% of cases.").amounts] == ["g", "gram", "%"]


def test_different_quantifiers_are_a_flip_and_the_explanation_names_each_difference() -> None:
    assert compared("All users build a tolerance.", "Few users build a tolerance.")["quantifier_flip"] == 1.0
    found = contrast(read("Most products are not labelled correctly."), read("Most products are labelled correctly."))
    assert found.explanation() == "negated on one side only"
    assert contrast(read("It is safe."), read("It is safe.")).explanation() == ""


def test_overlap_is_the_share_of_the_shorter_claims_content_words() -> None:
    assert (
        compared("Melatonin shortens sleep onset.", "Melatonin shortens sleep onset in older adults.")["overlap"] == 1.0
    )
    assert compared("Zinc helps colds.", "Iron prevents anaemia.")["overlap"] == 0.0
    assert compared("", "Anything at all.")["overlap"] == 0.0


@given(st.text(max_size=80), st.text(max_size=80))
def test_the_comparison_is_symmetric(first: str, second: str) -> None:
    assert compared(first, second) == compared(second, first)
