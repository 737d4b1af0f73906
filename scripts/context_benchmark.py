"""Two ways to give the judge context, measured on labelled corpora (issue 14 asks for both); neither is in the scan.

    python scripts/context_benchmark.py ../shared/corpora/creatine ../shared/corpora/melatonin

- Inputs that stand alone: a claim's leading discourse connective ("Moreover,", "However,") and reporting frame
  ("Research suggests that", "Studies show") stripped, and a leading "it" / "this herb" / "they" replaced by its
  document's most frequent content word (a crude stand-in for the document's topic).
- A pair's score relative to its claims' other neighbours: the judge's lower direction (as a logit) less the mean
  of the same for each claim with its 5 nearest claims of other documents. A claim the judge calls contradicted
  by all its neighbours (a page's title, a general statement) counts less against any one of them.

Each is scored on what scripts/corpus_stages.py scores the verdict on: the corpus's core and stretch gold pairs
against 600 random cross-document pairs with cosine >= 0.4 (same seed), printing at the threshold that keeps 80%
of all gold pairs the share of the sample flagged, and ROC AUC per corpus, beside the judge's lower direction on
the claims as they are. Measures only: nothing here is fitted or tuned.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import numpy as np
import typer

# scripts/ is on the path when this script runs
from corpus_stages import flagged_keeping_gold, gold_and_sample, scan_unjudged
from sklearn.metrics import roc_auc_score

from detector.judges import score_all
from detector.models.load import load_embedder, load_judge
from detector.models.lock import read_lock
from detector.reader.propositions import stop_words

NEIGHBOURS = 5
# English sentence-initial connectives and reporting frames: grammar, not any corpus's words.
CONNECTIVE = re.compile(
    r"^\W*(?:moreover|however|furthermore|additionally|in addition|also|therefore|thus|hence|consequently|indeed|"
    r"in fact|for example|for instance|overall|in general|notably|importantly|interestingly|similarly|likewise|"
    r"meanwhile|nevertheless|nonetheless|as a result|on the other hand)\s*,\s*",
    re.I,
)
FRAME = re.compile(
    r"^\W*(?:(?:some|recent|several|many)\s+)?(?:research|studies|study|evidence|data|experts|scientists|reports?)\s+"
    r"(?:has\s+|have\s+)?(?:suggests?|shows?|shown|indicates?|finds?|found|demonstrates?|reveals?|concludes?)\s+"
    r"(?:that\s+)?",
    re.I,
)
PRONOUN = re.compile(r"^(?:it|they|th(?:is|ese)\s+\w+)\b", re.I)


def topic_word(texts: list[str]) -> str:
    stops = stop_words()
    words = Counter(w.lower() for t in texts for w in re.findall(r"[A-Za-z][A-Za-z-]{2,}", t) if w.lower() not in stops)
    return words.most_common(1)[0][0] if words else "it"


def stand_alone(text: str, topic: str) -> str:
    stripped = PRONOUN.sub(topic, FRAME.sub("", CONNECTIVE.sub("", text)), count=1)
    return stripped[:1].upper() + stripped[1:] if stripped else text


def logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))


def main(corpora: list[Path], sample: int = typer.Option(600), seed: int = typer.Option(0)) -> None:
    lock = read_lock(None)
    embedder, judge = load_embedder(lock.spec("embedder")), load_judge(lock.spec("judge"))

    def lower(pairs: list[tuple[int, int]], texts: list[str]) -> np.ndarray:
        forward = score_all([texts[a] for a, _ in pairs], [texts[b] for _, b in pairs], judge)
        backward = score_all([texts[b] for _, b in pairs], [texts[a] for a, _ in pairs], judge)
        return np.minimum(forward, backward)

    rows = []
    for root in corpora:
        scanned = scan_unjudged(root, embedder)
        texts, docs = scanned.texts, scanned.docs
        topics = {d: topic_word([t for t, e in zip(texts, docs, strict=True) if e == d]) for d in set(docs)}
        alone = [stand_alone(t, topics[d]) for t, d in zip(texts, docs, strict=True)]
        sims = scanned.vectors @ scanned.vectors.T
        measured, labels, _ = gold_and_sample(scanned.claims, docs, sims, scanned.corpus, sample, seed)
        near = {
            i: [int(j) for j in np.argsort(-sims[i], kind="stable") if docs[int(j)] != docs[i]][:NEIGHBOURS]
            for i in {i for pair in measured for i in pair}
        }
        around = sorted({(min(i, j), max(i, j)) for i, js in near.items() for j in js})
        context = dict(zip(around, logit(lower(around, texts)), strict=True))
        base = lower(measured, texts)
        mean_around = np.array(
            [np.mean([context[(min(i, j), max(i, j))] for i in (a, b) for j in near[i]]) for a, b in measured]
        )
        scores = {
            "judge, lower direction": base,
            "judge on stand-alone inputs": lower(measured, alone),
            "relative to the claims' neighbours (logit)": logit(base) - mean_around,
        }
        changed = sum(a != t for a, t in zip(alone, texts, strict=True))
        print(f"{root.name}: {changed} of {len(texts)} claims rewritten to stand alone; {labels.sum()} gold pairs")
        rows.append((root.name, labels, scores))
    for name in rows[0][2]:
        threshold, flagged = flagged_keeping_gold([(corpus, labels, scores[name]) for corpus, labels, scores in rows])
        parts = [
            f"{corpus}: flagged {flagged[corpus]:.3f}, ROC AUC {roc_auc_score(labels, scores[name]):.3f}"
            for corpus, labels, scores in rows
        ]
        print(f"{name} (threshold keeping 80% of gold pairs {threshold:.4f}): " + "; ".join(parts))


if __name__ == "__main__":
    typer.run(main)
