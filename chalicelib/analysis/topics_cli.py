"""`python -m chalicelib.analysis topics`: the engine the worker and the rebuild run, on JSON
lines, so benchmarks and held-out evaluation call exactly the shipped code."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

import numpy as np

from chalicelib.analysis.embeddings import Embedder, topic_embedder
from chalicelib.analysis.pii import mask
from chalicelib.analysis.topics import build_topics, params_for

_EMBED_BATCH = 64


def run_topics(
    lines: Iterable[str], *, min_size: int | None = None, embedder: Embedder | None = None
) -> Iterator[str]:
    """One output line per input line, in order: {"id", "topic", "label"}; a line that is not
    {"id", "text": str} gets {"id", "topic": null, "label": null, "error"}. Texts are masked
    before anything is labelled or quoted."""
    embedder = embedder or topic_embedder()
    parsed = [_parse(line) for line in lines]
    valid = [index for index, item in enumerate(parsed) if "error" not in item]
    texts = [mask(str(parsed[index]["text"])) for index in valid]
    keys = [str(parsed[index]["id"]) for index in valid]
    vectors = _embed(embedder, texts)
    clustering = build_topics(
        vectors,
        texts,
        keys,
        embedder=embedder.name,
        params=params_for(embedder.name, min_size),
    )
    labels = {topic.id: topic.label for topic in clustering.model.topics}
    results: dict[int, str | None] = dict(zip(valid, clustering.assignments, strict=True))
    for index, item in enumerate(parsed):
        if "error" in item:
            yield json.dumps({"id": item.get("id"), "topic": None, "label": None, **item})
            continue
        topic = results[index]
        out = {"id": item["id"], "topic": topic, "label": labels[topic] if topic else None}
        yield json.dumps(out, ensure_ascii=False)


def _embed(embedder: Embedder, texts: list[str]) -> np.ndarray[Any, np.dtype[np.float64]]:
    if not texts:
        return np.zeros((0, embedder.dimension), dtype=np.float64)
    batches = [
        embedder.embed(texts[start : start + _EMBED_BATCH])
        for start in range(0, len(texts), _EMBED_BATCH)
    ]
    return np.vstack(batches)


def _parse(line: str) -> dict[str, Any]:
    try:
        data = json.loads(line)
    except json.JSONDecodeError:
        return {"error": "not a JSON line"}
    if not isinstance(data, dict) or not isinstance(data.get("text"), str):
        identifier = data.get("id") if isinstance(data, dict) else None
        return {"id": identifier, "error": 'expected {"id": ..., "text": "..."}'}
    return {"id": data.get("id"), "text": data["text"]}
