"""Shared fixtures: small fake models for fast stage tests, the real seeds scan for end-to-end tests."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import settings

# Property tests draw the same examples on every run, from no saved state: no test depends on sampling, and a
# failure one run finds, every run finds.
settings.register_profile("detector", derandomize=True, database=None)
settings.load_profile("detector")

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
SHARED = ROOT.parent / "shared"
BENCHMARKS = SHARED / "benchmarks" / "pairs"


class BagOfWordsEmbedder:
    """Hashed bag of words: texts sharing words get similar vectors. Test-only."""

    def __init__(self, dim: int = 256) -> None:
        self.dim = dim

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        vectors = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in re.findall(r"[a-z]+", text.lower()):
                if len(word) > 2:
                    vectors[row, int(hashlib.md5(word.encode()).hexdigest(), 16) % self.dim] += 1
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors / np.where(norms == 0, 1, norms)


class OppositeVerbJudge:
    """Scores 0.99 when one text says 'increases' and the other 'decreases', else 0.01. Test-only."""

    calls: list[tuple[str, str]]

    def __init__(self) -> None:
        self.calls = []

    def score(self, premises: Sequence[str], hypotheses: Sequence[str]) -> np.ndarray:
        self.calls.extend(zip(premises, hypotheses))
        out = []
        for p, h in zip(premises, hypotheses):
            words = {"increases" in p, "increases" in h}, {"decreases" in p, "decreases" in h}
            out.append(0.99 if words[0] == {True, False} and words[1] == {True, False} else 0.01)
        return np.array(out)


@pytest.fixture(scope="session", autouse=True)
def own_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Scans in the tests use a cache folder of their own, never the user's."""
    folder = tmp_path_factory.mktemp("cache")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DETECTOR_CACHE_DIR", str(folder))
        yield folder


@pytest.fixture
def fake_models() -> tuple[BagOfWordsEmbedder, OppositeVerbJudge]:
    return BagOfWordsEmbedder(), OppositeVerbJudge()


@pytest.fixture
def fake_cli(monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI's scans run with the small test models and a verdict written for the tests."""
    from detector import cli
    from detector.pipeline import scan

    from .test_pipeline_and_outputs import CALIBRATION

    def with_fakes(paths: Any, **options: Any) -> Any:
        options |= {"embedder": BagOfWordsEmbedder(), "judge": OppositeVerbJudge(), "calibration": CALIBRATION}
        return scan(paths, **options)

    monkeypatch.setattr(cli, "run_scan", with_fakes)


@pytest.fixture(scope="session")
def reader() -> Any:
    """The claim reader with the real parser (spaCy en_core_web_sm, from its package): about a second to load."""
    from detector.models.lock import read_lock, verify
    from detector.reader.assertions import AssertionReader

    return AssertionReader(verify(read_lock(ROOT / "models.lock").spec("parser")))


def require_shared() -> Path:
    if not BENCHMARKS.is_dir():
        pytest.skip("../shared/benchmarks is not beside the project")
    return BENCHMARKS


@pytest.fixture(scope="session")
def scanned(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    """`detector scan seeds/` with the real models, run once per session: (output folder, findings.json)."""
    from typer.testing import CliRunner

    from detector.cli import app

    out = tmp_path_factory.mktemp("seeds-out")
    result = CliRunner().invoke(app, ["scan", str(SEEDS), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "contradictions" in result.stdout
    return out, json.loads((out / "findings.json").read_text(encoding="utf-8"))
