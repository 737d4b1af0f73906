"""How well subject clusters recover subjects that are known: public sentences grouped by their source.

Each draw takes N sources at random (a fixed seed per draw) and all their sentences: for COVID-Fact
(`covidfact/COVIDFACT_dataset.jsonl`; every source is about COVID-19, as every page of a collection about one
substance is about it) an article's supported claims and its evidence sentences; for SciFact
(`scifact/scifact_pairs_*.jsonl`, many topics) a claim and the sentences of the abstracts cited for it. The
sentences are embedded with the lock's embedder and clustered; the clusters are scored against the sources by
adjusted mutual information (scikit-learn), with the largest cluster's share of the sentences and the share left
alone. Rows: `subjects.cluster` as a plain cut of the embeddings at each `--plain` similarity (nothing taken out),
and with the collection's shared topic taken out (`subjects.apart_from_topic`) at each `--similarity` and
`--half-weight`.

    python scripts/subjects_benchmark.py ../shared/benchmarks
    python scripts/subjects_benchmark.py ../shared/benchmarks --sources 2,5,10,20,60,200 --half-weight 20,30,50

The data stays in ../shared (its licences are non-commercial); nothing is written.
"""

from __future__ import annotations

import argparse
import json
import math
import random
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np
from sklearn.metrics import adjusted_mutual_info_score

from detector import embeddings, subjects
from detector.models.load import load_embedder
from detector.models.lock import read_lock

ROOT = Path(__file__).resolve().parents[1]


def covidfact_sources(benchmarks: Path) -> dict[str, set[str]]:
    """Each COVID-Fact article's supported claims and evidence sentences."""
    found: dict[str, set[str]] = defaultdict(set)
    with (benchmarks / "covidfact" / "COVIDFACT_dataset.jsonl").open(encoding="utf-8") as rows:
        for line in rows:
            row = json.loads(line)
            if row["label"] == "SUPPORTED":
                found[row["gold_source"]].add(row["claim"])
            found[row["gold_source"]].update(row["evidence"])
    return found


def scifact_sources(benchmarks: Path) -> dict[str, set[str]]:
    """Each SciFact claim with the sentences of the evidence given for it."""
    found: dict[str, set[str]] = defaultdict(set)
    for name in ("scifact_pairs_train.jsonl", "scifact_pairs_dev.jsonl"):
        with (benchmarks / "scifact" / name).open(encoding="utf-8") as rows:
            for line in rows:
                row = json.loads(line)
                key = str(row["claim_id"])
                found[key].add(row["claim"])
                found[key].update(s for s in str(row["evidence"]).split(". ") if len(s) > 30)
    return found


def draws(sources: dict[str, set[str]], count: int, size: int) -> list[list[tuple[str, str]]]:
    """`count` draws of `size` sources: (sentence, source) rows."""
    keys = sorted(sources)
    picked = [random.Random(seed).sample(keys, min(size, len(keys))) for seed in range(count)]
    return [[(text, key) for key in keys_ for text in sorted(sources[key])] for keys_ in picked]


def scores(groups: list[np.ndarray], truths: list[list[str]]) -> dict[str, float]:
    """Mean over draws of adjusted mutual information, the largest cluster's share and the share alone."""
    rows = []
    for found, truth in zip(groups, truths, strict=True):
        sizes = Counter(found.tolist())
        rows.append(
            (
                adjusted_mutual_info_score(truth, found),
                max(sizes.values()) / len(found),
                sum(1 for n in sizes.values() if n == 1) / len(found),
                len(sizes),
                len(found),
            )
        )
    mean = np.mean(rows, axis=0)
    return {"ami": mean[0], "largest": mean[1], "alone": mean[2], "clusters": mean[3], "sentences": mean[4]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("benchmarks", type=Path)
    parser.add_argument("--sources", default="2,5,10,20,60,200", help="sources per draw, comma-separated")
    parser.add_argument("--draws", type=int, default=8)
    parser.add_argument("--plain", default="0.55", help="similarities of the plain cut")
    parser.add_argument("--similarity", default=str(subjects.DEFAULT_SUBJECT_SIMILARITY))
    parser.add_argument("--half-weight", default=str(subjects.TOPIC_HALF_WEIGHT))
    args = parser.parse_args()

    embedder = load_embedder(read_lock(ROOT / "models.lock").spec("embedder"))
    # (label, similarity, half weight): an infinite half weight takes nothing out, the plain cut.
    variants = [(f"plain cut {s}", float(s), math.inf) for s in args.plain.split(",")]
    variants += [
        (f"topic taken out {s}, half weight {h}", float(s), float(h))
        for s in args.similarity.split(",")
        for h in args.half_weight.split(",")
    ]
    totals: dict[str, list[float]] = defaultdict(list)
    print("| set | sources | sentences | clustering | AMI | largest cluster | alone | clusters |")
    print("|---|---:|---:|---|---:|---:|---:|---:|")
    for name, sources in (
        ("COVID-Fact", covidfact_sources(args.benchmarks)),
        ("SciFact", scifact_sources(args.benchmarks)),
    ):
        for size in map(int, args.sources.split(",")):
            sets = draws(sources, args.draws, size)
            vectors = [embeddings.embed([t for t, _ in rows], embedder) for rows in sets]
            truths = [[k for _, k in rows] for rows in sets]
            for label, similarity, half_weight in variants:
                groups = [subjects.cluster(v, similarity=similarity, half_weight=half_weight) for v in vectors]
                found = scores(groups, truths)
                totals[label].append(found["ami"])
                print(
                    f"| {name} | {size} | {found['sentences']:.0f} | {label} | {found['ami']:.3f} | "
                    f"{found['largest']:.3f} | {found['alone']:.3f} | {found['clusters']:.1f} |",
                    flush=True,
                )
    print()
    for label, values in totals.items():
        print(f"{label}: mean AMI {np.mean(values):.3f} over {len(values)} rows")


if __name__ == "__main__":
    main()
