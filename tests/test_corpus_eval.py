"""`detector eval --corpus`: a scan scored against a labelled corpus, by the rules of shared/corpora/score.py."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from detector.corpus import (
    evaluate,
    evaluate_corpus,
    pair_recall,
    phrases_in_claims,
    read_corpus,
    score_findings,
    where_lost,
)
from detector.errors import InputError
from detector.pipeline import Settings
from detector.verdict.calibration import FEATURES, Calibration

from .conftest import SHARED, BagOfWordsEmbedder, OppositeVerbJudge
from .test_cache import PlainReader

SCORE_PY = SHARED / "corpora" / "score.py"


def write_corpus(root: Path) -> Path:
    """A corpus written for the test: two documents and findings of each tier."""
    (root / "docs").mkdir(parents=True)
    (root / "docs" / "one.txt").write_text(
        "Drug X increases blood pressure in adults.\nThe clinic’s nurses say it is safe.\nIt costs ten dollars.\n",
        encoding="utf-8",
    )
    (root / "docs" / "two.txt").write_text(
        "Drug X decreases blood pressure in adults.\nIt is not safe for anyone.\nThe price is twelve dollars.\n",
        encoding="utf-8",
    )
    gold = {
        "findings": [
            {
                "id": "F1",
                "tier": "core",
                "a": ["increases blood pressure"],
                "b": ["decreases blood pressure"],
                "why": "up vs down",
            },
            {
                "id": "F2",
                "tier": "stretch",
                "a": ["clinic’s nurses say it is safe"],
                "b": ["not safe"],
                "why": "safe vs not",
            },
            {"id": "F3", "tier": "allowed", "a": ["costs ten dollars"], "b": ["twelve dollars"], "why": "price"},
            {"id": "F4", "tier": "core", "a": ["no such phrase"], "b": ["Drug X"], "why": "never found"},
        ]
    }
    (root / "gold.json").write_text(json.dumps(gold), encoding="utf-8")
    return root


def claim(cid: str, doc: str, text: str, start: int, end: int) -> dict[str, Any]:
    return {"id": cid, "doc": doc, "text": text, "start": start, "end": end}


FINDINGS = {
    "claims": [
        claim("c1", "one.txt", "Drug X increases blood pressure in adults.", 0, 42),
        # Matched by its span only: the text given here is not the document's (curly quote, cut short).
        claim("c2", "one.txt", "The clinic’s nurses", 43, 79),
        claim("c3", "one.txt", "It costs ten dollars.", 80, 101),
        claim("c4", "two.txt", "Drug X decreases blood pressure in adults.", 0, 42),
        claim("c5", "two.txt", "It is not safe for anyone.", 43, 69),
        claim("c6", "two.txt", "The price is twelve dollars.", 70, 98),
    ],
    "contradictions": [
        {"a": "c4", "b": "c1", "score": 0.9},  # either order
        {"a": "c2", "b": "c5", "score": 0.8},
        {"a": "c3", "b": "c6", "score": 0.7},  # allowed: not a false positive, not counted as found
        {"a": "c1", "b": "c6", "score": 0.6},  # matches nothing
    ],
}


def test_a_scan_is_scored_by_finding_tier_with_false_positives_listed(tmp_path: Path) -> None:
    score = score_findings(FINDINGS, read_corpus(write_corpus(tmp_path / "corpus")))
    assert score.headline() == {
        "core_found": 1,
        "core_total": 2,
        "stretch_found": 1,
        "stretch_total": 1,
        "pairs": 4,
        "false_positives": 1,
        "precision": 0.75,
    }
    assert score.found == {"F1": 1, "F4": 0, "F2": 1} and score.missed == ["F4"]
    assert score.false_positive_pairs == [
        (0.6, "Drug X increases blood pressure in adults.", "The price is twelve dollars.")
    ]


def test_disagreements_find_a_finding_when_their_two_sides_hold_its_phrases(tmp_path: Path) -> None:
    def disagreement(did: str, a: list[str], b: list[str]) -> dict[str, Any]:
        return {"id": did, "sides": [{"claims": a}, {"claims": b}]}

    grouped = FINDINGS | {
        "disagreements": [
            disagreement("d1", ["c1", "c2"], ["c4", "c5"]),  # F1 and F2, each side holding one side of them
            disagreement("d2", ["c6"], ["c3"]),  # F3, sides swapped: allowed, not a false positive
            disagreement("d3", ["c1", "c4"], ["c6"]),  # F1's two phrases on one side only: finds nothing
        ]
    }
    score = score_findings(grouped, read_corpus(write_corpus(tmp_path / "corpus")))
    assert score.disagreements is not None
    assert (score.disagreements.disagreements, score.disagreements.false_positives) == (3, 1)
    assert score.disagreements.precision == 0.667
    assert (score.disagreements.core_found, score.disagreements.stretch_found) == (1, 1)
    assert score.disagreements.found == {"F1": ["d1"], "F4": [], "F2": ["d1"]}
    assert score.headline()["pairs"] == 4  # the pair figures are score.py's, unchanged
    assert score_findings(FINDINGS, read_corpus(tmp_path / "corpus")).disagreements is None


def test_the_scores_agree_with_shared_score_py(tmp_path: Path) -> None:
    if not SCORE_PY.is_file():
        pytest.skip("../shared/corpora/score.py is not beside the project")
    root = write_corpus(tmp_path / "corpus")
    file = tmp_path / "findings.json"
    file.write_text(json.dumps(FINDINGS), encoding="utf-8")
    printed = subprocess.run(
        [sys.executable, str(SCORE_PY), str(file), str(root)], capture_output=True, text=True, check=True
    ).stdout
    assert json.loads(printed.strip().splitlines()[-1]) == score_findings(FINDINGS, read_corpus(root)).headline()


def test_stage_measures_which_findings_the_claims_and_the_candidate_pairs_still_hold(tmp_path: Path) -> None:
    corpus = read_corpus(write_corpus(tmp_path / "corpus"))
    claims = FINDINGS["claims"]
    assert phrases_in_claims(claims, corpus, ["core"]) == ["no such phrase"]
    assert pair_recall([(0, 3), (1, 4)], claims, corpus, ["core", "stretch"]) == (["F1", "F2"], ["F4"])
    assert pair_recall([(2, 5)], claims, corpus, ["core"]) == ([], ["F1", "F4"])


@pytest.mark.parametrize(
    ("layout", "message"),
    [
        ({}, "needs a docs/ folder"),
        ({"docs/a.txt": "Some text here."}, "needs gold.json"),
        ({"docs/a.txt": "Some text.", "gold.json": "[1, 2]"}, "expected"),
        ({"docs/a.txt": "Some text.", "gold.json": '{"findings": [{"id": "x", "tier": "core"}]}'}, "needs id, tier"),
        (
            {
                "docs/a.txt": "Some text.",
                "gold.json": '{"findings": [{"id": "x", "tier": "huge", "a": ["a"], "b": ["b"]}]}',
            },
            "tier",
        ),
    ],
)
def test_a_malformed_corpus_is_a_clear_error(tmp_path: Path, layout: dict[str, str], message: str) -> None:
    root = tmp_path / "corpus"
    root.mkdir()
    for name, text in layout.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match=message):
        read_corpus(root)


def test_evaluate_scans_the_corpus_and_scores_what_it_reports(tmp_path: Path) -> None:
    # A verdict that follows the judge alone: the stand-in judge flags "increases" against "decreases".
    calibration = Calibration(dict.fromkeys(FEATURES, 0.0) | {"nli": 1.0}, bias=0.0, threshold=0.9)
    score, result = evaluate(
        write_corpus(tmp_path / "corpus"),
        embedder=BagOfWordsEmbedder(),
        judge=OppositeVerbJudge(),
        parser=PlainReader(),
        calibration=calibration,
    )
    assert score.pairs == len(result.contradictions) == 1
    assert score.core_found == 1 and score.false_positives == 0 and score.missed == ["F4", "F2"]
    assert score.disagreements is not None and score.disagreements.disagreements == len(result.disagreements) == 1
    assert score.disagreements.core_found == 1 and score.disagreements.precision == 1.0


def test_evaluate_says_at_which_stage_each_missed_finding_was_lost(tmp_path: Path) -> None:
    calibration = Calibration(dict.fromkeys(FEATURES, 0.0) | {"nli": 1.0}, bias=0.0, threshold=0.9)
    models = {"embedder": BagOfWordsEmbedder(), "judge": OppositeVerbJudge(), "parser": PlainReader()}
    root = write_corpus(tmp_path / "corpus")
    # Every pair a candidate (the stand-in embedder finds "safe" and "not safe" far apart), every candidate judged.
    settings = Settings(min_similarity=-1.0, judge_per_claim=0, cache=False)
    score, result = evaluate(root, calibration=calibration, settings=settings, **models)
    lost = {loss.finding: loss for loss in score.lost}
    assert set(lost) == set(score.missed) == {"F4", "F2"}
    # F4's side "no such phrase" is in no claim; F2's pair is judged and its verdict falls short: the stand-in
    # judge sees no opposite verbs in it.
    assert lost["F4"].stage == "claims" and lost["F4"].best is None
    assert lost["F2"].stage == "verdict" and lost["F2"].best is not None and lost["F2"].best < result.threshold
    # With no pair judged, F2 is lost at the screen; with no candidates, among the candidates.
    unjudged = dataclasses.replace(result, judgements=[])
    assert [loss.stage for loss in where_lost(unjudged, read_corpus(root), ["F2"], calibration)] == ["screen"]
    # Chosen but not judged, as no score of the judge (at most 0.5 here) could lift it: lost at the verdict, with
    # the most it could reach.
    capped = dataclasses.replace(calibration, judge="OppositeVerbJudge", judge_ceiling=0.5)
    unreachable = dataclasses.replace(unjudged, unreachable=[j.pair for j in result.judgements])
    [bound] = where_lost(unreachable, read_corpus(root), ["F2"], capped)
    assert (bound.stage, bound.best, bound.exact) == ("verdict", 0.5, False) and lost["F2"].exact
    alone = dataclasses.replace(result, pairs=[], judgements=[])
    assert [loss.stage for loss in where_lost(alone, read_corpus(root), ["F2"], calibration)] == ["candidates"]
    # And a pair that reaches the threshold yet is not reported was taken out by a review.
    lenient = Calibration(dict.fromkeys(FEATURES, 0.0), bias=10.0, threshold=0.9)
    assert [loss.stage for loss in where_lost(result, read_corpus(root), ["F2"], lenient)] == ["review"]


def test_evaluate_corpus_writes_the_scans_outputs_and_gives_the_corpus_beside_the_score(tmp_path: Path) -> None:
    calibration = Calibration(dict.fromkeys(FEATURES, 0.0) | {"nli": 1.0}, bias=0.0, threshold=0.9)
    models = {"embedder": BagOfWordsEmbedder(), "judge": OppositeVerbJudge(), "parser": PlainReader()}
    root, out = write_corpus(tmp_path / "corpus"), tmp_path / "out"
    corpus, score = evaluate_corpus(root, out_dir=out, calibration=calibration, **models)
    assert corpus == read_corpus(root)
    assert score.core_found == 1 and score.missed == ["F4", "F2"]
    assert len(json.loads((out / "findings.json").read_text(encoding="utf-8"))["contradictions"]) == score.pairs == 1


@pytest.mark.slow
def test_eval_corpus_on_the_command_line_prints_the_score(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from detector.cli import app

    root = write_corpus(tmp_path / "corpus")
    as_json = CliRunner().invoke(app, ["eval", "--corpus", str(root), "--json"])
    assert as_json.exit_code == 0, as_json.output
    data = json.loads(as_json.stdout)
    assert data["core_total"] == 2 and data["stretch_total"] == 1 and "F4" in data["missed"]
    assert set(data["disagreements"]) >= {"disagreements", "core_found", "false_positives", "precision"}
    table = CliRunner().invoke(app, ["eval", "--corpus", str(root), "--out", str(tmp_path / "out")])
    assert table.exit_code == 0 and "missed core F4 (lost at the claims): never found" in table.stdout
    assert "disagreements: " in table.stdout
    assert (tmp_path / "out" / "findings.json").is_file()


def test_eval_needs_a_pairs_file_or_a_corpus() -> None:
    from typer.testing import CliRunner

    from detector.cli import app

    result = CliRunner().invoke(app, ["eval"])
    assert result.exit_code == 2 and "give either a pairs file or --corpus DIR" in result.output
    pairs = CliRunner().invoke(app, ["eval", "pairs.jsonl", "--neighbours-within", "2", "--no-cache"])
    assert pairs.exit_code == 2 and "--neighbours-within, --no-cache need --corpus DIR" in pairs.output
    one = CliRunner().invoke(app, ["eval", "pairs.jsonl", "--out", "o"])
    assert one.exit_code == 2 and "--out needs --corpus DIR" in one.output
    limited = CliRunner().invoke(app, ["eval", "--corpus", "c", "--limit", "5"])
    assert limited.exit_code == 2 and "--limit scores a pairs file, not --corpus" in limited.output
    missing = CliRunner().invoke(app, ["eval", "--corpus", "/nonexistent/corpus"])
    assert missing.exit_code == 2 and "needs a docs/ folder" in missing.output


def test_eval_corpus_scans_with_the_scan_options_it_is_given(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from detector import cli

    seen: dict[str, Any] = {}

    def evaluate_corpus(root: Path, **options: Any) -> None:
        seen.update(options, root=root)
        raise InputError("scanned")  # stop here: what matters is what the scan was asked for

    monkeypatch.setattr(cli.corpus_stage, "evaluate_corpus", evaluate_corpus)
    root = write_corpus(tmp_path / "corpus")
    options = ["--neighbours", "9", "--neighbours-within", "0", "--min-similarity", "0.5", "--subject-similarity"]
    options += ["0.7", "--threshold", "0.6", "--no-cache", "--cache-dir", str(tmp_path / "c"), "--embedder", "e1"]
    result = CliRunner().invoke(cli.app, ["eval", "--corpus", str(root), *options])
    assert result.exit_code == 2 and "scanned" in result.output
    settings = seen["settings"]
    assert (settings.neighbours, settings.neighbours_within, settings.min_similarity) == (9, 0, 0.5)
    assert (settings.subject_similarity, settings.threshold, settings.cache) == (0.7, 0.6, False)
    assert settings.cache_dir == tmp_path / "c" and seen["embedder"] == "e1" and seen["root"] == root
