"""Measure detection stage by stage on labelled corpora (never used to fit or tune anything).

    python scripts/corpus_stages.py ../shared/corpora/creatine ../shared/corpora/melatonin [--sample 600]

For each corpus (docs/ and gold.json, see detector/corpus.py):
1. claims: the core and stretch phrases that lie in no kept claim;
2. candidates: which core and stretch findings some candidate pair still holds, and candidates as a share of
   all pairs, at the default neighbours and along a curve of neighbour counts;
3. screen: which findings the judged pairs still hold, for each number of pairs judged per claim;
4. verdict: gold pairs (claims holding a finding's two sides, core and stretch) against a random sample of
   cross-document pairs with cosine >= 0.4 (fixed seed): at the threshold that keeps 80% of the gold pairs of all
   the corpora together, the share of the sample flagged, for the verdict and for the judge alone (the lower of
   its two directions, and the higher); and at the verdict's own threshold, the gold pairs kept and the sample
   flagged.
Prints one JSON object.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np
import typer

from detector import candidates, embeddings, screen
from detector.corpus import Corpus, PhraseMatcher, pair_recall, phrases_in_claims, read_corpus
from detector.judges import score_all
from detector.models.load import load_embedder, load_judge
from detector.models.lock import read_lock
from detector.pipeline import ScanResult, Settings, scan
from detector.records import Pair
from detector.verdict.calibration import features, load_calibration

CURVE = ((5, 1), (10, 2), (15, 3), (20, 3), (30, 3), (50, 5))
PER_CLAIM = (1, 2, 3, 4, 6, 8, 0)
TIERS = ("core", "stretch")


class Unjudged:
    """A judge that scores nothing: the scan is run for its claims and readings only."""

    cache_key = "unjudged"

    def score(self, premises: Sequence[str], hypotheses: Sequence[str]) -> np.ndarray:
        return np.zeros(len(premises))


@dataclass(frozen=True)
class Scanned:
    """A labelled corpus scanned for its claims and readings (nothing judged), and the claims' embeddings."""

    corpus: Corpus
    result: ScanResult
    claims: list[dict]  # as findings.json holds them: what the corpus's phrase matcher reads
    texts: list[str]
    docs: list[str]
    vectors: np.ndarray


def scan_unjudged(root: Path, embedder, settings: Settings | None = None) -> Scanned:
    """Read the corpus at `root` and scan its docs/ with `settings` (the defaults), judging nothing and caching
    nothing."""
    corpus = read_corpus(root)
    chosen = replace(settings or Settings(), judge_per_claim=1, cache=False)
    result = scan([corpus.docs_dir], judge=Unjudged(), settings=chosen)
    texts = [c.text for c in result.claims]
    return Scanned(
        corpus,
        result,
        [asdict(c) for c in result.claims],
        texts,
        [c.doc for c in result.claims],
        embeddings.embed(texts, embedder),
    )


def reached(pairs: list[tuple[int, int]], claims: list[dict], corpus: Corpus) -> dict[str, object]:
    """Which core and stretch findings some pair holds, and the pairs as a share of all pairs of the claims."""
    n = len(claims)
    found = {tier: pair_recall(pairs, claims, corpus, [tier]) for tier in TIERS}
    counts = {f"{tier}_reached": len(found[tier][0]) for tier in TIERS}
    totals = {f"{tier}_total": len(found[tier][0]) + len(found[tier][1]) for tier in TIERS}
    return (
        counts
        | totals
        | {
            "core_missed": found["core"][1],
            "pairs": len(pairs),
            "share_of_all_pairs": round(len(pairs) / (n * (n - 1) / 2), 4),
        }
    )


def gold_and_sample(
    claims: list[dict], docs: list[str], sims: np.ndarray, corpus: Corpus, sample: int, seed: int
) -> tuple[list[tuple[int, int]], np.ndarray, list[tuple[int, int]]]:
    """The corpus's core and stretch gold pairs, then a random sample of `sample` other cross-document pairs with
    cosine >= 0.4 (`sims`: the claims' cosine similarities; same-topic pairs); their labels (1 gold); and the
    pool the sample is drawn from."""
    matcher = PhraseMatcher(corpus)
    gold = set()
    for finding in corpus.findings:
        if finding.tier in TIERS:
            left, right = matcher.sides(claims, finding)
            gold |= {(min(a, b), max(a, b)) for a in left for b in right if a != b}
    upper = np.triu_indices(len(claims), 1)
    keep = (np.asarray(docs)[upper[0]] != np.asarray(docs)[upper[1]]) & (sims[upper] >= 0.4)
    pool = [
        (int(a), int(b)) for a, b in zip(upper[0][keep], upper[1][keep], strict=True) if (int(a), int(b)) not in gold
    ]
    chosen = np.random.default_rng(seed).choice(len(pool), min(sample, len(pool)), replace=False)
    labels = np.array([1] * len(gold) + [0] * len(chosen))
    return sorted(gold) + [pool[i] for i in sorted(chosen)], labels, pool


def flagged_keeping_gold(rows: list[tuple[str, np.ndarray, np.ndarray]], lost: float = 0.2) -> tuple[float, dict]:
    """For (corpus, labels, scores) rows: the threshold under which `lost` of all gold pairs (label 1) fall (0.2:
    it keeps 80%), and the share of each corpus's sample (label 0) that scores at least that."""
    labels = np.concatenate([r[1] for r in rows])
    threshold = float(np.quantile(np.concatenate([r[2] for r in rows])[labels == 1], lost))
    return threshold, {name: float((scores[marks == 0] >= threshold).mean()) for name, marks, scores in rows}


def main(
    corpora: list[Path],
    sample: int = typer.Option(600, help="random cross-document pairs with cosine >= 0.4 per corpus"),
    seed: int = typer.Option(0),
) -> None:
    lock = read_lock(None)
    embedder = load_embedder(lock.spec("embedder"))
    judge = load_judge(lock.spec("judge"))
    calibration = load_calibration()
    settings = Settings()
    report: dict[str, dict] = {}
    # Per corpus: its name, the labels of the measured pairs, and each score of them by name.
    verdict_rows: list[tuple[str, np.ndarray, dict[str, np.ndarray]]] = []
    for root in corpora:
        scanned = scan_unjudged(root, embedder, settings)
        corpus, result, claims = scanned.corpus, scanned.result, scanned.claims
        texts, docs, vectors = scanned.texts, scanned.docs, scanned.vectors
        n = len(texts)
        row: dict[str, object] = {"claims": n, "lost_phrases": phrases_in_claims(claims, corpus, TIERS)}

        curve = []
        for across, within in CURVE:
            pairs = candidates.candidate_pairs(vectors, docs, texts, neighbours=across, within=within)
            curve.append(
                {"neighbours": across, "within": within} | reached([(p.a, p.b) for p in pairs], claims, corpus)
            )
        row["candidates_curve"] = curve
        pairs = candidates.for_claims(
            vectors,
            docs,
            texts,
            result.assertions,
            neighbours=settings.neighbours,
            within=settings.neighbours_within,
            min_similarity=settings.min_similarity,
        )
        row["candidates"] = reached([(p.a, p.b) for p in pairs], claims, corpus)
        evidence = screen.gather(pairs, result.claims, result.assertions, calibration)
        row["screen_curve"] = [
            {"per_claim": m}
            | reached([(pairs[i].a, pairs[i].b) for i in screen.choose(pairs, evidence, m)], claims, corpus)
            for m in PER_CLAIM
        ]

        sims = vectors @ vectors.T
        measured, labels, pool = gold_and_sample(claims, docs, sims, corpus, sample, seed)
        forward = score_all([texts[a] for a, b in measured], [texts[b] for a, b in measured], judge)
        backward = score_all([texts[b] for a, b in measured], [texts[a] for a, b in measured], judge)
        as_pairs = candidates.with_apart_similarity([Pair(a, b, float(sims[a, b])) for a, b in measured], vectors)
        seen = screen.gather(as_pairs, result.claims, result.assertions, calibration)
        verdict = np.array(
            [
                calibration.score(
                    features(
                        f,
                        bw,
                        (p.similarity, p.apart()),
                        e.contrast,
                        list(e.signals),
                        result.assertions[p.a],
                        result.assertions[p.b],
                    )
                )
                for f, bw, p, e in zip(forward, backward, as_pairs, seen, strict=True)
            ]
        )
        # A scan never compares a finding with an account of what was studied (candidates.on_one_footing).
        footing = {(p.a, p.b) for p in candidates.on_one_footing(as_pairs, result.assertions)}
        verdict = np.where([(a, b) in footing for a, b in measured], verdict, 0.0)
        scores = {
            "verdict": verdict,
            "judge_lower_direction": np.minimum(forward, backward),
            "judge_higher_direction": np.maximum(forward, backward),
        }
        verdict_rows.append((root.name, labels, scores))
        row["gold_pairs"] = int(labels.sum())
        row["same_topic_pairs"] = len(pool)
        report[root.name] = row

    separation: dict[str, dict] = {}
    for name in ("verdict", "judge_lower_direction", "judge_higher_direction"):
        threshold, flagged = flagged_keeping_gold([(corpus, labels, by[name]) for corpus, labels, by in verdict_rows])
        separation[name] = {"threshold_keeping_80pct_of_gold": round(threshold, 4)} | {
            corpus_name + "_sample_flagged": round(share, 4) for corpus_name, share in flagged.items()
        }
    at_own = {}
    for corpus_name, labels, by in verdict_rows:
        verdict = by["verdict"]
        at_own[corpus_name] = {
            "gold_pairs_kept": round(float((verdict[labels == 1] >= calibration.threshold).mean()), 4),
            "sample_flagged": round(float((verdict[labels == 0] >= calibration.threshold).mean()), 4),
        }
    report["separation"] = separation | {"at_verdict_threshold": {"threshold": calibration.threshold} | at_own}
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    typer.run(main)
