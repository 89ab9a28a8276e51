"""The fallback analyzer and its circuit breaker, with fakes of both engines: which texts go to
Comprehend, which to the local model and why, and how the breaker opens and recovers."""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import pytest

from chalicelib.analysis.comprehend import (
    ComprehendAnalyzer,
    ComprehendDocumentError,
    ComprehendThrottledError,
    ComprehendUnavailableError,
)
from chalicelib.analysis.fallback import (
    BreakerState,
    CircuitBreaker,
    FallbackAnalyzer,
    FallbackReason,
)
from chalicelib.analysis.local import LocalAnalyzer
from chalicelib.domain.commune import Commune, CommuneSettings
from chalicelib.domain.errors import AnalysisError
from chalicelib.domain.threads import Sentiment, TextAnalysis
from chalicelib.ports import Analyzer
from tests.fakes import commune

pytestmark = pytest.mark.unit

BIOT = commune()
OPTED_OUT = replace(BIOT, settings=CommuneSettings(comprehend_enabled=False))


def no_client() -> Any:
    raise AssertionError("a fake Comprehend never builds a client")


def analysis(text: str, engine: str) -> TextAnalysis:
    return TextAnalysis(
        language="fr",
        sentiment=Sentiment.NEUTRAL,
        scores={"positive": 0.0, "negative": 0.0, "neutral": 1.0, "mixed": 0.0},
        key_phrases=(text,),
        engine=engine,
    )


class FakeComprehend(ComprehendAnalyzer):
    """Answers every text, except those listed in `refuse` (an ErrorList entry), or raises
    `failure` for the whole call."""

    def __init__(self, failure: Exception | None = None, refuse: Sequence[str] = ()) -> None:
        super().__init__(client_factory=no_client)
        self.failure = failure
        self.refuse = set(refuse)
        self.calls: list[list[str]] = []

    def analyze_each(self, texts: Sequence[str]) -> list[TextAnalysis | AnalysisError]:
        self.calls.append(list(texts))
        if self.failure is not None:
            raise self.failure
        return [
            ComprehendDocumentError("refused", index=i, error_code="INVALID_INPUT")
            if text in self.refuse
            else analysis(text, "comprehend")
            for i, text in enumerate(texts)
        ]


class FakeLocal(Analyzer):
    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    def analyze(self, texts: Sequence[str], commune: Commune) -> list[TextAnalysis]:
        self.calls.append(list(texts))
        return [analysis(text, "local") for text in texts]


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def state(breaker: CircuitBreaker) -> BreakerState:
    # A function call, so that mypy does not keep an earlier assert's narrowing of .state.
    return breaker.state


def engines(results: Sequence[TextAnalysis]) -> list[tuple[str, str]]:
    return [(result.key_phrases[0], result.engine) for result in results]


def test_healthy_comprehend_answers_everything() -> None:
    primary, local = FakeComprehend(), FakeLocal()
    analyzer = FallbackAnalyzer(primary, local)

    results = analyzer.analyze(["a", "b"], BIOT)

    assert engines(results) == [("a", "comprehend"), ("b", "comprehend")]
    assert local.calls == []
    assert analyzer.stats.primary == 2
    assert analyzer.stats.fallback_rate == 0.0


def test_an_opted_out_commune_never_reaches_comprehend() -> None:
    primary = FakeComprehend()
    analyzer = FallbackAnalyzer(primary, LocalAnalyzer())

    results = analyzer.analyze(
        ["Les poubelles débordent depuis une semaine, c'est inadmissible.", "Merci !"],
        OPTED_OUT,
    )

    assert primary.calls == []
    assert [result.engine for result in results] == ["local", "local"]
    assert results[0].sentiment is Sentiment.NEGATIVE
    assert analyzer.stats.reasons == {FallbackReason.OPTED_OUT: 2}


def test_a_throttled_comprehend_falls_back_to_the_local_model() -> None:
    primary = FakeComprehend(failure=ComprehendThrottledError("Rate exceeded"))
    analyzer = FallbackAnalyzer(primary, FakeLocal())

    results = analyzer.analyze(["a", "b"], BIOT)

    assert engines(results) == [("a", "local"), ("b", "local")]
    assert analyzer.stats.reasons == {FallbackReason.THROTTLED: 2}
    assert analyzer.stats.fallback_rate == 1.0


def test_an_unexpected_adapter_failure_still_gets_an_answer() -> None:
    primary = FakeComprehend(failure=KeyError("ResultList"))
    analyzer = FallbackAnalyzer(primary, FakeLocal())

    assert engines(analyzer.analyze(["a"], BIOT)) == [("a", "local")]
    assert analyzer.stats.reasons == {FallbackReason.PRIMARY_ERROR: 1}


def test_only_the_documents_comprehend_refused_go_local() -> None:
    primary, local = FakeComprehend(refuse=["b"]), FakeLocal()
    analyzer = FallbackAnalyzer(primary, local)

    results = analyzer.analyze(["a", "b", "c"], BIOT)

    assert engines(results) == [("a", "comprehend"), ("b", "local"), ("c", "comprehend")]
    assert local.calls == [["b"]]
    assert analyzer.stats.reasons == {FallbackReason.DOCUMENT_ERROR: 1}
    assert state(analyzer.breaker) is BreakerState.CLOSED


def test_texts_too_long_for_comprehend_are_read_whole_locally() -> None:
    long_text = "é" * 2_501  # 5,002 bytes but only 2,501 characters
    primary, local = FakeComprehend(), FakeLocal()
    analyzer = FallbackAnalyzer(primary, local, max_primary_bytes=5_000)

    results = analyzer.analyze(["a", long_text, "c"], BIOT)

    assert engines(results) == [("a", "comprehend"), (long_text, "local"), ("c", "comprehend")]
    assert primary.calls == [["a", "c"]]
    assert local.calls == [[long_text]]
    assert analyzer.stats.reasons == {FallbackReason.TOO_LONG: 1}


def test_results_keep_input_order_across_every_reason() -> None:
    long_text = "x" * 6_000
    analyzer = FallbackAnalyzer(FakeComprehend(refuse=["d"]), FakeLocal())

    results = analyzer.analyze([long_text, "b", "c", "d", "e", long_text + "!"], BIOT)

    assert [result.key_phrases[0] for result in results] == [
        long_text,
        "b",
        "c",
        "d",
        "e",
        long_text + "!",
    ]
    assert [result.engine for result in results] == [
        "local",
        "comprehend",
        "comprehend",
        "local",
        "comprehend",
        "local",
    ]


def test_the_breaker_opens_after_three_failures_and_spares_comprehend() -> None:
    clock = FakeClock()
    primary = FakeComprehend(failure=ComprehendUnavailableError("down"))
    analyzer = FallbackAnalyzer(primary, FakeLocal(), CircuitBreaker(clock=clock))

    for _ in range(3):
        analyzer.analyze(["a"], BIOT)
    assert state(analyzer.breaker) is BreakerState.OPEN
    clock.advance(59)
    results = analyzer.analyze(["a"], BIOT)

    assert len(primary.calls) == 3
    assert engines(results) == [("a", "local")]
    assert analyzer.stats.reasons == {
        FallbackReason.UNAVAILABLE: 3,
        FallbackReason.BREAKER_OPEN: 1,
    }


def test_after_the_delay_one_trial_closes_the_breaker_on_success() -> None:
    clock = FakeClock()
    primary = FakeComprehend(failure=ComprehendUnavailableError("down"))
    analyzer = FallbackAnalyzer(primary, FakeLocal(), CircuitBreaker(clock=clock))
    for _ in range(3):
        analyzer.analyze(["a"], BIOT)

    clock.advance(60)
    assert state(analyzer.breaker) is BreakerState.HALF_OPEN
    primary.failure = None
    results = analyzer.analyze(["b"], BIOT)

    assert engines(results) == [("b", "comprehend")]
    assert state(analyzer.breaker) is BreakerState.CLOSED
    assert len(primary.calls) == 4


def test_a_failed_trial_opens_the_breaker_for_another_delay() -> None:
    clock = FakeClock()
    primary = FakeComprehend(failure=ComprehendThrottledError("Rate exceeded"))
    analyzer = FallbackAnalyzer(primary, FakeLocal(), CircuitBreaker(clock=clock))
    for _ in range(3):
        analyzer.analyze(["a"], BIOT)

    clock.advance(60)
    analyzer.analyze(["a"], BIOT)
    assert state(analyzer.breaker) is BreakerState.OPEN
    clock.advance(30)
    analyzer.analyze(["a"], BIOT)

    assert len(primary.calls) == 4


def test_long_texts_alone_do_not_use_up_the_half_open_trial() -> None:
    clock = FakeClock()
    breaker = CircuitBreaker(clock=clock)
    for _ in range(3):
        breaker.record_failure()
    clock.advance(60)
    analyzer = FallbackAnalyzer(FakeComprehend(), FakeLocal(), breaker)

    analyzer.analyze(["x" * 6_000], BIOT)

    assert breaker.allow() is True


def test_half_open_lets_a_single_trial_through() -> None:
    clock = FakeClock()
    breaker = CircuitBreaker(failure_threshold=2, reset_after_seconds=10, clock=clock)
    breaker.record_failure()
    assert state(breaker) is BreakerState.CLOSED
    breaker.record_failure()
    assert breaker.allow() is False

    clock.advance(10)

    assert breaker.allow() is True
    assert breaker.allow() is False
    assert state(breaker) is BreakerState.HALF_OPEN


def test_a_success_resets_the_consecutive_failure_count() -> None:
    breaker = CircuitBreaker(failure_threshold=3, clock=FakeClock())
    breaker.record_failure()
    breaker.record_failure()
    breaker.record_success()
    breaker.record_failure()
    breaker.record_failure()

    assert state(breaker) is BreakerState.CLOSED


def test_concurrent_callers_get_one_half_open_trial() -> None:
    clock = FakeClock()
    breaker = CircuitBreaker(failure_threshold=1, reset_after_seconds=1, clock=clock)
    breaker.record_failure()
    clock.advance(1)
    allowed: list[bool] = []
    start = threading.Barrier(16)

    def call() -> None:
        start.wait()
        allowed.append(breaker.allow())

    threads = [threading.Thread(target=call) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert allowed.count(True) == 1


def test_local_failure_is_the_callers_error() -> None:
    class BrokenLocal(Analyzer):
        def analyze(self, texts: Sequence[str], commune: Commune) -> list[TextAnalysis]:
            raise AnalysisError("model missing")

    analyzer = FallbackAnalyzer(FakeComprehend(), BrokenLocal())

    with pytest.raises(AnalysisError):
        analyzer.analyze(["a"], OPTED_OUT)


def test_cloudwatch_gets_the_fallbacks_but_not_the_opted_out_texts(capsys) -> None:
    throttled = FallbackAnalyzer(
        FakeComprehend(failure=ComprehendThrottledError("slow")), FakeLocal()
    )
    throttled.analyze(["un", "deux"], BIOT)
    [line] = capsys.readouterr().out.splitlines()
    record = json.loads(line)
    assert (record["ComprehendFallbacks"], record["ComprehendAnalysed"]) == (2, 0)
    [directive] = record["_aws"]["CloudWatchMetrics"]
    assert directive["Namespace"] == "Concerto"
    assert directive["Dimensions"] == [["service"]] and record["service"] == "concerto-tests"
    assert {m["Name"] for m in directive["Metrics"]} == {
        "ComprehendFallbacks",
        "ComprehendAnalysed",
    }

    FallbackAnalyzer(FakeComprehend(), FakeLocal()).analyze(["trois"], BIOT)
    assert json.loads(capsys.readouterr().out)["ComprehendAnalysed"] == 1
    FallbackAnalyzer(FakeComprehend(), FakeLocal()).analyze(["quatre"], OPTED_OUT)
    assert capsys.readouterr().out == ""
