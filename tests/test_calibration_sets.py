"""scripts/calibrate.py: the public pair sets the verdict is fitted on, built from a benchmarks folder."""

from __future__ import annotations

import importlib.util
import json
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

from .conftest import ROOT


@pytest.fixture(scope="module")
def calibrate() -> Iterator[ModuleType]:
    spec = importlib.util.spec_from_file_location("calibrate_script", ROOT / "scripts" / "calibrate.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    yield module
    del sys.modules[spec.name]


class TopicEmbedder:
    """One unit vector per topic word: claims that name the same topic are as similar as can be."""

    TOPICS = ("vaccine", "aerosol")

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        return np.array([[float(topic in text.lower()) for topic in self.TOPICS] for text in texts])


def _write_jsonl(path: Path, rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")


@pytest.fixture()
def benchmarks(tmp_path: Path) -> Path:
    def scifact(claim: str, doc: int, verdict: str | None) -> dict:
        evidence = {str(doc): [{"sentences": [0], "label": verdict}]} if verdict else {}
        return {"claim": claim, "evidence": evidence, "cited_doc_ids": [doc]}

    _write_jsonl(
        tmp_path / "scifact" / "claims_train.jsonl",
        [
            scifact("The vaccine is 78% effective in adults.", 1, "SUPPORT"),
            scifact("The vaccine is not effective in adults.", 2, "CONTRADICT"),
            scifact("The vaccine was tested in adults over 60.", 3, None),
        ],
    )
    _write_jsonl(tmp_path / "scifact" / "claims_dev.jsonl", [scifact("The vaccine is stored frozen.", 4, "SUPPORT")])
    _write_jsonl(
        tmp_path / "covidfact" / "COVIDFACT_dataset.jsonl",
        [
            {"claim": "The virus spreads through aerosols.", "label": "SUPPORTED", "gold_source": "a"},
            {"claim": "Aerosols are no form of transmission.", "label": "REFUTED", "gold_source": "b"},
            {"claim": "Aerosol particles stay in the air for hours.", "label": "SUPPORTED", "gold_source": "c"},
        ],
    )
    return tmp_path


def _pairs(pairs) -> set[frozenset[str]]:  # type: ignore[no-untyped-def]
    assert not pairs.labels.any()
    return {frozenset(pair) for pair in zip(pairs.premises, pairs.hypotheses, strict=True)}


def test_same_topic_supported_pairs_only_claims_their_sources_support(calibrate: ModuleType, benchmarks: Path) -> None:
    pairs = _pairs(calibrate.same_topic(benchmarks, TopicEmbedder(), true_only=True))
    assert pairs == {
        frozenset({"The vaccine is 78% effective in adults.", "The vaccine is stored frozen."}),
        frozenset({"The virus spreads through aerosols.", "Aerosol particles stay in the air for hours."}),
    }


def test_same_topic_pairs_every_claim_by_default_refuted_and_unverified_ones_too(
    calibrate: ModuleType, benchmarks: Path
) -> None:
    pairs = _pairs(calibrate.same_topic(benchmarks, TopicEmbedder()))
    assert frozenset({"The vaccine is 78% effective in adults.", "The vaccine is not effective in adults."}) in pairs
    assert frozenset({"The virus spreads through aerosols.", "Aerosols are no form of transmission."}) in pairs
    assert len(pairs) == 6 + 3  # every two of the four vaccine claims, every two of the three aerosol claims


def test_same_topic_keeps_each_claims_nearest_neighbours_only(calibrate: ModuleType, benchmarks: Path) -> None:
    pairs = _pairs(calibrate.same_topic(benchmarks, TopicEmbedder(), neighbours=1))
    # All of a topic are equally near, so each claim meets the first other claim of its topic in text order.
    first_vaccine, first_aerosol = (
        "The vaccine is 78% effective in adults.",
        "Aerosol particles stay in the air for hours.",
    )
    assert pairs == {
        frozenset({first_aerosol, "Aerosols are no form of transmission."}),
        frozenset({first_aerosol, "The virus spreads through aerosols."}),
        frozenset({first_vaccine, "The vaccine is not effective in adults."}),
        frozenset({first_vaccine, "The vaccine is stored frozen."}),
        frozenset({first_vaccine, "The vaccine was tested in adults over 60."}),
    }


def test_the_judges_ceiling_and_what_it_saves_change_no_verdict(calibrate: ModuleType) -> None:
    from detector.verdict.calibration import FEATURES

    scores = np.array([[0.2, 0.3], [0.95, 0.1], [0.9, 0.97], [0.85, 0.5], [0.99, 0.9912344]])
    ceiling = calibrate.judge_ceiling({"a": scores[:3], "b": scores[3:]})
    assert ceiling == 0.991235  # rounded up
    x = np.zeros((len(scores), len(FEATURES)))
    x[:, FEATURES.index("length_ratio")] = 1.0
    x[:, FEATURES.index("similarity")] = [0.1, 0.9, 0.9, 0.9, 0.1]
    x = calibrate.with_backward(x, scores[:, 0], scores[:, 1])
    weights = np.zeros(len(FEATURES))
    weights[FEATURES.index("nli_min")], weights[FEATURES.index("similarity")] = 1.0, 4.0

    def decide(rows: np.ndarray) -> np.ndarray:
        return rows @ weights - 6.0 >= 0

    [saved] = calibrate.judge_reads_saved({"set": (x, scores)}, decide, 0.8, ceiling).values()
    # Low similarity: even both directions at the ceiling leave the first and last pairs under (logit 4.73 + 0.4
    # < 6). The three judged read b→a from 0.8, but the verdict, following the lower direction, needs a→b at
    # 0.917 or more (logit 2.4 + 3.6): b→a can matter only for the second.
    assert saved == {
        "pairs": 5,
        "not_judged": 0.4,
        "backward_read_before": 3,
        "backward_not_read": round(2 / 3, 4),
        "verdicts_changed": 0,
    }
    # A ceiling under what the judge gave is no bound: the last pair (0.9912 both ways) would be lost.
    [lower] = calibrate.judge_reads_saved({"set": (x, scores)}, lambda r: r @ weights - 4.9 >= 0, 0.8, 0.95).values()
    assert lower["verdicts_changed"] == 1


class RecordingEmbedder(TopicEmbedder):
    """A TopicEmbedder that records how many texts each call embeds."""

    def __init__(self) -> None:
        self.calls: list[int] = []

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        self.calls.append(len(texts))
        return super().encode(texts)


def test_claims_are_embedded_in_batches_as_a_scan_embeds_them(calibrate: ModuleType, tmp_path: Path) -> None:
    # One call for every claim of a set held the attention of all of them at once (about 17 GB for COVID-Fact).
    from detector.embeddings import DEFAULT_BATCH_SIZE

    claims = [
        {"claim": f"The vaccine trial {k} enrolled adults.", "evidence": {}, "cited_doc_ids": [k]} for k in range(150)
    ]
    _write_jsonl(tmp_path / "scifact" / "claims_train.jsonl", claims)
    _write_jsonl(tmp_path / "scifact" / "claims_dev.jsonl", [])
    _write_jsonl(tmp_path / "covidfact" / "COVIDFACT_dataset.jsonl", [])
    embedder = RecordingEmbedder()
    pairs = calibrate.same_topic(tmp_path, embedder, neighbours=1)
    assert sum(embedder.calls) == 150 and max(embedder.calls) <= DEFAULT_BATCH_SIZE
    assert len(pairs.premises) >= 75  # each claim with its nearest other claim
