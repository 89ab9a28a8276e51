"""Counters that an older analysis filled with key phrases naming personal data are cleaned:
the dashboard then names no one, and the clean phrases keep their counts."""

from dataclasses import replace
from datetime import date

import pytest

from chalicelib.domain.indicators import Filter
from chalicelib.domain.threads import PiiSpan, Sentiment, TextAnalysis
from chalicelib.services import analysis, dashboard, feedback
from chalicelib.services.feedback import SubmitFeedback
from chalicelib.services.key_phrase_cleanup import Cleaned, clean_key_phrases
from tests.fakes import BIOT, VALBONNE, Clock, memory_ports, staff

pytestmark = pytest.mark.unit

TEXT = "Ma voisine Mme Durand brûle ses déchets verts tous les soirs."
NOVEMBER = dashboard.period(date(2026, 11, 1), date(2026, 11, 30))


def recorded_as_before(ports, slug="biot", commune=BIOT):
    """An opinion analysed before the analysis dropped personal phrases."""
    receipt = feedback.submit_feedback(ports, slug, SubmitFeedback(theme="proprete", text=TEXT))
    thread = ports.threads.get(commune, receipt.thread_id)
    [message] = ports.threads.messages(commune, receipt.thread_id)
    start = TEXT.index("Mme")
    result = TextAnalysis(
        "fr",
        Sentiment.NEGATIVE,
        {"negative": 0.9},
        ("voisine mme durand", "déchets verts"),
        "local",
        pii=(PiiSpan("NAME", start, start + len("Mme Durand")),),
        masked_text=TEXT.replace("Mme Durand", "[nom]"),
    )
    counters = analysis.counters_for(thread, message, result)
    assert ports.threads.record_analysis(message, result, counters, on_thread=True)
    for phrase in result.key_phrases:
        ports.indicators.add_quote(commune, "2026-11", phrase, result.masked_text)
    return receipt.thread_id


def phrases(ports, commune=BIOT):
    identity = replace(staff(), commune_id=commune)
    board = dashboard.dashboard(ports, identity, NOVEMBER, "day", Filter())
    return dict(board.key_phrases), board.quotes


def test_personal_phrases_leave_the_counters_the_quotes_and_the_analysis():
    ports = memory_ports(Clock())
    thread_id = recorded_as_before(ports)
    other = recorded_as_before(ports, "valbonne", VALBONNE)
    assert "voisine mme durand" in phrases(ports)[0]

    assert clean_key_phrases(ports, BIOT) == Cleaned(messages=1, phrases=1, skipped=0)

    counts, quotes = phrases(ports)
    assert counts == {"déchets verts": 1}
    assert set(quotes) == {"déchets verts"}
    assert ports.threads.get(BIOT, thread_id).analysis.result.key_phrases == ("déchets verts",)
    [message] = ports.threads.messages(BIOT, thread_id)
    assert message.analysis.result.key_phrases == ("déchets verts",)
    # Run again: nothing left; and the other commune is untouched until cleaned itself.
    assert clean_key_phrases(ports, BIOT) == Cleaned(0, 0, 0)
    assert phrases(ports)[0] == {"déchets verts": 1}
    assert "voisine mme durand" in phrases(ports, VALBONNE)[0]
    assert ports.threads.get(VALBONNE, other).analysis.result.key_phrases[0] == "voisine mme durand"
