"""Stage 5: choose which claim pairs the judge scores — neighbours and subject-mates, never all pairs."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .assertions import Assertion
from .records import Pair
from .verdicts import concept

# MiniLM embeddings are dominated by topic: on the seeds, "kratom stimulates prolactin" has up to eleven
# nearer claims before "kratom suppresses prolactin". Twelve neighbours reach it; fewer do not.
DEFAULT_NEIGHBOURS = 12
DEFAULT_MIN_SIMILARITY = 0.5
DEFAULT_CROSS_SUBJECT_SIMILARITY = 0.75
_ROW_BLOCK = 1024
# Partners per claim and reason for assertion_pairs: enough for every seed conflict, linear in claims.
DEFAULT_ASSERTION_PARTNERS = 16


def candidate_pairs(
    embeddings: np.ndarray,
    clusters: np.ndarray,
    texts: Sequence[str],
    *,
    neighbours: int = DEFAULT_NEIGHBOURS,
    min_similarity: float = DEFAULT_MIN_SIMILARITY,
    cross_subject_similarity: float = DEFAULT_CROSS_SUBJECT_SIMILARITY,
) -> list[Pair]:
    """Pairs (a < b) where b is among a's `neighbours` nearest claims and either shares a's subject
    (with cosine similarity ≥ `min_similarity`) or is so close (≥ `cross_subject_similarity`) that the
    clustering split one subject in two. Claims with identical text are never paired.

    At most n × neighbours pairs; similarities are computed in row blocks so memory stays bounded.
    """
    n = len(embeddings)
    found: dict[tuple[int, int], float] = {}
    normalised = [" ".join(t.lower().split()) for t in texts]
    for first in range(0, n, _ROW_BLOCK):
        sims = embeddings[first : first + _ROW_BLOCK] @ embeddings.T
        for offset, row in enumerate(sims):
            a = first + offset
            row[a] = -np.inf
            k = min(neighbours, n - 1)
            nearest = np.argpartition(-row, k - 1)[:k] if k > 0 else np.zeros(0, dtype=int)
            for b in map(int, nearest):
                bar = min_similarity if clusters[b] == clusters[a] else cross_subject_similarity
                if b == a or row[b] < bar or normalised[a] == normalised[b]:
                    continue
                found[(min(a, b), max(a, b))] = float(row[b])
    return [Pair(a, b, sim) for (a, b), sim in sorted(found.items())]


def all_pairs(n: int) -> int:
    """How many unordered pairs n claims make."""
    return n * (n - 1) // 2


def assertion_pairs(
    assertions: Sequence[Assertion],
    embeddings: np.ndarray,
    *,
    per_claim: int = DEFAULT_ASSERTION_PARTNERS,
) -> list[Pair]:
    """Pairs the claim reader says may conflict, however far apart their embeddings are: the same effect
    target moved in opposite directions (or denied), a concept one claim says is absent and the other
    mentions, or two dosing claims with amounts in the same unit.

    Each claim is paired with at most `per_claim` partners per reason, the most similar first, so a corpus
    where hundreds of claims mention "pain" still gives a number of pairs linear in its claims.
    """
    sides: dict[tuple[str, str], tuple[set[int], set[int]]] = {}

    def add(key: tuple[str, str], first: int | None = None, second: int | None = None) -> None:
        left, right = sides.setdefault(key, (set(), set()))
        if first is not None:
            left.add(first)
        if second is not None:
            right.add(second)

    for i, a in enumerate(assertions):
        for effect in a.effects:
            # Raised vs lowered, or asserted vs denied: the two sides of one target.
            positive = (effect.direction > 0) != effect.negated
            add(("effect", effect.target), *((i, None) if positive else (None, i)))
        for absent in a.absences:
            add(("concept", concept(absent)), None, i)
        for occurring in a.occurs:
            add(("concept", concept(occurring)), i, None)
        if a.dosing:
            for unit in {q.unit for q in a.quantities}:
                add(("dose", unit), i, i)
    found: dict[tuple[int, int], float] = {}
    for _key, (left, right) in sorted(sides.items()):
        if not left or not right:
            continue
        for a in sorted(right):
            others = np.array(sorted(left - {a}), dtype=int)
            if others.size == 0:
                continue
            sims = embeddings[others] @ embeddings[a]
            for b in others[np.argsort(-sims, kind="stable")[:per_claim]]:
                key = (min(a, int(b)), max(a, int(b)))
                found[key] = float(embeddings[key[0]] @ embeddings[key[1]])
    return [Pair(a, b, sim) for (a, b), sim in sorted(found.items())]


def merge_pairs(*groups: Sequence[Pair]) -> list[Pair]:
    """The union of candidate pair lists, each pair once, in (a, b) order."""
    return sorted({(p.a, p.b): p for group in groups for p in group}.values(), key=lambda p: (p.a, p.b))
