"""Plain data passed between pipeline stages, with provenance carried along."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Document:
    """A document's text as read, or the reason it was skipped."""

    id: str
    path: str
    text: str
    format: str
    skipped: str | None = None
    # Where each page starts in `text` (PDFs; empty for other formats): page n begins at pages[n - 1].
    pages: tuple[int, ...] = ()
    # Starts of the lines of `text` the source marks as headings (DOCX heading styles, a web page's title and
    # headings); other formats find headings from the text itself.
    headings: tuple[int, ...] = ()
    # Why only part of the document was read (a PDF past the page limit), reported as a warning.
    cut: str | None = None


@dataclass(frozen=True)
class Claim:
    """One sentence that asserts something; `doc.text[start:end] == text`."""

    id: str
    doc: str
    text: str
    start: int
    end: int
    line: int
    column: int
    # Why this is no claim if the parser finds no clause in it (a subject and its verb): a line that looks like
    # a heading or an unpunctuated list item may be a statement ("Creatine does not cause hair loss").
    provisional: str = ""
    # The page of a PDF the claim starts on (1 is the file's first page); None for other formats.
    page: int | None = None


@dataclass(frozen=True)
class DroppedSentence:
    """A sentence that was not treated as a claim, and why."""

    doc: str
    text: str
    start: int
    end: int
    reason: str
    page: int | None = None


@dataclass(frozen=True)
class Subject:
    """Claims about the same subject, with a short readable label."""

    id: str
    label: str
    claims: tuple[str, ...]


@dataclass(frozen=True)
class Pair:
    """Two claims to compare (indices into the claim list, a < b), their cosine similarity, and their similarity
    apart from the topic their whole collection shares (`subjects.apart_from_topic`): on pages all about one
    substance every claim is near every other by that substance; what is left says whether they speak of one
    question. None where no collection is known (a pair made by hand): the plain similarity stands in."""

    a: int
    b: int
    similarity: float
    apart_similarity: float | None = None

    def apart(self) -> float:
        """The similarity apart from the collection's topic, or the plain one where none is known."""
        return self.similarity if self.apart_similarity is None else self.apart_similarity


@dataclass(frozen=True)
class Judgement:
    """Contradiction scores of a pair in both directions (premise a → hypothesis b, and back).

    `backward` is None where the scan did not need it: a→b fell short of the calibration's backward_from, or the
    verdict stays under its threshold however high the judge could score b→a (see directions.judge_in_rounds and
    contradictions.highest_verdict).
    """

    pair: Pair
    forward: float
    backward: float | None

    @property
    def score(self) -> float:
        return self.forward if self.backward is None else max(self.forward, self.backward)

    @property
    def both(self) -> bool:
        return self.backward is not None


@dataclass(frozen=True)
class Contradiction:
    """Two claims that cannot both be true, with the evidence for that verdict."""

    a: str
    b: str
    score: float
    subject: str
    kind: str
    directions: tuple[str, ...]
    explanation: str
    signals: dict[str, float | None] = field(default_factory=dict)


@dataclass(frozen=True)
class SameQuestion:
    """Two contradicting pairs, (a, b) and (c, d), that ask one question: their claims match side to side, `a`
    saying what `c` says and `b` what `d` says (near-duplicates by their embeddings)."""

    a: str
    b: str
    c: str
    d: str
    # The lower of the two matches' cosine similarities.
    similarity: float


@dataclass(frozen=True)
class Side:
    """The claims that take one side of a disagreement, and the documents they come from."""

    claims: tuple[str, ...]
    documents: tuple[str, ...]


@dataclass(frozen=True)
class Disagreement:
    """Contradicting pairs about one question: its two sides, its pairs (strongest first), why they are one."""

    id: str
    subject: str
    sides: tuple[Side, Side]
    pairs: tuple[Contradiction, ...]
    kinds: tuple[str, ...]
    # Every pair is between two claims of one document: the document contradicts itself.
    within_document: bool
    # False when the contradictions cannot be split into two sides (an odd cycle of claims).
    two_sided: bool
    explanation: str

    @property
    def strongest(self) -> Contradiction:
        return self.pairs[0]

    @property
    def both_sides(self) -> tuple[str, ...]:
        """Documents with claims on both sides."""
        return tuple(sorted(set(self.sides[0].documents) & set(self.sides[1].documents)))
