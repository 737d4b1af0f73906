"""`detector scan` on a folder mixing every format, broken files among them: one warning line per skipped file,
the rest scanned, and a PDF claim's page in report.md, report.html, findings.json, GEXF and GraphML."""

from __future__ import annotations

import json
from pathlib import Path

import networkx as nx
import pytest
from typer.testing import CliRunner

from detector import cli

from . import makers

UP = "Coffee increases alertness in adults, a large trial of office workers found."
DOWN = "Coffee decreases alertness in adults, a large trial of office workers found."


@pytest.fixture
def mixed(tmp_path: Path) -> Path:
    folder = tmp_path / "collection"
    folder.mkdir()
    filler = "Tea is served in many countries around the world every single day."
    (folder / "paper.pdf").write_bytes(makers.pdf([[filler], [UP]]))
    (folder / "draft.docx").write_bytes(makers.docx([("heading", "Coffee"), ("paragraph", filler)]))
    (folder / "page.html").write_text(
        f"<html><head><title>Coffee news</title></head><body><nav><a href='/'>Home</a> <a>Menu item</a></nav>"
        f"<article><p>{DOWN}</p><p>{filler} It was a long and careful study of habits.</p>"
        f"<p>Most of the people in the study drank two cups of coffee before noon.</p></article>"
        f"<footer>Copyright 2024 Example News. All rights reserved.</footer></body></html>",
        encoding="utf-8",
    )
    (folder / "claims.csv").write_text(f'ref,claim\nr1,"{filler}"\n', encoding="utf-8")
    (folder / "notes.md").write_text(f"# Notes\n\n{filler}\n", encoding="utf-8")
    (folder / "scanned.pdf").write_bytes(makers.scanned_pdf())
    (folder / "locked.pdf").write_bytes(makers.pdf([[UP]], password="secret"))
    (folder / "broken.docx").write_bytes(makers.docx([("paragraph", filler)])[:1500])
    return folder


def test_a_mixed_folder_is_scanned_and_each_bad_file_gets_one_warning_line(
    fake_cli: None, mixed: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    result = CliRunner().invoke(
        cli.app, ["scan", str(mixed), "--out", str(out), "--text-column", "claim", "--id-column", "ref"]
    )
    assert result.exit_code == 0, result.output
    assert "(p. 2)" in result.stdout  # the summary's table gives a PDF claim's page
    warnings = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(warnings) == 3 and all(line.startswith("warning: skipped ") for line in warnings), warnings
    assert any("scanned.pdf: no text layer" in w for w in warnings)
    assert any("locked.pdf: encrypted" in w for w in warnings)
    assert any("broken.docx: corrupt or truncated" in w for w in warnings)

    found = json.loads((out / "findings.json").read_text(encoding="utf-8"))
    documents = {d["id"]: d for d in found["documents"]}
    assert set(documents) == {
        "claims.csv#r1",
        "draft.docx",
        "notes.md",
        "page.html",
        "paper.pdf",
        "scanned.pdf",
        "locked.pdf",
        "broken.docx",
    }
    assert documents["paper.pdf"]["pages"] == 2 and "pages" not in documents["notes.md"]
    claims = {c["text"]: c for c in found["claims"]}
    assert claims[UP]["page"] == 2 and claims[UP]["doc"] == "paper.pdf"
    assert "page" not in claims[DOWN]
    assert not [c for c in found["claims"] if "Menu" in c["text"] or "Copyright" in c["text"]]
    [contradiction] = found["contradictions"]
    assert {contradiction["a"], contradiction["b"]} == {claims[UP]["id"], claims[DOWN]["id"]}

    report = (out / "report.md").read_text(encoding="utf-8")
    assert f"**paper.pdf** p. 2, line {claims[UP]['line']}, column 1" in report
    assert "**page.html** line" in report
    assert "- skipped scanned.pdf: no text layer" in report
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "paper.pdf</b> · p. 2 · line" in html and "Skipped input" in html
    for graph in (nx.read_gexf(out / "graph.gexf"), nx.read_graphml(out / "graph.graphml")):
        assert int(graph.nodes[f"claim:{claims[UP]['id']}"]["page"]) == 2
        assert "page" not in graph.nodes[f"claim:{claims[DOWN]['id']}"]


def test_html_text_all_reads_the_menus_too(fake_cli: None, mixed: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    args = ["scan", str(mixed / "page.html"), "--out", str(out), "--format", "json", "-q", "--html-text", "all"]
    assert CliRunner().invoke(cli.app, args).exit_code == 0
    found = json.loads((out / "findings.json").read_text(encoding="utf-8"))
    assert "Home Menu item" in {d["text"] for d in found["dropped"]}
    assert "Copyright 2024 Example News." in {c["text"] for c in found["claims"]}  # the footer, as a claim


def test_max_pdf_pages_cuts_a_long_pdf_with_one_warning(fake_cli: None, tmp_path: Path) -> None:
    (tmp_path / "book.pdf").write_bytes(makers.numbered_pdf(500))
    out = tmp_path / "out"
    result = CliRunner().invoke(
        cli.app, ["scan", str(tmp_path / "book.pdf"), "--out", str(out), "-f", "json", "-q", "--max-pdf-pages", "5"]
    )
    assert result.exit_code == 0, result.output
    assert result.stderr.strip() == (
        "warning: book.pdf: only its first 5 of 500 pages are read (raise the limit with --max-pdf-pages)"
    )
    found = json.loads((out / "findings.json").read_text(encoding="utf-8"))
    assert found["documents"][0]["pages"] == 5
    assert max(c["page"] for c in found["claims"] + found["dropped"]) == 5


def test_a_named_url_that_fails_is_a_warning_not_an_error(fake_cli: None, tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(UP + "\n", encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(
        cli.app,
        ["scan", str(tmp_path / "a.txt"), "http://127.0.0.1:9/gone", "--out", str(out), "-f", "md", "-q", "--no-cache"],
    )
    assert result.exit_code == 0, result.output
    assert result.stderr.startswith("warning: skipped http://127.0.0.1:9/gone: cannot be fetched")


def test_watching_only_web_pages_is_a_clear_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli.app, ["scan", "http://127.0.0.1:9/page", "--watch", "--out", str(tmp_path / "o")])
    assert result.exit_code == 2
    assert result.stderr.strip() == "error: --watch watches files and folders: name one (web pages are not watched)"
