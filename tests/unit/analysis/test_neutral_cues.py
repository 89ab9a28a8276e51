"""Neutral cues: lukewarm expressions and plain requests, on the model's own lexicon."""

from __future__ import annotations

import math

import numpy as np
import pytest

from chalicelib.analysis.neutral_cues import LUKEWARM_CAP, REQUEST_WEIGHT, NeutralCues
from chalicelib.analysis.neutral_cues import neutral_cues as find_cues
from chalicelib.analysis.sentiment_model import (
    NEUTRAL,
    lexicon_polarity,
    with_neutral_cues,
    word_polarity,
)
from chalicelib.analysis.text import fold

pytestmark = pytest.mark.unit


def cues(text: str) -> NeutralCues:
    return find_cues(fold(text), lexicon_polarity, word_polarity)


@pytest.mark.parametrize(
    "text",
    [
        "C'est correct, sans plus.",
        "Service moyen, ni bon ni mauvais.",
        "Mitigé sur le nouveau plan de circulation.",
        "Bof, la fête était moyenne.",
        "Accueil sans rien d'exceptionnel.",
        "Il y a du bon et du moins bon dans ce projet.",
        "Pas d'avis tranché sur le nouveau parking.",
    ],
)
def test_lukewarm_expressions_alone_get_the_full_weight(text: str) -> None:
    assert math.isclose(cues(text).lukewarm, LUKEWARM_CAP)


def test_the_rest_of_the_text_weakens_the_lukewarm_cue() -> None:
    alone = cues("Le repas était passable.").lukewarm
    with_complaint = cues(
        "Le repas était passable mais le service lamentable, honteux et scandaleux."
    ).lukewarm
    assert 0.0 < with_complaint < alone / 2


@pytest.mark.parametrize(
    "text",
    [
        "Le parc n'est ni propre ni agréable.",  # "ni ... ni" with the same sign: a complaint
        "La mairie est partie sans plus d'explication.",  # "sans plus de": not lukewarm
        "Il y avait à peu près 200 personnes au marché.",  # an approximate number
        "En moyenne le bus passe toutes les dix minutes.",  # a statistic
        "Le moyen le plus simple est le bus.",  # "moyen", the noun
        "Les poubelles débordent rue Pasteur, c'est scandaleux.",
    ],
)
def test_no_lukewarm_cue(text: str) -> None:
    assert cues(text).lukewarm == 0.0


@pytest.mark.parametrize(
    "text",
    [
        "Quels sont les horaires de la déchetterie ?",
        "Bonjour, mon fils entre au CP, quels documents faut-il fournir ?",
        "Est-il possible de réserver la salle polyvalente en juin ?",
        "Je souhaiterais savoir comment obtenir une carte de stationnement.",
        "Merci de m'indiquer les dates d'inscription au vide-grenier.",
    ],
)
def test_plain_requests(text: str) -> None:
    assert cues(text).request == REQUEST_WEIGHT


@pytest.mark.parametrize(
    "text",
    [
        "Pourquoi les poubelles ne sont-elles jamais ramassées ?",
        "Quand allez-vous enfin réparer ce lampadaire ?",
        "Comment peut-on laisser la rue dans un état aussi sale ?",
        "Comment imaginer une pareille chose ???",
        "Quand je suis arrivé à la mairie, c'était fermé.",  # "quand" without a question
        "Est-ce que quelqu'un va faire quelque chose !",
    ],
)
def test_complaints_and_statements_are_not_requests(text: str) -> None:
    assert cues(text).request == 0.0


def test_cues_move_mass_to_neutral_and_keep_a_distribution() -> None:
    probabilities = np.array([0.7, 0.1, 0.2])
    shifted = with_neutral_cues(probabilities.copy(), "Service moyen, ni bon ni mauvais.")
    assert math.isclose(float(shifted.sum()), 1.0)
    assert int(shifted.argmax()) == NEUTRAL
    # The polar scores shrink alike: the positive/negative decision is unchanged.
    assert math.isclose(shifted[0] / shifted[2], probabilities[0] / probabilities[2])


def test_texts_without_cues_are_untouched() -> None:
    probabilities = np.array([0.7, 0.1, 0.2])
    shifted = with_neutral_cues(probabilities, "Les poubelles débordent encore.")
    assert shifted.tolist() == probabilities.tolist()


def test_a_confident_model_outweighs_a_request_cue() -> None:
    # The request cue yields when the model is clearly polar (0.9 against 0.05 here).
    shifted = with_neutral_cues(np.array([0.9, 0.05, 0.05]), "Quels sont les horaires ?")
    assert int(shifted.argmax()) == 0
