"""A statement against a whole passage, as a scan meets it: ConTRoL dev (public; never fitted here).

    python scripts/passage_benchmark.py ../shared/benchmarks [--nearest 5]

ConTRoL (`pairs/control_dev.jsonl`, Liu et al. 2021) pairs a passage of about 300 words with a short statement
written by someone else, labelled contradiction, entailment or neutral ("not given": on the passage's topic, not
stated in it). That is the case real pages pose and the other public sets do not: a claim of one author against a
text of another on the same topic, where most sentences neither support nor deny it. Each passage is split as a
scan splits a document (`claims.sentences`); the statement is paired with its `--nearest` most similar sentences
by the embedder, as a scan's candidates would find them; each pair is judged both ways and given the verdict of
`detector/verdict/calibration.json` (the claim reader's readings and features as `scripts/calibrate.py` builds
them). A statement's score is its highest pair's. Printed as JSON, for the judge's lower and higher directions and
the verdict: ROC AUC of contradicted statements against neutral ones, entailed ones and both; the share of neutral
and entailed statements flagged at the threshold that keeps 80% of the contradicted ones; and at the verdict's own
threshold (the judge's, for the judge) the share of each label flagged. Judge scores and readings are cached
beside calibrate.py's.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import typer

# scripts/ is on the path when this script runs
from calibrate import Pairs, apart_similarities, feature_matrix, nli_scores, readings
from sklearn.metrics import roc_auc_score

from detector.claims import sentences
from detector.evaluation import read_pairs
from detector.models.load import load_embedder, load_parser
from detector.models.lock import read_lock
from detector.verdict.calibration import INPUTS, load_calibration

LABELS = ("contradiction", "entailment", "neutral")
# A sentence of fewer words is a heading or a fragment, not something a scan would keep as a claim.
MIN_WORDS = 4


def nearest_sentences(passages: list[str], statements: list[str], embedder, nearest: int) -> tuple[Pairs, np.ndarray]:  # type: ignore[no-untyped-def]
    """Each statement (hypothesis) with its passage's `nearest` most similar sentences (premises), and the index of
    the item each pair comes from."""
    premises, hypotheses, items = [], [], []
    for i, (passage, statement) in enumerate(zip(passages, statements, strict=True)):
        found = [passage[a:b] for a, b in sentences(passage, 0, len(passage))]
        found = [s for s in found if len(s.split()) >= MIN_WORDS] or [passage]
        vectors = np.asarray(embedder.encode(found))
        target = np.asarray(embedder.encode([statement]))[0]
        for j in np.argsort(-(vectors @ target), kind="stable")[:nearest]:
            premises.append(found[j])
            hypotheses.append(statement)
            items.append(i)
    return Pairs(premises, hypotheses, np.zeros(len(premises), dtype=bool)), np.array(items)


def highest(values: np.ndarray, items: np.ndarray, n: int) -> np.ndarray:
    """Each item's highest value over its pairs."""
    out = np.full(n, -np.inf)
    np.maximum.at(out, items, values)
    return out


def separation(scores: np.ndarray, labels: np.ndarray, threshold: float) -> dict[str, object]:
    """How well item `scores` tell contradicted statements from the others (see the module's docstring)."""
    contradicted = labels == "contradiction"
    row: dict[str, object] = {}
    for others in (("neutral",), ("entailment",), ("neutral", "entailment")):
        chosen = contradicted | np.isin(labels, others)
        row["roc_auc_vs_" + "_".join(others)] = round(float(roc_auc_score(contradicted[chosen], scores[chosen])), 3)
    keeping = float(np.quantile(scores[contradicted], 0.2))
    row["flagged_keeping_80pct_of_contradictions"] = {
        label: round(float((scores[labels == label] >= keeping).mean()), 3) for label in ("neutral", "entailment")
    }
    row["flagged_at_threshold"] = {"threshold": threshold} | {
        label: round(float((scores[labels == label] >= threshold).mean()), 3) for label in LABELS
    }
    return row


def main(
    benchmarks: Path,
    nearest: int = typer.Option(5, min=1, help="sentences of the passage each statement is judged against"),
    models_lock: str = typer.Option(None),
    cache: Path = typer.Option(Path(".cache/calibration")),
) -> None:
    rows = read_pairs(benchmarks / "pairs" / "control_dev.jsonl")
    labels = np.array([r.label for r in rows])
    lock = read_lock(models_lock)
    spec = lock.spec("judge")
    embedder = load_embedder(lock.spec("embedder"))
    reader = load_parser(lock.spec("parser"))
    calibration = load_calibration()
    pairs, items = nearest_sentences([r.premise for r in rows], [r.hypothesis for r in rows], embedder, nearest)
    name = f"control_nearest{nearest}"
    scores = nli_scores(name, pairs, spec, cache)
    read = readings(name, pairs, lock, reader, embedder, cache)
    x, _ = feature_matrix(pairs, scores, read, apart_similarities(name, pairs, lock, embedder, cache))
    verdict = np.array([calibration.score(dict(zip(INPUTS, row, strict=True))) for row in x])
    n = len(rows)
    judge_threshold = float(spec.settings["threshold"])
    report = {
        "statements": {label: int((labels == label).sum()) for label in LABELS},
        "pairs_judged": len(items),
        "nearest": nearest,
        "judge_lower_direction": separation(highest(scores.min(axis=1), items, n), labels, judge_threshold),
        "judge_higher_direction": separation(highest(scores.max(axis=1), items, n), labels, judge_threshold),
        "verdict": separation(highest(verdict, items, n), labels, calibration.threshold),
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    typer.run(main)
