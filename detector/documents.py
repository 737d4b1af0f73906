"""Stage 1: read files and folders into documents, skipping what is not text."""

from __future__ import annotations

import codecs
import json
import os
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from bs4 import BeautifulSoup, Comment
from charset_normalizer import from_bytes

from .errors import InputError
from .records import Document

FORMATS = {
    ".txt": "text",
    ".md": "markdown",
    ".markdown": "markdown",
    ".html": "html",
    ".htm": "html",
    ".jsonl": "jsonl",
}
DEFAULT_MAX_FILE_BYTES = 10_000_000
TOO_LARGE = "larger than the"

# Tags whose text a browser never shows.
_INVISIBLE = ("script", "style", "noscript", "template", "head", "svg", "iframe", "object")
# Tags that start a new line of visible text; inline tags (a, b, em, span) do not.
_BLOCKS = frozenset(
    [
        "address",
        "article",
        "aside",
        "blockquote",
        "br",
        "dd",
        "div",
        "dl",
        "dt",
        "figcaption",
        "figure",
        "footer",
        "form",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hr",
        "li",
        "main",
        "nav",
        "ol",
        "p",
        "pre",
        "section",
        "table",
        "td",
        "th",
        "tr",
        "ul",
        "title",
        "caption",
        "summary",
        "details",
    ]
)


def load_documents(
    paths: Sequence[str | os.PathLike[str]],
    *,
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES,
    exclude: Sequence[str | os.PathLike[str]] = (),
) -> list[Document]:
    """Read every supported file under `paths`; ids are paths relative to the scan root.

    Folders in `exclude` (the scan's own output folder: its report.md and report.html would read as documents)
    are not entered while walking a folder. Files that cannot be decoded are returned with `skipped` set, so
    they can be reported.
    """
    if not paths:
        raise InputError("no input given: name at least one file or folder to scan")
    roots = [Path(p) for p in paths]
    for root in roots:
        if not root.exists():
            raise InputError(f"{root}: no such file or folder")
    base = _scan_root(roots)
    skip = {Path(p).resolve() for p in exclude}
    documents: list[Document] = []
    for root in roots:
        if root.is_dir():
            for path in _walk(root, skip):
                documents.extend(_read(path, base, max_file_bytes))
        else:
            if root.suffix.lower() not in FORMATS:
                raise InputError(
                    f"{root}: unsupported file type {root.suffix or '(none)'!r}; "
                    f"supported: {', '.join(sorted(FORMATS))}"
                )
            read = _read(root, base, max_file_bytes)
            if len(read) == 1 and read[0].skipped:
                raise InputError(f"{root}: {read[0].skipped}")
            documents.extend(read)
    unique = {d.id: d for d in documents}
    if not unique:
        raise InputError(
            f"no documents found in {', '.join(map(str, roots))}: expected files ending in {', '.join(sorted(FORMATS))}"
        )
    return sorted(unique.values(), key=lambda d: d.id)


def _scan_root(roots: list[Path]) -> Path:
    folders = [r.resolve() if r.is_dir() else r.resolve().parent for r in roots]
    return Path(os.path.commonpath(folders))


def is_document_name(name: str) -> bool:
    """Whether a file of this name is read when its folder is scanned: a supported type, not hidden."""
    return not name.startswith(".") and Path(name).suffix.lower() in FORMATS


def _walk(root: Path, skip: set[Path]) -> Iterator[Path]:
    # followlinks=False: a symlinked folder is never entered, so a link loop cannot hang the walk.
    for folder, dirs, files in os.walk(root, followlinks=False):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and (Path(folder) / d).resolve() not in skip)
        for name in sorted(files):
            path = Path(folder) / name
            if is_document_name(name):
                yield path


def _read(path: Path, base: Path, max_file_bytes: int) -> list[Document]:
    doc_id = path.resolve().relative_to(base).as_posix() if path.resolve().is_relative_to(base) else path.name
    fmt = FORMATS[path.suffix.lower()]
    try:
        size = path.stat().st_size
        if size > max_file_bytes:
            limit = f"{TOO_LARGE} {max_file_bytes:,}-byte limit ({size:,} bytes; raise it with --max-file-mb)"
            return [_skipped(doc_id, path, fmt, limit)]
        data = path.read_bytes()
    except OSError as err:
        return [_skipped(doc_id, path, fmt, f"cannot be read ({err.strerror or err})")]
    text = decode(data)
    if text is None:
        return [_skipped(doc_id, path, fmt, "not text (binary or undecodable)")]
    if fmt == "html":
        text = visible_text(text)
    if fmt == "jsonl":
        return list(_jsonl_documents(text, doc_id, path))
    return [Document(id=doc_id, path=str(path), text=text, format=fmt)]


def _skipped(doc_id: str, path: Path, fmt: str, reason: str) -> Document:
    return Document(id=doc_id, path=str(path), text="", format=fmt, skipped=reason)


def decode(data: bytes) -> str | None:
    """Bytes to text: UTF-8 (with or without BOM), UTF-16/32 with BOM, else a detected charset; None for binary."""
    text = _decode(data)
    if text is None:
        return None
    # Binary data can decode as valid UTF-8 (bytes below 0x80 are ASCII), so judge by the characters too.
    controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\t\n\r\f")
    return None if controls * 100 > len(text) else text


def _decode(data: bytes) -> str | None:
    for bom, encoding in (
        (codecs.BOM_UTF32_LE, "utf-32"),
        (codecs.BOM_UTF32_BE, "utf-32"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError:
                return None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    if b"\x00" in data:
        return None
    best = from_bytes(data).best()
    return None if best is None else str(best)


def visible_text(html: str) -> str:
    """The text a browser shows for `html`, one line per block element."""
    soup = BeautifulSoup(html, "html.parser")
    for tag in soup(_INVISIBLE):
        tag.decompose()
    hidden = [
        tag
        for tag in soup.find_all(True)
        if tag.has_attr("hidden")
        or tag.get("aria-hidden") == "true"
        or "display:none" in str(tag.get("style", "")).replace(" ", "").lower()
    ]
    for tag in hidden:
        tag.decompose()
    lines: list[str] = []
    current: list[str] = []

    def flush() -> None:
        line = " ".join("".join(current).split())
        if line:
            lines.append(line)
        current.clear()

    def visit(node: object) -> None:
        for child in getattr(node, "children", ()):
            if isinstance(child, Comment):
                continue
            if isinstance(child, str):
                current.append(str(child))
                continue
            block = child.name in _BLOCKS
            if block:
                flush()
            visit(child)
            if block:
                flush()

    visit(soup)
    flush()
    return "\n".join(lines)


def _jsonl_documents(text: str, doc_id: str, path: Path) -> Iterable[Document]:
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        sub_id = f"{doc_id}#{number}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as err:
            yield _skipped(sub_id, path, "jsonl", f"line {number} is not JSON ({err.msg})")
            continue
        if not isinstance(record, dict) or not isinstance(record.get("text"), str):
            yield _skipped(sub_id, path, "jsonl", f"line {number} has no string 'text' field")
            continue
        if record.get("id") not in (None, ""):
            sub_id = f"{doc_id}#{record['id']}"
        yield Document(id=sub_id, path=str(path), text=record["text"], format="jsonl")
