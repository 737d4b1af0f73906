"""Test documents written by the tests themselves: PDFs (fpdf2) and Word files (python-docx)."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence

from fpdf import FPDF


def pdf(pages: Sequence[Sequence[str]], *, password: str | None = None) -> bytes:
    """A PDF with a text layer: each page's paragraphs written as wrapped lines in one column."""
    doc = FPDF(format="A4")
    doc.set_font("Helvetica", size=11)
    if password is not None:
        doc.set_encryption(owner_password="owner", user_password=password)
    for paragraphs in pages:
        doc.add_page()
        for paragraph in paragraphs:
            doc.multi_cell(0, 6, paragraph)
            doc.ln(4)
    return bytes(doc.output())


def two_column_pdf(left: Sequence[str], right: Sequence[str], *, interleaved: bool = True) -> bytes:
    """One page with two columns of lines. `interleaved` writes them as some layout programs do, a line of the
    left column and then the line beside it, so reading the stream in order would mix the columns."""
    doc = FPDF(format="A4")
    doc.set_font("Helvetica", size=10)
    doc.add_page()
    placed = [(20, 30 + 5 * i, line) for i, line in enumerate(left)]
    placed += [(110, 30 + 5 * i, line) for i, line in enumerate(right)]
    if interleaved:
        placed.sort(key=lambda item: (item[1], item[0]))
    for x, y, line in placed:
        doc.text(x, y, line)
    return bytes(doc.output())


def scanned_pdf(pages: int = 2) -> bytes:
    """A PDF of page images and no text layer, as a scanner writes it."""
    from PIL import Image

    picture = io.BytesIO()
    Image.new("L", (200, 280), color=230).save(picture, format="PNG")
    doc = FPDF(format="A4")
    for _ in range(pages):
        doc.add_page()
        doc.image(io.BytesIO(picture.getvalue()), x=10, y=10, w=190)
    return bytes(doc.output())


def numbered_pdf(pages: int) -> bytes:
    """`pages` pages with one sentence each, naming the page."""
    doc = FPDF(format="A4")
    doc.set_font("Helvetica", size=11)
    for number in range(1, pages + 1):
        doc.add_page()
        doc.text(20, 30, f"This sentence is written on page number {number} of the file.")
    return bytes(doc.output())


def docx(
    blocks: Sequence[tuple[str, str]], *, table: Sequence[Sequence[str]] = (), footnotes: Sequence[str] = ()
) -> bytes:
    """A Word file: (style, text) blocks ("heading", "title" or "paragraph"), then a table, then footnotes."""
    import docx as python_docx

    document = python_docx.Document()
    for style, text in blocks:
        if style == "heading":
            document.add_heading(text, level=1)
        elif style == "title":
            document.add_heading(text, level=0)
        else:
            document.add_paragraph(text)
    if table:
        grid = document.add_table(rows=len(table), cols=len(table[0]))
        for row, values in zip(grid.rows, table):
            for cell, value in zip(row.cells, values):
                cell.text = value
    saved = io.BytesIO()
    document.save(saved)
    return _with_footnotes(saved.getvalue(), footnotes) if footnotes else saved.getvalue()


_W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def _with_footnotes(data: bytes, notes: Sequence[str]) -> bytes:
    """Add a footnotes part as Word writes it (python-docx cannot write footnotes)."""
    body = "".join(
        f'<w:footnote w:id="{n}"><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:footnote>'
        for n, text in enumerate(notes, start=1)
    )
    separator = '<w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:footnote>'
    footnotes = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:footnotes {_W}>{separator}{body}</w:footnotes>'
    )
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "[Content_Types].xml":
                content = content.replace(
                    b"</Types>",
                    b'<Override PartName="/word/footnotes.xml" ContentType="application/'
                    b'vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"/></Types>',
                )
            elif item.filename == "word/_rels/document.xml.rels":
                content = content.replace(
                    b"</Relationships>",
                    b'<Relationship Id="rIdFootnotes" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                    b'relationships/footnotes" Target="footnotes.xml"/></Relationships>',
                )
            target.writestr(item, content)
        target.writestr("word/footnotes.xml", footnotes)
    return out.getvalue()
