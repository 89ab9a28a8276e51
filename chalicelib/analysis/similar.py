"""Reports of the same problem (the same broken streetlight, the same overflowing bin): a new
opinion is linked to open threads that name the same place, within a time window, and whose
embeddings are close. Embeddings alone conflate places ("lampadaire en panne rue Victor
Hugo" and the same words with "rue Pasteur" score 0.97 with e5), so two reports at different
places are never the same problem, whatever their words. Thresholds are calibrated on the
labelled pairs of tests/unit/analysis/similar_pairs.jsonl (`bench/similar.py`)."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
from numpy.typing import NDArray

from chalicelib.analysis.embeddings import E5_NAME, HASHED_NAME

# The same problem is reported within weeks; later, it is a new occurrence.
WINDOW = timedelta(days=30)
# Cosine of e5 vectors above which two reports naming a same place are one problem, and
# the stricter one when neither (or only one) names a place: their words must then say it.
SAME_PLACE = 0.88
NO_PLACE = 0.93
# The hashed bag of stems (what runs where e5 does not, the Lambda today) says little: on
# the same pairs its cosines are 0.1 for some same problems and 0.78 for different ones.
# With it, only reports naming a same place can be one problem, above a low cosine that
# keeps the pairs' precision at 0.80 (recall 0.60); without a shared place, never.
HASHED_SAME_PLACE = 0.30


@dataclass(frozen=True)
class Report:
    thread_id: str
    vector: NDArray[np.float64]  # unit length
    places: frozenset[str]
    quartier: str | None
    at: datetime
    # The kinds of things it is about (`problem_objects.objects_in`), empty when unknown.
    objects: frozenset[str] = frozenset()


def thresholds(embedder_a: str, embedder_b: str) -> tuple[float, float] | None:
    """The (same place, no place) cosine thresholds for vectors by these two embedders;
    None when they cannot be compared (two embedders, or one not calibrated)."""
    if embedder_a != embedder_b:
        return None  # different spaces (and dimensions): their cosine means nothing
    if embedder_a == E5_NAME:
        return SAME_PLACE, NO_PLACE
    if embedder_a == HASHED_NAME:
        return HASHED_SAME_PLACE, math.inf
    return None


def same_problem(
    a: Report, b: Report, same_place: float | None = None, no_place: float | None = None
) -> bool:
    """Whether `a` and `b` report one problem, by e5's thresholds unless given others."""
    if abs(a.at - b.at) > WINDOW:
        return False
    if a.objects and b.objects and not a.objects & b.objects:
        return False  # two things (a streetlight, a bin): two problems, whatever e5 says
    if a.places and b.places and not a.places & b.places:
        return False  # two places: never the same problem
    if a.quartier and b.quartier and a.quartier != b.quartier:
        return False
    if a.places & b.places:
        threshold = SAME_PLACE if same_place is None else same_place
    else:
        threshold = NO_PLACE if no_place is None else no_place
    return float(np.dot(a.vector, b.vector)) >= threshold


def similar_to(report: Report, candidates: Iterable[Report]) -> list[str]:
    """The thread ids of the candidates that report the same problem, closest first."""
    found = [
        (float(np.dot(report.vector, other.vector)), other.thread_id)
        for other in candidates
        if other.thread_id != report.thread_id and same_problem(report, other)
    ]
    return [thread_id for _, thread_id in sorted(found, reverse=True)]
