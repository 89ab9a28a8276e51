"""The read side of discovered topics: their figures for a period and filters, one topic's
page, a topic's summary, and what the alert job counts (the inbox filter is in
`topic_threads`). Read from the topic store (the ingest and the rebuild write it); quotes
are masked previews."""

from __future__ import annotations

import logging
from collections import Counter, defaultdict, deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from chalicelib.domain import alerts as alert_rules
from chalicelib.domain import certainty, topic_figures
from chalicelib.domain.alerts import AlertKind, AlertRules, Finding
from chalicelib.domain.commune import Commune
from chalicelib.domain.errors import NotFoundError, ValidationError
from chalicelib.domain.ids import CommuneId
from chalicelib.domain.indicators import Filter
from chalicelib.domain.staff import Role, StaffIdentity
from chalicelib.domain.summaries import QuotedText
from chalicelib.domain.topic_figures import TopicFigures, Trend
from chalicelib.domain.topics import TopicsState, Verbatim
from chalicelib.ports import Ports
from chalicelib.services import summaries
from chalicelib.services.dashboard import Period

if TYPE_CHECKING:
    from chalicelib.analysis.topics import FloatArray

logger = logging.getLogger(__name__)
QUOTES = 3
QUOTE_CANDIDATES = 200
ACTIVE_ALERTS = 500
_PARIS = ZoneInfo("Europe/Paris")


@dataclass(frozen=True)
class TopicRow:
    id: str
    label: str
    figures: TopicFigures
    previous: int
    trend: Trend
    reliable: bool
    quotes: list[str]
    emerging: bool


@dataclass(frozen=True)
class TopicsOverview:
    period: Period
    engine: str | None
    built_at: datetime | None
    verbatims: int
    outside: int
    topics: list[TopicRow]


@dataclass(frozen=True)
class SeriesBucket:
    start: str
    verbatims: int
    complete: bool


@dataclass(frozen=True)
class TopicDetail:
    topic: TopicRow
    series: list[SeriesBucket] = field(default_factory=list)


@dataclass(frozen=True)
class StoredModel:
    """The stored model as the read side needs it: labels, centroids, the embedder."""

    state: TopicsState
    embedder: str
    labels: dict[str, str]
    centroids: dict[str, FloatArray]
    mean: FloatArray | None


@dataclass
class _Tally:
    """A topic's figures, and its newest quoted verbatims to pick quotes from: enough to find
    typical ones, in a memory bounded whatever the topic's size."""

    figures: TopicFigures = field(default_factory=TopicFigures)
    quoted: deque[Verbatim] = field(default_factory=lambda: deque(maxlen=QUOTE_CANDIDATES))

    def add(self, verbatim: Verbatim, newest_first: bool) -> None:
        self.figures.add(verbatim)
        if not verbatim.quote:
            return  # a toxic text is stored without a quote
        if not newest_first:
            self.quoted.append(verbatim)  # a full deque drops its oldest
        elif len(self.quoted) < QUOTE_CANDIDATES:
            self.quoted.appendleft(verbatim)

    def newest_quoted(self) -> list[Verbatim]:
        return list(reversed(self.quoted))


def overview(ports: Ports, staff: StaffIdentity, wanted: Period, filter: Filter) -> TopicsOverview:
    """Every topic with at least one verbatim of the period matching `filter`, biggest first.
    Verbatims of a topic the current model no longer holds (a rebuild dropped it; the same
    rebuild reassigns them) count as outside every topic."""
    staff.require(Role.VIEWER)
    model = stored_model(ports, staff.commune_id)
    start, end = _bounds(_previous_days(wanted)[0], wanted.end)
    current_start = _bounds(wanted.start, wanted.end)[0]
    groups: dict[str, _Tally] = defaultdict(_Tally)
    previous: Counter[str] = Counter()
    total = outside = 0
    for verbatim in ports.topics.between(staff.commune_id, start, end):
        if not topic_figures.matches(verbatim, filter):
            continue
        known = verbatim.topic if model and verbatim.topic in model.labels else None
        if verbatim.created_at < current_start:
            if known:
                previous[known] += 1
            continue
        total += 1
        if known is None:
            outside += 1
        else:
            groups[known].add(verbatim, newest_first=False)
    emerging = _emerging(ports, staff.commune_id)
    complete = wanted.end < _today(ports)
    rows = [
        _row(model, topic_id, tally, previous[topic_id], complete, emerging)
        for topic_id, tally in groups.items()
        if model is not None
    ]
    rows.sort(key=lambda row: (-row.figures.verbatims, row.label, row.id))
    return TopicsOverview(
        wanted,
        model.embedder if model else None,
        model.state.built_at if model else None,
        total,
        outside,
        rows,
    )


def detail(
    ports: Ports,
    staff: StaffIdentity,
    topic_id: str,
    wanted: Period,
    filter: Filter,
    granularity: str,
) -> TopicDetail:
    """One topic of the commune's current model, with its series. Raises NotFoundError for
    an id the model does not hold (another commune's topics are not in it)."""
    staff.require(Role.VIEWER)
    model = known_model(ports, staff.commune_id, topic_id, NotFoundError)
    start, end = _bounds(wanted.start, wanted.end)
    before = _bounds(*_previous_days(wanted))
    tally = _Tally()
    buckets = {_bucket(date.fromisoformat(day), granularity): 0 for day in wanted.days}
    for verbatim in ports.topics.of_topic(staff.commune_id, topic_id, start, end):
        if topic_figures.matches(verbatim, filter):
            tally.add(verbatim, newest_first=True)
            buckets[_bucket(_day(verbatim.created_at), granularity)] += 1
    previous = sum(
        1
        for v in ports.topics.of_topic(staff.commune_id, topic_id, *before)
        if topic_figures.matches(v, filter)
    )
    today = _today(ports)
    row = _row(
        model, topic_id, tally, previous, wanted.end < today, _emerging(ports, staff.commune_id)
    )
    period = (wanted.start, wanted.end)
    series = [
        SeriesBucket(
            first.isoformat(), count, certainty.bucket_complete(first, granularity, period, today)
        )
        for first, count in buckets.items()
    ]
    return TopicDetail(row, series)


def _previous_days(wanted: Period) -> tuple[date, date]:
    """The equally long period just before."""
    try:
        before = wanted.previous()
    except OverflowError as error:  # a period starting in year 1 has no period before
        raise ValidationError("the period is out of range", code="invalid_period") from error
    return before.start, before.end


def _row(
    model: StoredModel | None,
    topic_id: str,
    tally: _Tally,
    previous: int,
    complete: bool,
    emerging: set[str],
) -> TopicRow:
    figures = tally.figures
    return TopicRow(
        id=topic_id,
        label=model.labels[topic_id] if model else "",
        figures=figures,
        previous=previous,
        trend=topic_figures.trend(figures.verbatims, previous),
        reliable=topic_figures.reliable(figures.verbatims, previous, complete),
        quotes=_quotes(model, topic_id, tally.newest_quoted()),
        emerging=topic_id in emerging,
    )


def _quotes(model: StoredModel | None, topic_id: str, newest_first: list[Verbatim]) -> list[str]:
    """The period's masked previews nearest to the topic's centroid (the most typical), then
    the newest; never a toxic text (its quote is empty)."""
    quoted = newest_first
    if model is not None and topic_id in model.centroids:
        quoted = _by_closeness(model, topic_id, quoted)
    return list(dict.fromkeys(v.quote for v in quoted))[:QUOTES]


def _by_closeness(model: StoredModel, topic_id: str, quoted: list[Verbatim]) -> list[Verbatim]:
    import numpy as np  # paid only when a topic has quotes to rank

    from chalicelib.analysis.topic_codec import decode_embedding

    same = [v for v in quoted if v.embedder == model.embedder and v.vector]
    if not same:
        return quoted
    rows = np.stack([decode_embedding(v.vector) for v in same])
    if model.mean is not None:
        rows = rows - model.mean  # the model's centroids live in its centred space
    norms = np.linalg.norm(rows, axis=1)
    norms[norms == 0] = 1.0
    cosines = (rows @ model.centroids[topic_id]) / norms
    ranked = [same[int(i)] for i in np.argsort(-cosines, kind="stable")]
    others = [v for v in quoted if v not in same]
    return ranked + others


def _bucket(day: date, granularity: str) -> date:
    if granularity == "week":
        return day - timedelta(days=day.weekday())
    if granularity == "month":
        return day.replace(day=1)
    return day


def topic_summary(
    ports: Ports, staff: StaffIdentity, start: date, end: date, topic_id: str
) -> summaries.QuotedSummary:
    """The summary of a topic's masked opinions of the period (one per thread, newest
    first, at most summaries.MAX_OPINIONS), cached like a theme's. Raises ValidationError
    for a topic the model does not hold."""
    staff.require(Role.VIEWER)
    if end < start:
        raise ValidationError("the period ends before it starts", code="invalid_period")
    known_model(ports, staff.commune_id, topic_id, ValidationError)
    commune = ports.communes.get(staff.commune_id)
    key = f"{start.isoformat()}|{end.isoformat()}|topic:{topic_id}"
    now = ports.clock()
    if ports.summaries is not None:
        cached = ports.summaries.get(commune.commune_id, key, now)
        if cached is not None:
            return summaries.from_json(cached)
    found = ports.topics.of_topic(commune.commune_id, topic_id, *_bounds(start, end))
    result = summaries.summarize(ports, commune, list(_opinions(found)))
    if ports.summaries is not None:
        ports.summaries.put(
            commune.commune_id, key, summaries.to_json(result), now + summaries.CACHE_FOR
        )
    return result


def _opinions(newest_first: Iterable[Verbatim]) -> Iterator[QuotedText]:
    seen: set[str] = set()
    for verbatim in newest_first:
        if not verbatim.quote or verbatim.thread_id in seen:
            continue  # a toxic text has no quote; a thread is cited once
        seen.add(verbatim.thread_id)
        yield QuotedText(verbatim.thread_id, verbatim.quote)
        if len(seen) == summaries.MAX_OPINIONS:
            return


def emerging_findings(
    ports: Ports, commune: Commune, today: date, rules: AlertRules
) -> list[Finding]:
    """The emerging-topic rule over the commune's verbatims of the last five weeks (a
    bounded read, for the hourly job)."""
    model = stored_model(ports, commune.commune_id)
    if model is None:
        return []
    baseline, recent = rules.days(today)
    start, end = _bounds(date.fromisoformat(baseline[0]), date.fromisoformat(recent[-1]))
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for verbatim in ports.topics.between(commune.commune_id, start, end):
        if verbatim.topic in model.labels:
            counts[verbatim.topic][_day(verbatim.created_at).isoformat()] += 1
    return alert_rules.emerging_topics(counts, model.labels, today, rules)


def _emerging(ports: Ports, commune_id: CommuneId) -> set[str]:
    active = ports.alerts.list(commune_id, active_only=True, limit=ACTIVE_ALERTS)
    return {
        str(alert.figures.get("topic", ""))
        for alert in active
        if alert.kind is AlertKind.EMERGING_TOPIC
    }


def stored_model(ports: Ports, commune_id: CommuneId) -> StoredModel | None:
    """The commune's current model, None before its first build."""
    from chalicelib.analysis.topic_codec import decode_model  # numpy: paid when needed

    state = ports.topics.state(commune_id)
    if state is None:
        return None
    try:
        model = decode_model(state.model)
    except (ValueError, KeyError, TypeError):
        # A model this code cannot read (written by a newer codec) is as good as none until
        # the next rebuild: the panel and the alerts must not fail on it.
        logger.warning("unreadable topic model for %s", commune_id)
        return None
    return StoredModel(
        state,
        model.embedder,
        {topic.id: topic.label for topic in model.topics},
        {topic.id: topic.centroid for topic in model.topics},
        model.mean,
    )


def known_model(
    ports: Ports,
    commune_id: CommuneId,
    topic_id: str,
    error: type[NotFoundError] | type[ValidationError],
) -> StoredModel:
    """The model, if it holds `topic_id`; raises `error` otherwise."""
    model = stored_model(ports, commune_id)
    if model is None or topic_id not in model.labels:
        raise error(
            "unknown topic", code="topic_not_found" if error is NotFoundError else "unknown_topic"
        )
    return model


def _bounds(first: date, last: date) -> tuple[datetime, datetime]:
    """[first day 00:00, the day after the last 00:00) in Paris, as UTC instants."""
    try:
        start = datetime.combine(first, time(), tzinfo=_PARIS).astimezone(UTC)
        end = datetime.combine(last + timedelta(days=1), time(), tzinfo=_PARIS).astimezone(UTC)
    except OverflowError as error:  # year 1 or 9999: nothing is stored there anyway
        raise ValidationError("the period is out of range", code="invalid_period") from error
    return start, end


def _day(moment: datetime) -> date:
    return moment.astimezone(_PARIS).date()


def _today(ports: Ports) -> date:
    return _day(ports.clock())
