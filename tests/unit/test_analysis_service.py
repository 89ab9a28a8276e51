"""The analysis use case: results and indicators recorded exactly once."""

import pytest

from chalicelib.domain.threads import AnalysisStatus, Sentiment
from chalicelib.services import analysis, feedback
from chalicelib.services.feedback import SubmitFeedback
from tests.fakes import BIOT, FailingAnalyzer, memory_ports

pytestmark = pytest.mark.unit


def test_an_opinion_is_analysed_and_counted_once_even_if_delivered_twice():
    ports = memory_ports()
    feedback.submit_feedback(
        ports,
        "biot",
        SubmitFeedback(theme="proprete", text="C'est inadmissible, personne ne fait rien"),
    )
    [job] = ports.analysis_queue.jobs

    first = analysis.prepare(ports, [job])[job]
    assert analysis.record(ports, first) is True
    again = analysis.prepare(ports, [job])[job]
    assert analysis.record(ports, again) is False

    thread = ports.threads.get(BIOT, job.thread_id)
    assert thread.analysis.status is AnalysisStatus.DONE
    assert thread.analysis.result.sentiment is Sentiment.NEGATIVE
    assert thread.analysis.result.engine == "local"
    day = analysis.local_day(thread.created_at)
    counts = ports.indicators.counts(BIOT, [day])[day]
    assert {k: v for k, v in counts.items() if not k.startswith("kp|")} == {
        "n|t=proprete|q=-|c=web|s=NEGATIVE": 1,
        "op|t=proprete|q=-|c=web|s=-": 1,
    }
    assert all(v == 1 for k, v in counts.items() if k.startswith("kp|"))


def test_an_analyzer_failure_maps_to_each_job_and_the_last_attempt_marks_it_failed():
    ports = memory_ports()
    ports.analyzer = FailingAnalyzer()
    feedback.submit_feedback(ports, "biot", SubmitFeedback(theme="proprete", text="Bonjour à tous"))
    [job] = ports.analysis_queue.jobs
    outcome = analysis.prepare(ports, [job])[job]
    assert isinstance(outcome, Exception)

    analysis.record_failure(ports, job, "AnalysisError: analyzer unavailable")
    thread = ports.threads.get(BIOT, job.thread_id)
    assert thread.analysis.status is AnalysisStatus.FAILED
    assert "unavailable" in thread.analysis.error


def test_the_indicator_day_is_the_communes_civil_day():
    from datetime import UTC, datetime

    assert analysis.local_day(datetime(2026, 6, 30, 22, 30, tzinfo=UTC)) == "2026-07-01"
    assert analysis.local_day(datetime(2026, 12, 31, 22, 59, tzinfo=UTC)) == "2026-12-31"
