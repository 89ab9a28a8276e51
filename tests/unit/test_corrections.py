"""Staff corrections of sentiment and theme: stored for learning, indicators kept exact."""

import pytest

from chalicelib.domain.errors import ConflictError, ForbiddenError
from chalicelib.domain.staff import Role
from chalicelib.domain.threads import Sentiment, ThreadChanges
from chalicelib.services import analysis, feedback, inbox
from chalicelib.services.feedback import SubmitFeedback
from tests.fakes import BIOT, memory_ports, staff

pytestmark = pytest.mark.unit


def analysed_opinion(ports, text="C'est inadmissible, personne ne fait rien", theme="proprete"):
    receipt = feedback.submit_feedback(ports, "biot", SubmitFeedback(theme=theme, text=text))
    job = ports.analysis_queue.jobs[-1]
    analysis.record(ports, analysis.prepare(ports, [job])[job])
    return ports.threads.get(BIOT, receipt.thread_id)


def counts(ports, thread):
    day = analysis.local_day(thread.created_at)
    counted = ports.indicators.counts(BIOT, [day])[day]
    return {k: v for k, v in counted.items() if v and k.startswith("n|")}


def test_a_sentiment_correction_is_kept_and_moves_the_indicator():
    ports = memory_ports()
    thread = analysed_opinion(ports)
    assert thread.analysis.result.sentiment is Sentiment.NEGATIVE

    saved = inbox.update_thread(
        ports, staff(), thread.thread_id, ThreadChanges(sentiment=Sentiment.MIXED)
    )

    assert saved.analysis.result.sentiment is Sentiment.MIXED
    assert saved.analysis.result.corrected is True
    assert saved.analysis.result.engine == "local"  # the engine's own scores stay visible
    assert counts(ports, thread) == {"n|t=proprete|q=-|c=web|s=MIXED": 1}
    [correction] = ports.corrections.list(BIOT)
    assert (correction.sentiment, correction.theme) == (Sentiment.MIXED, None)
    assert correction.text == "C'est inadmissible, personne ne fait rien"
    assert correction.staff_email == "agent@example.org"


def test_a_theme_change_is_a_correction_and_moves_the_indicator():
    ports = memory_ports()
    thread = analysed_opinion(ports)
    inbox.update_thread(ports, staff(), thread.thread_id, ThreadChanges(theme="voirie"))
    assert counts(ports, thread) == {"n|t=voirie|q=-|c=web|s=NEGATIVE": 1}
    [correction] = ports.corrections.list(BIOT)
    assert (correction.theme, correction.sentiment) == ("voirie", None)


def test_confirming_what_the_model_said_is_not_a_correction():
    ports = memory_ports()
    thread = analysed_opinion(ports)
    inbox.update_thread(
        ports, staff(), thread.thread_id, ThreadChanges(sentiment=Sentiment.NEGATIVE)
    )
    assert ports.corrections.list(BIOT) == []
    assert counts(ports, thread) == {"n|t=proprete|q=-|c=web|s=NEGATIVE": 1}


def test_a_sentiment_cannot_be_corrected_before_the_analysis_and_viewers_cannot_correct():
    ports = memory_ports()
    receipt = feedback.submit_feedback(
        ports, "biot", SubmitFeedback(theme="proprete", text="Les poubelles débordent")
    )
    with pytest.raises(ConflictError):
        inbox.update_thread(
            ports, staff(), receipt.thread_id, ThreadChanges(sentiment=Sentiment.POSITIVE)
        )
    thread = analysed_opinion(ports)
    with pytest.raises(ForbiddenError):
        inbox.update_thread(
            ports,
            staff(BIOT, Role.VIEWER),
            thread.thread_id,
            ThreadChanges(sentiment=Sentiment.POSITIVE),
        )
