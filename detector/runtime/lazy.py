"""Values made on first use: a scan that finds everything in the cache never loads a model or starts an engine."""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class Lazy(Generic[T]):
    """`make()` run once, on the first `get()`; the one way detector defers loading a model or starting an engine.

    >>> loaded = Lazy(lambda: "model")
    >>> loaded.made, loaded.get(), loaded.made
    (False, 'model', True)
    """

    def __init__(self, make: Callable[[], T]) -> None:
        self._make: Callable[[], T] | None = make
        self._value: T | None = None

    @property
    def made(self) -> bool:
        return self._make is None

    def get(self) -> T:
        if self._make is not None:
            self._value = self._make()
            self._make = None
        return self._value  # type: ignore[return-value]
