"""`detector scan --watch`: which file changes count, models kept loaded between scans, and the command itself."""

from __future__ import annotations

import json
import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from itertools import islice
from pathlib import Path

import pytest

from detector.documents import load_documents
from detector.errors import InputError
from detector.models import load as models
from detector.models.lock import read_lock
from detector.runtime.watch import Change, Watcher, describe, rescans, terminate_as_interrupt

from .conftest import ROOT
from .test_pipeline_and_outputs import fake_scan


def first_batch(paths: list[Path], exclude: list[Path], make_changes) -> list[Change]:  # type: ignore[no-untyped-def]
    """The changes the watcher reports after `make_changes` runs (it watches from the moment it is entered)."""
    with Watcher(paths, exclude=exclude) as watcher:
        make_changes()
        batch = watcher.next(timeout=20)
    assert batch is not None, "no change seen in 20 s"
    return batch


def test_only_documents_outside_the_output_folder_count(tmp_path: Path) -> None:
    docs, out = tmp_path / "docs", tmp_path / "docs" / "out"
    out.mkdir(parents=True)
    (docs / "a.txt").write_text("Coffee raises alertness.", encoding="utf-8")

    def make_changes() -> None:
        (out / "report.md").write_text("# a report the scan wrote", encoding="utf-8")
        (docs / ".draft.md").write_text("hidden", encoding="utf-8")
        (docs / "notes.bin").write_bytes(b"\x00\x01")
        (docs / "new.md").write_text("Coffee lowers alertness.", encoding="utf-8")

    batch = first_batch([docs], [out], make_changes)
    assert {Path(c.path).name for c in batch} == {"new.md"}
    assert "added" in {c.kind for c in batch}

    batch = first_batch([docs], [out], lambda: (docs / "new.md").unlink())
    assert batch == [Change(str((docs / "new.md").resolve()), "removed")]


def test_a_named_file_is_watched_and_its_neighbours_are_not(tmp_path: Path) -> None:
    named, neighbour = tmp_path / "a.txt", tmp_path / "b.txt"
    named.write_text("Coffee raises alertness.", encoding="utf-8")
    neighbour.write_text("Tea is calming.", encoding="utf-8")

    def make_changes() -> None:
        neighbour.write_text("Tea is not calming.", encoding="utf-8")
        # An editor's save: a new file renamed over the old one.
        (tmp_path / "a.txt.tmp").write_text("Coffee lowers alertness.", encoding="utf-8")
        os.replace(tmp_path / "a.txt.tmp", named)

    batch = first_batch([named], [], make_changes)
    assert {Path(c.path).name for c in batch} == {"a.txt"}


def test_changes_made_while_a_scan_runs_are_kept_for_the_next(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("Coffee raises alertness.", encoding="utf-8")
    with Watcher([tmp_path]) as watcher:
        (tmp_path / "b.txt").write_text("Tea is calming.", encoding="utf-8")
        time.sleep(1.0)  # a scan is running; the watcher reports meanwhile
        (tmp_path / "c.txt").write_text("Tea is not calming.", encoding="utf-8")
        time.sleep(1.0)
        batch = watcher.next(timeout=20)
        assert batch is not None and {Path(c.path).name for c in batch} == {"b.txt", "c.txt"}
        assert watcher.next(timeout=1.5) is None


def test_a_folder_that_cannot_be_watched_is_one_clear_error(tmp_path: Path) -> None:
    gone = tmp_path / "gone" / "deeper"  # neither it nor its folder exists
    with pytest.raises(InputError, match="cannot watch"), Watcher([gone]):
        pass


def test_describe_says_what_changed() -> None:
    assert describe([Change("/d/doc101.txt", "added")]) == "doc101.txt added"
    batch = [Change(f"/d/{n}.txt", k) for n, k in (("a", "added"), ("b", "added"), ("c", "changed"), ("d", "removed"))]
    assert describe(batch) == "2 added, 1 changed, 1 removed (a.txt, b.txt, c.txt, …)"


class Steps:
    """A stand-in watcher: each call to next() makes one change and reports it (None: a quiet spell)."""

    def __init__(self, *steps: tuple[Callable[[], object], str] | None) -> None:
        self._steps = list(steps)

    def next(self, timeout: float | None = None) -> list[Change] | None:
        step = self._steps.pop(0)
        if step is None:
            return None
        change, what = step
        change()
        return [Change(what, "changed")]


def test_each_rescan_counts_new_and_gone_contradictions_and_an_error_does_not_end_the_watch(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    a_text = "Coffee increases alertness in adults, a trial found.\n"
    (docs / "a.txt").write_text(a_text, encoding="utf-8")
    b_text = "Coffee decreases alertness in adults, a trial found.\n"
    tea = "Green tea improves focus during long working days.\n"

    def restore() -> None:
        docs.mkdir()
        (docs / "a.txt").write_text(a_text, encoding="utf-8")

    watcher = Steps(
        None,
        (lambda: (docs / "b.txt").write_text(b_text, encoding="utf-8"), "b.txt"),
        # A document before the others renumbers their claims: the same contradiction, at the same place.
        (lambda: (docs / "0.txt").write_text(tea, encoding="utf-8"), "0.txt"),
        (lambda: shutil.rmtree(docs), "docs"),
        (restore, "docs"),
    )
    scan = lambda: fake_scan([docs])  # noqa: E731
    first = scan()
    assert first.contradictions == []
    found = list(islice(rescans(watcher, scan, first), 4))  # type: ignore[arg-type]
    assert [[c.path for c in r.changes] for r in found] == [["b.txt"], ["0.txt"], ["docs"], ["docs"]]
    added, renumbered, failed, mended = found
    assert added.result is not None and len(added.result.contradictions) == 1
    assert (added.new, added.gone) == (1, 0)
    assert (renumbered.new, renumbered.gone) == (0, 0)
    assert failed.result is None and isinstance(failed.problem, InputError)
    # Compared with the last scan that finished, not with the failed one.
    assert mended.result is not None and (mended.new, mended.gone) == (0, 1)


def test_sigterm_within_the_block_interrupts_as_ctrl_c_and_the_old_handler_comes_back() -> None:
    before = signal.getsignal(signal.SIGTERM)
    with pytest.raises(KeyboardInterrupt), terminate_as_interrupt():
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(5)  # the signal arrives here at the latest
    assert signal.getsignal(signal.SIGTERM) == before


def test_models_are_loaded_once_while_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    loads: list[str] = []
    monkeypatch.setattr(models, "_load_parser", lambda spec: loads.append(spec.name) or object())
    spec = read_lock(ROOT / "models.lock").spec("parser")
    with models.keep_loaded():
        first = models.load_parser(spec)
        with models.keep_loaded():  # nested: the same models
            assert models.load_parser(spec) is first
    assert len(loads) == 1
    assert models.load_parser(spec) is not first and models.load_parser(spec) is not first
    assert len(loads) == 3


def test_the_output_folder_inside_a_scanned_folder_is_not_read(tmp_path: Path) -> None:
    (tmp_path / "doc.txt").write_text("Coffee raises alertness.", encoding="utf-8")
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "report.md").write_text(
        "# Contradiction report\n\nCoffee lowers alertness.\n", encoding="utf-8"
    )
    assert [d.id for d in load_documents([tmp_path])] == ["doc.txt", "out/report.md"]
    assert [d.id for d in load_documents([tmp_path], exclude=[tmp_path / "out"])] == ["doc.txt"]


def read_until(stream, fragment: str, seconds: float) -> list[str]:  # type: ignore[no-untyped-def]
    """Lines of `stream` up to the first that holds `fragment` (a background reader keeps this from blocking)."""
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in stream], daemon=True).start()
    seen, deadline = [], time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=1)
        except queue.Empty:
            continue
        seen.append(line)
        if fragment in line:
            return seen
    raise AssertionError(f"no {fragment!r} in {seen}")


@pytest.mark.slow
def test_scan_watch_scans_again_when_a_document_is_added(tmp_path: Path) -> None:
    docs, out = tmp_path / "docs", tmp_path / "docs" / "out"
    docs.mkdir()
    (docs / "a.txt").write_text(
        "Kratom stimulates prolactin release in healthy adults.\n\nKratom is sold as a powder.\n", encoding="utf-8"
    )
    command = [sys.executable, "-c", "from detector.cli import main; main()", "scan", str(docs), "--out", str(out)]
    command += ["--watch", "--cache-dir", str(tmp_path / "cache")]
    env = os.environ | {"PYTHONPATH": str(ROOT), "COLUMNS": "200"}
    # Ctrl-C as a terminal sends it: a shell without job control starts background jobs with SIGINT ignored.
    watcher = subprocess.Popen(
        command,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        read_until(watcher.stderr, "Watching", 300)
        first = json.loads((out / "findings.json").read_text(encoding="utf-8"))
        assert [d["id"] for d in first["documents"]] == ["a.txt"] and first["contradictions"] == []
        (docs / "b.txt").write_text("Kratom suppresses prolactin secretion in healthy adults.\n", encoding="utf-8")
        [*_, line] = read_until(watcher.stdout, "b.txt added", 120)
        assert "2 documents" in line and "(1 new, 0 gone)" in line
        after = json.loads((out / "findings.json").read_text(encoding="utf-8"))
        assert [d["id"] for d in after["documents"]] == ["a.txt", "b.txt"]  # not out/report.md
        assert len(after["contradictions"]) == 1
    finally:
        watcher.send_signal(signal.SIGINT)
        code = watcher.wait(timeout=60)
    assert code == 0


@pytest.mark.slow
def test_a_watch_stops_on_sigterm_as_on_ctrl_c(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("Kratom stimulates prolactin release in healthy adults.\n", encoding="utf-8")
    command = [sys.executable, "-c", "from detector.cli import main; main()", "scan", str(tmp_path)]
    command += ["--out", str(tmp_path / "out"), "--watch", "--cache-dir", str(tmp_path / "cache")]
    env = os.environ | {"PYTHONPATH": str(ROOT)}
    watcher = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        read_until(watcher.stderr, "Watching", 300)
    finally:
        watcher.terminate()
        code = watcher.wait(timeout=60)
    assert code == 0
