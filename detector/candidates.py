"""Stage 5: choose which claim pairs may be judged — each claim's nearest neighbours in other documents and in
its own, and the pairs the claim reader says may conflict; never all pairs."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from .reader.assertions import DOSE_UNITS, Assertion, concept
from .records import Pair
from .subjects import apart_from_topic
from .verdict.signals import about_concepts, holder_words, narrowing

# Each claim's nearest claims in other documents, and in its own: real conflicts state nearly the same
# proposition, so they sit among the nearest claims of another document whatever the subject clustering made
# of them. DEFAULT_NEIGHBOURS across documents and DEFAULT_NEIGHBOURS_WITHIN inside one (the curve of candidate
# recall against these is in the README; scripts/candidates_recall.py measures it).
DEFAULT_NEIGHBOURS = 15
DEFAULT_NEIGHBOURS_WITHIN = 3
DEFAULT_MIN_SIMILARITY = 0.35
# Up to this many claims the exact search (blocked dot products, n² work) is cheaper than building an
# approximate index; above it an HNSW index keeps time and memory about linear in the number of claims.
# scripts/candidates_benchmark.py measured 0.98 s exact against 3.22 s for the index at 4,148 claims: the
# exact search's n² catches up near 14,000.
EXACT_LIMIT = 15_000
_ROW_BLOCK = 1024
# Pairs per reason for assertion_pairs (the most similar of its two sides): every pair on the seeds and on
# the 100-document bench corpus (scripts/exhaustive_benchmark.py); a bound on a reason hundreds of claims share.
DEFAULT_PAIRS_PER_REASON = 48
# HNSW settings: at these, 98–100% of the exact neighbours are found (tests/test_subjects_and_candidates.py).
_CONNECTIVITY = 16
_EXPANSION_ADD = 128
_EXPANSION_SEARCH = 128
# The approximate search asks for this many times the neighbours wanted, then keeps those of other documents
# and of the claim's own apart; claims of one document crowd each other's lists.
_OVERSEARCH = 3


def candidate_pairs(
    embeddings: np.ndarray,
    documents: Sequence[str],
    texts: Sequence[str],
    *,
    neighbours: int = DEFAULT_NEIGHBOURS,
    within: int = DEFAULT_NEIGHBOURS_WITHIN,
    min_similarity: float = DEFAULT_MIN_SIMILARITY,
    exact_limit: int = EXACT_LIMIT,
) -> list[Pair]:
    """Pairs (a < b) where b is among a's `neighbours` nearest claims of other documents or its `within`
    nearest claims of its own document, with cosine similarity ≥ `min_similarity`. Claims with identical text
    are never paired. At most n × (neighbours + within) pairs, whatever the subjects.
    """
    n = len(embeddings)
    if n < 2 or neighbours + within <= 0:
        return []
    docs = np.unique(np.asarray(documents), return_inverse=True)[1]
    found: dict[tuple[int, int], float] = {}
    normalised = [" ".join(t.lower().split()) for t in texts]
    across = _across_neighbours(embeddings, docs, neighbours, exact_limit) if neighbours > 0 else []
    for a, b, sim in (*across, *_within_neighbours(embeddings, docs, within)):
        if sim >= min_similarity and normalised[a] != normalised[b]:
            found[(min(a, b), max(a, b))] = sim
    return [Pair(a, b, sim) for (a, b), sim in sorted(found.items())]


def _across_neighbours(
    embeddings: np.ndarray, docs: np.ndarray, k: int, exact_limit: int
) -> list[tuple[int, int, float]]:
    """(claim, neighbour, similarity) for each claim's `k` nearest claims of other documents."""
    nearest, similarity = nearest_neighbours(
        embeddings, min(k, len(embeddings) - 1), exact_limit=exact_limit, documents=docs
    )
    rows, columns = np.nonzero(nearest >= 0)
    return [(int(r), int(nearest[r, c]), float(similarity[r, c])) for r, c in zip(rows, columns)]


def _within_neighbours(embeddings: np.ndarray, docs: np.ndarray, k: int) -> list[tuple[int, int, float]]:
    """(claim, neighbour, similarity) for each claim's `k` nearest claims of its own document; exact, since a
    document's claims are few (at most --max-claims-per-doc)."""
    found: list[tuple[int, int, float]] = []
    if k <= 0:
        return found
    for doc in np.unique(docs):
        members = np.flatnonzero(docs == doc)
        if len(members) < 2:
            continue
        sims = embeddings[members] @ embeddings[members].T
        np.fill_diagonal(sims, -np.inf)
        kk = min(k, len(members) - 1)
        top = np.argpartition(-sims, kk - 1, axis=1)[:, :kk]
        values = np.take_along_axis(sims, top, axis=1)
        found += [
            (int(members[r]), int(members[c]), float(v)) for r in range(len(members)) for c, v in zip(top[r], values[r])
        ]
    return found


def nearest_neighbours(
    embeddings: np.ndarray, k: int, *, exact_limit: int = EXACT_LIMIT, documents: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Each row's `k` nearest other rows by dot product (cosine for unit vectors): (n, k) indices and
    their similarities. Exact up to `exact_limit` rows, an HNSW index above; both give the same answer
    on every run. Needs 0 < k < n. With `documents` (a document number per row) only rows of other documents
    count; where a row has fewer than `k` of them, the places left hold index -1 and similarity -inf.
    """
    if len(embeddings) <= exact_limit:
        return _exact_neighbours(embeddings, k, documents)
    if documents is None:
        return _approximate_neighbours(embeddings, k)
    # The index cannot leave a document out: it is asked for more, and each row's own document is dropped.
    nearest, similarity = _approximate_neighbours(embeddings, min(k * _OVERSEARCH, len(embeddings) - 1))
    other = (nearest >= 0) & np.isfinite(similarity) & (documents[np.maximum(nearest, 0)] != documents[:, None])
    order = np.argsort(~other, axis=1, kind="stable")[:, :k]  # the other documents' first, in their order
    kept = np.take_along_axis(other, order, axis=1)
    return (
        np.where(kept, np.take_along_axis(nearest, order, axis=1), -1),
        np.where(kept, np.take_along_axis(similarity, order, axis=1), -np.inf),
    )


def _exact_neighbours(
    embeddings: np.ndarray, k: int, documents: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    # Row blocks keep memory at _ROW_BLOCK × n similarities.
    n = len(embeddings)
    nearest = np.empty((n, k), dtype=np.int64)
    similarity = np.empty((n, k), dtype=np.result_type(embeddings, np.float32))
    for first in range(0, n, _ROW_BLOCK):
        sims = embeddings[first : first + _ROW_BLOCK] @ embeddings.T
        rows = np.arange(len(sims))
        sims[rows, first + rows] = -np.inf
        if documents is not None:
            sims[documents[first : first + len(sims), None] == documents[None, :]] = -np.inf
        top = np.argpartition(-sims, k - 1, axis=1)[:, :k]
        values = np.take_along_axis(sims, top, axis=1)
        nearest[first : first + len(sims)] = np.where(np.isfinite(values), top, -1)
        similarity[first : first + len(sims)] = values
    return nearest, similarity


def _approximate_neighbours(embeddings: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    from usearch.index import BatchMatches, Index

    vectors = np.ascontiguousarray(embeddings, dtype=np.float32)
    n, dim = vectors.shape
    index = Index(
        ndim=dim,
        metric="ip",
        dtype="f32",
        connectivity=_CONNECTIVITY,
        expansion_add=_EXPANSION_ADD,
        expansion_search=_EXPANSION_SEARCH,
    )
    # One thread builds the same graph every run; parallel inserts race and the graph (so the answer) varies.
    index.add(np.arange(n, dtype=np.uint64), vectors, threads=1)
    # Searches only read the graph, so they may run in parallel. One extra result makes room for the claim itself.
    found = index.search(vectors, k + 1, threads=0)
    assert isinstance(found, BatchMatches)  # a matrix of queries gets one row of matches each
    keys = np.asarray(found.keys, dtype=np.int64)
    keys[np.arange(k + 1)[None, :] >= np.asarray(found.counts)[:, None]] = -1  # fewer results than asked
    nearest = np.empty((n, k), dtype=np.int64)
    similarity = np.empty((n, k), dtype=np.float32)
    for first in range(0, n, _ROW_BLOCK):
        block = slice(first, first + _ROW_BLOCK)
        rows = np.arange(first, min(first + _ROW_BLOCK, n))
        candidates = keys[block]
        # The index's distances are 1 − similarity in float32; recomputing the dot products gives the values
        # the exact search would, and the claim itself (or a missing result, key −1) sorts last.
        sims = np.einsum("id,ikd->ik", vectors[rows], vectors[np.maximum(candidates, 0)])
        sims[(candidates == rows[:, None]) | (candidates < 0)] = -np.inf
        order = np.argsort(-sims, axis=1, kind="stable")[:, :k]
        nearest[block] = np.take_along_axis(candidates, order, axis=1)
        similarity[block] = np.take_along_axis(sims, order, axis=1)
    return nearest, similarity


def all_pairs(n: int) -> int:
    """How many unordered pairs n claims make."""
    return n * (n - 1) // 2


def assertion_pairs(
    assertions: Sequence[Assertion],
    embeddings: np.ndarray,
    *,
    per_reason: int = DEFAULT_PAIRS_PER_REASON,
) -> list[Pair]:
    """Pairs the claim reader says may conflict, however far apart their embeddings are: the same effect
    target moved in opposite directions (or denied), a concept one claim says is absent and the other
    mentions, or two dosing claims with amounts in the same unit.

    Each such reason gives its `per_reason` most similar pairs across its two sides: all of them while the
    reason is rare, and a bound where hundreds of claims mention "virus" and a few say there was none
    (every pair would be hundreds of times a few, and the pairs would grow with the square of the corpus).
    """
    # reason → its two sides, each claim → who acts in it or holds the concept ("" unknown, see agents_agree).
    sides: dict[tuple[str, str], tuple[dict[int, set[str]], dict[int, set[str]]]] = {}
    # concept → its two sides, each claim → the words that narrow its mentions (see verdicts.same_kind).
    narrowed: dict[str, tuple[dict[int, set[str]], dict[int, set[str]]]] = {}

    def add(key: tuple[str, str], side: int, claim: int, who: str = "") -> None:
        sides.setdefault(key, ({}, {}))[side].setdefault(claim, set()).add(who)

    for i, a in enumerate(assertions):
        for effect in a.effects:
            # Raised vs lowered, or asserted vs denied: the two sides of one target.
            positive = (effect.direction > 0) != effect.negated
            add(("effect", effect.target), 0 if positive else 1, i, effect.agent)
        for side, stems in ((1, a.absences), (0, a.occurs)):
            for mention in stems:
                add(("concept", concept(mention)), side, i, a.holders.get(mention, ""))
                words = narrowed.setdefault(concept(mention), ({}, {}))[side].setdefault(i, set())
                words |= narrowing(a, mention)
        units = {q.unit for q in a.quantities}
        if a.dosing and units & DOSE_UNITS:  # a dose's amount, and its times (see verdicts.quantity_signals)
            for unit in units:
                add(("dose", unit), 0, i)
                add(("dose", unit), 1, i)
    # What each claim speaks of, as concepts: an absence and an occurrence must share one besides their own.
    about = [about_concepts(a) for a in assertions]
    found: dict[tuple[int, int], float] = {}
    for (reason, what), (left, right) in sorted(sides.items()):
        lefts, rights = np.array(sorted(left), dtype=int), np.array(sorted(right), dtype=int)
        if lefts.size == 0 or rights.size == 0:
            continue
        sims = embeddings[lefts] @ embeddings[rights].T
        # A claim on both sides (a dosing claim among the others) is not paired with itself, nor twice; nor
        # two claims whose agents cannot be one ("vitamin d reduces risk" vs "masks increase risk").
        skip = (lefts[:, None] == rights[None, :]) | ~_agents_can_agree(
            [left[i] for i in lefts], [right[j] for j in rights]
        )
        if left.keys() == right.keys():
            skip |= lefts[:, None] > rights[None, :]
        if reason == "concept":  # absent vs occurring: they must name something else in common (about()),
            skip |= ~_share_a_word([about[i] - {what} for i in lefts], [about[j] - {what} for j in rights])
            # and a narrowed absence needs its narrowing on the other side (verdicts.same_kind).
            present, absent = narrowed[what]
            kind_met = _share_a_word([present[i] or about[i] for i in lefts], [absent[j] for j in rights])
            kind_met[:, [k for k, j in enumerate(rights) if not absent[j]]] = True
            skip |= ~kind_met
            # An absence said of someone meets an occurrence said of no one only where it names them (same_holder).
            named = [set().union(*map(holder_words, right[j])) if "" not in right[j] else set() for j in rights]
            mentions = _share_a_word([about[i] for i in lefts], named)
            mentions[:, [k for k, words in enumerate(named) if not words]] = True
            mentions[[k for k, i in enumerate(lefts) if left[i] - {""}], :] = True  # both named: the agents mask
            skip |= ~mentions
        sims[skip] = -np.inf
        flat = sims.ravel()
        everything = flat.size <= per_reason
        top = np.arange(flat.size) if everything else np.argpartition(-flat, per_reason - 1)[:per_reason]
        for index in top[np.lexsort((top, -flat[top]))]:
            if np.isinf(flat[index]):
                break
            row, column = divmod(int(index), rights.size)
            first, second = int(lefts[row]), int(rights[column])
            key = (min(first, second), max(first, second))
            found[key] = float(embeddings[key[0]] @ embeddings[key[1]])
    return [Pair(a, b, sim) for (a, b), sim in sorted(found.items())]


def _share_a_word(left: Sequence[set[str]], right: Sequence[set[str]]) -> np.ndarray:
    """(len(left), len(right)) booleans: whether the two sets share a word, without comparing every pair in Python."""
    shared = np.zeros((len(left), len(right)), dtype=bool)
    rows: dict[str, list[int]] = {}
    columns: dict[str, list[int]] = {}
    for i, words in enumerate(left):
        for word in words:
            rows.setdefault(word, []).append(i)
    for j, words in enumerate(right):
        for word in words:
            columns.setdefault(word, []).append(j)
    for word in rows.keys() & columns.keys():
        shared[np.ix_(rows[word], columns[word])] = True
    return shared


def _agents_can_agree(left: list[set[str]], right: list[set[str]]) -> np.ndarray:
    """(len(left), len(right)) booleans: whether some agent named on the left and some on the right can be one
    (`agents_agree`: one unknown, or their names share a word)."""
    agree = _share_a_word(
        [{w for name in names for w in name.split()} for names in left],
        [{w for name in names for w in name.split()} for names in right],
    )
    agree[[i for i, names in enumerate(left) if "" in names], :] = True
    agree[:, [j for j, names in enumerate(right) if "" in names]] = True
    return agree


def for_claims(
    embeddings: np.ndarray,
    documents: Sequence[str],
    texts: Sequence[str],
    assertions: Sequence[Assertion],
    *,
    neighbours: int = DEFAULT_NEIGHBOURS,
    within: int = DEFAULT_NEIGHBOURS_WITHIN,
    min_similarity: float = DEFAULT_MIN_SIMILARITY,
) -> list[Pair]:
    """A scan's candidate pairs: each claim's nearest neighbours and the pairs the claim reader says may
    conflict, kept where both claims are on one footing (`on_one_footing`), each with its similarity apart from
    the topic the collection shares (`with_apart_similarity`)."""
    if len(texts) < 2:
        return []
    nearest = candidate_pairs(
        embeddings, documents, texts, neighbours=neighbours, within=within, min_similarity=min_similarity
    )
    found = on_one_footing(merge_pairs(nearest, assertion_pairs(assertions, embeddings)), assertions)
    return with_apart_similarity(found, embeddings)


def with_apart_similarity(pairs: Sequence[Pair], embeddings: np.ndarray) -> list[Pair]:
    """The pairs with their similarity apart from the topic every claim of `embeddings` shares
    (`subjects.apart_from_topic`)."""
    apart = apart_from_topic(embeddings)
    return [replace(p, apart_similarity=float(apart[p.a] @ apart[p.b])) for p in pairs]


def on_one_footing(pairs: Sequence[Pair], assertions: Sequence[Assertion]) -> list[Pair]:
    """The pairs but those of a finding and an account of what was studied (`Assertion.research`): "a trial
    looked at the effect of X on Y" reports no finding for "X does not affect Y" to contradict, while two
    accounts of what studies did can disagree, and so can an account and a claim that no such study was done."""
    return [p for p in pairs if {assertions[p.a].research, assertions[p.b].research} != {"done", ""}]


def merge_pairs(*groups: Sequence[Pair]) -> list[Pair]:
    """The union of candidate pair lists, each pair once, in (a, b) order."""
    return sorted({(p.a, p.b): p for group in groups for p in group}.values(), key=lambda p: (p.a, p.b))
