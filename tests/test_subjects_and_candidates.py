"""Stages 4 and 5: subjects with readable labels, and candidate pairs that are never all pairs."""

from __future__ import annotations

import math

import numpy as np

from detector.candidates import (
    all_pairs,
    assertion_pairs,
    candidate_pairs,
    for_claims,
    merge_pairs,
    nearest_neighbours,
    on_one_footing,
)
from detector.reader.assertions import Assertion, Effect, Quantity
from detector.records import Claim, Pair
from detector.subjects import TOPIC_HALF_WEIGHT, apart_from_topic, cluster, cosine_distances, label_subjects

from .conftest import BagOfWordsEmbedder


def claims_of(texts: list[str]) -> list[Claim]:
    return [Claim(f"c{i + 1:04d}", "d.txt", t, 0, len(t), 1, 1) for i, t in enumerate(texts)]


TEXTS = [
    "Kratom stimulates prolactin release in athletes.",
    "Kratom suppresses prolactin secretion in patients.",
    "Kratom increases prolactin levels after exercise.",
    "Hair loss from kratom grows back after stopping.",
    "Kratom users report no hair loss at all.",
    "Hair loss with kratom is permanent for some users.",
]


def test_clusters_group_claims_about_the_same_subject_and_label_them() -> None:
    vectors = BagOfWordsEmbedder().encode(TEXTS)
    clusters = cluster(vectors, similarity=0.2)
    assert len(set(clusters[:3])) == 1 and len(set(clusters[3:])) == 1 and clusters[0] != clusters[3]
    subjects = label_subjects(claims_of(TEXTS), clusters)
    assert [s.id for s in subjects] == ["s01", "s02"]
    assert subjects[0].label == "kratom · prolactin"
    # Where the group's claims all use several words, the one most claims of the collection use comes first.
    assert subjects[1].label == "kratom · hair"
    assert subjects[0].claims == ("c0001", "c0002", "c0003")


def test_a_claim_alone_is_labelled_by_the_collections_word_and_one_of_its_own() -> None:
    # Every word of a claim alone is used by all of its group: the label starts with the one most claims of the
    # collection use, not with the first in the alphabet ("allows"), and goes on with its longest word.
    texts = [*TEXTS, "Kratom allows better rest without sedating anyone."]
    clusters = np.array([0, 0, 0, 1, 1, 1, 2])
    assert label_subjects(claims_of(texts), clusters)[2].label == "kratom · sedating"


def test_clustering_is_deterministic_and_numbered_by_first_appearance() -> None:
    vectors = BagOfWordsEmbedder().encode(TEXTS[::-1])
    first = cluster(vectors, similarity=0.2)
    assert list(first) == list(cluster(vectors, similarity=0.2))
    assert first[0] == 0


def test_empty_and_single_inputs() -> None:
    assert len(cluster(np.zeros((0, 4)))) == 0
    assert list(cluster(np.ones((1, 4)) / 2)) == [0]
    assert label_subjects([], np.zeros(0, dtype=int)) == []


def test_candidates_are_bounded_by_neighbours_and_skip_identical_texts() -> None:
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(300, 16)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    docs = [f"d{i % 10}" for i in range(300)]
    texts = [f"claim {i}" for i in range(300)]
    pairs = candidate_pairs(vectors, docs, texts, neighbours=5, within=2, min_similarity=-1.0)
    assert 0 < len(pairs) <= 300 * 7 < all_pairs(300)
    assert all(p.a < p.b for p in pairs)
    assert len({(p.a, p.b) for p in pairs}) == len(pairs)


def test_all_neighbours_and_no_bar_make_every_pair_a_candidate() -> None:
    # What scripts/exhaustive_benchmark.py relies on to scan a corpus exhaustively.
    rng = np.random.default_rng(1)
    vectors = rng.normal(size=(40, 8)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    docs = [f"d{i % 3}" for i in range(40)]
    texts = [f"claim {i}" for i in range(39)] + ["claim 0"]  # the last repeats the first: never paired
    pairs = candidate_pairs(vectors, docs, texts, neighbours=39, within=39, min_similarity=-1.0)
    assert {(p.a, p.b) for p in pairs} == {(a, b) for a in range(40) for b in range(a + 1, 40)} - {(0, 39)}


def test_candidates_are_the_nearest_claims_of_other_documents_and_of_the_claims_own() -> None:
    # Claim 0's nearest claims are in its own document (1, 2); with one neighbour across documents and one
    # within, it is paired with 1 (its own document's nearest) and 3 (the other document's nearest), not 2.
    vectors = np.array([[1, 0], [0.99, 0.14], [0.98, 0.2], [0.9, 0.436], [0, 1]], dtype=np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    docs = ["a", "a", "a", "b", "b"]
    texts = ["zero", "one", "two", "three", "four"]
    pairs = {(p.a, p.b) for p in candidate_pairs(vectors, docs, texts, neighbours=1, within=1, min_similarity=0.5)}
    assert (0, 1) in pairs and (0, 3) in pairs and (0, 2) not in pairs
    # "four" is no nearer than 0.5 to anything: never paired, whatever the neighbour counts.
    assert not any(4 in pair for pair in pairs)


def test_candidates_do_not_depend_on_the_subject_clusters() -> None:
    # Two phrasings of one question that a clustering could split into two subjects are still paired.
    texts = ["kratom stimulates prolactin release", "prolactin levels fall with kratom use", "tea is hot"]
    vectors = BagOfWordsEmbedder().encode(texts)
    pairs = candidate_pairs(vectors, ["a.txt", "b.txt", "c.txt"], texts, neighbours=1, within=0, min_similarity=0.1)
    assert (0, 1) in {(p.a, p.b) for p in pairs}


def test_the_claim_reader_pairs_conflicting_claims_however_far_apart_their_embeddings() -> None:
    raises = Assertion("claim", effects=(Effect("kratom", "prolactin", 1, "stimulates", False),))
    lowers = Assertion("claim", effects=(Effect("kratom", "prolactin", -1, "suppresses", False),))
    denies = Assertion("claim", effects=(Effect("kratom", "prolactin", 1, "raise", True),))
    # An absence and an occurrence must name something else in common: kratom here.
    # "drowsiness" and "somnolence": one concept (WordNet's, see detector/reader/data/concepts.tsv).
    absent = Assertion("claim", absences=("drowsi",), phrases={"drowsi": "drowsiness", "kratom": "kratom"})
    occurs = Assertion("claim", occurs=("somnol", "toler"), phrases={"somnol": "somnolence", "kratom": "kratom"})
    grams = Quantity(1.0, 3.0, "gram", "1-3 grams")
    dose_a = Assertion("claim", quantities=(Quantity(0.5, 0.5, "gram", "500mg"),), dosing=True)
    dose_b = Assertion("claim", quantities=(grams,), dosing=True)
    unrelated = Assertion("claim", occurs=("weather",))
    assertions = [raises, lowers, denies, absent, occurs, dose_a, dose_b, unrelated]
    # Orthogonal embeddings: no two claims are neighbours, so only the reader can pair them.
    pairs = assertion_pairs(assertions, np.eye(len(assertions), dtype=np.float32))
    assert [(p.a, p.b) for p in pairs] == [(0, 1), (0, 2), (3, 4), (5, 6)]
    # Each reason gives its most similar pairs across its two sides (2 lowers × 4 raises here), up to a bound.
    many = [lowers, lowers] + [raises] * 4
    vectors = np.array([[1, 0], [0, 1], [1, 0.1], [0.1, 1], [0.7, 0.6], [0.6, 0.7]], dtype=np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)

    def chosen(per_reason: int, claims: list[Assertion] = many) -> list[tuple[int, int]]:
        return [(p.a, p.b) for p in assertion_pairs(claims, vectors, per_reason=per_reason)]

    # Cosines of lowers 0 with raises 2, 4, 5, 3: 0.995, 0.759, 0.651, 0.100; lowers 1 mirrors it.
    assert chosen(2) == [(0, 2), (1, 3)]
    assert chosen(4) == [(0, 2), (0, 4), (1, 3), (1, 5)]
    assert len(chosen(8)) == len(chosen(100)) == 8  # every lowers × raises pair
    # Dosing claims are one side against itself: each pair once, no claim with itself.
    doses = [dose_a, dose_b, dose_a, dose_b, dose_a, dose_b]
    assert chosen(100, doses) == [(a, b) for a in range(6) for b in range(a + 1, 6)]
    assert chosen(1, doses) == [(0, 2)]  # the two most alike: [1, 0] and [1, 0.1]


def test_the_claim_reader_does_not_pair_claims_whose_agents_cannot_be_one() -> None:
    def effect(agent: str, direction: int) -> Assertion:
        return Assertion("claim", effects=(Effect(agent, "infection", direction, "reduces", False),))

    def holder(name: str, *, absent: bool, about: str = "remdesivir") -> Assertion:
        said = {"absences" if absent else "occurs": ("access",)}
        return Assertion("claim", **said, holders={"access": name}, phrases={"access": "access", about: about})

    claims = [
        effect("vitamin d", -1),
        effect("face mask", 1),  # another agent: not paired with 0
        effect("vitamin d supplement", 1),  # shares "vitamin d": paired with 0
        effect("", 1),  # agent unknown ("this herb"): paired with 0
        holder("gilead", absent=False),
        holder("patient", absent=True),  # access absent for patients, given by gilead: not paired with 4
        holder("", absent=True),  # paired with 4
        holder("", absent=True, about="broadband"),  # nothing else in common with 4: not paired
    ]
    vectors = np.eye(len(claims), dtype=np.float32)
    assert [(p.a, p.b) for p in assertion_pairs(claims, vectors)] == [(0, 2), (0, 3), (4, 6)]
    # The bound counts only pairs that can conflict: the one pair left is chosen, not a closer impossible one.
    vectors = np.array([[1, 0], [1, 0], [0, 1], [0, 1], [0, 1], [0, 1], [0, 1]], dtype=np.float32)
    assert [(p.a, p.b) for p in assertion_pairs(claims[:3], vectors[:3], per_reason=1)] == [(0, 2)]


def test_merged_candidates_hold_each_pair_once() -> None:
    first = [Pair(0, 1, 0.9), Pair(2, 3, 0.8)]
    second = [Pair(0, 1, 0.9), Pair(1, 2, 0.1)]
    assert [(p.a, p.b) for p in merge_pairs(first, second)] == [(0, 1), (1, 2), (2, 3)]


def unit_vectors(n: int, dim: int, seed: int = 0) -> np.ndarray:
    vectors = np.random.default_rng(seed).normal(size=(n, dim)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def test_the_approximate_index_finds_the_exact_neighbours() -> None:
    # Random vectors in the embedder's 384 dimensions have no clusters to help the index: a hard case.
    vectors = unit_vectors(2500, 384)
    exact, exact_sims = nearest_neighbours(vectors, 12)
    approximate, approximate_sims = nearest_neighbours(vectors, 12, exact_limit=0)
    recall = np.mean([len(set(e) & set(a)) / 12 for e, a in zip(exact, approximate)])
    assert recall >= 0.95
    assert not (approximate == np.arange(2500)[:, None]).any()  # never a claim's own neighbour
    # Similarities are the vectors' dot products, best first.
    rows = np.arange(2500)[:, None]
    assert np.allclose(approximate_sims, np.einsum("id,ikd->ik", vectors, vectors[approximate]), atol=1e-6)
    assert (np.diff(approximate_sims, axis=1) <= 0).all()
    assert np.allclose(np.sort(exact_sims, axis=1), np.sort((vectors @ vectors.T)[rows, exact], axis=1))


def test_candidates_from_the_approximate_index_are_the_same_every_run_and_match_the_exact_ones() -> None:
    vectors = unit_vectors(3000, 32, seed=1)
    docs = [f"d{i // 30}" for i in range(3000)]
    texts = [f"claim {i}" for i in range(3000)]

    def pairs(exact_limit: int) -> list[tuple[int, int, float]]:
        found = candidate_pairs(vectors, docs, texts, min_similarity=0.3, exact_limit=exact_limit)
        return [(p.a, p.b, p.similarity) for p in found]

    first, again, exact = pairs(0), pairs(0), pairs(10_000)
    assert first == again
    kept = {(a, b) for a, b, _ in first} & {(a, b) for a, b, _ in exact}
    assert len(first) > 0 and len(kept) >= 0.98 * len(exact)


def test_subject_clusters_are_scikit_learns_average_linkage_cut() -> None:
    from scipy.spatial.distance import pdist
    from sklearn.cluster import AgglomerativeClustering

    rng = np.random.default_rng(7)
    centres = rng.normal(size=(12, 16))
    vectors = centres[rng.integers(0, 12, size=300)] + rng.normal(scale=0.6, size=(300, 16))
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    assert np.allclose(cosine_distances(vectors), pdist(vectors, "cosine"))
    for similarity in (0.3, 0.55, 0.8):
        # The plain cut (nothing taken out), and the cut once the collection's shared topic is taken out.
        for half_weight, rows in ((math.inf, vectors), (TOPIC_HALF_WEIGHT, apart_from_topic(vectors))):
            expected = AgglomerativeClustering(
                n_clusters=None, metric="cosine", linkage="average", distance_threshold=1.0 - similarity
            ).fit_predict(rows)
            found = cluster(vectors.astype(np.float32), similarity=similarity, half_weight=half_weight)
            # The same partition (cluster() numbers clusters by first appearance).
            pairs = {(int(a), int(b)) for a, b in zip(expected, found)}
            assert len(pairs) == len(set(expected)) == len(set(found.tolist())) > 1


def one_topic(claims: int, questions: int, noise: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Unit vectors of a collection about one thing (a strong direction every claim has), each claim about one of
    `questions` questions (a direction of its own); and each claim's question."""
    rng = np.random.default_rng(seed)
    basis = np.eye(2 * questions + 10)
    question = np.arange(claims) % questions
    vectors = 2.0 * basis[0] + basis[1 + question] + rng.normal(scale=noise, size=(claims, len(basis)))
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True), question


def test_a_topic_every_claim_shares_does_not_make_them_one_subject() -> None:
    # Sixty claims about one thing and three questions: by the plain cut they are one subject; with the shared
    # topic taken out, the three questions.
    vectors, question = one_topic(60, 3, 0.1, seed=3)
    assert len(set(cluster(vectors, half_weight=math.inf).tolist())) == 1
    found = cluster(vectors)
    assert {(int(q), int(f)) for q, f in zip(question, found)} == {(0, 0), (1, 1), (2, 2)}


def test_the_mean_of_a_few_claims_is_mostly_those_claims() -> None:
    # Two claims that say nearly the same: their mean is themselves, and taking it all out would leave them
    # pointing apart. Weighted by how few they are, they stay one subject.
    first = np.array([1.0, 0.3, 0.0])
    second = np.array([1.0, 0.0, 0.3])
    vectors = np.vstack([first, second]) / np.linalg.norm(first)
    assert list(cluster(vectors)) == [0, 0]
    weight = 2 / (2 + TOPIC_HALF_WEIGHT)
    expected = vectors - weight * vectors.mean(axis=0)
    assert np.allclose(apart_from_topic(vectors), expected / np.linalg.norm(expected, axis=1, keepdims=True))


def test_pairs_are_kept_on_one_footing() -> None:
    finding, done, denied = (
        Assertion("claim"),
        Assertion("claim", research="done"),
        Assertion("claim", research="denied"),
    )
    read = [finding, done, finding, done, denied]
    pairs = [Pair(0, 1, 0.9), Pair(0, 2, 0.8), Pair(1, 3, 0.7), Pair(2, 3, 0.6), Pair(0, 4, 0.5), Pair(1, 4, 0.4)]
    # A finding is never set against an account of a study; a gap in the evidence is set against both.
    assert [(p.a, p.b) for p in on_one_footing(pairs, read)] == [(0, 2), (1, 3), (0, 4), (1, 4)]


def test_candidate_pairs_carry_their_similarity_apart_from_the_collections_topic() -> None:
    # Claims of one collection about one thing, each about one of two questions: every pair is near by the
    # topic; apart from it, only the pairs about one question are.
    vectors, question = one_topic(40, 2, 0.05, seed=5)
    docs = [f"d{i}.txt" for i in range(40)]
    pairs = for_claims(vectors, docs, [f"claim {i}" for i in range(40)], [Assertion("claim")] * 40, neighbours=39)
    apart = apart_from_topic(vectors)
    assert pairs and all(p.apart() == p.apart_similarity for p in pairs)
    assert all(abs(p.apart_similarity - float(apart[p.a] @ apart[p.b])) < 1e-9 for p in pairs)
    one = [p for p in pairs if question[p.a] == question[p.b]]
    two = [p for p in pairs if question[p.a] != question[p.b]]
    assert min(p.similarity for p in two) > 0.7  # near by the topic alone
    assert max(p.apart_similarity for p in two) < min(p.apart_similarity for p in one)
    assert max(p.apart_similarity for p in two) < min(p.similarity for p in two) - 0.3
    # A pair made by hand knows no collection: the plain similarity stands in.
    assert Pair(0, 1, 0.8).apart() == 0.8


def test_a_zero_vector_stays_zero_and_counts_in_no_mean() -> None:
    rows = np.array([[1.0, 0.0], [0.0, 1.0], [0.0, 0.0]])
    apart = apart_from_topic(rows)
    assert np.allclose(apart[2], 0.0)
    assert np.allclose(apart[:2], apart_from_topic(rows[:2]))


def test_two_subjects_labelled_alike_each_add_their_next_term() -> None:
    # By their first two terms both subjects are "children · melatonin"; each adds the term that sets it apart.
    texts = [
        *["Melatonin is for children.", "Melatonin calms children.", "Melatonin is for children."],
        *["Melatonin is for children.", "Melatonin worries children.", "Melatonin is for children."],
        "Hair loss from kratom grows back.",
    ]
    labels = [s.label for s in label_subjects(claims_of(texts), np.array([0, 0, 0, 1, 1, 1, 2]))]
    assert labels[:2] == ["children · melatonin · calms", "children · melatonin · worries"]
    assert labels[2] == "grows · kratom"  # a label no other subject has keeps two terms
