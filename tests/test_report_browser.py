"""report.html in headless Chromium: no console errors, no network, evidence visible, filters and graph working.

Needs playwright (test extra) and a system Chromium (Debian's `chromium`, installed by .ci/run); skips otherwise.
Screenshots go to $DETECTOR_TEST_ARTIFACTS (default: a pytest temporary folder) and their paths are printed.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from detector import Settings
from detector import reviews as review_stage
from detector.outputs.exports import write_outputs

from .browser import launch, visit, why_no_browser
from .test_html_report import HOSTILE
from .test_pipeline_and_outputs import fake_scan

pytestmark = pytest.mark.skipif(why_no_browser() is not None, reason=why_no_browser() or "")

STIMULATES, SUPPRESSES = "000_ac6c5d8dacf27aa2.txt", "004_a96d898ab4f5849c.txt"
# "One screen": a full-HD desktop screen, the most common one. Disagreements come first, the one with the most
# pairs first (kratom · prolactin on the seeds), each a row that opens to its pairs, strongest first.
FULL_HD = {"width": 1920, "height": 1080}


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = launch(playwright)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def artifacts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    named = os.environ.get("DETECTOR_TEST_ARTIFACTS")
    folder = Path(named) if named else tmp_path_factory.mktemp("artifacts")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def save_screenshot(page: Any, folder: Path, name: str, capsys: pytest.CaptureFixture[str]) -> Path:
    path = folder / name
    page.screenshot(path=str(path))
    with capsys.disabled():
        print(f"\nscreenshot: {path}")
    return path


@pytest.fixture(scope="module")
def fake_docs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("docs")
    (folder / "a.txt").write_text("Coffee increases alertness in adults, a trial found.\n", encoding="utf-8")
    (folder / "b.md").write_text(
        "# Coffee\n\nA first sentence about the design. Coffee decreases alertness in adults, a trial found.\n",
        encoding="utf-8",
    )
    (folder / "evil.txt").write_text(HOSTILE, encoding="utf-8")
    (folder / "tea.txt").write_text(
        "Green tea increases calm focus in students, one survey says.\n"
        "Green tea decreases calm focus in students, another survey says.\n",
        encoding="utf-8",
    )
    return folder


@pytest.fixture(scope="module")
def fake_report(fake_docs: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("out")
    write_outputs(fake_scan([fake_docs], settings=Settings(threshold=0.9)), out, ["html"])
    return out / "report.html"


def test_fake_report_loads_offline_without_errors(browser: Any, fake_report: Path) -> None:
    seen = visit(browser, fake_report)
    assert seen.errors == [] and seen.dialogs == []
    assert seen.requests == [fake_report.resolve().as_uri()]
    assert seen.page.locator("article.contradiction").count() >= 3
    seen.page.close()


def test_hostile_claims_render_as_text(browser: Any, fake_report: Path, artifacts: Path, capsys: Any) -> None:
    seen = visit(browser, fake_report)
    page = seen.page
    assert page.evaluate("document.images.length") == 0
    assert page.evaluate("document.scripts.length") == 4
    assert page.evaluate("document.querySelectorAll('[onerror], textarea').length") == 0
    page.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true; })")
    marks = page.locator("mark").all_inner_texts()
    assert any('<script>alert("x")</script>' in text for text in marks)
    # The graph's details panel shows claim text too: as text.
    page.evaluate("window.detectorReport.cy.nodes().filter(n => (n.data('text') || '').includes('<img')).emit('tap')")
    assert '<img src=x onerror="alert(2)">' in page.locator("#graph-info").inner_text()
    assert page.evaluate("document.images.length") == 0
    page.locator("#graph").scroll_into_view_if_needed()
    assert seen.errors == [] and seen.dialogs == [] and seen.remote_requests == []
    save_screenshot(page, artifacts, "fake-report-graph.png", capsys)
    page.close()


def test_filters_narrow_the_lists_and_the_graph(browser: Any, fake_report: Path) -> None:
    page = visit(browser, fake_report).page
    total = page.locator("article.contradiction").count()
    nodes = page.evaluate("window.detectorReport.cy.nodes(':visible').length")
    page.fill("#search", "green tea")
    page.locator("article.contradiction.hidden").first.wait_for(state="attached")
    visible = page.locator("article.contradiction:not(.hidden)")
    assert visible.count() == 1 and "Green tea" in visible.inner_text()  # its disagreement opened
    assert 0 < page.evaluate("window.detectorReport.cy.nodes(':visible').length") < nodes
    assert f"1 of {total} contradictions" in page.locator("#shown").inner_text()
    assert page.locator("details.disagreement:not(.hidden)").count() == 1
    page.fill("#search", "")
    subject = page.locator("article.contradiction").first.get_attribute("data-subject")
    page.select_option("#subject-filter", subject)
    shown = page.locator("article.contradiction:not(.hidden)")
    assert shown.count() >= 1
    assert all(s == subject for s in shown.evaluate_all("els => els.map(e => e.dataset.subject)"))
    claims = page.evaluate("window.detectorReport.cy.nodes('[kind = \"claim\"]:visible').map(n => n.data('subject'))")
    assert claims and set(claims) == {subject}
    page.select_option("#subject-filter", "")
    page.select_option("#kind-filter", "direction+antonym+nli")
    assert page.locator("article.contradiction:not(.hidden)").count() == total
    page.close()


def test_review_buttons_save_a_reviews_file_the_cli_applies(
    browser: Any, fake_docs: Path, fake_report: Path, tmp_path: Path, artifacts: Path, capsys: Any
) -> None:
    seen = visit(browser, fake_report)
    page = seen.page
    coffee = page.locator("details.disagreement").filter(has_text="Coffee increases alertness").first
    coffee.locator("summary").click()
    pair = coffee.locator("article.contradiction").first
    pair_id = pair.get_attribute("data-id")
    pair.locator(".review .note").fill('different populations <script>alert("n")</script>')
    pair.locator(".review button.reject").click()
    assert pair.locator(".review button.reject").get_attribute("aria-pressed") == "true"
    assert "rejected" in (pair.get_attribute("class") or "")
    # A second click takes a verdict back; a third gives it again.
    tea = page.locator("details.disagreement").filter(has_text="Green tea").first
    tea.locator("summary").click()
    confirm = tea.locator(".disagreement-body > .review button.confirm")
    confirm.click()
    confirm.click()
    confirm.click()
    assert page.locator("#save-reviews").inner_text() == "save reviews (4 changes)"
    save_screenshot(page, artifacts, "fake-report-reviews.png", capsys)
    with page.expect_download() as download:
        page.click("#save-reviews")
    saved = tmp_path / "reviews.json"
    download.value.save_as(saved)
    assert download.value.suggested_filename == "reviews.json"
    assert page.locator("#save-reviews").inner_text() == "save reviews (saved)"
    assert seen.errors == [] and seen.dialogs == [] and seen.remote_requests == []
    page.close()
    reviews = review_stage.read(saved)
    assert [(r.target, r.verdict) for r in reviews] == [("pair", "rejected"), ("disagreement", "confirmed")]
    assert reviews[0].id == pair_id and reviews[0].note == 'different populations <script>alert("n")</script>'
    result = fake_scan([fake_docs], settings=Settings(threshold=0.9))
    applied = review_stage.apply(result, reviews)
    assert pair_id not in {applied.pair_id(c) for c in applied.contradictions}
    assert applied.reviewed is not None and applied.reviewed.rejected_pairs == 1
    assert applied.reviewed.confirmed_pairs == 1 and applied.reviewed.stale == []


@pytest.mark.slow
def test_seeds_report_shows_every_disagreement_on_the_first_screen(  # type: ignore[no-untyped-def]
    browser: Any, scanned, artifacts: Path, capsys: Any
) -> None:
    out, findings = scanned
    report = out / "report.html"
    seen = visit(browser, report, viewport=FULL_HD)
    page = seen.page
    assert seen.errors == [] and seen.dialogs == []
    assert seen.requests == [report.resolve().as_uri()]
    assert (out / "graph.png").stat().st_size > 0
    save_screenshot(page, artifacts, "seeds-report.png", capsys)
    summaries = page.locator("details.disagreement > summary")
    assert summaries.count() == len(findings["disagreements"]) >= 1
    height = page.viewport_size["height"]
    boxes = [summaries.nth(i).bounding_box() for i in range(summaries.count())]
    # Every disagreement on the first screen, without scrolling.
    assert all(box and box["y"] >= 0 and box["y"] + box["height"] <= height for box in boxes), boxes
    # The first is the prolactin question; its strongest pair's claims side by side in its summary row.
    first = page.locator("details.disagreement").first
    quotes = [first.locator(f"summary .side-{s} q") for s in "ab"]
    texts = [q.inner_text().lower() for q in quotes]
    assert all("prolactin" in t for t in texts)
    a, b = (q.bounding_box() for q in quotes)
    assert a and b and a["x"] + a["width"] <= b["x"] and abs(a["y"] - b["y"]) < 40
    # Opened, it shows the strongest 000/004 pair about prolactin's direction with its two sides side by side.
    first.locator("summary").click()
    articles = page.locator("article.contradiction")
    assert articles.count() == len(findings["contradictions"])
    prolactin = first.locator("article.contradiction").filter(has_text=STIMULATES).filter(has_text=SUPPRESSES)
    prolactin = prolactin.filter(has_text="suppresses prolactin secretion").first
    prolactin.scroll_into_view_if_needed()
    left, right = prolactin.locator(".side-a mark"), prolactin.locator(".side-b mark")
    texts = [left.inner_text().lower(), right.inner_text().lower()]
    # 000 says kratom stimulates or increases it.
    assert any(("stimulat" in t or "increas" in t) and "prolactin" in t for t in texts)
    assert any("suppresses prolactin secretion" in t for t in texts)
    boxes = [left.bounding_box(), right.bounding_box()]
    assert boxes[0] and boxes[1]
    assert boxes[0]["x"] + boxes[0]["width"] <= boxes[1]["x"] and abs(boxes[0]["y"] - boxes[1]["y"]) < 80
    page.evaluate("window.scrollTo(0, 0)")
    save_screenshot(page, artifacts, "seeds-disagreement.png", capsys)
    page.locator("#graph").scroll_into_view_if_needed()
    save_screenshot(page, artifacts, "seeds-graph.png", capsys)
    assert seen.errors == []
    page.close()
