"""The scan pipeline: documents → claims → embeddings → subjects → candidate pairs → judgements →
contradictions → claim graph. `scan()` wires the stages; each stage lives in its own module."""

from __future__ import annotations

import dataclasses
import os
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import networkx as nx

from . import candidates, directions, judges, limits
from . import claims as claims_stage
from . import contradictions as contradictions_stage
from . import disagreements as disagreements_stage
from . import documents as documents_stage
from . import embeddings as embeddings_stage
from . import fetch as fetch_stage
from . import graph as graph_stage
from . import screen as screen_stage
from . import subjects as subjects_stage
from .embeddings import Embedder
from .errors import InputError
from .judges import PairScorer
from .progress import Progress, Silent
from .reader import ClaimReader
from .reader.assertions import Assertion
from .records import (
    Claim,
    Contradiction,
    Disagreement,
    Document,
    DroppedSentence,
    Judgement,
    Pair,
    SameQuestion,
    Subject,
)
from .runtime import engines
from .runtime.engines import Engine
from .runtime.keys import default_folder
from .runtime.session import open_session
from .verdict.calibration import Calibration, load_calibration

_NOT_COMPARED = {"advice": "advice", "meta": "meta-text", "promotional": "promotional", "reported": "reported belief"}


@dataclass(frozen=True)
class Settings:
    """Every knob of a scan, with its default."""

    # The calibrated verdict's threshold; None takes the one fitted by scripts/calibrate.py.
    threshold: float | None = None
    # Candidates: each claim's nearest claims in other documents and in its own, at least this similar.
    neighbours: int = candidates.DEFAULT_NEIGHBOURS
    neighbours_within: int = candidates.DEFAULT_NEIGHBOURS_WITHIN
    min_similarity: float = candidates.DEFAULT_MIN_SIMILARITY
    # How many of each claim's candidate pairs the judge sees, best first by the screen (0: all of them).
    judge_per_claim: int = screen_stage.DEFAULT_PER_CLAIM
    subject_similarity: float = subjects_stage.DEFAULT_SUBJECT_SIMILARITY
    max_file_bytes: int = documents_stage.DEFAULT_MAX_FILE_BYTES
    max_claim_chars: int = claims_stage.DEFAULT_MAX_CLAIM_CHARS
    max_claims_per_doc: int = limits.DEFAULT_MAX_CLAIMS_PER_DOC
    max_claims: int = limits.DEFAULT_MAX_CLAIMS
    # Web pages: "main" reads a page's title and main text (menus, footers and teasers left out), "all" every
    # visible line.
    html_text: str = "main"
    # A PDF's pages past this are not read, with a warning.
    max_pdf_pages: int = documents_stage.DEFAULT_MAX_PDF_PAGES
    # CSV/TSV: the column holding each row's text (None: a column named "text") and its id (None: the row number).
    text_column: str | None = None
    id_column: str | None = None
    # URLs: seconds before a fetch gives up, and between two requests to one host. Pages are capped at
    # max_file_bytes and kept in the cache folder's pages/ (not with cache=False).
    fetch_timeout: float = fetch_stage.DEFAULT_TIMEOUT
    fetch_delay: float = fetch_stage.DEFAULT_HOST_DELAY
    # List apart the judged pairs that the NLI judge alone flags (both directions at its threshold) but the
    # verdict does not report.
    nli_screen: bool = False
    # Count those pairs as contradictions too.
    nli_only: bool = False
    embed_batch_size: int = embeddings_stage.DEFAULT_BATCH_SIZE
    judge_batch_size: int = judges.DEFAULT_BATCH_SIZE
    # Where embedding and judging run: "local" (this process) or "ray" (Ray Data jobs; see runtime/engines.py).
    engine: str = "local"
    ray: engines.RayOptions = field(default_factory=engines.RayOptions)
    # Keep embeddings, readings and judge scores in a SQLite cache, so a re-scan only runs the models on what
    # is new. None takes $DETECTOR_CACHE_DIR, else the user's cache folder (~/.cache/detector on Linux).
    cache: bool = True
    cache_dir: str | os.PathLike[str] | None = None


@dataclass(frozen=True)
class ScanStats:
    """What a scan counted, in the order findings.json lists it."""

    documents: int
    skipped_documents: int
    claims: int
    # Sentences that are no claims, by reason.
    dropped: dict[str, int]
    subjects: int
    all_pairs: int
    candidate_pairs: int
    # Candidate pairs in which the claim reader found a conflict (direction, negation, denial, quantity).
    signalled_pairs: int
    nli_screen: bool
    scored_pairs: int
    # Pairs the screen chose that were not judged: the verdict could not reach the threshold whatever the judge
    # said (contradictions.highest_verdict; 0 where NLI-only conflicts are listed).
    unreachable_pairs: int
    # Directions the judge read: a→b for every scored pair, b→a for some.
    judge_inputs: int
    contradictions: int
    disagreements: int
    nli_only_conflicts: int
    # The size limits in force, and what they cut.
    limits: dict[str, Any]
    # What a reviews file did (reviews.apply): read, confirmed_pairs, rejected_pairs, stale; None without one.
    reviews: dict[str, int] | None = None

    def as_dict(self) -> dict[str, Any]:
        """As findings.json records it: `reviews` only where a reviews file was applied."""
        fields = dataclasses.asdict(self)
        if self.reviews is None:
            del fields["reviews"]
        return fields


@dataclass(frozen=True)
class ScanResult:
    """Everything a scan found, stage by stage."""

    documents: list[Document]
    claims: list[Claim]
    assertions: list[Assertion]
    dropped: list[DroppedSentence]
    subjects: list[Subject]
    pairs: list[Pair]
    judgements: list[Judgement]
    contradictions: list[Contradiction]
    # Pairs only the NLI judge flags (both directions), with Settings.nli_screen; counted if Settings.nli_only.
    nli_only: list[Contradiction]
    graph: nx.DiGraph
    models: dict[str, Any]
    threshold: float
    stats: ScanStats
    warnings: list[str] = field(default_factory=list)
    # The contradictions grouped by the question they are about (disagreements.group), the most pairs first,
    # and the claims found to say the same thing, which joined some of them.
    disagreements: list[Disagreement] = field(default_factory=list)
    same_question: list[SameQuestion] = field(default_factory=list)
    # What a reviews file did to this result (reviews.apply); None for a result no review was applied to.
    reviewed: Any = None
    # The pairs the screen chose that were not judged: no score of the judge could bring their verdict to the
    # threshold (`stats.unreachable_pairs`).
    unreachable: list[Pair] = field(default_factory=list)
    # Seconds per stage and in total; kept apart from `stats` so findings.json is the same on every run.
    seconds: dict[str, float] = field(default_factory=dict)
    # Cache hits and misses per table (None without a cache); kept apart from `stats` for the same reason.
    cache: dict[str, dict[str, int]] | None = None
    # The scan's `runtime.keys.scan_key` and the cache folder it is kept in, where it was cached: the outputs written
    # from it are kept there too (see exports.write_outputs), so the next identical scan only copies them.
    key: bytes | None = None
    cache_folder: Path | None = None

    def claim(self, claim_id: str) -> Claim:
        return self._claims_by_id[claim_id]

    def assertion(self, claim_id: str) -> Assertion:
        return self.assertions[self._claim_index[claim_id]]

    def subject(self, subject_id: str) -> Subject:
        return self._subjects_by_id[subject_id]

    def document(self, doc_id: str) -> Document:
        return self._documents_by_id[doc_id]

    def paths(self) -> dict[str, str]:
        """Each document id's path, as findings.json records it."""
        return document_paths(self.documents)

    def pair_id(self, c: Contradiction) -> str:
        """The pair's stable id (disagreements.pair_id): the same in any scan that finds these two claims."""
        a, b = self.claim(c.a), self.claim(c.b)
        return disagreements_stage.pair_id(
            disagreements_stage.claim_key(str(self.document(a.doc).path), a.text),
            disagreements_stage.claim_key(str(self.document(b.doc).path), b.text),
        )

    @cached_property
    def _claims_by_id(self) -> dict[str, Claim]:
        return {c.id: c for c in self.claims}

    @cached_property
    def _claim_index(self) -> dict[str, int]:
        return {c.id: i for i, c in enumerate(self.claims)}

    @cached_property
    def _subjects_by_id(self) -> dict[str, Subject]:
        return {s.id: s for s in self.subjects}

    @cached_property
    def _documents_by_id(self) -> dict[str, Document]:
        return {d.id: d for d in self.documents}


def document_paths(documents: Sequence[Document]) -> dict[str, str]:
    """Each document id's path, as findings.json records it (claim keys, hence pair ids, use it)."""
    return {d.id: str(d.path) for d in documents}


def with_document_topics(assertions: Sequence[Assertion], docs: Sequence[str]) -> list[Assertion]:
    """Give each claim that refers back ("its active compounds", "this herb") its document's topic as context:
    the word stem most of the document's claims name ("kratom" in an article on kratom)."""
    named: dict[str, Counter[str]] = {}
    for a, doc in zip(assertions, docs, strict=True):
        named.setdefault(doc, Counter()).update(set(a.phrases))
    topics = {
        doc: min(counts.items(), key=lambda item: (-item[1], item[0]))[0] for doc, counts in named.items() if counts
    }
    return [
        dataclasses.replace(a, context=(topics[doc],)) if a.refers_back and doc in topics else a
        for a, doc in zip(assertions, docs, strict=True)
    ]


def scan(
    paths: Sequence[str | os.PathLike[str]],
    *,
    settings: Settings | None = None,
    models_lock: str | os.PathLike[str] | None = None,
    embedder: str | Embedder | None = None,
    judge: str | PairScorer | None = None,
    parser: str | ClaimReader | None = None,
    calibration: Calibration | None = None,
    progress: Progress | None = None,
    exclude: Sequence[str | os.PathLike[str]] = (),
) -> ScanResult:
    """Find contradictions across and within the documents under `paths` (folders in `exclude` left out).

    >>> result = scan(["seeds/"])                                # doctest: +SKIP
    >>> [(c.a, c.b, c.score) for c in result.contradictions][:1]  # doctest: +SKIP
    """
    settings = settings or Settings()
    progress = progress or Silent()
    clock = Clock()
    folder = Path(settings.cache_dir or default_folder()) if settings.cache else None
    with clock("documents"):
        documents = documents_stage.load_documents(
            paths,
            max_file_bytes=settings.max_file_bytes,
            exclude=exclude,
            options=documents_stage.ReadOptions(
                html_text=settings.html_text,
                max_pdf_pages=settings.max_pdf_pages,
                text_column=settings.text_column,
                id_column=settings.id_column,
            ),
            fetcher=fetch_stage.Fetcher(
                timeout=settings.fetch_timeout,
                host_delay=settings.fetch_delay,
                max_bytes=settings.max_file_bytes,
                cache_folder=folder / "pages" if folder is not None else None,
            ),
        )
    warnings = [f"skipped {d.id}: {d.skipped}" for d in documents if d.skipped]
    warnings += [f"{d.id}: {d.cut}" for d in documents if d.cut]

    with clock("models"):
        session = open_session(
            settings.engine, settings.ray, folder, lock=models_lock, models=(embedder, judge, parser), progress=progress
        )
    with session:
        calibration = calibration or load_calibration()
        threshold = settings.threshold if settings.threshold is not None else calibration.threshold
        if not 0.0 <= threshold <= 1.0:
            raise InputError(f"--threshold must be between 0 and 1, got {threshold}")
        result = session.run(
            # A scan of exactly what an earlier scan read — documents, settings, models, code — is that scan again.
            {
                "documents": documents,
                "settings": dataclasses.asdict(settings) | {"cache": None, "cache_dir": None},
                "calibration": calibration,
                "threshold": threshold,
            },
            lambda: find(
                documents,
                session.reader,
                session.engine,
                Run(settings, calibration, threshold, session.nli_threshold, session.models, warnings),
                progress=progress,
                clock=clock,
            ),
            ScanResult,
            clock,
        )
    return dataclasses.replace(result, seconds=clock.total())


@dataclass(frozen=True)
class Run:
    """What the stages read besides the documents and the models: the settings and the verdict's calibration."""

    settings: Settings
    calibration: Calibration
    threshold: float
    # The judge's own threshold (models.lock), for pairs the judge alone flags.
    nli_threshold: float
    # What findings.json says of the models.
    models: dict[str, dict[str, Any]]
    # Warnings from before the stages (skipped and cut documents).
    warnings: list[str]


class Clock:
    """Seconds per stage, and in all since it was made; `with clock("claims"): ...` times a stage."""

    def __init__(self) -> None:
        self._started = time.perf_counter()
        self._seconds: dict[str, float] = {}

    @contextmanager
    def __call__(self, stage: str) -> Iterator[None]:
        begin = time.perf_counter()
        yield
        self._seconds[stage] = round(self._seconds.get(stage, 0.0) + time.perf_counter() - begin, 3)

    def total(self) -> dict[str, float]:
        return self._seconds | {"total": round(time.perf_counter() - self._started, 3)}


def find(
    documents: list[Document],
    reader: ClaimReader,
    engine: Engine,
    run: Run,
    *,
    progress: Progress,
    clock: Clock,
) -> ScanResult:
    """The stages from claims to the graph; the result without the run's own figures (seconds, cache)."""
    settings, calibration = run.settings, run.calibration
    with clock("claims"):
        sentences = claims_stage.extract_claims(documents, max_claim_chars=settings.max_claim_chars)
        sentences, cut, cut_warnings = limits.cap_claims(
            sentences, per_doc=settings.max_claims_per_doc, total=settings.max_claims
        )

    with clock("assertions"):
        read = reader.read([c.text for c in sentences.claims])
        # Advice, meta-text, promotional filler and reported beliefs assert nothing to contradict: they are not
        # compared.
        # So are headings and unpunctuated list items in which the parser found no clause.
        claim_set, kept = claims_stage.settle(
            sentences, [_NOT_COMPARED.get(a.kind, "") for a in read], [a.clause for a in read]
        )
        assertions = with_document_topics([read[i] for i in kept], [c.doc for c in claim_set.claims])
    claims = claim_set.claims

    texts = [c.text for c in claims]
    with clock("embeddings"):
        vectors = engine.embed(texts, batch_size=settings.embed_batch_size, progress=progress)
    with clock("subjects"):
        clusters = subjects_stage.cluster(vectors, similarity=settings.subject_similarity)
        subjects = subjects_stage.label_subjects(claims, clusters)
    subject_of = [subjects[int(n)].id for n in clusters]
    with clock("candidates"):
        pairs = candidates.for_claims(
            vectors,
            [c.doc for c in claims],
            texts,
            assertions,
            neighbours=settings.neighbours,
            within=settings.neighbours_within,
            min_similarity=settings.min_similarity,
        )
    with clock("screen"):
        evidence = screen_stage.gather(pairs, claims, assertions, calibration)
        chosen = screen_stage.choose(pairs, evidence, settings.judge_per_claim)
    with clock("judge"):
        # The judge reads only what can change the report. A pair the screen chose is judged where its verdict
        # could reach the threshold with the judge's highest score (the calibration's ceiling) both ways: a→b,
        # then b→a where a→b reaches the calibration's backward_from (below it no verdict on the public pairs
        # depends on b→a; scripts/calibrate.py measures this) and the verdict could still reach the threshold.
        # Where NLI-only conflicts are listed, every chosen pair is judged and b→a read wherever a→b reaches
        # the judge's own threshold.
        ceiling = calibration.ceiling_for(run.models)
        lists_judge_alone = settings.nli_screen or settings.nli_only

        def could_reach(index: int, forward: float | None) -> bool:
            highest = contradictions_stage.highest_verdict(
                pairs[index], forward, evidence[index], assertions, calibration=calibration, ceiling=ceiling
            )
            return highest >= run.threshold

        judged = [i for i in chosen if lists_judge_alone or could_reach(i, None)]
        unreachable = sorted(set(chosen) - set(judged))
        judgements = directions.judge_in_rounds(
            [pairs[i] for i in judged],
            texts,
            lambda premises, hypotheses: engine.score(
                premises, hypotheses, batch_size=settings.judge_batch_size, progress=progress
            ),
            both=[False] * len(judged),
            screen=True,
            threshold=min(calibration.backward_from, run.nli_threshold),
            needed=lambda k, forward: (
                (lists_judge_alone and forward >= run.nli_threshold) or could_reach(judged[k], forward)
            ),
        )
    with clock("contradictions"):
        found, nli_only = contradictions_stage.find_contradictions(
            judgements,
            claims,
            assertions,
            subject_of,
            {(p.a, p.b): e for p, e in zip(pairs, evidence, strict=True)},
            calibration=calibration,
            threshold=run.threshold,
            nli_threshold=run.nli_threshold,
            nli_only=settings.nli_only,
        )
        if not (settings.nli_screen or settings.nli_only):
            nli_only = []
    with clock("disagreements"):
        same = disagreements_stage.same_question(found, claims, vectors)
        grouped = disagreements_stage.group(found, claims, document_paths(documents), same)
    with clock("graph"):
        graph = graph_stage.build_graph(documents, claims, subjects, found, grouped)

    stats = ScanStats(
        documents=sum(1 for d in documents if not d.skipped),
        skipped_documents=sum(1 for d in documents if d.skipped),
        claims=len(claims),
        dropped=claim_set.dropped_counts(),
        subjects=len(subjects),
        all_pairs=candidates.all_pairs(len(claims)),
        candidate_pairs=len(pairs),
        signalled_pairs=sum(bool(e.signals) for e in evidence),
        nli_screen=settings.nli_screen or settings.nli_only,
        scored_pairs=len(judgements),
        unreachable_pairs=len(unreachable),
        judge_inputs=sum(1 + j.both for j in judgements),
        contradictions=len(found),
        disagreements=len(grouped),
        nli_only_conflicts=len(nli_only),
        limits={
            "max_file_bytes": settings.max_file_bytes,
            "max_claims_per_doc": settings.max_claims_per_doc,
            "max_claims": settings.max_claims,
            "cut": {"files": limits.cut_files(documents)} | cut,
        },
    )
    return ScanResult(
        documents=documents,
        claims=claims,
        assertions=assertions,
        dropped=claim_set.dropped,
        subjects=subjects,
        pairs=pairs,
        judgements=judgements,
        unreachable=[pairs[i] for i in unreachable],
        contradictions=found,
        nli_only=nli_only,
        graph=graph,
        models=run.models,
        threshold=run.threshold,
        stats=stats,
        warnings=run.warnings + cut_warnings,
        disagreements=grouped,
        same_question=same,
    )
