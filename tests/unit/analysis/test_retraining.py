"""Retraining a commune's model from its staff's corrections."""

from __future__ import annotations

import functools
from datetime import UTC, datetime

import pytest

from chalicelib.adapters.memory import InMemoryModelStore
from chalicelib.analysis import retraining
from chalicelib.analysis.local import LocalAnalyzer, bundled_model
from chalicelib.analysis.train import LabelledText, train
from chalicelib.domain.corrections import Correction
from chalicelib.domain.threads import Sentiment
from tests.fakes import BIOT, VALBONNE, commune

pytestmark = pytest.mark.unit

NOW = datetime(2026, 11, 29, 3, 0, tzinfo=UTC)
QUICK = functools.partial(train, max_iterations=40)
BASE = [
    LabelledText(text, label, "tweets")
    for text, label in [
        ("Bravo pour ce beau travail, merci", "POSITIVE"),
        ("Super initiative, très réussi", "POSITIVE"),
        ("Magnifique, je suis ravie", "POSITIVE"),
        ("C'est une honte, rien ne marche", "NEGATIVE"),
        ("Scandaleux, personne ne répond", "NEGATIVE"),
        ("Trop sale, inadmissible", "NEGATIVE"),
        ("Quels sont les horaires de la mairie ?", "NEUTRAL"),
        ("La réunion a lieu jeudi à 18h", "NEUTRAL"),
        ("Le marché est déplacé place du village", "NEUTRAL"),
    ]
]


def correction(text: str, sentiment: Sentiment, commune_id=BIOT) -> Correction:
    return Correction(commune_id, text[:20], text, sentiment, None, "agent@example.org", NOW)


# A local usage the generic data cannot know: in this commune, "ça dépote" is praise.
LOCAL_PRAISE = [
    correction(f"{subject} ça dépote {n}", Sentiment.POSITIVE)
    for n, subject in enumerate(
        [
            "La fête",
            "Le festival",
            "Le marché",
            "La médiathèque",
            "Le skatepark",
            "Le concert",
            "La piscine",
            "Le cinéma",
            "La brocante",
            "Le feu d'artifice",
            "La fanfare",
            "Le stade",
            "La plage",
            "Le carnaval",
            "La course",
            "Le bal",
        ]
    )
]


def test_too_few_corrections_change_nothing():
    store = InMemoryModelStore()
    report = retraining.retrain(BIOT, LOCAL_PRAISE[:5], BASE, bundled_model(), store, NOW, QUICK)
    assert report.kept is False and report.new_version is None
    assert store.get(BIOT) is None


def test_a_model_that_learns_the_communes_usage_is_kept_and_used_for_that_commune_only():
    store = InMemoryModelStore()
    current = bundled_model()
    report = retraining.retrain(BIOT, LOCAL_PRAISE, BASE, current, store, NOW, QUICK)

    assert report.corrections == len(LOCAL_PRAISE)
    assert 0 < report.held_back < report.corrections
    assert report.kept is (report.new_score >= report.current_score)
    assert report.kept, report
    assert store.get(BIOT)[0] == report.new_version == "06018-20261129T030000"

    analyzer = LocalAnalyzer(store)
    [biot] = analyzer.analyze(["Le vide-grenier, ça dépote"], commune())
    [valbonne] = analyzer.analyze(["Le vide-grenier, ça dépote"], commune(VALBONNE))
    assert biot.model_version.startswith(report.new_version)
    assert valbonne.model_version == current.version


def test_a_worse_model_is_discarded():
    store = InMemoryModelStore()
    # Corrections contradicting each other teach nothing: the held-back slice decides.
    noise = [
        correction(f"Avis numéro {n} sur la commune", list(Sentiment)[n % 4]) for n in range(40)
    ]
    report = retraining.retrain(BIOT, noise, BASE, bundled_model(), store, NOW, QUICK)
    assert report.kept is (report.new_score >= report.current_score)
    assert (store.get(BIOT) is not None) is report.kept
