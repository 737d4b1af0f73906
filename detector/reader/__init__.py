"""The claim reader: what each claim asserts (effects, negation, amounts, hedges, scope), read by a spaCy parse and
the lexicons and patterns in data/; evidence for the verdict, never its gate."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from .assertions import Assertion


class ClaimReader(Protocol):
    def read(self, texts: Sequence[str]) -> list[Assertion]:
        """One reading per text, in order."""
        ...
