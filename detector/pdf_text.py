"""A PDF's text layer as one text with page starts: paragraphs from pdfminer.six's layout analysis (columns read
one after the other), lines joined, words hyphenated at a line end mended."""

from __future__ import annotations

import io
import logging
import re
from dataclasses import dataclass

from .errors import InputError

DEFAULT_MAX_PDF_PAGES = 300

# pdfminer logs every oddity of a malformed file as a warning; a skipped file is reported once, by the scan.
logging.getLogger("pdfminer").setLevel(logging.ERROR)

_LIGATURES = str.maketrans({"ﬀ": "ff", "ﬁ": "fi", "ﬂ": "fl", "ﬃ": "ffi", "ﬄ": "ffl", "ﬅ": "st", "ﬆ": "st"})
# A word cut at a line end: letters, a hyphen (or a soft hyphen) at the end of the line, a lower-case letter next.
_HYPHEN_END = re.compile(r"(?<=[^\W\d_])[-\u00ad]$")
_SENTENCE_END = tuple('.!?:;"”’)')
# pdfminer writes a glyph it cannot map to a character as "(cid:13)": noise, not text.
_UNMAPPED = re.compile(r"\(cid:\d+\)")


class UnreadablePdf(InputError):
    """A PDF whose text cannot be read: encrypted, corrupt, truncated, or without a text layer."""


@dataclass(frozen=True)
class PdfText:
    """The text of a PDF's first pages; page n starts at `pages[n - 1]`."""

    text: str
    pages: tuple[int, ...]
    total_pages: int


def read_pdf(data: bytes, *, max_pages: int = DEFAULT_MAX_PDF_PAGES) -> PdfText:
    """The text layer of the first `max_pages` pages; raises UnreadablePdf with a reason a person can act on."""
    from pdfminer.high_level import extract_pages
    from pdfminer.layout import LAParams, LTTextContainer
    from pdfminer.pdfdocument import PDFDocument, PDFEncryptionError, PDFPasswordIncorrect
    from pdfminer.pdfpage import PDFPage
    from pdfminer.pdfparser import PDFParser

    if max_pages < 1:
        raise InputError(f"--max-pdf-pages must be at least 1, got {max_pages}")
    if not data.lstrip()[:5].startswith(b"%PDF"):
        raise UnreadablePdf("not a PDF (no %PDF header)")
    try:
        total = sum(1 for _ in PDFPage.create_pages(PDFDocument(PDFParser(io.BytesIO(data)))))
        paragraphs: list[tuple[int, str]] = []
        for number, page in enumerate(extract_pages(io.BytesIO(data), laparams=LAParams(), maxpages=max_pages), 1):
            for element in page:
                if isinstance(element, LTTextContainer):
                    paragraph = _join_lines(element.get_text())
                    if paragraph:
                        paragraphs.append((number, paragraph))
    except PDFPasswordIncorrect:
        raise UnreadablePdf("encrypted: it opens only with a password (save an unlocked copy to scan it)") from None
    except PDFEncryptionError as err:
        raise UnreadablePdf(f"encrypted in a way that cannot be read ({err})") from None
    except Exception as err:  # a parser of untrusted bytes: any failure means the file is broken
        raise UnreadablePdf(f"corrupt or truncated PDF ({type(err).__name__}: {err})"[:300]) from None
    if total == 0:
        raise UnreadablePdf("corrupt or truncated PDF (no pages found)")
    if not paragraphs:
        raise UnreadablePdf(
            "no text layer (a scanned PDF? run OCR first, e.g. `ocrmypdf in.pdf out.pdf`, and scan the result)"
        )
    return _assemble(paragraphs, min(total, max_pages), total)


def _join_lines(box: str) -> str:
    """One paragraph from a text box's lines: a word cut by a hyphen at a line end is joined again."""
    lines = [" ".join(_UNMAPPED.sub("", line).translate(_LIGATURES).split()) for line in box.splitlines()]
    text = ""
    for line in filter(None, lines):
        if not text:
            text = line
        elif _HYPHEN_END.search(text) and line[0].islower():
            text = text[:-1] + line
        else:
            text += " " + line
    return text


def _assemble(paragraphs: list[tuple[int, str]], read: int, total: int) -> PdfText:
    """Paragraphs one per line; a paragraph that goes on in the next column or page is joined to its start."""
    parts: list[str] = []
    length = 0
    pages = [0] * read
    seen = 0
    previous = ""
    for number, paragraph in paragraphs:
        continues = bool(previous) and not previous.endswith(_SENTENCE_END) and paragraph[0].islower()
        if continues and _HYPHEN_END.search(previous):
            parts[-1] = parts[-1][:-1]
            length -= 1
            separator = ""
        else:
            separator = " " if continues else ("\n" if parts else "")
        parts.append(separator)
        length += len(separator)
        while seen < number:
            pages[seen] = length
            seen += 1
        parts.append(paragraph)
        length += len(paragraph)
        previous = paragraph
    for index in range(seen, read):
        pages[index] = length
    return PdfText("".join(parts), tuple(pages), total)
