"""`detector eval --corpus`: score a scan against a labelled corpus of documents.

A corpus is a folder with `docs/` (the documents) and `gold.json`:

    {"findings": [{"id": "F01", "tier": "core", "a": ["exact phrase", ...], "b": ["exact phrase", ...],
                   "why": "what the two sides say"}]}

A finding is found when a reported contradiction pairs a claim that contains (or overlaps the span of) an `a`
phrase with a claim that contains (or overlaps) a `b` phrase, in either order. A reported pair that matches no
finding of any tier (core, stretch or allowed) is a false positive, so precision is a lower bound: a real conflict
the gold does not list counts against it. These are the rules of `shared/corpora/score.py`.

Disagreements (findings@2) are scored by the same matching: a finding is found by a disagreement when a claim on
one of its sides holds an `a` phrase and a claim on the other side a `b` phrase; a disagreement that finds no
finding of any tier is a false positive.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import InputError

if TYPE_CHECKING:
    from .pipeline import ScanResult
    from .verdict.calibration import Calibration

TIERS = ("core", "stretch", "allowed")
_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"'})


@dataclass(frozen=True)
class Finding:
    """One labelled conflict: the phrases on each side, how much it matters, and why the sides conflict."""

    id: str
    tier: str
    a: tuple[str, ...]
    b: tuple[str, ...]
    why: str = ""


@dataclass(frozen=True)
class Corpus:
    """A labelled corpus: its documents' texts (by path under docs/) and its findings."""

    root: Path
    docs: dict[str, str]
    findings: tuple[Finding, ...]

    @property
    def docs_dir(self) -> Path:
        return self.root / "docs"


@dataclass(frozen=True)
class CorpusScore:
    """How a scan's reported pairs meet a corpus's findings."""

    corpus: str
    core_found: int
    core_total: int
    stretch_found: int
    stretch_total: int
    pairs: int
    false_positives: int
    precision: float
    # Finding id → how many reported pairs match it; every core and stretch finding is listed.
    found: dict[str, int] = field(default_factory=dict)
    missed: list[str] = field(default_factory=list)
    # The unmatched pairs as (score, text of a, text of b), strongest first.
    false_positive_pairs: list[tuple[float, str, str]] = field(default_factory=list)
    # The same at the level of disagreements (None where the findings have none: schema @1).
    disagreements: DisagreementScore | None = None
    # Where each missed finding was lost, stage by stage: known only from the scan itself (`evaluate`), not
    # from a findings.json, which holds no candidates.
    lost: list[Loss] = field(default_factory=list)

    def headline(self) -> dict[str, Any]:
        """The figures score.py prints on its last line."""
        keys = ("core_found", "core_total", "stretch_found", "stretch_total", "pairs", "false_positives", "precision")
        return {k: getattr(self, k) for k in keys}

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Loss:
    """The stage at which a scan lost a finding it did not report: "claims" (a side of it lies in no claim),
    "candidates" (no candidate pair joins its two sides), "screen" (candidate pairs do, none was judged),
    "verdict" (judged, and `best`, the highest verdict among those pairs, is under the threshold; where the scan
    judged none of them, as no score of the judge could bring one to the threshold, `best` is the most one could
    reach and `exact` is False) or "review" (a review rejected the pairs that reached it)."""

    finding: str
    stage: str
    best: float | None = None
    exact: bool = True


@dataclass(frozen=True)
class DisagreementScore:
    """How a scan's disagreements meet a corpus's findings: found when their two sides hold a finding's phrases."""

    disagreements: int
    core_found: int
    stretch_found: int
    false_positives: int
    precision: float
    # Finding id → the ids of the disagreements that find it; every core and stretch finding is listed.
    found: dict[str, list[str]] = field(default_factory=dict)


def normalise(text: str) -> str:
    """Curly quotes straightened, whitespace collapsed, lower case: how phrases and claims are compared."""
    return re.sub(r"\s+", " ", text.translate(_QUOTES)).strip().lower()


def read_corpus(root: str | os.PathLike[str]) -> Corpus:
    """Read `root/docs/` and `root/gold.json`, with a clear error for anything missing or malformed."""
    folder = Path(root)
    gold_file, docs_dir = folder / "gold.json", folder / "docs"
    if not docs_dir.is_dir():
        raise InputError(f"{folder}: a corpus needs a docs/ folder with the documents")
    try:
        data = json.loads(gold_file.read_text(encoding="utf-8"))
        raw = data["findings"]
    except FileNotFoundError:
        raise InputError(f"{folder}: a corpus needs gold.json beside docs/") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError) as err:
        raise InputError(f'{gold_file}: expected {{"findings": [...]}} ({err})') from None
    findings = []
    for number, item in enumerate(raw, start=1):
        try:
            finding = Finding(
                id=str(item["id"]),
                tier=str(item["tier"]),
                a=tuple(map(str, item["a"])),
                b=tuple(map(str, item["b"])),
                why=str(item.get("why", "")),
            )
        except (KeyError, TypeError):
            raise InputError(f"{gold_file}: finding {number} needs id, tier, a and b") from None
        if finding.tier not in TIERS or not finding.a or not finding.b:
            raise InputError(
                f"{gold_file}: finding {finding.id}: tier must be one of {', '.join(TIERS)}, a and b lists"
            )
        findings.append(finding)
    docs = {
        path.relative_to(docs_dir).as_posix(): path.read_text(encoding="utf-8", errors="replace")
        for path in sorted(docs_dir.rglob("*"))
        if path.is_file()
    }
    return Corpus(folder, docs, tuple(findings))


class PhraseMatcher:
    """Which claims hold which gold phrases: by the claim's text, or by its span overlapping the phrase's."""

    def __init__(self, corpus: Corpus) -> None:
        self._docs = corpus.docs
        self._by_name = {os.path.basename(k): k for k in corpus.docs}
        phrases = {p for f in corpus.findings for p in (*f.a, *f.b)}
        self._spans = {
            p: [(d, m.start(), m.end()) for d, text in corpus.docs.items() for m in re.finditer(re.escape(p), text)]
            for p in phrases
        }

    def _doc(self, doc: str) -> str | None:
        return doc if doc in self._docs else self._by_name.get(os.path.basename(doc))

    def holds(self, claim: Mapping[str, Any], phrases: Iterable[str]) -> bool:
        text, doc = normalise(str(claim.get("text", ""))), self._doc(str(claim.get("doc", "")))
        start, end = claim.get("start"), claim.get("end")
        span = (start, end) if isinstance(start, int) and isinstance(end, int) else None
        for phrase in phrases:
            if normalise(phrase) in text:
                return True
            if span and any(d == doc and span[0] < e and s < span[1] for d, s, e in self._spans[phrase]):
                return True
        return False

    def sides(self, claims: Sequence[Mapping[str, Any]], finding: Finding) -> tuple[set[int], set[int]]:
        """The claims (indices into `claims`) that hold the finding's `a` phrases, and those that hold its `b`."""
        return (
            {i for i, c in enumerate(claims) if self.holds(c, finding.a)},
            {i for i, c in enumerate(claims) if self.holds(c, finding.b)},
        )

    def pair_finds(self, a: Mapping[str, Any], b: Mapping[str, Any], finding: Finding) -> bool:
        """Whether the pair (a, b), in either order, is the finding."""
        return (self.holds(a, finding.a) and self.holds(b, finding.b)) or (
            self.holds(a, finding.b) and self.holds(b, finding.a)
        )


def score_findings(findings_json: Mapping[str, Any], corpus: Corpus) -> CorpusScore:
    """Score the contradictions of a findings.json (as data) against the corpus, as score.py does."""
    claims = {c["id"]: c for c in findings_json.get("claims", [])}
    pairs = list(findings_json.get("contradictions", []))
    matcher = PhraseMatcher(corpus)
    found = {f.id: 0 for f in corpus.findings}
    false_positives = []
    for pair in pairs:
        a, b = claims.get(pair["a"]), claims.get(pair["b"])
        hit = False
        for finding in corpus.findings:
            if a and b and matcher.pair_finds(a, b, finding):
                found[finding.id] += 1
                hit = True
        if not hit:
            false_positives.append(
                (float(pair.get("score", 0.0)), str((a or {}).get("text", "?")), str((b or {}).get("text", "?")))
            )
    core = [f.id for f in corpus.findings if f.tier == "core"]
    stretch = [f.id for f in corpus.findings if f.tier == "stretch"]
    n = len(pairs)
    grouped = (
        score_disagreements(findings_json["disagreements"], claims, corpus, matcher)
        if "disagreements" in findings_json
        else None
    )
    return CorpusScore(
        corpus=str(corpus.root),
        core_found=sum(1 for f in core if found[f]),
        core_total=len(core),
        stretch_found=sum(1 for f in stretch if found[f]),
        stretch_total=len(stretch),
        pairs=n,
        false_positives=len(false_positives),
        precision=round((n - len(false_positives)) / n, 3) if n else 0.0,
        found={f: found[f] for f in core + stretch},
        missed=[f for f in core + stretch if not found[f]],
        false_positive_pairs=sorted(false_positives, key=lambda p: -p[0]),
        disagreements=grouped,
    )


def score_disagreements(
    disagreements: Sequence[Mapping[str, Any]],
    claims: Mapping[str, Mapping[str, Any]],
    corpus: Corpus,
    matcher: PhraseMatcher,
) -> DisagreementScore:
    """Score findings.json's disagreements: one finds a finding when its sides hold the finding's two sides."""
    found: dict[str, list[str]] = {f.id: [] for f in corpus.findings}
    false_positives = 0
    for d in disagreements:
        side_a, side_b = ([claims[i] for i in side["claims"] if i in claims] for side in d["sides"])
        hit = False
        for finding in corpus.findings:
            holds = [
                [any(matcher.holds(c, phrases) for c in side) for phrases in (finding.a, finding.b)]
                for side in (side_a, side_b)
            ]
            if (holds[0][0] and holds[1][1]) or (holds[0][1] and holds[1][0]):
                found[finding.id].append(str(d["id"]))
                hit = True
        false_positives += not hit
    n = len(disagreements)
    tiers = {f.id: f.tier for f in corpus.findings}
    return DisagreementScore(
        disagreements=n,
        core_found=sum(1 for f, ids in found.items() if ids and tiers[f] == "core"),
        stretch_found=sum(1 for f, ids in found.items() if ids and tiers[f] == "stretch"),
        false_positives=false_positives,
        precision=round((n - false_positives) / n, 3) if n else 0.0,
        found={f: ids for f, ids in found.items() if tiers[f] in ("core", "stretch")},
    )


def pair_recall(
    pairs: Iterable[tuple[int, int]], claims: Sequence[Mapping[str, Any]], corpus: Corpus, tiers: Sequence[str]
) -> tuple[list[str], list[str]]:
    """(reached, not reached): the findings of `tiers` that some pair of claims (indices into `claims`) is.

    Measures a stage before the verdict: which labelled conflicts the candidate pairs still hold.
    """
    matcher = PhraseMatcher(corpus)
    wanted = [f for f in corpus.findings if f.tier in tiers]
    sides = {f.id: matcher.sides(claims, f) for f in wanted}
    reached = set()
    for a, b in pairs:
        for f in wanted:
            left, right = sides[f.id]
            if (a in left and b in right) or (a in right and b in left):
                reached.add(f.id)
    return [f.id for f in wanted if f.id in reached], [f.id for f in wanted if f.id not in reached]


def phrases_in_claims(claims: Sequence[Mapping[str, Any]], corpus: Corpus, tiers: Sequence[str]) -> list[str]:
    """The phrases of `tiers` that lie inside no claim (by text or span): what claim extraction lost."""
    matcher = PhraseMatcher(corpus)
    lost = []
    for finding in corpus.findings:
        if finding.tier not in tiers:
            continue
        for phrase in (*finding.a, *finding.b):
            if not any(matcher.holds(c, [phrase]) for c in claims):
                lost.append(phrase)
    return lost


def evaluate(root: str | os.PathLike[str], **scan_options: Any) -> tuple[CorpusScore, Any]:
    """Scan a corpus's docs/ with `scan_options` (as `detector.scan` takes them) and score the result.

    Returns the score and the scan (a `ScanResult`), so a caller can also write the scan's outputs.
    """
    return _scan_and_score(read_corpus(root), scan_options)


def evaluate_corpus(
    root: str | os.PathLike[str], *, out_dir: str | os.PathLike[str] | None = None, **scan_options: Any
) -> tuple[Corpus, CorpusScore]:
    """`detector eval --corpus`: the corpus and its scan's score, with the scan's outputs written to `out_dir`."""
    from .outputs.exports import prepare_output, write_outputs

    corpus = read_corpus(root)
    if out_dir is not None:
        prepare_output(out_dir)  # before the scan: an output folder that cannot be written fails at once
    score, result = _scan_and_score(corpus, scan_options)
    if out_dir is not None:
        write_outputs(result, out_dir)
    return corpus, score


def _scan_and_score(corpus: Corpus, scan_options: dict[str, Any]) -> tuple[CorpusScore, Any]:
    from .outputs.findings import findings
    from .pipeline import scan
    from .verdict.calibration import load_calibration

    result = scan([corpus.docs_dir], **scan_options)
    score = score_findings(findings(result), corpus)
    calibration = scan_options.get("calibration") or load_calibration()
    return replace(score, lost=where_lost(result, corpus, score.missed, calibration)), result


def where_lost(result: ScanResult, corpus: Corpus, missed: Sequence[str], calibration: Calibration) -> list[Loss]:
    """For each missed finding (ids), the stage of the scan `result` (a `ScanResult`) that lost it (`Loss`);
    `calibration` is the verdict's, to score the pairs that were judged."""
    from .contradictions import highest_verdict, verdict_inputs
    from .screen import gather

    claims = [asdict(c) for c in result.claims]
    matcher = PhraseMatcher(corpus)
    findings = {f.id: f for f in corpus.findings}
    judged = {(j.pair.a, j.pair.b): j for j in result.judgements}
    unreachable = {(p.a, p.b) for p in result.unreachable}
    ceiling = calibration.ceiling_for(result.models)
    lost = []
    for finding_id in missed:
        left, right = matcher.sides(claims, findings[finding_id])
        joins = [p for p in result.pairs if (p.a in left and p.b in right) or (p.a in right and p.b in left)]
        reached = [judged[(p.a, p.b)] for p in joins if (p.a, p.b) in judged]
        bounded = [p for p in joins if (p.a, p.b) in unreachable]
        if not (left and right):
            lost.append(Loss(finding_id, "claims"))
        elif not joins:
            lost.append(Loss(finding_id, "candidates"))
        elif not (reached or bounded):
            lost.append(Loss(finding_id, "screen"))
        else:
            if reached:
                evidence = gather([j.pair for j in reached], result.claims, result.assertions, calibration)
                best = max(
                    calibration.score(verdict_inputs(j, e, result.assertions))
                    for j, e in zip(reached, evidence, strict=True)
                )
            else:
                evidence = gather(bounded, result.claims, result.assertions, calibration)
                best = max(
                    highest_verdict(p, None, e, result.assertions, calibration=calibration, ceiling=ceiling)
                    for p, e in zip(bounded, evidence, strict=True)
                )
            stage = "verdict" if best < result.threshold else "review"
            lost.append(Loss(finding_id, stage, round(best, 4), exact=bool(reached)))
    return lost
