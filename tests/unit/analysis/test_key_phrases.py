"""Key phrases name things: noun phrases only, grouped by lemma, never a lone function word,
adverb, number, verb or fragment (the demo dashboard once listed "fil", "deux",
"franchement", "marche")."""

from __future__ import annotations

import pytest

from chalicelib.analysis.key_phrases import (
    extract_key_phrases,
    group_counts,
    normalize_phrase,
    noun_phrases,
    phrase_key,
    singularize,
)

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Merci d'avoir rebouché les trous, mais franchement c'était du travail bâclé, "
            "deux semaines après c'est déjà reparti.",
            ["travail bâclé", "trou"],
        ),
        (
            "Pas de trottoir sur le chemin pour aller à l'arrêt de bus, on marche sur la route "
            "avec les voitures qui passent à 70.",
            ["arrêt de bus", "trottoir", "chemin", "route", "voiture"],
        ),
        (
            "Le fil d'Ariane du site de la mairie ne marche pas, on se perd dans les menus.",
            ["fil d'ariane", "site de la mairie", "menu"],
        ),
        ("Quels sont les horaires de la déchetterie ?", ["horaire de la déchetterie"]),
        (
            "Dépôt sauvage de matelas au bout du chemin depuis 3 semaines, personne ne passe.",
            ["dépôt sauvage de matelas", "chemin"],
        ),
        ("Franchement, ça marche bien, bravo à tous !", []),
        (
            "Le nouveau sens unique est une bonne idée, mais le car scolaire ne passe plus.",
            ["sens unique", "car scolaire"],
        ),
        (
            "Le bruit des terrasses aux heures de pointe, on ne dort plus.",
            ["bruit des terrasses"],
        ),
        (
            "Le car scolaire est toujours en retard, car le chauffeur attend.",
            ["car scolaire", "chauffeur"],
        ),
    ],
)
def test_citizen_sentences_give_their_noun_phrases(text: str, expected: list[str]) -> None:
    assert extract_key_phrases(text) == expected


def test_no_lone_function_word_adverb_number_or_verb_ever_comes_out() -> None:
    text = (
        "Deux fois par semaine, vraiment, les camions passent trop tôt et réveillent tout le "
        "monde. Il faudrait décaler le ramassage, franchement. Ça marche pas."
    )
    phrases = extract_key_phrases(text, limit=10)
    assert phrases == ["camion", "ramassage"]


def test_plurals_accents_and_elisions_group_under_one_lemma() -> None:
    text = "Les écoles sont sales. L'ecole, surtout. Une école ? Des Écoles !"
    assert {phrase.key for phrase in noun_phrases(text)} == {"ecole"}
    assert extract_key_phrases(text) == ["école"]
    assert phrase_key("Les horaires de la déchetterie") == phrase_key("horaire de déchetterie")
    assert phrase_key("l'Église") == phrase_key("eglises")
    assert phrase_key("bruit des terrasses") == phrase_key("bruit de terrasse")


def test_the_repeated_topic_ranks_first_and_each_word_appears_once() -> None:
    text = (
        "Les poubelles débordent rue Victor Hugo. Les poubelles ne sont pas ramassées depuis "
        "une semaine et la poubelle jaune aussi."
    )
    assert extract_key_phrases(text) == ["poubelle"]


def test_a_word_inside_a_longer_phrase_is_no_phrase_of_its_own() -> None:
    phrases = [p.display for p in noun_phrases("Le parking de la gare est plein le matin.")]
    assert phrases == ["parking de la gare"]


def test_verbs_after_a_pronoun_are_not_nouns_but_the_same_word_after_a_determiner_is() -> None:
    assert extract_key_phrases("On marche sur la chaussée.") == ["chaussée"]
    assert extract_key_phrases("Les marches de l'église sont glissantes.") == ["marche de l'église"]


def test_limit_and_empty_text() -> None:
    text = "La voirie, l'éclairage, la propreté, le stationnement, la sécurité, les parcs."
    assert len(extract_key_phrases(text, limit=3)) == 3
    assert extract_key_phrases("", limit=5) == []
    assert extract_key_phrases(text, limit=0) == []


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("les deux Poubelles", "poubelle"),
        ("franchement", ""),
        ("deux", ""),
        ("marche", "marche"),
        ("la piste cyclable", "piste cyclable"),
        ("ces nouveaux horaires", "horaire"),
    ],
)
def test_engine_phrases_are_normalised_the_same_way(raw: str, expected: str) -> None:
    # Comprehend gives noun phrases: a bare "marche" from it is the noun ("la marche").
    assert normalize_phrase(raw) == expected


def test_counted_phrases_group_by_lemma_and_drop_old_non_phrases() -> None:
    counted = [
        ("poubelle", 4),
        ("poubelles", 2),
        ("ecole", 1),
        ("école", 3),
        ("franchement", 7),
        ("deux", 5),
        ("arrêt de bus", 2),
    ]
    assert group_counts(counted) == [
        ("poubelle", 6, ["poubelle", "poubelles"]),
        ("école", 4, ["ecole", "école"]),
        ("arrêt de bus", 2, ["arrêt de bus"]),
    ]


@pytest.mark.parametrize(
    ("plural", "singular"),
    [
        ("trous", "trou"),
        ("menus", "menu"),
        ("fils", "fils"),
        ("matelas", "matelas"),
        ("poubelles", "poubelle"),
        ("chevaux", "cheval"),
        ("bus", "bus"),
        ("rendez-vous", "rendez-vous"),
        ("temps", "temps"),
        ("avis", "avis"),
    ],
)
def test_singularize_for_key_phrases(plural: str, singular: str) -> None:
    assert singularize(plural) == singular


def test_links_and_accounts_are_no_key_phrases() -> None:
    text = "@MairieBiot la piste cyclable est coupée http://t.co/x8Zk2 voir www.biot.fr/travaux"
    phrases = extract_key_phrases(text)
    assert "piste cyclable" in phrases
    assert not any(word in " ".join(phrases).lower() for word in ("http", "mairiebiot", "www"))
    assert extract_key_phrases("Écosystème marin en danger http via @user") == ["écosystème marin"]
