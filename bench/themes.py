"""Theme classifier on the Biot demo data: zero-shot figures, then 5-fold with corrections.

Usage (from the repository root): .venv/bin/python bench/themes.py
The demo opinions are our own; the figures say how the classifier behaves on them, not on
real citizens' feedback.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from chalicelib.analysis.themes import ThemeClassifier, default_themes  # noqa: E402

SEED = ROOT / "local" / "seed_data"
FOLDS = 5


def load_opinions() -> list[tuple[str, str]]:
    opinions = json.loads((SEED / "biot_opinions.json").read_text(encoding="utf-8"))
    return [(o["text"], o["theme"]) for o in opinions]


def evaluate(
    classifier: ThemeClassifier, examples: Sequence[tuple[str, str]]
) -> tuple[int, int, int]:
    """(right, covered, total)."""
    right = covered = 0
    for text, theme_id in examples:
        predicted = classifier.classify(text)
        if predicted is not None:
            covered += 1
            right += predicted == theme_id
    return right, covered, len(examples)


def stratified_folds(examples: Sequence[tuple[str, str]]) -> list[list[int]]:
    # Deterministic: the i-th opinion of each theme goes to fold i mod 5.
    folds: list[list[int]] = [[] for _ in range(FOLDS)]
    seen: Counter[str] = Counter()
    for index, (_, theme_id) in enumerate(examples):
        folds[seen[theme_id] % FOLDS].append(index)
        seen[theme_id] += 1
    return folds


def report(name: str, right: int, covered: int, total: int) -> None:
    accuracy = right / total
    coverage = covered / total
    on_covered = right / covered if covered else 0.0
    print(
        f"{name:<32} accuracy {accuracy:6.1%}   coverage {coverage:6.1%}   "
        f"accuracy on covered {on_covered:6.1%}   ({right}/{covered}/{total})"
    )


def main() -> None:
    themes = default_themes()
    examples = load_opinions()
    print(f"Biot: {len(examples)} opinions, {len(themes)} themes")
    report("zero-shot", *evaluate(ThemeClassifier.build(themes), examples))
    totals = [0, 0, 0]
    for fold in stratified_folds(examples):
        held_out = set(fold)
        test = [examples[i] for i in fold]
        train = [e for i, e in enumerate(examples) if i not in held_out]
        for position, value in enumerate(evaluate(ThemeClassifier.build(themes, train), test)):
            totals[position] += value
    report(f"{FOLDS}-fold, other folds as corrections", *totals)
    majority = Counter(theme_id for _, theme_id in examples).most_common(1)[0][1]
    print(f"{'majority class (reference)':<32} accuracy {majority / len(examples):6.1%}")


if __name__ == "__main__":
    main()
