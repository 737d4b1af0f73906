"""The models behind the cache: a cached engine and a cached claim reader implement the protocols of what they wrap
(`engines.Engine`, `reader.ClaimReader`), so the pipeline never sees a store or a key. Only what the store lacks
reaches the model, which is made (loaded, started) the first time something is missing; what it computes is
stored a chunk at a time, so a scan stopped midway keeps what it finished."""

from __future__ import annotations

import dataclasses
import json
import typing
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from typing import Any, TypeVar

import numpy as np

from ..progress import Advance, Progress, Silent
from ..reader import ClaimReader
from ..reader.assertions import Assertion
from .engines import Engine
from .keys import text_key
from .lazy import Lazy
from .store import Cache, chunks

T = TypeVar("T")
# The reader's spaCy pipeline batches 64 texts; chunks of whole batches read the same as one call.
_READ_CHUNK = 512
# Batches handed to the engine at a time when only part of the work is cached; each chunk is stored as it
# finishes, so a scan stopped midway loses at most this much work.
_RUN_BATCHES = 8


class CachedEngine:
    """An `Engine` whose embeddings and judge scores come from the store where it has them (a key of None: that
    model is not cached); the engine starts only when something is missing."""

    def __init__(self, engine: Lazy[Engine], store: Cache, *, embedder: bytes | None, judge: bytes | None) -> None:
        self._engine = engine
        self._store = store
        self._keys = {"embedder": embedder, "judge": judge}

    def embed(self, texts: Sequence[str], *, batch_size: int, progress: Progress) -> np.ndarray:
        store, key = self._store, self._keys["embedder"]
        if key is None or not store.enabled:
            return self._engine.get().embed(texts, batch_size=batch_size, progress=progress)
        keys = [text_key(t) for t in texts]
        known = store.vectors(key, keys)
        missing = [i for i, k in enumerate(keys) if k not in known]
        store.hits["embeddings"] += len(texts) - len(missing)
        store.misses["embeddings"] += len(missing)
        if not missing:
            return np.vstack([known[k] for k in keys]) if keys else np.zeros((0, 0), dtype=np.float32)
        # Shortest first, as the embedder batches them, so each chunk pads as little as one long run would.
        missing.sort(key=lambda i: (len(texts[i]), texts[i]))
        fresh = _in_chunks(
            missing,
            lambda chunk: self._engine.get().embed([texts[i] for i in chunk], batch_size=batch_size, progress=Silent()),
            lambda chunk, values: store.put_vectors(key, [keys[i] for i in chunk], values),
            progress.task("Embedding claims", len(missing)),
            batch_size * _RUN_BATCHES,
        )
        vectors = np.empty((len(texts), fresh.shape[1]), dtype=np.float32)
        vectors[missing] = fresh
        for i, k in enumerate(keys):
            if k in known:
                vectors[i] = known[k]
        return vectors

    def score(
        self, premises: Sequence[str], hypotheses: Sequence[str], *, batch_size: int, progress: Progress
    ) -> np.ndarray:
        """Exact because the default judge scores each pair independently of its batch-mates."""
        store, key = self._store, self._keys["judge"]
        if key is None or not store.enabled:
            return self._engine.get().score(premises, hypotheses, batch_size=batch_size, progress=progress)
        pairs = [(text_key(p), text_key(h)) for p, h in zip(premises, hypotheses, strict=True)]
        known = store.scores(key, pairs)
        todo = [i for i, value in enumerate(known) if value is None]
        store.hits["scores"] += len(pairs) - len(todo)
        store.misses["scores"] += len(todo)
        scores = np.array([0.0 if v is None else v for v in known], dtype=np.float64)
        if todo:
            # Shortest first, as the judge batches them, so each chunk stays as cheap to pad as one long run.
            todo.sort(key=lambda i: (len(premises[i]) + len(hypotheses[i]), premises[i], hypotheses[i]))
            scores[todo] = _in_chunks(
                todo,
                lambda chunk: self._engine.get().score(
                    [premises[i] for i in chunk],
                    [hypotheses[i] for i in chunk],
                    batch_size=batch_size,
                    progress=Silent(),
                ),
                lambda chunk, values: store.put_scores(key, [pairs[i] for i in chunk], map(float, values)),
                progress.task("Judging pairs", len(todo)),
                batch_size * _RUN_BATCHES,
            )
        return scores

    def close(self) -> None:
        if self._engine.made:
            self._engine.get().close()


class CachedReader:
    """A claim reader whose readings come from the store where it has them; the reader loads only for the rest."""

    def __init__(self, reader: Lazy[ClaimReader], store: Cache, key: bytes) -> None:
        self._reader = reader
        self._store = store
        self._key = key

    def read(self, texts: Sequence[str]) -> list[Assertion]:
        store, key = self._store, self._key
        if not store.enabled:
            return list(self._reader.get().read(texts))
        keys = [text_key(t) for t in texts]
        known = store.readings(key, keys)
        missing = [i for i, k in enumerate(keys) if k not in known]
        store.hits["readings"] += len(texts) - len(missing)
        store.misses["readings"] += len(missing)
        fresh: dict[int, Assertion] = {}
        for chunk in chunks(missing, _READ_CHUNK):
            readings = self._reader.get().read([texts[i] for i in chunk])
            fresh.update(zip(chunk, readings))
            store.put_readings(key, [keys[i] for i in chunk], [_encode(r) for r in readings])
        return [fresh[i] if i in fresh else _decode(Assertion, json.loads(known[k])) for i, k in enumerate(keys)]


def _encode(reading: Any) -> str:
    """A dataclass as JSON; a set as its sorted items."""
    return json.dumps(dataclasses.asdict(reading), default=sorted)


def _decode(cls: type[T], data: dict[str, Any]) -> T:
    """A dataclass from `dataclasses.asdict` output, nested dataclasses and tuples included."""
    hints = typing.get_type_hints(cls)
    return cls(**{f.name: _decode_value(hints[f.name], data[f.name]) for f in dataclasses.fields(cls)})  # type: ignore[arg-type]


def _decode_value(hint: Any, value: Any) -> Any:
    if typing.get_origin(hint) is tuple:
        items = typing.get_args(hint)
        if len(items) == 2 and items[1] is Ellipsis:
            return tuple(_decode_value(items[0], v) for v in value)
        return tuple(_decode_value(item, v) for item, v in zip(items, value, strict=True))
    if typing.get_origin(hint) is frozenset:
        return frozenset(_decode_value(typing.get_args(hint)[0], v) for v in value)
    if dataclasses.is_dataclass(hint) and isinstance(hint, type):
        return _decode(hint, value)
    return value


def _in_chunks(
    items: list[int],
    run: Callable[[list[int]], np.ndarray],
    store: Callable[[list[int], np.ndarray], None],
    task: AbstractContextManager[Advance],
    size: int,
) -> np.ndarray:
    """Run `items` a chunk at a time, storing each chunk's results as they come, so an interrupted scan keeps them."""
    parts = []
    with task as advance:
        for chunk in chunks(items, size):
            values = run(chunk)
            store(chunk, values)
            parts.append(values)
            advance(len(chunk))
    return np.concatenate(parts)
