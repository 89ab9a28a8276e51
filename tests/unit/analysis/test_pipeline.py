"""The worker's analyzer: what the engine reads and what is kept of the whole text."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from chalicelib.analysis.pipeline import CompositeAnalyzer
from chalicelib.domain.commune import Commune
from chalicelib.domain.threads import Sentiment, TextAnalysis
from chalicelib.ports import Analyzer
from tests.fakes import commune

pytestmark = pytest.mark.unit

EMAIL = (
    "Bonjour,\n\nLa rue Pasteur n'est plus éclairée depuis lundi.\n\n"
    "Merci d'avance.\nCordialement,\nMarie Dupont, 06 12 34 56 78"
)


class RecordingEngine(Analyzer):
    """Answers NEUTRAL for every text and keeps what it was given."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    def analyze(self, texts: Sequence[str], commune: Commune) -> list[TextAnalysis]:
        self.seen.extend(texts)
        return [
            TextAnalysis("fr", Sentiment.NEUTRAL, {"neutral": 1.0}, (), "recording") for _ in texts
        ]


def test_the_engine_reads_the_message_without_greeting_closing_or_signature() -> None:
    engine = RecordingEngine()
    CompositeAnalyzer(engine).analyze([EMAIL], commune())
    assert engine.seen == ["La rue Pasteur n'est plus éclairée depuis lundi."]


def test_personal_data_is_found_and_masked_in_the_whole_text() -> None:
    [result] = CompositeAnalyzer(RecordingEngine()).analyze([EMAIL], commune())
    assert [span.type for span in result.pii] == ["NAME", "PHONE"]
    assert result.masked_text.endswith("Cordialement,\n[nom], [téléphone]")
    assert result.masked_text.startswith("Bonjour,\n\nLa rue Pasteur")


def test_no_key_phrase_names_personal_data_with_either_engine() -> None:
    from chalicelib.analysis.local import LocalAnalyzer

    text = (
        "Ma voisine Mme Durand brûle ses déchets verts tous les soirs au 12 chemin des "
        "Aspres, écrivez-moi à paul.girard@exemple.fr ou au 06 12 34 56 78."
    )

    class PhrasesEngine(RecordingEngine):
        """Answers the phrases Comprehend finds in that text."""

        def analyze(self, texts: Sequence[str], commune: Commune) -> list[TextAnalysis]:
            phrases = (
                "Ma voisine Mme Durand",
                "ses déchets verts",
                "12 chemin des Aspres",
                "chemin des Aspres",
                "paul.girard@exemple.fr",
                "tous les soirs",
            )
            return [TextAnalysis("fr", Sentiment.NEGATIVE, {}, phrases, "comprehend")]

    [aws] = CompositeAnalyzer(PhrasesEngine()).analyze([text], commune())
    assert aws.key_phrases == ("ses déchets verts", "chemin des Aspres", "tous les soirs")
    [local] = CompositeAnalyzer(LocalAnalyzer()).analyze([text], commune())
    assert local.key_phrases, "the local engine still finds what the text is about"
    for phrase in local.key_phrases:
        assert not {"durand", "girard", "paul", "12", "06"} & set(phrase.lower().split())
