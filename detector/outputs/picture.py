"""graph.png: a still picture of documents, subjects and contradictions, for READMEs and slides."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import networkx as nx

from ..graph import COLOURS

MAX_SUBJECT_LABELS = 14


def draw(graph: nx.DiGraph, where: dict[str, tuple[float, float]], path: Path, *, title: str = "") -> None:
    """Draw the claim graph at the given positions into a PNG at `path`."""
    # A bare Figure (no pyplot): no global backend switch in the caller's process; PNG goes through Agg.
    from matplotlib.collections import LineCollection
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D

    nodes = dict(graph.nodes(data=True))
    of_kind = {kind: [n for n, d in nodes.items() if d["kind"] == kind] for kind in ("document", "subject", "claim")}
    contradicting = [n for n in of_kind["claim"] if nodes[n].get("contradicted")]
    contradictions = [(a, b) for a, b, d in graph.edges(data=True) if d.get("relation") == "contradicts"]
    links = [(a, b) for a, b, d in graph.edges(data=True) if d.get("relation") == "in" and nodes[a].get("contradicted")]
    in_subject = Counter(nodes[n].get("subject", "") for n in contradicting)

    figure = Figure(figsize=(12, 9), dpi=150)
    axes = figure.subplots()
    axes.set_axis_off()
    colour = {kind: (r / 255, g / 255, b / 255) for kind, (r, g, b) in COLOURS.items()}

    def xy(names: list[str]) -> tuple[list[float], list[float]]:
        return [where[n][0] for n in names], [where[n][1] for n in names]

    def segments(pairs: list[tuple[str, str]]) -> list[list[tuple[float, float]]]:
        return [[where[a], where[b]] for a, b in pairs]

    about = [(a, b) for a, b, d in graph.edges(data=True) if d.get("relation") == "about"]
    axes.add_collection(LineCollection(segments(about), colors="#cccccc", linewidths=0.4, zorder=1))
    axes.add_collection(LineCollection(segments(links), colors=[(*colour["document"], 0.25)], linewidths=0.6, zorder=1))
    axes.add_collection(
        LineCollection(segments(contradictions), colors=[colour["contradicting claim"]], linewidths=2.0, zorder=3)
    )
    axes.scatter(*xy(of_kind["claim"]), s=4, color=colour["claim"], zorder=2)
    axes.scatter(*xy(contradicting), s=18, color=colour["contradicting claim"], zorder=4)
    sizes = [30 + 12 * min(nodes[n].get("claims", 0), 30) for n in of_kind["subject"]]
    axes.scatter(*xy(of_kind["subject"]), s=sizes, color=colour["subject"], alpha=0.85, edgecolors="white", zorder=5)
    axes.scatter(*xy(of_kind["document"]), s=420, marker="s", color=colour["document"], edgecolors="white", zorder=6)

    for doc in of_kind["document"]:
        _label(axes, _short(nodes[doc]["label"], 28), where[doc], "#1d232a", lift=9)
    busiest = sorted(
        (n for n in of_kind["subject"] if in_subject[nodes[n]["subject"]]),
        key=lambda n: (-in_subject[nodes[n]["subject"]], n),
    )[:MAX_SUBJECT_LABELS]
    top = {n: where[n][1] for n in of_kind["subject"]}
    for claim in of_kind["claim"]:
        owner = f"subject:{nodes[claim].get('subject', '')}"
        if owner in top:
            top[owner] = max(top[owner], where[claim][1])
    for subject in busiest:  # above the ring of claims, not across it
        _label(axes, _short(nodes[subject]["label"], 32), (where[subject][0], top[subject]), "#6b4a00", lift=5)

    legend = [
        Line2D([], [], marker="s", linestyle="", color=colour["document"], markersize=9, label="document"),
        Line2D([], [], marker="o", linestyle="", color=colour["subject"], markersize=9, label="subject"),
        Line2D([], [], marker="o", linestyle="", color=colour["claim"], markersize=4, label="claim"),
        Line2D([], [], color=colour["contradicting claim"], linewidth=2, label="contradiction"),
    ]
    axes.legend(handles=legend, loc="lower right", frameon=False, fontsize=9)
    if title:
        axes.set_title(title, fontsize=11)
    axes.margins(0.06)
    figure.tight_layout()
    figure.savefig(path, format="png", metadata={"Software": None})


def _label(axes: Any, text: str, xy: tuple[float, float], colour: str, *, lift: float) -> None:
    # parse_math off: a "$" in a label is text, not the start of a formula.
    axes.annotate(
        text,
        xy,
        xytext=(0, lift),
        textcoords="offset points",
        fontsize=8,
        color=colour,
        ha="center",
        va="bottom",
        zorder=7,
        parse_math=False,
        bbox={"boxstyle": "round,pad=0.2", "facecolor": "white", "edgecolor": "none", "alpha": 0.75},
    )


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
