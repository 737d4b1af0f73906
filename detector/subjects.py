"""Stage 4: group claims about the same subject and give each group a short label."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import numpy as np

from .records import Claim, Subject

# Average cosine similarity that holds a subject together, measured once the topic the whole collection shares is
# taken out (`apart_from_topic`); with the weight below, chosen on public sets where the subject is known
# (`scripts/subjects_benchmark.py`: COVID-Fact's and SciFact's sentences grouped by their source).
DEFAULT_SUBJECT_SIMILARITY = 0.35
# How many claims the collection's mean is worth half its weight at: the mean of a few claims is mostly those
# claims themselves, the mean of many is the topic they share ("melatonin" on every page about melatonin).
TOPIC_HALF_WEIGHT = 30
_BLOCK = 1024
_WORD = r"(?u)\b[^\W\d_][\w-]{2,}\b"
# Words that say how a claim is phrased, not what it is about.
_FILLER = frozenset(
    [
        "also",
        "may",
        "might",
        "can",
        "could",
        "would",
        "will",
        "shown",
        "suggest",
        "suggests",
        "suggested",
        "research",
        "studies",
        "study",
        "studied",
        "including",
        "include",
        "includes",
        "potential",
        "potentially",
        "known",
        "often",
        "various",
        "several",
        "significant",
        "significantly",
        "key",
        "role",
        "ability",
        "effects",
        "effect",
        "use",
        "used",
        "using",
        "one",
        "two",
        "additionally",
        "however",
        "moreover",
        "furthermore",
        "particularly",
        "especially",
        "typically",
        "generally",
        "overall",
        "well",
        "like",
        "new",
        "way",
        "ways",
        "fully",
        "needed",
        "further",
        "understand",
        "understanding",
        "offer",
        "offers",
        "offering",
        "provide",
        "provides",
        "providing",
        "aspect",
        "aspects",
    ]
)


def cluster(
    embeddings: np.ndarray, *, similarity: float = DEFAULT_SUBJECT_SIMILARITY, half_weight: float = TOPIC_HALF_WEIGHT
) -> np.ndarray:
    """Cluster unit vectors so that claims in a cluster average at least `similarity` cosine once the topic the
    collection shares is taken out (`apart_from_topic`): on pages that are all about one substance, every claim
    is near every other by that substance alone, and a plain cut makes half of them one subject
    (`half_weight` infinite: the plain cut).

    Returns one cluster number per row, numbered in order of first appearance.
    """
    n = len(embeddings)
    # A zero vector (a text the embedder found nothing in) has no direction: it stands alone.
    usable = np.flatnonzero(np.any(embeddings != 0, axis=1)) if n else np.zeros(0, dtype=int)
    raw = np.arange(n) + n
    if len(usable) > 1:
        # Imported here: SciPy's clustering takes a moment to import, which a re-scan of unchanged documents skips.
        from scipy.cluster.hierarchy import fcluster, linkage

        tree = linkage(
            cosine_distances(apart_from_topic(embeddings[usable], half_weight=half_weight)), method="average"
        )
        # fcluster keeps merges at or below t; the cut keeps those strictly below 1 − similarity, as before.
        raw[usable] = fcluster(tree, np.nextafter(1.0 - similarity, -np.inf), criterion="distance")
    order: dict[int, int] = {}
    for label in raw:
        order.setdefault(int(label), len(order))
    return np.array([order[int(label)] for label in raw], dtype=int)


def apart_from_topic(vectors: np.ndarray, *, half_weight: float = TOPIC_HALF_WEIGHT) -> np.ndarray:
    """Unit vectors less the collection's mean vector, weighted by how many claims it is the mean of
    (n / (n + `half_weight`)): what sets each claim apart from what they all say. A row the subtraction would
    leave empty keeps its own direction; a zero row (nothing embedded) stays zero and counts in no mean."""
    rows = np.asarray(vectors, dtype=np.float64)
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    usable = norms[:, 0] > 0  # a zero vector (nothing embedded) has no direction and stays zero
    rows = np.where(usable[:, None], rows / np.where(norms == 0, 1.0, norms), 0.0)
    count = int(usable.sum())
    if not count:
        return rows
    weight = count / (count + half_weight)
    apart = rows - weight * rows[usable].mean(axis=0)
    apart[~usable] = 0.0
    empty = usable & (np.linalg.norm(apart, axis=1) < 1e-9)
    apart[empty] = rows[empty]
    lengths = np.linalg.norm(apart, axis=1, keepdims=True)
    return apart / np.where(lengths == 0, 1.0, lengths)


def cosine_distances(vectors: np.ndarray) -> np.ndarray:
    """1 − cosine similarity of every pair of rows, condensed as scipy.spatial.distance.pdist gives it (row 0's
    pairs, then row 1's, ...): in float64 like pdist, from matrix products (pdist compares pairs one by one),
    a block of rows at a time so that memory stays at the condensed matrix's."""
    rows = np.asarray(vectors, dtype=np.float64)
    rows = rows / np.linalg.norm(rows, axis=1, keepdims=True)
    n = len(rows)
    condensed = np.empty(n * (n - 1) // 2, dtype=np.float64)
    start = 0
    for first in range(0, n, _BLOCK):
        block = 1.0 - rows[first : first + _BLOCK] @ rows[first:].T
        for offset, row in enumerate(block):
            tail = row[offset + 1 :]
            condensed[start : start + len(tail)] = tail
            start += len(tail)
    np.clip(condensed, 0.0, 2.0, out=condensed)
    return condensed


def label_subjects(claims: Sequence[Claim], clusters: np.ndarray) -> list[Subject]:
    """One `Subject` per cluster, labelled "common term · distinctive term" (e.g. "kratom · prolactin")."""
    count = int(clusters.max()) + 1 if len(clusters) else 0
    width = max(2, len(str(count)))
    members: list[list[int]] = [[] for _ in range(count)]
    for index, number in enumerate(clusters):
        members[int(number)].append(index)
    labels = _labels([[claims[i].text for i in group] for group in members])
    return [
        Subject(id=f"s{number + 1:0{width}d}", label=labels[number], claims=tuple(claims[i].id for i in group))
        for number, group in enumerate(members)
    ]


def _labels(groups: list[list[str]]) -> list[str]:
    if not groups:
        return []
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, CountVectorizer

    vectorizer = CountVectorizer(
        token_pattern=_WORD, lowercase=True, stop_words=sorted(ENGLISH_STOP_WORDS | _FILLER), binary=True
    )
    try:
        counts = vectorizer.fit_transform([" \n ".join(g) for g in groups]).toarray().astype(float)
    except ValueError:  # no content words at all
        return ["(no label)"] * len(groups)
    # How many claims of each group use a term (not how often), so one wordy claim cannot name a subject.
    per_group = np.vstack([vectorizer.transform(g).toarray().sum(axis=0) for g in groups]).astype(float)
    terms = vectorizer.get_feature_names_out()
    groups_with_term = (counts > 0).sum(axis=0)
    idf = np.log((1 + len(groups)) / (1 + groups_with_term)) + 1
    claims_with_term = per_group.sum(axis=0)
    labels: list[str] = []
    # Each labelled group's terms and the weights of the terms that could still be added to its label.
    chosen: dict[int, tuple[list[int], np.ndarray]] = {}
    for number, (row, group) in enumerate(zip(per_group, groups, strict=True)):
        if not row.any():
            labels.append("(no label)")
            continue
        # The term most of the group's claims use; among those, the one most claims of the collection use (a
        # claim alone uses each of its words once: "kratom", not the first word in the alphabet). Remaining
        # ties go to the longer word (longer words are the rarer, which say more: "sedating", not "allows"),
        # then the alphabet, so labels are stable across runs.
        common = int(
            min(np.flatnonzero(row == row.max()), key=lambda i: (-claims_with_term[i], -len(terms[i]), terms[i]))
        )
        # The most distinctive term (rare in other groups) among those a quarter of the group's claims use.
        weights = np.where(row * 4 >= len(group), row * idf, 0.0)
        weights[common] = 0.0
        parts = [common]
        if weights.max() > 0:
            parts.append(_heaviest(weights, terms))
            weights[parts[-1]] = 0.0
        chosen[number] = (parts, weights)
        labels.append(_joined(parts, row, claims_with_term, terms))
    # Two subjects labelled alike ("melatonin · children" twice) each add their next most distinctive term.
    repeated = Counter(labels)
    for number, (parts, weights) in chosen.items():
        if repeated[labels[number]] < 2:
            continue
        # Not another form of a term it has ("supplements" beside "supplement"); only the group's own terms can
        # weigh anything.
        said = [terms[i] for i in parts]
        for k in np.flatnonzero(weights):
            if any(terms[k].startswith(w) or w.startswith(terms[k]) for w in said):
                weights[k] = 0.0
        if weights.max() > 0:
            labels[number] = _joined([*parts, _heaviest(weights, terms)], per_group[number], claims_with_term, terms)
    return labels


def _heaviest(weights: np.ndarray, terms: np.ndarray) -> int:
    """The term of the highest weight; ties to the longer word, then the alphabet."""
    return int(min(np.flatnonzero(weights == weights.max()), key=lambda i: (-len(terms[i]), terms[i])))


def _joined(parts: list[int], row: np.ndarray, claims_with_term: np.ndarray, terms: np.ndarray) -> str:
    """A label's terms, the more widespread first: "kratom · prolactin" reads as agent · target."""
    ordered = sorted(parts, key=lambda i: (-claims_with_term[i], -row[i], terms[i]))
    return " · ".join(terms[i] for i in ordered)
