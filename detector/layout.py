"""Positions for the claim graph, the same on every run: GEXF `viz:position`, graph.png and the HTML graph share them.

Only documents and subjects go through the force-directed layout (claims joined into one weighted edge per
subject and document), so its cost grows with subjects, not claims; each subject's claims then sit on a small
ring around it, turned towards the documents they come from.
"""

from __future__ import annotations

import math
from collections import defaultdict

import networkx as nx
import numpy as np

SEED = 7
SCALE = 1000.0
# Fruchterman–Reingold iterations: enough to settle a few hundred subjects; fewer for very large skeletons so a
# corpus of thousands of subjects is laid out in seconds.
MAX_ITERATIONS = 80
_ITERATION_BUDGET = 400_000  # iterations × nodes
# Overlap removal compares every pair of documents and subjects; above this many it is skipped.
MAX_SPREAD_NODES = 2_500


def positions(graph: nx.DiGraph, *, seed: int = SEED, scale: float = SCALE) -> dict[str, tuple[float, float]]:
    """An (x, y) for every node of a claim graph (see `graph.build_graph`), about ±`scale` across."""
    skeleton = _skeleton(graph)
    if skeleton.number_of_nodes() == 0:
        return {}
    iterations = max(15, min(MAX_ITERATIONS, _ITERATION_BUDGET // max(skeleton.number_of_nodes(), 1)))
    start = _circle(sorted(skeleton.nodes))
    placed = nx.spring_layout(skeleton, pos=start, iterations=iterations, weight="weight", seed=seed, scale=scale)
    spacing = scale / math.sqrt(max(skeleton.number_of_nodes(), 1))
    nodes = list(placed)
    radii = np.array([_radius(graph, node, spacing) for node in nodes])
    spread = _apart(np.array([placed[n] for n in nodes]), radii) if len(nodes) <= MAX_SPREAD_NODES else None
    if spread is not None:
        placed = dict(zip(nodes, spread))
    where: dict[str, tuple[float, float]] = {node: (float(x), float(y)) for node, (x, y) in placed.items()}
    _place_claims(graph, where, spacing)
    return where


def _radius(graph: nx.DiGraph, node: str, spacing: float) -> float:
    """How much room a skeleton node needs: a subject its ring of claims, a document its square."""
    data = graph.nodes[node]
    return _ring(spacing, data.get("claims", 1)) * 1.3 if data["kind"] == "subject" else 0.45 * spacing


def _ring(spacing: float, claims: int) -> float:
    return spacing * (0.18 + 0.04 * math.sqrt(claims))


def _apart(xy: np.ndarray, radii: np.ndarray, rounds: int = 60) -> np.ndarray:
    """Push overlapping nodes apart (each needs its radius clear around it) in a few bounded rounds."""
    xy = xy.astype(float).copy()
    need = radii[:, None] + radii[None, :]
    np.fill_diagonal(need, 0.0)
    index = np.arange(len(xy))
    order = np.sign(index[None, :] - index[:, None]).astype(float)
    for _ in range(rounds):
        delta = xy[:, None, :] - xy[None, :, :]
        distance = np.hypot(delta[..., 0], delta[..., 1])
        overlap = np.clip(need - distance, 0.0, None)
        if not overlap.any():
            break
        unit = delta / np.where(distance == 0, 1.0, distance)[..., None]
        # Coincident nodes are pushed apart along x, the lower index to the right.
        unit[..., 0] = np.where(distance == 0, order, unit[..., 0])
        xy += 0.5 * (overlap[..., None] * unit).sum(axis=1)
    return xy


def _skeleton(graph: nx.DiGraph) -> nx.Graph:
    """Documents and subjects; a subject–document edge weighs how many of the subject's claims the document makes."""
    skeleton = nx.Graph()
    for node, data in graph.nodes(data=True):
        if data["kind"] in ("document", "subject"):
            skeleton.add_node(node)
    counts: dict[tuple[str, str], int] = defaultdict(int)
    for node, data in graph.nodes(data=True):
        if data["kind"] != "claim":
            continue
        doc, subject = _anchors(graph, node)
        if doc and subject:
            counts[(subject, doc)] += 1
    for a, b, data in graph.edges(data=True):
        if data.get("relation") == "contradicts":
            sa, sb = _anchors(graph, a)[1], _anchors(graph, b)[1]
            if sa and sb and sa != sb:
                counts[(min(sa, sb), max(sa, sb))] += 1
    for (a, b), count in sorted(counts.items()):
        skeleton.add_edge(a, b, weight=1.0 + math.log(count))
    return skeleton


def _anchors(graph: nx.DiGraph, claim: str) -> tuple[str | None, str | None]:
    """The document node and the subject node a claim hangs from."""
    doc = subject = None
    for _, target, data in graph.out_edges(claim, data=True):
        if data.get("relation") == "in":
            doc = target
        elif data.get("relation") == "about":
            subject = target
    return doc, subject


def _circle(nodes: list[str]) -> dict[str, tuple[float, float]]:
    # A fixed starting point: spring_layout's own random start depends on node order only through the seed.
    step = 2 * math.pi / max(len(nodes), 1)
    return {node: (math.cos(i * step), math.sin(i * step)) for i, node in enumerate(nodes)}


def _place_claims(graph: nx.DiGraph, where: dict[str, tuple[float, float]], spacing: float) -> None:
    """Put each subject's claims on a ring around it, ordered by the direction of their documents."""
    rings: dict[str, list[tuple[float, str]]] = defaultdict(list)
    for node in sorted(graph.nodes):
        if graph.nodes[node]["kind"] != "claim":
            continue
        doc, subject = _anchors(graph, node)
        centre = subject or doc
        if centre is None:
            where[node] = (0.0, 0.0)
            continue
        cx, cy = where[centre]
        dx, dy = where[doc] if doc and doc != centre else (0.0, 0.0)
        rings[centre].append((math.atan2(dy - cy, dx - cx), node))
    for centre, members in rings.items():
        cx, cy = where[centre]
        members.sort()
        radius = _ring(spacing, len(members))
        first = members[0][0]
        for i, (angle, node) in enumerate(members):
            turn = angle if len(members) == 1 else first + 2 * math.pi * i / len(members)
            where[node] = (cx + radius * math.cos(turn), cy + radius * math.sin(turn))
