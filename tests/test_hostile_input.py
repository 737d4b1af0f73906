"""Hostile input: random bytes, broken encodings, control characters, huge and empty files.

Every run ends with valid outputs (well-formed XML that networkx reads back, offsets that point at the
claim text) or one clear error — never a traceback or a hang. Fake models keep this fast; the real models
see the same text through the same code.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from xml.etree import ElementTree

import networkx as nx
import pytest
from bs4 import BeautifulSoup
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from detector import InputError, scan
from detector.outputs.exports import FORMATS, write_outputs
from detector.reader.assertions import Assertion
from detector.verdict.calibration import FEATURES, Calibration

from .conftest import BagOfWordsEmbedder, OppositeVerbJudge


class PlainReader:
    """Every sentence is a claim asserting nothing in particular. Test-only."""

    def read(self, texts):  # type: ignore[no-untyped-def]
        return [Assertion("claim") for _ in texts]


CALIBRATION = Calibration(dict.fromkeys(FEATURES, 0.0) | {"nli": 1.0}, bias=0.0, threshold=0.9)


def fake_scan(folder: Path):  # type: ignore[no-untyped-def]
    return scan(
        [folder],
        embedder=BagOfWordsEmbedder(),
        judge=OppositeVerbJudge(),
        parser=PlainReader(),
        calibration=CALIBRATION,
    )


# graph.png costs about a second a picture: the random-input loops leave it out, the nasty folder draws it.
WITHOUT_PICTURE = [fmt for fmt in FORMATS if fmt != "png"]


def scan_and_write(folder: Path, out: Path, formats: list[str] = WITHOUT_PICTURE) -> None:
    result = fake_scan(folder)
    write_outputs(result, out, formats)
    for name in ("graph.gexf", "graph.graphml"):
        ElementTree.parse(out / name)  # well-formed XML, or this raises
    graph = nx.read_gexf(out / "graph.gexf")
    assert all("kind" in data for _, data in graph.nodes(data=True))
    nx.read_graphml(out / "graph.graphml")
    findings = json.loads((out / "findings.json").read_text(encoding="utf-8"))
    texts = {d.id: d.text for d in result.documents}
    for claim in findings["claims"]:
        assert texts[claim["doc"]][claim["start"] : claim["end"]] == claim["text"]
    (out / "report.md").read_text(encoding="utf-8")
    page = BeautifulSoup((out / "report.html").read_text(encoding="utf-8"), "html.parser")
    assert len(page.find_all("script")) == 4 and not page.find_all(["img", "iframe", "object"])


def run_or_clear_error(folder: Path, out: Path) -> None:
    try:
        scan_and_write(folder, out)
    except InputError as error:
        assert str(error) and "\n" not in str(error)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.binary(max_size=600), min_size=1, max_size=4))
def test_random_bytes(tmp_path_factory: pytest.TempPathFactory, blobs: list[bytes]) -> None:
    folder = tmp_path_factory.mktemp("bytes")
    for i, blob in enumerate(blobs):
        (folder / f"doc{i}.{['txt', 'md', 'html', 'jsonl'][i % 4]}").write_bytes(blob)
    run_or_clear_error(folder, tmp_path_factory.mktemp("out"))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=800))
def test_random_text_with_control_characters(tmp_path_factory: pytest.TempPathFactory, text: str) -> None:
    folder = tmp_path_factory.mktemp("text")
    (folder / "a.txt").write_text(text + "\nCoffee increases alertness in most adults today.", encoding="utf-8")
    (folder / "b.md").write_text("Coffee decreases alertness in most adults\x0b today.\n" + text, encoding="utf-8")
    run_or_clear_error(folder, tmp_path_factory.mktemp("out"))


NASTY = {
    "utf16.txt": "Kratom raises prolactin in humans, a study found.".encode("utf-16"),
    "latin1.txt": "Le café augmente la vigilance chez les adultes, dit l'étude.".encode("latin-1"),
    "invalid-utf8.txt": b"Valid start, then \xff\xfe\xfa broken bytes in the middle of text here.",
    "nul and controls.txt": b"Coffee\x00 increases\x07 alertness\x1b[31m in adults.\x0c Next\x0b line here.",
    "rtl-emoji-ünïcødé.md": "القهوة تزيد اليقظة عند البالغين. 😀 Coffee increases alertness ☕ in adults.".encode(),
    "markup.html": b"<p onclick='x()'>Coffee <script>alert(1)</script>decreases alertness in adults.</p><!-- -->",
    "long-sentence.txt": ("Coffee " + "really " * 1500 + "increases alertness.").encode(),
    "records.jsonl": b'{"id": "a<b>&", "text": "Coffee increases alertness in adults."}\n{"text": 5}\nnot json\n',
    "price $5 and $x^2$ {}.txt": b"Coffee costs $5 and increases alertness $x^2$ in adults.",
}


def test_a_folder_of_nasty_real_cases(tmp_path: Path) -> None:
    folder = tmp_path / "nasty"
    folder.mkdir()
    for name, data in NASTY.items():
        (folder / name).write_bytes(data)
    scan_and_write(folder, tmp_path / "out", list(FORMATS))
    report = (tmp_path / "out" / "report.md").read_text(encoding="utf-8")
    assert "<script>" not in report
    assert (tmp_path / "out" / "graph.png").read_bytes()[:4] == b"\x89PNG"


def test_five_thousand_empty_files_and_a_twenty_megabyte_file(tmp_path: Path) -> None:
    folder = tmp_path / "many"
    folder.mkdir()
    for i in range(5000):
        (folder / f"empty{i:04d}.txt").write_bytes(b"")
    (folder / "big.txt").write_bytes(b"Coffee increases alertness in adults. " * 550_000)
    result = fake_scan(folder)
    assert result.stats.documents == 5000
    assert any("big.txt" in w and "limit" in w for w in result.warnings)


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads every file")
def test_an_unreadable_file_is_skipped_and_reported(tmp_path: Path) -> None:
    (tmp_path / "ok.txt").write_text("Coffee increases alertness in adults.", encoding="utf-8")
    locked = tmp_path / "locked.txt"
    locked.write_text("secret", encoding="utf-8")
    locked.chmod(0)
    result = fake_scan(tmp_path)
    assert any("locked.txt" in w and "cannot be read" in w for w in result.warnings)
