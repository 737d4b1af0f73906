"""`detector scan --watch`: notice when documents under the scanned paths are added, changed or removed.

The file system's own change events (inotify, FSEvents, ReadDirectoryChangesW) come through watchfiles; a burst
of changes (an editor's save, a copy of many files) arrives as one batch, so it costs one re-scan.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .documents import FORMATS

# Wait this long after the last change of a burst before yielding it (watchfiles' `step`), and at most this
# long in all (its `debounce`), in milliseconds.
QUIET_MS = 200
MOST_MS = 2000
_KINDS = {1: "added", 2: "changed", 3: "removed"}


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
        if any(part.startswith(".") for part in path.relative_to(folder).parts):
            return False
        # A removed folder may have held documents; its files are not always reported one by one.
        return path.suffix.lower() in FORMATS or (_KINDS.get(int(change)) == "removed" and not path.suffix)


def changes(
    paths: Sequence[str | os.PathLike[str]],
    *,
    exclude: Sequence[str | os.PathLike[str]] = (),
    stop: threading.Event | None = None,
) -> Iterator[list[Change]]:
    """Each burst of changes to documents under `paths` (folders in `exclude` left out), until `stop` is set.

    Named files are watched through their folder, so a save that replaces the file is still seen.
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
    ):
        yield sorted({Change(path, _KINDS.get(int(kind), "changed")) for kind, path in batch})


def describe(batch: Sequence[Change], *, shown: int = 3) -> str:
    """ "doc101.txt added" or "2 added, 1 changed (a.txt, b.txt, c.txt)": what a re-scan is for, in a line."""
    if len(batch) == 1:
        return f"{Path(batch[0].path).name} {batch[0].kind}"
    counts = {kind: sum(c.kind == kind for c in batch) for kind in ("added", "changed", "removed")}
    names = [Path(c.path).name for c in batch[:shown]] + (["…"] if len(batch) > shown else [])
    return ", ".join(f"{n} {kind}" for kind, n in counts.items() if n) + f" ({', '.join(names)})"
