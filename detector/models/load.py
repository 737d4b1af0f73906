"""Loading the models models.lock names, each verified against its hashes first; within `keep_loaded()` each
is loaded once and kept for every scan."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from ..errors import ModelError
from ..progress import Progress
from ..runtime.lazy import Lazy
from .lock import ModelSpec, ready, verify

# Models loaded inside `keep_loaded()`, by loader, device and spec; None outside it.
_kept: dict[str, Lazy[Any]] | None = None


@contextmanager
def keep_loaded() -> Iterator[None]:
    """Within this block each model is loaded (and its files verified) once, then reused by every scan.

    What `detector scan --watch` runs in: a re-scan after one document changed then costs what is new, not
    the seconds of loading three models. Outside it every scan loads its models and lets them go after.
    """
    global _kept
    outer = _kept
    _kept = {} if outer is None else outer
    try:
        yield
    finally:
        _kept = outer


def _once(loader: str, spec: ModelSpec, device: str | None, load: Callable[[], Any]) -> Any:
    if _kept is None:
        return load()
    return _kept.setdefault(f"{loader} {device} {spec!r}", Lazy(load)).get()


def load_embedder(spec: ModelSpec, *, device: str | None = None) -> Any:
    """The embedder for a verified spec, on `device` ("cpu" by default, "cuda" for a GPU)."""
    return _once("embedder", spec, device, lambda: _load_embedder(spec, device))


def _load_embedder(spec: ModelSpec, device: str | None) -> Any:
    folder = verify(spec)
    if spec.runtime == "sentence-transformers":
        from ..embeddings import SentenceTransformerEmbedder

        return SentenceTransformerEmbedder(folder, device=device)
    raise ModelError(f"model {spec.name!r}: unknown embedder runtime {spec.runtime!r}")


def load_judge(spec: ModelSpec, progress: Progress | None = None, *, device: str | None = None) -> Any:
    """The pair scorer for a verified spec, on `device` ("cpu" by default, "cuda" for a GPU).

    A built judge is built first if it is not there yet.
    """
    return _once("judge", spec, device, lambda: _load_judge(spec, progress, device))


def _load_judge(spec: ModelSpec, progress: Progress | None, device: str | None) -> Any:
    folder = ready(spec, progress)
    if spec.runtime == "onnx-nli":
        from ..judges import OnnxNliScorer

        s = spec.settings
        return OnnxNliScorer(
            folder / s["onnx"],
            folder / s["tokenizer"],
            max_length=int(s["max_length"]),
            contradiction_index=int(s["contradiction_index"]),
            fixed_length=bool(s.get("fixed_length", True)),
            device=device,
        )
    if spec.runtime == "transformers-nli":
        from ..judges import TransformersNliScorer

        try:
            return TransformersNliScorer(folder, max_length=int(spec.settings.get("max_length", 512)), device=device)
        except ValueError as err:
            raise ModelError(f"model {spec.name!r}: {err}") from None
    raise ModelError(f"model {spec.name!r}: unknown judge runtime {spec.runtime!r}")


def load_parser(spec: ModelSpec) -> Any:
    """The claim reader (a spaCy pipeline) for a verified spec."""
    return _once("parser", spec, None, lambda: _load_parser(spec))


def _load_parser(spec: ModelSpec) -> Any:
    folder = verify(spec)
    if spec.runtime == "spacy":
        from ..reader.assertions import AssertionReader

        return AssertionReader(folder)
    raise ModelError(f"model {spec.name!r}: unknown parser runtime {spec.runtime!r}")
