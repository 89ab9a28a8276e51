"""Bytes for what topics store: one embedding per verbatim (float16, 768 bytes for e5, so a
rebuild never re-embeds) and a commune's topic model (JSON with float16 centroids), both
small enough for one DynamoDB item."""

from __future__ import annotations

import base64
import json
from typing import Any

import numpy as np

from chalicelib.analysis.topics import FloatArray, Topic, TopicModel, TopicParams

CODEC_VERSION = 1


def encode_embedding(vector: FloatArray) -> bytes:
    """float16 keeps cosines to about 1e-3, far below the thresholds' resolution."""
    return np.asarray(vector, dtype="<f2").tobytes()


def decode_embedding(blob: bytes) -> FloatArray:
    return np.frombuffer(blob, dtype="<f2").astype(np.float64)


def encode_model(model: TopicModel) -> str:
    document: dict[str, Any] = {
        "v": CODEC_VERSION,
        "embedder": model.embedder,
        "params": [model.params.merge, model.params.assign, model.params.keep],
        "minSize": model.params.min_size,
        "centre": model.params.centre,
        "mean": None
        if model.mean is None
        else base64.b64encode(encode_embedding(model.mean)).decode("ascii"),
        "topics": [
            {
                "id": topic.id,
                "label": topic.label,
                "size": topic.size,
                "quotes": list(topic.quotes),
                "centroid": base64.b64encode(encode_embedding(topic.centroid)).decode("ascii"),
            }
            for topic in model.topics
        ],
    }
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"))


def decode_model(text: str) -> TopicModel:
    """Raises ValueError on a document this code did not write."""
    document = json.loads(text)
    if not isinstance(document, dict) or document.get("v") != CODEC_VERSION:
        raise ValueError("unknown topic model version")
    merge, assign, keep = (float(value) for value in document["params"])
    params = TopicParams(merge, assign, keep, int(document["minSize"]), bool(document["centre"]))
    mean = document.get("mean")
    topics = tuple(
        Topic(
            str(item["id"]),
            str(item["label"]),
            decode_embedding(base64.b64decode(item["centroid"])),
            int(item["size"]),
            tuple(str(quote) for quote in item["quotes"]),
        )
        for item in document["topics"]
    )
    return TopicModel(
        str(document["embedder"]),
        topics,
        params,
        None if mean is None else decode_embedding(base64.b64decode(mean)),
    )
