"""Choose a judge's default threshold: the best-F1 point on a public labelled pair set.

    python scripts/choose_threshold.py ../shared/benchmarks/pairs/scifact.jsonl [--judge NAME]

Prints the metrics and the threshold to write into models.lock (`threshold = ...` of that judge).
"""

from __future__ import annotations

import json
import time

import typer

from detector.evaluation import metrics, pair_scores, read_pairs
from detector.models.load import load_judge
from detector.models.lock import read_lock


def main(
    pairs_file: str,
    judge: str = typer.Option(None, help="judge name in models.lock"),
    models_lock: str = typer.Option(None),
) -> None:
    lock = read_lock(models_lock)
    spec = lock.spec("judge", judge)
    scorer = load_judge(spec)
    pairs = read_pairs(pairs_file)
    started = time.perf_counter()
    scores = pair_scores(pairs, scorer)
    elapsed = time.perf_counter() - started
    truth = [p.label == "contradiction" for p in pairs]
    # Round down to three decimals so the chosen threshold is one a person can read and re-type.
    result = metrics(truth, scores, 0.5, file=pairs_file, seconds=elapsed)
    chosen = int(result.best_threshold * 1000) / 1000
    at_chosen = metrics(truth, scores, chosen, file=pairs_file, seconds=elapsed)
    print(
        json.dumps(
            {
                "judge": spec.name,
                "best_f1": result.best_f1,
                "best_threshold": result.best_threshold,
                "chosen_threshold": chosen,
                "at_chosen": at_chosen.as_dict(),
                "pairs_per_second": 2 * len(pairs) / elapsed,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    typer.run(main)
