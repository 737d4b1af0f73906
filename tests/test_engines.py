"""Determinism: the same input and models write byte-identical outputs, run after run and engine after engine."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from detector import DetectorError, InputError, ModelError, Settings, scan
from detector.outputs.exports import FORMATS, write_outputs
from detector.progress import Silent
from detector.runtime.engines import ModelSource, RayOptions, start
from detector.verdict.calibration import FEATURES, Calibration

from .conftest import ROOT, SEEDS, BagOfWordsEmbedder, OppositeVerbJudge

CALIBRATION = Calibration(
    weights=dict.fromkeys(FEATURES, 0.0) | {"nli": 1.0, "direction": 2.0}, bias=-3.0, threshold=0.5
)
# Small batches, so a corpus of a dozen claims spreads over several batches and several Ray actors.
SMALL_BATCHES = {"embed_batch_size": 3, "judge_batch_size": 2}


class BatchBlendEmbedder(BagOfWordsEmbedder):
    """Each vector leans a little towards its batch's mean, as per-batch quantization would. Test-only."""

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        vectors = super().encode(texts)
        return vectors + 0.05 * vectors.mean(axis=0)


class BatchBlendJudge(OppositeVerbJudge):
    """A score that moves with its batch-mates' lengths. Test-only."""

    def score(self, premises: Sequence[str], hypotheses: Sequence[str]) -> np.ndarray:
        mates = sum(len(p) + len(h) for p, h in zip(premises, hypotheses)) / 1e6
        return np.clip(super().score(premises, hypotheses) - mates, 0.0, 1.0)


class BrokenJudge:
    def __init__(self) -> None:
        raise ModelError("judge files do not match models.lock")


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "a.txt").write_text(
        "Coffee increases alertness in adults, a trial found.\n"
        "Green tea increases focus during long working days.\n"
        "Daily walking increases energy in older adults over time.\n"
        "Kratom increases prolactin release in healthy volunteers.\n",
        encoding="utf-8",
    )
    (folder / "b.md").write_text(
        "# Findings\n\nCoffee decreases alertness in adults, a trial found.\n\n"
        "Green tea decreases focus during long working days.\n\n"
        "Kratom decreases prolactin secretion in healthy volunteers.\n\n"
        "The weather was mild and sunny all week in the city.\n",
        encoding="utf-8",
    )
    (folder / "c.html").write_text(
        "<p>Daily walking decreases energy in older adults over time.</p><p>Sleep increases memory in students.</p>"
        "<p>Sleep decreases memory in students, one survey claims.</p>",
        encoding="utf-8",
    )
    return folder


def outputs(corpus: Path, out: Path, **settings: object) -> dict[str, bytes]:
    result = scan(
        [corpus],
        embedder=BatchBlendEmbedder(),
        judge=BatchBlendJudge(),
        calibration=CALIBRATION,
        settings=Settings(threshold=0.5, **settings),  # type: ignore[arg-type]
    )
    assert result.contradictions, "the corpus is written to hold contradictions"
    write_outputs(result, out)
    return {name: (out / name).read_bytes() for name in FORMATS.values()}


def test_two_scans_write_byte_identical_outputs(corpus: Path, tmp_path: Path) -> None:
    first = outputs(corpus, tmp_path / "one", **SMALL_BATCHES)
    second = outputs(corpus, tmp_path / "two", **SMALL_BATCHES)
    assert first == second
    assert b"lastmodifieddate" not in first["graph.gexf"]


def test_processes_with_different_hash_seeds_write_the_same_bytes(corpus: Path, tmp_path: Path) -> None:
    # Set and dict order of strings changes with PYTHONHASHSEED; nothing written may depend on it.
    script = (
        "import sys; from pathlib import Path; from tests.test_engines import outputs, SMALL_BATCHES; "
        "outputs(Path(sys.argv[1]), Path(sys.argv[2]), **SMALL_BATCHES)"
    )
    written = []
    for seed in ("1", "2"):
        out = tmp_path / f"seed{seed}"
        env = os.environ | {"PYTHONHASHSEED": seed, "PYTHONPATH": str(ROOT)}
        subprocess.run([sys.executable, "-c", script, str(corpus), str(out)], check=True, env=env, cwd=ROOT)
        written.append({name: (out / name).read_bytes() for name in FORMATS.values()})
    assert written[0] == written[1]


def test_the_fake_models_notice_a_change_of_batches(corpus: Path, tmp_path: Path) -> None:
    # What makes the engine comparison below able to fail: other batches, other bytes.
    assert (
        outputs(corpus, tmp_path / "one", **SMALL_BATCHES)["findings.json"]
        != outputs(corpus, tmp_path / "two", embed_batch_size=4, judge_batch_size=3)["findings.json"]
    )


def test_the_ray_engine_writes_what_the_local_engine_writes(corpus: Path, tmp_path: Path) -> None:
    pytest.importorskip("ray")
    local = outputs(corpus, tmp_path / "local", **SMALL_BATCHES)
    ray = outputs(corpus, tmp_path / "ray", engine="ray", ray=RayOptions(actors=2), **SMALL_BATCHES)
    assert ray == local


def test_the_ray_engine_reports_a_model_error_as_itself() -> None:
    pytest.importorskip("ray")

    class FailingLoad(ModelSource):
        def load(self, device: str | None = None) -> object:
            return BrokenJudge()

    engine = start("ray", FailingLoad("embedder"), FailingLoad("judge"), RayOptions(actors=1))
    try:
        with pytest.raises(DetectorError, match=r"could not load the embedder: .*ModelError: judge files do not match"):
            engine.embed(["One claim that is long enough."], batch_size=1, progress=Silent())
    finally:
        engine.close()


def test_the_ray_engine_refuses_missing_gpus_and_stops_the_instance_it_started() -> None:
    ray = pytest.importorskip("ray")
    sources = ModelSource("embedder", given=BagOfWordsEmbedder()), ModelSource("judge", given=OppositeVerbJudge())
    with pytest.raises(InputError, match="asked for 1 GPU"):
        start("ray", *sources, RayOptions(gpus=1))
    assert not ray.is_initialized()


def test_an_unknown_engine_is_refused(corpus: Path) -> None:
    with pytest.raises(InputError, match="unknown engine 'spark'"):
        scan([corpus], embedder=BagOfWordsEmbedder(), judge=OppositeVerbJudge(), settings=Settings(engine="spark"))


def test_a_missing_ray_install_names_the_command(monkeypatch: pytest.MonkeyPatch) -> None:
    import builtins

    real_import = builtins.__import__

    def no_ray(name: str, *args: object, **kwargs: object) -> object:
        if name == "ray" or name.startswith("ray."):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(builtins, "__import__", no_ray)
    with pytest.raises(DetectorError, match=r'pip install -e "\.\[ray\]"'):
        start(
            "ray", ModelSource("embedder", given=BagOfWordsEmbedder()), ModelSource("judge", given=OppositeVerbJudge())
        )


@pytest.mark.slow
def test_seeds_give_the_same_findings_on_both_engines(tmp_path: Path) -> None:
    pytest.importorskip("ray")
    written = {}
    for engine in ("local", "ray"):
        result = scan([SEEDS], settings=Settings(engine=engine))
        write_outputs(result, tmp_path / engine)
        written[engine] = {name: (tmp_path / engine / name).read_bytes() for name in FORMATS.values()}
    assert written["ray"] == written["local"]


def test_embedding_batches_hold_texts_of_similar_length_and_rows_come_back_in_input_order() -> None:
    from detector import embeddings

    class Recording(BagOfWordsEmbedder):
        def __init__(self) -> None:
            super().__init__()
            self.batches: list[list[str]] = []

        def encode(self, texts: Sequence[str]) -> np.ndarray:
            self.batches.append(list(texts))
            return super().encode(texts)

    texts = ["a much longer sentence about coffee and sleep", "short", "mid length text", "tiny", "another mid one"]
    model = Recording()
    vectors = embeddings.embed(texts, model, batch_size=2)
    assert model.batches == [["tiny", "short"], ["another mid one", "mid length text"], [texts[0]]]
    assert embeddings.batches(texts, 2) == [[3, 1], [4, 2], [0]]
    alone = np.vstack([embeddings.unit_rows(BagOfWordsEmbedder().encode([t])) for t in texts])
    assert np.allclose(vectors, alone)  # row i is text i's vector, whatever batch it went in
