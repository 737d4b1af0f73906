"""Fit the verdict: logistic weights over the NLI score and the assertion judges, and its threshold.

    python scripts/calibrate.py ../shared/benchmarks/pairs [--out detector/calibration.json]

Public labelled pairs only (SciFact and SICK to fit, ANLI dev to check that nothing is lost). Each pair is
scored by the offline NLI judge in both directions (cached under .cache/calibration/), read by the claim
parser, and compared by the direction, negation and quantity judges. The weights come from a logistic
regression on SciFact + SICK; the threshold is the one that maximises the mean of their F1 scores.
Out-of-fold (5-fold) figures are printed beside the in-sample ones so the fit can be judged honestly.
"""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path

import numpy as np
import typer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold

from detector import judges
from detector.evaluation import best_f1_threshold, precision_recall_f1, read_pairs
from detector.judges import score_all
from detector.models import load_judge, load_parser, read_lock
from detector.verdicts import FEATURES, compare, features

FIT = ("scifact", "sick_trial")
MIN_FIRED = 5
CHECK = ("anli_dev",)


def nli_scores(name: str, pairs: list, lock_path: str | None, cache: Path) -> np.ndarray:
    """(n, 2) forward/backward contradiction scores, cached by data set, judge and file contents."""
    spec = read_lock(lock_path).spec("judge")
    # Keyed by the model files, the pairs and the scorer's code, so a change to any of them rescores.
    content = json.dumps([spec.files, [(p.premise, p.hypothesis) for p in pairs]]).encode()
    digest = hashlib.sha256(content + Path(judges.__file__).read_bytes()).hexdigest()[:16]
    file = cache / f"{name}-{spec.name}-{digest}.npy"
    if file.exists():
        return np.load(file)
    scorer = load_judge(spec)
    premises = [p.premise for p in pairs] + [p.hypothesis for p in pairs]
    hypotheses = [p.hypothesis for p in pairs] + [p.premise for p in pairs]
    started = time.perf_counter()
    scores = score_all(premises, hypotheses, scorer)
    print(f"  {name}: {len(premises)} directions scored in {time.perf_counter() - started:.0f}s")
    both = np.stack([scores[: len(pairs)], scores[len(pairs) :]], axis=1)
    cache.mkdir(parents=True, exist_ok=True)
    np.save(file, both)
    return both


def feature_matrix(pairs: list, scores: np.ndarray, reader) -> np.ndarray:  # type: ignore[no-untyped-def]
    premises = reader.read([p.premise for p in pairs])
    hypotheses = reader.read([p.hypothesis for p in pairs])
    rows = []
    for (fwd, bwd), a, b in zip(scores, premises, hypotheses, strict=True):
        signals = compare(a, b, "premise", "hypothesis")
        values = features(float(max(fwd, bwd)), signals, a, b)
        rows.append([values[name] for name in FEATURES])
    return np.array(rows)


def main(
    pairs_dir: Path,
    out: Path = typer.Option(Path("detector/calibration.json")),
    models_lock: str = typer.Option(None),
    cache: Path = typer.Option(Path(".cache/calibration")),
    check: bool = typer.Option(True, help="also measure on ANLI dev (6,400 more directions to score)"),
) -> None:
    spec = read_lock(models_lock).spec("judge")
    nli_threshold = float(spec.settings["threshold"])
    reader = load_parser(read_lock(models_lock).spec("parser"))
    data = {}
    sets = FIT + CHECK if check else FIT
    for name in sets:
        pairs = read_pairs(pairs_dir / f"{name}.jsonl")
        scores = nli_scores(name, pairs, models_lock, cache)
        x = feature_matrix(pairs, scores, reader)
        y = np.array([p.label == "contradiction" for p in pairs])
        data[name] = (x, y, scores.max(axis=1))
        fired = {f: int(x[:, i].sum()) for i, f in enumerate(FEATURES) if f in ("direction", "negation", "quantity")}
        print(f"  {name}: {len(pairs)} pairs, judges fired {fired}")

    x_fit = np.vstack([data[n][0] for n in FIT])
    y_fit = np.concatenate([data[n][1] for n in FIT])
    model = LogisticRegression(C=1.0, max_iter=1000).fit(x_fit, y_fit)
    # A judge that (almost) never fires on the public pairs has no weight to learn (quantity conflicts: none
    # in SciFact or SICK); it takes the direction judge's weight, the other signal of two explicit,
    # incompatible statements. Its weight cannot move the fit-set figures below: it is zero on every row.
    unfitted = [f for f in ("quantity",) if x_fit[:, FEATURES.index(f)].sum() < MIN_FIRED]
    for name in unfitted:
        model.coef_[0, FEATURES.index(name)] = model.coef_[0, FEATURES.index("direction")]

    def predict(x: np.ndarray) -> np.ndarray:
        return model.predict_proba(x)[:, 1]

    candidates = np.unique(np.round(np.concatenate([predict(data[n][0]) for n in FIT]), 4))
    mean_f1 = [np.mean([precision_recall_f1(data[n][1], predict(data[n][0]), t)[2] for n in FIT]) for t in candidates]
    threshold = float(candidates[int(np.argmax(mean_f1))])

    # Out-of-fold: refit on 4/5 of the fitting data, score the held-out fifth, same threshold rule.
    folds = StratifiedKFold(5, shuffle=True, random_state=0)
    held_out = np.zeros(len(y_fit))
    for train, test in folds.split(x_fit, y_fit):
        held_out[test] = (
            LogisticRegression(C=1.0, max_iter=1000).fit(x_fit[train], y_fit[train]).predict_proba(x_fit[test])[:, 1]
        )
    offsets = np.cumsum([0] + [len(data[n][1]) for n in FIT])

    measured = {}
    for k, name in enumerate(sets):
        x, y, nli = data[name]
        combined = predict(x)
        row = {
            "pairs": len(y),
            "nli_only": dict(
                zip(("precision", "recall", "f1"), precision_recall_f1(y, nli, nli_threshold), strict=True)
            )
            | {"best_f1": best_f1_threshold(y, nli)[0], "roc_auc": float(roc_auc_score(y, nli))},
            "verdict": dict(
                zip(("precision", "recall", "f1"), precision_recall_f1(y, combined, threshold), strict=True)
            )
            | {"roc_auc": float(roc_auc_score(y, combined))},
        }
        if name in FIT:
            oof = held_out[offsets[k] : offsets[k + 1]]
            row["verdict_out_of_fold"] = dict(
                zip(("precision", "recall", "f1"), precision_recall_f1(y, oof, threshold), strict=True)
            )
        measured[name] = {
            key: ({m: round(v, 4) for m, v in value.items()} if isinstance(value, dict) else value)
            for key, value in row.items()
        }

    result = {
        "about": "Verdict = sigmoid(bias + sum(weight * feature)); fitted by scripts/calibrate.py on public pairs.",
        "fitted_on": list(FIT),
        "checked_on": list(CHECK) if check else [],
        "judge": spec.name,
        "features": list(FEATURES),
        "weights": {name: round(float(w), 6) for name, w in zip(FEATURES, model.coef_[0], strict=True)},
        "weights_not_fitted": unfitted,
        "bias": round(float(model.intercept_[0]), 6),
        "threshold": threshold,
        "measured": measured,
    }
    out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    typer.run(main)
