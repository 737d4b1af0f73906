"""Limits: file size, claims per document and claims in all. Hitting one is reported, never silent."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from detector import InputError, Settings
from detector.claims import claim_id, extract_claims
from detector.documents import load_documents
from detector.limits import PER_DOC_REASON, TOTAL_REASON, cap_claims
from detector.outputs.exports import write_outputs

from .test_cli import run
from .test_pipeline_and_outputs import fake_scan


def sentences(prefix: str, n: int) -> str:
    return "\n".join(f"The {prefix} sample number {i} increases the measured value." for i in range(n)) + "\n"


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "a.txt").write_text(sentences("alpha", 6), encoding="utf-8")
    (folder / "b.txt").write_text(sentences("beta", 3), encoding="utf-8")
    (folder / "c.txt").write_text(sentences("gamma", 3), encoding="utf-8")
    return folder


def test_claims_past_the_per_document_cap_are_cut_and_reported(corpus: Path, tmp_path: Path) -> None:
    result = fake_scan([corpus], settings=Settings(max_claims_per_doc=4))
    assert [c.doc for c in result.claims].count("a.txt") == 4 and len(result.claims) == 10
    # The first claims of the document are kept, in order.
    assert [c.text for c in result.claims if c.doc == "a.txt"][-1].startswith("The alpha sample number 3 ")
    assert result.stats.dropped[PER_DOC_REASON] == 2
    assert result.stats.limits["cut"]["claims_per_doc"] == {"a.txt": 2}
    assert any("a.txt: only its first 4 claims" in w and "--max-claims-per-doc" in w for w in result.warnings)
    write_outputs(result, tmp_path / "out")
    assert "--max-claims-per-doc" in (tmp_path / "out" / "report.md").read_text(encoding="utf-8")
    findings = json.loads((tmp_path / "out" / "findings.json").read_text(encoding="utf-8"))
    assert sum(d["reason"] == PER_DOC_REASON for d in findings["dropped"]) == 2


def test_claims_past_the_total_cap_are_cut_in_document_order(corpus: Path) -> None:
    result = fake_scan([corpus], settings=Settings(max_claims=8))
    assert [c.doc for c in result.claims] == ["a.txt"] * 6 + ["b.txt"] * 2
    assert result.stats.limits["cut"]["claims"] == {"b.txt": 1, "c.txt": 3}
    assert result.stats.dropped[TOTAL_REASON] == 4
    assert sum("--max-claims)" in w for w in result.warnings) == 2
    # A claim's id is its document and offsets: the cut leaves the ids of the claims it keeps as they were.
    assert [c.id for c in result.claims] == [claim_id(c.doc, c.start, c.end) for c in result.claims]
    uncut = {c.id for c in fake_scan([corpus]).claims}
    assert {c.id for c in result.claims} < uncut


def test_no_cap_reached_changes_nothing(corpus: Path) -> None:
    claim_set = extract_claims(load_documents([corpus]))
    capped, cut, warnings = cap_claims(claim_set, per_doc=6, total=12)
    assert capped is claim_set and warnings == [] and cut == {"claims_per_doc": {}, "claims": {}}


def test_both_caps_together(corpus: Path) -> None:
    claim_set = extract_claims(load_documents([corpus]))
    capped, cut, _ = cap_claims(claim_set, per_doc=2, total=5)
    assert [c.doc for c in capped.claims] == ["a.txt", "a.txt", "b.txt", "b.txt", "c.txt"]
    assert cut == {"claims_per_doc": {"a.txt": 4, "b.txt": 1, "c.txt": 1}, "claims": {"c.txt": 1}}


def test_a_cap_below_one_is_refused(corpus: Path) -> None:
    with pytest.raises(InputError, match="at least 1"):
        fake_scan([corpus], settings=Settings(max_claims=0))


def test_a_file_over_the_size_cap_is_skipped_and_reported(corpus: Path) -> None:
    result = fake_scan([corpus], settings=Settings(max_file_bytes=200))
    assert result.stats.limits["cut"]["files"] == ["a.txt"]
    assert result.stats.skipped_documents == 1
    assert any(
        w.startswith("skipped a.txt: larger than the 200-byte limit") and "--max-file-mb" in w for w in result.warnings
    )


def test_the_cli_takes_the_file_cap_in_megabytes(tmp_path: Path) -> None:
    big = tmp_path / "big.txt"
    big.write_text(sentences("delta", 40), encoding="utf-8")
    result = run("scan", str(big), "--max-file-mb", "0.001", "--out", str(tmp_path / "o"))
    assert result.exit_code == 2 and "larger than the 1,000-byte limit" in result.stderr


def test_the_cli_refuses_an_unknown_engine(tmp_path: Path) -> None:
    (tmp_path / "d.txt").write_text("A claim that is here.", encoding="utf-8")
    result = run("scan", str(tmp_path / "d.txt"), "--engine", "spark", "--out", str(tmp_path / "o"))
    assert result.exit_code == 2 and "unknown --engine 'spark'; choose from local, ray" in result.stderr
