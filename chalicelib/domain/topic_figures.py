"""A topic's figures for a period: volume, sentiment split, themes, and its trend against the
period before — with certainty's caution: a handful of verbatims is shown, never read as a
rise or a fall."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from enum import StrEnum

from chalicelib.domain import certainty
from chalicelib.domain.indicators import Filter
from chalicelib.domain.topics import Verbatim

SENTIMENTS = ("POSITIVE", "NEGATIVE", "NEUTRAL", "MIXED")
# Below this relative change a volume is "stable", however many verbatims it counts.
TREND_MIN_CHANGE = 0.2


class Trend(StrEnum):
    NEW = "new"
    UP = "up"
    DOWN = "down"
    STABLE = "stable"


@dataclass
class TopicFigures:
    verbatims: int = 0
    sentiments: Counter[str] = field(default_factory=Counter)
    themes: Counter[str] = field(default_factory=Counter)

    def add(self, verbatim: Verbatim) -> None:
        self.verbatims += 1
        self.sentiments[verbatim.sentiment.value] += 1
        self.themes[verbatim.theme] += 1

    @property
    def net_sentiment(self) -> float | None:
        """(positive − negative) / verbatims × 100, as on the dashboard."""
        return certainty.net_sentiment(
            self.sentiments["POSITIVE"], self.sentiments["NEGATIVE"], self.verbatims
        )

    @property
    def too_few(self) -> bool:
        return self.verbatims < certainty.MIN_VERBATIMS


def matches(verbatim: Verbatim, wanted: Filter) -> bool:
    return (
        (wanted.theme is None or wanted.theme == verbatim.theme)
        and (wanted.quartier is None or wanted.quartier == verbatim.quartier)
        and (wanted.channel is None or wanted.channel == verbatim.channel)
    )


def trend(current: int, previous: int) -> Trend:
    """ "new" when the previous period had none. Otherwise "up" or "down" only when the change
    is both large (at least TREND_MIN_CHANGE of the previous volume) and beyond chance: for
    two Poisson counts of equal rates, current − previous has a standard deviation of about
    √(current + previous), so the difference must pass 2 × that (≈ 95 %). 3 → 6 is "stable";
    30 → 60 is "up"; 1 000 → 1 050 is "stable" however sure."""
    if previous == 0:
        return Trend.NEW if current else Trend.STABLE
    delta = current - previous
    significant = abs(delta) >= 2 * math.sqrt(current + previous)
    large = abs(delta) >= TREND_MIN_CHANGE * previous
    if not (significant and large):
        return Trend.STABLE
    return Trend.UP if delta > 0 else Trend.DOWN


def reliable(current: int, previous: int, complete: bool) -> bool:
    """A trend worth reading: both periods over certainty's floor (the current one alone for
    a new topic), and the period over (a period ending today holds part of its verbatims,
    as on the dashboard)."""
    enough = current >= certainty.MIN_VERBATIMS and (
        previous == 0 or previous >= certainty.MIN_VERBATIMS
    )
    return complete and enough
