"""How many pairs the candidate stage sends to the judge on a large corpus, and what it keeps.

Builds the corpus of scripts/incremental_benchmark.py (real labelled pairs from ../shared/benchmarks/pairs,
read at run time; a pair's premise and hypothesis sit in different documents), embeds its claims with the
real embedder and clusters them into subjects — no judge — then compares three ways of choosing pairs:

- exhaustive: every pair of claims of different documents that clears the similarity bar
  (candidates.DEFAULT_MIN_SIMILARITY), with no limit on neighbours: what scoring "all plausible pairs" would judge;
- exact: each claim's nearest neighbours in other documents and in its own, by exact search (the default below
  candidates.EXACT_LIMIT claims);
- approximate: the same from the HNSW index (the default above it).

and reports each one's share of all pairs, the share of exhaustive pairs it keeps, and how many of the
corpus's labelled contradictions (both sentences kept as claims) it would send to the judge.

    python scripts/candidates_benchmark.py                 # 1,000 documents
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np
from incremental_benchmark import PAIRS, ROOT, as_sentence, sentences, write_corpus

from detector import candidates, claims, documents, embeddings, subjects
from detector.models.load import load_embedder
from detector.models.lock import read_lock


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--documents", type=int, default=1000)
    parser.add_argument("--pairs-per-document", type=int, default=2)
    parser.add_argument("--pairs-dir", type=Path, default=PAIRS)
    args = parser.parse_args()

    pairs = sentences(args.pairs_dir)
    with tempfile.TemporaryDirectory(prefix="detector-candidates-") as work:
        write_corpus(Path(work), pairs, args.documents, args.pairs_per_document)
        found = claims.extract_claims(documents.load_documents([work]))
    texts = [c.text for c in found.claims]
    n = len(texts)

    began = time.perf_counter()
    embedder = load_embedder(read_lock(ROOT / "models.lock").spec("embedder"))
    vectors = embeddings.embed(texts, embedder)
    embed_seconds = time.perf_counter() - began
    began = time.perf_counter()
    clusters = subjects.cluster(vectors)
    cluster_seconds = time.perf_counter() - began

    docs = [c.doc for c in found.claims]
    exhaustive = _exhaustive(vectors, docs, texts)
    chosen, seconds = {}, {}
    for name, limit in (("exact", n), ("approximate", 0)):
        began = time.perf_counter()
        chosen[name] = {(p.a, p.b) for p in candidates.candidate_pairs(vectors, docs, texts, exact_limit=limit)}
        seconds[name] = round(time.perf_counter() - began, 2)

    # Labelled contradictions whose two sentences both became claims.
    where: dict[str, list[int]] = {}
    for i, text in enumerate(texts):
        where.setdefault(text, []).append(i)
    contradictions = set()
    for premise, hypothesis, label in pairs[: args.documents * args.pairs_per_document]:
        if label != "contradiction":
            continue
        for a in where.get(as_sentence(premise), []):
            for b in where.get(as_sentence(hypothesis), []):
                if a != b:
                    contradictions.add((min(a, b), max(a, b)))

    total = candidates.all_pairs(n)
    report = {
        "documents": args.documents,
        "claims": n,
        "subjects": int(clusters.max()) + 1 if n else 0,
        "all_pairs": total,
        "labelled_contradictions": len(contradictions),
        "seconds": {"embed": round(embed_seconds, 1), "cluster": round(cluster_seconds, 1), **seconds},
    }
    for name, chosen_pairs in (("exhaustive", exhaustive), *chosen.items()):
        report[name] = {
            "pairs": len(chosen_pairs),
            "share_of_all_pairs": round(len(chosen_pairs) / total, 5),
            "share_of_exhaustive_kept": round(len(chosen_pairs & exhaustive) / max(len(exhaustive), 1), 4),
            "labelled_contradictions_kept": len(chosen_pairs & contradictions),
        }
    report["approximate_share_of_exact_kept"] = round(
        len(chosen["approximate"] & chosen["exact"]) / max(len(chosen["exact"]), 1), 4
    )
    print(json.dumps(report, indent=2))


def _exhaustive(vectors: np.ndarray, docs: list[str], texts: list[str]) -> set[tuple[int, int]]:
    """Every pair of claims of different documents over the similarity bar, whatever its rank."""
    normalised = [" ".join(t.lower().split()) for t in texts]
    owner = np.asarray(docs)
    found = set()
    for first in range(0, len(vectors), 1024):
        sims = vectors[first : first + 1024] @ vectors.T
        sims[owner[first : first + 1024, None] == owner[None, :]] = -np.inf
        for row, b in zip(*np.nonzero(sims >= candidates.DEFAULT_MIN_SIMILARITY)):
            a = first + int(row)
            if a < b and normalised[a] != normalised[b]:
                found.add((a, int(b)))
    return found


if __name__ == "__main__":
    main()
