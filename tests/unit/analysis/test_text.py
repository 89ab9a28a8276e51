"""French text utilities: folding, tokenising, language detection, key phrases."""

from __future__ import annotations

import pytest

from chalicelib.analysis.text import (
    FRENCH_STOPWORDS,
    detect_language,
    extract_key_phrases,
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


def test_key_phrases_normalise_articles_and_plurals() -> None:
    assert extract_key_phrases("Les poubelles !") == ["poubelle"]
    assert extract_key_phrases("poubelle") == ["poubelle"]


def test_key_phrases_rank_the_repeated_topic_first() -> None:
    text = (
        "Les poubelles débordent rue Victor Hugo. Les poubelles ne sont pas ramassées depuis "
        "une semaine et la poubelle jaune aussi."
    )
    phrases = extract_key_phrases(text)
    assert phrases[0] == "poubelle"
    assert len(phrases) <= 5
    assert all(phrase == phrase.lower() for phrase in phrases)


def test_key_phrases_keep_accents_and_multiword_phrases() -> None:
    phrases = extract_key_phrases("Quels sont les horaires de la déchetterie ?")
    assert phrases == ["horaire", "déchetterie"] or "horaire de la déchetterie" in phrases


def test_key_phrases_never_start_or_end_with_a_stopword() -> None:
    text = "Le nouveau parc est beau mais il n'y a aucune ombre et les poubelles débordent."
    for phrase in extract_key_phrases(text, limit=10):
        words = phrase.split()
        assert words[0] not in FRENCH_STOPWORDS
        assert words[-1] not in FRENCH_STOPWORDS


def test_key_phrases_limit_and_empty_text() -> None:
    text = "Voirie, éclairage, propreté, stationnement, sécurité, transports, parcs."
    assert len(extract_key_phrases(text, limit=3)) == 3
    assert extract_key_phrases("", limit=5) == []
    assert extract_key_phrases(text, limit=0) == []
