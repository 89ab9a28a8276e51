"""What topics cost the analysis worker and the rebuild: the nearest-topic assignment of one
opinion, decoding a stored model, embedding a masked text again (when the sentiment head's
vector cannot be reused), and a rebuild from N stored verbatims (in-memory store: the
clustering and the bookkeeping, without DynamoDB's reads and writes).

    .venv/bin/python bench/topics_ingest.py [N ...]   (default 1000 5000 10000)

The rebuild uses the BBC e5 vectors bench/topics.py caches when they are there (more
realistic clusters), else random unit vectors."""

from __future__ import annotations

import os
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from chalicelib.analysis.embeddings import E5_DIMENSION, topic_embedder  # noqa: E402
from chalicelib.analysis.topic_codec import (  # noqa: E402
    decode_embedding,
    decode_model,
    encode_embedding,
    encode_model,
)
from chalicelib.analysis.topics import Topic, TopicModel, params_for  # noqa: E402
from chalicelib.domain.threads import Channel, Sentiment  # noqa: E402
from chalicelib.domain.topics import Verbatim  # noqa: E402
from chalicelib.services import topic_rebuild  # noqa: E402
from tests.fakes import BIOT, memory_ports  # noqa: E402

# Where bench/topics.py caches the vectors it embedded.
CACHE = Path(os.environ.get("TOPICS_BENCH_CACHE") or Path(tempfile.gettempdir()) / "topics-bench")
BBC = CACHE / "bbc-e5-2225-500.npy"
TEXT = (
    "Le lampadaire de la rue Victor Hugo est éteint depuis trois semaines, c'est dangereux "
    "le soir pour les enfants qui rentrent de l'école."
)


def unit_rows(count: int, rng: np.random.Generator) -> np.ndarray:
    rows = rng.normal(size=(count, E5_DIMENSION))
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def per_call_ms(call, repeat: int) -> float:  # type: ignore[no-untyped-def]
    call()
    started = time.perf_counter()
    for _ in range(repeat):
        call()
    return (time.perf_counter() - started) / repeat * 1000


def ingest_costs() -> None:
    rng = np.random.default_rng(18)
    for topics in (10, 50, 150):
        centroids = unit_rows(topics, rng)
        model = TopicModel(
            "e5",
            tuple(
                Topic(f"tp{i}", f"Sujet {i}", c, 10, ("citation " * 30,) * 3)
                for i, c in enumerate(centroids)
            ),
            params_for("e5"),
            unit_rows(1, rng)[0],
        )
        stored = encode_model(model)
        vector = decode_embedding(encode_embedding(unit_rows(1, rng)[0]))[None, :]
        assign = per_call_ms(lambda m=model, v=vector: m.assign(v), 2000)
        decode = per_call_ms(lambda s=stored: decode_model(s), 200)
        print(
            f"model of {topics:>3} topics ({len(stored) // 1024:>3} KiB): "
            f"assign {assign:.3f} ms/opinion, decode {decode:.2f} ms"
        )
    embedder = topic_embedder()
    embed = per_call_ms(lambda: embedder.embed([TEXT]), 10)
    print(f"embedding one masked text again ({embedder.name}): {embed:.1f} ms")


def rebuild_costs(sizes: list[int]) -> None:
    rng = np.random.default_rng(18)
    source = np.load(BBC) if BBC.exists() else unit_rows(2_225, rng)
    print(f"rebuild vectors: {'BBC e5' if BBC.exists() else 'random'}")
    for size in sizes:
        ports = memory_ports()
        now = ports.clock()
        for index in range(size):
            row = source[index % len(source)] + rng.normal(0, 0.01, E5_DIMENSION)
            ports.topics.add(
                Verbatim(
                    BIOT,
                    f"m{index:06d}",
                    f"t{index:06d}",
                    now - timedelta(minutes=size - index),
                    "voirie",
                    None,
                    Channel.WEB,
                    Sentiment.NEUTRAL,
                    "e5",
                    encode_embedding(row / np.linalg.norm(row)),
                    quote=TEXT,
                )
            )
        started = time.perf_counter()
        first = topic_rebuild.rebuild_report(ports, BIOT)
        first_s = time.perf_counter() - started
        started = time.perf_counter()
        second = topic_rebuild.rebuild_report(ports, BIOT)
        second_s = time.perf_counter() - started
        print(
            f"rebuild of {size:>6} verbatims: first {first_s:5.2f} s ({first.topics} topics, "
            f"{first.changed} written), again {second_s:5.2f} s ({second.changed} written)"
        )


if __name__ == "__main__":
    ingest_costs()
    rebuild_costs([int(arg) for arg in sys.argv[1:]] or [1_000, 5_000, 10_000])
