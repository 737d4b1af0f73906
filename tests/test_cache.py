"""The cache of embeddings and judge scores: re-scans run the models only on what is new, give the same
results as a scan without the cache, and survive broken or shared cache files."""

from __future__ import annotations

import itertools
import sqlite3
import threading
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from detector import Settings, cli, scan
from detector.models.load import load_parser
from detector.models.lock import read_lock
from detector.outputs import exports
from detector.outputs.exports import FORMATS, write_outputs
from detector.reader.assertions import Assertion
from detector.runtime import keys
from detector.runtime import store as cache
from detector.runtime.cached import CachedReader
from detector.runtime.keys import model_key, object_key, text_key
from detector.runtime.lazy import Lazy
from detector.runtime.store import FILE_NAME, Cache
from detector.verdict.calibration import FEATURES, Calibration

from .conftest import ROOT, BagOfWordsEmbedder, OppositeVerbJudge


class CountingEmbedder(BagOfWordsEmbedder):
    """The bag-of-words embedder, named for the cache, remembering every text it embedded."""

    cache_key = "bag-of-words-256"

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[str] = []

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        self.seen.extend(texts)
        return super().encode(texts)


class NamedJudge(OppositeVerbJudge):
    cache_key = "opposite-verbs"

    def score(self, premises: Sequence[str], hypotheses: Sequence[str]) -> np.ndarray:
        # Scores with all 53 bits in use, so a value that lost precision on the way would show.
        base = super().score(premises, hypotheses)
        return base - np.array([len(p) * np.pi * 1e-9 + len(h) * np.e * 1e-12 for p, h in zip(premises, hypotheses)])


class PlainReader:
    """Every sentence is a claim that says its first words occur; remembers what it read. Test-only."""

    cache_key = "plain"

    def __init__(self) -> None:
        self.seen: list[str] = []

    def read(self, texts: Sequence[str]) -> list[Assertion]:
        self.seen.extend(texts)
        return [Assertion("claim", occurs=tuple(t.lower().split()[:3])) for t in texts]


CALIBRATION = Calibration(dict.fromkeys(FEATURES, 0.0) | {"nli": 1.0}, bias=0.0, threshold=0.9)
DOCUMENTS = {
    "a.txt": "Coffee increases alertness in adults, a trial found.\nTea is popular in many countries today.\n",
    "b.txt": "Coffee decreases alertness in adults, a trial found.\nTea is rarely drunk in many countries today.\n",
    "c.txt": "Green tea increases calm in adults, a small trial found.\nCoffee prices rose in many countries.\n",
}
NEW_DOCUMENT = "Green tea decreases calm in adults, a small trial found.\nTea prices rose in many countries today.\n"


def corpus(folder: Path, documents: dict[str, str] = DOCUMENTS) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in documents.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def cached_scan(folder: Path, cache_dir: Path | None, embedder=None, judge=None, parser=None, **settings):  # type: ignore[no-untyped-def]
    # The stand-in judge is the only one that sees these conflicts: count what only the NLI judge flags.
    chosen = Settings(cache=cache_dir is not None, cache_dir=cache_dir, min_similarity=0.0, nli_only=True, **settings)
    return scan(
        [folder],
        settings=chosen,
        embedder=embedder or CountingEmbedder(),
        judge=judge or NamedJudge(),
        parser=parser or PlainReader(),
        calibration=CALIBRATION,
    )


def outcome(result) -> tuple:  # type: ignore[no-untyped-def]
    """What a scan found, exactly: every pair's scores and every contradiction."""
    return (
        [(j.pair, j.forward, j.backward) for j in result.judgements],
        result.contradictions,
        [s.claims for s in result.subjects],
        result.assertions,
    )


def test_a_rescan_of_unchanged_documents_runs_nothing_and_finds_exactly_the_same(tmp_path: Path) -> None:
    docs, cache_dir = corpus(tmp_path / "docs"), tmp_path / "cache"
    cold = cached_scan(docs, cache_dir)
    embedder, judge, reader = CountingEmbedder(), NamedJudge(), PlainReader()
    warm = cached_scan(docs, cache_dir, embedder, judge, reader)
    assert embedder.seen == [] and judge.calls == [] and reader.seen == []
    assert outcome(warm) == outcome(cold) and cold.contradictions
    assert warm.stats == cold.stats and warm.models == cold.models
    pairs, claims = 2 * cold.stats.scored_pairs, cold.stats.claims
    assert cold.cache == {
        "scans": {"hits": 0, "misses": 1},
        "readings": {"hits": 0, "misses": claims},
        "embeddings": {"hits": 0, "misses": claims},
        "scores": {"hits": 0, "misses": pairs},
    }
    nothing = {"hits": 0, "misses": 0}
    assert warm.cache == {
        "scans": {"hits": 1, "misses": 0},
        "readings": nothing,
        "embeddings": nothing,
        "scores": nothing,
    }
    assert cold.warnings == warm.warnings == []


def test_a_rescan_with_another_setting_runs_no_model_and_finds_the_same_as_without_the_cache(tmp_path: Path) -> None:
    docs, cache_dir = corpus(tmp_path / "docs"), tmp_path / "cache"
    cached_scan(docs, cache_dir)
    embedder, judge, reader = CountingEmbedder(), NamedJudge(), PlainReader()
    changed = cached_scan(docs, cache_dir, embedder, judge, reader, threshold=0.95)
    assert embedder.seen == [] and judge.calls == [] and reader.seen == []
    claims = changed.stats.claims
    assert changed.cache is not None and changed.cache["scans"] == {"hits": 0, "misses": 1}
    assert changed.cache["embeddings"] == changed.cache["readings"] == {"hits": claims, "misses": 0}
    assert changed.cache["scores"] == {"hits": 2 * changed.stats.scored_pairs, "misses": 0}
    assert outcome(changed) == outcome(cached_scan(docs, None, threshold=0.95))


def test_a_stored_scan_that_no_longer_loads_is_run_again(tmp_path: Path) -> None:
    docs, cache_dir = corpus(tmp_path / "docs"), tmp_path / "cache"
    cold = cached_scan(docs, cache_dir)
    with sqlite3.connect(cache_dir / FILE_NAME) as db:
        db.execute("UPDATE scans SET result = ?", (b"written by another detector",))
    db.close()
    again = cached_scan(docs, cache_dir)
    assert again.cache is not None and again.cache["scans"] == {"hits": 0, "misses": 1}
    assert again.cache["embeddings"]["hits"] == cold.stats.claims and outcome(again) == outcome(cold)
    assert cached_scan(docs, cache_dir).cache["scans"]["hits"] == 1  # stored anew


def test_only_the_most_recent_scans_are_kept(tmp_path: Path) -> None:
    docs, cache_dir = corpus(tmp_path / "docs"), tmp_path / "cache"
    for number in range(cache.KEPT_SCANS + 2):
        cached_scan(docs, cache_dir, threshold=0.5 + number / 100)
    with sqlite3.connect(cache_dir / FILE_NAME) as db:
        assert db.execute("SELECT count(*) FROM scans").fetchone()[0] == cache.KEPT_SCANS
    db.close()
    assert cached_scan(docs, cache_dir, threshold=0.5).cache["scans"]["misses"] == 1  # the oldest went
    assert cached_scan(docs, cache_dir, threshold=0.5 + (cache.KEPT_SCANS + 1) / 100).cache["scans"]["hits"] == 1


def test_a_version_1_cache_gains_the_scan_tables_and_keeps_its_entries(tmp_path: Path) -> None:
    with sqlite3.connect(tmp_path / FILE_NAME) as db:
        for statement in cache._SCHEMA:
            db.execute(statement)
        db.execute("PRAGMA user_version = 1")
        db.execute("INSERT INTO scores VALUES (?, ?, ?, ?)", (b"j", b"p", b"h", 0.25))
    db.close()
    with Cache(tmp_path) as store:
        assert store.warnings == [] and store.scores(b"j", [(b"p", b"h")]) == [0.25]
        assert store.scan(b"some scan") is None
    assert not (tmp_path / f"{FILE_NAME}.broken").exists()


def test_adding_a_document_runs_the_models_only_on_what_is_new(tmp_path: Path) -> None:
    docs, cache_dir = corpus(tmp_path / "docs"), tmp_path / "cache"
    before = cached_scan(docs, cache_dir)
    (docs / "d.txt").write_text(NEW_DOCUMENT, encoding="utf-8")
    embedder, judge, reader = CountingEmbedder(), NamedJudge(), PlainReader()
    after = cached_scan(docs, cache_dir, embedder, judge, reader)

    new_claims = {c.text for c in after.claims if c.doc == "d.txt"}
    assert set(embedder.seen) == new_claims == set(reader.seen)
    judged_before = {(before.claims[j.pair.a].text, before.claims[j.pair.b].text) for j in before.judgements}
    judged_before |= {(b, a) for a, b in judged_before}
    assert judge.calls and not set(judge.calls) & judged_before
    assert all(p in new_claims or h in new_claims for p, h in judge.calls)
    # The same results as a scan that runs the models on everything.
    assert outcome(after) == outcome(cached_scan(docs, None))
    assert any("decreases calm" in after.claim(c.b).text for c in after.contradictions)


def test_cached_vectors_and_scores_come_back_bit_for_bit(tmp_path: Path) -> None:
    vectors = np.random.default_rng(0).normal(size=(5, 7)).astype(np.float32)
    scores = [0.1 + 0.2, float(np.nextafter(0.98, 1.0)), 1e-300, 1.0 - 2**-53]
    texts = [text_key(f"text {i}") for i in range(5)]
    with Cache(tmp_path) as store:
        store.put_vectors(b"m", texts, vectors)
        store.put_scores(b"j", list(itertools.pairwise(texts)), scores)
    with Cache(tmp_path) as store:
        found = store.vectors(b"m", texts)
        assert all(found[t].tobytes() == v.tobytes() for t, v in zip(texts, vectors))
        assert store.scores(b"j", list(itertools.pairwise(texts))) == scores
        assert store.scores(b"j", [(texts[1], texts[0])]) == [None]  # direction matters
        assert store.vectors(b"other model", texts) == {}


def test_the_model_key_follows_files_settings_and_code_but_not_the_threshold(monkeypatch: pytest.MonkeyPatch) -> None:
    spec = read_lock(ROOT / "models.lock").spec("judge")
    key = model_key(spec)
    assert model_key(replace(spec, settings=spec.settings | {"threshold": 0.5})) == key
    assert model_key(replace(spec, settings=spec.settings | {"max_length": 512})) != key
    assert model_key(replace(spec, files=spec.files | {"policy_nli_int8.onnx": "0" * 64})) != key
    # Another version of the code that runs the model, or of a library it uses, is another model.
    monkeypatch.setitem(keys._CODE, "judge", ("detector.judges", ("onnxruntime",)))
    assert model_key(spec) != key
    monkeypatch.setitem(
        keys._CODE, "judge", ("detector.embeddings", ("onnxruntime", "transformers", "tokenizers", "torch"))
    )
    assert model_key(spec) != key
    assert object_key(OppositeVerbJudge()) is None
    assert object_key(NamedJudge()) not in (None, object_key(CountingEmbedder()))


class UnnamedReader(PlainReader):
    cache_key = ""


def test_models_without_a_cache_key_are_not_cached(tmp_path: Path) -> None:
    docs, cache_dir = corpus(tmp_path / "docs"), tmp_path / "cache"
    for _ in range(2):
        judge = OppositeVerbJudge()
        result = cached_scan(docs, cache_dir, BagOfWordsEmbedder(), judge, UnnamedReader())
        assert judge.calls and result.cache is None
    assert not cache_dir.exists()


def test_real_claim_readings_come_back_from_the_cache_unchanged(tmp_path: Path) -> None:
    reader = load_parser(read_lock(ROOT / "models.lock").spec("parser"))
    texts = [
        "Kratom stimulates prolactin release in athletes, a 2017 study found.",
        "Take 2 to 5 grams of kratom at most, or 500 mg for beginners.",
        "Kratom does not cause addiction in mice, some users report.",
        "Always consult your doctor before using kratom.",
    ]
    key = b"spacy reader"
    with Cache(tmp_path) as store:
        fresh = CachedReader(Lazy(lambda: reader), store, key).read(texts)
    with Cache(tmp_path) as store:
        assert CachedReader(Lazy(PlainReader), store, key).read(texts) == fresh  # PlainReader would read them otherwise
        assert store.hits["readings"] == len(texts)
    assert any(a.effects for a in fresh) and any(a.quantities for a in fresh)
    assert any(p.denied and p.arguments for a in fresh for p in a.predications)  # sets and pairs come back too


def test_no_cache_neither_reads_nor_writes(tmp_path: Path) -> None:
    docs, cache_dir = corpus(tmp_path / "docs"), tmp_path / "cache"
    cached_scan(docs, cache_dir)
    stamp = (cache_dir / FILE_NAME).stat().st_mtime_ns
    embedder, judge = CountingEmbedder(), NamedJudge()
    result = scan(
        [docs],
        settings=Settings(cache=False, cache_dir=cache_dir, min_similarity=0.0),
        embedder=embedder,
        judge=judge,
        parser=PlainReader(),
        calibration=CALIBRATION,
    )
    assert len(embedder.seen) == result.stats.claims and len(judge.calls) == 2 * result.stats.scored_pairs
    assert result.cache is None and (cache_dir / FILE_NAME).stat().st_mtime_ns == stamp


def test_the_cache_folder_comes_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DETECTOR_CACHE_DIR", str(tmp_path / "from-env"))
    docs = corpus(tmp_path / "docs")
    scan([docs], embedder=CountingEmbedder(), judge=NamedJudge(), parser=PlainReader(), calibration=CALIBRATION)
    assert (tmp_path / "from-env" / FILE_NAME).is_file()


def _garbage(path: Path) -> None:
    path.write_bytes(b"this is not a database\n" * 100)


def _truncated(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _wrong_version(path: Path) -> None:
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA user_version = 99")
    db.close()


def _wrong_tables(path: Path) -> None:
    with sqlite3.connect(path) as db:
        db.execute("DROP TABLE scores")
    db.close()


@pytest.mark.parametrize("damage", [_garbage, _truncated, _wrong_version, _wrong_tables])
def test_a_broken_cache_is_moved_aside_and_rebuilt_with_a_warning(tmp_path: Path, damage) -> None:  # type: ignore[no-untyped-def]
    docs, cache_dir = corpus(tmp_path / "docs"), tmp_path / "cache"
    clean = cached_scan(docs, cache_dir)
    # Enough entries that the file has many pages and half of it is a real truncation.
    with Cache(cache_dir) as store:
        store.put_vectors(b"filler", [text_key(str(i)) for i in range(3000)], np.ones((3000, 64), dtype=np.float32))
    damage(cache_dir / FILE_NAME)

    rebuilt = cached_scan(docs, cache_dir)
    [warning] = rebuilt.warnings
    assert "cache" in warning and "unusable" in warning and f"{FILE_NAME}.broken" in warning
    assert (cache_dir / f"{FILE_NAME}.broken").is_file()
    assert outcome(rebuilt) == outcome(clean)
    assert rebuilt.cache["embeddings"]["hits"] == 0  # started anew
    embedder, judge = CountingEmbedder(), NamedJudge()
    again = cached_scan(docs, cache_dir, embedder, judge)
    assert again.warnings == [] and embedder.seen == [] and judge.calls == []


def test_a_cache_locked_by_another_process_is_left_alone(tmp_path: Path) -> None:
    with Cache(tmp_path) as store:
        store.put_scores(b"j", [(b"p", b"h")], [0.5])
    holder = sqlite3.connect(tmp_path / FILE_NAME, isolation_level=None)
    holder.execute("PRAGMA locking_mode = EXCLUSIVE")
    holder.execute("BEGIN EXCLUSIVE")
    holder.execute("INSERT INTO scores VALUES (?, ?, ?, ?)", (b"j", b"p2", b"h2", 0.25))
    try:
        with Cache(tmp_path, busy_seconds=0.1) as store:
            assert not store.enabled
            [warning] = store.warnings
            assert "locked" in warning and "without the cache" in warning
        assert not (tmp_path / f"{FILE_NAME}.broken").exists()
    finally:
        holder.execute("COMMIT")
        holder.close()
    with Cache(tmp_path) as store:
        assert store.warnings == [] and store.scores(b"j", [(b"p", b"h"), (b"p2", b"h2")]) == [0.5, 0.25]


def test_a_new_cache_waits_for_a_writer_before_switching_to_write_ahead_logging(tmp_path: Path) -> None:
    # Another scan is about to write the brand-new (still rollback-journal) file when this one opens it:
    # switching the file's mode needs it alone, and SQLite refuses at once rather than waiting, so the cache
    # must wait.
    writer = sqlite3.connect(tmp_path / FILE_NAME, isolation_level=None, check_same_thread=False)
    writer.execute("BEGIN IMMEDIATE")
    release = threading.Timer(0.3, lambda: writer.execute("COMMIT"))
    release.start()
    try:
        with Cache(tmp_path, busy_seconds=10) as store:
            assert store.warnings == [] and store.enabled
            store.put_scores(b"j", [(b"p", b"h")], [0.5])
    finally:
        release.join()
        writer.close()
    with Cache(tmp_path) as store:
        assert store.scores(b"j", [(b"p", b"h")]) == [0.5]


def test_a_cache_is_checked_again_only_when_it_changed_since_this_process_checked_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    checks: list[Path] = []
    real = cache._quick_check
    monkeypatch.setattr(cache, "_quick_check", lambda db: checks.append(tmp_path) or real(db))
    with Cache(tmp_path) as store:  # a new file: checked
        store.put_scores(b"j", [(b"p", b"h")], [0.5])
    with Cache(tmp_path) as store:  # as this process left it: not checked again
        assert store.scores(b"j", [(b"p", b"h")]) == [0.5]
    assert len(checks) == 1
    other = sqlite3.connect(tmp_path / FILE_NAME)  # another process's write
    with other:
        other.execute("INSERT INTO scores VALUES (?, ?, ?, ?)", (b"j", b"p2", b"h2", 0.25))
    other.close()
    with Cache(tmp_path) as store:
        assert store.scores(b"j", [(b"p2", b"h2")]) == [0.25]
    assert len(checks) == 2


def test_scans_sharing_a_cache_do_not_break_it(tmp_path: Path) -> None:
    texts = [f"claim number {i} about coffee" for i in range(400)]
    problems: list[str] = []

    def writer(offset: int) -> None:
        with Cache(tmp_path) as store:
            for first in range(0, len(texts), 8):
                batch = [text_key(t) for t in texts[first : first + 8]]
                store.put_vectors(b"m", batch, np.full((len(batch), 4), offset, dtype=np.float32))
                store.put_scores(b"j", list(zip(batch, batch[::-1])), [offset / 10] * len(batch))
                store.vectors(b"m", batch)
            problems.extend(store.warnings)

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert problems == []
    with Cache(tmp_path) as store:
        assert store.warnings == [] and len(store.vectors(b"m", [text_key(t) for t in texts])) == 400


def test_cli_options_and_the_warning_for_a_broken_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    docs, cache_dir = corpus(tmp_path / "docs"), tmp_path / "cache"
    calls: list[Settings] = []

    def fake_scan(paths, *, settings, **options):  # type: ignore[no-untyped-def]
        calls.append(settings)
        return scan(
            paths,
            settings=settings,
            embedder=CountingEmbedder(),
            judge=NamedJudge(),
            parser=PlainReader(),
            calibration=CALIBRATION,
        )

    monkeypatch.setattr(cli, "run_scan", fake_scan)
    runner = CliRunner()
    out = str(tmp_path / "out")
    first = runner.invoke(cli.app, ["scan", str(docs), "--out", out, "--cache-dir", str(cache_dir)])
    assert first.exit_code == 0, first.output
    assert "cache: 0 of" in first.stdout
    _garbage(cache_dir / FILE_NAME)
    second = runner.invoke(cli.app, ["scan", str(docs), "--out", out, "--cache-dir", str(cache_dir)])
    assert second.exit_code == 0 and "Traceback" not in second.output
    assert "warning:" in second.stderr and "unusable" in second.stderr
    monkeypatch.setenv("DETECTOR_CACHE_DIR", str(tmp_path / "env-cache"))
    third = runner.invoke(cli.app, ["scan", str(docs), "--out", out, "--no-cache", "-q"])
    assert third.exit_code == 0
    assert [(s.cache, s.cache_dir) for s in calls] == [
        (True, cache_dir),
        (True, cache_dir),
        (False, tmp_path / "env-cache"),
    ]


def test_the_outputs_of_an_unchanged_scan_are_copied_from_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    docs, cache_dir = corpus(tmp_path / "docs"), tmp_path / "cache"
    first = write_outputs(cached_scan(docs, cache_dir), tmp_path / "first")
    warm = cached_scan(docs, cache_dir)

    def not_again(*args: object, **kwargs: object) -> None:
        raise AssertionError("rendered again")

    for renderer in ("render", "render_html", "findings", "draw", "write_gexf", "positions"):
        monkeypatch.setattr(exports, renderer, not_again)
    second = write_outputs(warm, tmp_path / "second")
    assert [p.name for p in second] == [p.name for p in first] == list(FORMATS.values())
    assert all(a.read_bytes() == b.read_bytes() for a, b in zip(first, second))
    # A scan without the cache has nothing kept: it renders.
    with pytest.raises(AssertionError, match="rendered again"):
        write_outputs(cached_scan(docs, None), tmp_path / "third", ["md"])


def test_the_parser_key_follows_every_module_and_data_file_of_the_claim_reader(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A copy of the reader package, changed in a module other than assertions.py (or in a word list), is another
    # parser: readings cached under the old key would be read with code that no longer makes them.
    import shutil
    import sys

    import detector.reader

    spec = read_lock(ROOT / "models.lock").spec("parser")
    copy = tmp_path / "reader_copy"
    shutil.copytree(Path(detector.reader.__file__).parent, copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setitem(keys._CODE, "parser", ("reader_copy.assertions", ()))
    monkeypatch.setattr(sys, "modules", dict(sys.modules))  # the copy imported to be found, then forgotten
    key = model_key(spec)
    (copy / "predications.py").write_text((copy / "predications.py").read_text() + "\n# changed\n")
    assert model_key(spec) != key
    changed = model_key(spec)
    (copy / "data" / "events.toml").write_text((copy / "data" / "events.toml").read_text() + "\n# changed\n")
    assert model_key(spec) != changed
