"""Stage 5b: the evidence each candidate pair holds before judging, and the pairs the judge sees."""

from __future__ import annotations

from detector.reader.assertions import Assertion, Effect
from detector.records import Claim, Pair
from detector.screen import choose, gather, short_name
from detector.verdict.calibration import FEATURES, SCREEN_FEATURES, Calibration, screen_features


def claims_of(texts: list[str]) -> list[Claim]:
    return [Claim(f"c{i + 1:04d}", f"{i:03d}_doc.txt", t, 0, len(t), 1, 1) for i, t in enumerate(texts)]


# A screen that ranks pairs by how much of one proposition they share, and by a flip within it.
SCREEN = Calibration(
    dict.fromkeys(FEATURES, 0.0),
    0.0,
    0.5,
    screen=dict.fromkeys(SCREEN_FEATURES, 0.0) | {"flipped_overlap": 2.0, "overlap": 1.0},
)


def test_every_pair_gets_its_reader_signals_contrast_and_screen_score() -> None:
    texts = [
        "Kratom raises prolactin in adults.",
        "Kratom lowers prolactin in adults.",
        "Kratom does not raise prolactin in adults.",
        "Tea is served hot in winter.",
    ]
    raises = Assertion("claim", effects=(Effect("kratom", "prolactin", 1, "raises", False),))
    lowers = Assertion("claim", effects=(Effect("kratom", "prolactin", -1, "lowers", False),))
    pairs = [Pair(0, 1, 0.9), Pair(0, 2, 0.9), Pair(0, 3, 0.1)]
    evidence = gather(pairs, claims_of(texts), [raises, lowers, Assertion("claim"), Assertion("claim")], SCREEN)
    assert [s.kind for s in evidence[0].signals] == ["direction"] and "(000) vs lowers (001)" in evidence[0].signals[
        0
    ].explanation
    assert evidence[1].contrast.negation_flip and evidence[1].screen == 3.0  # all shared, and negated on one side
    assert evidence[2].contrast.overlap == 0.0 and evidence[2].screen == 0.0


def test_the_judge_sees_each_claims_best_pairs_and_every_pair_the_reader_signals() -> None:
    texts = [
        "The herb is safe for daily use.",
        "The herb is unsafe for daily use.",
        "The herb is safe for daily use by adults.",
        "Daily use of tea is common.",
        "Herb gardens need sun.",
    ]
    pairs = [Pair(0, 1, 0.9), Pair(0, 2, 0.95), Pair(0, 3, 0.5), Pair(0, 4, 0.4), Pair(3, 4, 0.3)]
    assertions = [Assertion("claim")] * 5
    evidence = gather(pairs, claims_of(texts), assertions, SCREEN)
    # Claim 0's best pair is the flipped one (0, 1), not the nearest (0, 2); every other claim keeps its best:
    # (0, 2) for claim 2, (0, 3) for claim 3 (half shared) and (0, 4) for claim 4; (3, 4) shares nothing.
    assert choose(pairs, evidence, per_claim=1) == [0, 1, 2, 3]
    assert choose(pairs, evidence, per_claim=0) == [0, 1, 2, 3, 4]
    # The reader says claim 3 holds no sun and claim 4 needs it (both about gardens): (3, 4) is judged too.
    absent = Assertion("claim", absences=("sun",), phrases={"sun": "sun", "garden": "gardens"})
    present = Assertion("claim", occurs=("sun",), phrases={"sun": "sun", "garden": "gardens"})
    signalled = gather(pairs, claims_of(texts), [*assertions[:3], absent, present], SCREEN)
    assert [bool(e.signals) for e in signalled] == [False, False, False, False, True]
    assert choose(pairs, signalled, per_claim=1) == [0, 1, 2, 3, 4]


def test_explanations_name_documents_by_their_number() -> None:
    assert short_name("000_ac6c5d8dacf27aa2.txt") == "000"
    assert short_name("notes.txt") == "notes.txt" and short_name("2024_report.txt") == "2024"


def test_one_proposition_with_another_value_is_a_quantity_signal() -> None:
    texts = [
        "The refund window is 30 days.",
        "The refund window is about 14 days.",
        "The warranty lasts 2 years.",
        "Returns are accepted at any store.",
    ]
    pairs = [Pair(0, 1, 0.6), Pair(0, 2, 0.7), Pair(0, 3, 0.8)]
    evidence = gather(pairs, claims_of(texts), [Assertion("claim")] * 4, SCREEN)
    assert [(s.kind, s.explanation) for s in evidence[0].signals] == [
        ("quantity", "value: 30 days (000) vs 14 days (001)")
    ]
    assert not evidence[1].signals and not evidence[2].signals
    # The verdict reads it as the quantity judge.
    read = screen_features(
        (0.6, 0.6), evidence[0].contrast, list(evidence[0].signals), Assertion("claim"), Assertion("claim")
    )
    assert read["quantity"] == 1.0 and read["amount_flip"] == 1.0


def test_one_event_dated_to_two_years_is_a_quantity_signal() -> None:
    texts = ["The museum was founded in 1901 by the city.", "The city founded the museum in 1911."]
    evidence = gather([Pair(0, 1, 0.9)], claims_of(texts), [Assertion("claim")] * 2, SCREEN)
    assert [(s.kind, s.explanation) for s in evidence[0].signals] == [
        ("quantity", "date: founded 1901 (000) vs founded 1911 (001)")
    ]


def test_doses_are_left_to_the_dose_judge() -> None:
    from detector.reader.assertions import Quantity

    # A loading dose and a maintenance dose share most words; the dose judge reads their roles, not the value one.
    texts = ["A loading dose is 20 grams a day.", "A maintenance dose is 3 grams a day."]
    reading = [
        Assertion("claim", quantities=(Quantity(20.0, 20.0, "gram", "20 grams", "", "loading"),)),
        Assertion("claim", quantities=(Quantity(3.0, 3.0, "gram", "3 grams", "", "maintenance"),)),
    ]
    assert not gather([Pair(0, 1, 0.9)], claims_of(texts), reading, SCREEN)[0].signals


def test_the_screen_ranks_a_claims_pairs_by_their_nearness_apart_from_the_collections_topic() -> None:
    from detector.verdict.calibration import load_calibration

    # Two pairs of a claim that differ only in how near they are apart from the topic of their collection (the
    # same text on the other side, as near as written): the fitted screen judges the nearer one first, and the
    # verdict does not read the apart similarity at all (its threshold is one number for every collection).
    texts = ["Melatonin is safe for children.", "Melatonin is sold in shops.", "Melatonin is sold in shops."]
    pairs = [Pair(0, 1, 0.7, apart_similarity=0.6), Pair(0, 2, 0.7, apart_similarity=0.1)]
    fitted = load_calibration()
    same, other = gather(pairs, claims_of(texts), [Assertion("claim")] * 3, fitted)
    assert same.screen > other.screen
    assert "apart_similarity" in fitted.screen and "apart_similarity" not in fitted.weights
