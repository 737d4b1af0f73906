"""What the candidate stage loses: a default scan against an exhaustive scan of the same corpus.

Builds the corpus `detector bench` builds (real SciFact and COVID-Fact sentences from ../shared/benchmarks,
read at run time), scans it as `detector scan` does, then scans it again with every pair of claims as a
candidate (neighbours = all other claims, no similarity bar) and every candidate judged (no screen). The
verdict is the same, so the exhaustive scan finds every contradiction the pipeline can find, and the default
scan can only find a subset of them. Reports the candidate and judged pairs of each and the share of the
exhaustive scan's contradictions the default scan finds. The exhaustive scan judges every pair both ways: on
2 cores about 40 inputs a second, so keep the corpus small.

    python scripts/exhaustive_benchmark.py                  # 20 documents
    python scripts/exhaustive_benchmark.py --documents 30 --json
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path
from typing import Any

from detector import Settings, scan
from detector.bench import DEFAULT_BENCHMARKS, build_corpus
from detector.pipeline import ScanResult


def found(result: ScanResult) -> set[tuple[str, str]]:
    """Reported contradictions as claim-id pairs (ids are the same in both scans: same documents, same claims)."""
    return {(c.a, c.b) for c in result.contradictions}


def compare(documents: int, benchmarks: Path) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="detector-exhaustive-") as temp:
        paths = build_corpus(benchmarks, documents, Path(temp))
        started = time.perf_counter()
        default = scan(paths, settings=Settings(cache=False))
        default_seconds = time.perf_counter() - started
        claims = default.stats.claims
        everything = Settings(
            cache=False,
            neighbours=max(claims - 1, 1),
            neighbours_within=max(claims - 1, 1),
            min_similarity=-1.0,
            judge_per_claim=0,
        )
        started = time.perf_counter()
        exhaustive = scan(paths, settings=everything)
        exhaustive_seconds = time.perf_counter() - started
    kept, full = found(default), found(exhaustive)
    return {
        "documents": documents,
        "claims": claims,
        "all_pairs": default.stats.all_pairs,
        "default": {
            "candidate_pairs": default.stats.candidate_pairs,
            "judged_pairs": default.stats.scored_pairs,
            "contradictions": len(kept),
            "seconds": round(default_seconds, 1),
        },
        "exhaustive": {
            "candidate_pairs": exhaustive.stats.candidate_pairs,
            "judged_pairs": exhaustive.stats.scored_pairs,
            "contradictions": len(full),
            "seconds": round(exhaustive_seconds, 1),
        },
        "candidate_share_of_all_pairs": round(default.stats.candidate_pairs / default.stats.all_pairs, 4),
        "exhaustive_contradictions_found": len(kept & full),
        "recall_of_exhaustive": round(len(kept & full) / len(full), 4) if full else None,
        "found_only_by_default": len(kept - full),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=20)
    parser.add_argument("--benchmarks", type=Path, default=DEFAULT_BENCHMARKS)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    report = compare(args.documents, args.benchmarks)
    if args.json:
        print(json.dumps(report, indent=2))
        return
    d, e = report["default"], report["exhaustive"]
    print(f"{report['documents']} documents, {report['claims']:,} claims, {report['all_pairs']:,} pairs")
    for name, run in (("default", d), ("exhaustive", e)):
        print(
            f"{name:>10}: {run['candidate_pairs']:,} candidate pairs, {run['judged_pairs']:,} judged, "
            f"{run['contradictions']:,} contradictions, {run['seconds']} s"
        )
    print(
        f"default candidates: {report['candidate_share_of_all_pairs']:.2%} of all pairs; they find "
        f"{report['exhaustive_contradictions_found']:,} of the exhaustive scan's {e['contradictions']:,} "
        f"contradictions ({report['recall_of_exhaustive']:.1%}); found only by the default scan: "
        f"{report['found_only_by_default']}"
    )


if __name__ == "__main__":
    main()
