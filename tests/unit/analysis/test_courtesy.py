"""Greetings and closings are left out of what the sentiment model scores."""

from __future__ import annotations

import pytest

from chalicelib.analysis.courtesy import without_courtesy

pytestmark = pytest.mark.unit


def test_greeting_closing_and_signature_are_removed() -> None:
    text = (
        "Bonjour,\n\nJe souhaiterais savoir quels sont les horaires de la déchetterie.\n\n"
        "Merci d'avance pour votre réponse.\nCordialement,\nMarie Dupont"
    )
    assert without_courtesy(text) == (
        "Je souhaiterais savoir quels sont les horaires de la déchetterie."
    )


def test_formal_letter() -> None:
    text = (
        "Madame, Monsieur,\n\nLa vitesse des véhicules avenue des Pins est excessive.\n\n"
        "Veuillez agréer, Madame, Monsieur, l'expression de mes salutations distinguées.\n"
        "M. Bernard"
    )
    assert without_courtesy(text) == "La vitesse des véhicules avenue des Pins est excessive."


def test_one_line_message() -> None:
    text = "Bonjour, pouvez-vous m'indiquer la date du conseil ? Merci, bonne journée."
    assert without_courtesy(text) == "pouvez-vous m'indiquer la date du conseil ?"


@pytest.mark.parametrize(
    "text",
    [
        "Merci !",  # nothing but courtesy: that is the message
        "Bonjour",
        "Merci pour le déneigement rapide ce matin.",  # thanks for something: an opinion
        "Le parc est magnifique, bravo aux jardiniers.",
        "Bonjour je voudrais savoir les horaires de la piscine ?",  # no break after bonjour
    ],
)
def test_texts_kept_whole(text: str) -> None:
    assert without_courtesy(text) == text


def test_a_short_last_line_without_a_closing_above_it_is_kept() -> None:
    # "Marie Dupont" is a signature only under a closing formula.
    text = "Les poubelles débordent rue Pasteur.\nC'est intolérable"
    assert without_courtesy(text) == text


def test_the_opinion_stays_when_thanks_close_it() -> None:
    assert without_courtesy("Le parc est sale.\nMerci") == "Le parc est sale."


def test_signature_with_a_phone_number_and_no_apostrophe() -> None:
    text = (
        "Bonjour,\n\nQuels sont les horaires de la déchetterie ?\n\nMerci d avance.\n"
        "Cordialement,\nMarie Dupont, 06 12 34 56 78"
    )
    assert without_courtesy(text) == "Quels sont les horaires de la déchetterie ?"


def test_short_words_after_thanks_on_the_same_line_are_the_message() -> None:
    text = "Bravo pour le marché, merci, c'est super"
    assert without_courtesy(text) == text
