"""findings.json (schema detector/findings@2): everything a scan found, machine-readable.

A PDF's documents carry `pages` (how many were read) and its claims and dropped sentences `page` (1 is the file's
first page); other formats leave both keys out.

@2 keeps every field of @1 and adds: `disagreements` (the contradictions grouped by question, with their sides);
on each contradiction its stable `id`, its `disagreement`, `within_document` and, when reviewed, `review`; and
`reviews` (what the reviews file did: the pairs it took out, listed apart, and the stale reviews)."""

from __future__ import annotations

from typing import Any

from ..pipeline import ScanResult
from ..reader.assertions import Assertion
from ..records import Contradiction, Disagreement
from ..reviews import Review, Reviewed

SCHEMA = "detector/findings@2"


def findings(result: ScanResult) -> dict[str, Any]:
    """The scan as plain JSON-ready data; claim `start`/`end` index the document text."""
    subject_of = {claim_id: s.id for s in result.subjects for claim_id in s.claims}
    of_pair = {(c.a, c.b): d.id for d in result.disagreements for c in d.pairs}
    claims_per_doc: dict[str, int] = {}
    for claim in result.claims:
        claims_per_doc[claim.doc] = claims_per_doc.get(claim.doc, 0) + 1
    return {
        "schema": SCHEMA,
        "models": result.models,
        "threshold": result.threshold,
        "documents": [
            {
                "id": d.id,
                "path": d.path,
                "format": d.format,
                "chars": len(d.text),
                "claims": claims_per_doc.get(d.id, 0),
                "skipped": d.skipped,
            }
            | ({"pages": len(d.pages)} if d.pages else {})
            for d in result.documents
        ],
        "claims": [
            {
                "id": c.id,
                "doc": c.doc,
                "text": c.text,
                "start": c.start,
                "end": c.end,
                "line": c.line,
                "column": c.column,
                "subject": subject_of.get(c.id),
                "asserts": asserts(a),
            }
            | _page(c.page)
            for c, a in zip(result.claims, result.assertions, strict=True)
        ],
        "subjects": [
            {
                "id": s.id,
                "label": s.label,
                "claims": list(s.claims),
                "documents": sorted({result.claim(c).doc for c in s.claims}),
            }
            for s in result.subjects
        ],
        "contradictions": [_contradiction(c) | _identity(result, c, of_pair) for c in result.contradictions],
        "disagreements": [_disagreement(result, d) for d in result.disagreements],
        # Flagged by the NLI judge alone, in both directions; not counted as contradictions (see --nli-only).
        "nli_only": [_contradiction(c) for c in result.nli_only],
        "reviews": _reviews(result),
        "dropped": [
            {"doc": d.doc, "start": d.start, "end": d.end, "reason": d.reason, "text": d.text} | _page(d.page)
            for d in result.dropped
        ],
        "warnings": result.warnings,
        "stats": result.stats.as_dict(),
    }


def _page(page: int | None) -> dict[str, int]:
    return {} if page is None else {"page": page}


def _contradiction(c: Contradiction) -> dict[str, Any]:
    return {
        "a": c.a,
        "b": c.b,
        "score": c.score,
        "subject": c.subject,
        "kind": c.kind,
        "directions": list(c.directions),
        "explanation": c.explanation,
        "signals": c.signals,
    }


def _identity(result: ScanResult, c: Contradiction, of_pair: dict[tuple[str, str], str]) -> dict[str, Any]:
    """@2's fields of a contradiction: its stable id, its disagreement, whether it is within one document, and
    its review."""
    pair_id = result.pair_id(c)
    fields: dict[str, Any] = {
        "id": pair_id,
        "disagreement": of_pair.get((c.a, c.b)),
        "within_document": result.claim(c.a).doc == result.claim(c.b).doc,
    }
    if result.reviewed is not None and result.reviewed.verdict(pair_id):
        fields["review"] = {"verdict": result.reviewed.verdict(pair_id), "note": result.reviewed.note(pair_id)}
    return fields


def _disagreement(result: ScanResult, d: Disagreement) -> dict[str, Any]:
    pair_ids = [result.pair_id(c) for c in d.pairs]
    status, confirmed = result.reviewed.status(pair_ids) if result.reviewed is not None else ("", 0)
    return {
        "id": d.id,
        "subject": d.subject,
        "label": result.subject(d.subject).label,
        "sides": [{"claims": list(side.claims), "documents": list(side.documents)} for side in d.sides],
        "both_sides": list(d.both_sides),
        "strongest": pair_ids[0],
        "score": d.strongest.score,
        "pairs": pair_ids,
        "pair_count": len(pair_ids),
        "kinds": list(d.kinds),
        "within_document": d.within_document,
        "two_sided": d.two_sided,
        "explanation": d.explanation,
        "review": {"status": status, "confirmed_pairs": confirmed} if status else None,
    }


def _reviews(result: ScanResult) -> dict[str, Any]:
    """What the reviews file did: how many reviews, the pairs they took out (listed apart), the stale ones."""
    reviewed = result.reviewed if result.reviewed is not None else Reviewed(reviews=[])
    return {
        "read": len(reviewed.reviews),
        "confirmed_pairs": reviewed.confirmed_pairs,
        "rejected_pairs": reviewed.rejected_pairs,
        "rejected": [
            {"review": _review(review), "pairs": [_contradiction(c) | {"id": result.pair_id(c)} for c in pairs]}
            for review, pairs in reviewed.rejected
        ],
        "stale": [_review(s.review) | {"reason": s.reason, "still_applied_to": s.applied} for s in reviewed.stale],
    }


def _review(review: Review) -> dict[str, Any]:
    named = ("target", "id", "verdict", "note", "about")
    return {name: getattr(review, name) for name in named} | {"pairs": len(review.pairs)}


def asserts(assertion: Assertion) -> dict[str, Any]:
    """What the claim reader found in a claim; empty parts are left out."""
    parts: dict[str, Any] = {
        "effects": [
            {"agent": e.agent, "target": e.target, "direction": e.direction, "verb": e.verb, "negated": e.negated}
            for e in assertion.effects
        ],
        "absent": [assertion.phrases.get(s, s) for s in assertion.absences],
        "quantities": [
            {
                "low": q.low,
                "high": q.high,
                "unit": q.unit,
                "text": q.text,
                "bound": q.bound or None,
                "role": q.role or None,
            }
            for q in assertion.quantities
        ],
        "hedges": list(assertion.hedges),
        "scope": list(assertion.scope),
        "research": assertion.research,  # "done" or "denied": what was (not) studied, see candidates.on_one_footing
    }
    return {key: value for key, value in parts.items() if value}
