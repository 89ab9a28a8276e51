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
