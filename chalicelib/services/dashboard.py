"""The dashboard use case: indicators for a period, read from the pre-aggregated counters
(a bounded number of reads, whatever the number of verbatims), with the previous period
for comparison."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from chalicelib.analysis.key_phrases import group_counts
from chalicelib.domain import certainty, indicators
from chalicelib.domain.alerts import Alert
from chalicelib.domain.commune import Commune
from chalicelib.domain.errors import NotFoundError, ValidationError
from chalicelib.domain.indicators import Counted, Filter
from chalicelib.domain.staff import Role, StaffIdentity
from chalicelib.domain.threads import ThreadStatus
from chalicelib.ports import QUOTES_PER_PHRASE, Ports
from chalicelib.services import validation

MAX_DAYS = 366
GRANULARITIES = ("day", "week", "month")
SENTIMENTS = ("POSITIVE", "NEGATIVE", "NEUTRAL", "MIXED")
TOP_KEY_PHRASES = 10
DASHBOARD_ALERTS = 20
_PARIS = ZoneInfo("Europe/Paris")


@dataclass
class Figures:
    """Volume, sentiment split and ratings of a set of verbatims."""

    verbatims: int = 0
    sentiments: Counter[str] = field(default_factory=Counter)
    rating_sum: int = 0
    ratings: int = 0

    def add(self, counted: Counted) -> None:
        if counted.metric == indicators.VERBATIMS:
            self.verbatims += counted.value
            self.sentiments[counted.sentiment or "NEUTRAL"] += counted.value
        elif counted.metric == indicators.RATING_SUM:
            self.rating_sum += counted.value
        elif counted.metric == indicators.RATING_COUNT:
            self.ratings += counted.value

    @property
    def net_sentiment(self) -> float | None:
        """(positive − negative) / verbatims × 100, from −100 to 100."""
        return certainty.net_sentiment(
            self.sentiments["POSITIVE"], self.sentiments["NEGATIVE"], self.verbatims
        )

    @property
    def average_rating(self) -> float | None:
        return round(self.rating_sum / self.ratings, 2) if self.ratings else None

    @property
    def too_few(self) -> bool:
        """Too few verbatims for the net sentiment to mean much (certainty.MIN_VERBATIMS)."""
        return self.verbatims < certainty.MIN_VERBATIMS

    @property
    def net_sentiment_interval(self) -> tuple[float, float] | None:
        return certainty.net_sentiment_interval(
            self.sentiments["POSITIVE"], self.sentiments["NEGATIVE"], self.verbatims
        )


@dataclass
class Dialogue:
    opinions: int = 0
    # Threads waiting for staff now (new or in progress), whatever the period.
    open_threads: int | None = None
    overdue_threads: int | None = None
    first_answers: int = 0
    minutes: int = 0
    buckets: Counter[str] = field(default_factory=Counter)

    @property
    def answered_share(self) -> float | None:
        # Opinions count once analysed, answers when given: an answer faster than the
        # analysis is briefly ahead; the share never passes 1.
        if not self.opinions:
            return None
        return min(1.0, round(self.first_answers / self.opinions, 3))

    @property
    def average_hours(self) -> float | None:
        return round(self.minutes / 60 / self.first_answers, 1) if self.first_answers else None

    @property
    def median_hours(self) -> float | None:
        """The upper bound of the histogram bucket holding the median first answer."""
        if not self.first_answers:
            return None
        seen = 0
        for bound in (*indicators.ANSWER_BUCKETS_HOURS, 0):
            seen += self.buckets[str(bound)]
            if seen * 2 >= self.first_answers:
                return float(bound) if bound else None
        return None


@dataclass(frozen=True)
class Period:
    start: date
    end: date

    @property
    def days(self) -> list[str]:
        count = (self.end - self.start).days + 1
        return [(self.start + timedelta(days=n)).isoformat() for n in range(count)]

    def previous(self) -> Period:
        length = self.end - self.start + timedelta(days=1)
        return Period(self.start - length, self.start - timedelta(days=1))


@dataclass(frozen=True)
class Dashboard:
    period: Period
    granularity: str
    totals: Figures
    previous: Figures
    series: list[tuple[str, Figures]]
    by_theme: dict[str, Figures]
    by_quartier: dict[str, Figures]
    by_channel: dict[str, Figures]
    key_phrases: list[tuple[str, int]]
    dialogue: Dialogue
    # {theme: (sum of 1–10 scores, votes)} for the period and the previous one.
    quotes: dict[str, list[str]] = field(default_factory=dict)
    barometer: dict[str, tuple[int, int]] = field(default_factory=dict)
    previous_barometer: dict[str, tuple[int, int]] = field(default_factory=dict)
    alerts: list[Alert] = field(default_factory=list)
    # Series buckets (by first day) that are over and wholly in the period.
    complete_buckets: frozenset[str] = frozenset()
    # Whether the period itself is over (a period ending today is not).
    complete: bool = True


def period(start: date, end: date) -> Period:
    if end < start:
        raise ValidationError("the period ends before it starts", code="invalid_period")
    if (end - start).days + 1 > MAX_DAYS:
        raise ValidationError(f"a period covers at most {MAX_DAYS} days", code="invalid_period")
    return Period(start, end)


def dashboard(
    ports: Ports, staff: StaffIdentity, wanted: Period, granularity: str, filter: Filter
) -> Dashboard:
    staff.require(Role.VIEWER)
    if granularity not in GRANULARITIES:
        raise ValidationError("granularity is day, week or month", code="invalid_granularity")
    before = wanted.previous()
    today = ports.clock().astimezone(_PARIS).date()
    counts = ports.indicators.counts(staff.commune_id, before.days + wanted.days)
    current = {day: counts[day] for day in wanted.days}
    rows = [(day, c) for day, dims in current.items() for c in _parsed(dims) if c.matches(filter)]
    previous_rows = [c for day in before.days for c in _parsed(counts[day]) if c.matches(filter)]
    grouped = _key_phrases(current.values(), filter.theme)
    key_phrases = [(phrase, count) for phrase, count, _ in grouped]
    months = sorted({day[:7] for day in wanted.days})
    spellings = [spelling for _, _, variants in grouped for spelling in variants]
    found = ports.indicators.quotes(staff.commune_id, months, spellings)
    quotes = _quotes_by_group(grouped, found)
    series = _series(rows, wanted, granularity)
    return Dashboard(
        complete_buckets=frozenset(
            start
            for start, _ in series
            if certainty.bucket_complete(
                date.fromisoformat(start), granularity, (wanted.start, wanted.end), today
            )
        ),
        complete=wanted.end < today,
        quotes=quotes,
        period=wanted,
        granularity=granularity,
        totals=_figures(c for _, c in rows),
        previous=_figures(previous_rows),
        series=series,
        by_theme=_grouped(rows, lambda c: c.theme),
        by_quartier=_grouped(rows, lambda c: c.quartier or "-"),
        by_channel=_grouped(rows, lambda c: c.channel),
        key_phrases=key_phrases,
        dialogue=replace(
            _dialogue(c for _, c in rows),
            open_threads=_open(ports, staff),
            overdue_threads=ports.threads.count_overdue(staff.commune_id, ports.clock()),
        ),
        barometer=indicators.barometer_totals(current.values()),
        previous_barometer=indicators.barometer_totals(counts[day] for day in before.days),
        alerts=ports.alerts.list(staff.commune_id, active_only=True, limit=DASHBOARD_ALERTS),
    )


def _open(ports: Ports, staff: StaffIdentity) -> int:
    waiting = (ThreadStatus.NEW, ThreadStatus.IN_PROGRESS)
    return sum(ports.threads.count_by_status(staff.commune_id, status) for status in waiting)


def _parsed(dimensions: Mapping[str, int]) -> list[Counted]:
    parsed = (indicators.parse(dimension, value) for dimension, value in dimensions.items())
    return [counted for counted in parsed if counted is not None]


def _figures(rows: Iterable[Counted]) -> Figures:
    figures = Figures()
    for counted in rows:
        figures.add(counted)
    return figures


def _grouped(rows: list[tuple[str, Counted]], key: Callable[[Counted], str]) -> dict[str, Figures]:
    groups: dict[str, Figures] = {}
    for _, counted in rows:
        groups.setdefault(key(counted), Figures()).add(counted)
    return dict(sorted(groups.items(), key=lambda item: -item[1].verbatims))


def _bucket(day: str, granularity: str) -> str:
    moment = date.fromisoformat(day)
    if granularity == "week":
        return (moment - timedelta(days=moment.weekday())).isoformat()
    if granularity == "month":
        return moment.replace(day=1).isoformat()
    return day


def _series(
    rows: list[tuple[str, Counted]], wanted: Period, granularity: str
) -> list[tuple[str, Figures]]:
    buckets = {_bucket(day, granularity): Figures() for day in wanted.days}
    for day, counted in rows:
        buckets[_bucket(day, granularity)].add(counted)
    return list(buckets.items())


def _key_phrases(
    days: Iterable[Mapping[str, int]], theme: str | None
) -> list[tuple[str, int, list[str]]]:
    # Key-phrase counters are per theme only: a quartier or channel filter does not narrow them.
    total: Counter[str] = Counter()
    for dimensions in days:
        total.update(indicators.key_phrase_counts(dimensions, theme))
    # One line per lemma ("poubelle" and "poubelles", "école" and "ecole"), and counters an
    # older extractor wrote for no noun phrase ("franchement", "deux") left out.
    return group_counts(total.items())[:TOP_KEY_PHRASES]


def _quotes_by_group(
    grouped: list[tuple[str, int, list[str]]], found: Mapping[str, list[str]]
) -> dict[str, list[str]]:
    quotes: dict[str, list[str]] = {}
    for phrase, _, variants in grouped:
        merged = [quote for variant in variants for quote in found.get(variant, [])]
        if merged:
            quotes[phrase] = list(dict.fromkeys(merged))[:QUOTES_PER_PHRASE]
    return quotes


def _dialogue(rows: Iterable[Counted]) -> Dialogue:
    dialogue = Dialogue()
    for counted in rows:
        if counted.metric == indicators.OPINIONS:
            dialogue.opinions += counted.value
        elif counted.metric == indicators.FIRST_ANSWERS:
            dialogue.first_answers += counted.value
        elif counted.metric == indicators.FIRST_ANSWER_MINUTES:
            dialogue.minutes += counted.value
        elif counted.metric == indicators.ANSWER_BUCKET:
            dialogue.buckets[counted.extra] += counted.value
    return dialogue


@dataclass(frozen=True)
class PublicIndicators:
    """The "vous avez dit / nous avons fait" page: what citizens said, per theme, and how
    the commune answered."""

    commune: Commune
    period: Period
    totals: Figures
    dialogue: Dialogue
    by_theme: dict[str, tuple[Figures, Dialogue]]


def public_indicators(ports: Ports, slug: str, today: date) -> PublicIndicators:
    """The last twelve months, for communes that publish them. Raises NotFoundError
    otherwise, as for an unknown commune."""
    commune = validation.find_commune(ports, slug)
    if not commune.settings.public_indicators:
        raise NotFoundError("this commune does not publish its indicators", code="not_published")
    wanted = Period(today - timedelta(days=364), today)
    counts = ports.indicators.counts(commune.commune_id, wanted.days)
    rows = [counted for day in wanted.days for counted in _parsed(counts[day])]
    by_theme: dict[str, tuple[Figures, Dialogue]] = {}
    for theme in commune.themes:
        own = [counted for counted in rows if counted.theme == theme.id]
        by_theme[theme.id] = (_figures(own), _dialogue(own))
    return PublicIndicators(commune, wanted, _figures(rows), _dialogue(rows), by_theme)
