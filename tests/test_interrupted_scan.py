"""A real `detector scan` stopped midway, by Ctrl-C (SIGINT) or a kill (SIGKILL), with the real models.

The previous outputs must stay byte for byte as they were, nothing half-written may be left in the output
folder, the cache must open without complaint, and the next run must finish with the same findings as a
clean run. The scans are stopped once the cache shows judged pairs, so the kill lands mid-judging; they run
with --nli-screen, which judges every candidate pair, so there is judging left to interrupt.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from detector.outputs.exports import FORMATS
from detector.runtime.store import FILE_NAME, Cache

from .conftest import ROOT, SEEDS

pytestmark = pytest.mark.slow
DOCUMENTS = ("001_cfb65b5ab12287d4.txt", "004_a96d898ab4f5849c.txt")
# What an earlier run left in the output folder: one file per output format.
PREVIOUS = {name: f"the previous run's {name}\n".encode() for name in FORMATS.values()}
WAIT_SECONDS = 600


def start_scan(docs: Path, out: Path, *options: str) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DETECTOR_DEBUG", "DETECTOR_CACHE_DIR")}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])
    return subprocess.Popen(
        [sys.executable, "-m", "detector.cli", "scan", str(docs), "--out", str(out), "--nli-screen", *options],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # As from an interactive shell: a background job (how CI may run the tests) inherits SIGINT ignored.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )


def judged_so_far(cache_dir: Path) -> int:
    """Pair scores the running scan has stored (it stores each batch as it comes back from the judge)."""
    path = cache_dir / FILE_NAME
    if not path.is_file():
        return 0
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
    try:
        return int(db.execute("SELECT count(*) FROM scores").fetchone()[0])
    except sqlite3.Error:  # the tables are not made yet
        return 0
    finally:
        db.close()


def stop_when_judging(process: subprocess.Popen[str], cache_dir: Path, beyond: int, how: signal.Signals) -> int:
    """Send `how` once more than `beyond` scores are stored; returns how many there were."""
    deadline = time.monotonic() + WAIT_SECONDS
    while (count := judged_so_far(cache_dir)) <= beyond:
        assert process.poll() is None, f"the scan ended before judging: {process.communicate()}"
        assert time.monotonic() < deadline, "judging never started"
        time.sleep(0.2)
    process.send_signal(how)
    return count


def findings_without_timings(out: Path) -> dict[str, Any]:
    found = json.loads((out / "findings.json").read_text(encoding="utf-8"))
    found.pop("stats")
    return found


def test_interrupted_and_killed_scans_leave_outputs_and_cache_usable(tmp_path: Path) -> None:
    docs, out, cache_dir = tmp_path / "docs", tmp_path / "out", tmp_path / "cache"
    docs.mkdir()
    for name in DOCUMENTS:
        shutil.copy(SEEDS / name, docs / name)
    out.mkdir()
    for name, data in PREVIOUS.items():
        (out / name).write_bytes(data)

    def outputs_untouched() -> None:
        assert sorted(p.name for p in out.iterdir()) == sorted(PREVIOUS)  # no temporary files either
        assert all((out / name).read_bytes() == data for name, data in PREVIOUS.items())

    # Ctrl-C while judging: one clear line, exit code 130, no traceback.
    scan = start_scan(docs, out, "--cache-dir", str(cache_dir))
    judged = stop_when_judging(scan, cache_dir, 0, signal.SIGINT)
    stdout, stderr = scan.communicate(timeout=120)
    assert scan.returncode == 130, stderr
    assert "Traceback" not in stderr and [line for line in stderr.splitlines() if line.strip()] == [
        "interrupted: earlier outputs are left as they were"
    ]
    outputs_untouched()

    # A kill while judging resumes where the last run stopped: the scores judged so far are kept.
    scan = start_scan(docs, out, "--cache-dir", str(cache_dir))
    judged = stop_when_judging(scan, cache_dir, judged, signal.SIGKILL)
    scan.communicate(timeout=120)
    assert scan.returncode == -signal.SIGKILL
    outputs_untouched()
    with Cache(cache_dir) as store:
        assert store.enabled and store.warnings == []

    # The next run finishes, using what the stopped runs stored, and finds what a clean run finds.
    scan = start_scan(docs, out, "--cache-dir", str(cache_dir))
    stdout, stderr = scan.communicate(timeout=WAIT_SECONDS)
    assert scan.returncode == 0, stderr
    # "cache: 40 of 40 claim readings, 40 of 40 embeddings and 312 of 520 judge scores were there already"
    found = re.search(r"([\d,]+) of ([\d,]+) embeddings and ([\d,]+) of [\d,]+ judge scores", stdout)
    assert found, stdout
    embedded, claims, scored = (int(g.replace(",", "")) for g in found.groups())
    assert scored >= judged and embedded == claims
    clean_out = tmp_path / "clean"
    clean = start_scan(docs, clean_out, "--no-cache", "--quiet")
    _, stderr = clean.communicate(timeout=WAIT_SECONDS)
    assert clean.returncode == 0, stderr
    assert findings_without_timings(out) == findings_without_timings(clean_out)
    assert sorted(p.name for p in out.iterdir()) == sorted(PREVIOUS)
