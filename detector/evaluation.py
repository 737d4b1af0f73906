"""`detector eval`: how well the configured judge separates contradictions in a labelled pair file."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from .errors import InputError
from .judges import PairScorer, score_all
from .models.load import load_judge
from .models.lock import read_lock
from .progress import Progress

LABELS = ("contradiction", "entailment", "neutral", "not_contradiction")


@dataclass(frozen=True)
class LabelledPair:
    id: str
    premise: str
    hypothesis: str
    label: str


@dataclass(frozen=True)
class Evaluation:
    """Contradiction-class metrics at a threshold, plus threshold-free ROC AUC and the best-F1 point."""

    file: str
    pairs: int
    contradictions: int
    threshold: float
    precision: float
    recall: float
    f1: float
    roc_auc: float | None
    best_f1: float
    best_threshold: float
    seconds: float

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def read_pairs(path: str | os.PathLike[str], *, limit: int | None = None) -> list[LabelledPair]:
    """Read the pair format: JSON Lines of {"id", "premise", "hypothesis", "label"}."""
    file = Path(path)
    try:
        lines = file.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise InputError(f"{file}: no such pair file") from None
    except (OSError, UnicodeDecodeError) as err:
        raise InputError(f"{file}: cannot be read as UTF-8 text ({err})") from None
    pairs: list[LabelledPair] = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            premise, hypothesis, label = record["premise"], record["hypothesis"], record["label"]
        except (json.JSONDecodeError, KeyError, TypeError):
            raise InputError(f"{file}:{number}: expected a JSON object with premise, hypothesis and label") from None
        if label not in LABELS or not isinstance(premise, str) or not isinstance(hypothesis, str):
            raise InputError(f"{file}:{number}: label must be one of {', '.join(LABELS)}, texts must be strings")
        pairs.append(LabelledPair(str(record.get("id", number)), premise, hypothesis, label))
        if limit is not None and len(pairs) >= limit:
            break
    if not pairs:
        raise InputError(f"{file}: no pairs in the file")
    return pairs


def pair_scores(pairs: Sequence[LabelledPair], scorer: PairScorer, *, progress: Progress | None = None) -> np.ndarray:
    """Contradiction score per pair: the higher of both directions, as `detector scan` judges."""
    premises = [p.premise for p in pairs] + [p.hypothesis for p in pairs]
    hypotheses = [p.hypothesis for p in pairs] + [p.premise for p in pairs]
    scores = score_all(premises, hypotheses, scorer, progress=progress, description="Scoring pairs")
    return np.maximum(scores[: len(pairs)], scores[len(pairs) :])


def metrics(
    labels: Sequence[bool], scores: np.ndarray, threshold: float, *, file: str = "", seconds: float = 0.0
) -> Evaluation:
    """Precision, recall and F1 of `scores >= threshold` for the contradiction class."""
    truth = np.asarray(labels, dtype=bool)
    precision, recall, f1 = precision_recall_f1(truth, scores, threshold)
    both_classes = 0 < truth.sum() < len(truth)
    from sklearn.metrics import roc_auc_score

    auc = float(roc_auc_score(truth, scores)) if both_classes else None
    best_f1, best_threshold = best_f1_threshold(truth, scores)
    return Evaluation(
        file=file,
        pairs=len(truth),
        contradictions=int(truth.sum()),
        threshold=threshold,
        precision=precision,
        recall=recall,
        f1=f1,
        roc_auc=auc,
        best_f1=best_f1,
        best_threshold=best_threshold,
        seconds=seconds,
    )


def evaluate_judge(
    pairs_file: str | os.PathLike[str],
    *,
    judge: str | None = None,
    threshold: float | None = None,
    limit: int | None = None,
    models_lock: str | os.PathLike[str] | None = None,
    progress: Progress | None = None,
) -> tuple[Evaluation, str]:
    """`detector eval PAIRS_FILE`: a judge of models.lock (the default one, or `judge`) scored on labelled pairs.

    Returns the metrics and the judge's name; the threshold is `threshold`, else the judge's, else 0.5.
    """
    pairs = read_pairs(pairs_file, limit=limit)
    spec = read_lock(models_lock).spec("judge", judge)
    scorer = load_judge(spec, progress=progress)
    chosen = threshold if threshold is not None else (spec.threshold if spec.threshold is not None else 0.5)
    started = time.perf_counter()
    scores = pair_scores(pairs, scorer, progress=progress)
    result = metrics(
        [p.label == "contradiction" for p in pairs],
        scores,
        chosen,
        file=str(pairs_file),
        seconds=round(time.perf_counter() - started, 2),
    )
    return result, spec.name


def precision_recall_f1(truth: np.ndarray, scores: np.ndarray, threshold: float) -> tuple[float, float, float]:
    """Precision, recall and F1 of `scores >= threshold` against boolean `truth`."""
    predicted = scores >= threshold
    tp = int((truth & predicted).sum())
    precision = tp / max(int(predicted.sum()), 1)
    recall = tp / max(int(truth.sum()), 1)
    return precision, recall, (2 * precision * recall / (precision + recall) if tp else 0.0)


def best_f1_threshold(truth: np.ndarray, scores: np.ndarray) -> tuple[float, float]:
    """(best F1, the lowest threshold that reaches it)."""
    if not truth.any():
        return 0.0, 1.0
    from sklearn.metrics import precision_recall_curve

    precision, recall, thresholds = precision_recall_curve(truth, scores)
    f1 = np.where(precision + recall > 0, 2 * precision * recall / np.maximum(precision + recall, 1e-12), 0)[:-1]
    best = int(np.argmax(f1))
    return float(f1[best]), float(thresholds[best])
