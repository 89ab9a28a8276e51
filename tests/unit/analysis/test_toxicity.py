"""French toxicity rules: insults, slurs, obscenities and threats, their obfuscated spellings,
and the everyday words that merely contain them ("contrat", "députés", "pneu crevé")."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.analysis.toxicity import TOXICITY_THRESHOLD, ToxicityResult, assess

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("text", "term"),
    [
        ("Bande de connards, réparez la route !", "connard"),
        ("Le maire est une vraie salope", "salope"),
        ("espèce de con", "con"),
        ("Bande de cons, faites votre travail", "con"),
        ("quel con ce conducteur qui roule à 90", "con"),
        ("t'es vraiment con", "con"),
        ("enculé de chauffard", "encule"),
        ("fdp", "fdp"),
        ("ntm la mairie", "ntm"),
        ("c'est un pd celui-là", "pd"),
        ("vous êtes des abrutis", "abruti"),
        ("espèce de crétin", "cretin"),
        ("Sale connasse", "connasse"),
        ("ces enfoirés de la mairie", "enfoire"),
        ("Ce maire est un bâtard", "batard"),
        ("Vous êtes vraiment des imbéciles", "imbecile"),
        ("sales connards", "connard"),
        ("nique la police", "nique"),
    ],
)
def test_insults_are_toxic(text: str, term: str) -> None:
    result = assess(text)
    assert result.toxic
    assert term in result.terms


@pytest.mark.parametrize(
    ("text", "term"),
    [
        ("connnnnard", "connard"),
        ("CONNNARD !!!", "connard"),
        ("c0nnard", "connard"),
        ("enc*lé", "encule"),
        ("c*nnard va", "connard"),
        ("s.a.l.o.p.e", "salope"),
        ("S A L O P E", "salope"),
        ("espèce de p-u-t-e", "pute"),
        ("$alope", "salope"),
        ("sal0pe", "salope"),
        ("encul3", "encule"),
        ("f.d.p", "fdp"),
        ("connard", "connard"),
        ("CONNARD", "connard"),
    ],
)
def test_obfuscated_spellings_are_recognised(text: str, term: str) -> None:
    result = assess(text)
    assert result.toxic
    assert term in result.terms


@pytest.mark.parametrize(
    ("text", "term"),
    [
        ("fils de pute", "fils de pute"),
        ("Nique ta mère", "nique ta mere"),
        ("FERME TA GUEULE", "ta gueule"),
        ("va te faire foutre avec ton projet", "va te faire foutre"),
        ("allez vous faire foutre", "va te faire foutre"),
        ("je vous emmerde", "je vous emmerde"),
    ],
)
def test_insulting_phrases_are_toxic(text: str, term: str) -> None:
    result = assess(text)
    assert result.toxic
    assert term in result.terms


@pytest.mark.parametrize(
    "text",
    [
        "je vais vous tuer",
        "Je vais te buter",
        "je vais tous vous tuer un par un",
        "j'vais te défoncer",
        "on va brûler la mairie",
        "On va cramer la mairie si rien ne change",
        "je vais mettre le feu à la mairie",
        "il faudrait faire sauter l'hôtel de ville",
        "Crève !",
        "crevez tous",
        "allez crever",
        "je sais où vous habitez",
        "je vais te casser la gueule",
        "une balle dans la tête, voilà ce qu'il mérite",
        "mort aux élus",
        "on va le tuer, ce maire",
        "J'vais vous faire la peau",
    ],
)
def test_threats_are_toxic(text: str) -> None:
    result = assess(text)
    assert result.toxic
    assert result.score >= 2 * TOXICITY_THRESHOLD


@pytest.mark.parametrize(
    "text",
    [
        "Le contrat de concession est signé par le conseil municipal.",
        "Le conseil a voté, c'est n'importe quoi.",
        "Le service est nul, vraiment nul.",
        "Les élus sont nuls et ne font rien.",
        "Mon pneu est crevé à cause des nids-de-poule.",
        "Les ordures ménagères ne sont pas ramassées, vous devez passer plus souvent.",
        "On va tuer le commerce du centre-ville avec ce projet.",
        "Il faut brûler les déchets verts ? Non, c'est interdit.",
        "Un café con leche au marché.",
        "Le cône de chantier est tombé, les cônes gênent.",
        "La connexion internet à la médiathèque est lente.",
        "Les députés et la dispute au conseil, un élu réputé.",
        "Quel bordel dans cette rue !",
        "Je vais descendre la rue à pied.",
        "Nous allons les planter demain, les arbres.",
        "L'odeur de fumier des champs est forte.",
        "Ce projet est une arnaque.",
        "C'est débile de fermer la piscine.",
        "Vous êtes des guignols.",
        "Bande d'incapables.",
        "Le concert de Conflans, le Concorde, les contes.",
        "Les ordures s'accumulent, vous êtes où ?",
        "Il a été tué dans un accident en 1944, la plaque est sale.",
        "C'est con, la fontaine est encore en panne.",
        "Les moustiques, on les tue avec des pièges.",
        "Un pain bâtard à la boulangerie du marché.",
        "Le pique-nique de la fête des voisins.",
        "Le pneu va crever si on ne répare pas la route.",
        "Vous crevez les pneus avec ces nids-de-poule.",
        "Pensez à la mort aux rats dans les caves.",
        "Vous allez payer la taxe deux fois.",
        "C'est un crève-cœur de voir le parc ainsi, il crève de chaud.",
        "",
    ],
)
def test_everyday_and_mildly_rude_text_is_not_toxic(text: str) -> None:
    assert not assess(text).toxic


def test_mild_words_score_below_the_threshold() -> None:
    result = assess("Bande d'incapables, vous êtes des guignols")
    assert 0 < result.score < TOXICITY_THRESHOLD
    assert set(result.terms) == {"incapable", "guignol"}


def test_targeted_insults_weigh_more() -> None:
    untargeted = assess("les incapables de la mairie")
    targeted = assess("vous êtes des incapables")
    assert 0 < untargeted.score < targeted.score
    assert not assess("les abrutis qui roulent vite").toxic
    assert assess("vous êtes des abrutis").toxic


def test_clean_text_scores_zero() -> None:
    assert assess("Merci pour les nouveaux bancs du parc !") == ToxicityResult(False, 0.0, ())


def test_each_term_is_reported_once_in_order_of_appearance() -> None:
    result = assess("connard, salope, connard")
    assert result.terms == ("connard", "salope")
    assert result.score > assess("connard, salope").score


def test_adversarial_inputs_finish() -> None:
    samples = [
        "a" * 50_000,
        "*" * 50_000,
        "c o n " * 8_000,
        "s.a." * 12_000,
        "vous " * 10_000,
        "je vais vous " * 4_000,
        "a* " * 16_000,
        "0" * 50_000,
        "con" * 16_000,
    ]
    for sample in samples:
        assert assess(sample).score >= 0


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=300))
def test_assess_never_crashes_and_is_consistent(text: str) -> None:
    result = assess(text)
    assert result.score >= 0
    assert result.toxic == (result.score >= TOXICITY_THRESHOLD)
    assert len(set(result.terms)) == len(result.terms)
    assert (result.score == 0) == (result.terms == ())


_WORDS = st.sampled_from(
    ["connard", "vous", "êtes", "des", "con", "la", "mairie", "c0nn4rd", "😡", "\x00", "!"]
)


@settings(max_examples=200, deadline=None)
@given(st.lists(_WORDS, max_size=20))
def test_assess_on_word_soup(words: list[str]) -> None:
    result = assess(" ".join(words))
    assert result.score >= 0
    assert all(term == term.lower() for term in result.terms)
