"""Stage 1: reading files and folders into documents."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from detector.documents import decode, load_documents, visible_text
from detector.errors import InputError


def write(path: Path, content: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def test_folder_is_read_recursively_with_ids_relative_to_the_root(tmp_path: Path) -> None:
    write(tmp_path / "a.txt", "Alpha is here.")
    write(tmp_path / "sub" / "b.md", "# Title\n\nBeta is here.")
    write(tmp_path / "sub" / "deeper" / "c.html", "<p>Gamma is here.</p>")
    write(tmp_path / "notes.xlsx", "ignored,file")
    docs = load_documents([tmp_path])
    assert [d.id for d in docs] == ["a.txt", "sub/b.md", "sub/deeper/c.html"]
    assert [d.format for d in docs] == ["text", "markdown", "html"]
    assert docs[2].text == "Gamma is here."


def test_jsonl_gives_one_document_per_line_with_file_hash_id(tmp_path: Path) -> None:
    lines = [{"id": "x1", "text": "First."}, {"text": "Second, without id."}, {"id": 7, "no_text": True}]
    write(tmp_path / "docs.jsonl", "\n".join(json.dumps(r) for r in lines) + "\n\nnot json\n")
    docs = load_documents([tmp_path])
    by_id = {d.id: d for d in docs}
    assert by_id["docs.jsonl#x1"].text == "First."
    assert by_id["docs.jsonl#2"].text == "Second, without id."
    assert by_id["docs.jsonl#3"].skipped == "line 3 has no string 'text' field"
    assert "not JSON" in (by_id["docs.jsonl#5"].skipped or "")


def test_html_keeps_only_visible_text_and_keeps_inline_markup_on_one_line() -> None:
    html = """<html><head><title>T</title><style>p{}</style></head><body>
      <script>var x = "hidden";</script><nav hidden>Menu</nav>
      <p>Kratom <b>stimulates</b> <a href="#">prolactin</a> release.</p>
      <div style="display: none">Invisible.</div><!-- a comment -->
      <ul><li>One item.</li><li>Two items.</li></ul></body></html>"""
    assert visible_text(html) == "Kratom stimulates prolactin release.\nOne item.\nTwo items."


def test_binary_and_undecodable_files_in_a_folder_are_skipped_with_a_reason(tmp_path: Path) -> None:
    write(tmp_path / "good.txt", "Readable text here.")
    write(tmp_path / "image.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    docs = load_documents([tmp_path])
    skipped = {d.id: d.skipped for d in docs if d.skipped}
    assert skipped == {"image.txt": "not text (binary or undecodable)"}


def test_a_named_binary_file_is_an_error(tmp_path: Path) -> None:
    path = write(tmp_path / "blob.txt", b"\x00\x01\x02\x03" * 100)
    with pytest.raises(InputError, match="not text"):
        load_documents([path])


def test_encodings_utf16_bom_and_latin1_decode() -> None:
    assert decode("Prolactin rises.".encode("utf-16")) == "Prolactin rises."
    assert decode("\ufeffBOM text.".encode()) == "BOM text."
    assert decode("Café crème brûlée, déjà vu à la française.".encode("latin-1")) is not None
    assert decode(b"\x00\xff\x00\xfe" * 50) is None


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        (lambda p: p / "missing", "no such file or folder"),
        (lambda p: p, "no documents found"),
        (lambda p: write(p / "x.xlsx", "PK"), "unsupported file type"),
    ],
)
def test_bad_input_is_one_clear_error(tmp_path: Path, setup, message: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InputError, match=message):
        load_documents([setup(tmp_path)])


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symlinks")
def test_symlink_loops_do_not_hang(tmp_path: Path) -> None:
    write(tmp_path / "a" / "doc.txt", "A sentence that counts.")
    os.symlink(tmp_path, tmp_path / "a" / "loop")
    assert [d.id for d in load_documents([tmp_path])] == ["a/doc.txt"]


def test_files_over_the_size_limit_are_skipped_and_reported(tmp_path: Path) -> None:
    write(tmp_path / "big.txt", "word " * 1000)
    write(tmp_path / "small.txt", "Small enough.")
    docs = load_documents([tmp_path], max_file_bytes=1000)
    assert "limit" in (next(d for d in docs if d.id == "big.txt").skipped or "")


def test_several_roots_get_ids_relative_to_their_common_folder(tmp_path: Path) -> None:
    write(tmp_path / "one" / "a.txt", "First root.")
    write(tmp_path / "two" / "a.txt", "Second root.")
    docs = load_documents([tmp_path / "one", tmp_path / "two"])
    assert [d.id for d in docs] == ["one/a.txt", "two/a.txt"]
