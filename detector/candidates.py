"""Stage 5: choose which claim pairs the judge scores — neighbours and subject-mates, never all pairs."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .records import Pair

# MiniLM embeddings are dominated by topic: on the seeds, "kratom stimulates prolactin" has up to eleven
# nearer claims before "kratom suppresses prolactin". Twelve neighbours reach it; fewer do not.
DEFAULT_NEIGHBOURS = 12
DEFAULT_MIN_SIMILARITY = 0.5
DEFAULT_CROSS_SUBJECT_SIMILARITY = 0.75
_ROW_BLOCK = 1024


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
