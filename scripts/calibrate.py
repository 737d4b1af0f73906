"""Fit the verdict (logistic weights over verdicts.FEATURES and its threshold) and the screen, on public pairs.

    python scripts/calibrate.py ../shared/benchmarks [--out detector/verdict/calibration.json]

Public labelled data only, read in place from ../shared/benchmarks (never the corpora of ../shared/corpora, which
measure the result, nor the seeds). Fitted on:
- scifact, sick_trial: the pair files (premise, hypothesis, label);
- claim_pairs: SciFact claims about one abstract, as pairs: opposite verdicts (one supported, one refuted by the
  abstract) are contradictions, mostly one proposition with one thing flipped; the same verdict is not;
- same_topic: SciFact and COVID-Fact claims paired with their nearest claims from other sources (cosine >= 0.4),
  none of them contradictions: claims on one topic that state different propositions, which is what most candidate
  pairs of a real scan are, and what the judge alone calls contradictions too often; less the pairs that state one
  proposition with another value (the quantity judge's `value_signals`), which disagree whatever their sources.
  (`--same-topic-supported` pairs only the claims their sources support, and `--same-topic-neighbours` sets how
  many: a measured variant.)
Each set weighs the same in the fit, whatever its size. Checked on COVID-Fact pairs (its contradictions are a
claim against a copy with one word swapped, its other pairs a claim against evidence: fitted on, it teaches that
near-identical texts contradict) and ANLI dev; neither is fitted. Each pair is scored by the NLI judge both
ways, embedded and read by the claim reader (all cached under .cache/calibration/), and read by
propositions.read. Figures: in-sample and 5-fold out-of-fold.

The threshold is the one that maximises the mean F1 of scifact, sick_trial and claims (claim_pairs with
same_topic): two public sets that measure the judge, and one made of claim pairs as a scan meets them.
The judge's second direction: a scan reads b→a only where a→b reaches `backward_from`, the highest value at which
no verdict on the fitted sets changes (choose_backward_from; the checked sets show whether that holds out of sample),
and not where the verdict stays under its threshold even with b→a at `judge_ceiling`, the highest score the judge
gives any direction of these sets; a pair whose verdict stays under it with both directions there is not judged
(judge_reads_saved measures what that saves).
The screen, which ranks each claim's candidate pairs before judging, is a logistic regression over the features
that need no judge (verdicts.SCREEN_FEATURES), fitted on the claim-vs-claim sets (sick_trial, claim_pairs,
same_topic), each weighing the same.
"""

from __future__ import annotations

import hashlib
import json
import math
import pickle
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import typer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold

from detector import embeddings, subjects
from detector.evaluation import best_f1_threshold, precision_recall_f1, read_pairs
from detector.judges import score_all
from detector.models.load import load_embedder, load_judge, load_parser
from detector.models.lock import read_lock
from detector.reader import propositions
from detector.runtime.keys import model_key
from detector.verdict.calibration import FEATURES, INPUTS, SCREEN_FEATURES, features, judge_features
from detector.verdict.signals import compare, value_signals

PAIR_SETS = ("scifact", "sick_trial", "covidfact")
FIT = ("scifact", "sick_trial", "claim_pairs", "same_topic")
# COVID-Fact is checked, not fitted: its contradictions are a claim against a copy with one word swapped and its
# other pairs a claim against evidence, so a fit learns "near-identical texts contradict", which real text refutes.
CHECK = ("covidfact", "anli_dev")
# The sets the threshold is chosen on: "claims" is claim_pairs and same_topic together.
THRESHOLD_SETS = ("scifact", "sick_trial", "claims")
CLAIM_SETS = ("sick_trial", "claim_pairs", "same_topic")
SAME_TOPIC_NEIGHBOURS = 3
MIN_FIRED = 5
SAME_TOPIC_MIN_SIMILARITY = 0.4
# Values tried for the a→b score under which b→a is not judged (see choose_backward_from).
BACKWARD_FROM = (0.5, 0.7, 0.8, 0.9, 0.95, 0.98)


@dataclass
class Pairs:
    premises: list[str]
    hypotheses: list[str]
    labels: np.ndarray


def pair_file(root: Path, name: str) -> Pairs:
    pairs = read_pairs(root / "pairs" / f"{name}.jsonl")
    return Pairs(
        [p.premise for p in pairs], [p.hypothesis for p in pairs], np.array([p.label == "contradiction" for p in pairs])
    )


def jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def claim_pairs(root: Path) -> Pairs:
    rows = [
        r for split in ("train", "dev") for r in jsonl(root / "scifact" / f"scifact_claim_pairs_derived_{split}.jsonl")
    ]
    return Pairs(
        [r["claim_a"] for r in rows],
        [r["claim_b"] for r in rows],
        np.array([r["label_a"] != r["label_b"] for r in rows]),
    )


def same_topic(  # type: ignore[no-untyped-def]
    root: Path, embedder, *, true_only: bool = False, neighbours: int = SAME_TOPIC_NEIGHBOURS
) -> Pairs:
    """Each claim with its nearest claims from other sources: one topic, different propositions, no contradiction.

    Every claim is paired, refuted ones too; so a refuted claim against another source's claim on its topic
    counts as no contradiction, and read, those with one thing flipped mostly are contradictions ("SARS-CoV-2
    cannot infect human brain organoids" against a report that it infects them). With `true_only` only claims
    their sources support are paired (SciFact claims whose evidence all supports them, COVID-Fact's SUPPORTED
    claims): two such claims cannot contradict. Measured, not shipped: see the README's "Tried since" table.
    """
    claims: dict[str, str] = {}
    for split in ("train", "dev"):
        for r in jsonl(root / "scifact" / f"claims_{split}.jsonl"):
            verdicts = {e["label"] for evidence in r.get("evidence", {}).values() for e in evidence}
            if verdicts == {"SUPPORT"} or not true_only:
                claims.setdefault(r["claim"], "scifact:" + ",".join(map(str, sorted(r["cited_doc_ids"]))))
    for r in jsonl(root / "covidfact" / "COVIDFACT_dataset.jsonl"):
        if r["label"] == "SUPPORTED" or not true_only:
            claims.setdefault(r["claim"], "covidfact:" + r["gold_source"])
    texts = sorted(claims)
    sources = np.array([claims[t] for t in texts])
    vectors = embeddings.embed(texts, embedder)
    sims = vectors @ vectors.T
    sims[sources[:, None] == sources[None, :]] = -1.0
    found = set()
    for i in range(len(texts)):
        for j in np.argsort(-sims[i], kind="stable")[:neighbours]:
            if sims[i, j] >= SAME_TOPIC_MIN_SIMILARITY:
                found.add((min(i, int(j)), max(i, int(j))))
    chosen = sorted(found)
    return Pairs([texts[a] for a, _ in chosen], [texts[b] for _, b in chosen], np.zeros(len(chosen), dtype=bool))


def nli_scores(name: str, pairs: Pairs, spec, cache: Path) -> np.ndarray:  # type: ignore[no-untyped-def]
    """(n, 2) forward/backward contradiction scores, cached by data set, texts and the judge's cache key (its
    files, settings, the code that scores — `judges.py`, not which directions a scan reads — and libraries)."""
    content = json.dumps([pairs.premises, pairs.hypotheses]).encode()
    digest = hashlib.sha256(content + model_key(spec)).hexdigest()[:16]
    file = cache / f"{name}-{spec.name}-{digest}.npy"
    if file.exists():
        return np.load(file)
    scorer = load_judge(spec)
    started = time.perf_counter()
    scores = score_all(pairs.premises + pairs.hypotheses, pairs.hypotheses + pairs.premises, scorer)
    print(f"  {name}: {2 * len(pairs.premises)} directions scored in {time.perf_counter() - started:.0f}s", flush=True)
    both = np.stack([scores[: len(pairs.premises)], scores[len(pairs.premises) :]], axis=1)
    cache.mkdir(parents=True, exist_ok=True)
    np.save(file, both)
    return both


# Texts are embedded as a scan embeds its claims (`embeddings.embed`: batches of similar length), which bounds memory
# (one batch of every text of a set held attention matrices for all of them at once: about 17 GB for COVID-Fact)
# and gives the vectors a scan gives; the cached similarities are keyed on that code too.
_EMBEDDING_CODE = Path(embeddings.__file__).read_bytes()


def readings(name: str, pairs: Pairs, lock, reader, embedder, cache: Path):  # type: ignore[no-untyped-def]
    """What the claim reader reads in both sides of each pair and the sides' cosine similarity, cached by data
    set, texts and the parser's and embedder's cache keys (code, lexicons and model files included)."""
    keys = [model_key(lock.spec("parser")), model_key(lock.spec("embedder")), _EMBEDDING_CODE]
    content = json.dumps([pairs.premises, pairs.hypotheses]).encode() + b"".join(keys)
    file = cache / f"{name}-readings-{hashlib.sha256(content).hexdigest()[:16]}.pkl"
    if file.exists():
        return pickle.loads(file.read_bytes())
    # Each text once: a same-topic claim is a side of many pairs.
    texts = sorted(set(pairs.premises) | set(pairs.hypotheses))
    index = {text: k for k, text in enumerate(texts)}
    read, vectors = reader.read(texts), embeddings.embed(texts, embedder)
    left, right = [index[t] for t in pairs.premises], [index[t] for t in pairs.hypotheses]
    found = ([read[k] for k in left], [read[k] for k in right], (vectors[left] * vectors[right]).sum(axis=1))
    cache.mkdir(parents=True, exist_ok=True)
    file.write_bytes(pickle.dumps(found))
    return found


def apart_similarities(name: str, pairs: Pairs, lock, embedder, cache: Path) -> np.ndarray:  # type: ignore[no-untyped-def]
    """Each pair's similarity apart from the topic its set shares (`subjects.apart_from_topic`): a set's texts are
    one collection, as a scan's claims are. Cached by data set, texts and the embedder's cache key."""
    content = (
        json.dumps([pairs.premises, pairs.hypotheses]).encode() + model_key(lock.spec("embedder")) + _EMBEDDING_CODE
    )
    file = cache / f"{name}-apart-{hashlib.sha256(content + Path(subjects.__file__).read_bytes()).hexdigest()[:16]}.npy"
    if file.exists():
        return np.load(file)
    texts = sorted(set(pairs.premises) | set(pairs.hypotheses))
    index = {text: k for k, text in enumerate(texts)}
    apart = subjects.apart_from_topic(embeddings.embed(texts, embedder))
    left, right = [index[t] for t in pairs.premises], [index[t] for t in pairs.hypotheses]
    found = (apart[left] * apart[right]).sum(axis=1)
    cache.mkdir(parents=True, exist_ok=True)
    np.save(file, found)
    return found


def feature_matrix(pairs: Pairs, scores: np.ndarray, read, apart: np.ndarray) -> tuple[np.ndarray, np.ndarray]:  # type: ignore[no-untyped-def]
    """The verdict's inputs for each pair, and which pairs state one proposition with another value (the
    quantity judge's `value_signals`)."""
    premises, hypotheses, similarity = read
    rows, valued = [], []
    for k, ((fwd, bwd), a, b) in enumerate(zip(scores, premises, hypotheses, strict=True)):
        contrast = propositions.contrast(propositions.read(pairs.premises[k]), propositions.read(pairs.hypotheses[k]))
        near = (float(similarity[k]), float(apart[k]))
        values = features(float(fwd), float(bwd), near, contrast, compare(a, b, "", "", contrast), a, b)
        rows.append([values[name] for name in INPUTS])
        valued.append(bool(value_signals(contrast, a, b, "", "")))
    return np.array(rows), np.array(valued, dtype=bool)


def one_way_below(x: np.ndarray, scores: np.ndarray, at_least: float) -> np.ndarray:
    """`x` as a scan reads it when it judges b→a only where a→b reached `at_least` (a direction not read counts
    as the one that was)."""
    forward = scores[:, 0]
    return with_backward(x, forward, forward, rows=np.flatnonzero(forward < at_least))


def choose_backward_from(
    sets: dict[str, tuple[np.ndarray, np.ndarray]], decide: Callable[[np.ndarray], np.ndarray], most: float
) -> tuple[float, dict]:
    """The highest a→b score under which the judge need not read b→a: the largest of BACKWARD_FROM (at most
    `most`, the judge's own threshold, so the judge-alone flags stay exact) at which no verdict on the fitted
    sets changes. Also how many verdicts change at each value and the share of pairs read both ways, per set
    (the checked sets are held out)."""
    changed: dict[str, dict[str, int]] = {}
    for value in BACKWARD_FROM:
        changed[str(value)] = {
            name: int((decide(x) != decide(one_way_below(x, scores, value))).sum())
            for name, (x, scores) in sets.items()
        }
    safe = [v for v in BACKWARD_FROM if v <= most and not any(changed[str(v)][n] for n in FIT if n in sets)]
    chosen = max(safe, default=0.0)
    judged = {name: round(float((scores[:, 0] >= chosen).mean()), 4) for name, (_, scores) in sets.items()}
    return chosen, {"value": chosen, "verdicts_changed": changed, "read_both_ways": judged}


def judge_ceiling(directions: dict[str, np.ndarray]) -> float:
    """The highest score the judge gave any direction of the sets, rounded up to six decimals: the most a scan
    takes a direction not yet read to be when it asks whether reading it could change its report
    (Calibration.judge_ceiling)."""
    return math.ceil(max(float(scores.max()) for scores in directions.values()) * 1e6) / 1e6


def with_backward(
    x: np.ndarray, forward: np.ndarray, backward: np.ndarray, rows: np.ndarray | None = None
) -> np.ndarray:
    """`x` with the judge's inputs read from a→b `forward` and b→a `backward` (in `rows` only, if given)."""
    x = x.copy()
    ratio = FEATURES.index("length_ratio")
    for k in range(len(x)) if rows is None else rows:
        for name, value in judge_features(float(forward[k]), float(backward[k]), float(x[k, ratio])).items():
            x[k, FEATURES.index(name)] = value
    return x


def judge_reads_saved(
    sets: dict[str, tuple[np.ndarray, np.ndarray]],
    decide: Callable[[np.ndarray], np.ndarray],
    backward_from: float,
    ceiling: float,
) -> dict:
    """Per set, what a scan would not ask the judge (contradictions.highest_verdict, with every direction at most
    `ceiling`): the share of pairs not judged at all, their verdict under the threshold whatever the judge said;
    of the judged pairs whose a→b reaches `backward_from`, the share whose b→a is not read; and how many verdicts
    change against reading everything (none, if the verdict moves one way on each side of the other direction,
    as that function takes it to)."""
    measured: dict[str, dict[str, float]] = {}
    for name, (x, scores) in sets.items():
        forward, zero = scores[:, 0], np.zeros(len(x))
        top = np.full(len(x), ceiling)
        judged = np.logical_or.reduce(
            [decide(with_backward(x, f, b)) for f, b in ((zero, zero), (top, zero), (top, top))]
        )
        ends = (zero, forward, np.maximum(forward, ceiling))
        matters = np.logical_or.reduce([decide(with_backward(x, forward, end)) for end in ends])
        read = judged & (forward >= backward_from)
        skipped = read & ~matters
        one_way = with_backward(x, forward, np.where(skipped, forward, scores[:, 1]))
        measured[name] = {
            "pairs": len(x),
            "not_judged": round(float(1 - judged.mean()), 4),
            "backward_read_before": int(read.sum()),
            "backward_not_read": round(float(skipped.sum() / max(read.sum(), 1)), 4),
            "verdicts_changed": int(((judged & decide(one_way)) != decide(x)).sum()),
        }
    return measured


def fit(x: np.ndarray, y: np.ndarray, weights: np.ndarray) -> LogisticRegression:
    return LogisticRegression(C=1.0, max_iter=5000).fit(x, y, sample_weight=weights)


def balanced(sizes: list[int]) -> np.ndarray:
    """Sample weights that give each data set the same total weight, so the 12,000 same-topic pairs do not
    drown SciFact's 773."""
    return np.concatenate([np.full(n, sum(sizes) / (len(sizes) * n)) for n in sizes])


def rounded(values: dict[str, float]) -> dict[str, float]:
    return {k: round(float(v), 4) for k, v in values.items()}


def prf(y: np.ndarray, p: np.ndarray, t: float) -> dict[str, float]:
    return dict(zip(("precision", "recall", "f1"), precision_recall_f1(y, p, t), strict=True))


def main(
    benchmarks: Path,
    out: Path = typer.Option(Path("detector/verdict/calibration.json")),
    models_lock: str = typer.Option(None),
    cache: Path = typer.Option(Path(".cache/calibration")),
    check: bool = typer.Option(True, help="also measure on ANLI dev (6,400 more directions to score)"),
    same_topic_supported: bool = typer.Option(
        False, help="same-topic pairs only between claims their sources support (refuted claims left out)"
    ),
    same_topic_neighbours: int = typer.Option(SAME_TOPIC_NEIGHBOURS, min=1, help="nearest claims per same-topic claim"),
) -> None:
    lock = read_lock(models_lock)
    spec = lock.spec("judge")
    nli_threshold = float(spec.settings["threshold"])
    reader = load_parser(lock.spec("parser"))
    embedder = load_embedder(lock.spec("embedder"))
    sets = {name: pair_file(benchmarks, name) for name in PAIR_SETS if name in FIT or check}
    sets["claim_pairs"] = claim_pairs(benchmarks)
    sets["same_topic"] = same_topic(
        benchmarks, embedder, true_only=same_topic_supported, neighbours=same_topic_neighbours
    )
    if check:
        sets |= {name: pair_file(benchmarks, name) for name in CHECK if name not in sets}
    data = {}
    screened: dict[str, np.ndarray] = {}
    directions: dict[str, np.ndarray] = {}
    for name, pairs in sets.items():
        scores = nli_scores(name, pairs, spec, cache)
        read = readings(name, pairs, lock, reader, embedder, cache)
        x, valued = feature_matrix(pairs, scores, read, apart_similarities(name, pairs, lock, embedder, cache))
        labels = pairs.labels
        if name == "same_topic":
            # Two sources that state one proposition with another value disagree, whatever their labels say
            # ("the vaccine is 50% effective" against "78% effective"): no known negative.
            x, labels, scores = x[~valued], labels[~valued], scores[~valued]
        # The verdict's inputs (FEATURES, the first columns), and the screen's.
        data[name] = (x[:, : len(FEATURES)], labels, scores.max(axis=1))
        screened[name] = x[:, [INPUTS.index(f) for f in SCREEN_FEATURES]]
        directions[name] = scores
        fired = {
            f: int(x[:, FEATURES.index(f)].astype(bool).sum())
            for f in FEATURES
            if not f.startswith(("nli", "sim", "over"))
        }
        print(f"  {name}: {len(labels)} pairs ({int(labels.sum())} contradictions), fired {fired}", flush=True)

    x_fit = np.vstack([data[n][0] for n in FIT])
    y_fit = np.concatenate([data[n][1] for n in FIT])
    offsets = dict(zip(FIT, np.cumsum([0] + [len(data[n][1]) for n in FIT]), strict=False))
    ends = {n: offsets[n] + len(data[n][1]) for n in FIT}
    w_fit = balanced([len(data[n][1]) for n in FIT])
    model = fit(x_fit, y_fit, w_fit)
    # A judge that (almost) never fires on the public pairs has no weight to learn (dose conflicts: none in these
    # sets); it takes the direction judge's weight, the other signal of two explicit, incompatible statements.
    # Its weight cannot move the fitted figures below: it is zero on every row.
    unfitted = [f for f in ("quantity",) if x_fit[:, FEATURES.index(f)].sum() < MIN_FIRED]
    for name in unfitted:
        model.coef_[0, FEATURES.index(name)] = model.coef_[0, FEATURES.index("direction")]

    def predict(x: np.ndarray) -> np.ndarray:
        return model.predict_proba(x)[:, 1]

    def threshold_set(name: str, p: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        names = ("claim_pairs", "same_topic") if name == "claims" else (name,)
        y = np.concatenate([data[n][1] for n in names])
        if p is None:
            return y, np.concatenate([predict(data[n][0]) for n in names])
        return y, np.concatenate([p[offsets[n] : ends[n]] for n in names])

    grid = np.unique(np.round(predict(x_fit), 4))
    mean_f1 = [np.mean([precision_recall_f1(*threshold_set(n), t)[2] for n in THRESHOLD_SETS]) for t in grid]
    threshold = float(grid[int(np.argmax(mean_f1))])

    judged_sets = {n: (data[n][0], directions[n]) for n in data}
    backward_from, backward = choose_backward_from(judged_sets, lambda x: predict(x) >= threshold, nli_threshold)

    ceiling = judge_ceiling(directions)
    saved = judge_reads_saved(judged_sets, lambda x: predict(x) >= threshold, backward_from, ceiling)

    held_out = np.zeros(len(y_fit))
    for train, test in StratifiedKFold(5, shuffle=True, random_state=0).split(x_fit, y_fit):
        held_out[test] = fit(x_fit[train], y_fit[train], w_fit[train]).predict_proba(x_fit[test])[:, 1]

    # The screen: the same regression without the judge, on the claim-vs-claim sets.
    x_claims = np.vstack([screened[n] for n in CLAIM_SETS])
    y_claims = np.concatenate([data[n][1] for n in CLAIM_SETS])
    w_claims = balanced([len(data[n][1]) for n in CLAIM_SETS])
    screen = fit(x_claims, y_claims, w_claims)
    for name in unfitted:
        screen.coef_[0, SCREEN_FEATURES.index(name)] = screen.coef_[0, SCREEN_FEATURES.index("direction")]
    screen_oof = np.zeros(len(y_claims))
    for train, test in StratifiedKFold(5, shuffle=True, random_state=0).split(x_claims, y_claims):
        screen_oof[test] = fit(x_claims[train], y_claims[train], w_claims[train]).decision_function(x_claims[test])

    measured: dict[str, dict] = {}
    for name in (*FIT, "claims", *(CHECK if check else ())):
        if name not in data and name != "claims":
            continue
        if name == "claims":
            y, p = threshold_set("claims")
            _, oof = threshold_set("claims", held_out)
            nli = np.concatenate([data[n][2] for n in ("claim_pairs", "same_topic")])
        else:
            x, y, nli = data[name]
            p = predict(x)
            oof = held_out[offsets[name] : ends[name]] if name in FIT else None
        row: dict[str, dict] = {"pairs": {"n": len(y), "contradictions": int(y.sum())}}
        if 0 < y.sum() < len(y):
            row["nli_only"] = prf(y, nli, nli_threshold) | {
                "best_f1": best_f1_threshold(y, nli)[0],
                "roc_auc": float(roc_auc_score(y, nli)),
            }
            row["verdict"] = prf(y, p, threshold) | {"roc_auc": float(roc_auc_score(y, p))}
            if oof is not None:
                row["verdict_out_of_fold"] = prf(y, oof, threshold) | {"roc_auc": float(roc_auc_score(y, oof))}
        else:  # no contradictions: what matters is how many are flagged
            row["nli_only"] = {"flagged": float((nli >= nli_threshold).mean())}
            row["verdict"] = {"flagged": float((p >= threshold).mean())}
            if oof is not None:
                row["verdict_out_of_fold"] = {"flagged": float((oof >= threshold).mean())}
        measured[name] = {k: (rounded(v) if k != "pairs" else v) for k, v in row.items()}
    measured["backward_from"] = backward
    measured["judge_ceiling"] = {"directions": int(sum(d.size for d in directions.values())), "saved": saved}
    measured["screen"] = {"roc_auc_out_of_fold": round(float(roc_auc_score(y_claims, screen_oof)), 4)}

    result = {
        "about": "Verdict = sigmoid(bias + sum(weight * feature)); fitted by scripts/calibrate.py on public pairs.",
        "fitted_on": list(FIT),
        "checked_on": list(CHECK) if check else [],
        "threshold_chosen_on": list(THRESHOLD_SETS),
        "judge": spec.name,
        "features": list(FEATURES),
        "weights": {name: round(float(w), 6) for name, w in zip(FEATURES, model.coef_[0], strict=True)},
        "weights_not_fitted": unfitted,
        "bias": round(float(model.intercept_[0]), 6),
        "threshold": threshold,
        "backward_from": backward_from,
        "judge_ceiling": ceiling,
        "screen": {name: round(float(w), 6) for name, w in zip(SCREEN_FEATURES, screen.coef_[0], strict=True)},
        "measured": measured,
    }
    out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    typer.run(main)
