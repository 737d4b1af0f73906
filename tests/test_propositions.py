"""Stage 6b: the same proposition with one thing flipped — negation, antonyms, amounts, quantifiers."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from detector.reader.assertions import CONCEPTS_FILE, concept, stem
from detector.reader.propositions import _antonym, antonyms, clauses, contrast, measure, read


def compared(first: str, second: str) -> dict[str, float]:
    return contrast(read(first), read(second)).features()


def test_a_negation_on_one_side_only_is_a_value_conflict() -> None:
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


def test_a_negating_prefix_needs_a_base_of_four_letters_and_the_first_pair_in_order_is_named() -> None:
    # Made-up words, so that no WordNet pair answers: only the prefix rule can.
    assert _antonym(frozenset({"unzapped"}), frozenset({"zapped"})) == ("unzapped", "zapped")
    assert _antonym(frozenset({"blorks"}), frozenset({"nonblorks"})) == ("blorks", "nonblorks")
    assert _antonym(frozenset({"unzap"}), frozenset({"zap"})) is None  # "zap": under four letters
    # Of several pairs, the first by the left word, then the right, sorted.
    found = _antonym(frozenset({"unzapped", "disglomed"}), frozenset({"zapped", "glomed"}))
    assert found == ("disglomed", "glomed")


def value_conflict(first: str, second: str) -> tuple[str, str] | None:
    """The values two claims that state one proposition give differently (`Contrast.value_conflict`)."""
    return contrast(read(first), read(second)).value_conflict


def test_sums_of_money_are_amounts_of_their_currency_and_period() -> None:
    assert value_conflict("The basic plan costs $10 a month.", "The basic plan costs $15 a month.") == (
        "$10 a month",
        "$15 a month",
    )
    assert value_conflict("The project cost $2 million in total.", "The project cost $5 million in total.") is not None
    assert (
        value_conflict("The fine was €1,200 for the company.", "The fine was €1,250 for the company.") is None
    )  # within 10%
    # A sum a month is not a sum a year, and a bound allows what it bounds.
    assert value_conflict("The basic plan costs $10 a month.", "The basic plan costs $120 a year.") is None
    assert value_conflict("Grants of up to $500 are paid to students.", "Grants of $300 are paid to students.") is None
    [amount] = read("The fund raised US$ 2.5 billion last year.").amounts
    assert (amount.low, amount.unit) == (2.5e9, "dollar")
    # Its number is not read again as a bare one.
    assert len(read("Tickets cost £12 for adults.").amounts) == 1


def test_a_time_of_day_is_a_point_on_the_clock() -> None:
    assert value_conflict("The office opens at 9 am on weekdays.", "The office opens at 8:30 am on weekdays.") == (
        "9 am",
        "8:30 am",
    )
    assert value_conflict("The office opens at 9 a.m. on weekdays.", "The office opens at 9 AM on weekdays.") is None
    assert (
        value_conflict("The last train leaves at 11:15 pm daily.", "The last train leaves at 11:15 am daily.")
        is not None
    )
    assert [a.low for a in read("Doors open at 7:30 p.m. and close at 1 am.").amounts] == [1170.0, 60.0]


def test_a_day_of_the_week_is_a_place_in_the_week() -> None:
    assert value_conflict("The festival opens on Friday this year.", "The festival opens on Saturday this year.") == (
        "Friday",
        "Saturday",
    )
    assert (
        value_conflict("The shop is open Monday to Friday.", "The shop is open on Tuesdays.") is None
    )  # within the span
    assert value_conflict("The shop is open Monday to Friday.", "The shop is open on Sundays.") is not None
    [span] = read("Deliveries run Friday through Monday.").amounts
    assert (span.low, span.high) == (5.0, 8.0)  # across the weekend
    # A day in a name is no day: "Black Friday sales start early" is not said of a Friday.
    assert read("Black Friday sales start early this year.").amounts == ()
    assert len(read("On Monday the shop opens late.").amounts) == 1
    # Nor is the day a report was made: two reports of one statement made on different days do not disagree.
    assert read("The minister said Tuesday that the border will reopen.").amounts == ()
    assert [a.unit for a in read("The company announced on Friday that it will close two plants.").amounts] == ["plant"]


def test_a_release_number_names_a_release_and_is_no_amount() -> None:
    assert read("Version 2.1 added an offline mode.").amounts == ()
    assert read("The offline mode came with release 3 of the app.").amounts == ()


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


def test_amounts_of_one_unit_that_never_overlap_are_a_value_conflict() -> None:
    found = contrast(read("The maintenance dose is 20 to 25 g a day."), read("The maintenance dose is 3-5 g a day."))
    assert found.amount_flip == ("20 to 25 g", "3-5 g")
    assert compared("22% of labels were wrong.", "88% of labels were wrong.")["amount_flip"] == 1.0
    # Overlapping ranges, other units and years are not.
    assert compared("Take 3 to 5 g daily.", "Take 5 g daily.")["amount_flip"] == 0.0
    assert compared("Take 3 g daily.", "It lasts 8 hours.")["amount_flip"] == 0.0
    assert compared("A study from 2004 found this.", "A study from 2019 found this.")["amount_flip"] == 0.0


def test_one_proposition_with_another_value_is_a_value_conflict() -> None:
    found = contrast(read("The refund window is 30 days."), read("The refund window is about 14 days."))
    assert found.value_conflict == ("30 days", "14 days")
    # Words that only say how exact a value is do not make two propositions.
    roughly = contrast(read("Roughly 40,000 visitors came to the fair."), read("160,000 visitors came to the fair."))
    assert roughly.value_conflict == ("40,000 visitors", "160,000 visitors")
    # Amounts of one unit in claims about different things are an amount flip, not a value conflict.
    apart = contrast(read("The bridge is 500 metres long."), read("The river is 200 metres wide at its mouth."))
    assert apart.amount_flip and apart.value_conflict is None
    # Nor is a denied value ("not 30 days" says what the window is not), nor values that overlap.
    assert contrast(read("The window is not 30 days."), read("The window is 14 days.")).value_conflict is None
    assert contrast(read("The window is 30 days."), read("The window is 28 to 31 days.")).value_conflict is None


def test_a_value_under_a_condition_or_at_another_time_is_no_value_conflict() -> None:
    # "When you take X, Y follows": a value under a condition, not a claim of the value.
    under = contrast(
        read("When you take 3 pills, levels rise 10 times."), read("When you take 10 pills, levels rise 30 times.")
    )
    assert under.amount_flip and under.value_conflict is None
    # Values of one measure in different years are two times, not two answers; in one year, two answers.
    years = ("In 2019, 30% of adults used the app.", "In 2021, 45% of adults used the app.")
    assert contrast(read(years[0]), read(years[1])).value_conflict is None
    assert contrast(read(years[0]), read("In 2019, 45% of adults used the app.")).value_conflict == ("30%", "45%")


@pytest.mark.parametrize(
    ("word", "measured"),
    [
        ("kilometres", ("length", 1000.0)),
        ("mcg", ("mass", 1e-9)),
        ("weeks", ("time", 604800.0)),
        ("ml", ("volume", 1e-6)),
        ("GB", ("data", 8e9)),
        ("lanes", None),  # no unit pint knows
        ("mph", None),  # a rate, not one of the quantities compared across units
        ("m", None),  # "5m people": millions as often as metres
        ("units", None),
    ],
)
def test_a_unit_is_read_as_the_quantity_it_measures(word: str, measured: tuple[str, float] | None) -> None:
    found = measure(word)
    assert (
        found == measured if found is None or measured is None else found == (measured[0], pytest.approx(measured[1]))
    )


def test_amounts_in_other_units_of_one_quantity_are_compared_in_one() -> None:
    longer = contrast(read("The bridge is 1,200 metres long."), read("The bridge is about 1.4 kilometres long."))
    assert longer.value_conflict == ("1,200 metres", "1.4 kilometres")
    # The same amount in other words agrees; the unit's words count as one word both claims share.
    assert contrast(read("The bridge is 1,200 metres long."), read("The bridge is 1.2 km long.")).amount_flip is None
    assert contrast(read("Take 500 mcg of melatonin."), read("Take 0.5 mg of melatonin.")).amount_flip is None
    assert contrast(read("Logs are kept for 14 days."), read("Logs are kept for two weeks.")).amount_flip is None
    assert contrast(read("Logs are kept for 14 days."), read("Logs are kept for 3 months.")).value_conflict == (
        "14 days",
        "3 months",
    )
    # How often is not how long: "every six hours" against "kept for 30 days".
    often = read("Backups run nightly instead of every six hours.")
    assert [(x.text, x.unit) for x in often.amounts] == [("six hours", "interval")]
    assert contrast(often, read("Backups run nightly and are kept for 30 days.")).value_conflict is None
    assert contrast(read("Backups run every 6 hours."), read("Backups run every 12 hours.")).value_conflict == (
        "6 hours",
        "12 hours",
    )
    # A mass is no time, however alike the claims.
    assert contrast(read("The course lasts 5 days."), read("The course lasts 5 g.")).amount_flip is None


def test_each_clause_of_a_compound_claim_is_a_proposition_of_its_own() -> None:
    assert clauses("The bridge opened in 1934 and was designed by Pieter Holm.") == [
        "The bridge opened in 1934",
        "was designed by Pieter Holm.",
    ]
    assert clauses("It is 1,200 metres long, and its main arch spans 310 metres.") == [
        "It is 1,200 metres long",
        "its main arch spans 310 metres.",
    ]
    # A semicolon inside brackets ends no clause, and a claim of one clause is itself.
    bracketed = "Latency fell (mean difference 11.7 minutes; 95% CI 5.2 to 18.2) in adults."
    assert clauses(bracketed) == [bracketed]
    assert clauses("The pool holds 50 connections per instance.") == ["The pool holds 50 connections per instance."]
    # The value one clause gives conflicts with the same proposition's value in the other claim.
    compound = read("It is 1,200 metres long, and its main arch spans 310 metres.")
    other = read("The bridge is about 1.4 kilometres long, and it took me twenty minutes to cross.")
    assert contrast(compound, other).value_conflict == ("1,200 metres", "1.4 kilometres")
    assert contrast(
        read("Backups run nightly and are kept for 30 days."),
        read("Backups are kept for 7 days; older ones are deleted."),
    ).value_conflict == ("30 days", "7 days")
    # Where a clause of one states the other's proposition with a value that agrees, another clause's value is
    # about something else.
    both = read("The morning train carries 400 passengers, and the evening train carries 650 passengers.")
    assert contrast(both, read("The evening train carries 650 passengers.")).value_conflict is None
    assert contrast(both, read("The evening train carries 300 passengers.")).value_conflict == (
        "650 passengers",
        "300 passengers",
    )
    # A value both give alike in another proposition does not hide the one they give differently.
    shares = read("Of 40 boxes, 75% were damaged, and only 10 boxes were within 5% of the stated weight.")
    other = read("Of 40 boxes checked, 25% were damaged; ten boxes were within 5% of the stated weight.")
    assert contrast(shares, other).value_conflict == ("75%", "25%")
    # As a whole, the two share too little of one proposition; and a claim under a condition is read whole.
    assert contrast(compound, other).overlap < 0.75
    assert read("If the bridge is closed, traffic waits 20 minutes, and buses take 40 minutes.").clauses == ()


def test_one_event_that_happens_once_dated_to_two_years_is_a_date_conflict() -> None:
    completed = read("The Harbor Bridge was completed in 1932 after eight years of construction.")
    finished = read("Construction of the Harbor Bridge finished in 1928.")
    assert contrast(completed, finished).date_conflict == ("completed 1932", "finished 1928")
    assert contrast(finished, completed).date_conflict == ("finished 1928", "completed 1932")
    born = contrast(read("Ada Lovelace was born in 1815 in London."), read("Ada Lovelace was born in London in 1816."))
    assert born.date_conflict == ("born 1815", "born 1816")
    # The same year, another event ("opened" is not "finished"), another thing, or the same event not dated twice.
    assert contrast(completed, read("The Harbor Bridge was completed in 1932.")).date_conflict is None
    assert contrast(read("The bridge opened to traffic in 1932."), finished).date_conflict is None
    assert (
        contrast(read("Aspirin was invented in 1897."), read("Ibuprofen was invented in 1961.")).date_conflict is None
    )
    assert contrast(completed, read("Construction of the Harbor Bridge finished.")).date_conflict is None


@pytest.mark.parametrize(
    ("first", "second", "found"),
    [
        (
            "Melatonin is not recommended for children under 3.",
            "Melatonin is safe for children aged 1 and older.",
            ("not under 3", "from 1"),
        ),
        ("The app is not available to users under 16.", "Users must be at least 13 to use the app.", None),
        ("Users under 16 cannot sign up for the service.", "The service is open to users 13 and older.", None),
        (
            "Do not give the syrup to children younger than 6 years.",
            "The syrup can be given to children 2 years and older.",
            ("not under 6", "from 2"),
        ),
        ("Under-18s are banned from the gym.", "Teenagers over 16 may use the gym.", ("not under 18", "from 17")),
        ("You must not drive if you are under 17.", "You can drive if you are at least 16 years old.", None),
        ("Infants under 6 months should not drink juice.", "Juice is fine for babies over 4 months.", None),
    ],
)
def test_an_age_one_claim_keeps_out_and_the_other_lets_in_is_an_age_conflict(first, second, found) -> None:  # type: ignore[no-untyped-def]
    # `found` None: the same conflict, explained by the ages as the rows above show theirs.
    conflict = contrast(read(first), read(second)).age_conflict
    assert conflict is not None
    assert found is None or conflict == found
    assert contrast(read(second), read(first)).age_conflict == (conflict[1], conflict[0])


@pytest.mark.parametrize(
    ("first", "second"),
    [
        # A positive "under 12" sets no limit; the same least age; an older age let in than kept out.
        ("Children under 12 can take half a tablet.", "The tablet is for adults 18 and over."),
        ("Melatonin is not recommended for children under 3.", "Melatonin is safe for children 3 and older."),
        ("Melatonin is not recommended for children under 3.", "Melatonin is safe for children 5 and older."),
        ("The vaccine is not approved for children under 5.", "Adults over 65 should get the vaccine."),
        # The negation is in another clause, or bounds an amount; a description sets no limit.
        ("Melatonin is not addictive, and children under 12 can take it.", "Children 6 and older can take melatonin."),
        ("Do not take more than 10 mg if you are under 18.", "Teens 16 and older can take melatonin."),
        ("No more than 20% of patients under 40 responded to the drug.", "Patients over 30 responded to the drug."),
        # Not ages: a time, a length, a unit after a copula.
        ("Do not use the heater for less than 10 minutes.", "Use the heater for at least 5 minutes."),
        ("The password must not be under 8 characters.", "The password must be at least 6 characters."),
        ("The antibodies cannot persist for over 10 years.", "The antibodies can persist for at least 2 years."),
        # Two different things.
        ("Melatonin is not recommended for children under 3.", "Honey is safe for children 1 and older."),
    ],
)
def test_ages_that_are_no_conflict(first: str, second: str) -> None:
    assert contrast(read(first), read(second)).age_conflict is None


def test_an_event_that_recurs_or_a_denied_date_is_no_date_conflict() -> None:
    # A bridge is closed, a study published, a finding found many times: different years are different times.
    closed = (read("In 1992 the bridge was closed for two days."), read("The bridge was closed in 2004 for two days."))
    assert contrast(*closed).date_conflict is None
    found = (read("A 2019 study found that the drug works."), read("A 2021 study found that the drug works."))
    assert contrast(*found).date_conflict is None
    founded = read("The company was founded in 1998.")
    assert contrast(founded, read("The company was not founded in 1996.")).date_conflict is None
    assert contrast(founded, read("If the company was founded in 1996, it is old.")).date_conflict is None


def test_two_limits_that_differ_disagree() -> None:
    # Each limit allows the other's value, but they state different limits of one measure.
    two = read("Employees may work remotely up to two days per week.")
    assert two.amounts[0].limit == "at most"
    three = read("Remote work is limited to three days a week for all staff.")
    assert contrast(two, three).value_conflict == ("up to two days", "limited to three days")
    at_least = (read("At least 3 trials have tested it."), read("At least 10 trials have tested it."))
    assert contrast(*at_least).amount_flip == ("At least 3 trials", "At least 10 trials")
    # One limit said twice (within 10%), a limit and a value it allows, and bounds that describe an amount.
    assert contrast(read("Up to 50% of patients respond."), read("Up to 52% of patients respond.")).amount_flip is None
    assert contrast(two, read("Employees may work remotely two days per week.")).amount_flip is None
    less = (read("Less than 1% of users report it."), read("Less than 10% of users report it."))
    assert [x.limit for x in less[0].amounts] == [""] and contrast(*less).amount_flip is None


def test_numbers_written_as_words_are_amounts() -> None:
    assert [(x.low, x.unit) for x in read("It carries eight lanes and twenty-five hundred cars.").amounts] == [
        (8.0, "lane"),
        (2500.0, "car"),
    ]
    found = contrast(
        read("The bridge carries eight lanes of traffic."), read("The bridge carries six lanes of traffic.")
    )
    assert found.value_conflict == ("eight lanes", "six lanes")
    # Articles, "one" (mostly a pronoun), fractions and ordinals are no counts; nor is a name ("the Big Four"), and a
    # list of numbers is no one value.
    assert read("One of the most common effects, a third of users, on the second day.").amounts == ()
    assert read("The Big Four firms and the Group of Seven met.").amounts == ()
    assert [(x.low, x.text) for x in read("Two, three or four times.").amounts] == [(4.0, "four times")]


def test_a_bound_is_every_amount_it_allows() -> None:
    # "more than 5" holds for 6, "up to 8" for 6, "at least 4,000" for 5,000: no flip between them.
    assert compared("The album has more than 5 songs.", "The album has 6 songs.")["amount_flip"] == 0.0
    assert compared("It was tested for up to 8 days.", "It was tested for greater than six days.")["amount_flip"] == 0.0
    assert compared("Take 3 g or less a day.", "Take 5 g a day.")["amount_flip"] == 1.0
    over = contrast(read("The council has over 50 member states."), read("The council has 43 member states."))
    assert over.value_conflict == ("over 50 member", "43 member")


def test_between_two_numbers_is_a_range() -> None:
    assert [(x.low, x.high, x.unit) for x in read("Take between 5 and 10 mg a day.").amounts] == [
        (pytest.approx(5e-6), pytest.approx(1e-5), "mass")  # in kilograms
    ]
    assert [(x.low, x.high) for x in read("Rates were between 20% and 30%.").amounts] == [(20.0, 30.0)]
    assert compared("Take between 5 and 10 mg a day.", "Take 8 mg a day.")["amount_flip"] == 0.0
    # Two counts joined by "and" stay two.
    assert len(read("Between 5 patients and 10 controls took part.").amounts) == 2


def test_a_year_is_a_time_not_an_amount() -> None:
    found = read("It was completed in 1932 after eight years of work.")
    assert found.years == frozenset({1932}) and [(x.text, x.unit) for x in found.amounts] == [("eight years", "time")]


def test_numbers_that_name_or_rank_are_not_amounts() -> None:
    # A number joined to the word before it is part of a name; a year with "s" is a decade; an ordinal is a rank.
    assert compared("SARS-CoV-2 patients were treated.", "COVID-19 patients were treated.")["amount_flip"] == 0.0
    assert read("Omega-3 oils in the 1990s, on the 3rd day.").amounts == ()
    # A function word after a number is not its unit: "2 of" and "19 is" measure nothing to compare.
    assert compared("In 2 of the trials it helped.", "In 19 of the trials it helped.")["amount_flip"] == 0.0
    # Amounts with units still are: "3-5g" as written on labels, a range, a share.
    assert [a.unit for a in read("Take 3-5g, or 20 to 25 grams, in 22% of cases.").amounts] == ["mass", "mass", "%"]


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
    forth, back = contrast(read(first), read(second)), contrast(read(second), read(first))
    assert (forth.value_conflict is None) == (back.value_conflict is None)


def test_times_and_days_differ_as_a_value_only_within_one_proposition() -> None:
    # When things happened is no value of what happened: no amount flip between two reports of different days.
    reports = contrast(
        read("The death toll from the flood rose to 9 on Thursday."),
        read("At least 14 people were killed when the river burst its banks on Tuesday, officials said."),
    )
    assert reports.amount_flip is None and reports.value_conflict is None
    later = contrast(read("The museum opens at 9 am for members."), read("The shop closes at 6 pm for staff."))
    assert later.amount_flip is None
    # One proposition with another time is a value conflict, as before.
    hours = contrast(read("The office opens at 9 am on weekdays."), read("The office opens at 8:30 am on weekdays."))
    assert hours.value_conflict == ("9 am", "8:30 am") and hours.amount_flip is None
    # Each of such claims may say what holds at its own time (`other_times`): not so where the times agree.
    assert reports.other_times and later.other_times and hours.other_times
    assert not contrast(read("Sales rose in 2019."), read("Sales fell in 2019.")).other_times
    assert contrast(read("Sales rose in 2019."), read("Sales fell in 2020.")).other_times
