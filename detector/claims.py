"""Stage 2: split documents into sentences with exact offsets, and keep those that are claims."""

from __future__ import annotations

import bisect
import hashlib
import re
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache

import pysbd
from markdown_it import MarkdownIt

from .records import Claim, Document, DroppedSentence

DEFAULT_MAX_CLAIM_CHARS = 1_000
MAX_BLOCK_CHARS = 4_000
MIN_CLAIM_WORDS = 4
_HEADING_WORDS = 14  # a line this short without closing punctuation reads as a heading

# Sections whose sentences describe the page, not the subject.
_SECTION_REASONS = (
    (re.compile(r"^\W*(about the author|author bio|about us|about me)\b", re.I), "author bio"),
    (
        re.compile(r"^\W*(related resources|references|sources|further reading|see also|bibliography|links)\b", re.I),
        "list of links",
    ),
    (re.compile(r"^\W*(table of contents|contents)\W*$", re.I), "table of contents"),
)
_MARKER = r"(?:[-*+•◦▪‣–]|\d{1,3}[.)])"  # a list item's bullet or number
_BULLET = re.compile(rf"^\s*{_MARKER}\s+")
_URL = re.compile(r"https?://|www\.\w", re.I)
_TERMINAL = tuple('.!?;:"”’)')
_UNPUNCTUATED = "list item without a sentence"
_CUT_OFF = "cut off"
# A sentence that is one quotation and nothing else ('"X," said Dr. Y.' names its speaker); see _mentions.
_QUOTATION = re.compile(rf'^\s*(?:{_MARKER}\s+)?["“][^"“”]+["”]\W*$')
_AUXILIARY = r"(?:is|are|was|were|do|does|did|can|could|should|would|will|has|have|had|may|might|must)\b"
# A question's word order: an auxiliary first ("Is X ...", not "Do not ..."), a question word before an auxiliary
# ("How does X ...", "Which dose is ..."; "Why 10 mg is too much" names an answer, not a question).
_INTERROGATIVE = re.compile(
    rf"^\W*(?:{_AUXILIARY}(?!\s+not\b|n['’]t)"
    rf"|(?:how|why|when|where)(?:\s+(?:much|many|long|often|soon)(?:\s+[\w'-]+)?)?\s+{_AUXILIARY}"
    rf"|(?:what|which|who|whom|whose)(?:\s+[\w'-]+){{0,2}}\s+{_AUXILIARY})",
    re.I,
)

# A time of day written with a.m. or p.m. at a sentence's end, and what goes on with it after the segmenter's cut:
# a time zone ("UTC", "EST", "GMT+1") or a day of the week.
_TIME_END = re.compile(r"\d\s*[ap]\.m\.$", re.I)
_TIME_GOES_ON = re.compile(
    r"(?:UTC|GMT|Z|[ECMPA]T|[ECMPA][SD]T|AK[SD]T|HST|[NA][SD]T|BST|IST|WES?T|CES?T|EES?T|MSK|JST|KST|HKT|SGT"
    r"|A[ECW][SD]T|NZ[SD]T)(?:[+-]\d{1,2}(?::?\d\d)?)?\b"
    r"|(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)days?\b"
)


# A question that asks yes or no (an auxiliary first, after an FAQ's "Q:" label), and an answer that opens with yes
# or no ("A: Yes.", "No, pets are not allowed."; not "No more than 5 g", which answers another question).
_LABEL = r"(?:q|question|a|answer)\s*[:.)-]\s*"
_YES_NO_QUESTION = re.compile(rf"^\W*(?:{_LABEL})?{_AUXILIARY}(?!\s+not\b|n['’]t)", re.I)
_YES_NO_ANSWER = re.compile(rf"^\W*(?:{_LABEL})?(?:yes|no)\b(?:\s*[,.!;:]|\s*$)", re.I)


@dataclass(frozen=True)
class Block:
    """A run of text that sentences never cross: a paragraph, heading, list item or code block."""

    start: int
    end: int
    kind: str


@dataclass(frozen=True)
class ClaimSet:
    claims: list[Claim]
    dropped: list[DroppedSentence]

    def dropped_counts(self) -> dict[str, int]:
        return dict(sorted(Counter(d.reason for d in self.dropped).items()))


def extract_claims(documents: Sequence[Document], *, max_claim_chars: int = DEFAULT_MAX_CLAIM_CHARS) -> ClaimSet:
    """Sentences of every readable document, split into claims and dropped sentences.

    A heading-like line or an unpunctuated list item that is otherwise a sentence is kept as a provisional
    claim: it stays a claim only if the parser finds a clause in it (see `settle`).
    """
    claims: list[Claim] = []
    ids: set[str] = set()
    dropped: list[DroppedSentence] = []
    for doc in documents:
        if doc.skipped:
            continue
        lines = _line_starts(doc.text)
        for start, end, reason, provisional in _classified(
            doc.text, doc.format, max_claim_chars, frozenset(doc.headings)
        ):
            page = bisect.bisect_right(doc.pages, start) if doc.pages else None
            if reason and not provisional:
                dropped.append(DroppedSentence(doc.id, doc.text[start:end], start, end, reason, page))
                continue
            line = bisect.bisect_right(lines, start)
            identity = claim_id(doc.id, start, end)
            if identity in ids:  # two claims alike in 48 bits by chance: the whole digest tells them apart
                identity = claim_id(doc.id, start, end, digits=64)
            ids.add(identity)
            claims.append(
                Claim(
                    id=identity,
                    doc=doc.id,
                    text=doc.text[start:end],
                    start=start,
                    end=end,
                    line=line,
                    column=start - lines[line - 1] + 1,
                    provisional=reason,
                    page=page,
                )
            )
    return ClaimSet(claims, dropped)


def claim_id(doc: str, start: int, end: int, *, digits: int = 12) -> str:
    """A claim's id: the same in every scan that reads this document with the claim at these offsets.

    >>> claim_id("a.txt", 0, 42)
    'c-4432b9f84fc5'
    """
    # A digest, not "a.txt:0-42": ids go into HTML ids and GEXF nodes, where a document name's spaces and
    # punctuation do not belong. 48 bits: two claims of 20,000 share an id with a chance under one in a million.
    return "c-" + hashlib.sha256(f"{doc}\0{start}\0{end}".encode("utf-8", "surrogatepass")).hexdigest()[:digits]


def classify(
    text: str,
    fmt: str,
    *,
    max_claim_chars: int = DEFAULT_MAX_CLAIM_CHARS,
    headings: frozenset[int] = frozenset(),
) -> Iterator[tuple[int, int, str]]:
    """Yield (start, end, reason) for every sentence of `text`; reason is "" for a claim (a heading or an
    unpunctuated list item keeps its reason here; `extract_claims` asks the parser about it).

    `headings` holds the starts of lines the source marks as headings (see Document.headings)."""
    for start, end, reason, _ in _classified(text, fmt, max_claim_chars, headings):
        yield start, end, reason


def _classified(
    text: str, fmt: str, max_claim_chars: int, headings: frozenset[int]
) -> Iterator[tuple[int, int, str, bool]]:
    # (start, end, reason, provisional): provisional when the reason holds only if the line has no clause.
    found_blocks = blocks(text, fmt, headings)
    found = _answered(text, list(_read(text, found_blocks, max_claim_chars)))
    if found and not _one_line(text):
        # An excerpt or a chunk cut from a longer text can begin or end inside a sentence: its first words
        # continue a sentence it does not hold ("of the patients improved"), its last stop short ("Since the body
        # makes"). A fragment of a statement states nothing whole; a one-line document is left as written (a
        # headline, a knowledge-base entry).
        start, end, reason, _ = found[0]
        if not reason and _continues(text[start:end]):
            found[0] = (start, end, _CUT_OFF, False)
        start, end, reason, provisional = found[-1]
        if (not reason or provisional) and _ends_open(text[start:end], found_blocks[-1], fmt, headings):
            found[-1] = (start, end, _CUT_OFF, False)
    yield from found


def _answered(text: str, found: list[tuple[int, int, str, bool]]) -> list[tuple[int, int, str, bool]]:
    """A yes-or-no question followed by its answer is one claim, from the question to the answer's first sentence:
    "Is parking free for visitors? A: Yes." states that parking is free, and "Can I bring my dog? No." that dogs
    may not come — an FAQ's answer means nothing without its question, and the question alone is no claim."""
    merged: list[tuple[int, int, str, bool]] = []
    k = 0
    while k < len(found):
        start, end, reason, provisional = found[k]
        if (
            reason == "question"
            and k + 1 < len(found)
            and _YES_NO_QUESTION.match(text[start:end])
            and _YES_NO_ANSWER.match(text[found[k + 1][0] : found[k + 1][1]])
        ):
            merged.append((start, found[k + 1][1], "", False))
            k += 2
            continue
        merged.append((start, end, reason, provisional))
        k += 1
    return merged


def _one_line(text: str) -> bool:
    """A document of one line (a headline, a knowledge-base entry, a JSON Lines record) is one paragraph."""
    return len(text.strip().splitlines()) == 1


def _continues(sentence: str) -> bool:
    """Whether a document's first sentence starts inside another: its first word is in lower case throughout
    ("of", "and"; not "mRNA", "iPhone")."""
    first = sentence.split()[0]
    return first.isalpha() and first.islower()


def _ends_open(sentence: str, last: Block, fmt: str, headings: frozenset[int]) -> bool:
    """Whether a document's last sentence stops without closing punctuation in running text: in a paragraph, or in
    a line read as a heading only for its length (a list item often has no full stop; a marked heading is one)."""
    if fmt in ("csv", "tsv") or sentence.rstrip().endswith(_TERMINAL):
        return False
    guessed_heading = last.kind == "heading" and fmt != "markdown" and last.start not in headings
    return last.kind == "paragraph" or guessed_heading


def _read(text: str, found_blocks: list[Block], max_claim_chars: int) -> Iterator[tuple[int, int, str, bool]]:
    section_reason = ""
    for block in found_blocks:
        body = text[block.start : block.end]
        if block.kind == "heading":
            section_reason = next((r for pattern, r in _SECTION_REASONS if pattern.search(body)), "")
            # A title of two sentences ("Is X Causing Y? Here Are the Facts") is two, and a question in it is none.
            for start, end in sentences(text, block.start, block.end):
                reason = _reason(text[start:end], "paragraph", max_claim_chars)
                if reason == "question":
                    yield start, end, reason, False
                else:
                    yield start, end, "heading", not section_reason and not reason
            continue
        if block.kind == "code":
            yield block.start, block.end, "code", False
            continue
        for start, end in sentences(text, block.start, block.end):
            sentence = text[start:end]
            reason = section_reason or _reason(sentence, block.kind, max_claim_chars)
            if not reason and start == block.start and _mentions(text, start, sentence):
                reason = "quotation without a speaker"
            provisional = reason == _UNPUNCTUATED and not _reason(sentence + ".", block.kind, max_claim_chars)
            yield start, end, reason, provisional


def _mentions(text: str, start: int, sentence: str) -> bool:
    """Whether a block's first sentence is a quotation and nothing else, with no speaker before it: the words of
    a myth list or a testimonial, mentioned rather than stated. Later in a paragraph a quotation goes on with
    words someone named said ('"…," the author says. "And …"'), and after a colon ("She told us:") it is theirs."""
    return bool(_QUOTATION.match(sentence)) and not text[:start].rstrip().endswith(":")


def _reason(sentence: str, block_kind: str, max_claim_chars: int) -> str:
    """Why a sentence is not a claim, or "" if it is one."""
    words = sentence.split()
    if _URL.search(sentence) and (block_kind == "list_item" or len(_URL.findall(sentence)) * 8 >= len(words)):
        return "list of links"
    if block_kind == "list_item" and not sentence.rstrip().endswith(_TERMINAL):
        return _UNPUNCTUATED
    if _closing(sentence).endswith("?") or _asks(sentence):
        return "question"
    if len(words) < MIN_CLAIM_WORDS:
        return "fragment"
    if len(sentence) > max_claim_chars:
        return "too long"
    return ""


def blocks(text: str, fmt: str, headings: frozenset[int] = frozenset()) -> list[Block]:
    """Blocks of `text` in order, found from Markdown structure or from lines (`headings`: lines marked so)."""
    if fmt == "markdown":
        return _markdown_blocks(text)
    # A spreadsheet cell is a claim as written: a short one without a full stop is no heading.
    return list(_line_blocks(text, headings, guess_headings=fmt not in ("csv", "tsv")))


def _line_blocks(text: str, headings: frozenset[int] = frozenset(), guess_headings: bool = True) -> Iterator[Block]:
    # Plain text, visible HTML text and JSONL records: one line is one paragraph, heading or list item. A
    # document of one line (a headline, a knowledge-base entry, a JSON Lines record) is its own paragraph.
    if _one_line(text):
        start, end = _strip(text, 0, len(text))
        yield Block(start, end, "paragraph")
        return
    for match in re.finditer(r"[^\n]+", text):
        start, end = _strip(text, match.start(), match.end())
        if start == end:
            continue
        line = text[start:end]
        if match.start() in headings:
            kind = "heading"
        elif _BULLET.match(line):
            kind = "list_item"
        elif guess_headings and _looks_like_heading(line):
            kind = "heading"
        else:
            kind = "paragraph"
        yield Block(start, end, kind)


def _closing(sentence: str) -> str:
    """The sentence up to its last mark of punctuation, closing quotes and brackets left off ('Is it safe?"')."""
    return sentence.rstrip().rstrip('"”’)')


def _asks(sentence: str) -> bool:
    """Whether a sentence without a full stop is worded as a question, as headings write them without their
    question mark ("How Does X Affect Sleep:"): it opens with a question word, or with an auxiliary verb that is
    not denied (a heading "Do not exceed 8 g" instructs)."""
    if len(sentence.split()) > _HEADING_WORDS or _closing(sentence).endswith((".", "!")):
        return False
    return bool(_INTERROGATIVE.match(sentence))


def _looks_like_heading(line: str) -> bool:
    # A short line without closing punctuation ("Related Resources"), or a short question ("What is X?").
    stripped = line.rstrip()
    return len(line.split()) <= _HEADING_WORDS and (not stripped.endswith(_TERMINAL) or stripped.endswith("?"))


def _markdown_blocks(text: str) -> list[Block]:
    # markdown-it counts a lone "\r" and "\r\n" as line breaks too; its line numbers index these starts.
    starts = [0] + [m.end() for m in re.finditer(r"\r\n?|\n", text)]
    result: list[Block] = []
    in_list = 0
    for token in _markdown().parse(text):
        if token.type in ("bullet_list_open", "ordered_list_open"):
            in_list += 1
        elif token.type in ("bullet_list_close", "ordered_list_close"):
            in_list -= 1
        if token.map is None or token.nesting == -1:
            continue
        if token.type == "heading_open":
            kind = "heading"
        elif token.type in ("fence", "code_block", "html_block"):
            kind = "code"
        elif token.type == "paragraph_open":
            kind = "list_item" if in_list else "paragraph"
        else:
            continue
        first, last = token.map
        start = starts[first]
        end = starts[last] - 1 if last < len(starts) else len(text)
        if kind == "heading":
            start += len(text[start:end]) - len(text[start:end].lstrip("# \t"))
        elif kind == "list_item":
            marker = _BULLET.match(text[start:end])
            start += marker.end() if marker else 0
        start, end = _strip(text, start, end)
        if start < end:
            result.append(Block(start, end, kind))
    return result


@lru_cache(maxsize=1)
def _markdown() -> MarkdownIt:
    return MarkdownIt("commonmark")


def sentences(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    """(start, end) offsets of the sentences in text[start:end], whitespace trimmed."""
    for piece_start, piece_end in _pieces(text, start, end):
        yield from _segment(text, piece_start, piece_end)


def _pieces(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    # The segmenter slows down sharply on very long blocks (a 20 MB line would never finish), so long blocks
    # are cut first: after the last sentence end before the limit, else at a space, else anywhere.
    while end - start > MAX_BLOCK_CHARS:
        window = text[start : start + MAX_BLOCK_CHARS]
        cut = max(window.rfind(". "), window.rfind("! "), window.rfind("? "))
        cut = cut + 1 if cut > 0 else (window.rfind(" ") if window.rfind(" ") > 0 else MAX_BLOCK_CHARS)
        yield start, start + cut
        start += cut
    yield start, end


def _segment(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    pieces = list(_segmented(text, start, end))
    k = 0
    while k < len(pieces):
        s, e = pieces[k]
        # The segmenter ends a sentence at every "a.m." / "p.m." before a capital; a time zone or a day of the week
        # after a time goes on with its sentence ("at 2 a.m. UTC and are kept", "9 a.m. to 5 p.m. Monday to Friday").
        while k + 1 < len(pieces) and _TIME_END.search(text, s, e) and _TIME_GOES_ON.match(text, pieces[k + 1][0]):
            k += 1
            e = pieces[k][1]
        yield s, e
        k += 1


def _segmented(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    block = text[start:end]
    cursor = 0
    for segment in _segmenter().segment(block):
        piece = segment if isinstance(segment, str) else segment.sent
        stripped = piece.strip()
        if not stripped:
            continue
        found = block.find(stripped, cursor)
        if found < 0:
            # The segmenter changed the text; fall back to its own span so no text is lost.
            found = cursor
        s, e = _strip(text, start + found, start + found + len(stripped))
        cursor = found + len(stripped)
        if s < e:
            yield s, e


@lru_cache(maxsize=1)
def _segmenter() -> pysbd.Segmenter:
    return pysbd.Segmenter(language="en", clean=False)


def _strip(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _line_starts(text: str) -> list[int]:
    return [0] + [m.end() for m in re.finditer("\n", text)]


def set_aside(claim_set: ClaimSet, reasons: Sequence[str]) -> tuple[ClaimSet, list[int]]:
    """Move claims with a reason ("advice", "meta", …) to the dropped sentences; the rest keep their ids.

    Returns the new set and, for each kept claim, its index in the old list.
    """
    kept: list[Claim] = []
    positions: list[int] = []
    dropped = list(claim_set.dropped)
    for index, (claim, reason) in enumerate(zip(claim_set.claims, reasons, strict=True)):
        if reason:
            dropped.append(DroppedSentence(claim.doc, claim.text, claim.start, claim.end, reason, claim.page))
        else:
            kept.append(claim)
            positions.append(index)
    dropped.sort(key=lambda d: (d.doc, d.start))
    return ClaimSet(kept, dropped), positions


def settle(claim_set: ClaimSet, reasons: Sequence[str], clauses: Sequence[bool]) -> tuple[ClaimSet, list[int]]:
    """`set_aside` after the claim reader: each claim with a reason (advice, meta-text…) is dropped, and so is
    each provisional claim in which the parser found no clause (`clauses[i]`), with its provisional reason.
    The claims kept are claims for good. Returns the new set and each kept claim's index in the old list."""
    final = [
        claim.provisional if claim.provisional and not clause else reason
        for claim, reason, clause in zip(claim_set.claims, reasons, clauses, strict=True)
    ]
    settled, positions = set_aside(claim_set, final)
    return ClaimSet([replace(c, provisional="") for c in settled.claims], settled.dropped), positions
