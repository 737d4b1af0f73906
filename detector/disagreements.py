"""Stage 7b: disagreements — contradicting pairs about one question, grouped, with the two sides they take.

Claims are nodes and contradictions are edges between them. Two pairs are one disagreement when they are
connected: through a claim they share (one claim contradicted by several others), or because their claims say
the same thing side to side (`same_question`: near-duplicates by their embeddings on both sides, the claim of one
pair matched to the claim of the other it is closer to). Claims that say the same thing are merged first, then
every connected group of contradictions is a disagreement, and its sides come from a two-colouring of that graph
(networkx's bipartite tools): a contradiction always has one claim on each side. When no two-colouring exists (an
odd cycle: a claim contradicts claims on both sides), the explanation says so and each such claim goes to the side
it conflicts with least. A document can be on both sides.

Nothing here reads words or a language: only which claims contradict which, and how close their embeddings are.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence

import networkx as nx
import numpy as np

from .corpus import normalise
from .records import Claim, Contradiction, Disagreement, SameQuestion, Side

# Cosine similarity at which two claims say the same thing: the default threshold of sentence-transformers'
# `community_detection` (util/retrieval.py) for sentences of one meaning, with the MiniLM embedders it ships.
SAME_QUESTION_SIMILARITY = 0.75
# Rows of the similarity matrix held at once.
_CHUNK = 1024
# Links and claims named in an explanation; the rest are counted.
_NAMED = 3

ClaimKey = tuple[str, str]


def claim_key(path: str, text: str) -> ClaimKey:
    """What identifies a claim across scans: its document's path and its normalised text (not its id, which a
    re-scan renumbers, nor its offsets, which an edit above it moves)."""
    return path, normalise(text)


def pair_id(a: ClaimKey, b: ClaimKey) -> str:
    """A pair's stable id, the same in either order: `p-` and a digest of its two claim keys."""
    return "p-" + _digest(sorted([list(a), list(b)]))


def disagreement_id(keys: Iterable[ClaimKey]) -> str:
    """A disagreement's stable id: `d-` and a digest of its claims' keys."""
    return "d-" + _digest(sorted({tuple(k) for k in keys}))


def _digest(data: object) -> str:
    return hashlib.sha256(json.dumps(data, ensure_ascii=False).encode("utf-8")).hexdigest()[:10]


def same_question(
    contradictions: Sequence[Contradiction],
    claims: Sequence[Claim],
    vectors: np.ndarray,
    *,
    similarity: float = SAME_QUESTION_SIMILARITY,
) -> list[SameQuestion]:
    """Pairs of contradictions whose claims say the same thing side to side: for (a, b) and (c, d), a ≈ c and
    b ≈ d (cosine ≥ `similarity`), and this matching fits better than the crossed one (a ≈ d, b ≈ c), which
    decides the sides: "raises prolactin" is close to "lowers prolactin" too, but closer to "increases
    prolactin". One side alone is not enough: two claims about one topic are often this close while their
    opponents dispute different things.

    `vectors` are the claims' embeddings, one row per claim of `claims`.
    """
    index = {c.id: i for i, c in enumerate(claims)}
    ids = sorted({i for c in contradictions for i in (c.a, c.b)}, key=index.__getitem__)
    if len(ids) < 4:
        return []
    picked = np.asarray(vectors, dtype=np.float64)[[index[i] for i in ids]]
    norms = np.linalg.norm(picked, axis=1, keepdims=True)
    rows = picked / np.where(norms == 0, 1, norms)
    position = {claim_id: n for n, claim_id in enumerate(ids)}
    near: dict[str, set[str]] = defaultdict(set)
    for start in range(0, len(ids), _CHUNK):
        block = rows[start : start + _CHUNK] @ rows.T
        for r, col in zip(*np.nonzero(block >= similarity), strict=True):
            if start + r != col:
                near[ids[start + r]].add(ids[col])

    def cosine(x: str, y: str) -> float:
        return float(rows[position[x]] @ rows[position[y]])

    in_pairs: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for c in contradictions:
        in_pairs[c.a].append((c.a, c.b))
        in_pairs[c.b].append((c.b, c.a))
    found: dict[frozenset[frozenset[str]], SameQuestion] = {}
    for c in contradictions:
        for a, b in ((c.a, c.b), (c.b, c.a)):
            for x in sorted(near[a], key=index.__getitem__):
                for _, y in in_pairs[x]:
                    if y not in near[b] or {x, y} & {a, b}:
                        continue
                    matched, crossed = cosine(a, x) + cosine(b, y), cosine(a, y) + cosine(b, x)
                    key = frozenset((frozenset((a, b)), frozenset((x, y))))
                    if matched > crossed and key not in found:
                        found[key] = SameQuestion(a, b, x, y, round(min(cosine(a, x), cosine(b, y)), 4))
    return sorted(found.values(), key=lambda q: (index[q.a], index[q.b], index[q.c], index[q.d]))


def group(
    contradictions: Sequence[Contradiction],
    claims: Sequence[Claim],
    paths: Mapping[str, str],
    links: Sequence[SameQuestion] = (),
) -> list[Disagreement]:
    """The disagreements among `contradictions` (strongest first, as a scan returns them): the most pairs first.

    `paths` gives each document id its path (claim keys, hence ids, use it); `links` are `same_question`'s.
    """
    by_id = {c.id: c for c in claims}
    position = {c.id: n for n, c in enumerate(claims)}
    opponents: dict[str, set[str]] = defaultdict(set)
    for c in contradictions:
        opponents[c.a].add(c.b)
        opponents[c.b].add(c.a)
    merged, used = _merge_same(opponents, links, position)
    graph = nx.Graph()
    for c in contradictions:
        graph.add_edge(merged[c.a], merged[c.b])
    component_of = {node: n for n, nodes in enumerate(nx.connected_components(graph)) for node in nodes}
    pairs_of: dict[int, list[Contradiction]] = defaultdict(list)
    for c in contradictions:
        pairs_of[component_of[merged[c.a]]].append(c)
    found = [_disagreement(pairs, merged, used, by_id, paths, position) for pairs in pairs_of.values()]
    return sorted(found, key=lambda d: (-len(d.pairs), -d.strongest.score, d.id))


def _merge_same(
    opponents: Mapping[str, set[str]], links: Sequence[SameQuestion], position: Mapping[str, int]
) -> tuple[dict[str, str], list[SameQuestion]]:
    """Each contradicting claim's group of claims that say the same thing (as one representative claim id), and
    the links used. Only links between two pairs that are both here count; strongest first; a match that would
    put two contradicting claims in one group is not made."""
    members = {claim_id: {claim_id} for claim_id in opponents}
    head = {claim_id: claim_id for claim_id in opponents}

    def apart(x: str, y: str) -> bool:
        return any(opponents[m] & members[y] for m in members[x])

    def merge(x: str, y: str) -> None:
        if x != y:
            keep, gone = sorted((x, y), key=position.__getitem__)
            for m in members.pop(gone):
                head[m] = keep
                members[keep].add(m)

    used = []
    for link in sorted(links, key=lambda q: (-q.similarity, *(position[i] for i in (q.a, q.b, q.c, q.d)))):
        if link.b not in opponents.get(link.a, ()) or link.d not in opponents.get(link.c, ()):
            continue
        a, b, c, d = (head[i] for i in (link.a, link.b, link.c, link.d))
        # Both matches or neither: half a match would put one side's claims together and not the other's.
        if apart(a, c) or apart(b, d) or {a, c} & {b, d}:
            continue
        merge(a, c)
        merge(b, d)
        used.append(link)
    return head, used


def _disagreement(
    pairs: list[Contradiction],
    merged: Mapping[str, str],
    links: Sequence[SameQuestion],
    claims: Mapping[str, Claim],
    paths: Mapping[str, str],
    position: Mapping[str, int],
) -> Disagreement:
    pairs = sorted(pairs, key=lambda c: (-c.score, position[c.a], position[c.b]))
    strongest = pairs[0]
    heads = nx.Graph()
    for c in pairs:
        heads.add_edge(merged[c.a], merged[c.b])
    colour, moved = _two_colour(heads, merged[strongest.a], merged[strongest.b], position)
    involved = sorted({i for c in pairs for i in (c.a, c.b)}, key=position.__getitem__)
    sides = tuple(
        Side(
            claims=tuple(i for i in involved if colour[merged[i]] == side),
            documents=tuple(sorted({claims[i].doc for i in involved if colour[merged[i]] == side})),
        )
        for side in (0, 1)
    )
    inside = [link for link in links if merged[link.a] in heads]
    counts = Counter(c.subject for c in pairs)
    subject = max(counts, key=lambda s: (counts[s], s == strongest.subject))
    kinds = Counter(c.kind for c in pairs)
    return Disagreement(
        id=disagreement_id(claim_key(paths[claims[i].doc], claims[i].text) for i in involved),
        subject=subject,
        sides=(sides[0], sides[1]),
        pairs=tuple(pairs),
        kinds=tuple(sorted(kinds, key=lambda k: (-kinds[k], k))),
        within_document=all(claims[c.a].doc == claims[c.b].doc for c in pairs),
        two_sided=not moved,
        explanation=_explain(pairs, inside, moved, claims, merged, position),
    )


def _two_colour(
    graph: nx.Graph, first: str, second: str, position: Mapping[str, int]
) -> tuple[dict[str, int], list[str]]:
    """Side 0 or 1 for each node — `first` on side 0 and `second`, its opponent in the strongest pair, on side 1 —
    and the nodes placed by least conflict (none if the graph is bipartite). Otherwise: a breadth-first
    colouring, then each other node in turn moves to the side where fewer of its opponents are, until no move
    lowers the conflicts; the strongest pair stays split, so side a is always its first claim's side."""
    colour = {first: 0}
    for a, b in nx.bfs_edges(graph, first, sort_neighbors=lambda nodes: sorted(nodes, key=position.__getitem__)):
        colour[b] = 1 - colour[a]
    if nx.is_bipartite(graph):
        return colour, []
    order = [first, *sorted((n for n in graph if n != first), key=position.__getitem__)]
    movable = [n for n in order if n not in (first, second)]
    moved: list[str] = []
    changed = True
    while changed:
        changed = False
        for node in movable:
            same = sum(1 for n in graph[node] if colour[n] == colour[node])
            if same > graph.degree[node] - same:
                colour[node] = 1 - colour[node]
                changed = True
    for node in order:
        if any(colour[n] == colour[node] for n in graph[node]):
            moved.append(node)
    return colour, moved


def _explain(
    pairs: list[Contradiction],
    links: Sequence[SameQuestion],
    moved: list[str],
    claims: Mapping[str, Claim],
    merged: Mapping[str, str],
    position: Mapping[str, int],
) -> str:
    """Why these pairs are one disagreement, in a sentence a reader can check against the claims."""
    if len(pairs) == 1:
        parts = ["one pair: no other pair shares a claim with it or says the same thing on both sides"]
    else:
        parts = [f"{len(pairs)} pairs"]
        degree = Counter(i for c in pairs for i in (c.a, c.b))
        hubs = sorted((i for i, n in degree.items() if n > 1), key=lambda i: (-degree[i], position[i]))
        if hubs:
            named = ", ".join(f"{i} ({claims[i].doc}) in {degree[i]}" for i in hubs[:_NAMED])
            more = f" and {len(hubs) - _NAMED} more" if len(hubs) > _NAMED else ""
            parts.append(f"joined through claims in more than one pair: {named}{more}")
        if links:
            named = ", ".join(
                f"{link.a}–{link.b} ≈ {link.c}–{link.d} (cosine ≥ {link.similarity:.2f})" for link in links[:_NAMED]
            )
            more = f" and {len(links) - _NAMED} more" if len(links) > _NAMED else ""
            parts.append(f"through pairs whose claims say the same thing side to side: {named}{more}")
    if moved:
        stuck = sorted((i for c in pairs for i in (c.a, c.b) if merged[i] in moved), key=position.__getitem__)
        named = ", ".join(dict.fromkeys(stuck[:_NAMED]))
        parts.append(
            "not two-sided: the contradictions form an odd cycle, so "
            f"{named}{' and others' if len(set(stuck)) > _NAMED else ''} contradict claims on their own side; "
            "each claim is on the side it conflicts with least"
        )
    else:
        parts.append("every pair has one claim on each side")
    return "; ".join(parts)
