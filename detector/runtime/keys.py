"""Keys of the cache: what decides a model's outputs (`model_key`), everything a scan reads (`scan_key`), a text's
digest (`text_key`), and the cache folder itself."""

from __future__ import annotations

import dataclasses
import hashlib
import importlib.metadata
import importlib.util
import json
import os
from pathlib import Path
from typing import Any

from ..models.lock import ModelSpec

CACHE_ENV = "DETECTOR_CACHE_DIR"
# The code and libraries that turn a model's files into outputs, by role: a change to any of them (a new
# detector or library version) gives the model a new key.
_CODE = {
    "embedder": ("detector.embeddings", ("sentence-transformers", "transformers", "torch")),
    "judge": ("detector.judges", ("onnxruntime", "transformers", "tokenizers", "torch")),
    "parser": ("detector.reader.assertions", ("spacy", "quantulum3", "pint", "snowballstemmer")),
}
# Settings that do not change what a model outputs for a text.
_DESCRIPTIVE = frozenset({"threshold", "licence", "upstream"})


def default_folder() -> Path:
    """$DETECTOR_CACHE_DIR, else the user's cache folder (~/.cache/detector on Linux)."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV]).expanduser()
    import platformdirs

    return Path(platformdirs.user_cache_dir("detector"))


def model_key(spec: ModelSpec) -> bytes:
    """A digest of everything that decides a model's outputs: its runtime, settings and file hashes from
    models.lock, the source of the detector module that runs it and the versions of the libraries it uses."""
    settings = {k: v for k, v in spec.settings.items() if k not in _DESCRIPTIVE}
    module, libraries = _CODE[spec.role]
    found = importlib.util.find_spec(module)
    source = Path(found.origin).read_bytes() if found is not None and found.origin else b""
    if spec.role == "parser" and found is not None and found.origin:
        # The claim reader is a package: every module of it (predications.py …) and its lexicons, patterns and
        # word lists, which are data beside its code.
        folder = Path(found.origin).parent
        source = b"".join(f.read_bytes() for f in sorted(folder.glob("*.py")) + sorted((folder / "data").glob("*")))
    described = {
        "runtime": spec.runtime,
        "settings": settings,
        "files": spec.files,
        "code": hashlib.sha256(source).hexdigest(),
        "libraries": {name: _version(name) for name in libraries},
    }
    return hashlib.sha256(json.dumps(described, sort_keys=True, default=str).encode("utf-8")).digest()


# Libraries that shape a scan's results or outputs beyond the models' own (which `model_key` covers).
_SCAN_LIBRARIES = (
    "beautifulsoup4",
    "charset-normalizer",
    "markdown-it-py",
    "pysbd",
    "numpy",
    "scikit-learn",
    "scipy",
    "usearch",
    "networkx",
    "jinja2",
    "matplotlib",
)


def scan_key(inputs: dict[str, Any]) -> bytes:
    """A digest of everything a scan reads — `inputs` (documents, settings, model keys, calibration), all of
    detector's own files and the versions of the libraries it uses — so a stored scan is reused only when
    running it again could not give anything else."""
    described = {
        "inputs": inputs,
        "code": _package_digest(),
        "libraries": {name: _version(name) for name in _SCAN_LIBRARIES},
    }
    return hashlib.sha256(json.dumps(described, sort_keys=True, default=_plain).encode("utf-8")).digest()


def _package_digest() -> str:
    """sha256 over every file of the detector package (code, calibration, report templates)."""
    package = Path(__file__).resolve().parent.parent
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(path.relative_to(package).as_posix().encode("utf-8") + b"\0")
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def _plain(value: Any) -> Any:
    """JSON for the values `json` does not know: dataclasses, bytes and paths."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    raise TypeError(f"{type(value).__name__} is not part of a scan key")


def _version(package: str) -> str:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return ""


def object_key(model: object) -> bytes | None:
    """The key of a model passed as a Python object: its `cache_key` string, if it has one.

    An object has no pinned files to prove what it computes, so it is cached only when it names itself, and
    promises that one name always gives the same outputs.
    """
    name = getattr(model, "cache_key", None)
    if not isinstance(name, str) or not name:
        return None
    return hashlib.sha256(f"object:{type(model).__qualname__}:{name}".encode()).digest()


def text_key(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest()
