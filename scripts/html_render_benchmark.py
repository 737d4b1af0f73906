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
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import typer

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from detector import scan  # noqa: E402
from detector.exports import write_outputs  # noqa: E402
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


def main(
    claims: int = typer.Option(1000, min=10, help="sentences in the corpus"),
    repeats: int = typer.Option(5, min=1, help="page loads to time"),
    as_json: bool = typer.Option(False, "--json", help="print the figures as JSON"),
    keep: Path | None = typer.Option(None, "--keep", help="also copy the outputs into this folder"),
) -> None:
    """Size of report.html and its render time in headless Chromium."""
    reason = why_no_browser()
    if reason:
        raise typer.BadParameter(reason)
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as temp:
        folder, out = Path(temp) / "docs", Path(temp) / "out"
        folder.mkdir()
        corpus(folder, claims)
        result = scan([folder], embedder=BagOfWordsEmbedder(), judge=OppositeVerbJudge())
        seconds = {}
        for fmt in ("html", "png", "gexf"):
            started = time.perf_counter()
            write_outputs(result, out, [fmt])  # each call lays the graph out again: the layout is in every figure
            seconds[fmt] = round(time.perf_counter() - started, 2)
        report = out / "report.html"
        if keep is not None:
            shutil.copytree(out, keep, dirs_exist_ok=True)
        loads, in_page, parsed, scripted, created = [], [], [], [], []
        with sync_playwright() as playwright:
            browser = launch(playwright)
            for _ in range(repeats):
                seen = visit(browser, report)
                if seen.errors or seen.remote_requests:
                    raise SystemExit(f"the page misbehaved: {seen.errors or seen.remote_requests}")
                loads.append(seen.seconds)
                timing = seen.page.evaluate(
                    "[performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd,"
                    " performance.getEntriesByName('detector-graph-ready')[0].startTime,"
                    " performance.getEntriesByName('detector-script-start')[0].startTime,"
                    " performance.getEntriesByName('detector-graph-created')[0].startTime]"
                )
                parsed.append(timing[0] / 1000)
                scripted.append(timing[2] / 1000)
                created.append(timing[3] / 1000)
                in_page.append(timing[1] / 1000)
                seen.page.close()
            browser.close()
        figures = {
            "claims": result.stats["claims"],
            "documents": result.stats["documents"],
            "subjects": result.stats["subjects"],
            "contradictions": result.stats["contradictions"],
            "graph_nodes": result.graph.number_of_nodes(),
            "graph_edges": result.graph.number_of_edges(),
            "report_html_bytes": report.stat().st_size,
            "write_seconds_with_layout": seconds,
            "chromium": find_chromium(),
            "load_to_graph_drawn_seconds": {
                "median": round(statistics.median(loads), 2),
                "all": [round(s, 2) for s in loads],
            },
            "in_page_seconds": {
                "report_script_started": round(statistics.median(scripted), 2),
                "graph_created": round(statistics.median(created), 2),
                "dom_content_loaded": round(statistics.median(parsed), 2),
                "graph_drawn": round(statistics.median(in_page), 2),
            },
        }
    if as_json:
        print(json.dumps(figures, indent=2))
        return
    page, load = figures["in_page_seconds"], figures["load_to_graph_drawn_seconds"]
    print(
        f"{figures['claims']} claims, {figures['contradictions']} contradictions, {figures['subjects']} subjects: "
        f"report.html {figures['report_html_bytes'] / 1e6:.2f} MB; writes (layout included) {seconds}; "
        f"Chromium load until the graph is drawn: median {load['median']} s of {repeats} "
        f"(in the page: {page})"
    )


if __name__ == "__main__":
    typer.run(main)
