"""findings.json (schema detector/findings@1): everything a scan found, machine-readable.

A PDF's documents carry `pages` (how many were read) and its claims and dropped sentences `page` (1 is the file's
first page); other formats leave both keys out."""

from __future__ import annotations

from typing import Any

from .assertions import Assertion
from .pipeline import ScanResult
from .records import Contradiction

SCHEMA = "detector/findings@1"


def findings(result: ScanResult) -> dict[str, Any]:
    """The scan as plain JSON-ready data; claim `start`/`end` index the document text."""
    subject_of = {claim_id: s.id for s in result.subjects for claim_id in s.claims}
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
        "contradictions": [_contradiction(c) for c in result.contradictions],
        # Flagged by the NLI judge alone, in both directions; not counted as contradictions (see --nli-only).
        "nli_only": [_contradiction(c) for c in result.nli_only],
        "dropped": [
            {"doc": d.doc, "start": d.start, "end": d.end, "reason": d.reason, "text": d.text} | _page(d.page)
            for d in result.dropped
        ],
        "warnings": result.warnings,
        "stats": result.stats,
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


def asserts(assertion: Assertion) -> dict[str, Any]:
    """What the claim reader found in a claim; empty parts are left out."""
    parts: dict[str, Any] = {
        "effects": [
            {"agent": e.agent, "target": e.target, "direction": e.direction, "verb": e.verb, "negated": e.negated}
            for e in assertion.effects
        ],
        "absent": [assertion.phrases.get(s, s) for s in assertion.absences],
        "quantities": [{"low": q.low, "high": q.high, "unit": q.unit, "text": q.text} for q in assertion.quantities],
        "hedges": list(assertion.hedges),
        "scope": list(assertion.scope),
    }
    return {key: value for key, value in parts.items() if value}
