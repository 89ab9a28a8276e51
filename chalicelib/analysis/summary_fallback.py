"""Bedrock when it may and can answer, the extractive summary otherwise: every request gets a
summary that cites its opinions, whether Bedrock is throttled, down, declines, answers
without valid references, or the commune keeps its texts at home."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from enum import StrEnum

from chalicelib.analysis.fallback import CircuitBreaker, emit_metrics
from chalicelib.domain.commune import Commune
from chalicelib.domain.errors import AnalysisError
from chalicelib.domain.summaries import QuotedText, Summary
from chalicelib.ports import Summarizer

logger = logging.getLogger(__name__)


class SummaryFallbackReason(StrEnum):
    OPTED_OUT = "opted_out"
    BREAKER_OPEN = "breaker_open"
    THROTTLED = "throttled"
    UNAVAILABLE = "unavailable"
    REFUSED = "refused"
    INVALID_ANSWER = "invalid_answer"
    PRIMARY_ERROR = "primary_error"


# By error code, so this module needs no import of the adapter (and of botocore).
_REASONS = {
    "bedrock_throttled": SummaryFallbackReason.THROTTLED,
    "bedrock_unavailable": SummaryFallbackReason.UNAVAILABLE,
    "bedrock_refused": SummaryFallbackReason.REFUSED,
    "bedrock_invalid_answer": SummaryFallbackReason.INVALID_ANSWER,
}
# A model that answers, even badly, is up: only these open the breaker.
_OUTAGES = frozenset({SummaryFallbackReason.THROTTLED, SummaryFallbackReason.UNAVAILABLE})


class FallbackSummarizer(Summarizer):
    def __init__(
        self, primary: Summarizer, local: Summarizer, breaker: CircuitBreaker | None = None
    ) -> None:
        self._primary = primary
        self._local = local
        self._breaker = breaker or CircuitBreaker()

    @property
    def breaker(self) -> CircuitBreaker:
        return self._breaker

    def summarize(self, opinions: Sequence[QuotedText], commune: Commune) -> Summary:
        """Bedrock's summary, or the local one (its engine says which). Raises AnalysisError
        only when the local engine fails too."""
        reason = self._why_not_primary(commune)
        if reason is None:
            try:
                summary = self._primary.summarize(opinions, commune)
            except AnalysisError as error:
                reason = _REASONS.get(error.code, SummaryFallbackReason.PRIMARY_ERROR)
                self._record(reason)
            except Exception:  # a bug in the adapter: the extractive summary still answers
                logger.exception("Bedrock adapter failed unexpectedly")
                reason = SummaryFallbackReason.PRIMARY_ERROR
                self._record(reason)
            else:
                self._breaker.record_success()
                emit_metrics({"BedrockSummaries": 1})
                return summary
        if reason is SummaryFallbackReason.BREAKER_OPEN:
            # Counted like a failure (the stack's alarm); an opt-out is a choice, not counted.
            emit_metrics({"BedrockFallbacks": 1})
        logger.info("summary written locally", extra={"fallback": reason.value})
        return self._local.summarize(opinions, commune)

    def _why_not_primary(self, commune: Commune) -> SummaryFallbackReason | None:
        if commune.settings.bedrock_enabled is False:
            return SummaryFallbackReason.OPTED_OUT
        if not self._breaker.allow():
            return SummaryFallbackReason.BREAKER_OPEN
        return None

    def _record(self, reason: SummaryFallbackReason) -> None:
        if reason in _OUTAGES or reason is SummaryFallbackReason.PRIMARY_ERROR:
            self._breaker.record_failure()
        else:
            self._breaker.record_success()
        emit_metrics({"BedrockFallbacks": 1})
