"""report.html: one self-contained page — summary, stance tables per subject, each contradiction side by side in
its paragraph, and an interactive claim graph. No network: styles, scripts and data are inlined."""

from __future__ import annotations

import base64
import hashlib
import json
import math
from collections import Counter, defaultdict
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import jinja2
from markupsafe import Markup

from ..claims import blocks
from ..contradictions import quote
from ..pipeline import ScanResult
from ..records import Claim, Contradiction, Disagreement, Subject
from ..reviews import as_json
from .layout import SCALE, positions
from .report import stances_of

# Characters of the paragraph shown on each side of a claim; longer paragraphs are cut at a word boundary.
CONTEXT_CHARS = 200
ASSETS = "assets"
VIEW_SPACING = 110.0


@dataclass(frozen=True)
class Side:
    """One claim of a contradiction, with the paragraph around it split at the claim's offsets."""

    claim: Claim
    path: str
    before: str
    after: str
    cut_before: bool
    cut_after: bool


def render_html(result: ScanResult, where: dict[str, tuple[float, float]] | None = None) -> str:
    """The HTML report for a scan; `where` gives graph positions (computed when left out)."""
    where = positions(result.graph) if where is None else where
    paragraphs = _Paragraphs(result)
    scripts = [_asset("vendor/cytoscape.min.js"), _asset("report.js")]
    reviewed = result.reviewed
    context = {
        "stats": result.stats,
        "threshold": result.threshold,
        "models": _models(result.models),
        "kinds": Counter(c.kind for c in result.contradictions).most_common(),
        # In report.md's order: the disagreement with the most pairs first; strongest pair first within each.
        "disagreements": [
            _disagreement(result, number, d, paragraphs) for number, d in enumerate(result.disagreements, start=1)
        ],
        "rejected": [
            (review, [_contradiction(result, c, paragraphs) for c in pairs])
            for review, pairs in (reviewed.rejected if reviewed is not None else [])
        ],
        "stale": reviewed.stale if reviewed is not None else [],
        "reviews_read": len(reviewed.reviews) if reviewed is not None else 0,
        "review_data": Markup(_script_json(_review_data(result))),
        "nli_only": [(c, result.claim(c.a), result.claim(c.b)) for c in result.nli_only],
        "subjects": _subjects(result),
        "warnings": result.warnings,
        "dropped": result.stats.dropped,
        "graph_data": Markup(_script_json(_graph_data(result, where))),
        "style": Markup(_asset("report.css")),
        "scripts": [Markup(s) for s in scripts],
        "script_hashes": [_csp_hash(s) for s in scripts],
    }
    return _environment().get_template("report.html.j2").render(context)


@cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("detector.outputs", ASSETS),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )


@cache
def _asset(name: str) -> str:
    return resources.files("detector.outputs").joinpath(ASSETS, name).read_text(encoding="utf-8")


def _csp_hash(script: str) -> str:
    # The page's Content-Security-Policy runs only these scripts: markup that slipped into the page could not.
    return "sha256-" + base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii")


def _script_json(data: object) -> str:
    """JSON safe inside a <script> element: no "</script>", "<!--" or line separators can end or bend it."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    for char, escaped in (
        ("<", "\\u003c"),
        (">", "\\u003e"),
        ("&", "\\u0026"),
        ("\u2028", "\\u2028"),
        ("\u2029", "\\u2029"),
    ):
        text = text.replace(char, escaped)
    return text


def _models(models: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(role, name, details) for each model the scan used."""
    rows = []
    for role, info in models.items():
        details = [str(info[key]) for key in ("source", "runtime") if info.get(key)]
        if info.get("threshold") is not None:
            details.append(f"threshold {info['threshold']}")
        rows.append((role, str(info.get("name", "?")), ", ".join(details)))
    return rows


class _Paragraphs:
    """The block (paragraph, list item, …) around a claim, found once per document."""

    def __init__(self, result: ScanResult) -> None:
        self._result = result
        self._blocks: dict[str, list[tuple[int, int]]] = {}

    def side(self, claim: Claim) -> Side:
        doc = self._result.document(claim.doc)
        if claim.doc not in self._blocks:
            self._blocks[claim.doc] = [(b.start, b.end) for b in blocks(doc.text, doc.format)]
        start, end = next(
            ((s, e) for s, e in self._blocks[claim.doc] if s <= claim.start and claim.end <= e),
            (claim.start, claim.end),
        )
        before, cut_before = _tail(doc.text[start : claim.start], CONTEXT_CHARS)
        after, cut_after = _head(doc.text[claim.end : end], CONTEXT_CHARS)
        return Side(claim, doc.path, before, after, cut_before, cut_after)


def _tail(text: str, limit: int) -> tuple[str, bool]:
    if len(text) <= limit:
        return text, False
    cut = text[-limit:]
    return cut[cut.find(" ") + 1 :] if " " in cut else cut, True


def _head(text: str, limit: int) -> tuple[str, bool]:
    if len(text) <= limit:
        return text, False
    cut = text[:limit]
    return cut[: cut.rfind(" ")] if " " in cut else cut, True


def _contradiction(result: ScanResult, c: Contradiction, paragraphs: _Paragraphs) -> dict[str, Any]:
    a, b = result.claim(c.a), result.claim(c.b)
    pair_id = result.pair_id(c)
    return {
        "c": c,
        "id": pair_id,
        "subject": result.subject(c.subject),
        "within": a.doc == b.doc,
        "sides": [paragraphs.side(a), paragraphs.side(b)],
        "search": " ".join((a.text, b.text, a.doc, b.doc, c.explanation, result.subject(c.subject).label)).lower(),
        "verdict": result.reviewed.verdict(pair_id) or "" if result.reviewed is not None else "",
        "note": result.reviewed.note(pair_id) if result.reviewed is not None else "",
    }


def _disagreement(result: ScanResult, number: int, d: Disagreement, paragraphs: _Paragraphs) -> dict[str, Any]:
    """A disagreement as the page shows it: a one-row summary (its strongest pair's claims side by side), then its
    sides, why its pairs are one, and the pairs themselves."""
    pairs = [_contradiction(result, c, paragraphs) for c in d.pairs]
    status, confirmed = result.reviewed.status([p["id"] for p in pairs]) if result.reviewed is not None else ("", 0)
    claims = [result.claim(i) for side in d.sides for i in side.claims]
    label = result.subject(d.subject).label
    return {
        "d": d,
        "number": number,
        "label": label,
        "status": status,
        "confirmed": confirmed,
        "strongest": [quote(result.claim(i).text, 160) for i in (d.strongest.a, d.strongest.b)],
        "strongest_docs": [result.claim(i).doc for i in (d.strongest.a, d.strongest.b)],
        "sides": [[result.claim(i) for i in side.claims] for side in d.sides],
        "pairs": pairs,
        "subjects": " ".join(sorted({c.subject for c in d.pairs})),
        "search": " ".join([label, d.explanation] + [f"{c.doc} {c.text}" for c in claims]).lower(),
    }


def _review_data(result: ScanResult) -> dict[str, Any]:
    """What the page's review buttons need: the reviews already recorded (a saved file keeps them), and each
    disagreement's and pair's claims as (path, text), which is how a review names them."""
    paths = result.paths()

    def key(claim_id: str) -> list[str]:
        claim = result.claim(claim_id)
        return [paths[claim.doc], claim.text]

    pairs = list(result.contradictions)
    if result.reviewed is not None:
        pairs += [c for _, rejected in result.reviewed.rejected for c in rejected]
    return as_json(result.reviewed.reviews if result.reviewed is not None else []) | {
        "pairs": {result.pair_id(c): [key(c.a), key(c.b), result.subject(c.subject).label] for c in pairs},
        "disagreements": {
            d.id: {"pairs": [result.pair_id(c) for c in d.pairs], "about": result.subject(d.subject).label}
            for d in result.disagreements
        },
    }


@dataclass(frozen=True)
class Stance:
    """A claim in a stance table: what the claim reader says it asserts, and the claims it contradicts."""

    claim: Claim
    stances: list[str]
    against: list[tuple[str, str, float]]  # (claim id, its document, score)


@dataclass(frozen=True)
class DocumentStance:
    """One row of a stance table: a document's claims on a subject and the side they take."""

    doc: str
    claims: list[Stance]
    side: list[str]
    opposes: list[str]


@dataclass(frozen=True)
class SubjectTable:
    subject: Subject
    documents: list[DocumentStance]
    contradictions: int
    kinds: str
    search: str


def _subjects(result: ScanResult) -> list[SubjectTable]:
    """Per subject: each document, the claims it makes there, the stances they take and whom they contradict."""
    against: dict[str, list[tuple[str, str, float]]] = defaultdict(list)
    found: Counter[str] = Counter()
    kinds: dict[str, set[str]] = defaultdict(set)
    for c in result.contradictions:
        found[c.subject] += 1
        kinds[c.subject].add(c.kind)
        against[c.a].append((c.b, result.claim(c.b).doc, c.score))
        against[c.b].append((c.a, result.claim(c.a).doc, c.score))
    tables = []
    for subject in result.subjects:
        per_doc: dict[str, list[Stance]] = defaultdict(list)
        for claim_id in subject.claims:
            claim = result.claim(claim_id)
            per_doc[claim.doc].append(Stance(claim, stances_of(result.assertion(claim_id)), against[claim_id]))
        documents = [
            DocumentStance(
                doc,
                stances,
                side=sorted({s for item in stances for s in item.stances}),
                opposes=sorted({other_doc for item in stances for _, other_doc, _ in item.against}),
            )
            for doc, stances in sorted(per_doc.items())
        ]
        text = " ".join([subject.label] + [item.claim.text for d in documents for item in d.claims])
        tables.append(
            SubjectTable(subject, documents, found[subject.id], " ".join(sorted(kinds[subject.id])), text.lower())
        )
    tables.sort(key=lambda t: (-t.contradictions, -len(t.subject.claims), t.subject.id))
    return tables


def _graph_data(result: ScanResult, where: dict[str, tuple[float, float]]) -> dict[str, Any]:
    """Nodes and edges for the page's graph view, with the shared layout's positions."""
    graph = result.graph
    # Screen units: neighbouring subjects about VIEW_SPACING apart whatever the corpus size; y grows downwards.
    anchors = sum(1 for _, kind in graph.nodes(data="kind") if kind != "claim")
    zoom = VIEW_SPACING * math.sqrt(max(anchors, 1)) / (2 * SCALE)
    # A subject's label sits above its ring of claims, not across it.
    ring: dict[str, float] = defaultdict(float)
    for node, subject in graph.nodes(data="subject"):
        if graph.nodes[node]["kind"] == "claim" and subject and node in where:
            centre = where.get(f"subject:{subject}", where[node])
            ring[subject] = max(ring[subject], (where[node][1] - centre[1]) * zoom)
    nodes = []
    for node, data in graph.nodes(data=True):
        x, y = where.get(node, (0.0, 0.0))
        item = {
            "id": node,
            "kind": data["kind"],
            "label": data["label"],
            "x": round(x * zoom, 1),
            "y": round(-y * zoom, 1),
        }
        if data["kind"] == "claim":
            item |= {"text": data["text"], "doc": data["doc"], "subject": data["subject"], "hot": data["contradicted"]}
        elif data["kind"] == "subject":
            item |= {"subject": data["subject"], "claims": data["claims"], "lift": -round(ring[data["subject"]], 1)}
        elif data["kind"] == "disagreement":
            item |= {"subject": data["subject"], "claims": data["claims"], "pairs": data["pairs"]}
        else:
            item |= {"claims": data["claims"]}
        nodes.append(item)
    edges = []
    for a, b, data in graph.edges(data=True):
        edge = {"source": a, "target": b, "relation": data["relation"]}
        if data["relation"] == "contradicts":
            edge |= {"kind": data["kind"], "score": round(data["weight"], 3), "explanation": data["explanation"]}
        edges.append(edge)
    return {"nodes": nodes, "edges": edges}
