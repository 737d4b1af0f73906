"""Stage 3: claim embeddings, from any model behind the `Embedder` protocol."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

from .progress import Progress, Silent

DEFAULT_BATCH_SIZE = 64


class Embedder(Protocol):
    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """One L2-normalised float32 row per text."""
        ...


class SentenceTransformerEmbedder:
    """A sentence-transformers model loaded from a local folder (a wheel or a verified hub snapshot)."""

    def __init__(self, path: Path, *, device: str | None = None) -> None:
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as transformers_logging

        # Loading is quick and local; its per-tensor bar would only clutter the scan's own progress.
        transformers_logging.disable_progress_bar()
        self._model = SentenceTransformer(str(path), device=device or "cpu", local_files_only=True)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        vectors = self._model.encode(
            list(texts), batch_size=len(texts) or 1, normalize_embeddings=True, show_progress_bar=False
        )
        return np.asarray(vectors, dtype=np.float32)


def embed(
    texts: Sequence[str],
    embedder: Embedder,
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    progress: Progress | None = None,
) -> np.ndarray:
    """Embed `texts` in batches of similar length; returns an (n, dim) array of unit vectors, in input order."""
    progress = progress or Silent()
    plan = batches(texts, batch_size)
    rows: list[np.ndarray] = []
    with progress.task("Embedding claims", len(texts)) as advance:
        for batch in plan:
            rows.append(embedder.encode([texts[i] for i in batch]))
            advance(len(batch))
    return stacked_unit_rows(rows, plan)


def batches(texts: Sequence[str], batch_size: int) -> list[list[int]]:
    """The batches `embed` sends to the model (input indices); every engine embeds exactly these.

    Shortest texts first, ties broken by the text, so a batch pads little (a model pads each batch to its
    longest text) and the same texts always form the same batches.
    """
    order = sorted(range(len(texts)), key=lambda i: (len(texts[i]), texts[i]))
    return [order[i : i + batch_size] for i in range(0, len(order), batch_size)]


def stacked_unit_rows(rows: Sequence[np.ndarray], plan: Sequence[Sequence[int]]) -> np.ndarray:
    """Per-batch vectors (batch k holds the texts `plan[k]`) in input order, each row scaled to unit length;
    zero rows stay zero."""
    if not rows:
        return np.zeros((0, 0), dtype=np.float32)
    stacked = np.vstack(rows)
    ordered = np.empty_like(stacked)
    ordered[np.concatenate([np.asarray(b, dtype=np.int64) for b in plan])] = stacked
    return unit_rows(ordered)


def unit_rows(vectors: np.ndarray) -> np.ndarray:
    """Each row scaled to length 1 as float32 (zero rows stay zero); a row's result does not depend on the others."""
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.where(norms == 0, 1, norms)
