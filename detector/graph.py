"""Stage 8: the claim graph — documents, subjects, claims and disagreements, joined by provenance and
contradictions."""

from __future__ import annotations

from collections.abc import Sequence

import networkx as nx

from .contradictions import quote
from .records import Claim, Contradiction, Disagreement, Document, Subject

# Node colours by kind, chosen to stay apart for colour-blind readers (Okabe–Ito palette).
COLOURS = {
    "document": (0, 114, 178),
    "subject": (230, 159, 0),
    "claim": (153, 153, 153),
    "contradicting claim": (213, 94, 0),
    "disagreement": (204, 121, 167),
}


def build_graph(
    documents: Sequence[Document],
    claims: Sequence[Claim],
    subjects: Sequence[Subject],
    contradictions: Sequence[Contradiction],
    disagreements: Sequence[Disagreement] = (),
) -> nx.DiGraph:
    """A directed graph: claim→document (`in`), claim→subject (`about`), claim→claim (`contradicts`, weight = score),
    claim→disagreement (`side`, with `side` "a" or "b": the side of the disagreement the claim takes)."""
    graph = nx.DiGraph(name="detector claim graph")
    counts = {d.id: 0 for d in documents}
    for claim in claims:
        counts[claim.doc] = counts.get(claim.doc, 0) + 1
    contradicting = {c.a for c in contradictions} | {c.b for c in contradictions}
    for doc in documents:
        graph.add_node(
            f"doc:{doc.id}",
            kind="document",
            label=doc.id,
            path=doc.path,
            claims=counts.get(doc.id, 0),
            skipped=doc.skipped or "",
        )
    subject_of: dict[str, str] = {}
    subject_labels = {subject.id: subject.label for subject in subjects}
    for subject in subjects:
        graph.add_node(
            f"subject:{subject.id}", kind="subject", label=subject.label, subject=subject.id, claims=len(subject.claims)
        )
        for claim_id in subject.claims:
            subject_of[claim_id] = subject.id
    for claim in claims:
        graph.add_node(
            f"claim:{claim.id}",
            kind="claim",
            label=quote(claim.text, 60),
            text=claim.text,
            doc=claim.doc,
            start=claim.start,
            end=claim.end,
            subject=subject_of.get(claim.id, ""),
            contradicted=claim.id in contradicting,
            # GEXF attributes cannot be empty: only a PDF's claims carry a page.
            **({"page": claim.page} if claim.page is not None else {}),
        )
        graph.add_edge(f"claim:{claim.id}", f"doc:{claim.doc}", relation="in", weight=1.0)
        if claim.id in subject_of:
            graph.add_edge(f"claim:{claim.id}", f"subject:{subject_of[claim.id]}", relation="about", weight=1.0)
    for c in contradictions:
        graph.add_edge(
            f"claim:{c.a}",
            f"claim:{c.b}",
            relation="contradicts",
            weight=c.score,
            kind=c.kind,
            explanation=c.explanation,
        )
    for number, d in enumerate(disagreements, start=1):
        node = f"disagreement:{d.id}"
        pairs = f"{len(d.pairs)} pair{'s' * (len(d.pairs) != 1)}"
        graph.add_node(
            node,
            kind="disagreement",
            label=f"D{number} {subject_labels.get(d.subject, d.subject)} ({pairs})",
            disagreement=d.id,
            subject=d.subject,
            pairs=len(d.pairs),
            claims=sum(len(side.claims) for side in d.sides),
            kinds=" ".join(d.kinds),
            within_document=d.within_document,
            two_sided=d.two_sided,
            explanation=d.explanation,
        )
        for name, side in zip("ab", d.sides, strict=True):
            for claim_id in side.claims:
                graph.add_edge(f"claim:{claim_id}", node, relation="side", side=name, weight=1.0)
    return graph


def with_visuals(graph: nx.DiGraph, where: dict[str, tuple[float, float]] | None = None) -> nx.DiGraph:
    """A copy with Gephi `viz` colours, sizes and, from `where`, positions: documents large, subjects by size,
    contradicting claims orange."""
    styled = graph.copy()
    for node, data in styled.nodes(data=True):
        kind = data["kind"]
        if kind == "claim" and data.get("contradicted"):
            kind = "contradicting claim"
        r, g, b = COLOURS[kind]
        size = {
            "document": 30.0,
            "subject": 10.0 + 2.0 * min(data.get("claims", 0), 20),
            "disagreement": 14.0 + 2.0 * min(data.get("pairs", 0), 10),
        }.get(kind, 6.0)
        if kind == "contradicting claim":
            size = 12.0
        data["viz"] = {"color": {"r": r, "g": g, "b": b, "a": 1.0}, "size": size}
        if where is not None and node in where:
            x, y = where[node]
            data["viz"]["position"] = {"x": x, "y": y, "z": 0.0}
    for _a, _b, data in styled.edges(data=True):
        if data["relation"] == "contradicts":
            data["viz"] = {"color": {"r": 213, "g": 94, "b": 0, "a": 1.0}, "thickness": 3.0}
        elif data["relation"] == "side":
            r, g, b = COLOURS["disagreement"]
            data["viz"] = {"color": {"r": r, "g": g, "b": b, "a": 0.6}, "thickness": 1.0}
    return styled
