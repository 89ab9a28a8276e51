"""The local analyzer: the project's own French model, used when Comprehend is not."""

from __future__ import annotations

import functools
from collections.abc import Sequence

from chalicelib.analysis import text as french
from chalicelib.analysis.sentiment_model import SentimentModel
from chalicelib.domain.commune import Commune
from chalicelib.domain.threads import Sentiment, TextAnalysis
from chalicelib.ports import Analyzer

ENGINE = "local"


@functools.cache
def _model() -> SentimentModel:
    # Loaded once per process (a Lambda container), on the first text to analyse.
    return SentimentModel.load()


class LocalAnalyzer(Analyzer):
    def analyze(self, texts: Sequence[str], commune: Commune) -> list[TextAnalysis]:
        model = _model()
        predictions = model.predict(texts)
        return [
            TextAnalysis(
                language=french.detect_language(text),
                sentiment=Sentiment(prediction.label),
                scores=dict(prediction.scores),
                key_phrases=tuple(french.extract_key_phrases(text)),
                engine=ENGINE,
                model_version=model.version,
            )
            for text, prediction in zip(texts, predictions, strict=True)
        ]
