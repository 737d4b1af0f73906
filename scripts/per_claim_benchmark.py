"""What each number of judged pairs a claim costs and finds, on public labelled contradictions.

Builds the corpus `detector bench` builds (SciFact and COVID-Fact sentences from ../shared/benchmarks, read at run
time), then scans it once for each value of `--judge-per-claim`, all scans sharing one cache so that each claim is
read, embedded and each direction judged once. Counts, for each value, the judge inputs (a direction of a pair: what
a scan's time grows with), the contradictions reported, and how many of the labelled contradictions among the
corpus's sentences the scan reports — a SciFact claim against evidence that refutes it (`pairs/scifact.jsonl`), a
COVID-Fact claim against its counter-claim (`pairs/covidfact.jsonl`) — and how many of them it judged at all. A
labelled pair is matched by its sentences: a reported pair of claims, one inside each side's text.

    python scripts/per_claim_benchmark.py                         # 300 documents, 1 to 6 pairs a claim
    python scripts/per_claim_benchmark.py --documents 100 --values 2,4 --json
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from detector import Settings, scan
from detector.bench import DEFAULT_BENCHMARKS, build_corpus
from detector.evaluation import read_pairs
from detector.pipeline import ScanResult

GOLD_FILES = ("pairs/scifact.jsonl", "pairs/covidfact.jsonl")


def flat(text: str) -> str:
    """Text compared as the corpus writes it: one space between words, no final full stop, lower case."""
    return re.sub(r"\s+", " ", text).strip().rstrip(".").lower()


def labelled_contradictions(benchmarks: Path) -> dict[str, list[tuple[str, str]]]:
    """The two texts of every pair the public sets label a contradiction, by set."""
    found: dict[str, list[tuple[str, str]]] = {}
    for name in GOLD_FILES:
        for pair in read_pairs(benchmarks / name):
            if pair.label == "contradiction":
                found.setdefault(Path(name).stem, []).append((flat(pair.premise), flat(pair.hypothesis)))
    return found


def gold_in(result: ScanResult, gold: Sequence[tuple[str, str]]) -> list[tuple[set[str], set[str]]]:
    """For each labelled pair with both sides in the corpus, the ids of the claims inside each side's text."""
    texts = {c.id: flat(c.text) for c in result.claims}
    sides = []
    for first, second in gold:
        a = {i for i, t in texts.items() if t and t in first}
        b = {i for i, t in texts.items() if t and t in second}
        if a and b and a != b:
            sides.append((a, b))
    return sides


def matched(sides: Sequence[tuple[set[str], set[str]]], pairs: Iterable[tuple[str, str]]) -> int:
    """How many labelled pairs one of `pairs` (claim ids) joins, one claim on each side."""
    joined = {frozenset(p) for p in pairs}
    return sum(any(frozenset((x, y)) in joined for x in a for y in b if x != y) for a, b in sides)


def run(documents: int, values: Sequence[int], benchmarks: Path) -> dict[str, Any]:
    gold = labelled_contradictions(benchmarks)
    # Every scan reads the same claims (one corpus), so each labelled pair's claims are found once.
    sides: dict[str, list[tuple[set[str], set[str]]]] = {}
    rows = []
    with tempfile.TemporaryDirectory(prefix="detector-per-claim-") as temp:
        paths = build_corpus(benchmarks, documents, Path(temp) / "docs")
        # The largest value first: it judges every direction a smaller one reads, so the others hit the cache.
        for value in sorted(values, reverse=True):
            started = time.perf_counter()
            result = scan(paths, settings=Settings(judge_per_claim=value, cache_dir=Path(temp) / "cache"))
            seconds = time.perf_counter() - started
            sides = sides or {name: gold_in(result, pairs) for name, pairs in gold.items()}
            ids = [c.id for c in result.claims]
            judged = [(ids[j.pair.a], ids[j.pair.b]) for j in result.judgements]
            reported = [(c.a, c.b) for c in result.contradictions]
            rows.append(
                {
                    "judge_per_claim": value,
                    "judged_pairs": result.stats.scored_pairs,
                    "judge_inputs": result.stats.judge_inputs,
                    "contradictions": len(reported),
                    "labelled": {
                        name: {
                            "in_corpus": len(held),
                            "judged": matched(held, judged),
                            "reported": matched(held, reported),
                        }
                        for name, held in sides.items()
                    },
                    "seconds_with_shared_cache": round(seconds, 1),
                }
            )
            print(json.dumps(rows[-1]), file=sys.stderr, flush=True)
    return {
        "documents": documents,
        "claims": result.stats.claims,
        "runs": sorted(rows, key=lambda r: r["judge_per_claim"]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--documents", type=int, default=300)
    parser.add_argument("--values", default="1,2,3,4,5,6", help="comma-separated pairs judged per claim")
    parser.add_argument("--benchmarks", type=Path, default=DEFAULT_BENCHMARKS)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    values = [int(v) for v in args.values.split(",") if v.strip()]
    if not values or min(values) < 1:
        parser.error("--values: one or more whole numbers, each at least 1")
    report = run(args.documents, values, args.benchmarks)
    if args.json:
        print(json.dumps(report, indent=2))
        return
    print(f"{report['documents']} documents, {report['claims']} claims")
    names = list(report["runs"][0]["labelled"])
    print(
        "pairs a claim  judge inputs  contradictions  " + "  ".join(f"{n}: in corpus, judged, reported" for n in names)
    )
    for r in report["runs"]:
        counts = "  ".join(
            f"{'{in_corpus}, {judged}, {reported}'.format(**r['labelled'][n]):>{len(n) + 29}}" for n in names
        )
        print(f"{r['judge_per_claim']:>13}  {r['judge_inputs']:>12,}  {r['contradictions']:>14,}  {counts}")


if __name__ == "__main__":
    main()
