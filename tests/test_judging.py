"""Stages 6 and 7: both-direction judging, thresholds, and the contradictions they produce."""

from __future__ import annotations

import numpy as np
import pytest

from detector.contradictions import find_contradictions, highest_verdict, quote, verdict_inputs
from detector.directions import judge_in_rounds
from detector.judges import contradiction_label_index, score_all
from detector.reader.assertions import Assertion, Effect
from detector.records import Claim, Contradiction, Judgement, Pair
from detector.screen import gather
from detector.verdict.calibration import FEATURES, Calibration

from .conftest import OppositeVerbJudge


class AsymmetricJudge:
    def score(self, premises, hypotheses):  # type: ignore[no-untyped-def]
        return np.array([0.9 if p.startswith("A") else 0.2 for p in premises])


def test_pairs_are_scored_in_both_directions() -> None:
    texts = ["A says more.", "B says less."]
    [j] = judge_in_rounds([Pair(0, 1, 0.8)], texts, AsymmetricJudge().score, both=[True], screen=False, threshold=1.0)
    assert (j.forward, j.backward, j.score) == (0.9, 0.2, 0.9)


def test_rounds_score_only_the_directions_that_can_change_the_report() -> None:
    texts = ["s0", "s1", "s2", "s3", "s4"]
    # Pair (0, 1) has a conflict signal; (1, 2) passes a→b; (2, 3) does not; (3, 4) passes b→a only.
    given = {("s0", "s1"): 0.3, ("s1", "s0"): 0.4, ("s1", "s2"): 0.995, ("s2", "s1"): 0.2}
    given |= {("s2", "s3"): 0.5, ("s3", "s4"): 0.1, ("s4", "s3"): 0.999}
    pairs = [Pair(0, 1, 0.9), Pair(1, 2, 0.8), Pair(2, 3, 0.7), Pair(3, 4, 0.6)]
    rounds: list[list[tuple[str, str]]] = []

    def run(premises: list[str], hypotheses: list[str]) -> np.ndarray:
        rounds.append(list(zip(premises, hypotheses, strict=True)))
        return np.array([given[d] for d in rounds[-1]])

    both = [True, False, False, False]
    screened = judge_in_rounds(pairs, texts, run, both=both, screen=True, threshold=0.99)
    assert [(j.pair, j.forward, j.backward) for j in screened] == [
        (pairs[0], 0.3, 0.4),
        (pairs[1], 0.995, 0.2),  # a→b reached the threshold, so b→a was needed
        (pairs[2], 0.5, None),
        (pairs[3], 0.1, None),  # a→b fell short: NLI-only needs both directions, b→a cannot change that
    ]
    assert sorted(rounds[0]) == sorted([("s0", "s1"), ("s1", "s2"), ("s2", "s3"), ("s3", "s4"), ("s1", "s0")])
    assert rounds[1] == [("s2", "s1")] and len(rounds) == 2
    assert screened[2].score == 0.5 and not screened[2].both and screened[0].both

    rounds.clear()
    unscreened = judge_in_rounds(pairs, texts, run, both=both, screen=False, threshold=0.99)
    assert [(j.pair, j.forward, j.backward) for j in unscreened] == [(pairs[0], 0.3, 0.4)]
    assert sorted(rounds[0]) == [("s0", "s1"), ("s1", "s0")] and len(rounds) == 1

    rounds.clear()
    assert judge_in_rounds(pairs, texts, run, both=[False] * 4, screen=False, threshold=0.99) == []
    assert rounds == []  # nothing to judge: the judge is never called (nor loaded)


def test_b_to_a_is_not_read_where_the_scan_says_it_cannot_change_the_report() -> None:
    texts = ["s0", "s1", "s2"]
    pairs = [Pair(0, 1, 0.9), Pair(1, 2, 0.8)]
    asked: list[tuple[int, float]] = []

    def needed(index: int, forward: float) -> bool:
        asked.append((index, forward))
        return index == 1

    judged = judge_in_rounds(
        pairs, texts, AsymmetricJudge().score, both=[False, False], screen=True, threshold=0.0, needed=needed
    )
    assert [(j.forward, j.backward) for j in judged] == [(0.2, None), (0.2, 0.2)]
    assert asked == [(0, 0.2), (1, 0.2)]


# The verdict rises with the judge's higher direction.
RISING = Calibration(dict.fromkeys(FEATURES, 0.0) | {"nli": 1.5}, -6.0, 0.5)
CLAIMS = [Claim("c0", "d.txt", "Tea is sweet.", 0, 13, 1, 1), Claim("c1", "d.txt", "Coffee is bitter.", 0, 17, 1, 1)]
ASSERTIONS = [Assertion("claim")] * 2
PAIR = Pair(0, 1, 0.5)


def _highest(calibration: Calibration, forward: float | None, ceiling: float) -> float:
    [seen] = gather([PAIR], CLAIMS, ASSERTIONS, calibration)
    return highest_verdict(PAIR, forward, seen, ASSERTIONS, calibration=calibration, ceiling=ceiling)


def _verdict(calibration: Calibration, forward: float, backward: float) -> float:
    [seen] = gather([PAIR], CLAIMS, ASSERTIONS, calibration)
    return calibration.score(verdict_inputs(Judgement(PAIR, forward, backward), seen, ASSERTIONS))


def test_the_highest_verdict_is_what_the_judges_highest_score_could_bring() -> None:
    # z = -6 + 1.5 logit(higher direction): the threshold 0.5 needs a direction at 0.982 or more.
    assert _highest(RISING, 0.9, ceiling=0.98) < 0.5 <= _highest(RISING, 0.9, ceiling=0.99)
    assert _highest(RISING, None, ceiling=0.98) < 0.5 <= _highest(RISING, None, ceiling=0.99)
    assert _highest(RISING, 0.99, ceiling=0.98) >= 0.5  # a→b above the ceiling: the ceiling was no bound
    assert _highest(RISING, 0.9, ceiling=0.99) == pytest.approx(_verdict(RISING, 0.9, 0.99))
    # A verdict that falls with the lower direction is highest where b→a is lowest.
    falling = Calibration(dict.fromkeys(FEATURES, 0.0) | {"nli": 1.5, "nli_min": -1.0}, -6.0, 0.5)
    assert _highest(falling, 0.99, ceiling=0.99) == pytest.approx(_verdict(falling, 0.99, 0.0))
    assert _highest(falling, 0.99, ceiling=0.99) > _verdict(falling, 0.99, 0.99)


def test_no_reading_of_the_unread_directions_passes_the_highest_verdict() -> None:
    mixed = Calibration(
        dict.fromkeys(FEATURES, 0.0) | {"nli": 2.0, "nli_min": -0.7, "nli_by_length": 0.4, "similarity": 1.0}, -7.0, 0.5
    )
    falling = Calibration(dict.fromkeys(FEATURES, 0.0) | {"nli": -0.5, "nli_min": 1.2}, -1.0, 0.5)
    grid = [float(v) for v in np.linspace(0.0, 0.99, 23)]
    for calibration in (RISING, mixed, falling):
        for ceiling in (0.95, 0.99):
            below = [v for v in grid if v <= ceiling] + [ceiling]
            both = _highest(calibration, None, ceiling)
            assert max(_verdict(calibration, f, b) for f in below for b in below) == pytest.approx(both)
            for forward in grid:
                highest = _highest(calibration, forward, ceiling)
                top = max(_verdict(calibration, forward, b) for b in [*below, max(forward, ceiling)])
                assert top == pytest.approx(highest)


def test_score_all_keeps_input_order_across_length_sorted_batches() -> None:
    judge_ = OppositeVerbJudge()
    premises = ["x increases y" + "!" * i for i in range(10, 0, -1)] + ["x is y"]
    hypotheses = ["x decreases y"] * 10 + ["x decreases y"]
    scores = score_all(premises, hypotheses, judge_, batch_size=3)
    assert list(scores) == [0.99] * 10 + [0.01]
    assert len(judge_.calls) == 11


def test_threshold_and_directions_decide_what_is_reported() -> None:
    claims = [Claim(f"c{i}", "d.txt", f"text {i}", 0, 6, 1, 1) for i in range(4)]
    judgements = [
        Judgement(Pair(0, 1, 0.9), forward=0.99, backward=0.2),
        Judgement(Pair(1, 2, 0.8), forward=0.985, backward=0.995),
        Judgement(Pair(0, 2, 0.7), forward=0.5, backward=0.5),
        Judgement(Pair(2, 3, 0.7), forward=0.99, backward=0.1),
    ]
    raises = Assertion("claim", effects=(Effect("kratom", "prolactin", 1, "raises", False),))
    lowers = Assertion("claim", effects=(Effect("kratom", "prolactin", -1, "lowers", False),))
    # The verdict follows the lower direction, and the claim reader's direction judge outweighs it.
    calibration = Calibration(dict.fromkeys(FEATURES, 0.0) | {"nli_min": 1.0, "direction": 10.0}, 0.0, 0.99)
    assertions = [Assertion("claim")] * 2 + [raises, lowers]
    evidence = gather([j.pair for j in judgements], claims, assertions, calibration)

    def run(nli_only: bool) -> tuple[list[Contradiction], list[Contradiction]]:
        return find_contradictions(
            judgements,
            claims,
            assertions,
            ["s01", "s01", "s02", "s02"],
            {(j.pair.a, j.pair.b): e for j, e in zip(judgements, evidence)},
            calibration=calibration,
            threshold=0.99,
            nli_threshold=0.98,
            nli_only=nli_only,
        )

    # What the claims assert (raises vs lowers) makes c2/c3 a contradiction; c1/c2, flagged by the NLI judge
    # in both directions but under the verdict's threshold, is kept apart; c0/c1, one direction only, is not
    # reported.
    found, apart = run(nli_only=False)
    assert [(c.a, c.b, c.kind) for c in found] == [("c2", "c3", "direction+nli")]
    assert "kratom → prolactin: raises" in found[0].explanation
    assert [(c.a, c.b, c.directions) for c in apart] == [("c1", "c2", ("a→b", "b→a"))]
    assert apart[0].score == 0.985 and apart[0].kind == "nli" and "reading b then a" in apart[0].explanation
    # --nli-only counts the pairs the judge alone flags both ways too.
    found, apart = run(nli_only=True)
    assert [(c.a, c.b) for c in found] == [("c2", "c3"), ("c1", "c2")] and apart == []


def test_contradiction_label_is_found_by_name() -> None:
    assert contradiction_label_index({0: "ENTAILMENT", 1: "neutral", 2: "CONTRADICTION"}) == 2
    assert contradiction_label_index({"0": "contradiction", "1": "entailment"}) == 0
    with pytest.raises(ValueError, match="no contradiction label"):
        contradiction_label_index({0: "LABEL_0", 1: "LABEL_1"})


def test_quote_shortens_at_a_word_boundary() -> None:
    assert quote("short text") == "short text"
    assert quote("word " * 50, 20) == "word word word word…"
