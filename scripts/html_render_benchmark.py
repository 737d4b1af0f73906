"""How big report.html gets and how long headless Chromium takes to render it, for a corpus of about N claims.

    python scripts/html_render_benchmark.py [--claims 1000] [--repeats 5] [--json]

Builds a synthetic corpus (documents of factual sentences about a few agents and targets, some raising and some
lowering the same target), scans it with the test suite's small stand-in embedder and judge and the real claim
reader, writes report.html, graph.png and graph.gexf (timing each), then loads report.html from file:// in the
system Chromium until its graph has drawn. Needs the test extra (playwright) and Debian's `chromium`.
"""

from __future__ import annotations

import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import typer

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from detector import scan  # noqa: E402
from detector.outputs.exports import write_outputs  # noqa: E402
from tests.browser import find_chromium, launch, visit, why_no_browser  # noqa: E402
from tests.conftest import BagOfWordsEmbedder, OppositeVerbJudge  # noqa: E402

AGENTS = [
    "Coffee",
    "Green tea",
    "Kratom",
    "Caffeine",
    "Melatonin",
    "Ashwagandha",
    "Magnesium",
    "Ginseng",
    "Turmeric",
    "Valerian",
    "Creatine",
    "Zinc",
    "Vitamin D",
    "Fish oil",
    "Rhodiola",
    "Ginkgo",
]
TARGETS = [
    "alertness",
    "prolactin",
    "cortisol",
    "sleep quality",
    "blood pressure",
    "muscle soreness",
    "appetite",
    "memory",
    "heart rate",
    "inflammation",
    "bone density",
    "reaction time",
    "mood",
    "insulin",
]
# Most sentences take no direction; about one in ten raises and one in ten lowers its target.
VERBS = (
    ["increases"] * 1
    + ["decreases"] * 1
    + [
        "was measured alongside",
        "is often discussed with",
        "was studied for",
        "is marketed for",
        "has a long history with",
        "appears in reviews of",
        "is sold next to",
        "is compared on",
    ]
)
WHO = ["adults", "older adults", "athletes", "students", "night-shift workers", "healthy volunteers", "patients"]
SOURCES = ["a small trial found", "one survey reports", "a review concluded", "a 2019 study found", "researchers say"]
PER_DOCUMENT = 50


def corpus(folder: Path, claims: int, seed: int = 0) -> None:
    """Write documents of PER_DOCUMENT factual sentences each, five to a paragraph, `claims` sentences in all."""
    rng = random.Random(seed)
    sentences: list[str] = []
    while len(sentences) < claims:
        text = (
            f"{rng.choice(AGENTS)} {rng.choice(VERBS)} {rng.choice(TARGETS)} in {rng.choice(WHO)} "
            f"after {rng.randint(1, 52)} weeks, {rng.choice(SOURCES)}."
        )
        if text not in sentences:
            sentences.append(text)
    for n in range(0, claims, PER_DOCUMENT):
        chunk = sentences[n : n + PER_DOCUMENT]
        paragraphs = [" ".join(chunk[i : i + 5]) for i in range(0, len(chunk), 5)]
        (folder / f"doc{n // PER_DOCUMENT:03d}.txt").write_text("\n\n".join(paragraphs) + "\n", encoding="utf-8")


def build(claims: int, folder: Path, out: Path) -> dict[str, Any]:
    """Scan a synthetic corpus of `claims` sentences and write its outputs, timing each."""
    folder.mkdir(parents=True, exist_ok=True)
    corpus(folder, claims)
    result = scan([folder], embedder=BagOfWordsEmbedder(), judge=OppositeVerbJudge())
    seconds = {}
    for fmt in ("html", "png", "gexf"):
        started = time.perf_counter()
        write_outputs(result, out, [fmt])  # each call lays the graph out again: the layout is in every figure
        seconds[fmt] = round(time.perf_counter() - started, 2)
    stats = result.stats
    return {
        **{key: getattr(stats, key) for key in ("documents", "claims", "subjects", "contradictions")},
        "graph_nodes": result.graph.number_of_nodes(),
        "graph_edges": result.graph.number_of_edges(),
        "write_seconds_with_layout": seconds,
    }


# Marks the page sets (report.js), read after each load; seconds since navigation started.
MARKS = {
    "report_script_started": "performance.getEntriesByName('detector-script-start')[0].startTime",
    "graph_created": "performance.getEntriesByName('detector-graph-created')[0].startTime",
    "graph_drawn": "performance.getEntriesByName('detector-graph-ready')[0].startTime",
    "dom_content_loaded": "performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd",
}


def time_loads(report: Path, repeats: int) -> dict[str, Any]:
    """Load `report` `repeats` times in a fresh page; median seconds until its graph is drawn."""
    from playwright.sync_api import sync_playwright

    loads: list[float] = []
    marks: dict[str, list[float]] = {name: [] for name in MARKS}
    with sync_playwright() as playwright:
        browser = launch(playwright)
        for _ in range(repeats):
            seen = visit(browser, report)
            if seen.errors or seen.remote_requests:
                raise SystemExit(f"the page misbehaved: {seen.errors or seen.remote_requests}")
            loads.append(seen.seconds)
            for name, expression in MARKS.items():
                marks[name].append(seen.page.evaluate(expression) / 1000)
            seen.page.close()
        browser.close()
    return {
        "report_html_bytes": report.stat().st_size,
        "chromium": find_chromium(),
        "load_to_graph_drawn_seconds": {
            "median": round(statistics.median(loads), 2),
            "all": [round(s, 2) for s in loads],
        },
        "in_page_seconds": {name: round(statistics.median(values), 2) for name, values in marks.items()},
    }


def main(
    claims: int = typer.Option(1000, min=10, help="sentences in the synthetic corpus"),
    repeats: int = typer.Option(5, min=1, help="page loads to time"),
    report: Path | None = typer.Option(None, "--report", help="time this report.html instead of a synthetic one"),
    keep: Path | None = typer.Option(None, "--keep", help="also copy the synthetic corpus and outputs here"),
    as_json: bool = typer.Option(False, "--json", help="print the figures as JSON"),
) -> None:
    """Size of report.html and its render time in headless Chromium."""
    reason = why_no_browser()
    if reason:
        raise typer.BadParameter(reason)
    with tempfile.TemporaryDirectory() as temp:
        figures: dict[str, Any] = {}
        if report is None:
            work = keep or Path(temp)
            figures = build(claims, work / "docs", work / "out")
            report = work / "out" / "report.html"
        figures |= time_loads(report, repeats)
    if as_json:
        print(json.dumps(figures, indent=2))
        return
    size = figures["report_html_bytes"] / 1e6
    made = f"{figures['claims']} claims, {figures['contradictions']} contradictions: " if "claims" in figures else ""
    print(
        f"{made}report.html {size:.2f} MB; Chromium load until the graph is drawn: median "
        f"{figures['load_to_graph_drawn_seconds']['median']} s of {repeats}; in the page: {figures['in_page_seconds']}"
    )


if __name__ == "__main__":
    typer.run(main)
