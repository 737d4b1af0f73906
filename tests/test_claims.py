"""Stage 2: sentences with exact offsets, and which of them are claims."""

from __future__ import annotations

from hypothesis import example, given, settings
from hypothesis import strategies as st

from detector.claims import claim_id, classify, extract_claims, settle
from detector.documents import load_documents
from detector.records import Document

from .conftest import SEEDS


def doc(text: str, fmt: str = "text", doc_id: str = "d.txt") -> Document:
    return Document(id=doc_id, path=doc_id, text=text, format=fmt)


def test_offsets_point_at_the_claim_text_in_the_original_document() -> None:
    text = "Intro line without end\n\nDr. Smith says kratom raises prolactin. It costs $3.5 per g today.  \nNext one is here."
    claims = extract_claims([doc(text)]).claims
    assert [(c.text, c.provisional) for c in claims] == [
        ("Intro line without end", "heading"),  # a claim only if the parser finds a clause in it
        ("Dr. Smith says kratom raises prolactin.", ""),
        ("It costs $3.5 per g today.", ""),
        ("Next one is here.", ""),
    ]
    for c in claims:
        assert text[c.start : c.end] == c.text
    assert (claims[3].line, claims[3].column) == (4, 1)


def test_a_time_zone_or_a_day_after_a_time_of_day_stays_in_its_sentence() -> None:
    # The segmenter ends a sentence at every "a.m." / "p.m." before a capital letter.
    text = (
        "Backups run nightly at 2 a.m. UTC and are kept for 30 days. Support answers from 9 a.m. to 5 p.m. ET, "
        "Monday to Friday. The desk is open until 6 p.m. Saturdays too. Trains leave at 6 a.m. GMT+1 daily.\n"
        "The store opens at 9 a.m. Customers queue early. We met at 9 a.m. IT staff came later."
    )
    assert [text[s:e] for s, e, _ in classify(text, "text")] == [
        "Backups run nightly at 2 a.m. UTC and are kept for 30 days.",
        "Support answers from 9 a.m. to 5 p.m. ET, Monday to Friday.",
        "The desk is open until 6 p.m. Saturdays too.",
        "Trains leave at 6 a.m. GMT+1 daily.",
        "The store opens at 9 a.m.",
        "Customers queue early.",
        "We met at 9 a.m.",
        "IT staff came later.",
    ]


def test_a_sentence_cut_off_at_either_end_of_a_document_is_set_aside() -> None:
    # An excerpt or a chunk that ends (or begins) inside a sentence: the fragment is dropped with its reason.
    text = "of the patients improved within weeks.\nThe trial ran for a year. Doses were low at first.\nSince the body makes it"
    result = extract_claims([doc(text)])
    assert [c.text for c in result.claims] == ["The trial ran for a year.", "Doses were low at first."]
    assert [(d.text, d.reason) for d in result.dropped] == [
        ("of the patients improved within weeks.", "cut off"),
        ("Since the body makes it", "cut off"),
    ]
    # A short last line read as a heading is cut off too, when it has no closing punctuation.
    assert (
        list(classify("The trial ran for a year.\nThe trial enrolled adults with no history of hea", "text"))[-1][2]
        == "cut off"
    )
    # Not cut off: a last sentence that closes, a last list item (lists often have no full stop), a line the
    # source marks as a heading, a name in lower case ("mRNA"), and a document of one line.
    closed = "mRNA vaccines were tested in adults.\nThe trial ran for a year."
    assert [r for _, _, r in classify(closed, "text")] == ["", ""]
    listed = "The trial ran for a year.\n- Take it with food every day"
    assert [r for _, _, r in classify(listed, "text")][-1] == "list item without a sentence"
    marked = "The trial ran for a year.\nWhat the trial found about doses"
    assert [r for _, _, r in classify(marked, "text", headings=frozenset({26}))][-1] == "heading"
    assert [r for _, _, r in classify("the herb lowers prolactin in rats", "text")] == [""]


def test_a_sentence_that_is_only_a_quotation_with_no_speaker_is_a_mention() -> None:
    # First in its line, not after a colon; later in a paragraph it goes on with words someone named said.
    text = "\n".join(
        [
            "Five myths, busted.",
            "2. “Coffee stunts your growth.” This myth comes from an old advertisement for a cereal drink.",
            '"Coffee stunts your growth."',
            "“The dose made no difference in either group,” said the lead author.",
            '"Coffee stunts your growth" is a common belief among parents.',
            "“Most trials were small,” the author says. “Larger ones are under way.”",
            "The lead author told us:",
            "“Larger ones are under way.”",
        ]
    )
    result = extract_claims([doc(text)])
    assert [(d.text, d.reason) for d in result.dropped if d.reason != "fragment"] == [
        ("2. “Coffee stunts your growth.”", "quotation without a speaker"),
        ('"Coffee stunts your growth."', "quotation without a speaker"),
    ]
    assert [c.text for c in result.claims] == [
        "This myth comes from an old advertisement for a cereal drink.",
        "“The dose made no difference in either group,” said the lead author.",
        '"Coffee stunts your growth" is a common belief among parents.',
        "“Most trials were small,” the author says.",
        "“Larger ones are under way.”",
        "The lead author told us:",
        "“Larger ones are under way.”",
    ]


def test_headings_bullets_questions_bios_and_links_are_dropped_and_counted() -> None:
    text = "\n".join(
        [
            "Kratom raises prolactin in healthy adults, one study found.",
            "- Understanding Kratom's Role",
            "Understanding Kratom's Role",
            "Does it grow back? Some say the hair grows back within months.",
            "About the Author",
            "Dr. Jane Doe is a renowned expert on herbal medicine.",
            "Related Resources",
            "Here are the resources for this article:",
            "- PubMed (Database): [Biomedical literature.] – https://pubmed.ncbi.nlm.nih.gov/",
            "Ok then.",
        ]
    )
    result = extract_claims([doc(text)])
    assert [(c.text, c.provisional) for c in result.claims] == [
        ("Kratom raises prolactin in healthy adults, one study found.", ""),
        ("- Understanding Kratom's Role", "list item without a sentence"),
        ("Some say the hair grows back within months.", ""),
    ]
    assert result.dropped_counts() == {"author bio": 1, "heading": 3, "list of links": 3, "question": 1}
    # The parser finds no clause in the list item: it is dropped with its reason.
    settled, kept = settle(result, ["", "", ""], [True, False, True])
    assert [c.text for c in settled.claims] == [result.claims[0].text, result.claims[2].text] and kept == [0, 2]
    assert settled.dropped_counts()["list item without a sentence"] == 1
    assert all(not c.provisional for c in settled.claims)


def test_a_question_in_a_heading_is_no_claim_with_or_without_its_question_mark() -> None:
    text = "\n".join(
        [
            "Is Coffee Raising Your Blood Pressure? Here Are the Facts",
            "How Does Coffee Affect Sleep:",
            "Do Not Drink More Than Four Cups",
            "Coffee Is Not Addictive",
            "Coffee raises blood pressure for a few hours in most adults.",
        ]
    )
    result = extract_claims([doc(text)])
    assert [(c.text, c.provisional) for c in result.claims] == [
        ("Here Are the Facts", "heading"),
        ("Do Not Drink More Than Four Cups", "heading"),
        ("Coffee Is Not Addictive", "heading"),
        ("Coffee raises blood pressure for a few hours in most adults.", ""),
    ]
    questions = [d.text for d in result.dropped if d.reason == "question"]
    assert questions == ["Is Coffee Raising Your Blood Pressure?", "How Does Coffee Affect Sleep:"]


def test_a_yes_or_no_answer_is_one_claim_with_its_question() -> None:
    text = "\n".join(
        [
            "Museum FAQ",
            "Q: Is parking free for visitors?",
            "A: Yes.",
            "Can I bring my dog? No, pets are not allowed inside. Guide dogs are welcome.",
            "How much does a ticket cost?",
            "No more than 12 dollars for adults.",
            "Is the cafe open late?",
            "The cafe closes at five in the afternoon.",
        ]
    )
    result = extract_claims([doc(text)])
    claims = [c.text for c in result.claims if not c.provisional]
    assert claims == [
        "Q: Is parking free for visitors?\nA: Yes.",
        "Can I bring my dog? No, pets are not allowed inside.",
        "Guide dogs are welcome.",
        "No more than 12 dollars for adults.",  # answers a question of how much, not yes or no
        "The cafe closes at five in the afternoon.",
    ]
    for c in result.claims:
        assert text[c.start : c.end] == c.text
    assert [d.text for d in result.dropped if d.reason == "question"] == [
        "How much does a ticket cost?",
        "Is the cafe open late?",
    ]


def test_markdown_structure_decides_headings_lists_and_code() -> None:
    text = "# Kratom and prolactin\n\nKratom raises prolactin levels in rats.\n\n* a bullet without end\n* A full sentence in a list item.\n\n```\ncode = 1.\n```\n"
    result = extract_claims([doc(text, "markdown", "d.md")])
    assert [(c.text, c.provisional) for c in result.claims] == [
        ("Kratom raises prolactin levels in rats.", ""),
        ("a bullet without end", "list item without a sentence"),
        ("A full sentence in a list item.", ""),
    ]
    assert result.dropped_counts() == {"code": 1, "heading": 1}
    for c in result.claims:
        assert text[c.start : c.end] == c.text


def test_too_long_sentences_are_dropped_not_kept() -> None:
    long_sentence = "Kratom " + "really " * 300 + "works."
    result = extract_claims([doc(long_sentence)], max_claim_chars=500)
    assert not result.claims and result.dropped_counts() == {"too long": 1}


def test_seed_claims_have_exact_offsets_and_ids_from_document_and_offsets() -> None:
    docs = load_documents([SEEDS])
    result = extract_claims(docs)
    texts = {d.id: d.text for d in docs}
    assert len(result.claims) > 150
    assert [c.id for c in result.claims] == [claim_id(c.doc, c.start, c.end) for c in result.claims]
    assert len({c.id for c in result.claims}) == len(result.claims)
    for c in result.claims:
        assert texts[c.doc][c.start : c.end] == c.text
    assert not any("https://" in c.text for c in result.claims)
    assert not any(c.text.startswith("Dr. Emily") for c in result.claims)


@settings(max_examples=150, deadline=None)
@example("\r0", "markdown")
@example("# Title\r\rA claim that is here.\r\n- item one.\r", "markdown")
@given(
    st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=400),
    st.sampled_from(["text", "markdown", "html", "jsonl"]),
)
def test_every_sentence_span_indexes_the_text_and_spans_never_overlap(text: str, fmt: str) -> None:
    spans = sorted((s, e) for s, e, _ in classify(text, fmt))
    last_end = 0
    for start, end in spans:
        assert 0 <= start < end <= len(text)
        assert text[start:end] == text[start:end].strip()
        assert start >= last_end
        last_end = end


def test_a_huge_single_line_is_segmented_in_linear_time() -> None:
    text = "Coffee increases alertness in adults. " * 20_000 + "x" * 9_000 + " end of it."
    spans = list(classify(text, "text"))
    assert len(spans) >= 20_000
    for start, end, _ in spans:
        assert text[start:end] == text[start:end].strip() and start < end


def test_a_document_of_one_line_is_a_claim_even_without_closing_punctuation() -> None:
    # A headline, a knowledge-base entry, a JSON Lines record holding one sentence.
    for text in ("Creatine Does Not Cause Hair Loss", "  The drug lowers blood pressure in adults\n"):
        [claim] = extract_claims([doc(text)]).claims
        assert claim.text == text.strip() and claim.provisional == ""
    # One short line is still a fragment.
    assert extract_claims([doc("Side effects")]).claims == []


def test_provisional_lines_become_claims_or_are_dropped_by_the_parsers_reading(reader) -> None:  # type: ignore[no-untyped-def]
    text = "Side Effects of the Drug\nThe Drug Does Not Cause Hair Loss\n- It lowers blood pressure in most adults\n- Blood pressure and heart rate in adults\nA plain sentence is here."
    result = extract_claims([doc(text)])
    readings = reader.read([c.text for c in result.claims])
    settled, _ = settle(result, [""] * len(readings), [r.clause for r in readings])
    assert [c.text for c in settled.claims] == [
        "The Drug Does Not Cause Hair Loss",
        "- It lowers blood pressure in most adults",
        "A plain sentence is here.",
    ]
    assert settled.dropped_counts() == {"heading": 1, "list item without a sentence": 1}


def test_a_claim_keeps_its_id_whatever_else_is_scanned() -> None:
    docs = load_documents([SEEDS])
    alone = {(c.doc, c.start): c.id for c in extract_claims(docs[1:]).claims}
    together = {(c.doc, c.start): c.id for c in extract_claims(docs).claims if c.doc != docs[0].id}
    assert together == alone and len(alone) > 100
    assert claim_id("a.txt", 0, 42) != claim_id("b.txt", 0, 42) != claim_id("a.txt", 0, 43)
