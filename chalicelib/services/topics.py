"""The read side of discovered topics: their figures for a period and filters, one topic's
page, the inbox filtered by topic, a topic's summary, and what the alert job counts. Read
from the topic store (the ingest and the rebuild write it); quotes are masked previews."""

from __future__ import annotations

import base64
import json
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from chalicelib.domain import alerts as alert_rules
from chalicelib.domain import certainty, topic_figures
from chalicelib.domain.alerts import AlertKind, AlertRules, Finding
from chalicelib.domain.commune import Commune
from chalicelib.domain.errors import BadRequestError, NotFoundError, ValidationError
from chalicelib.domain.ids import CommuneId
from chalicelib.domain.indicators import Filter
from chalicelib.domain.staff import Role, StaffIdentity
from chalicelib.domain.summaries import QuotedText
from chalicelib.domain.threads import Page, Thread, ThreadFilter
from chalicelib.domain.topic_figures import TopicFigures, Trend
from chalicelib.domain.topics import TopicsState, Verbatim
from chalicelib.ports import Ports
from chalicelib.services import summaries
from chalicelib.services.dashboard import Period

if TYPE_CHECKING:
    from chalicelib.analysis.topics import FloatArray

QUOTES = 3
# The inbox filter reads a topic's opinions of the last twelve months, at most this many
# verbatims per page (a page may come back short, with a cursor to go on).
INBOX_WINDOW = timedelta(days=365)
INBOX_MAX_READ = 500
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
class _Model:
    """The stored model as the read side needs it: labels, centroids, the embedder."""

    state: TopicsState
    embedder: str
    labels: dict[str, str]
    centroids: dict[str, FloatArray]
    mean: FloatArray | None


def overview(ports: Ports, staff: StaffIdentity, wanted: Period, filter: Filter) -> TopicsOverview:
    """Every topic with at least one verbatim of the period matching `filter`, biggest first.
    Verbatims of a topic the current model no longer holds (a rebuild dropped it; the same
    rebuild reassigns them) count as outside every topic."""
    staff.require(Role.VIEWER)
    model = _model(ports, staff.commune_id)
    start, end = _bounds(_previous_days(wanted)[0], wanted.end)
    current_start = _bounds(wanted.start, wanted.end)[0]
    groups: dict[str, list[Verbatim]] = defaultdict(list)
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
            groups[known].append(verbatim)
    emerging = _emerging(ports, staff.commune_id)
    complete = wanted.end < _today(ports)
    rows = [
        _row(model, topic_id, verbatims[::-1], previous[topic_id], complete, emerging)
        for topic_id, verbatims in groups.items()
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
    model = _known(ports, staff.commune_id, topic_id, NotFoundError)
    start, end = _bounds(wanted.start, wanted.end)
    before = _bounds(*_previous_days(wanted))
    current = [
        v
        for v in ports.topics.of_topic(staff.commune_id, topic_id, start, end)
        if topic_figures.matches(v, filter)
    ]
    previous = sum(
        1
        for v in ports.topics.of_topic(staff.commune_id, topic_id, *before)
        if topic_figures.matches(v, filter)
    )
    today = _today(ports)
    row = _row(
        model, topic_id, current, previous, wanted.end < today, _emerging(ports, staff.commune_id)
    )
    return TopicDetail(row, _series(current, wanted, granularity, today))


def _previous_days(wanted: Period) -> tuple[date, date]:
    """The equally long period just before."""
    try:
        before = wanted.previous()
    except OverflowError as error:  # a period starting in year 1 has no period before
        raise ValidationError("the period is out of range", code="invalid_period") from error
    return before.start, before.end


def _row(
    model: _Model | None,
    topic_id: str,
    newest_first: list[Verbatim],
    previous: int,
    complete: bool,
    emerging: set[str],
) -> TopicRow:
    figures = TopicFigures()
    for verbatim in newest_first:
        figures.add(verbatim)
    return TopicRow(
        id=topic_id,
        label=model.labels[topic_id] if model else "",
        figures=figures,
        previous=previous,
        trend=topic_figures.trend(figures.verbatims, previous),
        reliable=topic_figures.reliable(figures.verbatims, previous, complete),
        quotes=_quotes(model, topic_id, newest_first),
        emerging=topic_id in emerging,
    )


def _quotes(model: _Model | None, topic_id: str, newest_first: list[Verbatim]) -> list[str]:
    """The period's masked previews nearest to the topic's centroid (the most typical), then
    the newest; never a toxic text (its quote is empty)."""
    quoted = [v for v in newest_first if v.quote]
    if model is not None and topic_id in model.centroids:
        quoted = _by_closeness(model, topic_id, quoted)
    return list(dict.fromkeys(v.quote for v in quoted))[:QUOTES]


def _by_closeness(model: _Model, topic_id: str, quoted: list[Verbatim]) -> list[Verbatim]:
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


def _series(
    newest_first: list[Verbatim], wanted: Period, granularity: str, today: date
) -> list[SeriesBucket]:
    counts = {_bucket(date.fromisoformat(day), granularity): 0 for day in wanted.days}
    for verbatim in newest_first:
        counts[_bucket(_day(verbatim.created_at), granularity)] += 1
    period = (wanted.start, wanted.end)
    return [
        SeriesBucket(
            start.isoformat(),
            count,
            certainty.bucket_complete(start, granularity, period, today),
        )
        for start, count in counts.items()
    ]


def _bucket(day: date, granularity: str) -> date:
    if granularity == "week":
        return day - timedelta(days=day.weekday())
    if granularity == "month":
        return day.replace(day=1)
    return day


def topic_of_thread(ports: Ports, commune_id: CommuneId, thread_id: str) -> tuple[str, str] | None:
    """(id, label) of the topic the thread's opinion (its first message) belongs to."""
    opinion = [
        v for v in ports.topics.of_thread(commune_id, thread_id) if v.message_id == thread_id
    ]
    if not opinion or opinion[0].topic is None:
        return None
    model = _model(ports, commune_id)
    label = model.labels.get(opinion[0].topic) if model else None
    return None if label is None else (opinion[0].topic, label)


def threads_of_topic(
    ports: Ports,
    commune_id: CommuneId,
    topic_id: str,
    filter: ThreadFilter,
    limit: int,
    cursor: str | None,
) -> Page[Thread]:
    """The threads whose opinion is in the topic, newest opinion first, of the last twelve
    months, matching `filter`. Each page reads at most INBOX_MAX_READ verbatims, so a rare
    match may give a short (even empty) page with a cursor. Raises ValidationError for a
    topic the model does not hold, BadRequestError for a cursor this did not issue."""
    _known(ports, commune_id, topic_id, ValidationError)
    now = ports.clock()
    after, resume = _decode(cursor)
    end = resume[0] + timedelta(microseconds=1) if resume else now + timedelta(seconds=1)
    items: list[Thread] = []
    last: Verbatim | None = None
    read = 0
    for verbatim in ports.topics.of_topic(commune_id, topic_id, after or now - INBOX_WINDOW, end):
        # The store lists ties (same instant) by message id, descending, like its keys.
        if resume and (verbatim.created_at, verbatim.message_id) >= resume:
            continue
        read, last = read + 1, verbatim
        if verbatim.message_id == verbatim.thread_id:
            thread = _thread(ports, commune_id, verbatim.thread_id)
            if thread is not None and _thread_matches(thread, filter, now):
                items.append(thread)
        if len(items) == limit or read == INBOX_MAX_READ:
            return Page(items, _encode(after or now - INBOX_WINDOW, last))
    return Page(items, None)


def _thread(ports: Ports, commune_id: CommuneId, thread_id: str) -> Thread | None:
    try:
        return ports.threads.get(commune_id, thread_id)
    except NotFoundError:  # erased since (its verbatims go with it, but not atomically)
        return None


def _thread_matches(thread: Thread, filter: ThreadFilter, now: datetime) -> bool:
    result = thread.analysis.result
    checks = (
        (filter.status, thread.status),
        (filter.theme, thread.theme),
        (filter.quartier, thread.quartier),
        (filter.channel, thread.channel),
        (filter.assignee, thread.assignee),
        (filter.service, thread.service),
        (filter.publication, thread.publication),
        (filter.priority, thread.priority),
        (filter.sentiment, result.sentiment if result else None),
    )
    tagged = filter.tag is None or filter.tag in thread.tags
    late = filter.overdue_at is None or thread.is_overdue(filter.overdue_at)
    return tagged and late and all(wanted is None or wanted == got for wanted, got in checks)


def _encode(after: datetime, last: Verbatim) -> str:
    state = {"after": after.isoformat(), "at": last.created_at.isoformat(), "id": last.message_id}
    return base64.urlsafe_b64encode(json.dumps(state).encode()).decode()


def _decode(cursor: str | None) -> tuple[datetime | None, tuple[datetime, str] | None]:
    # The window's start travels in the cursor: paging on does not slide the twelve months.
    if cursor is None:
        return None, None
    try:
        state = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        at = datetime.fromisoformat(state["at"])
        after = datetime.fromisoformat(state["after"])
        if at.tzinfo is None or after.tzinfo is None or not isinstance(state["id"], str):
            raise ValueError("naive instant")
    except (ValueError, KeyError, TypeError) as error:
        raise BadRequestError("invalid cursor", code="invalid_cursor") from error
    return after, (at, state["id"])


def topic_summary(
    ports: Ports, staff: StaffIdentity, start: date, end: date, topic_id: str
) -> summaries.QuotedSummary:
    """The summary of a topic's masked opinions of the period (one per thread, newest
    first, at most summaries.MAX_OPINIONS), cached like a theme's. Raises ValidationError
    for a topic the model does not hold."""
    staff.require(Role.VIEWER)
    if end < start:
        raise ValidationError("the period ends before it starts", code="invalid_period")
    _known(ports, staff.commune_id, topic_id, ValidationError)
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
    model = _model(ports, commune.commune_id)
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


def _model(ports: Ports, commune_id: CommuneId) -> _Model | None:
    from chalicelib.analysis.topic_codec import decode_model  # numpy: paid when needed

    state = ports.topics.state(commune_id)
    if state is None:
        return None
    model = decode_model(state.model)
    return _Model(
        state,
        model.embedder,
        {topic.id: topic.label for topic in model.topics},
        {topic.id: topic.centroid for topic in model.topics},
        model.mean,
    )


def _known(
    ports: Ports,
    commune_id: CommuneId,
    topic_id: str,
    error: type[NotFoundError] | type[ValidationError],
) -> _Model:
    model = _model(ports, commune_id)
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
