"""The sentence-embedding side of the theme classifier: how close a text's e5 vector is to the
phrases that name each theme (its label, description, keywords and the general vocabulary it
picked up) and to the feedback staff filed under it. It finds themes for texts that share no
word with them ("Un rucher en ville" is about green spaces); numpy only at run time."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

if TYPE_CHECKING:  # embeddings imports the theme classifier's stems: no cycle at run time
    from chalicelib.analysis.embeddings import Embedder

FloatArray = NDArray[np.float64]

# A theme's closeness is the mean of its TOP_PHRASES best phrases: one lucky phrase is noise,
# the mean of all of them drowns the one that fits (5 was best on the tuning data; 1 and 3
# lost 1 to 3 points).
TOP_PHRASES = 5
# Phrases and corrections are embedded once per process: a classifier is rebuilt every few
# minutes, and the default themes name about 500 phrases (5 s of e5 on one core).
_CACHE_SIZE = 20_000
_cache: OrderedDict[tuple[str, str], FloatArray] = OrderedDict()
# Classifiers of several communes may be built at once (the pipeline builds outside its lock).
_cache_lock = threading.Lock()


def embed_cached(embedder: Embedder, texts: Sequence[str]) -> FloatArray:
    """One row per text, from the process-wide cache where it can, the embedder otherwise."""
    if not texts:
        return np.zeros((0, embedder.dimension), dtype=np.float64)
    with _cache_lock:
        found = {t: _cache[(embedder.name, t)] for t in texts if (embedder.name, t) in _cache}
    missing = [t for t in dict.fromkeys(texts) if t not in found]
    if missing:
        fresh = embedder.embed(missing)
        found.update(zip(missing, fresh, strict=True))
        with _cache_lock:
            _cache.update(((embedder.name, t), v) for t, v in zip(missing, fresh, strict=True))
            while len(_cache) > _CACHE_SIZE:
                _cache.popitem(last=False)
    return np.vstack([found[t] for t in texts])


def _centred(similarities: FloatArray) -> FloatArray:
    # e5 puts any two French sentences at a cosine of 0.8 or so; what tells themes apart is
    # how much closer a text is to one than to the others.
    centred: FloatArray = similarities - similarities.mean()
    return centred


@dataclass(frozen=True)
class ThemeVectors:
    """Per theme, in the classifier's order: the e5 vectors of the phrases naming it, and the
    mean vector of its corrections (a zero row for a theme without any)."""

    phrases: tuple[FloatArray, ...]
    corrections: FloatArray | None

    @classmethod
    def build(
        cls,
        embedder: Embedder,
        phrases: Sequence[Sequence[str]],
        corrections: Sequence[Sequence[str]] = (),
    ) -> ThemeVectors:
        flat = [p for theme in phrases for p in theme]
        vectors = embed_cached(embedder, flat)
        split: list[FloatArray] = []
        start = 0
        for theme in phrases:
            split.append(vectors[start : start + len(theme)])
            start += len(theme)
        centroids = None
        if any(corrections):
            centroids = np.zeros((len(phrases), embedder.dimension), dtype=np.float64)
            for row, texts in enumerate(corrections):
                if texts:
                    mean = embed_cached(embedder, list(texts)).mean(axis=0)
                    norm = float(np.linalg.norm(mean))
                    centroids[row] = mean / norm if norm > 0 else mean
        return cls(phrases=tuple(split), corrections=centroids)

    def phrase_scores(self, vector: FloatArray) -> FloatArray:
        """Per theme, the mean cosine of its TOP_PHRASES closest phrases, centred on the
        themes' mean (positive: closer than average)."""
        similarities = np.array(
            [_top_mean(matrix @ vector) for matrix in self.phrases], dtype=np.float64
        )
        return _centred(similarities)

    def correction_scores(self, vector: FloatArray) -> FloatArray:
        """Per theme, the cosine to its corrections' mean vector, centred on the themes that
        have corrections; 0 for a theme without any."""
        if self.corrections is None:
            return np.zeros(len(self.phrases), dtype=np.float64)
        has = np.linalg.norm(self.corrections, axis=1) > 0
        similarities = self.corrections @ vector
        out = np.zeros(len(self.phrases), dtype=np.float64)
        out[has] = _centred(similarities[has])
        return out


def _top_mean(similarities: FloatArray) -> float:
    if similarities.size == 0:
        return 0.0
    k = min(TOP_PHRASES, similarities.size)
    return float(np.partition(similarities, -k)[-k:].mean())
