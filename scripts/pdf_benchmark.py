"""PDF text layers: pages per second of pypdf, pdfminer.six and detector's reader (pdfminer.six with pages and
paragraphs), on the PDFs named and on two generated 100-page two-column PDFs (one written column after column,
one line by line across both columns), median of three runs; and the first lines each library reads from the
interleaved one, to see whether the columns stay apart.

    python scripts/pdf_benchmark.py /usr/share/doc/libtasn1-doc/libtasn1.pdf      # pypdf: pip install pypdf
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

from detector.pdf_text import read_pdf

PARAGRAPH = (
    "Kratom stimulates prolactin release in healthy adults according to a small trial. The researchers measured "
    "hormone levels every morning for twelve weeks in total. Participants reported improved mood and steadier "
    "sleep during the second month of dosing. "
)


def two_column_pdf(path: Path, pages: int, interleaved: bool) -> Path:
    from fpdf import FPDF

    doc = FPDF(format="A4")
    doc.set_font("Helvetica", size=10)
    for page in range(1, pages + 1):
        doc.add_page()
        columns = [textwrap.wrap(f"Page {page} {side}. " + PARAGRAPH * 4, 45) for side in ("left", "right")]
        placed = [(20 + 90 * c, 30 + 5 * i, line) for c, lines in enumerate(columns) for i, line in enumerate(lines)]
        if interleaved:
            placed.sort(key=lambda item: (item[1], item[0]))
        for x, y, line in placed:
            doc.text(x, y, line)
    doc.output(str(path))
    return path


def pypdf_pages(path: Path) -> list[str]:
    from pypdf import PdfReader

    return [page.extract_text() or "" for page in PdfReader(path).pages]


def pdfminer_pages(path: Path) -> list[str]:
    from pdfminer.high_level import extract_pages
    from pdfminer.layout import LAParams, LTTextContainer

    return [
        "".join(e.get_text() for e in page if isinstance(e, LTTextContainer))
        for page in extract_pages(path, laparams=LAParams())
    ]


def detector_pages(path: Path) -> list[str]:
    pdf = read_pdf(path.read_bytes(), max_pages=10_000)
    ends = [*pdf.pages[1:], len(pdf.text)]
    return [pdf.text[start:end] for start, end in zip(pdf.pages, ends)]


def rate(read: Callable[[Path], list[str]], path: Path) -> float:
    rates = []
    for _ in range(3):
        began = time.perf_counter()
        pages = len(read(path))
        rates.append(pages / (time.perf_counter() - began))
    return statistics.median(rates)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("pdfs", nargs="*", type=Path)
    args = parser.parse_args()
    readers: dict[str, Callable[[Path], list[str]]] = {"pdfminer.six": pdfminer_pages, "detector": detector_pages}
    try:
        import pypdf  # noqa: F401

        readers = {"pypdf": pypdf_pages} | readers
    except ImportError:
        print("pypdf is not installed: pip install pypdf to compare it", file=sys.stderr)
    with tempfile.TemporaryDirectory() as folder:
        generated = [
            two_column_pdf(Path(folder) / "two-columns.pdf", 100, interleaved=False),
            two_column_pdf(Path(folder) / "two-columns-interleaved.pdf", 100, interleaved=True),
        ]
        for path in [*args.pdfs, *generated]:
            figures = " · ".join(f"{name} {rate(read, path):.1f}" for name, read in readers.items())
            print(f"{path.name}: pages/s {figures}")
        for name, read in readers.items():
            print(f"\n{name}, interleaved columns, first lines:")
            print(textwrap.indent("\n".join(read(generated[1])[0].splitlines()[:3]), "  "))


if __name__ == "__main__":
    main()
