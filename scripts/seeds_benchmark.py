"""How well a scan of seeds/ matches the hand labels in tests/seed_expectations.json.

    python scripts/seeds_benchmark.py [--json]

Recall per topic (is at least one labelled pair of the topic reported, and how many of its pairs are) and
precision over reported pairs: a reported pair counts as real only if it is labelled a contradiction; pairs
labelled "not a contradiction" and unlabelled pairs count against precision (unlabelled ones are listed so a
person can read them and extend the labels).
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any

import typer

import detector

ROOT = Path(__file__).resolve().parent.parent
LABELS = ROOT / "tests" / "seed_expectations.json"


def key(doc_a: str, text_a: str, doc_b: str, text_b: str) -> frozenset[tuple[str, str]]:
    return frozenset({(doc_a, " ".join(text_a.split())), (doc_b, " ".join(text_b.split()))})


def compare_with_labels(result: detector.ScanResult, labels: dict[str, Any]) -> dict[str, Any]:
    """Recall by topic and precision of the scan's contradictions against the hand labels."""
    positives = {
        key(p["a"]["doc"], p["a"]["sentence"], p["b"]["doc"], p["b"]["sentence"]): p for p in labels["contradictions"]
    }
    negatives = {
        key(p["a"]["doc"], p["a"]["sentence"], p["b"]["doc"], p["b"]["sentence"]): p
        for p in labels["not_contradictions"]
    }
    reported = {}
    for c in result.contradictions:
        a, b = result.claim(c.a), result.claim(c.b)
        reported[key(a.doc, a.text, b.doc, b.text)] = c
    by_topic: dict[str, dict[str, int]] = defaultdict(lambda: {"labelled": 0, "reported": 0})
    for k, p in positives.items():
        by_topic[p["topic"]]["labelled"] += 1
        by_topic[p["topic"]]["reported"] += k in reported
    true = [k for k in reported if k in positives]
    wrong = [k for k in reported if k in negatives]
    unlabelled = [k for k in reported if k not in positives and k not in negatives]
    return {
        "reported": len(reported),
        "labelled_contradictions": len(positives),
        "true": len(true),
        "labelled_not_contradictions_reported": len(wrong),
        "unlabelled_reported": len(unlabelled),
        "precision": round(len(true) / max(len(reported), 1), 4),
        "pair_recall": round(len(true) / max(len(positives), 1), 4),
        "topics": dict(sorted(by_topic.items())),
        "topics_found": sorted(t for t, v in by_topic.items() if v["reported"]),
        "topics_missed": sorted(t for t, v in by_topic.items() if not v["reported"]),
        "false_alarms": [
            {"kind": reported[k].kind, "score": reported[k].score, "sentences": sorted(f"{d}: {t}" for d, t in k)}
            for k in wrong + unlabelled
        ],
    }


def main(as_json: bool = typer.Option(False, "--json")) -> None:
    labels = json.loads(LABELS.read_text(encoding="utf-8"))
    result = detector.scan([ROOT / "seeds"])
    figures = compare_with_labels(result, labels) | {"seconds": result.seconds}
    if as_json:
        print(json.dumps(figures, indent=2, ensure_ascii=False))
        return
    print(
        f"reported {figures['reported']}, real {figures['true']}, precision {figures['precision']:.2%}, "
        f"pair recall {figures['pair_recall']:.2%} of {figures['labelled_contradictions']} labelled pairs"
    )
    for topic, counts in figures["topics"].items():
        print(f"  {topic:<28} {counts['reported']:>3} of {counts['labelled']:>3} labelled pairs reported")
    for alarm in figures["false_alarms"]:
        print(f"  false alarm ({alarm['kind']}, {alarm['score']}):\n    " + "\n    ".join(alarm["sentences"]))


if __name__ == "__main__":
    typer.run(main)
