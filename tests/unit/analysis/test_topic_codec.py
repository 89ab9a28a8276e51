"""Stored forms of embeddings and topic models: round trips that keep assignments."""

from __future__ import annotations

import numpy as np
import pytest

from chalicelib.analysis.embeddings import HashedEmbedder
from chalicelib.analysis.topic_codec import (
    decode_embedding,
    decode_model,
    encode_embedding,
    encode_model,
)
from chalicelib.analysis.topics import TopicParams, build_topics, params_for
from tests.unit.analysis.test_topics import CANTEEN, LIGHTS, PARKING

pytestmark = pytest.mark.unit


def test_an_embedding_round_trips_in_two_bytes_per_value() -> None:
    vector = HashedEmbedder().embed(["Stationnement à la gare"])[0]
    blob = encode_embedding(vector)
    assert len(blob) == 2 * len(vector)
    assert np.allclose(decode_embedding(blob), vector, atol=1e-3)


def test_a_stored_model_assigns_like_the_one_built() -> None:
    embedder = HashedEmbedder()
    texts = PARKING + CANTEEN + LIGHTS
    vectors = embedder.embed(texts)
    built = build_topics(
        vectors,
        texts,
        [str(i) for i in range(len(texts))],
        embedder=embedder.name,
        params=params_for(embedder.name, 4),
    ).model
    stored = decode_model(encode_model(built))
    assert stored.embedder == built.embedder
    assert stored.params == built.params
    assert [(t.id, t.label, t.size, t.quotes) for t in stored.topics] == [
        (t.id, t.label, t.size, t.quotes) for t in built.topics
    ]
    assert stored.assign(vectors) == built.assign(vectors)


def test_an_unknown_document_is_refused() -> None:
    with pytest.raises(ValueError, match="version"):
        decode_model('{"v": 99}')


def test_a_centred_model_keeps_its_mean() -> None:
    embedder = HashedEmbedder()
    texts = PARKING + CANTEEN + LIGHTS
    vectors = embedder.embed(texts)
    base = params_for("hashed", 4)
    params = TopicParams(base.merge, base.assign, base.keep, base.min_size, centre=True)
    built = build_topics(
        vectors, texts, [str(i) for i in range(len(texts))], embedder="hashed", params=params
    ).model
    stored = decode_model(encode_model(built))
    assert stored.mean is not None and built.mean is not None
    assert np.allclose(stored.mean, built.mean, atol=1e-3)
    assert stored.assign(vectors) == built.assign(vectors)
