"""`detector bench`: corpora built from benchmark text, figures per size, bench.json and bench.png."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from detector import bench, scan
from detector.errors import InputError

from .conftest import ROOT, SEEDS, SHARED, BagOfWordsEmbedder, OppositeVerbJudge
from .test_cli import run
from .test_pipeline_and_outputs import CALIBRATION


def write_jsonl(path: Path, records: list[dict[str, object]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")


@pytest.fixture
def benchmarks(tmp_path: Path) -> Path:
    """A tiny benchmarks folder laid out like ../shared/benchmarks, with text written for the test."""
    root = tmp_path / "benchmarks"
    drugs = ["aspirin", "caffeine", "melatonin", "zinc", "iron", "statins"]
    targets = ["blood pressure", "sleep quality", "heart rate", "memory", "fatigue", "inflammation"]
    claims = [
        {"id": i, "claim": f"{d.capitalize()} increases {t} in adults", "cited_doc_ids": [100 + i]}
        for i, (d, t) in enumerate(zip(drugs, targets))
    ]
    write_jsonl(root / "scifact" / "claims_train.jsonl", claims[:4])
    write_jsonl(root / "scifact" / "claims_dev.jsonl", claims[4:])
    evidence = [
        {
            "claim_id": i,
            "claim": c["claim"],
            "evidence": f"In a trial of {20 + i} adults, {drugs[i]} decreases {targets[i]} over twelve weeks.",
            "doc_ids_with_this_label": [str(100 + i)],
        }
        for i, c in enumerate(claims)
    ]
    write_jsonl(root / "scifact" / "scifact_pairs_train.jsonl", evidence[:3])
    write_jsonl(root / "scifact" / "scifact_pairs_dev.jsonl", evidence[3:])
    covid = [
        {
            "claim": f"Masks reduce spread of virus variant {v} in schools",
            "evidence": [
                f"Variant {v} spread less in schools where masks were worn daily.",
                "Schools reopened in May.",
            ],
            "gold_source": f"https://example.org/{v}",
        }
        for v in "ABCDEFGH"
    ]
    write_jsonl(root / "covidfact" / "COVIDFACT_dataset.jsonl", covid)
    return root


def test_corpora_are_built_deterministically_from_the_benchmark_text(benchmarks: Path, tmp_path: Path) -> None:
    first = bench.build_corpus(benchmarks, 3, tmp_path / "one", sentences_per_document=4)
    second = bench.build_corpus(benchmarks, 3, tmp_path / "two", sentences_per_document=4)
    assert [p.name for p in first] == ["doc-1.txt", "doc-2.txt", "doc-3.txt"]
    assert [p.read_bytes() for p in first] == [p.read_bytes() for p in second]
    lines = [line for p in first for line in p.read_text(encoding="utf-8").splitlines()]
    assert len(lines) == 12 == len(set(lines))
    # Headline claims get a full stop, so a scan reads them as sentences, not headings.
    assert all(line.endswith(".") for line in lines)
    # "Schools reopened in May." appears in every COVID-Fact record but only once in the corpus.
    topics = bench.read_topics(benchmarks)
    assert sum(s == "Schools reopened in May." for t in topics for s in t.sentences) == 1


def test_a_corpus_larger_than_the_text_allows_is_refused(benchmarks: Path, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="holds sentences for 3 documents of 8"):
        bench.build_corpus(benchmarks, 4, tmp_path / "c")


def test_a_missing_benchmarks_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such folder"):
        bench.read_topics(tmp_path / "nowhere")
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="not a benchmarks folder"):
        bench.read_topics(tmp_path / "empty")


def fake_scan(paths, **options):  # type: ignore[no-untyped-def]
    return scan(
        paths,
        **(options | {"embedder": BagOfWordsEmbedder(), "judge": OppositeVerbJudge(), "calibration": CALIBRATION}),
    )


def test_bench_measures_each_size_and_writes_json_and_png(
    benchmarks: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bench, "scan", fake_scan)
    seen: list[int] = []
    report = bench.run(
        benchmarks, [3, 1], corpus_dir=tmp_path / "corpus", on_size=lambda r: seen.append(r["documents"])
    )
    assert seen == [1, 3] and [r["documents"] for r in report["runs"]] == [1, 3]
    small, large = report["runs"]
    assert 0 < small["claims"] < large["claims"] <= 24
    assert 0 < large["signalled_pairs"] <= large["scored_pairs"] <= large["candidate_pairs"]
    assert large["judge_inputs"] == 2 * large["scored_pairs"]
    assert large["peak_rss_mb"] > 10 and large["claims_per_s"] > 0
    assert {"documents", "claims", "embeddings", "judge", "total"} <= set(large["seconds"])
    [step] = report["growth"]
    assert step["from"] == 1 and step["to"] == 3 and step["documents"] == 3.0
    assert step["time"] == round(large["seconds"]["total"] / small["seconds"]["total"], 2)
    assert "SciFact" in report["source"] and report["engine"] == "local"
    json_path, png_path = bench.write(report, tmp_path / "out")
    assert json.loads(json_path.read_text(encoding="utf-8"))["runs"] == report["runs"]
    assert png_path.read_bytes().startswith(b"\x89PNG")


_PEAKS = """
import numpy as np
from detector import bench
with bench.PeakMemory() as memory:
    block = np.ones(60_000_000, dtype=np.uint8)
    del block
with bench.PeakMemory() as quiet:
    pass
print(memory.peak_bytes, quiet.peak_bytes)
"""


def test_peak_memory_sees_a_large_allocation() -> None:
    # In a fresh process: in the test process, threads and memory left by earlier tests could move the resident
    # size between the two readings (seen once: a run of some of the test files failed here).
    done = subprocess.run([sys.executable, "-c", _PEAKS], capture_output=True, text=True, check=True, cwd=ROOT)
    peak, quiet = map(int, done.stdout.split())
    assert peak - quiet > 40_000_000


class SlowFakeJudge(OppositeVerbJudge):
    def __init__(self, repeat: int) -> None:
        super().__init__()
        self.repeat = repeat

    def score(self, premises, hypotheses):  # type: ignore[no-untyped-def]
        for _ in range(self.repeat):
            out = super().score(premises, hypotheses)
        return out


def test_judge_speed_times_every_judge_on_the_same_inputs() -> None:
    premises = [f"Coffee increases alertness in trial {i}." for i in range(40)]
    hypotheses = [f"Coffee decreases alertness in trial {i}." for i in range(40)]
    fast, slow = SlowFakeJudge(1), SlowFakeJudge(300)
    rows = bench.judge_speed(premises, hypotheses, {"slow": slow, "fast": fast}, batch_size=8, baseline="slow")
    assert [r["judge"] for r in rows] == ["slow", "fast"] and all(r["inputs"] == 40 for r in rows)
    assert rows[0]["vs_baseline"] == 1.0 and rows[1]["vs_baseline"] > 1.0
    # Both saw every input (plus one warm-up), in the batches a scan would make.
    assert len(fast.calls) == 41 and len(slow.calls) == 41 * 300


def test_scan_inputs_are_the_candidate_pairs_in_both_directions(tmp_path: Path) -> None:
    # Different targets: no conflict signal, so a default scan would not judge this pair; the timing still does.
    first, second = (
        "Coffee increases alertness in adults, a trial found.",
        "Coffee decreases sleepiness in adults, a trial found.",
    )
    (tmp_path / "a.txt").write_text(first + "\n", encoding="utf-8")
    (tmp_path / "b.txt").write_text(second + "\n", encoding="utf-8")
    premises, hypotheses = bench.scan_inputs([tmp_path], embedder=BagOfWordsEmbedder(), calibration=CALIBRATION)
    assert sorted(zip(premises, hypotheses)) == sorted([(first, second), (second, first)])


def test_the_bench_command_writes_its_files(benchmarks: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bench, "scan", fake_scan)
    out = tmp_path / "out"
    result = run("bench", "--benchmarks", str(benchmarks), "--sizes", "1,2", "--no-judge-speed", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "2 documents" in result.stdout and "1 → 2 documents: time ×" in result.stdout
    assert (out / "bench.json").is_file() and (out / "bench.png").is_file()


def test_the_bench_command_judges_as_many_pairs_per_claim_as_asked(
    benchmarks: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bench, "scan", fake_scan)
    scored = {}
    for per_claim in (1, 0):
        out = tmp_path / str(per_claim)
        options = ["--sizes", "3", "--no-judge-speed", "--judge-per-claim", str(per_claim), "--out", str(out)]
        result = run("bench", "--benchmarks", str(benchmarks), *options)
        assert result.exit_code == 0, result.output
        report = json.loads((out / "bench.json").read_text(encoding="utf-8"))
        assert report["judge_per_claim"] == per_claim
        scored[per_claim] = report["runs"][0]["scored_pairs"]
    assert scored[1] < scored[0]


def test_the_bench_command_explains_bad_sizes_and_a_missing_folder(tmp_path: Path) -> None:
    result = run("bench", "--benchmarks", str(tmp_path / "none"), "--out", str(tmp_path / "o"))
    assert result.exit_code == 2 and "no such folder" in result.stderr
    result = run("bench", "--sizes", "10,ten", "--out", str(tmp_path / "o"))
    assert result.exit_code == 2 and "--sizes takes whole numbers" in result.stderr


def test_the_real_benchmarks_make_a_thousand_documents(tmp_path: Path) -> None:
    benchmarks = SHARED / "benchmarks"
    if not (benchmarks / "scifact").is_dir():
        pytest.skip("../shared/benchmarks is not beside the project")
    paths = bench.build_corpus(benchmarks, 1000, tmp_path / "corpus")
    assert len(paths) == 1000 and paths[-1].name == "doc-1000.txt"
    assert len(paths[0].read_text(encoding="utf-8").splitlines()) == bench.SENTENCES_PER_DOCUMENT


@pytest.mark.slow
def test_judge_speed_on_the_seeds_with_the_real_judges() -> None:
    report = bench.compare_judges(SEEDS, limit=16)
    assert report["judges"][0]["judge"] == bench.PADDED_JUDGE
    assert all(r["inputs"] == 16 and r["inputs_per_s"] > 0 for r in report["judges"])


def test_per_claim_benchmark_matches_a_labelled_pair_by_its_sentences() -> None:
    """scripts/per_claim_benchmark.py: a labelled pair is found when a reported pair of claims joins its sides,
    one claim inside each side's text (an evidence passage is split into several claims)."""
    spec = importlib.util.spec_from_file_location("per_claim_script", ROOT / "scripts" / "per_claim_benchmark.py")
    assert spec and spec.loader
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    claims = [
        SimpleNamespace(id="c1", text="Drug X lowers blood pressure."),
        SimpleNamespace(id="c2", text="In the trial, drug X raised blood pressure."),
        SimpleNamespace(id="c3", text="Patients were followed for a year."),
    ]
    evidence = "Patients were followed for a year.  In the trial, drug X raised blood pressure."
    gold = [(script.flat("Drug X lowers blood pressure"), script.flat(evidence))]
    [(a, b)] = script.gold_in(SimpleNamespace(claims=claims), gold)
    assert a == {"c1"} and b == {"c2", "c3"}
    assert script.matched([(a, b)], [("c2", "c1")]) == 1  # either order
    assert script.matched([(a, b)], [("c1", "c1"), ("c2", "c3")]) == 0  # both inside one side
