"""What the claim reader's per-reason bound loses on a large corpus: scans with each bound against one without.

Builds the corpus `detector bench` builds (real SciFact and COVID-Fact sentences from ../shared/benchmarks, read
at run time), scans it with no bound on the pairs each claim-reader reason gives — every pair in which the claim
reader finds a conflict is judged, as in an exhaustive scan — and then with each bound. Embedding neighbours,
judge and verdict are the default scan's; the scans share one cache, so the bounded scans reuse the unbounded
scan's judge scores and take seconds. Reports, per bound, the pairs judged and the share of the unbounded scan's
contradictions found. (`scripts/exhaustive_benchmark.py` makes every pair of claims a candidate, which a corpus
of 1,000 documents is too large for; the claim reader pairs every claim it finds a conflict in on its own, so
without a bound nothing it could judge is left out.)

    python scripts/bound_benchmark.py                        # 1,000 documents, bounds 48, 32, 24, 16
    python scripts/bound_benchmark.py --documents 100 --bounds 48
"""

from __future__ import annotations

import argparse
import functools
import json
import tempfile
import time
from pathlib import Path
from typing import Any

from detector import Settings, candidates, scan
from detector.bench import DEFAULT_BENCHMARKS, build_corpus
from detector.runtime import keys as cache

UNBOUNDED = 10**9


def scan_with_bound(folder: Path, cache_dir: Path, bound: int) -> tuple[set[tuple[str, str]], dict[str, Any]]:
    pairs, key = candidates.assertion_pairs, cache.scan_key
    # The bound is not a setting, so the stored-scan key is told about it: each bound is scanned, not reused.
    candidates.assertion_pairs = functools.partial(pairs, per_reason=bound)
    cache.scan_key = lambda fields: key(fields | {"per_reason": bound})
    try:
        started = time.perf_counter()
        result = scan([folder], settings=Settings(cache_dir=cache_dir))
        seconds = time.perf_counter() - started
    finally:
        candidates.assertion_pairs, cache.scan_key = pairs, key
    found = {(c.a, c.b) for c in result.contradictions}
    return found, {"judged": result.stats.scored_pairs, "contradictions": len(found), "seconds": seconds}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--documents", type=int, default=1000)
    parser.add_argument("--bounds", default="48,32,24,16", help="comma-separated pairs per reason")
    parser.add_argument("--benchmarks", type=Path, default=DEFAULT_BENCHMARKS)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    bounds = [int(b) for b in args.bounds.split(",")]

    with tempfile.TemporaryDirectory(prefix="detector-bound-") as tmp:
        folder = Path(tmp) / "corpus"
        build_corpus(args.benchmarks, args.documents, folder)
        everything, rows = None, []
        for bound in [UNBOUNDED, *bounds]:
            found, row = scan_with_bound(folder, Path(tmp) / "cache", bound)
            everything = found if everything is None else everything
            row |= {
                "bound": None if bound == UNBOUNDED else bound,
                "found_of_unbounded": len(found & everything),
                "share": round(len(found & everything) / max(len(everything), 1), 4),
                "only_here": len(found - everything),
            }
            rows.append(row)
    if args.json:
        print(json.dumps({"documents": args.documents, "scans": rows}, indent=2))
        return
    print(f"{args.documents} documents")
    for row in rows:
        name = "no bound" if row["bound"] is None else f"bound {row['bound']}"
        print(
            f"{name:>10}: {row['judged']:,} pairs judged, {row['contradictions']:,} contradictions, "
            f"{row['found_of_unbounded']:,} of the unbounded scan's ({100 * row['share']:.1f}%), "
            f"{row['only_here']} only here, {row['seconds']:.1f} s"
        )


if __name__ == "__main__":
    main()
