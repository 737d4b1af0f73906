"""How long the shared graph layout (GEXF positions, graph.png, the HTML graph) takes on large claim graphs.

    python scripts/layout_benchmark.py [--claims 1000 --claims 5000 --claims 20000]

Builds claim graphs directly from records (no models): one document per 50 claims, one subject per 4 claims on
average (sizes drawn at random, as clustering leaves many small subjects and a few large ones), one
contradiction per 20 claims; then times `detector.outputs.layout.positions` on each.
"""

from __future__ import annotations

import json
import random
import sys
import time
from pathlib import Path

import typer

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from detector.graph import build_graph  # noqa: E402
from detector.outputs.layout import positions  # noqa: E402
from detector.records import Claim, Contradiction, Document, Subject  # noqa: E402


def claim_graph(claims: int, seed: int = 0):  # type: ignore[no-untyped-def]
    rng = random.Random(seed)
    documents = [Document(f"doc{i:04d}.txt", f"doc{i:04d}.txt", "", "text") for i in range(max(1, claims // 50))]
    records = [Claim(f"c{i:06d}", rng.choice(documents).id, f"claim {i}", 0, 0, 1, 1) for i in range(claims)]
    subjects, start = [], 0
    while start < claims:
        size = min(claims - start, max(1, int(rng.paretovariate(1.2))))
        members = tuple(c.id for c in records[start : start + size])
        subjects.append(Subject(f"s{len(subjects):05d}", f"subject {len(subjects)}", members))
        start += size
    found = []
    for subject in subjects:
        if len(subject.claims) > 1 and len(found) < claims // 20:
            a, b = rng.sample(subject.claims, 2)
            found.append(Contradiction(a, b, 0.9, subject.id, "nli", ("a→b",), "test"))
    return build_graph(documents, records, subjects, found), len(subjects)


def main(claims: list[int] = typer.Option([1000, 5000, 20000], help="claims per graph (repeat)")) -> None:
    """Seconds `positions()` takes per graph size."""
    for count in claims:
        graph, subjects = claim_graph(count)
        started = time.perf_counter()
        where = positions(graph)
        seconds = time.perf_counter() - started
        assert len(where) == graph.number_of_nodes()
        row = {"claims": count, "subjects": subjects, "nodes": graph.number_of_nodes(), "seconds": round(seconds, 2)}
        print(json.dumps(row))


if __name__ == "__main__":
    typer.run(main)
