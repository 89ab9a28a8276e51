"""How sure a dashboard figure is: a net sentiment on a handful of verbatims, or on a week
that is not over, is noise an official must not read as a collapse."""

from __future__ import annotations

import calendar
import math
from datetime import date, timedelta

# Below this many verbatims a net sentiment is shown as "too few" (and plotted hollow).
MIN_VERBATIMS = 10
_Z95 = 1.96


def net_sentiment(positive: int, negative: int, total: int) -> float | None:
    """(positive − negative) / total × 100, from −100 to 100; None without verbatims."""
    if not total:
        return None
    return round(100 * (positive - negative) / total, 1)


def net_sentiment_interval(positive: int, negative: int, total: int) -> tuple[float, float] | None:
    """A 95 % interval for the net sentiment (−100 to 100), None without verbatims.

    The net sentiment is 100 × the mean of +1 (positive), −1 (negative) and 0 (the rest).
    As Agresti and Caffo do for proportions, one positive and one negative pseudo-verbatim
    are added before the normal approximation, so that one negative opinion gives
    [−100, +73], not a sure −100."""
    if total <= 0:
        return None
    n = total + 2
    p_plus, p_minus = (positive + 1) / n, (negative + 1) / n
    mean = p_plus - p_minus
    variance = max(p_plus + p_minus - mean * mean, 0.0)
    margin = _Z95 * math.sqrt(variance / n)
    low, high = max(-1.0, mean - margin), min(1.0, mean + margin)
    return round(100 * low, 1), round(100 * high, 1)


def bucket_end(start: date, granularity: str) -> date:
    """The last day of the series bucket that starts on `start`."""
    if granularity == "week":
        return start + timedelta(days=6)
    if granularity == "month":
        return start.replace(day=calendar.monthrange(start.year, start.month)[1])
    return start


def bucket_complete(start: date, granularity: str, period: tuple[date, date], today: date) -> bool:
    """Whether the bucket is over and lies wholly in the period: the current week, or a week
    the period cuts in two, holds only part of its verbatims."""
    end = bucket_end(start, granularity)
    return end < today and period[0] <= start and end <= period[1]
