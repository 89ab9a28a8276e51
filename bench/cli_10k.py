"""The two listening CLIs of issue #18 on 10,000 French lines: `python -m chalicelib.analysis
topics` and `summarize`, each run as a user would (a subprocess reading JSON lines on stdin),
timed, their output checked against the contract.

Usage (from the repository root): .venv/bin/python bench/cli_10k.py [--lines 10000]

The lines are real French texts: the demo opinions, then the shared data's tweets and
reviews (../shared/data/sentiment/, research use), then the sentences of the longer reviews as
lines of their own until the count is reached. Nothing is written to the repository.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data" / "sentiment"
SEED = ROOT / "local" / "seed_data" / "biot_opinions.json"
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
MIN_WORDS = 6


def french_lines(count: int) -> list[dict[str, str]]:
    texts = [o["text"] for o in json.loads(SEED.read_text(encoding="utf-8"))]
    with (DATA / "deft2017-tweets-train.csv").open(encoding="utf-8", newline="") as file:
        texts += [row["text"] for row in csv.DictReader(file)]
    with (DATA / "allocine-tvseries-train.tsv").open(encoding="utf-8", newline="") as file:
        reviews = [row["text"] for row in csv.DictReader(file, delimiter="\t")]
    texts += reviews
    for review in reviews:
        sentences = _SENTENCE_END.split(review)
        if len(sentences) > 1:  # a one-sentence review is a line already
            texts += [s for s in sentences if len(s.split()) >= MIN_WORDS]
    if len(texts) < count:
        raise SystemExit(f"only {len(texts)} lines available, {count} asked")
    return [{"id": f"l{index}", "text": text} for index, text in enumerate(texts[:count])]


def run_cli(command: str, payload: str) -> tuple[str, float]:
    # One core, as in a Lambda of up to 1,769 MB.
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    started = time.perf_counter()
    done = subprocess.run(  # noqa: S603 (our own CLI, our own input)
        [sys.executable, "-m", "chalicelib.analysis", command],
        input=payload,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        check=True,
    )
    return done.stdout, time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=10_000)
    args = parser.parse_args()
    lines = french_lines(args.lines)
    payload = "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines)

    out, topics_s = run_cli("topics", payload)
    results = [json.loads(line) for line in out.splitlines()]
    assert [r["id"] for r in results] == [line["id"] for line in lines], "topics: order or count"
    sizes = Counter(r["topic"] for r in results if r["topic"])
    labels = {r["topic"]: r["label"] for r in results if r["topic"]}
    outside = sum(1 for r in results if r["topic"] is None)
    print(f"topics CLI: {len(results)} lines out in {topics_s:.1f} s, {len(sizes)} topics")
    for topic, size in sizes.most_common(8):
        print(f"  {size:5d}  {labels[topic]}")

    out, summarize_s = run_cli("summarize", payload)
    summary = json.loads(out)
    known = {line["id"] for line in lines}
    assert set(summary["quotes"]) <= known, "summarize: a quote that is no input"
    print(f"summarize CLI: {summarize_s:.1f} s, engine {summary['engine']}")
    print(f"  {summary['summary'][:600]}")
    print(
        f"cli10k: lines={len(lines)} topics_s={topics_s:.1f} topics={len(sizes)}"
        f" outside={outside / len(lines):.3f} summarize_s={summarize_s:.1f}"
        f" quotes={len(summary['quotes'])} engine={summary['engine']}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
