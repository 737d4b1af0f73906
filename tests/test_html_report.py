"""report.html, graph.png and the graph layout, with fake models: self-contained, escaped, evidence in context."""

from __future__ import annotations

import base64
import hashlib
import math
import re
import struct
from pathlib import Path

import networkx as nx
import pytest
from bs4 import BeautifulSoup

from detector import Settings
from detector.contradictions import by_subject
from detector.outputs.exports import write_outputs
from detector.outputs.html_report import CONTEXT_CHARS, render_html
from detector.outputs.layout import SCALE, positions
from detector.records import Contradiction

from .test_pipeline_and_outputs import fake_scan

# Claims that try to inject markup: a script, an image with an error handler, a Markdown link and raw HTML.
HOSTILE = (
    'Coffee decreases alertness <script>alert("x")</script> in adults, a trial found.\n'
    'Tea <img src=x onerror="alert(2)"> is popular [click me](javascript:alert(3)) in many countries.\n'
    "Coffee <b>increases</b> alertness in adults </textarea><!-- a trial found.\n"
)


CORPUS = {
    "a.txt": "Coffee increases alertness in adults, a trial found.\nTea is popular in many countries today.\n",
    "b.md": "# Coffee\n\nA first sentence about the trial design here. Coffee decreases alertness in adults, a trial "
    "found. A closing sentence about the trial here.\n",
    "evil.txt": HOSTILE,
}


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "docs"
    folder.mkdir()
    for name, text in CORPUS.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


@pytest.fixture
def result(corpus: Path):  # type: ignore[no-untyped-def]
    return fake_scan([corpus], settings=Settings(threshold=0.9))


@pytest.fixture
def page(result) -> BeautifulSoup:  # type: ignore[no-untyped-def]
    return BeautifulSoup(render_html(result), "html.parser")


def test_summary_names_counts_kinds_and_models(result, page: BeautifulSoup) -> None:  # type: ignore[no-untyped-def]
    counts = page.select_one("header.top .counts").get_text(" ", strip=True)
    stats = result.stats
    for figure, noun in [
        (stats.documents, "documents"),
        (stats.claims, "claims"),
        (stats.subjects, "subjects"),
    ]:
        assert f"{figure} {noun}" in counts
    assert f"{len(result.contradictions)} contradictions" in counts
    assert f"direction+antonym+nli {len(result.contradictions)}" in counts
    models = page.select_one("header.top .models").get_text(" ", strip=True)
    assert "BagOfWordsEmbedder" in models and "OppositeVerbJudge" in models and "en-core-web-sm" in models


def test_each_contradiction_shows_both_claims_inside_their_paragraphs(result, page: BeautifulSoup) -> None:  # type: ignore[no-untyped-def]
    articles = page.select("article.contradiction")
    assert len(articles) == len(result.contradictions) >= 2
    for article, c in zip(articles, result.contradictions):
        sides = article.select(".side")
        assert len(sides) == 2
        for side, claim in zip(sides, (result.claim(c.a), result.claim(c.b))):
            assert side.select_one("mark").get_text() == claim.text
            where = side.select_one(".where").get_text(" ", strip=True)
            assert claim.doc in where and f"chars {claim.start}–{claim.end}" in where and f"line {claim.line}" in where
        assert f"score {c.score:.3f}" in article.get_text() and c.kind in article.get_text()
        assert article.select_one(".why").get_text() == c.explanation
    [in_b] = [a for a in articles if "b.md" in a.get_text()]
    context = in_b.select_one(".side-b .context").get_text()
    assert context.startswith("A first sentence about the trial design here. Coffee decreases")
    assert context.endswith("A closing sentence about the trial here.")


def test_a_long_paragraph_is_cut_around_the_claim_at_word_boundaries(tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    filler = " ".join(f"Filler sentence number {i} stands here." for i in range(60))
    (folder / "a.txt").write_text(f"{filler} Coffee increases alertness in adults, a trial found. {filler}\n", "utf-8")
    (folder / "b.txt").write_text("Coffee decreases alertness in adults, a trial found.\n", encoding="utf-8")
    result = fake_scan([folder], settings=Settings(threshold=0.9))
    page = BeautifulSoup(render_html(result), "html.parser")
    side = next(s for s in page.select(".side") if "a.txt" in s.get_text())
    context = side.select_one(".context").get_text()
    before, claim, after = context.partition("Coffee increases alertness in adults, a trial found.")
    assert claim and before.startswith("…") and after.endswith("…")
    assert len(before) <= CONTEXT_CHARS + 1 and len(after) <= CONTEXT_CHARS + 1
    assert before[1:].rstrip() in filler and after[:-1].strip() in filler  # whole words, as in the document


def test_claim_text_renders_as_text_never_as_markup(result, page: BeautifulSoup) -> None:  # type: ignore[no-untyped-def]
    scripts = page.find_all("script")
    assert all(s.get("type") == "application/json" or "alert(" not in s.get_text() for s in scripts)
    assert len(scripts) == 4  # graph data, review data, Cytoscape, the report's own script
    assert not page.find_all(["img", "textarea"]) and not page.find_all(attrs={"onerror": True})
    assert not page.find("b", string="increases")
    assert not [a for a in page.find_all("a") if not a["href"].startswith("#")]
    marks = [m.get_text() for m in page.select("mark")] + [li.get_text() for li in page.select("ul.claims li")]
    assert any('<script>alert("x")</script>' in text for text in marks)
    assert any("[click me](javascript:alert(3))" in text for text in marks)
    assert any("Coffee <b>increases</b> alertness in adults </textarea><!" in text for text in marks)
    for name in ("graph-data", "review-data"):
        data = page.find("script", id=name).get_text()
        assert "<" not in data and "\\u003cscript\\u003e" in data


def test_the_page_loads_nothing_and_runs_only_its_own_scripts(page: BeautifulSoup) -> None:
    assert not page.find_all(["link", "iframe", "object", "embed", "img"], src=True)
    assert [link["href"] for link in page.find_all("link")] == ["data:,"]
    assert not page.find_all(src=True) and not page.find_all(style=re.compile("url\\("))
    policy = page.find("meta", attrs={"http-equiv": "Content-Security-Policy"})["content"]
    assert "default-src 'none'" in policy
    inline = [s.get_text() for s in page.find_all("script") if s.get("type") != "application/json"]
    hashes = {"sha256-" + base64.b64encode(hashlib.sha256(s.encode()).digest()).decode() for s in inline}
    assert set(re.findall(r"'(sha256-[^']+)'", policy)) == hashes
    assert any("cytoscape" in s[:2000].lower() for s in inline)


def test_stance_table_per_subject_says_who_says_what(result, page: BeautifulSoup) -> None:  # type: ignore[no-untyped-def]
    subject = result.contradictions[0].subject
    table = page.select_one(f"#subject-{subject}")
    assert table.has_attr("open")
    rows = {row.th.get_text(): row for row in table.select("tbody tr")}
    assert set(rows) == {"a.txt", "b.md", "evil.txt"}
    assert "raises alertness" in rows["a.txt"].select("td")[-1].get_text()
    assert "against b.md, evil.txt" in rows["a.txt"].select("td")[-1].get_text()
    assert "lowers alertness" in rows["b.md"].select("td")[-1].get_text()
    assert "Coffee decreases alertness in adults, a trial found." in rows["b.md"].get_text()
    others = [d for d in page.select("details.subject") if d["data-subject"] != subject]
    assert others and not any(d.has_attr("open") for d in others)


def test_layout_is_repeatable_and_places_every_node_near_its_subject(result) -> None:  # type: ignore[no-untyped-def]
    where = positions(result.graph)
    assert where == positions(result.graph)
    assert set(where) == set(result.graph.nodes)
    assert all(math.isfinite(v) and abs(v) <= SCALE * 1.5 for xy in where.values() for v in xy)
    for claim in result.claims:
        subject = next(s.id for s in result.subjects if claim.id in s.claims)
        own = math.dist(where[f"claim:{claim.id}"], where[f"subject:{subject}"])
        others = [math.dist(where[f"claim:{claim.id}"], where[f"subject:{s.id}"]) for s in result.subjects]
        assert own == min(others)


def test_gexf_carries_positions_and_both_graph_files_read_back(result, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    write_outputs(result, tmp_path, ["gexf", "graphml"])
    gexf = nx.read_gexf(tmp_path / "graph.gexf")
    where = positions(result.graph)
    for node, data in gexf.nodes(data=True):
        place = data["viz"]["position"]
        assert (place["x"], place["y"]) == pytest.approx(where[node])
    assert nx.read_graphml(tmp_path / "graph.graphml").number_of_nodes() == gexf.number_of_nodes()


def test_graph_png_is_a_repeatable_picture(result, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    [first] = write_outputs(result, tmp_path / "one", ["png"])
    [second] = write_outputs(result, tmp_path / "two", ["png"])
    data = first.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert (width, height) == (1800, 1350)
    assert data == second.read_bytes()


def test_an_empty_scan_still_writes_a_page_and_a_picture(tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "a.txt").write_text("Short.\n", encoding="utf-8")
    result = fake_scan([folder])
    written = write_outputs(result, tmp_path / "out", ["html", "png", "gexf"])
    page = BeautifulSoup(written[0].read_text(encoding="utf-8"), "html.parser")
    assert "No contradictions reached the threshold." in page.get_text()
    assert written[1].stat().st_size > 0


def test_pairs_flagged_by_the_nli_judge_alone_are_listed_apart(tmp_path: Path) -> None:
    # The stand-in judge flags "increases" against "decreases" both ways; the claim reader sees two different
    # targets (alertness, sleepiness), so the verdict (0.83 here) stays under a threshold of 0.9: the pair is
    # listed apart, not counted — when screening is asked for.
    (tmp_path / "a.txt").write_text("Coffee increases alertness in adults, a trial found.\n", encoding="utf-8")
    (tmp_path / "b.txt").write_text("Coffee decreases sleepiness in adults, a trial found.\n", encoding="utf-8")
    unscreened = fake_scan([tmp_path], settings=Settings(threshold=0.9, cache=False))
    assert len(unscreened.judgements) == 1 and unscreened.stats.candidate_pairs == 1
    assert unscreened.contradictions == [] and unscreened.nli_only == []
    assert BeautifulSoup(render_html(unscreened), "html.parser").select("#nli-only li") == []
    result = fake_scan([tmp_path], settings=Settings(threshold=0.9, nli_screen=True))
    assert result.contradictions == [] and len(result.nli_only) == 1
    listed = BeautifulSoup(render_html(result), "html.parser").select("#nli-only li")
    assert len(listed) == 1
    text = listed[0].get_text(" ", strip=True)
    assert "Coffee increases alertness" in text and "Coffee decreases sleepiness" in text


def test_pairs_are_listed_by_disagreement_and_subjects_by_contradictions(result) -> None:  # type: ignore[no-untyped-def]
    def found(a: str, score: float, subject: str) -> Contradiction:
        return Contradiction(a, "c9", score, subject, "direction", ("a→b",), "")

    # Strongest first, as a scan returns them; s2 has the most contradictions, s1 the strongest one.
    strongest_first = [found("c1", 0.9, "s1"), found("c2", 0.8, "s2"), found("c3", 0.7, "s2"), found("c4", 0.6, "s3")]
    assert [(s, [c.a for c in group]) for s, group in by_subject(strongest_first)] == [
        ("s2", ["c2", "c3"]),
        ("s1", ["c1"]),
        ("s3", ["c4"]),
    ]
    # The page lists pairs under their disagreements, as report.md does: the one with the most pairs first.
    page = BeautifulSoup(render_html(result), "html.parser")
    articles = page.select("#disagreements article.contradiction")
    listed = [c for d in result.disagreements for c in d.pairs]
    assert [a["data-id"] for a in articles] == [result.pair_id(c) for c in listed]
    assert [a.select_one(".why").get_text() for a in articles] == [c.explanation for c in listed]
    assert [d["id"] for d in page.select("details.disagreement")] == [d.id for d in result.disagreements]
