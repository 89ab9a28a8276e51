"""Comprehend when it can answer, the local model otherwise: every text ends analysed, whether
Comprehend is throttled, down, refuses a document, would read a truncated text, or the commune
keeps its data at home. A circuit breaker stops calling Comprehend while it keeps failing."""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from chalicelib.analysis.comprehend import (
    ComprehendAnalyzer,
    ComprehendThrottledError,
    ComprehendUnavailableError,
    utf8_length,
)
from chalicelib.domain.commune import Commune
from chalicelib.domain.errors import AnalysisError
from chalicelib.domain.threads import TextAnalysis
from chalicelib.ports import Analyzer

logger = logging.getLogger(__name__)


class BreakerState(StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


class CircuitBreaker:
    """Closed: every call goes through. After `failure_threshold` consecutive failures it opens
    and refuses calls; `reset_after_seconds` later it lets one trial call through (half-open),
    which closes it on success and opens it again on failure. Safe to share between threads."""

    def __init__(
        self,
        failure_threshold: int = 3,
        reset_after_seconds: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if failure_threshold < 1:
            raise ValueError("failure_threshold must be at least 1")
        self._failure_threshold = failure_threshold
        self._reset_after = reset_after_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._failures = 0
        self._opened_at: float | None = None
        self._trial_in_flight = False

    @property
    def state(self) -> BreakerState:
        with self._lock:
            if self._opened_at is None:
                return BreakerState.CLOSED
            if self._trial_in_flight or self._delay_elapsed():
                return BreakerState.HALF_OPEN
            return BreakerState.OPEN

    def allow(self) -> bool:
        """Whether a call may go through now. A True while open starts the half-open trial:
        the caller must then report record_success() or record_failure()."""
        with self._lock:
            if self._opened_at is None:
                return True
            # One trial at a time: a still-failing service sees one call per delay, not a burst.
            if self._trial_in_flight or not self._delay_elapsed():
                return False
            self._trial_in_flight = True
            return True

    def record_success(self) -> None:
        with self._lock:
            self._failures = 0
            self._opened_at = None
            self._trial_in_flight = False

    def record_failure(self) -> None:
        with self._lock:
            self._failures += 1
            failed_trial = self._opened_at is not None
            if failed_trial or self._failures >= self._failure_threshold:
                self._opened_at = self._clock()
            self._trial_in_flight = False

    def _delay_elapsed(self) -> bool:
        return self._opened_at is not None and self._clock() - self._opened_at >= self._reset_after


class FallbackReason(StrEnum):
    OPTED_OUT = "opted_out"
    BREAKER_OPEN = "breaker_open"
    THROTTLED = "throttled"
    UNAVAILABLE = "unavailable"
    PRIMARY_ERROR = "primary_error"
    DOCUMENT_ERROR = "document_error"
    TOO_LONG = "too_long"


@dataclass(frozen=True)
class FallbackStats:
    """Documents analysed by each engine since the analyzer was built (a snapshot)."""

    primary: int = 0
    fallback: int = 0
    reasons: Mapping[FallbackReason, int] = field(default_factory=dict)

    @property
    def fallback_rate(self) -> float:
        total = self.primary + self.fallback
        return self.fallback / total if total else 0.0


class FallbackAnalyzer(Analyzer):
    def __init__(
        self,
        primary: ComprehendAnalyzer,
        local: Analyzer,
        breaker: CircuitBreaker | None = None,
        max_primary_bytes: int = 5_000,
    ) -> None:
        self._primary = primary
        self._local = local
        self._breaker = breaker or CircuitBreaker()
        # Comprehend would only see the first 5,000 bytes of a longer text (and its sentiment
        # reads even less); the local model reads it whole.
        self._max_primary_bytes = max_primary_bytes
        self._lock = threading.Lock()
        self._primary_count = 0
        self._reasons: Counter[FallbackReason] = Counter()

    @property
    def breaker(self) -> CircuitBreaker:
        return self._breaker

    @property
    def stats(self) -> FallbackStats:
        with self._lock:
            return FallbackStats(
                primary=self._primary_count,
                fallback=sum(self._reasons.values()),
                reasons=dict(self._reasons),
            )

    def analyze(self, texts: Sequence[str], commune: Commune) -> list[TextAnalysis]:
        """One result per text, in order; each says its engine. Raises AnalysisError only when
        the local analyzer fails too."""
        results: dict[int, TextAnalysis] = {}
        reasons: dict[int, FallbackReason] = {}
        if commune.settings.comprehend_enabled is False:
            reasons = dict.fromkeys(range(len(texts)), FallbackReason.OPTED_OUT)
        else:
            results, reasons = self._try_primary(texts)
        if reasons:
            local_indexes = sorted(reasons)
            local_results = self._local.analyze([texts[i] for i in local_indexes], commune)
            results.update(zip(local_indexes, local_results, strict=True))
        self._count(len(texts) - len(reasons), reasons)
        return [results[i] for i in range(len(texts))]

    def _try_primary(
        self, texts: Sequence[str]
    ) -> tuple[dict[int, TextAnalysis], dict[int, FallbackReason]]:
        reasons: dict[int, FallbackReason] = {}
        candidates: list[int] = []
        for index, text in enumerate(texts):
            if utf8_length(text) > self._max_primary_bytes:
                reasons[index] = FallbackReason.TOO_LONG
            else:
                candidates.append(index)
        # Asked only when there is something to send: allow() may start the half-open trial.
        if not candidates:
            return {}, reasons
        if not self._breaker.allow():
            reasons.update(dict.fromkeys(candidates, FallbackReason.BREAKER_OPEN))
            return {}, reasons
        results: dict[int, TextAnalysis] = {}
        try:
            outcomes = self._primary.analyze_each([texts[i] for i in candidates])
        except Exception as error:  # whatever broke, the local model answers
            self._breaker.record_failure()
            reasons.update(dict.fromkeys(candidates, _reason_for(error)))
            return results, reasons
        # Comprehend answered, even if it refused some documents: the service is healthy.
        self._breaker.record_success()
        for index, outcome in zip(candidates, outcomes, strict=True):
            if isinstance(outcome, TextAnalysis):
                results[index] = outcome
            else:
                reasons[index] = FallbackReason.DOCUMENT_ERROR
        return results, reasons

    def _count(self, primary: int, reasons: Mapping[int, FallbackReason]) -> None:
        counted = Counter(reasons.values())
        with self._lock:
            self._primary_count += primary
            self._reasons.update(counted)
        if counted:
            logger.info(
                "texts analysed locally",
                extra={"fallbacks": {reason.value: n for reason, n in counted.items()}},
            )
        # CloudWatch metrics (embedded metric format): the fallback-rate alarm divides the
        # first by the sum. Opting out is a choice, not a failure: it is not counted.
        failed = sum(n for reason, n in counted.items() if reason is not FallbackReason.OPTED_OUT)
        emit_metrics({"ComprehendAnalysed": primary, "ComprehendFallbacks": failed})


METRICS_NAMESPACE = "Concerto"


def emit_metrics(values: Mapping[str, int]) -> None:
    """One EMF log line CloudWatch turns into metrics (no API call, no dependency)."""
    if not any(values.values()):
        return
    # The stack's alarm reads them per service (one service per stack).
    service = os.environ.get("POWERTOOLS_SERVICE_NAME", "concerto")
    record = {
        "_aws": {
            "Timestamp": int(time.time() * 1000),
            "CloudWatchMetrics": [
                {
                    "Namespace": METRICS_NAMESPACE,
                    "Dimensions": [["service"]],
                    "Metrics": [{"Name": name, "Unit": "Count"} for name in values],
                }
            ],
        },
        "service": service,
        **values,
    }
    print(json.dumps(record), flush=True)


def _reason_for(error: Exception) -> FallbackReason:
    if isinstance(error, ComprehendThrottledError):
        return FallbackReason.THROTTLED
    if isinstance(error, ComprehendUnavailableError):
        return FallbackReason.UNAVAILABLE
    if not isinstance(error, AnalysisError):
        # A bug in the adapter, not an outage: the local model still answers, but say so.
        logger.exception("Comprehend adapter failed unexpectedly")
    return FallbackReason.PRIMARY_ERROR
