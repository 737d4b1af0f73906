"""Stages 6a and 7a: what claims assert, and the judges that compare them."""

from __future__ import annotations

import dataclasses

import pytest

from detector.reader.assertions import AssertionReader, quantities
from detector.verdict.signals import compare, scope_note


def signals(reader: AssertionReader, first: str, second: str) -> list[tuple[str, str]]:
    a, b = reader.read([first, second])
    return [(s.kind, s.explanation) for s in compare(a, b, "A", "B")]


@pytest.mark.parametrize(
    ("first", "second", "explanation"),
    [
        (
            "Kratom, derived from Mitragyna speciosa, stimulates prolactin release to promote sports recovery.",
            "Research suggests that kratom suppresses prolactin secretion, which could help addiction treatment.",
            "kratom → prolactin: stimulates (A) vs suppresses (B)",
        ),
        (
            "One key mechanism involves kratom’s ability to stimulate the release of prolactin naturally.",
            "By inhibiting prolactin release, kratom could help alleviate chronic low-grade inflammation.",
            "kratom → prolactin: stimulate (A) vs inhibiting (B)",
        ),
        (
            "Coffee raises blood pressure in adults.",
            "Coffee lowers blood pressure in adults.",
            "coffee → pressure: raises (A) vs lowers (B)",
        ),
        (  # an -ly adverb after the target is not the target
            "Regular exercise lowers blood pressure dramatically.",
            "Regular exercise raises blood pressure.",
            "exercise → pressure: lowers (A) vs raises (B)",
        ),
    ],
)
def test_opposite_directions_on_the_same_target(reader, first: str, second: str, explanation: str) -> None:  # type: ignore[no-untyped-def]
    assert signals(reader, first, second) == [("direction", explanation)]


def test_a_denied_effect_is_a_negation(reader) -> None:  # type: ignore[no-untyped-def]
    found = signals(reader, "Kratom increases prolactin levels.", "Kratom does not increase prolactin levels.")
    assert found == [("negation", "kratom → prolactin: increases (A) vs not increase (B)")]


@pytest.mark.parametrize(
    ("first", "second", "concept"),
    [
        (
            "Its active compounds interact with opioid receptors, providing pain relief without addiction.",
            "Furthermore, excessive kratom consumption may lead to addiction and tolerance.",
            "addiction",
        ),
        (  # one stem: "sedating" and "sedation"
            "Kratom’s ability to induce relaxation without sedating properties allows for better sleep quality.",
            "Kratom use is associated with certain side effects, including constipation, dry mouth, and sedation.",
            "sedating",
        ),
        (  # one concept in WordNet (data/concepts.tsv): drowsiness, sleepiness, somnolence
            "The antihistamine caused no drowsiness in the trial.",
            "The antihistamine commonly causes somnolence.",
            "drowsiness",
        ),
        (  # two spellings of one word
            "The new stent caused no ischemia in the trial.",
            "Ischaemia occurred in three patients given the new stent.",
            "ischemia",
        ),
    ],
)
def test_absent_versus_present(reader, first: str, second: str, concept: str) -> None:  # type: ignore[no-untyped-def]
    a, b = reader.read([first, second])
    # "Its active compounds": the scan gives a claim that refers back its document's topic (here, kratom).
    a = dataclasses.replace(a, context=("kratom",)) if a.refers_back else a
    [signal] = compare(a, b, "A", "B")
    assert signal.kind == "negation" and signal.explanation.startswith(concept) and "absent (A)" in signal.explanation


def test_an_absence_and_an_occurrence_must_speak_of_something_else_in_common(reader) -> None:  # type: ignore[no-untyped-def]
    monkeys = "At the highest dose studied, no virus was recovered from vaccinated monkeys."
    assert signals(reader, monkeys, "Interferons and viruses induce a novel ACE2 isoform.") == []
    assert [k for k, _ in signals(reader, monkeys, "Virus was recovered from one vaccinated monkey.")] == ["negation"]
    # A claim that names its subject only by pointing back shares its document's topic, given by the scan.
    its, kratom = reader.read(
        [
            "Its active compounds interact with opioid receptors, providing pain relief without addiction.",
            "Furthermore, excessive kratom consumption may lead to addiction and tolerance.",
        ]
    )
    assert its.refers_back and not kratom.refers_back
    assert compare(its, kratom, "A", "B") == []
    assert [s.kind for s in compare(dataclasses.replace(its, context=("kratom",)), kratom, "A", "B")] == ["negation"]


def test_doses_conflict_only_when_the_amounts_differ(reader) -> None:  # type: ignore[no-untyped-def]
    five_hundred = "Dosing around 500mg post-workout reduces muscle soreness."
    grams = "The recommended starting dose for muscle pain is often around 1-3 grams of the powder extract."
    half_gram = "A typical dose is 0.5 g of powder taken after training."
    assert signals(reader, five_hundred, grams) == [("quantity", "dose: 500mg (A) vs starting dose 1-3 grams (B)")]
    assert signals(reader, five_hundred, half_gram) == []


def test_a_bound_is_every_amount_up_to_or_from_it(reader) -> None:  # type: ignore[no-untyped-def]
    up_to = "Adults can safely take up to 6 mg of this supplement as a daily dose."
    range_ = "A typical daily dose of this supplement is 0.5 to 5 mg."
    most = "The maximum dose is 5 g a day."
    twenty = "The recommended daily dose is 20 g."
    assert signals(reader, up_to, range_) == []  # 0.5 to 5 mg lies within "up to 6 mg"
    assert signals(reader, most, twenty) == [("quantity", "dose: maximum dose is 5 g (A) vs 20 g (B)")]
    assert signals(reader, "Doses of 3 g or less are enough.", "A dose of 2 g is enough.") == []
    assert [k for k, _ in signals(reader, "Doses of 3 g or less are enough.", "The usual dose is 5 g.")] == ["quantity"]


def test_a_claim_naming_doses_that_differ_states_no_one_dose(reader) -> None:  # type: ignore[no-untyped-def]
    sequence = "The study gave a 20 g loading dose for a week, then a dose of 3 g a day."
    contrast = "Low doses of 0.3 mg work better than doses of 5 mg or 10 mg."
    assert signals(reader, sequence, "The usual daily dose is 10 g.") == []
    assert signals(reader, contrast, "The usual dose is 2 mg.") == []
    # A start and a limit that contains it are one dose: the start still conflicts with another start.
    start = "Adults should start with a dose of 0.2 mg and can work up to a maximum dose of 5 mg."
    other = "The recommended starting dose for adults is 0.5 to 1 mg."
    assert [k for k, _ in signals(reader, start, other)] == ["quantity"]


def test_doses_in_different_roles_do_not_conflict(reader) -> None:  # type: ignore[no-untyped-def]
    loading = "The loading dose is 20 g a day for five days."
    maintenance = "The maintenance dose is 3 g a day."
    plain = "The recommended daily dose is 3 to 5 g."
    mean = "In the trial the mean dose was 10 g."
    condition = "Cramps appear when people take a dose of more than 10 g."
    assert signals(reader, loading, maintenance) == []
    assert signals(reader, mean, plain) == []
    assert signals(reader, condition, plain) == []
    # A plain dose answers the question a phase of the regimen answers; one role answers its own.
    assert signals(reader, plain, loading) == [("quantity", "dose: 3 to 5 g (A) vs loading dose 20 g (B)")]
    assert signals(reader, "The maintenance dose is 10 g a day.", maintenance) == [
        ("quantity", "dose: maintenance dose 10 g (A) vs maintenance dose 3 g (B)")
    ]


def test_doses_for_different_age_groups_do_not_conflict(reader) -> None:  # type: ignore[no-untyped-def]
    child = "For children, a dose of 1 mg is usually enough."
    teens = "Teenagers can take a dose of up to 2 mg."
    usual = "The usual dose is 3 to 10 mg."
    adults = "Adults take a dose of 3 to 10 mg."
    older = "Older adults should start with a dose of 0.1 mg."
    assert signals(reader, child, usual) == []  # a child's dose against the usual (adult) one
    assert signals(reader, older, adults) == []
    # The same age group, named with other words: one question.
    assert signals(reader, child, "Pediatric patients need a dose of 5 mg.") == [
        ("quantity", "dose: 1 mg (A) vs 5 mg (B)")
    ]
    assert [k for k, _ in signals(reader, teens, "Kids need a dose of 5 mg.")] == ["quantity"]
    # Adults named, or no one: the usual dose either way.
    assert [k for k, _ in signals(reader, adults, "The usual dose is 0.5 mg.")] == ["quantity"]
    [assertion] = reader.read(["Older adults and children should take less."])
    assert assertion.population == ("children", "older")


@pytest.mark.parametrize(
    ("text", "role"),
    [
        ("The loading dose is 20 g a day for five days.", "loading"),
        ("A daily maintenance dose of 3 g is enough.", "maintenance"),
        ("Adults should start with a dose of 0.5 mg.", "starting"),
        ("The mean dose was 2.7 mg.", "average"),
        ("Tolerance develops when it is taken at more than 5 mg a night.", "if"),
        ("If you take more than 10 g, cramps may follow.", "if"),
        ("The recommended dose is 3 g.", ""),
        # The words before an amount are read back to the amount before it: "loading" is the 20 g's.
        ("A loading dose of 20 grams per day, then 3 g a day.", ""),
        # A role named right after the amount, in its own phrase, is its role, and not the next amount's.
        ("A 5 g maintenance dose is enough for most adults.", "maintenance"),
        ("Take 5 g initially, then 3 g a day.", ""),
        ("Take 5 g, starting tomorrow.", ""),
        # The least and the most in a parenthesis after a mean are what a study's people took, not doses.
        ("The mean dose was 4 mg (min 1 mg, max 9 mg).", "average"),
        ("Take 3 g a day (or 5 g if you weigh more).", ""),
    ],
)
def test_an_amount_is_read_with_its_role(reader, text: str, role: str) -> None:  # type: ignore[no-untyped-def]
    [assertion] = reader.read([text])
    assert [q.role for q in assertion.quantities if q.unit == "gram"][-1] == role


def test_unrelated_or_agreeing_claims_do_not_fire(reader) -> None:  # type: ignore[no-untyped-def]
    assert (
        signals(reader, "Kratom stimulates prolactin release.", "Kratom can stimulate the release of prolactin.") == []
    )
    assert signals(reader, "Kratom stimulates prolactin release.", "Kratom can modulate prolactin secretion.") == []
    # What prolactin does is not what kratom does to prolactin.
    assert (
        signals(
            reader,
            "In times of stress, prolactin can stimulate the release of pro-inflammatory cytokines.",
            "Research suggests that kratom suppresses prolactin secretion.",
        )
        == []
    )


def test_advice_meta_text_and_promotion_are_recognised(reader) -> None:  # type: ignore[no-untyped-def]
    kinds = [
        a.kind
        for a in reader.read(
            [
                "Always consult healthcare before using kratom for pain management.",
                "Consulting a healthcare provider before incorporating kratom into your routine is essential.",
                "This article delves into the science behind kratom’s potential benefits.",
                "Incorporating kratom could be a game-changer for athletes.",
                "Kratom stimulates prolactin release.",
            ]
        )
    ]
    assert kinds == ["advice", "advice", "meta", "promotional", "claim"]


def test_what_changes_the_effect_of_a_thing_changes_that_thing(reader) -> None:  # type: ignore[no-untyped-def]
    # "the effects of X" passes the change on to X; "side effects" are what they are.
    lessens = "The drug lessens the effects of jet lag."
    assert signals(reader, lessens, "The drug increases side effects.") == []
    assert signals(reader, lessens, "The drug increases jet lag.") == [
        ("direction", "drug → lag: lessens (A) vs increases (B)")
    ]
    assert signals(reader, "The drug increases side effects.", "The drug reduces side effects.") == [
        ("direction", "drug → effect: increases (A) vs reduces (B)")
    ]


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Many people believe that coffee causes dehydration.", "reported"),
        ("Some say coffee raises blood pressure.", "reported"),
        ("An old legend says that coffee stunts growth in children.", "reported"),
        ("The idea that coffee stunts growth comes from old advertising.", "reported"),
        ("The claim that coffee causes cancer is false.", "reported"),
        # Who holds it decides: evidence and experts state it, and "contrary to popular belief" states the rest.
        ("Studies show that coffee raises blood pressure for a few hours.", "claim"),
        ("Most experts say that coffee is safe in moderation.", "claim"),
        ("Contrary to popular belief, coffee does not cause dehydration.", "claim"),
        ("One trial found that coffee lowers the risk of gallstones.", "claim"),
        ("The idea that coffee stunts growth is old, but recent trials show no effect on growth.", "claim"),
        # A conjecture is reported whoever holds it: what was proposed, not what was found.
        ("Some researchers have theorized that coffee dehydrates the body.", "reported"),
        ("We hypothesized that coffee intake lowers the risk of gallstones.", "reported"),
        ("Researchers found that coffee intake lowers the risk of gallstones.", "claim"),
    ],
)
def test_a_belief_reported_is_not_a_claim(reader, text: str, kind: str) -> None:  # type: ignore[no-untyped-def]
    [assertion] = reader.read([text])
    assert assertion.kind == kind


@pytest.mark.parametrize(
    ("text", "research"),
    [
        ("A 10-week trial looked at the effect of zinc on the length of colds.", "done"),
        ("Their hormone levels were measured to see whether they changed.", "done"),
        ("Below we cover whether caffeine causes headaches and what to do about them.", "done"),
        ("The aim of this review is to investigate the effects of zinc on colds.", "done"),
        ("The study compared zinc with a placebo in 200 adults.", "done"),
        ("In this section we will explore how zinc works.", "done"),
        # A gap in the evidence.
        ("Zinc has not been studied in children.", "denied"),
        ("No study has examined whether zinc shortens colds.", "denied"),
        # How much a thing was studied, a result, or a finding beside the procedure.
        ("Zinc has been studied extensively.", ""),
        ("All samples tested negative for the virus.", ""),
        ("We studied 120 variants, of which 86 were found to escape antibodies.", ""),
        ("Researchers looked at five products, finding that the doses varied widely.", ""),
        ("We examined 40 adults and found that zinc shortened their colds.", ""),
        ("The purpose of this review was to highlight the small number of trials in children.", ""),
        ("Zinc shortens colds by two days.", ""),
        # A text's plan said in passing is no plan: the claim stands.
        ("No study has reported harm from zinc (except one, which we’ll discuss later).", ""),
    ],
)
def test_what_was_studied_is_told_from_what_was_found(reader, text: str, research: str) -> None:  # type: ignore[no-untyped-def]
    [assertion] = reader.read([text])
    assert (assertion.kind, assertion.research) == ("claim", research)


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        # advice that names an amount or a limit
        ("Never take more than 10 grams of the powder in one day.", "claim"),
        ("Take 3 to 5 g with water every morning.", "claim"),
        ("Do not exceed the dose on the label.", "claim"),
        ("The best time to take it is in the post-workout window.", "claim"),
        # an instruction that forbids or gives a value: a manual's, a recipe's or a policy's rules
        ("Bake the cake at 180 degrees for 45 minutes.", "claim"),
        ("Do not freeze the cake, since the icing turns soggy.", "claim"),
        ("Never give aspirin to children under 16.", "claim"),
        ("Avoid alcohol while taking the tablets.", "claim"),
        # advice that states nothing another text can contradict
        ("Take it with water every morning.", "advice"),
        ("Keep reading to find out.", "advice"),
        ("Take it with food.", "advice"),
        ("Talk with your family doctor about pain management.", "advice"),
    ],
)
def test_advice_is_a_claim_where_it_names_an_amount_a_limit_a_prohibition_or_a_value(  # type: ignore[no-untyped-def]
    reader, text: str, kind: str
) -> None:
    [assertion] = reader.read([text])
    assert assertion.kind == kind


def test_hedges_and_scope(reader) -> None:  # type: ignore[no-untyped-def]
    mice, humans = reader.read(
        [
            "Kratom may reduce inflammation in mice.",
            "A study found that low to moderate doses of kratom increased prolactin levels in healthy human subjects.",
        ]
    )
    assert mice.hedges == ("may",) and mice.scope == ("in mice",)
    assert humans.scope == ("low to moderate doses", "in healthy human subjects")
    assert scope_note(mice, humans) == "different scope: in mice vs low to moderate doses, in healthy human subjects"


def test_quantities_convert_units() -> None:
    [q] = quantities("Take 1-3 grams daily.")
    assert (q.low, q.high, q.unit) == (1.0, 3.0, "gram")
    [q] = quantities("about 500mg")
    assert q.low == pytest.approx(0.5) and q.unit == "gram"
    assert list(quantities("A 2017 study of 40 people.")) == []


def test_an_amount_a_day_is_read_as_the_amount_and_other_rates_are_not_doses() -> None:
    # "20 g/day" reads as "20 g a day" does; per hour or per kilogram of body weight is another quantity.
    assert [(q.low, q.unit) for q in quantities("A loading dose of 20 grams per day.")] == [(20.0, "gram")]
    [q] = quantities("Take 5 mg/day.")
    assert q.low == pytest.approx(0.005) and q.unit == "gram" and q.text == "5 mg/day"
    [q] = quantities("Give 5 ml/day of the syrup.")
    assert q.low == pytest.approx(0.005) and q.unit == "litre"
    assert list(quantities("An infusion of 1 mg/h.")) == [] and list(quantities("Take 0.3 g/kg.")) == []


@pytest.mark.parametrize(
    ("text", "low", "unit"),
    [
        ("The group took 30gms daily.", 30.0, "gram"),
        ("Take 400 mcgs with food.", 0.0004, "gram"),
        ("Stir in 2 tsps of the powder.", 0.00986, "litre"),
        ("It works within 20 mins.", 1200.0, "second"),
        # A symbol that has an s of its own, or a plural that is read already, stays as it is.
        ("The signal lasted 5 ms.", 0.005, "second"),
        ("Lift 2 kgs.", 2000.0, "gram"),
    ],
)
def test_a_symbol_with_a_plural_s_is_read_as_the_symbol(text: str, low: float, unit: str) -> None:
    [q] = quantities(text)
    assert (q.low, q.unit) == (pytest.approx(low, rel=1e-3), unit)
    assert text[text.index(q.text) :].startswith(q.text)  # the amount's words are where the text has them


def test_a_dose_written_with_a_plural_symbol_is_a_dose(reader) -> None:  # type: ignore[no-untyped-def]
    # A loading dose in plural grams and a maintenance dose in milligrams: two doses, no one dose to compare.
    protocol = "Each man took 30gms as a loading dose, then 4mg as a maintenance dose."
    assert signals(reader, "The usual daily dose is 2 to 4 grams.", protocol) == []


@pytest.mark.parametrize(
    ("text", "bound", "words", "span"),
    [
        ("Take up to 6 mg a night.", "at most", "up to 6 mg", (0.0, 0.006)),
        ("A dose of 3 g or less is enough.", "at most", "3 g or less", (0.0, 3.0)),
        ("Tolerance appears at more than 5 g a day.", "at least", "more than 5 g", (5.0, float("inf"))),
        ("Do not take more than 8 g a day.", "at most", "more than 8 g", (0.0, 8.0)),
        ("Don't exceed 8 grams a day.", "at most", "Don't exceed 8 grams", (0.0, 8.0)),
        ("Take 3-5 g a day.", "", "3-5 g", (3.0, 5.0)),
    ],
)
def test_bounds_on_amounts_are_read_from_the_words_around_them(text: str, bound: str, words: str, span) -> None:  # type: ignore[no-untyped-def]
    [q] = [q for q in quantities(text) if q.unit == "gram"]
    assert (q.bound, q.text) == (bound, words)
    assert q.span() == pytest.approx(span)


def test_a_mention_in_passing_or_of_another_kind_is_not_an_occurrence(reader) -> None:  # type: ignore[no-untyped-def]
    # Sentences from COVID-Fact and SciFact that the absence judge used to pair on one shared word.
    pairs = [
        # Only the phrase right after the cue is absent: an association, not the cancers it was sought with.
        (
            "In adjusted analyses, there was no association with 8 of the 10 additional cancers.",
            "Pioglitazone use was associated with an increased risk of prostate cancer.",
        ),
        # A participle or an attributive adjective does not say something occurs.
        (
            "Remdesivir combined with ivermectin shows no improved antiviral activity.",
            "Exercise training improved quality of life in the trial.",
        ),
        # Both mentions narrowed, by different words: different vaccines.
        ("Lack of oxford coronavirus vaccine in kenya.", "The live attenuated influenza vaccine protected children."),
    ]
    for absent, mentioned in pairs:
        assert signals(reader, absent, mentioned) == [], mentioned
    # The same thing, narrowed alike or not narrowed on one side, still conflicts.
    assert [
        k
        for k, _ in signals(
            reader, "Ace2 exhibits no action against thrombosis.", "Ace2 exhibits protective action against thrombosis."
        )
    ] == ["negation"]
    assert [
        k
        for k, _ in signals(
            reader, "There was no oxford vaccine trial in kenya.", "An oxford vaccine trial began in kenya."
        )
    ] == ["negation"]
    # "may notice thinning hair": the thinning occurs.
    [thinning] = reader.read(["Some individuals may notice thinning hair or areas of baldness."])
    assert "thin" in thinning.occurs


def test_an_effect_conflicts_only_when_its_agent_can_be_the_same(reader) -> None:  # type: ignore[no-untyped-def]
    # Opposite directions by different agents say nothing against each other.
    assert (
        signals(reader, "Vitamin D reduces the risk of infection.", "Face masks increase the risk of infection.") == []
    )
    # One agent named more fully ("vitamin D supplements"), or named in another sentence ("this herb"): one agent.
    assert signals(
        reader, "Vitamin D supplements reduce the risk of infection.", "Vitamin D increases the risk of infection."
    ) == [("direction", "vitamin d → infection: reduce (A) vs increases (B)")]
    assert signals(reader, "This ancient herb can stimulate prolactin.", "Kratom extract suppresses prolactin.") == [
        ("direction", "kratom → prolactin: stimulate (A) vs suppresses (B)")
    ]
    # The risk of something is carried by the something: "risk of infection" is about infection.
    [risk] = reader.read(["Masks reduce the risk of infection."])
    assert [e.target for e in risk.effects] == ["infection"]


def test_an_absence_conflicts_only_with_the_same_holder(reader) -> None:  # type: ignore[no-untyped-def]
    # Access given by one party and lacked by another are not one access.
    assert (
        signals(
            reader, "Patients in rural areas have no access to remdesivir.", "Gilead has provided access to remdesivir."
        )
        == []
    )
    assert [
        k for k, _ in signals(reader, "Kratom offers pain relief without addiction.", "Kratom may lead to addiction.")
    ] == ["negation"]
    # The phrase's head is what is absent, its modifiers narrow it: no neutralization, not no virus.
    [neutralization] = reader.read(["No SARS-CoV-2 cross-neutralization by intravenous immunoglobulins."])
    assert "neutral" in neutralization.absences and "sar" not in neutralization.absences


def test_a_topic_is_not_an_occurrence(reader) -> None:  # type: ignore[no-untyped-def]
    without = "Its active compounds interact with opioid receptors, providing pain relief without addiction."
    for topic_only in (
        "Kratom has emerged as a potential natural solution for addiction treatment.",
        "Prolactin levels play a significant role in addiction and stress responses.",
        "Kratom can be a valuable tool in helping individuals overcome addiction.",
    ):
        assert signals(reader, without, topic_only) == [], topic_only
    # "not without side effects" says they occur; adjectives are states, not changes.
    [not_without, lower_doses] = reader.read(
        [
            "Unlike some over-the-counter pain relievers, kratom is not without potential side effects.",
            "It is crucial to start with lower doses and monitor individual responses.",
        ]
    )
    assert not_without.absences == () and "effect" in not_without.occurs
    assert lower_doses.effects == ()
    # "does not replace hydration" denies nothing that happens; "does not cause addiction" does.
    [replace, cause] = reader.read(
        ["Kratom does not replace proper hydration.", "Kratom does not cause addiction in adults."]
    )
    assert replace.absences == () and "addict" in cause.absences


def test_what_is_absent_is_the_thing_denied_not_a_word_near_the_cue(reader) -> None:  # type: ignore[no-untyped-def]
    # The last part of a hyphenated word names the thing: no cross-neutralization, not no SARS-CoV-2.
    (neutralization,) = reader.read(["No sars-cov-2 cross-neutralization by intravenous immunoglobulins."])
    assert "sar" not in neutralization.absences and "neutral" in neutralization.absences
    assert signals(reader, "No sars-cov-2 cross-neutralization by immunoglobulins.", "Sars-cov-2 infects cells.") == []
    # "did not result in improvements" denies improvements; "no evidence of polymorphisms" is about polymorphisms.
    (improvements,) = reader.read(["The screening did not result in improvements in visual problems."])
    assert improvements.absences == ("improv",)
    (evidence,) = reader.read(["No evidence of viral polymorphisms associated with the syndrome."])
    assert evidence.absences == ("polymorph",)
    assert (
        signals(reader, "No evidence of viral polymorphisms.", "Preliminary evidence that heat lowers incidence.") == []
    )


def test_a_comparison_or_a_description_of_a_group_is_not_an_absence(reader) -> None:  # type: ignore[no-untyped-def]
    read = reader.read(
        [
            "We studied exhalation in subjects with and without COVID-19 infection.",
            "There were no further significant changes in KCCQ score for either group.",
            "Coronavirus is spread by people with no symptoms, an official says.",
        ]
    )
    assert [a.absences for a in read] == [(), (), ()]


def test_a_narrowed_or_located_absence_needs_the_same_on_the_other_side(reader) -> None:  # type: ignore[no-untyped-def]
    cardiac = "Lack of cardiac infection with sars-cov-2 in confirmed autopsy cases."
    assert signals(reader, cardiac, "Fibrinolysis influences sars-cov-2 infection in ciliated cells.") == []
    assert [k for k, _ in signals(reader, cardiac, "Sars-cov-2 causes cardiac infection in autopsy cases.")] == [
        "negation"
    ]
    b_cells = "Two patients with complete absence of B cells from peripheral blood developed COVID-19."
    assert signals(reader, b_cells, "Persistor cells are one reason for incomplete responses in COVID-19.") == []
    lack = "There was a lack of effective immune response in severely affected COVID-19 patients."
    assert signals(reader, lack, "Immune response to COVID-19 varies widely.") == []
    assert [
        k for k, _ in signals(reader, lack, "An immune response was seen in severely affected COVID-19 patients.")
    ] == ["negation"]


def test_times_conflict_only_for_the_same_dose(reader) -> None:  # type: ignore[no-untyped-def]
    one_year = "A 100g dose of chloroquine results in retinal toxicity after 1 year of weekly intake."
    six_years = "A 100g dose of chloroquine results in retinal toxicity after 5-6 years of weekly intake."
    assert [k for k, _ in signals(reader, one_year, six_years)] == ["quantity"]
    week = "More than 137,000 people receive a first dose of covid vaccine in one week."
    hours = "Troponin dosage may not be diagnostic if symptoms began less than 3 hours before."
    assert signals(reader, week, hours) == []


def test_no_study_showing_a_thing_denies_the_thing_not_the_studies(reader) -> None:  # type: ignore[no-untyped-def]
    found, shown = reader.read(
        ["No study has ever reported any adverse effects in adults.", "A study of adults found it."]
    )
    assert "studi" not in found.absences and not compare(found, shown, "A", "B")
