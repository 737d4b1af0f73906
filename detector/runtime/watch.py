"""`detector scan --watch`: notice when documents under the scanned paths are added, changed or removed.

The file system's own change events (inotify, FSEvents, ReadDirectoryChangesW) come through watchfiles; a burst
of changes (an editor's save, a copy of many files) arrives as one batch, so it costs one re-scan.
"""

from __future__ import annotations

import os
import queue
import signal
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..documents import is_document_name
from ..errors import DetectorError, InputError

if TYPE_CHECKING:
    from ..pipeline import ScanResult

# Wait this long after the last change of a burst before yielding it (watchfiles' `step`), and at most this
# long in all (its `debounce`), in milliseconds.
QUIET_MS = 200
MOST_MS = 2000
_KINDS = {1: "added", 2: "changed", 3: "removed"}
_WAKE_MS = 500
_READY_SECONDS = 10.0


@dataclass(frozen=True, order=True)
class Change:
    path: str
    kind: str  # added, changed or removed


class _Documents:
    """Which changed paths matter: documents under a scanned folder or a named file; not hidden, not excluded."""

    def __init__(self, roots: Sequence[Path], exclude: Sequence[Path]) -> None:
        self._folders = [r for r in roots if r.is_dir()]
        self._files = {r for r in roots if not r.is_dir()}
        self._exclude = list(exclude)

    def __call__(self, change: Any, raw: str) -> bool:
        path = Path(raw).resolve()
        if path in self._files:
            return True
        folder = next((f for f in self._folders if path.is_relative_to(f)), None)
        if folder is None or any(path.is_relative_to(e) for e in self._exclude):
            return False
        parts = path.relative_to(folder).parts
        if not parts:  # the watched folder itself
            return False
        *folders, name = parts
        if any(part.startswith(".") for part in folders):
            return False
        # A removed folder may have held documents; its files are not always reported one by one.
        removed_folder = _KINDS.get(int(change)) == "removed" and not path.suffix and not name.startswith(".")
        return is_document_name(name) or removed_folder


def changes(
    paths: Sequence[str | os.PathLike[str]],
    *,
    exclude: Sequence[str | os.PathLike[str]] = (),
    stop: threading.Event | None = None,
    ready: threading.Event | None = None,
) -> Iterator[list[Change]]:
    """Each burst of changes to documents under `paths` (folders in `exclude` left out), until `stop` is set.

    `ready` is set once the watch is in place: a change made after that is seen. Named files are watched
    through their folder, so a save that replaces the file is still seen.
    """
    import watchfiles

    roots = [Path(p).resolve() for p in paths]
    watched = sorted({r if r.is_dir() else r.parent for r in roots})
    keep = _Documents(roots, [Path(e).resolve() for e in exclude])
    for batch in watchfiles.watch(
        *watched,
        watch_filter=keep,
        step=QUIET_MS,
        debounce=MOST_MS,
        stop_event=stop,
        raise_interrupt=False,
        # Wake every half second even without changes: the first wake-up says the watch is in place.
        rust_timeout=_WAKE_MS,
        yield_on_timeout=True,
    ):
        if ready is not None:
            ready.set()
        if batch:
            yield sorted({Change(path, _KINDS.get(int(kind), "changed")) for kind, path in batch})


class Watcher:
    """Watches in a background thread from the moment it is entered, so a change made while a scan runs is
    kept for the next scan rather than lost."""

    def __init__(self, paths: Sequence[str | os.PathLike[str]], *, exclude: Sequence[str | os.PathLike[str]] = ()):
        self._paths, self._exclude = list(paths), list(exclude)
        self._stop, self._ready = threading.Event(), threading.Event()
        self._batches: queue.Queue[list[Change]] = queue.Queue()
        self._failure: BaseException | None = None
        self._thread = threading.Thread(target=self._listen, name="detector-watch", daemon=True)

    def _listen(self) -> None:
        try:
            for batch in changes(self._paths, exclude=self._exclude, stop=self._stop, ready=self._ready):
                self._batches.put(batch)
        except Exception as problem:  # reported to the caller by next()
            self._failure = problem
        finally:
            self._ready.set()

    def __enter__(self) -> Watcher:
        self._thread.start()
        self._ready.wait(timeout=_READY_SECONDS)
        self._raise_failure()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def next(self, timeout: float | None = None) -> list[Change] | None:
        """The changes since the last call, waiting for at least one (None after `timeout` seconds without)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            self._raise_failure()
            left = 0.5 if deadline is None else min(0.5, deadline - time.monotonic())
            if left <= 0:
                return None
            try:
                # Short waits, so Ctrl-C reaches the main thread promptly.
                first = self._batches.get(timeout=left)
                break
            except queue.Empty:
                continue
        merged = set(first)
        while not self._batches.empty():
            merged |= set(self._batches.get_nowait())
        return sorted(merged)

    def _raise_failure(self) -> None:
        if self._failure is not None:
            raise InputError(f"cannot watch {', '.join(map(str, self._paths))}: {self._failure}") from None


def describe(batch: Sequence[Change], *, shown: int = 3) -> str:
    """ "doc101.txt added" or "2 added, 1 changed (a.txt, b.txt, c.txt)": what a re-scan is for, in a line."""
    if len(batch) == 1:
        return f"{Path(batch[0].path).name} {batch[0].kind}"
    counts = {kind: sum(c.kind == kind for c in batch) for kind in ("added", "changed", "removed")}
    names = [Path(c.path).name for c in batch[:shown]] + (["…"] if len(batch) > shown else [])
    return ", ".join(f"{n} {kind}" for kind, n in counts.items() if n) + f" ({', '.join(names)})"


@dataclass(frozen=True)
class Rescan:
    """One scan of a watch: the changes it is for, and its result with what changed, or the error that stopped it."""

    changes: list[Change]
    result: ScanResult | None
    problem: DetectorError | None = None
    # Contradictions found now and not by the scan before, and before and not now.
    new: int = 0
    gone: int = 0
    seconds: float = 0.0


def rescans(watcher: Watcher, scan: Callable[[], ScanResult], last: ScanResult) -> Iterator[Rescan]:
    """Scan again after each burst of changes `watcher` reports, forever, compared with the scan before (`last`)."""
    while True:
        batch = watcher.next()
        if batch is None:
            continue
        began = time.perf_counter()
        try:
            result = scan()
        except DetectorError as problem:
            # A bad file or a full disk is reported, and the watch goes on: the next change may mend it.
            yield Rescan(batch, None, problem, seconds=time.perf_counter() - began)
            continue
        new, gone = difference(last, result)
        yield Rescan(batch, result, None, new, gone, time.perf_counter() - began)
        last = result


def difference(before: ScanResult, after: ScanResult) -> tuple[int, int]:
    """Contradictions found now and not before, and before and not now (claim ids are stable across scans)."""
    was, now = ({frozenset((c.a, c.b)) for c in r.contradictions} for r in (before, after))
    return len(now - was), len(was - now)


@contextmanager
def terminate_as_interrupt() -> Iterator[None]:
    """Within this block SIGTERM (a service manager's or `kill`'s stop) ends a watch the way Ctrl-C does."""

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    if threading.current_thread() is not threading.main_thread():
        yield  # only the main thread may handle signals
        return
    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
