"""Read the frozen judge's inner layers with a linear probe fitted on public pairs, and measure it held out: on
public pairs it never saw, and (measured only, never chosen on) on labelled corpora.

    python scripts/probe_judge.py ../shared/benchmarks \
        --corpus ../shared/corpora/creatine --corpus ../shared/corpora/melatonin

The judge is two-way: its head folds "neutral" (on the topic, not stated) into the same score as contradiction
for most same-topic pairs. Its layers may still tell the two apart. A logistic regression over the judge's
representation of a pair (the vector its head reads, the first token's vector after layers 6 and 9, the mean of
the last layer's token vectors; the weights never change) is fitted on the public sets with their own labels, in
three ways: contradiction against everything else on every set below; the same without COVID-Fact (one-word
swaps); and contradiction against neutral only (SICK trial, ANLI dev and ConTRoL dev, the three sets that label
it, with the same-topic pairs), entailed pairs left out. Nothing is shipped: it prints one JSON line per probe.

The data, read in place from ../shared/benchmarks (non-commercial licences: never copied): the SICK trial, ANLI dev
and SciFact pair files; SciFact claim pairs (opposite verdicts on one abstract are contradictions); ConTRoL dev,
each statement with its passage's 5 most similar sentences (`passage_benchmark.nearest_sentences`; a contradicted
statement's pair the untuned judge scores highest is its positive, every pair of a neutral or entailed one a
negative); 3,000 of scripts/calibrate.py's same-topic pairs and 1,200 COVID-Fact pairs (fixed random draws). One
key in three is held out as in scripts/finetune_judge.py. Held-out figures per set: ROC AUC of the probe and of the
judge (ConTRoL by statement, contradicted against neutral). Per corpus: ROC AUC of the lower of the two directions
on the gold pairs against scripts/corpus_stages.py's 600-pair same-topic sample, and the share of that sample
flagged at the threshold that keeps 80% of both corpora's gold pairs. The public sets' features are cached in
--cache.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
import torch
import typer

# scripts/ is on the path when this script runs
from calibrate import jsonl, pair_file, same_topic
from corpus_stages import flagged_keeping_gold
from finetune_judge import MAX_LENGTH, corpus_pairs, held_out, untuned_judge
from passage_benchmark import highest, nearest_sentences
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.preprocessing import StandardScaler

from detector.evaluation import read_pairs
from detector.models.load import load_embedder
from detector.models.lock import read_lock

WIDTH = 384  # DeBERTa-v3-xsmall's hidden size
# Slices of a feature row: what the judge's head reads, the first token after layers 6 and 9, the mean of the last
# layer; the two logits of the head follow.
BLOCKS = {
    "head": slice(0, WIDTH),
    "layer6": slice(WIDTH, 2 * WIDTH),
    "layer9": slice(2 * WIDTH, 3 * WIDTH),
    "mean": slice(3 * WIDTH, 4 * WIDTH),
}
LOGITS = slice(4 * WIDTH, 4 * WIDTH + 2)
PROBES = {"head": ["head"], "head+layer9": ["head", "layer9"], "all": list(BLOCKS)}
PUBLIC = ("sick_trial", "anli_dev", "scifact", "claim_pairs", "control", "same_topic", "covidfact")
FITS = {
    "all": (PUBLIC, False),
    "no_covidfact": (tuple(s for s in PUBLIC if s != "covidfact"), False),
    "against_neutral": (("sick_trial", "anli_dev", "control", "same_topic"), True),
}
SAME_TOPIC_DRAWN = 3000
COVIDFACT_DRAWN = 1200
BOTH_WAYS = ("claim_pairs", "control")


class Reader:
    """The untuned judge's representation of (premise, hypothesis) pairs."""

    def __init__(self, lock) -> None:  # type: ignore[no-untyped-def]
        self.model, self.tokenizer, self.index = untuned_judge(lock)
        self.model.eval()

    @torch.no_grad()
    def features(self, premises: list[str], hypotheses: list[str], batch_size: int = 16) -> np.ndarray:
        order = sorted(range(len(premises)), key=lambda i: len(premises[i]) + len(hypotheses[i]))
        rows = np.zeros((len(premises), LOGITS.stop), dtype=np.float32)
        for start in range(0, len(order), batch_size):
            chosen = order[start : start + batch_size]
            encoded = self.tokenizer(
                [premises[i] for i in chosen],
                [hypotheses[i] for i in chosen],
                padding="longest",
                truncation=True,
                max_length=MAX_LENGTH,
                return_tensors="pt",
            )
            hidden = self.model.deberta(**encoded, output_hidden_states=True).hidden_states
            pooled = self.model.pooler(hidden[-1])
            mask = encoded["attention_mask"].unsqueeze(-1).float()
            mean = (hidden[-1] * mask).sum(1) / mask.sum(1)
            block = torch.cat([pooled, hidden[6][:, 0], hidden[9][:, 0], mean, self.model.classifier(pooled)], 1)
            rows[chosen] = block.numpy()
        return rows

    def judge(self, rows: np.ndarray) -> np.ndarray:
        """The judge's contradiction score, from the logits kept in each row."""
        logits = rows[:, LOGITS].astype(np.float64)
        logits -= logits.max(1, keepdims=True)
        return np.exp(logits[:, self.index]) / np.exp(logits).sum(1)


def public_sets(benchmarks: Path, embedder) -> dict[str, dict]:  # type: ignore[no-untyped-def]
    """Per set: premises, hypotheses, labels (contradiction, entailment, neutral or other), held-out keys."""
    sets: dict[str, dict] = {}
    for name in ("sick_trial", "anli_dev", "scifact"):
        rows = jsonl(benchmarks / "pairs" / f"{name}.jsonl")

        def key(row: dict, name: str = name) -> str:
            return row["id"].split("-")[1] if name == "scifact" else row["id"]

        sets[name] = {
            "premises": [r["premise"] for r in rows],
            "hypotheses": [r["hypothesis"] for r in rows],
            "labels": [r["label"] for r in rows],
            "keys": [f"{name}:{key(r)}" for r in rows],
        }
    rows = [
        r
        for split in ("train", "dev")
        for r in jsonl(benchmarks / "scifact" / f"scifact_claim_pairs_derived_{split}.jsonl")
    ]
    sets["claim_pairs"] = {
        "premises": [r["claim_a"] for r in rows],
        "hypotheses": [r["claim_b"] for r in rows],
        "labels": ["contradiction" if r["label_a"] != r["label_b"] else "other" for r in rows],
        "keys": [f"doc:{r['doc_id']}" for r in rows],
    }
    control = read_pairs(benchmarks / "pairs" / "control_dev.jsonl")
    pairs, owners = nearest_sentences([r.premise for r in control], [r.hypothesis for r in control], embedder, 5)
    sets["control"] = {
        "premises": pairs.premises,
        "hypotheses": pairs.hypotheses,
        "labels": [control[o].label for o in owners],
        "keys": [f"control:{control[o].id}" for o in owners],
        "owners": owners,
    }
    rng = random.Random(0)
    topic = same_topic(benchmarks, embedder)
    drawn = sorted(rng.sample(range(len(topic.labels)), min(SAME_TOPIC_DRAWN, len(topic.labels))))
    sets["same_topic"] = {
        "premises": [topic.premises[i] for i in drawn],
        "hypotheses": [topic.hypotheses[i] for i in drawn],
        "labels": ["other"] * len(drawn),
        "keys": [f"same_topic:{topic.premises[i]}" for i in drawn],
    }
    covid = pair_file(benchmarks, "covidfact")
    drawn = sorted(rng.sample(range(len(covid.labels)), min(COVIDFACT_DRAWN, len(covid.labels))))
    sets["covidfact"] = {
        "premises": [covid.premises[i] for i in drawn],
        "hypotheses": [covid.hypotheses[i] for i in drawn],
        "labels": ["contradiction" if covid.labels[i] else "other" for i in drawn],
        "keys": [f"covidfact:{covid.premises[i]}" for i in drawn],
    }
    return sets


def read_features(reader: Reader, name: str, data: dict, both: bool, cache: Path) -> dict:
    """`data` with `forward` (premise then hypothesis) and, if `both`, `backward` feature rows; cached by name."""
    path = cache / f"{name}.npz"
    if path.exists():
        stored = np.load(path)
        return {**data, **{k: stored[k] for k in stored.files}}
    found = {"forward": reader.features(data["premises"], data["hypotheses"])}
    if both:
        found["backward"] = reader.features(data["hypotheses"], data["premises"])
    cache.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(path, **found)
    return {**data, **found}


def lower(score, data: dict) -> np.ndarray:  # type: ignore[no-untyped-def]
    """The lower of a pair's two directions under `score` (feature rows to scores)."""
    return np.minimum(score(data["forward"]), score(data["backward"]))


def columns(rows: np.ndarray, probe: str) -> np.ndarray:
    return np.concatenate([rows[:, BLOCKS[b]] for b in PROBES[probe]], 1)


def training_rows(
    sets: dict[str, dict], reader: Reader, probe: str, fit: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Features, labels and weights (each set weighs the same) of the pairs not held out."""
    names, against_neutral = FITS[fit]
    xs, ys, ws = [], [], []
    for name in names:
        data = sets[name]
        labels = np.asarray(data["labels"])
        fitted = np.array([not held_out(k) for k in data["keys"]])
        allowed = labels != "entailment" if against_neutral else np.ones(len(labels), dtype=bool)
        if name == "control":
            owners = data["owners"]
            judged = lower(reader.judge, data)
            positive = np.zeros(len(labels), dtype=bool)
            for item in np.unique(owners[fitted & (labels == "contradiction")]):
                members = np.flatnonzero(owners == item)
                positive[members[np.argmax(judged[members])]] = True
            keep = positive | (fitted & allowed & (labels != "contradiction"))
            for side in ("forward", "backward"):
                xs.append(columns(data[side][keep], probe))
                ys.append(positive[keep])
                ws.append(np.full(keep.sum(), 0.5 / keep.sum()))
            continue
        keep = fitted & allowed
        xs.append(columns(data["forward"][keep], probe))
        ys.append(labels[keep] == "contradiction")
        ws.append(np.full(keep.sum(), 1.0 / keep.sum()))
    weights = np.concatenate(ws)
    return np.concatenate(xs), np.concatenate(ys), weights / weights.mean()


def measured(
    sets: dict[str, dict], corpora: dict[str, dict], reader: Reader, probe: str, fit: str
) -> dict[str, object]:
    x, y, w = training_rows(sets, reader, probe, fit)
    scaler = StandardScaler().fit(x)
    model = LogisticRegression(C=0.01, max_iter=3000).fit(scaler.transform(x), y, sample_weight=w)

    def score(rows: np.ndarray) -> np.ndarray:
        return model.decision_function(scaler.transform(columns(rows, probe)))

    row: dict[str, object] = {"probe": probe, "fit": fit, "pairs": len(y), "contradictions": int(y.sum())}
    for name, data in sets.items():
        labels = np.asarray(data["labels"])
        held = np.array([held_out(k) for k in data["keys"]])
        if name == "control":
            owners = data["owners"]
            items = np.unique(owners[held])
            item_labels = np.array([labels[owners == i][0] for i in items])
            keep = item_labels != "entailment"
            mine = np.isin(owners, items)
            at = np.searchsorted(items, owners[mine])
            by_item = {
                "probe": highest(lower(score, data)[mine], at, len(items)),
                "judge": highest(lower(reader.judge, data)[mine], at, len(items)),
            }
            row["control_contradicted_vs_neutral"] = {
                k: round(float(roc_auc_score(item_labels[keep] == "contradiction", v[keep])), 3)
                for k, v in by_item.items()
            }
            continue
        truth = labels[held] == "contradiction"
        if truth.all() or not truth.any():
            continue
        row[name] = {
            "probe": round(float(roc_auc_score(truth, score(data["forward"][held]))), 3),
            "judge": round(float(roc_auc_score(truth, reader.judge(data["forward"][held]))), 3),
        }
    probe_rows, judge_rows = [], []
    for name, data in corpora.items():
        labels = data["labels"].astype(bool)
        probe_lower, judge_lower = lower(score, data), lower(reader.judge, data)
        row[name] = {
            "probe": round(float(roc_auc_score(labels, probe_lower)), 3),
            "judge": round(float(roc_auc_score(labels, judge_lower)), 3),
        }
        probe_rows.append((name, labels, probe_lower))
        judge_rows.append((name, labels, judge_lower))
    if corpora:
        for tag, rows in (("probe", probe_rows), ("judge", judge_rows)):
            for name, share in flagged_keeping_gold(rows)[1].items():
                row[name][f"{tag}_flagged_at_80%_gold"] = round(share, 3)  # type: ignore[index]
    return row


def main(
    benchmarks: Path,
    corpus: list[Path] = typer.Option([], help="labelled corpora to measure on (never fitted or chosen on)"),
    cache: Path = typer.Option(Path(".cache/probe"), help="where the feature rows are kept between runs"),
) -> None:
    lock = read_lock(None)
    embedder = load_embedder(lock.spec("embedder"))
    reader = Reader(lock)
    sets = {
        name: read_features(reader, name, data, name in BOTH_WAYS, cache)
        for name, data in public_sets(benchmarks, embedder).items()
    }
    corpora = {}
    for name, (a, b, labels) in corpus_pairs(corpus, embedder).items():
        # Not cached: the gold pairs and the sample follow the claims a scan keeps, which change with the code.
        corpora[name] = {
            "labels": labels,
            "forward": reader.features(a, b),
            "backward": reader.features(b, a),
        }
    for probe in PROBES:
        for fit in FITS:
            print(json.dumps(measured(sets, corpora, reader, probe, fit)), flush=True)


if __name__ == "__main__":
    typer.run(main)
