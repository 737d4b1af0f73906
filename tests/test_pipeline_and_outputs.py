"""The whole pipeline on small documents with fake models, and every output it writes."""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path

import networkx as nx
import pytest

from detector import Settings, scan
from detector.outputs.exports import FORMATS, atomic_write, write_outputs, xml_safe
from detector.outputs.findings import SCHEMA, asserts, findings
from detector.outputs.report import escape, render
from detector.pipeline import with_document_topics
from detector.reader.assertions import Assertion, Quantity
from detector.verdict.calibration import FEATURES, Calibration

from .conftest import BagOfWordsEmbedder, OppositeVerbJudge


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "a.txt").write_text(
        "Coffee increases alertness in adults, a trial found.\nTea is popular in many countries today.\n",
        encoding="utf-8",
    )
    (folder / "b.md").write_text(
        "# Coffee\n\nCoffee decreases alertness in adults, a trial found.\n\nThe \x0bweather was mild and sunny all week, see [this link](http://x) <b>today</b>.\n",
        encoding="utf-8",
    )
    return folder


# A verdict written for these tests, so they do not depend on the weights fitted to public data.
CALIBRATION = Calibration(
    weights=dict.fromkeys(FEATURES, 0.0) | {"nli": 1.0, "direction": 2.0}, bias=-3.0, threshold=0.5
)


def fake_scan(paths: list[Path], **options):  # type: ignore[no-untyped-def]
    return scan(paths, embedder=BagOfWordsEmbedder(), judge=OppositeVerbJudge(), calibration=CALIBRATION, **options)


@pytest.fixture
def result(corpus: Path):  # type: ignore[no-untyped-def]
    return fake_scan([corpus], settings=Settings(threshold=0.9))


def test_b_to_a_is_read_only_where_a_to_b_reaches_the_calibrations_backward_from(corpus: Path) -> None:
    (corpus / "c.txt").write_text("Coffee sharpens alertness in adults, a trial found.\n", encoding="utf-8")
    one_way = Calibration(CALIBRATION.weights, CALIBRATION.bias, CALIBRATION.threshold, backward_from=0.5)
    judge = OppositeVerbJudge()
    result = scan([corpus], embedder=BagOfWordsEmbedder(), judge=judge, calibration=one_way)
    [c] = result.contradictions
    assert c.signals["nli_backward"] == 0.99 and "0.99 reading b then a" in c.explanation
    unread = [j for j in result.judgements if j.forward < 0.5]
    assert unread and all(j.backward is None for j in unread)
    assert all(j.backward is not None for j in result.judgements if j.forward >= 0.5)
    assert result.stats.judge_inputs == len(judge.calls) == result.stats.scored_pairs + 1
    options = {"embedder": BagOfWordsEmbedder(), "judge": judge, "calibration": one_way}
    fewer = scan([corpus], settings=Settings(judge_per_claim=1), **options)
    assert fewer.stats.scored_pairs < fewer.stats.candidate_pairs
    said = f"{fewer.stats.judge_inputs:,} directions in all (b then a only where a then b scored high"
    assert said in render(fewer)


def test_the_judge_reads_only_what_its_highest_score_could_bring_over_the_threshold(corpus: Path) -> None:
    for name, text in {"c": "sharpens alertness", "d": "decreases calmness", "e": "lowers alertness"}.items():
        (corpus / f"{name}.txt").write_text(f"Coffee {text} in adults, a trial found.\n", encoding="utf-8")
    # The verdict follows the lower direction; at the stub judge's highest score (0.99) both ways it reaches
    # 0.9 only with the direction judge's 2.0 (z = -3 + logit 0.99 + 2 = 3.6; without it 1.6).
    weights = dict.fromkeys(FEATURES, 0.0) | {"nli_min": 1.0, "direction": 2.0}
    other = Calibration(weights, bias=-3.0, threshold=0.9)  # fitted with another judge: no ceiling
    fitted = dataclasses.replace(other, judge="OppositeVerbJudge", judge_ceiling=0.99)

    def run(calibration: Calibration, **options: bool):  # type: ignore[no-untyped-def]
        judge = OppositeVerbJudge()
        settings = Settings(cache=False, **options)  # type: ignore[arg-type]
        result = scan([corpus], embedder=BagOfWordsEmbedder(), judge=judge, calibration=calibration, settings=settings)
        assert result.stats.judge_inputs == len(judge.calls)
        return result

    every, fewer = run(other), run(fitted)
    assert every.stats.unreachable_pairs == 0
    assert [(c.a, c.b, c.score) for c in fewer.contradictions] == [(c.a, c.b, c.score) for c in every.contradictions]
    [c] = fewer.contradictions
    assert c.signals["nli_backward"] == 0.99
    # Pairs no score could lift are not judged; of those judged, b→a is not read where a→b keeps the verdict down.
    assert fewer.stats.unreachable_pairs > 0 and fewer.unreachable
    assert fewer.stats.scored_pairs + fewer.stats.unreachable_pairs == every.stats.scored_pairs
    assert {j.pair for j in fewer.judgements}.isdisjoint(fewer.unreachable)
    assert any(j.backward is None for j in fewer.judgements) and fewer.stats.judge_inputs < every.stats.judge_inputs
    # The judge flags "decreases calmness" against "increases alertness" (0.99 both ways), the claim reader sees
    # no conflict: no verdict, so not judged; where NLI-only conflicts are listed it is, both ways.
    listed = run(fitted, nli_screen=True)
    assert listed.stats.unreachable_pairs == 0 and listed.stats.scored_pairs == every.stats.scored_pairs
    assert listed.nli_only and all(j.both for j in listed.judgements if j.forward >= 0.98)


def test_scan_finds_the_cross_document_contradiction(result) -> None:  # type: ignore[no-untyped-def]
    [c] = result.contradictions
    a, b = result.claim(c.a), result.claim(c.b)
    assert (a.doc, b.doc) == ("a.txt", "b.md")
    assert "increases" in a.text and "decreases" in b.text
    assert c.subject == next(s.id for s in result.subjects if a.id in s.claims)
    stats = result.stats
    assert stats.claims == 4 and stats.all_pairs == 6
    assert 0 < stats.candidate_pairs <= stats.all_pairs and stats.scored_pairs == stats.signalled_pairs == 1
    assert stats.dropped == {"heading": 1}
    assert set(result.seconds) >= {"documents", "claims", "embeddings", "judge", "total"}


def test_findings_follow_the_schema_and_offsets_index_the_documents(result, corpus: Path) -> None:  # type: ignore[no-untyped-def]
    data = json.loads(json.dumps(findings(result)))
    assert data["schema"] == SCHEMA
    assert set(data) >= {"models", "documents", "claims", "subjects", "contradictions", "stats"}
    texts = {d["id"]: (corpus / d["id"]).read_text(encoding="utf-8") for d in data["documents"]}
    for claim in data["claims"]:
        assert texts[claim["doc"]][claim["start"] : claim["end"]] == claim["text"]
        assert claim["subject"] in {s["id"] for s in data["subjects"]}
    assert data["contradictions"][0]["kind"] == "direction+antonym+nli"
    assert "coffee → alertness: increases (a.txt) vs decreases (b.md)" in data["contradictions"][0]["explanation"]
    assert {"all_pairs", "candidate_pairs", "scored_pairs", "dropped", "limits"} <= set(data["stats"])


def test_graph_has_kinds_and_edges_for_provenance_subjects_and_contradictions(result) -> None:  # type: ignore[no-untyped-def]
    g = result.graph
    kinds = nx.get_node_attributes(g, "kind")
    assert set(kinds.values()) == {"document", "subject", "claim", "disagreement"}
    assert len(kinds) == g.number_of_nodes()
    relations = [d["relation"] for _, _, d in g.edges(data=True)]
    assert relations.count("in") == 4 and relations.count("about") == 4 and relations.count("contradicts") == 1
    # The disagreement node is linked to the claim of each side.
    [d] = result.disagreements
    sides = {(a, data["side"]) for a, b, data in g.edges(data=True) if b == f"disagreement:{d.id}"}
    assert sides == {(f"claim:{d.sides[0].claims[0]}", "a"), (f"claim:{d.sides[1].claims[0]}", "b")}
    [(a, b, data)] = [(a, b, d) for a, b, d in g.edges(data=True) if d["relation"] == "contradicts"]
    assert data["weight"] == result.contradictions[0].score


def test_outputs_are_written_and_read_back(result, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    written = write_outputs(result, tmp_path / "out")
    assert sorted(p.name for p in written) == sorted(FORMATS.values())
    umask = os.umask(0)
    os.umask(umask)
    assert all(p.stat().st_mode & 0o777 == 0o666 & ~umask for p in written)
    gexf = nx.read_gexf(tmp_path / "out" / "graph.gexf")
    assert all("kind" in data for _, data in gexf.nodes(data=True))
    # Gephi can show the disagreements: a node kind of their own, joined to the claims of each side.
    [(node, data)] = [(n, d) for n, d in gexf.nodes(data=True) if d["kind"] == "disagreement"]
    assert data["pairs"] == 1 and data["label"].startswith("D1 ") and "viz" in data
    assert sorted(d["side"] for _, target, d in gexf.edges(data=True) if target == node) == ["a", "b"]
    assert all("viz" in data for _, data in gexf.nodes(data=True))
    # The same bytes whether or not lxml is installed (networkx would otherwise pick its lxml writer).
    plain = tmp_path / "plain.graphml"
    nx.write_graphml_xml(xml_safe(result.graph), plain)
    assert (tmp_path / "out" / "graph.graphml").read_bytes() == plain.read_bytes()
    graphml = nx.read_graphml(tmp_path / "out" / "graph.graphml")
    assert graphml.number_of_nodes() == result.graph.number_of_nodes()
    # The vertical tab in b.md is not allowed in XML 1.0; it must not reach the files.
    assert "\x0b" not in (tmp_path / "out" / "graph.gexf").read_text(encoding="utf-8")
    report = (tmp_path / "out" / "report.md").read_text(encoding="utf-8")
    assert "a.txt" in report and "1 contradiction" in report


def test_report_escapes_markup_and_links() -> None:
    assert escape("<script>x</script> [a](http://e) *b* ![i](x.png)") == (
        r"&lt;script&gt;x&lt;/script&gt; \[a\]\(http://e\) \*b\* \!\[i\]\(x.png\)"
    )
    assert escape("1. first") == r"1\. first" and escape("- item") == r"\- item"


def test_report_md_leads_with_disagreements_and_nests_their_pairs(result) -> None:  # type: ignore[no-untyped-def]
    report = render(result)
    [d] = result.disagreements
    assert "**1 contradiction in 1 disagreement**" in report
    overview, detail = report.index("## Disagreements"), report.index(f"### D1. adults · alertness ({d.id})")
    pair, subjects = (
        report.index(f"#### D1.1. score {d.strongest.score:.3f}"),
        report.index("## Subjects: who says what"),
    )
    assert overview < detail < pair < subjects
    assert f"| D1 | {d.id} | adults · alertness | 1 | a.txt | b.md |" in report
    assert f"Why one disagreement: {d.explanation}." in report and result.pair_id(d.strongest) in report


def test_report_lists_skipped_files(corpus: Path) -> None:
    (corpus / "binary.txt").write_bytes(bytes(range(256)) * 4)
    result = fake_scan([corpus])
    assert result.warnings == ["skipped binary.txt: not text (binary or undecodable)"]
    assert "binary.txt" in render(result)


def test_a_failed_write_leaves_the_previous_file_intact(tmp_path: Path) -> None:
    target = tmp_path / "report.md"
    target.write_text("previous run", encoding="utf-8")

    def crash(path: Path) -> None:
        path.write_text("half", encoding="utf-8")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        atomic_write(target, crash)
    assert target.read_text(encoding="utf-8") == "previous run"
    assert [p.name for p in tmp_path.iterdir()] == ["report.md"]


def test_a_claim_that_refers_back_gets_its_documents_topic() -> None:
    def claim(*words: str, refers_back: bool = False) -> Assertion:
        return Assertion("claim", phrases={w: w for w in words}, refers_back=refers_back)

    read = [
        claim("kratom", "prolactin"),
        claim("kratom", "pain"),
        claim("compound", "addict", refers_back=True),  # "Its active compounds … without addiction"
        claim("virus", "monkey", refers_back=True),
        claim("virus", "vaccin"),
    ]
    docs = ["a.txt", "a.txt", "a.txt", "b.txt", "b.txt"]
    given = with_document_topics(read, docs)
    assert [a.context for a in given] == [(), (), ("kratom",), ("virus",), ()]
    assert given[2].about() == {"compound", "addict", "kratom"}


def test_a_reported_belief_is_set_aside_with_its_reason(tmp_path: Path, reader) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "a.txt").write_text(
        "Many people believe that coffee increases alertness for hours.\nCoffee decreases alertness after lunch.\n",
        encoding="utf-8",
    )
    (tmp_path / "b.txt").write_text("Coffee increases alertness in the morning.\n", encoding="utf-8")
    result = scan([tmp_path], embedder=BagOfWordsEmbedder(), judge=OppositeVerbJudge(), parser=reader)
    assert [(d.text, d.reason) for d in result.dropped] == [
        ("Many people believe that coffee increases alertness for hours.", "reported belief")
    ]
    assert result.stats.dropped == {"reported belief": 1}
    assert all("believe" not in c.text for c in result.claims)


def test_a_finding_is_not_compared_with_an_account_of_what_was_studied(tmp_path: Path, reader) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "a.txt").write_text(
        "A trial looked at whether coffee increases fatigue in students.\n", encoding="utf-8"
    )
    (tmp_path / "b.txt").write_text(
        "Coffee decreases fatigue after lunch.\nA second trial examined whether coffee decreases fatigue in students.\n",
        encoding="utf-8",
    )
    judge = OppositeVerbJudge()
    result = scan([tmp_path], embedder=BagOfWordsEmbedder(), judge=judge, parser=reader)
    texts = [c.text for c in result.claims]
    assert [a.research for a in result.assertions] == ["done", "", "done"]
    compared = {frozenset((texts[p.a], texts[p.b])) for p in result.pairs}
    # Both claims are kept; the account of a trial is compared with the other trial's, not with the finding.
    assert frozenset((texts[0], texts[2])) in compared
    assert not any(texts[1] in pair and (texts[0] in pair or texts[2] in pair) for pair in compared)
    assert all("after lunch" not in premise + hypothesis for premise, hypothesis in judge.calls)
    assert asserts(result.assertions[0])["research"] == "done" and "research" not in asserts(result.assertions[1])


def test_a_quantitys_bound_is_written_with_it() -> None:
    up_to = Quantity(0.006, 0.006, "gram", "up to 6 mg", "at most", "starting")
    plain = Quantity(3.0, 5.0, "gram", "3-5 g")
    written = asserts(Assertion("claim", quantities=(up_to, plain), dosing=True))["quantities"]
    assert written == [
        {"low": 0.006, "high": 0.006, "unit": "gram", "text": "up to 6 mg", "bound": "at most", "role": "starting"},
        {"low": 3.0, "high": 5.0, "unit": "gram", "text": "3-5 g", "bound": None, "role": None},
    ]
    assert up_to.span() == (0.0, 0.006) and plain.span() == (3.0, 5.0)
