"""What adding one document to a scanned corpus costs, against the scan of the whole corpus.

Builds a corpus of real sentences from ../shared/benchmarks/pairs (read at run time, never copied into the
project): each document holds the premises of a few labelled pairs and the hypotheses of a few others, so
contradicting sentences sit in different documents. Then:

1. a cold scan of the first N documents with an empty cache (the full scan);
2. the same scan again, nothing changed (a warm re-scan);
3. one more document added, scanned with that cache (the incremental scan);
4. `detector scan --watch` on the first N documents with another empty cache, then the same document added:
   the time from the file appearing to the watch's line saying the outputs were written again (models stay
   loaded between a watch's scans).

Scans 1-3 run `detector.scan` and write the outputs as `detector scan` does, each in a fresh process (so
imports and model loading count), and report the cache hits and stage times that findings.json leaves out.

    python scripts/incremental_benchmark.py                   # 100 documents, a table
    python scripts/incremental_benchmark.py --documents 20 --json
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PAIRS = ROOT.parent / "shared" / "benchmarks" / "pairs"
SOURCES = ("scifact.jsonl", "covidfact.jsonl", "sick_trial.jsonl")


def sentences(pairs_dir: Path) -> list[tuple[str, str, str]]:
    """(premise, hypothesis, label) of short labelled pairs, the sources taken in turn so documents mix topics."""
    by_source = []
    for name in SOURCES:
        rows = [json.loads(line) for line in (pairs_dir / name).read_text(encoding="utf-8").splitlines() if line]
        # Whole short passages only: the claim splitter drops over-long sentences anyway.
        by_source.append([(r["premise"], r["hypothesis"], r["label"]) for r in rows if len(r["premise"]) <= 400])
    mixed = []
    for i in range(max(map(len, by_source))):
        mixed += [rows[i] for rows in by_source if i < len(rows)]
    return mixed


def write_corpus(folder: Path, pairs: list[tuple[str, str, str]], documents: int, per_document: int) -> None:
    """Document i holds the premises of its pairs and the hypotheses of document i + 1's pairs."""
    folder.mkdir(parents=True, exist_ok=True)
    needed = documents * per_document
    if len(pairs) < needed:
        raise SystemExit(f"only {len(pairs)} pairs for {documents} documents of {per_document}")
    groups = [pairs[i * per_document : (i + 1) * per_document] for i in range(documents)]
    for i, group in enumerate(groups):
        following = groups[(i + 1) % documents]
        paragraphs = [as_sentence(p) for p, _, _ in group] + [as_sentence(h) for _, h, _ in following]
        (folder / f"doc{i:04d}.txt").write_text("\n\n".join(paragraphs) + "\n", encoding="utf-8")


def as_sentence(text: str) -> str:
    # Many pairs are titles or captions without a full stop; a line without one reads as a heading.
    text = " ".join(text.split())
    return text if text.endswith((".", "!", "?")) else text + "."


# What `detector scan CORPUS --out OUT --cache-dir CACHE` does, plus the figures it keeps out of findings.json.
_RUNNER = r"""
import json, sys
from detector import Settings, scan
from detector.outputs.exports import write_outputs
corpus, out, cache = sys.argv[1:]
result = scan([corpus], settings=Settings(cache_dir=cache))
write_outputs(result, out)
print(json.dumps({"claims": result.stats.claims, "candidate_pairs": result.stats.candidate_pairs,
                  "cache": result.cache, "seconds": result.seconds}))
"""


def run_scan(corpus: Path, out: Path, cache: Path) -> dict[str, Any]:
    """A scan in a fresh process: its wall time (imports and model loading included), cache hits, stage times."""
    env = os.environ | {"PYTHONPATH": str(ROOT)}
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", _RUNNER, str(corpus), str(out), str(cache)],
        check=True,
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - started
    return {"wall_seconds": round(seconds, 1), **json.loads(done.stdout.strip().splitlines()[-1])}


def watch_added(corpus: Path, added: Path, held: Path, out: Path, cache: Path) -> dict[str, Any]:
    """Seconds from `held` moved in as `added` to `detector scan --watch` having written the outputs again."""
    command = [sys.executable, "-c", "from detector.cli import main; main()", "scan", str(corpus), "--out", str(out)]
    command += ["--watch", "--cache-dir", str(cache)]
    env = os.environ | {"PYTHONPATH": str(ROOT), "COLUMNS": "300"}
    started = time.perf_counter()
    watcher = subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines: queue.Queue[tuple[str, str]] = queue.Queue()
    for name, stream in (("out", watcher.stdout), ("err", watcher.stderr)):
        threading.Thread(target=lambda n=name, s=stream: [lines.put((n, line)) for line in s], daemon=True).start()

    def wait_for(fragment: str) -> str:
        while True:
            try:
                _, line = lines.get(timeout=600)
            except queue.Empty:
                raise SystemExit(f"detector scan --watch never printed {fragment!r}") from None
            if fragment in line:
                return line

    try:
        wait_for("Watching")
        first = time.perf_counter() - started
        time.sleep(1.0)
        moved = time.perf_counter()
        held.rename(added)
        line = wait_for(f"{added.name} added")
        seconds = time.perf_counter() - moved
    finally:
        watcher.terminate()  # SIGTERM ends a watch as Ctrl-C does
        watcher.wait(timeout=60)
    return {"first_scan_seconds": round(first, 1), "wall_seconds": round(seconds, 1), "line": line.strip()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--documents", type=int, default=100, help="documents in the corpus before the one added")
    parser.add_argument("--pairs-per-document", type=int, default=2, help="labelled pairs each document draws on")
    parser.add_argument("--pairs-dir", type=Path, default=PAIRS)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()

    pairs = sentences(args.pairs_dir)
    with tempfile.TemporaryDirectory(prefix="detector-incremental-") as work:
        base, cache, out = Path(work) / "corpus", Path(work) / "cache", Path(work) / "out"
        # One corpus of N + 1 documents; the last is held back, then added.
        write_corpus(base, pairs, args.documents + 1, args.pairs_per_document)
        added = sorted(base.iterdir())[-1]
        held = Path(work) / added.name
        added.rename(held)
        full = run_scan(base, out, cache)
        warm = run_scan(base, out, cache)
        held.rename(added)
        incremental = run_scan(base, out, cache)
        added.rename(held)
        watch = watch_added(base, added, held, Path(work) / "watch-out", Path(work) / "watch-cache")

    figures = {
        "documents": args.documents,
        "full": full,
        "warm": warm,
        "incremental": incremental,
        "watch": watch,
        "warm_vs_full": round(warm["wall_seconds"] / full["wall_seconds"], 3),
        "incremental_vs_full": round(incremental["wall_seconds"] / full["wall_seconds"], 3),
        "watch_vs_full": round(watch["wall_seconds"] / full["wall_seconds"], 3),
    }
    if args.json:
        print(json.dumps(figures, indent=2))
        return
    print(f"{'scan':<34}{'seconds':>9}{'claims':>8}{'pairs':>8}  cache hits (embeddings, scores)")
    rows = [
        (f"full: {args.documents} documents, empty cache", full),
        ("warm: the same, nothing changed", warm),
        (f"incremental: document {args.documents + 1} added", incremental),
    ]
    for label, row in rows:
        c = row["cache"]
        hits = f"{c['embeddings']['hits']}/{c['embeddings']['hits'] + c['embeddings']['misses']}, "
        hits += f"{c['scores']['hits']}/{c['scores']['hits'] + c['scores']['misses']}"
        print(f"{label:<34}{row['wall_seconds']:>9.1f}{row['claims']:>8}{row['candidate_pairs']:>8}  {hits}")
    print(
        f"{'watch: document added':<34}{watch['wall_seconds']:>9.1f}  (after a first scan of "
        f"{watch['first_scan_seconds']:.1f} s in the same process) {watch['line']}"
    )
    print(
        f"warm / full: {figures['warm_vs_full']:.1%}   incremental / full: {figures['incremental_vs_full']:.1%}"
        f"   watch / full: {figures['watch_vs_full']:.1%}"
    )
    for label, row in rows:
        # Each scan's own stage times (model loading falls in the first stage that needs the model).
        print(f"{label.split(':')[0]:<12} " + ", ".join(f"{k} {v:.1f}s" for k, v in row["seconds"].items()))


if __name__ == "__main__":
    main()
