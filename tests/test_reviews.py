"""Reviews: `detector review` records a verdict and the next scan applies it; reviews survive a re-scan, an added
document, a moved claim and a moved folder; a review whose claims are gone is reported as stale."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from bs4 import BeautifulSoup
from typer.testing import CliRunner

from detector import Settings
from detector import reviews as review_stage
from detector.cli import app
from detector.errors import InputError
from detector.outputs.exports import write_outputs

from .test_pipeline_and_outputs import fake_scan

runner = CliRunner()
COFFEE_UP = "Coffee increases alertness in adults, a trial found."
COFFEE_DOWN = "Coffee decreases alertness in adults, a trial found."
TEA = (
    "Green tea increases calm focus in students, one survey says.\n"
    "Green tea decreases calm focus in students, another survey says.\n"
)


@pytest.fixture
def docs(tmp_path: Path) -> Path:
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "a.txt").write_text(f"{COFFEE_UP}\nTea is popular in many countries today.\n", encoding="utf-8")
    (folder / "b.txt").write_text(f"{COFFEE_DOWN}\n", encoding="utf-8")
    (folder / "t.txt").write_text(TEA, encoding="utf-8")
    return folder


def run(*args: str) -> Any:
    return runner.invoke(app, list(args))


def scan(docs: Path, out: Path, *extra: str) -> dict[str, Any]:
    result = run("scan", str(docs), "--out", str(out), "--threshold", "0.9", *extra)
    assert result.exit_code == 0, result.output
    return json.loads((out / "findings.json").read_text(encoding="utf-8"))


def coffee(findings: dict[str, Any]) -> dict[str, Any]:
    texts = {c["id"]: c["text"] for c in findings["claims"]}
    return next(p for p in findings["contradictions"] if {texts[p["a"]], texts[p["b"]]} == {COFFEE_UP, COFFEE_DOWN})


def test_a_rejected_pair_is_not_reported_by_the_next_scan_and_is_listed_apart(
    fake_cli: None, docs: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    before = scan(docs, out)
    assert before["schema"] == "detector/findings@2"
    assert len(before["contradictions"]) == 2 and len(before["disagreements"]) == 2
    pair = coffee(before)["id"]
    recorded = run("review", str(out), pair, "--reject", "--note", "different populations")
    assert recorded.exit_code == 0, recorded.output
    assert f"rejected pair {pair}" in recorded.stdout and "the next scan applies it" in recorded.stdout
    [review] = json.loads((out / "reviews.json").read_text(encoding="utf-8"))["reviews"]
    assert review["verdict"] == "rejected" and review["note"] == "different populations"
    assert {side["text"] for side in review["pairs"][0]} == {COFFEE_UP, COFFEE_DOWN}

    rescanned = run("scan", str(docs), "--out", str(out), "--threshold", "0.9")
    summary = " ".join(rescanned.stdout.split())
    assert "1 contradiction in 1 disagreement" in summary
    assert "1 pair rejected (listed apart, not counted)" in summary
    after = json.loads((out / "findings.json").read_text(encoding="utf-8"))
    assert [p["id"] for p in after["contradictions"]] != [pair] and len(after["contradictions"]) == 1
    assert after["stats"]["contradictions"] == 1 and after["stats"]["disagreements"] == 1
    [rejected] = after["reviews"]["rejected"]
    assert rejected["review"]["note"] == "different populations" and [p["id"] for p in rejected["pairs"]] == [pair]
    report = (out / "report.md").read_text(encoding="utf-8")
    assert "## Rejected by review: 1 pair (not counted)" in report and "different populations" in report
    page = BeautifulSoup((out / "report.html").read_text(encoding="utf-8"), "html.parser")
    assert [a["data-id"] for a in page.select("#reviewed article.contradiction")] == [pair]
    assert pair not in [a["data-id"] for a in page.select("#disagreements article.contradiction")]


def test_a_rejected_disagreement_stays_rejected_after_a_document_is_added_and_its_claim_moved(
    fake_cli: None, docs: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    before = scan(docs, out)
    disagreement = coffee(before)["disagreement"]
    assert run("review", str(out), disagreement, "--reject").exit_code == 0
    # A new document, and the claim of a.txt moved down under new lines: other ids, other offsets.
    (docs / "0-new.txt").write_text("Coffee decreases alertness in older adults, a new trial found.\n", "utf-8")
    (docs / "a.txt").write_text(
        f"Some new opening line is written here.\nAnother new line is here too.\n{COFFEE_UP}\n", encoding="utf-8"
    )
    after = scan(docs, out)
    texts = {c["id"]: c["text"] for c in after["claims"]}
    reported = [{texts[p["a"]], texts[p["b"]]} for p in after["contradictions"]]
    assert {COFFEE_UP, COFFEE_DOWN} not in reported
    # The new document's pair was never reviewed: it is reported.
    assert any("older adults" in " ".join(pair) for pair in reported)
    [rejected] = after["reviews"]["rejected"]
    assert rejected["review"]["id"] == disagreement and len(rejected["pairs"]) == 1
    assert after["reviews"]["stale"] == []


def test_a_review_still_applies_when_the_folder_is_scanned_from_elsewhere(
    fake_cli: None, docs: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    pair = coffee(scan(docs, out))["id"]
    assert run("review", str(out), pair, "--reject").exit_code == 0
    moved = shutil.copytree(docs, tmp_path / "elsewhere" / "copy")
    after = scan(moved, out)
    assert len(after["contradictions"]) == 1 and after["reviews"]["rejected_pairs"] == 1


def test_a_review_whose_claim_is_gone_is_reported_stale(fake_cli: None, docs: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    pair = coffee(scan(docs, out))["id"]
    assert run("review", str(out), pair, "--reject").exit_code == 0
    (docs / "b.txt").write_text("Coffee decreases alertness in some adults, a trial found.\n", encoding="utf-8")
    result = run("scan", str(docs), "--out", str(out), "--threshold", "0.9", "--quiet")
    assert result.exit_code == 0
    assert f"stale review: pair {pair} (rejected" in result.stderr
    assert "1 of its 2 claims are no longer in the documents" in result.stderr
    after = json.loads((out / "findings.json").read_text(encoding="utf-8"))
    [stale] = after["reviews"]["stale"]
    assert stale["id"] == pair and stale["still_applied_to"] == 0
    assert "## Stale reviews" in (out / "report.md").read_text(encoding="utf-8")
    assert len(after["contradictions"]) == 2  # the edited claim's pair is a new pair, not the rejected one


def test_a_confirmed_disagreement_is_marked_in_every_output(fake_cli: None, docs: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    before = scan(docs, out)
    tea = next(d for d in before["disagreements"] if d["within_document"])
    assert run("review", str(out), tea["id"], "--confirm", "--note", "checked").exit_code == 0
    after = scan(docs, out)
    [marked] = [d for d in after["disagreements"] if d["id"] == tea["id"]]
    assert marked["review"] == {"status": "confirmed", "confirmed_pairs": 1}
    [pair] = [p for p in after["contradictions"] if p["disagreement"] == tea["id"]]
    assert pair["review"] == {"verdict": "confirmed", "note": "checked"}
    assert len(after["contradictions"]) == 2 and after["reviews"]["confirmed_pairs"] == 1
    page = BeautifulSoup((out / "report.html").read_text(encoding="utf-8"), "html.parser")
    assert "confirmed" in page.select_one(f"details.disagreement[id='{tea['id']}']")["class"]
    assert "· within one document · confirmed" in (out / "report.md").read_text(encoding="utf-8")


def test_review_lists_ids_and_refuses_what_it_cannot_do(fake_cli: None, docs: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    found = scan(docs, out)
    listed = run("review", str(out))
    assert listed.exit_code == 0 and all(d["id"] in listed.stdout for d in found["disagreements"])
    for args, fragment in [
        (["d-0000000000", "--reject"], "no disagreement or pair 'd-0000000000'"),
        ([found["disagreements"][0]["id"], "--reject", "--confirm"], "say --confirm or --reject"),
        ([found["disagreements"][0]["id"]], "say --confirm or --reject"),
    ]:
        result = run("review", str(out), *args)
        assert result.exit_code == 2 and result.stderr.startswith("error:") and fragment in result.stderr
    missing = run("review", str(tmp_path / "nowhere"), "d-0000000000", "--reject")
    assert missing.exit_code == 2 and "findings.json: not found" in missing.stderr
    (out / "reviews.json").write_text("{not json", encoding="utf-8")
    broken = run("scan", str(docs), "--out", str(out))
    assert broken.exit_code == 2 and "reviews.json: cannot read the reviews" in broken.stderr


def test_reviews_saved_elsewhere_are_imported_or_named(fake_cli: None, docs: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    found = scan(docs, out)
    pair = coffee(found)["id"]
    saved = tmp_path / "Downloads" / "reviews.json"
    review_stage.write(saved, [review_stage.of_findings(found, pair, "rejected", "from the page")])
    # Named with --reviews, the file is read in place.
    assert len(scan(docs, out, "--reviews", str(saved))["contradictions"]) == 1
    assert len(scan(docs, out)["contradictions"]) == 2
    # Imported, it joins the reviews file beside the outputs.
    imported = run("review", str(out), "--import", str(saved))
    assert imported.exit_code == 0 and "imported 1 reviews" in imported.stdout
    assert len(scan(docs, out)["contradictions"]) == 1
    assert run("review", str(out), "--import", str(tmp_path / "none.json")).exit_code == 2


def test_a_later_review_of_a_pair_overrides_an_earlier_one(docs: Path) -> None:
    result = fake_scan([docs], settings=Settings(threshold=0.9))
    [d] = [d for d in result.disagreements if not d.within_document]
    a, b = result.claim(d.strongest.a), result.claim(d.strongest.b)
    pair = ((str(result.document(a.doc).path), a.text), (str(result.document(b.doc).path), b.text))
    reject = review_stage.Review("disagreement", d.id, "rejected", (pair,))
    confirm = review_stage.Review("pair", result.pair_id(d.strongest), "confirmed", (pair,))
    assert len(review_stage.apply(result, [reject]).contradictions) == 1
    applied = review_stage.apply(result, [reject, confirm])
    assert len(applied.contradictions) == 2 and applied.reviewed.verdict(result.pair_id(d.strongest)) == "confirmed"
    again = review_stage.Review("pair", confirm.id, "rejected", (pair,))
    assert review_stage.record([reject, confirm], again) == [reject, again]


def test_a_review_recorded_through_the_library_is_listed_as_left_out_after_the_next_scan(
    docs: Path, tmp_path: Path
) -> None:
    out, path = tmp_path / "out", tmp_path / "out" / "reviews.json"
    with pytest.raises(InputError, match=r"findings\.json: not found"):
        review_stage.read_findings(out)
    write_outputs(fake_scan([docs], settings=Settings(threshold=0.9)), out, ["json"])
    found = review_stage.read_findings(out)
    listed, rejected = review_stage.reviewable(found)
    assert [d.id for d in listed] == [d["id"] for d in found["disagreements"]] and rejected == []
    assert all(len(d.sides) == 2 and d.review == "" and len(d.pairs) == d.pair_count for d in listed)
    pair = coffee(found)["id"]
    made = review_stage.review(out, pair, "rejected", "different doses", path=path)
    assert (made.target, made.id, made.verdict) == ("pair", pair, "rejected")
    assert review_stage.read(path) == [made]
    scanned = review_stage.apply(fake_scan([docs], settings=Settings(threshold=0.9)), review_stage.read(path))
    write_outputs(scanned, out, ["json"])
    _, rejected = review_stage.reviewable(review_stage.read_findings(out))
    assert rejected == [review_stage.LeftOut("pair", pair, 1, "different doses")]
    # Imported into another reviews file, the review joins what that file holds.
    other = tmp_path / "elsewhere.json"
    assert review_stage.import_reviews(other, path) == [made] and review_stage.read(other) == [made]
    with pytest.raises(InputError, match="no such reviews file"):
        review_stage.import_reviews(other, tmp_path / "none.json")
