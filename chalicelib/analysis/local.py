"""The local analyzer: the project's own French model, used when Comprehend is not. A
commune retrained on its staff's corrections gets its own model; others use the bundled one."""

from __future__ import annotations

import functools
import logging
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from chalicelib.analysis import text as french
from chalicelib.analysis.key_phrases import extract_key_phrases
from chalicelib.analysis.sentiment_model import SentimentModel, SentimentPrediction
from chalicelib.analysis.topic_codec import encode_embedding
from chalicelib.domain.commune import Commune
from chalicelib.domain.ids import CommuneId
from chalicelib.domain.threads import Sentiment, TextAnalysis, TextEmbedding
from chalicelib.ports import Analyzer, ModelStore

ENGINE = "local"
# A retrained model reaches running workers within this delay.
REFRESH_SECONDS = 600.0
logger = logging.getLogger(__name__)


@functools.cache
def bundled_model() -> SentimentModel:
    # Loaded once per process (a Lambda container), on the first text to analyse.
    return SentimentModel.load()


def model_from_bytes(blob: bytes) -> SentimentModel:
    with tempfile.NamedTemporaryFile(suffix=".npz") as artifact:
        artifact.write(blob)
        artifact.flush()
        return SentimentModel.load(Path(artifact.name))


class LocalAnalyzer(Analyzer):
    def __init__(
        self,
        models: ModelStore | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._models = models
        self._clock = clock
        self._cache: dict[CommuneId, tuple[float, SentimentModel]] = {}
        self._lock = threading.Lock()

    def analyze(self, texts: Sequence[str], commune: Commune) -> list[TextAnalysis]:
        model = self.model_for(commune.commune_id)
        predictions = model.predict(texts)
        return [
            TextAnalysis(
                language=french.detect_language(text),
                sentiment=Sentiment(prediction.label),
                scores=dict(prediction.scores),
                key_phrases=tuple(extract_key_phrases(text)),
                engine=ENGINE,
                model_version=model.version,
                embedding=_embedding(model, prediction),
            )
            for text, prediction in zip(texts, predictions, strict=True)
        ]

    def model_for(self, commune_id: CommuneId) -> SentimentModel:
        """The commune's retrained model if it has one, else the bundled model."""
        if self._models is None:
            return bundled_model()
        now = self._clock()
        with self._lock:
            cached = self._cache.get(commune_id)
        if cached is not None and now - cached[0] < REFRESH_SECONDS:
            return cached[1]
        model = self._fetch(commune_id, cached[1] if cached else None)
        with self._lock:
            self._cache[commune_id] = (now, model)
        return model

    def _fetch(self, commune_id: CommuneId, current: SentimentModel | None) -> SentimentModel:
        try:
            stored = self._models.get(commune_id) if self._models else None
        except Exception:  # the store being down must not stop the analysis
            logger.exception("could not read the commune's model; using the previous one")
            return current or bundled_model()
        if stored is None:
            return bundled_model()
        version, blob = stored
        if current is not None and current.trained_version == version:
            return current
        return model_from_bytes(blob)


def _embedding(model: SentimentModel, prediction: SentimentPrediction) -> TextEmbedding | None:
    # The sentiment head embedded the text already: topics reuse it (an e5 call is most of a
    # text's analysis time).
    if prediction.embedding is None or model.embedder is None:
        return None
    return TextEmbedding(
        model.embedder.name, encode_embedding(prediction.embedding), prediction.embedded_text
    )
