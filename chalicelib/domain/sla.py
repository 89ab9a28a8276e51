"""The answer deadline a commune commits to: N working days, French public holidays excluded.

A citizen writing on day D is due an answer by the end (Europe/Paris) of the N-th working day
after D: "réponse sous 5 jours ouvrés" as communes word it. Weekends and the eleven national
public holidays do not count (Alsace-Moselle's two extra days are not handled).
"""

from __future__ import annotations

import functools
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")
MAX_SLA_DAYS = 60


def easter_sunday(year: int) -> date:
    """Gregorian Easter (the anonymous Gregorian algorithm, "Meeus/Jones/Butcher")."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    leap = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * leap) // 451
    month, day = divmod(h + leap - 7 * m + 114, 31)
    return date(year, month, day + 1)


@functools.lru_cache(maxsize=64)
def public_holidays(year: int) -> frozenset[date]:
    """France's national public holidays (Code du travail, art. L3133-1)."""
    easter = easter_sunday(year)
    fixed = [(1, 1), (5, 1), (5, 8), (7, 14), (8, 15), (11, 1), (11, 11), (12, 25)]
    movable = [easter + timedelta(days=n) for n in (1, 39, 50)]  # Monday, Ascension, Pentecost
    return frozenset([date(year, month, day) for month, day in fixed] + movable)


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in public_holidays(day.year)


def answer_due(received_at: datetime, working_days: int) -> datetime:
    """The end of the `working_days`-th working day after the day the message arrived."""
    day = received_at.astimezone(PARIS).date()
    remaining = working_days
    while remaining > 0:
        day += timedelta(days=1)
        if is_working_day(day):
            remaining -= 1
    end_of_day = datetime.combine(day + timedelta(days=1), time(0), tzinfo=PARIS)
    return end_of_day.astimezone(UTC)
