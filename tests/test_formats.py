"""Stage 1 for real collections: PDFs, Word files, web pages' main text and spreadsheets of claims, and the
broken, locked and oversized files among them."""

from __future__ import annotations

import csv
import io
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from detector.claims import extract_claims
from detector.documents import ReadOptions, load_documents, main_text
from detector.pdf_text import _assemble, _join_lines

from . import makers

KRATOM = "Kratom stimulates prolactin release in healthy adults, a small trial found."
DOSE = "The usual dose of kratom powder is between one and three grams a day for most users."
SLEEP = "Participants slept longer during the weeks in which they took the extract every evening."


def write(path: Path, data: bytes | str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
    return path


def read_one(path: Path, **options: object) -> object:
    [doc] = load_documents([path], options=ReadOptions(**options))  # type: ignore[arg-type]
    return doc


# PDF


def test_a_pdf_claim_knows_its_page_and_its_offsets_in_the_extracted_text(tmp_path: Path) -> None:
    path = write(tmp_path / "paper.pdf", makers.pdf([[KRATOM], [DOSE, SLEEP]]))
    doc = read_one(path)
    claims = extract_claims([doc]).claims  # type: ignore[list-item]
    assert [(c.text, c.page) for c in claims] == [(KRATOM, 1), (DOSE, 2), (SLEEP, 2)]
    for claim in claims:
        assert doc.text[claim.start : claim.end] == claim.text  # type: ignore[attr-defined]
    assert doc.format == "pdf" and len(doc.pages) == 2 and doc.cut is None  # type: ignore[attr-defined]


def test_lines_of_a_pdf_paragraph_are_joined_into_sentences_and_hyphenated_words_mended(tmp_path: Path) -> None:
    # A long paragraph wraps over several lines; one word is cut by a hyphen at a line end.
    left = ["Kratom stimulates prolactin re-", "lease in healthy adults, a small", "trial found last year."]
    right = ["Higher doses were associated", "with nausea among older partici-", "pants in the second month."]
    doc = read_one(write(tmp_path / "columns.pdf", makers.two_column_pdf(left, right)))
    texts = [c.text for c in extract_claims([doc]).claims]  # type: ignore[list-item]
    assert texts == [
        "Kratom stimulates prolactin release in healthy adults, a small trial found last year.",
        "Higher doses were associated with nausea among older participants in the second month.",
    ]


def test_a_paragraph_going_on_in_the_next_column_is_one_paragraph() -> None:
    pdf = _assemble([(1, "Kratom stimulates prolactin"), (1, "release in adults."), (2, "A new page starts.")], 2, 2)
    assert pdf.text == "Kratom stimulates prolactin release in adults.\nA new page starts."
    assert pdf.pages == (0, pdf.text.index("A new"))
    assert _join_lines("well-\nknown effects\nof the ex-\ntract") == "wellknown effects of the extract"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(st.integers(1, 4), st.text(st.sampled_from("abc XYZ.-\u00ad"), min_size=1, max_size=30)),
        max_size=12,
    )
)
def test_pdf_page_starts_are_ordered_and_every_word_is_kept(boxes: list[tuple[int, str]]) -> None:
    paragraphs = sorted(((page, _join_lines(text)) for page, text in boxes), key=lambda item: item[0])
    paragraphs = [(page, text) for page, text in paragraphs if text]
    pdf = _assemble(paragraphs, 4, 4)
    assert list(pdf.pages) == sorted(pdf.pages) and len(pdf.pages) == 4
    assert all(0 <= start <= len(pdf.text) for start in pdf.pages)
    letters = "".join(ch for _, text in paragraphs for ch in text if ch.isalpha())
    assert "".join(ch for ch in pdf.text if ch.isalpha()) == letters


def test_a_500_page_pdf_is_cut_at_the_default_300_pages_with_a_warning(tmp_path: Path) -> None:
    path = write(tmp_path / "book.pdf", makers.numbered_pdf(500))
    doc = read_one(path)
    assert len(doc.pages) == 300  # type: ignore[attr-defined]
    assert doc.cut == "only its first 300 of 500 pages are read (raise the limit with --max-pdf-pages)"  # type: ignore[attr-defined]
    claims = extract_claims([doc]).claims  # type: ignore[list-item]
    assert [c.page for c in claims] == list(range(1, 301))
    assert claims[-1].text.endswith("page number 300 of the file.")
    assert read_one(path, max_pdf_pages=500).cut is None  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda: makers.scanned_pdf(), "no text layer (a scanned PDF?"),
        (lambda: makers.pdf([[KRATOM]], password="secret"), "encrypted: it opens only with a password"),
        (lambda: b"%PDF-1.7\n" + bytes(range(256)) * 20, "corrupt or truncated PDF"),
        (lambda: makers.pdf([[KRATOM], [DOSE]])[:300], "corrupt or truncated PDF"),
        (lambda: b"<html>not a pdf</html>", "not a PDF"),
    ],
    ids=["scanned", "encrypted", "corrupt", "truncated", "not-a-pdf"],
)
def test_an_unreadable_pdf_is_skipped_with_its_reason_and_the_rest_is_read(tmp_path: Path, make, reason: str) -> None:  # type: ignore[no-untyped-def]
    write(tmp_path / "bad.pdf", make())
    write(tmp_path / "good.txt", KRATOM)
    docs = {d.id: d for d in load_documents([tmp_path])}
    assert (docs["bad.pdf"].skipped or "").startswith(reason), docs["bad.pdf"].skipped
    assert docs["good.txt"].text == KRATOM


def test_a_pdf_locked_only_against_editing_is_read(tmp_path: Path) -> None:
    # An owner password with an empty user password: any reader opens it, so detector does too.
    doc = read_one(write(tmp_path / "locked.pdf", makers.pdf([[KRATOM]], password="")))
    assert doc.skipped is None and KRATOM in doc.text  # type: ignore[attr-defined]


# DOCX


def test_docx_paragraphs_headings_tables_and_footnotes(tmp_path: Path) -> None:
    data = makers.docx(
        [("title", "Kratom and hormones"), ("heading", "Prolactin rises sharply."), ("paragraph", KRATOM)],
        table=[["Dose", "Effect"], [DOSE, SLEEP]],
        footnotes=["The trial was funded by a supplement maker in the United States."],
    )
    doc = read_one(write(tmp_path / "draft.docx", data))
    assert doc.text.splitlines() == [  # type: ignore[attr-defined]
        "Kratom and hormones",
        "Prolactin rises sharply.",
        KRATOM,
        "Dose",
        "Effect",
        DOSE,
        SLEEP,
        "Footnotes",
        "The trial was funded by a supplement maker in the United States.",
    ]
    found = extract_claims([doc])  # type: ignore[list-item]
    # "Prolactin rises sharply." would be a claim in plain text; here it is a heading, as Word says.
    assert [c.text for c in found.claims] == [
        KRATOM,
        DOSE,
        SLEEP,
        "The trial was funded by a supplement maker in the United States.",
    ]
    assert {d.text: d.reason for d in found.dropped}["Prolactin rises sharply."] == "heading"
    assert all(c.page is None for c in found.claims)


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(4096), "encrypted (password-protected)"),
        (lambda: b"PK\x03\x04" + bytes(range(256)) * 4, "corrupt or truncated .docx"),
        (lambda: makers.docx([("paragraph", KRATOM)])[:2000], "corrupt or truncated .docx"),
        (lambda: b"plain text in disguise", "corrupt or truncated .docx"),
    ],
    ids=["encrypted", "corrupt", "truncated", "not-a-zip"],
)
def test_an_unreadable_docx_is_skipped_with_its_reason_and_the_rest_is_read(tmp_path: Path, make, reason: str) -> None:  # type: ignore[no-untyped-def]
    write(tmp_path / "bad.docx", make())
    write(tmp_path / "good.docx", makers.docx([("paragraph", KRATOM)]))
    docs = {d.id: d for d in load_documents([tmp_path])}
    assert (docs["bad.docx"].skipped or "").startswith(reason), docs["bad.docx"].skipped
    assert docs["good.docx"].text == KRATOM


# Web pages

NEWS_PAGE = f"""<!doctype html><html><head><title>Kratom raises prolactin, trial finds | Daily Health</title></head>
<body>
<div class="cookie-banner">We use cookies to improve your experience on our website. Accept all cookies.</div>
<header><nav><ul><li><a href="/">Home</a></li><li><a href="/news">News</a></li><li><a href="/health">Health</a></li>
<li><a href="/about">About us</a></li></ul></nav></header>
<main><article>
<h1>Kratom raises prolactin, trial finds</h1>
<p class="byline">By A. Writer, 3 March 2024</p>
<p>{KRATOM} The effect was seen within two hours of the first dose in most of the volunteers.</p>
<p>{DOSE} Researchers said larger trials are needed before any advice can be given to patients.</p>
<p>{SLEEP} None of the volunteers reported serious side effects during the study period.</p>
<div class="share">Share this article on Facebook. Share this article on Twitter. Email this story to a friend.</div>
</article></main>
<aside><h2>Related articles</h2><ul>
<li><a href="/a">Coffee makes you live longer, new study suggests</a></li>
<li><a href="/b">Ten foods that doctors say you should never eat again</a></li></ul></aside>
<footer><p>Copyright 2024 Daily Health Media Group. All rights reserved.</p>
<p>Subscribe to our newsletter for the latest health news every morning.</p></footer>
</body></html>"""


def test_a_web_page_is_read_as_its_title_and_main_text(tmp_path: Path) -> None:
    path = write(tmp_path / "page.html", NEWS_PAGE)
    main = read_one(path)
    every = read_one(path, html_text="all")
    for sentence in (KRATOM, DOSE, SLEEP):
        assert sentence in main.text and sentence in every.text  # type: ignore[attr-defined]
    boilerplate = (
        "cookies",
        "Share this article",
        "Coffee makes you live longer",
        "Copyright",
        "newsletter",
        "About us",
    )
    assert not [b for b in boilerplate if b in main.text]  # type: ignore[attr-defined]
    assert all(b in every.text for b in boilerplate)  # type: ignore[attr-defined]
    assert main.text.splitlines()[0] == "Kratom raises prolactin, trial finds"  # type: ignore[attr-defined]
    found = extract_claims([main])  # type: ignore[list-item]
    # The title is a heading: a claim only if the parser finds a clause in it (as here), see claims.settle.
    assert [c.provisional for c in found.claims if c.text.startswith("Kratom raises prolactin, trial")] == ["heading"]
    claims = " ".join(c.text for c in found.claims)
    assert "cookies" not in claims and "Coffee" not in claims


def test_main_text_blocks_become_lines_and_inline_markup_stays_in_its_sentence() -> None:
    from lxml import etree

    from detector.documents import _main_lines

    main = etree.fromstring(
        "<main><head>Tools</head><list><item><head>Inspector</head><p>Examine the <hi>HTML</hi> of any page.</p>"
        "Learn more</item></list><p>Run <code>cargo doc</code> to build the docs,<lb/>then open them.</p>"
        "<code>fn main() {\n}\n</code><table><row><cell>Dose</cell><cell>Effect</cell></row></table></main>"
    )
    lines: list[tuple[str, bool]] = []
    _main_lines(main, lines)
    assert lines == [
        ("Tools", True),
        ("Inspector", True),
        ("Examine the HTML of any page.", False),
        ("Learn more", False),
        ("Run cargo doc to build the docs, then open them.", False),
        ("fn main() { }", False),
        ("Dose", False),
        ("Effect", False),
    ]


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.text(st.sampled_from("ab \t"), max_size=6), st.booleans()), max_size=10))
def test_lines_join_into_one_text_whose_heading_starts_point_at_the_headings(lines: list[tuple[str, bool]]) -> None:
    from detector.documents import _joined

    text, headings = _joined(lines)
    kept = [(line, heading) for line, heading in lines if line]
    assert text.split("\n") == ([line for line, _ in kept] if kept else [""])
    assert [text[start:].split("\n")[0] for start in headings] == [line for line, heading in kept if heading]


def test_a_page_without_main_text_is_read_whole() -> None:
    # Too little for trafilatura to call anything the main text: all the visible text is kept.
    assert main_text("<p>Gamma is here.</p>") is None


def test_html_text_must_be_main_or_all(tmp_path: Path) -> None:
    from detector.errors import InputError

    with pytest.raises(InputError, match="--html-text must be one of main, all"):
        load_documents([write(tmp_path / "p.html", NEWS_PAGE)], options=ReadOptions(html_text="visible"))


# CSV and TSV


def test_a_spreadsheet_of_claims_gives_one_document_per_row(tmp_path: Path) -> None:
    write(
        tmp_path / "claims.csv",
        'id,claim,source\nk1,"Kratom raises prolactin, a trial says",x\n,\n k2 ,Kratom lowers prolactin levels,y\nk3,,z\n',
    )
    docs = load_documents([tmp_path], options=ReadOptions(text_column="claim", id_column="id"))
    assert [(d.id, d.text, d.skipped) for d in docs] == [
        ("claims.csv#k1", "Kratom raises prolactin, a trial says", None),
        ("claims.csv#k2", "Kratom lowers prolactin levels", None),
        ("claims.csv#k3", "", "row 5 has no text in column 'claim'"),
    ]
    # A short claim without a full stop is still a claim: in a spreadsheet a cell is not a heading.
    assert [c.text for c in extract_claims(docs).claims] == [d.text for d in docs[:2]]


def test_a_tsv_is_read_by_its_text_column_and_rows_are_numbered_as_a_spreadsheet_shows(tmp_path: Path) -> None:
    write(tmp_path / "c.tsv", "text\tnote\nKratom raises prolactin in adults.\ta\nKratom lowers prolactin.\tb\n")
    docs = load_documents([tmp_path])
    assert [(d.id, d.format) for d in docs] == [("c.tsv#2", "tsv"), ("c.tsv#3", "tsv")]


def test_a_table_without_the_text_column_is_skipped_naming_its_columns(tmp_path: Path) -> None:
    write(tmp_path / "numbers.csv", "year,count\n2020,4\n")
    write(tmp_path / "good.txt", KRATOM)
    docs = {d.id: d for d in load_documents([tmp_path])}
    assert docs["numbers.csv"].skipped == (
        "no column 'text' (columns: 'year', 'count'); name the one holding the text with --text-column"
    )
    missing_id = load_documents([tmp_path / "numbers.csv"], options=ReadOptions(text_column="year", id_column="x"))
    assert missing_id[0].skipped == "no id column 'x' (see --id-column)"


cells = st.text(st.characters(blacklist_categories=["Cs", "Cc"]), max_size=40)


@settings(max_examples=80, deadline=None)
@given(st.lists(st.tuples(cells, cells), min_size=1, max_size=8))
def test_every_non_blank_cell_comes_back_as_written(rows: list[tuple[str, str]]) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["text", "other"])
    writer.writerows(rows)
    with tempfile.TemporaryDirectory() as folder:
        write(Path(folder) / "keep.txt", KRATOM)
        write(Path(folder) / "t.csv", buffer.getvalue())
        docs = load_documents([Path(folder)])
    # Rows blank in every cell are left out; a row with an empty text cell is skipped with its reason.
    expected = sorted(text for text, other in rows if (text + other).strip())
    got = sorted(d.text for d in docs if d.id.startswith("t.csv#"))
    assert got == sorted(t if t.strip() else "" for t in expected)


# Any bytes at all

GOOD_PDF = makers.pdf([[KRATOM], [DOSE, SLEEP]])
GOOD_DOCX = makers.docx([("heading", "Kratom"), ("paragraph", KRATOM)], table=[[DOSE, SLEEP]])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from([".pdf", ".docx", ".csv", ".tsv", ".html"]),
    st.one_of(
        st.binary(max_size=2000),
        st.integers(0, 100).map(lambda cut: GOOD_PDF[: len(GOOD_PDF) * cut // 100]),
        st.integers(0, 100).map(lambda cut: GOOD_DOCX[: len(GOOD_DOCX) * cut // 100]),
    ),
)
def test_any_bytes_in_any_new_format_are_read_or_skipped_with_a_reason(suffix: str, data: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        write(Path(folder) / f"x{suffix}", data)
        write(Path(folder) / "keep.txt", KRATOM)
        docs = load_documents([Path(folder)])
    assert any(d.id == "keep.txt" and d.text == KRATOM for d in docs)
    for doc in docs:
        assert doc.skipped is None or (doc.text == "" and doc.skipped.strip())
        for claim in extract_claims([doc]).claims:
            assert doc.text[claim.start : claim.end] == claim.text
            assert claim.page is None or 1 <= claim.page <= len(doc.pages)
