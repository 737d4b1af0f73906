"""Stage 1: read files, folders and web pages into documents, skipping (and saying why) what cannot be read."""

from __future__ import annotations

import codecs
import csv
import io
import json
import logging
import os
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bs4 import BeautifulSoup, Comment
from charset_normalizer import from_bytes

from .docx_text import read_docx
from .errors import InputError
from .fetch import Fetcher, is_url, url_list
from .pdf_text import DEFAULT_MAX_PDF_PAGES, read_pdf
from .records import Document

FORMATS = {
    ".txt": "text",
    ".md": "markdown",
    ".markdown": "markdown",
    ".html": "html",
    ".htm": "html",
    ".jsonl": "jsonl",
    ".pdf": "pdf",
    ".docx": "docx",
    ".csv": "csv",
    ".tsv": "tsv",
}
# The formats read before PDFs, DOCX and tables came: a named file of these that is not text stops the scan.
_TEXT_FORMATS = frozenset(["text", "markdown", "html", "jsonl"])
DEFAULT_MAX_FILE_BYTES = 10_000_000
TOO_LARGE = "larger than the"
HTML_TEXT = ("main", "all")

# trafilatura logs (as errors) pages it finds no main text in; the scan reads all their visible text instead.
logging.getLogger("trafilatura").setLevel(logging.CRITICAL)


@dataclass(frozen=True)
class ReadOptions:
    """How documents are read, beyond the file size cap."""

    # "main": a web page's main text (trafilatura), title kept; "all": all its visible text, menus included.
    html_text: str = "main"
    # A PDF's pages past this are not read (a warning says so).
    max_pdf_pages: int = DEFAULT_MAX_PDF_PAGES
    # The CSV/TSV columns holding each row's text (default: a column named "text") and its id (default: the row).
    text_column: str | None = None
    id_column: str | None = None


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
    options: ReadOptions = ReadOptions(),
    fetcher: Fetcher | None = None,
) -> list[Document]:
    """Read every supported file under `paths`, and every web page named (a URL, or a .txt file listing URLs);
    ids are paths relative to the scan root, and URLs.

    Folders in `exclude` (the scan's own output folder: its report.md and report.html would read as documents)
    are not entered while walking a folder. Files and pages that cannot be read are returned with `skipped` set,
    so they can be reported.
    """
    if not paths:
        raise InputError("no input given: name at least one file or folder to scan")
    if options.html_text not in HTML_TEXT:
        raise InputError(f"--html-text must be one of {', '.join(HTML_TEXT)}, got {options.html_text!r}")
    urls = [str(p) for p in paths if is_url(p)]
    roots = [Path(p) for p in paths if not is_url(p)]
    for root in roots:
        if not root.exists():
            raise InputError(f"{root}: no such file or folder")
    base = _scan_root(roots)
    skip = {Path(p).resolve() for p in exclude}
    documents: list[Document] = []
    for root in roots:
        if root.is_dir():
            for path in _walk(root, skip):
                documents.extend(_read(path, base, max_file_bytes, options))
        else:
            if root.suffix.lower() not in FORMATS:
                raise InputError(
                    f"{root}: unsupported file type {root.suffix or '(none)'!r}; "
                    f"supported: {', '.join(sorted(FORMATS))}"
                )
            listed = _listed_urls(root, max_file_bytes)
            if listed is not None:
                urls += listed
                continue
            read = _read(root, base, max_file_bytes, options)
            if len(read) == 1 and read[0].skipped and read[0].format in _TEXT_FORMATS:
                raise InputError(f"{root}: {read[0].skipped}")
            documents.extend(read)
    if urls:
        fetcher = fetcher or Fetcher(max_bytes=max_file_bytes)
        for url in dict.fromkeys(urls):
            documents.extend(_fetched(url, fetcher, options))
    unique = {d.id: d for d in documents}
    if not unique:
        raise InputError(
            f"no documents found in {', '.join(map(str, roots))}: expected files ending in {', '.join(sorted(FORMATS))}"
        )
    return sorted(unique.values(), key=lambda d: d.id)


def _scan_root(roots: list[Path]) -> Path:
    if not roots:
        return Path.cwd()
    folders = [r.resolve() if r.is_dir() else r.resolve().parent for r in roots]
    return Path(os.path.commonpath(folders))


def _listed_urls(path: Path, max_file_bytes: int) -> list[str] | None:
    """The URLs in a named .txt file that holds nothing else, one a line; None for any other file."""
    if path.suffix.lower() != ".txt":
        return None
    try:
        if path.stat().st_size > max_file_bytes:
            return None
        text = decode(path.read_bytes())
    except OSError:
        return None
    return url_list(text) if text is not None else None


def _fetched(url: str, fetcher: Fetcher, options: ReadOptions) -> list[Document]:
    page = fetcher.fetch(url)
    if page.skipped:
        return [Document(id=url, path=url, text="", format=page.format or "url", skipped=page.skipped)]
    return _parse(page.body, page.format, url, page.final_url, options)


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


def _read(path: Path, base: Path, max_file_bytes: int, options: ReadOptions) -> list[Document]:
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
    return _parse(data, fmt, doc_id, str(path), options)


def _parse(data: bytes, fmt: str, doc_id: str, path: str, options: ReadOptions) -> list[Document]:
    """The documents in one file's (or page's) bytes."""
    if fmt == "pdf":
        try:
            pdf = read_pdf(data, max_pages=options.max_pdf_pages)
        except InputError as err:
            return [_skipped(doc_id, path, fmt, str(err))]
        cut = None
        if pdf.total_pages > len(pdf.pages):
            cut = (
                f"only its first {len(pdf.pages):,} of {pdf.total_pages:,} pages are read "
                "(raise the limit with --max-pdf-pages)"
            )
        return [Document(id=doc_id, path=path, text=pdf.text, format=fmt, pages=pdf.pages, cut=cut)]
    if fmt == "docx":
        try:
            body, headings = _joined(read_docx(data))
        except InputError as err:
            return [_skipped(doc_id, path, fmt, str(err))]
        return [Document(id=doc_id, path=path, text=body, format=fmt, headings=headings)]
    text = decode(data)
    if text is None:
        return [_skipped(doc_id, path, fmt, "not text (binary or undecodable)")]
    if fmt == "html":
        main = main_text(text) if options.html_text == "main" else None
        if main:
            main_body, headings = _joined(main)
            return [Document(id=doc_id, path=path, text=main_body, format=fmt, headings=headings)]
        text = visible_text(text)
    if fmt == "jsonl":
        return list(_jsonl_documents(text, doc_id, path))
    if fmt in ("csv", "tsv"):
        return list(_table_documents(text, doc_id, path, fmt, options))
    return [Document(id=doc_id, path=path, text=text, format=fmt)]


def _skipped(doc_id: str, path: str | Path, fmt: str, reason: str) -> Document:
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


def _joined(lines: list[tuple[str, bool]]) -> tuple[str, tuple[int, ...]]:
    """One text of the non-empty lines, and where the heading lines start."""
    kept = [(line, heading) for line, heading in lines if line]
    starts = [0]
    for line, _ in kept:
        starts.append(starts[-1] + len(line) + 1)
    return "\n".join(line for line, _ in kept), tuple(s for s, (_, h) in zip(starts, kept) if h)


def main_text(html: str) -> list[tuple[str, bool]] | None:
    """A web page's title and main text (trafilatura: menus, footers, share bars and teasers left out) as
    (line, is a heading) pairs, a line a block; None where it finds no main text."""
    import trafilatura
    from lxml import etree

    try:
        xml = trafilatura.extract(
            html,
            output_format="xml",
            with_metadata=True,
            include_comments=False,
            include_tables=True,
            include_images=False,
            include_links=False,
        )
        root = etree.fromstring(xml.encode("utf-8")) if xml else None
    except Exception:  # a page trafilatura cannot take apart is read whole instead
        return None
    if root is None or root.find("main") is None:
        return None
    main = root.find("main")
    lines: list[tuple[str, bool]] = []
    _main_lines(main, lines)
    title = " ".join((root.get("title") or "").split())
    if title and (not lines or lines[0][0] != title):
        lines.insert(0, (title, True))
    return lines if any(line for line, _ in lines) else None


# Elements of trafilatura's XML that hold blocks of text; the others (<hi>, <ref>, <lb>) are inline, and so is a
# <code> of one line (a name in a sentence, not a listing).
_MAIN_BLOCKS = frozenset(["head", "p", "list", "item", "table", "row", "cell", "quote", "div"])


def _is_block(element: Any) -> bool:
    if not isinstance(element.tag, str):
        return False
    return element.tag in _MAIN_BLOCKS or (element.tag == "code" and "\n" in "".join(element.itertext()).strip())


def _inner_text(element: Any) -> str:
    """The text inside `element`, a line break (<lb/>) read as a space."""
    parts = [" " if element.tag == "lb" else element.text or ""]
    for child in element:
        parts += [_inner_text(child) if isinstance(child.tag, str) else "", child.tail or ""]
    return "".join(parts)


def _main_lines(element: Any, lines: list[tuple[str, bool]]) -> None:
    """(line, is a heading) for each block under `element`; text around nested blocks is a line of its own
    (an <item> holding a <head>, a <p> and "Learn more" gives three lines)."""
    pending: list[str] = [element.text or ""]

    def flush(heading: bool = False) -> None:
        line = " ".join("".join(pending).split())
        if line:
            lines.append((line, heading))
        pending.clear()

    for child in element:
        if not isinstance(child.tag, str):
            pending.append(child.tail or "")
        elif not _is_block(child):
            pending += [_inner_text(child), child.tail or ""]
        elif any(_is_block(c) for c in child):
            flush()
            _main_lines(child, lines)
            pending.append(child.tail or "")
        else:
            flush()
            pending.append(_inner_text(child))
            flush(heading=child.tag == "head")
            pending.append(child.tail or "")
    flush()


def _table_documents(text: str, doc_id: str, path: str, fmt: str, options: ReadOptions) -> Iterable[Document]:
    """One document per row of a CSV/TSV table: the text column's cell, with the id column's value as its id."""
    rows = csv.reader(io.StringIO(text, newline=""), delimiter="\t" if fmt == "tsv" else ",")
    try:
        header = [name.strip() for name in next(rows, [])]
        body = list(rows)
    except csv.Error as err:
        yield _skipped(doc_id, path, fmt, f"not a readable {fmt.upper()} table ({err})")
        return
    wanted = options.text_column or "text"
    if wanted not in header:
        found = ", ".join(repr(name) for name in header[:12]) or "none"
        hint = "" if options.text_column else "; name the one holding the text with --text-column"
        yield _skipped(doc_id, path, fmt, f"no column {wanted!r} (columns: {found}){hint}")
        return
    if options.id_column is not None and options.id_column not in header:
        yield _skipped(doc_id, path, fmt, f"no id column {options.id_column!r} (see --id-column)")
        return
    column = header.index(wanted)
    id_column = header.index(options.id_column) if options.id_column is not None else None
    # Rows are numbered as a spreadsheet shows them: the header is row 1.
    for number, row in enumerate(body, start=2):
        if not any(cell.strip() for cell in row):
            continue
        sub_id = f"{doc_id}#{number}"
        if id_column is not None and id_column < len(row) and row[id_column].strip():
            sub_id = f"{doc_id}#{row[id_column].strip()}"
        cell = row[column] if column < len(row) else ""
        if not cell.strip():
            yield _skipped(sub_id, path, fmt, f"row {number} has no text in column {wanted!r}")
            continue
        yield Document(id=sub_id, path=path, text=cell, format=fmt)


def _jsonl_documents(text: str, doc_id: str, path: str) -> Iterable[Document]:
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
