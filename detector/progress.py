"""How long-running stages report progress; the CLI plugs in progress bars, the API stays quiet."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Protocol

Advance = Callable[[int], None]


class Progress(Protocol):
    def task(self, description: str, total: int) -> AbstractContextManager[Advance]:
        """A context for one stage; call the yielded function with the units of work done."""
        ...


class Silent:
    """Progress that shows nothing."""

    @contextmanager
    def task(self, description: str, total: int) -> Iterator[Advance]:
        yield lambda n: None
