"""Stage 6: which directions of each chosen pair the judge reads, in two rounds.

Apart from `judges.py` (the scorers and `score_all`, which turn texts into scores) so that the caches keyed on
the judge's code — the scan's (`runtime/keys.py`) and `scripts/calibrate.py`'s — do not change when only the
choice of what to read does.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from .records import Judgement, Pair


def judge_in_rounds(
    pairs: Sequence[Pair],
    texts: Sequence[str],
    run: Callable[[list[str], list[str]], np.ndarray],
    *,
    both: Sequence[bool],
    screen: bool,
    threshold: float,
    needed: Callable[[int, float], bool] | None = None,
) -> list[Judgement]:
    """Score only the directions that can change what a scan reports, in two rounds of `run`.

    A pair with `both` set is scored both ways. With `screen`, every other pair is scored a→b, and b→a only
    where a→b reaches `threshold` (a scan passes the calibration's backward_from: below it no verdict on the
    public pairs depends on b→a) and `needed(index in pairs, a→b)` holds (a scan asks whether b→a could change
    what it reports: contradictions.highest_verdict). Without `screen` those pairs are not scored and get
    no judgement. Judgements come in the order of `pairs`.
    """
    chosen = [i for i in range(len(pairs)) if both[i] or screen]
    first = [(i, False) for i in chosen] + [(i, True) for i in chosen if both[i]]
    scores = _run_directions(pairs, texts, run, first)
    second = [
        (i, True)
        for i in chosen
        if not both[i] and scores[(i, False)] >= threshold and (needed is None or needed(i, scores[(i, False)]))
    ]
    scores |= _run_directions(pairs, texts, run, second)
    return [Judgement(pairs[i], scores[(i, False)], scores.get((i, True))) for i in chosen]


def _run_directions(
    pairs: Sequence[Pair],
    texts: Sequence[str],
    run: Callable[[list[str], list[str]], np.ndarray],
    directions: list[tuple[int, bool]],
) -> dict[tuple[int, bool], float]:
    # (pair index, backward) → score; backward reads b as the premise and a as the hypothesis.
    if not directions:
        return {}
    ends = [(pairs[i].b, pairs[i].a) if back else (pairs[i].a, pairs[i].b) for i, back in directions]
    values = run([texts[p] for p, _ in ends], [texts[h] for _, h in ends])
    return {d: float(v) for d, v in zip(directions, values, strict=True)}
