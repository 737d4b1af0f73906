"""Stages 4 and 5: subjects with readable labels, and candidate pairs that are never all pairs."""

from __future__ import annotations

import numpy as np

from detector.candidates import all_pairs, candidate_pairs
from detector.records import Claim
from detector.subjects import cluster, label_subjects

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
    assert subjects[1].label == "hair · loss"
    assert subjects[0].claims == ("c0001", "c0002", "c0003")


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
    clusters = np.zeros(300, dtype=int)
    texts = [f"claim {i}" for i in range(300)]
    pairs = candidate_pairs(vectors, clusters, texts, neighbours=5, min_similarity=-1.0)
    assert 0 < len(pairs) <= 300 * 5 < all_pairs(300)
    assert all(p.a < p.b for p in pairs)
    assert len({(p.a, p.b) for p in pairs}) == len(pairs)


def test_candidates_need_a_shared_subject_or_a_very_close_neighbour() -> None:
    vectors = np.array([[1, 0], [0.9, 0.436], [0.6, 0.8], [1, 0.001]], dtype=np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    texts = ["a one", "b two", "c three", "A  ONE"]
    clusters = np.array([0, 1, 0, 0])
    pairs = {
        (p.a, p.b)
        for p in candidate_pairs(
            vectors, clusters, texts, neighbours=3, min_similarity=0.5, cross_subject_similarity=0.95
        )
    }
    # 0–1 are close (0.9) but in different subjects; 0–3 have the same text once normalised.
    assert pairs == {(0, 2), (2, 3)}
