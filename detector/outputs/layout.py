"""Positions for the claim graph, the same on every run: GEXF `viz:position`, graph.png and the HTML graph share them.

Only documents and subjects go through the force-directed layout (claims joined into one weighted edge per
subject and document), so its cost grows with subjects, not claims; each subject's claims then sit on a small
ring around it, turned towards the documents they come from.
"""

from __future__ import annotations

import math
from collections import defaultdict
from typing import Any

import networkx as nx
import numpy as np

SEED = 7
SCALE = 1000.0
# Node pairs the force layout and the overlap pass may visit in all (each round visits every pair): a few hundred
# subjects get the full MAX_ROUNDS, thousands get fewer, so large corpora are laid out in seconds, not minutes.
PAIR_BUDGET = 40_000_000
MAX_ROUNDS = 80
MIN_ROUNDS = 5
_CHUNK = 512  # rows of the pairwise arrays held at once


def positions(graph: nx.DiGraph, *, seed: int = SEED, scale: float = SCALE) -> dict[str, tuple[float, float]]:
    """An (x, y) for every node of a claim graph (see `graph.build_graph`), about ±`scale` across."""
    skeleton = _skeleton(graph)
    nodes = sorted(skeleton.nodes)
    if not nodes:
        return {}
    weights = nx.to_scipy_sparse_array(skeleton, nodelist=nodes, weight="weight", format="csr")
    rounds = int(np.clip(PAIR_BUDGET // (2 * len(nodes) ** 2), MIN_ROUNDS, MAX_ROUNDS))
    xy = _spring(_start(graph, nodes, weights, seed), weights, rounds)
    xy -= xy.mean(axis=0)
    xy *= scale / max(float(np.abs(xy).max()), 1e-9)
    spacing = scale / math.sqrt(len(nodes))
    xy = _apart(xy, np.array([_radius(graph, node, spacing) for node in nodes]), rounds)
    where: dict[str, tuple[float, float]] = {node: (float(x), float(y)) for node, (x, y) in zip(nodes, xy)}
    _place_claims(graph, where, spacing)
    _place_disagreements(graph, where)
    return where


def _start(graph: nx.DiGraph, nodes: list[str], weights: Any, seed: int) -> np.ndarray:
    """Documents evenly on a circle; every subject at the weighted middle of its documents, slightly jittered."""
    n = len(nodes)
    is_doc = np.array([graph.nodes[node]["kind"] == "document" for node in nodes])
    xy = np.random.default_rng(seed).uniform(-0.5, 0.5, (n, 2)) / math.sqrt(n)
    angles = 2 * math.pi * np.arange(is_doc.sum()) / max(int(is_doc.sum()), 1)
    xy[is_doc] = 0.5 * np.column_stack([np.cos(angles), np.sin(angles)])
    to_docs = weights[:, is_doc]
    total = np.asarray(to_docs.sum(axis=1)).ravel()
    linked = (~is_doc) & (total > 0)
    xy[linked] += (to_docs @ xy[is_doc])[linked] / total[linked, None]
    return xy


# Not nx.spring_layout: past 500 nodes it loops per node in Python, 1.5-1.8x slower (scripts/layout_benchmark.py).
def _spring(xy: np.ndarray, weights: Any, rounds: int) -> np.ndarray:
    """Fruchterman–Reingold: every pair repels, edges attract by weight; the step cools each round."""
    xy = xy.copy()
    k = math.sqrt(1.0 / len(xy))
    step = 0.1 * max(float(np.ptp(xy, axis=0).max()), 1e-3)
    cooling = step / (rounds + 1)
    for _ in range(rounds):

        def force(rows: slice, distance: np.ndarray) -> np.ndarray:
            distance = np.maximum(distance, 0.01)
            return k * k / distance - weights[rows].toarray() * distance * distance / k

        push = _pairwise(xy, force)
        length = np.maximum(np.hypot(push[:, 0], push[:, 1]), 0.01)
        xy += push * (step / length)[:, None]
        step -= cooling
    return xy


def _pairwise(xy: np.ndarray, force: Any) -> np.ndarray:
    """For each node, the sum over other nodes of force(rows, distance) along the line from them to it."""
    out = np.empty_like(xy)
    for low in range(0, len(xy), _CHUNK):
        rows = slice(low, low + _CHUNK)
        dx = xy[rows, 0, None] - xy[None, :, 0]
        dy = xy[rows, 1, None] - xy[None, :, 1]
        distance = np.hypot(dx, dy)
        along = force(rows, distance) / np.maximum(distance, 1e-9)
        out[rows, 0] = (dx * along).sum(axis=1)
        out[rows, 1] = (dy * along).sum(axis=1)
    return out


def _radius(graph: nx.DiGraph, node: str, spacing: float) -> float:
    """How much room a skeleton node needs: a subject its ring of claims, a document its square."""
    data = graph.nodes[node]
    return _ring(spacing, data.get("claims", 1)) * 1.3 if data["kind"] == "subject" else 0.45 * spacing


def _ring(spacing: float, claims: int) -> float:
    return spacing * (0.18 + 0.04 * math.sqrt(claims))


def _apart(xy: np.ndarray, radii: np.ndarray, rounds: int) -> np.ndarray:
    """Push overlapping nodes apart (each needs its radius clear around it), in at most `rounds` rounds."""
    xy = xy.copy()
    for _ in range(rounds):

        def overlap(rows: slice, distance: np.ndarray) -> np.ndarray:
            need = radii[rows, None] + radii[None, :]
            need[np.arange(need.shape[0]), np.arange(rows.start, rows.start + need.shape[0])] = 0.0
            return 0.5 * np.clip(need - distance, 0.0, None)

        push = _pairwise(xy, overlap)
        if not push.any():
            break
        xy += push
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


def _place_disagreements(graph: nx.DiGraph, where: dict[str, tuple[float, float]]) -> None:
    """Put each disagreement at the middle of the claims that take its sides."""
    for node in sorted(graph.nodes):
        if graph.nodes[node]["kind"] != "disagreement":
            continue
        claims = [where[claim] for claim, _ in graph.in_edges(node) if claim in where]
        if claims:
            where[node] = (sum(x for x, _ in claims) / len(claims), sum(y for _, y in claims) / len(claims))
