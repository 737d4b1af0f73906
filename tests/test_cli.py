"""The CLI: bad input gets one clear line and a non-zero exit code, never a traceback."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner

from detector.cli import app

runner = CliRunner()


def run(*args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, list(args))


def assert_one_clear_line(result, code: int, fragment: str) -> None:  # type: ignore[no-untyped-def]
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:") and fragment in lines[0], result.stderr


def test_missing_path(tmp_path: Path) -> None:
    assert_one_clear_line(
        run("scan", str(tmp_path / "nope"), "--out", str(tmp_path / "o")), 2, "no such file or folder"
    )


def test_empty_folder(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    assert_one_clear_line(run("scan", str(tmp_path / "empty"), "--out", str(tmp_path / "o")), 2, "no documents found")


def test_named_file_that_is_not_text(tmp_path: Path) -> None:
    blob = tmp_path / "blob.txt"
    blob.write_bytes(bytes(range(256)) * 8)
    assert_one_clear_line(run("scan", str(blob), "--out", str(tmp_path / "o")), 2, "not text")


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write anywhere; the file-in-the-way case below covers it")
def test_unwritable_out_folder(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(stat.S_IRUSR | stat.S_IXUSR)
    (tmp_path / "d.txt").write_text("A claim that is here.", encoding="utf-8")
    assert_one_clear_line(run("scan", str(tmp_path / "d.txt"), "--out", str(locked / "o")), 4, "cannot write")


def test_out_path_that_is_a_file(tmp_path: Path) -> None:
    (tmp_path / "d.txt").write_text("A claim that is here.", encoding="utf-8")
    (tmp_path / "taken").write_text("a file", encoding="utf-8")
    assert_one_clear_line(run("scan", str(tmp_path / "d.txt"), "--out", str(tmp_path / "taken")), 4, "cannot write")


def test_unknown_format(tmp_path: Path) -> None:
    (tmp_path / "d.txt").write_text("A claim that is here.", encoding="utf-8")
    assert_one_clear_line(
        run("scan", str(tmp_path), "--format", "pdf", "--out", str(tmp_path / "o")), 2, "unknown --format"
    )


def test_missing_or_broken_models_lock(tmp_path: Path) -> None:
    (tmp_path / "d.txt").write_text("A claim that is here.", encoding="utf-8")
    result = run("scan", str(tmp_path), "--models-lock", str(tmp_path / "none.lock"), "--out", str(tmp_path / "o"))
    assert_one_clear_line(result, 3, "not found")
    (tmp_path / "bad.lock").write_text("schema = 'other'\n", encoding="utf-8")
    assert_one_clear_line(run("models", "--models-lock", str(tmp_path / "bad.lock")), 3, "expected schema")


def test_eval_rejects_a_malformed_pair_file(tmp_path: Path) -> None:
    pairs = tmp_path / "pairs.jsonl"
    pairs.write_text('{"premise": "a", "hypothesis": "b"}\n', encoding="utf-8")
    assert_one_clear_line(run("eval", str(pairs)), 2, "pairs.jsonl:1")
    assert_one_clear_line(run("eval", str(tmp_path / "missing.jsonl")), 2, "no such pair file")


def test_help_lists_the_commands() -> None:
    result = run("--help")
    assert result.exit_code == 0
    for command in ("scan", "eval", "models"):
        assert command in result.output


def test_paths_that_look_like_markup_are_printed_whole(tmp_path: Path) -> None:
    lock = tmp_path / "nope[/x]" / "[old]" / "models.lock"
    result = run("eval", str(tmp_path / "p.jsonl"), "--models-lock", str(lock))
    assert_one_clear_line(result, 2, "p.jsonl")
    (tmp_path / "p.jsonl").write_text('{"premise": "a", "hypothesis": "b", "label": "neutral"}\n', encoding="utf-8")
    result = run("eval", str(tmp_path / "p.jsonl"), "--models-lock", str(lock))
    assert_one_clear_line(result, 3, "nope[/x]/[old]/models.lock")
