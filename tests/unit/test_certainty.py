"""How sure a figure is: intervals for the net sentiment, complete and incomplete buckets."""

from __future__ import annotations

from datetime import date

import pytest

from chalicelib.domain.certainty import (
    MIN_VERBATIMS,
    bucket_complete,
    bucket_end,
    net_sentiment_interval,
)

pytestmark = pytest.mark.unit


def test_one_negative_opinion_is_no_sure_collapse() -> None:
    low, high = net_sentiment_interval(positive=0, negative=1, total=1) or (0, 0)
    assert low == -100.0 and high > 50


def test_many_verbatims_give_a_narrow_interval_around_the_net_sentiment() -> None:
    low, high = net_sentiment_interval(positive=300, negative=600, total=1000) or (0, 0)
    assert low < -30 < high and high - low < 12


def test_the_interval_always_holds_the_observed_value_and_stays_in_bounds() -> None:
    for positive, negative, total in [(5, 0, 5), (0, 12, 12), (3, 3, 9), (40, 2, 50)]:
        low, high = net_sentiment_interval(positive, negative, total) or (0, 0)
        observed = 100 * (positive - negative) / total
        assert -100 <= low <= observed <= high <= 100
    assert net_sentiment_interval(0, 0, 0) is None


def test_the_threshold() -> None:
    assert MIN_VERBATIMS == 10


@pytest.mark.parametrize(
    ("start", "granularity", "end"),
    [
        (date(2026, 11, 2), "day", date(2026, 11, 2)),
        (date(2026, 11, 2), "week", date(2026, 11, 8)),
        (date(2026, 2, 1), "month", date(2026, 2, 28)),
        (date(2028, 2, 1), "month", date(2028, 2, 29)),
    ],
)
def test_bucket_end(start: date, granularity: str, end: date) -> None:
    assert bucket_end(start, granularity) == end


def test_the_current_week_and_a_week_cut_by_the_period_are_incomplete() -> None:
    november = (date(2026, 11, 1), date(2026, 11, 30))
    today = date(2026, 11, 18)  # a Wednesday
    assert bucket_complete(date(2026, 11, 9), "week", november, today)
    assert not bucket_complete(date(2026, 11, 16), "week", november, today)  # this week
    assert not bucket_complete(date(2026, 10, 26), "week", november, today)  # cut by 1 Nov
    assert not bucket_complete(date(2026, 11, 18), "day", november, today)  # today
    assert bucket_complete(date(2026, 11, 17), "day", november, today)
