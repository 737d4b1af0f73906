"""A Word (.docx) file's text with python-docx: paragraphs and table cells in document order, headings marked,
footnotes at the end."""

from __future__ import annotations

import io
import zipfile

from .errors import InputError

_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


class UnreadableDocx(InputError):
    """A .docx whose text cannot be read: encrypted, corrupt or truncated."""


def read_docx(data: bytes) -> list[tuple[str, bool]]:
    """(text, is a heading) for each paragraph, table cell and footnote; raises UnreadableDocx with the reason."""
    import docx
    from docx.table import Table

    if data.startswith(_OLE):
        # Word saves a password-protected document as an OLE container, whatever its extension says.
        raise UnreadableDocx("encrypted (password-protected) or an old binary .doc: save an unprotected .docx copy")
    try:
        document = docx.Document(io.BytesIO(data))
        lines: list[tuple[str, bool]] = []
        for item in document.iter_inner_content():
            if isinstance(item, Table):
                lines += [(text, False) for text in _cells(item)]
            else:
                style = item.style.name if item.style is not None else ""
                lines.append((_flat(item.text), style.startswith(("Heading", "Title"))))
        footnotes = _footnotes(document)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as err:
        raise UnreadableDocx(f"corrupt or truncated .docx ({type(err).__name__}: {err})"[:300]) from None
    except Exception as err:  # python-docx on untrusted bytes: any other failure is a broken file too
        raise UnreadableDocx(f"corrupt .docx ({type(err).__name__}: {err})"[:300]) from None
    if footnotes:
        lines += [("Footnotes", True)] + [(note, False) for note in footnotes]
    return lines


def _flat(text: str) -> str:
    return " ".join(text.split())


def _cells(table: object) -> list[str]:
    """Each cell's text once (a merged cell is returned for every grid position it spans), nested tables too."""
    texts: list[str] = []
    seen: list[object] = []  # the cell elements themselves: lxml reuses the id() of a proxy it let go
    for row in table.rows:  # type: ignore[attr-defined]
        for cell in row.cells:
            if any(cell._tc is other for other in seen):
                continue
            seen.append(cell._tc)
            texts += [_flat(p.text) for p in cell.paragraphs]
            for inner in cell.tables:
                texts += _cells(inner)
    return texts


def _footnotes(document: object) -> list[str]:
    """Footnote texts from the package's footnotes part (python-docx reads the package, not the notes)."""
    for part in document.part.package.iter_parts():  # type: ignore[attr-defined]
        if str(part.partname) == "/word/footnotes.xml":
            from lxml import etree

            root = etree.fromstring(part.blob)
            notes = []
            for note in root.iter(f"{_W}footnote"):
                # Types "separator" and "continuationSeparator" are the rule above the notes, not notes.
                if note.get(f"{_W}type") not in (None, "normal"):
                    continue
                text = _flat("".join(t.text or "" for t in note.iter(f"{_W}t")))
                if text:
                    notes.append(text)
            return notes
    return []
