"""What one scan runs on: its models (named in models.lock, or objects handed to `scan`) behind the cache where
there is one, and the store of whole scans, so a scan of exactly what an earlier scan read is that scan again."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any, TypeVar

from ..models.load import load_parser
from ..models.lock import ModelsLock, ModelSpec, read_lock
from ..progress import Progress
from ..reader import ClaimReader
from . import engines, keys
from .cached import CachedEngine, CachedReader
from .engines import Engine, ModelSource, RayOptions
from .lazy import Lazy
from .store import Cache

R = TypeVar("R")
Timer = Callable[[str], AbstractContextManager[None]]


class Session:
    """A scan's claim reader and engine (cached where a cache is on), and what findings.json says of its models."""

    def __init__(
        self,
        reader: ClaimReader,
        engine: Engine,
        models: dict[str, dict[str, Any]],
        store: Cache | None,
        model_keys: list[bytes | None],
    ) -> None:
        self.reader = reader
        self.engine = engine
        self.models = models
        self._store = store
        self._model_keys = model_keys

    @property
    def nli_threshold(self) -> float:
        """The judge's own threshold (models.lock), at which it alone calls a direction a contradiction."""
        return float(self.models["judge"].get("threshold", 0.5))

    def run(self, inputs: dict[str, Any], scan: Callable[[], R], kind: type[R], timed: Timer) -> R:
        """`scan()`, or the `kind` result an earlier scan of the same `inputs` (and models, and code) stored.

        A result gains the cache's warnings and hit counts, and the scan key and cache folder its outputs are
        kept under (`outputs.exports.write_outputs`).
        """
        store = self._store
        if store is None:
            return scan()
        key, stored = None, None
        if store.enabled and None not in self._model_keys:
            with timed("stored scan"):
                key = keys.scan_key(inputs | {"models": self.models, "model_keys": self._model_keys})
                stored = store.scan(key)
        if isinstance(stored, kind):
            result = stored
        else:
            result = scan()
            if key is not None:
                store.put_scan(key, result)
        kept = {"key": key, "cache_folder": store.path.parent} if key is not None else {}
        return dataclasses.replace(  # type: ignore[type-var]
            result,
            warnings=result.warnings + store.warnings,  # type: ignore[attr-defined]
            cache=store.stats(),
            **kept,
        )

    def close(self) -> None:
        self.engine.close()
        if self._store is not None:
            self._store.close()

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_session(
    engine: str,
    ray: RayOptions,
    cache_folder: Path | None,
    *,
    lock: str | os.PathLike[str] | None = None,
    models: tuple[str | Any | None, str | Any | None, str | Any | None] = (None, None, None),
    progress: Progress,
) -> Session:
    """The embedder, judge and parser in `models` (names in the models.lock at `lock`, None for its defaults, or
    model objects), run by `engine`, behind the cache in `cache_folder` (None: no cache); a model passed as an
    object is cached only if it names itself (`keys.object_key`)."""
    embedder, judge, parser = models
    locked = None if all(_is_model(m) for m in models) else read_lock(lock)
    embedder_source, embedder_info, embedder_key = _source(embedder, "embedder", locked)
    judge_source, judge_info, judge_key = _source(judge, "judge", locked)
    loaded, parser_info, parser_key = _parser(parser, locked)
    described = {"embedder": embedder_info, "judge": judge_info, "parser": parser_info}
    model_keys = [embedder_key, judge_key, parser_key]
    cacheable = embedder_key is not None or judge_key is not None or not _is_model(parser)
    store = Cache(cache_folder) if cache_folder is not None and cacheable else None
    started = Lazy(lambda: engines.start(engine, embedder_source, judge_source, ray, progress))
    if store is None or not store.enabled:
        return Session(loaded.get(), started.get(), described, store, model_keys)
    # The parser loads, and the engine starts, only if something is not in the cache.
    reader = CachedReader(loaded, store, parser_key) if parser_key is not None else loaded.get()
    cached = CachedEngine(started, store, embedder=embedder_key, judge=judge_key)
    return Session(reader, cached, described, store, model_keys)


def _is_model(value: object) -> bool:
    return value is not None and not isinstance(value, str)


def _parser(value: Any, lock: ModelsLock | None) -> tuple[Lazy[ClaimReader], dict[str, Any], bytes | None]:
    """The claim reader (loaded on first use), what findings.json says about it, and its cache key."""
    if _is_model(value):
        return Lazy(lambda: value), _given(value), keys.object_key(value)
    assert lock is not None
    spec: ModelSpec = lock.spec("parser", value)
    return Lazy(lambda: load_parser(spec)), spec.describe(), keys.model_key(spec)


def _source(value: Any, role: str, lock: ModelsLock | None) -> tuple[ModelSource, dict[str, Any], bytes | None]:
    """Where the engine gets a model (it loads it, once per process or actor), and the model's cache key."""
    if _is_model(value):
        return ModelSource(role, given=value), _given(value), keys.object_key(value)
    assert lock is not None
    spec: ModelSpec = lock.spec(role, value)
    return ModelSource(role, spec=spec), spec.describe(), keys.model_key(spec)


def _given(value: Any) -> dict[str, Any]:
    return {"name": type(value).__name__, "runtime": "python object", "source": "api"}
