"""A topic's trend against the period before, and when it may be relied on."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from chalicelib.domain import topic_figures
from chalicelib.domain.indicators import Filter
from chalicelib.domain.threads import Channel, Sentiment
from chalicelib.domain.topic_figures import TopicFigures, Trend
from chalicelib.domain.topics import Verbatim
from tests.fakes import BIOT

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("current", "previous", "expected"),
    [
        (0, 0, Trend.STABLE),
        (3, 0, Trend.NEW),
        (6, 3, Trend.STABLE),  # doubled, but 3 more is within chance (2√9 = 6)
        (12, 4, Trend.UP),  # 8 more ≥ 2√16
        (60, 30, Trend.UP),
        (30, 60, Trend.DOWN),
        (0, 12, Trend.DOWN),
        (1050, 1000, Trend.STABLE),  # beyond chance at this volume, but a 5 % change
        (1300, 1000, Trend.UP),
    ],
)
def test_a_trend_is_up_or_down_only_when_large_and_beyond_chance(current, previous, expected):
    assert topic_figures.trend(current, previous) is expected


def test_a_trend_is_reliable_on_enough_verbatims_over_a_finished_period():
    assert topic_figures.reliable(10, 10, complete=True)
    assert not topic_figures.reliable(10, 10, complete=False)
    assert not topic_figures.reliable(9, 30, complete=True)
    assert not topic_figures.reliable(30, 9, complete=True)
    assert topic_figures.reliable(12, 0, complete=True)  # new, and already enough
    assert not topic_figures.reliable(3, 0, complete=True)


def verbatim(**changes: object) -> Verbatim:
    base = {
        "commune_id": BIOT,
        "message_id": "m1",
        "thread_id": "m1",
        "created_at": datetime(2026, 11, 2, tzinfo=UTC),
        "theme": "voirie",
        "quartier": "village",
        "channel": Channel.EMAIL,
        "sentiment": Sentiment.NEGATIVE,
        "embedder": "hashed",
        "vector": b"",
    }
    return Verbatim(**(base | changes))  # type: ignore[arg-type]


def test_figures_count_sentiments_and_themes_and_filters_match_each_facet():
    figures = TopicFigures()
    for sentiment in (Sentiment.NEGATIVE, Sentiment.NEGATIVE, Sentiment.POSITIVE):
        figures.add(verbatim(sentiment=sentiment))
    assert (figures.verbatims, figures.net_sentiment, figures.too_few) == (3, -33.3, True)
    assert figures.themes == {"voirie": 3}
    assert TopicFigures().net_sentiment is None
    one = verbatim()
    assert topic_figures.matches(one, Filter())
    assert topic_figures.matches(one, Filter("voirie", "village", Channel.EMAIL))
    assert not topic_figures.matches(one, Filter(theme="proprete"))
    assert not topic_figures.matches(one, Filter(quartier="brague"))
    assert not topic_figures.matches(one, Filter(channel=Channel.WEB))
