"""French text utilities: folding, tokenising, language detection, plurals."""

from __future__ import annotations

import pytest

from chalicelib.analysis.text import (
    FRENCH_STOPWORDS,
    detect_language,
    fold,
    singularize,
    tokenize,
)

pytestmark = pytest.mark.unit


def test_fold_lowercases_and_strips_accents() -> None:
    assert fold("Été À Côté ŒUVRE") == "ete a cote oeuvre"


def test_tokenize_splits_elisions_and_keeps_hyphenated_words() -> None:
    tokens = tokenize(
        "L'éclairage ne fonctionne plus, qu’on répare les nids-de-poule aujourd'hui !"
    )
    assert tokens == [
        "l'",
        "éclairage",
        "ne",
        "fonctionne",
        "plus",
        "qu'",
        "on",
        "répare",
        "les",
        "nids-de-poule",
        "aujourd'hui",
    ]


def test_tokenize_empty_text() -> None:
    assert tokenize("") == []
    assert tokenize(" ... !? ") == []


def test_stopwords_match_with_and_without_accents() -> None:
    assert {"le", "à", "a", "été", "ete", "très", "tres"} <= FRENCH_STOPWORDS
    assert "poubelle" not in FRENCH_STOPWORDS


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Les poubelles de la rue ne sont pas ramassées depuis une semaine", "fr"),
        ("The bins in my street have not been collected for a week", "en"),
        ("La calle está muy sucia y no hay nadie que la limpie", "es"),
        ("La strada è molto sporca e non ci sono cestini per la spazzatura", "it"),
        ("Die Straße ist sehr schmutzig und es gibt keine Mülleimer", "de"),
        ("Bonjour", "fr"),
        ("", "fr"),
    ],
)
def test_detect_language(text: str, language: str) -> None:
    assert detect_language(text) == language


@pytest.mark.parametrize(
    ("plural", "singular"),
    [
        ("poubelles", "poubelle"),
        ("chevaux", "cheval"),
        ("bureaux", "bureau"),
        ("bus", "bus"),
        ("travaux", "travaux"),
    ],
)
def test_singularize(plural: str, singular: str) -> None:
    assert singularize(plural) == singular
