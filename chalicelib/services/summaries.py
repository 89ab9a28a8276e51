""" "Ce que disent les habitants": a summary of a period's opinions (of one theme, or all),
read through the inbox index with a bound, written by the commune's summarizer from masked
texts only, and kept an hour so that officials reloading the dashboard cost nothing."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from chalicelib.domain.commune import Commune
from chalicelib.domain.errors import ValidationError
from chalicelib.domain.staff import Role, StaffIdentity
from chalicelib.domain.summaries import QuotedText, Summary
from chalicelib.domain.threads import Thread, ThreadFilter, preview_of
from chalicelib.ports import Ports, Summarizer

# The newest opinions a summary reads, and the threads it may look at to find them (a
# thread created before the period but active in it is read, then skipped).
MAX_OPINIONS = 200
MAX_THREADS_READ = 1_000
PAGE = 100
CACHE_FOR = timedelta(hours=1)
QUOTE_CHARS = 600
_PARIS = ZoneInfo("Europe/Paris")


@dataclass(frozen=True)
class QuotedSummary:
    """A summary with the masked text of each opinion it cites, in its order."""

    summary: Summary
    quotes: tuple[QuotedText, ...]
    opinions: int


def period_summary(
    ports: Ports, staff: StaffIdentity, start: date, end: date, theme: str | None
) -> QuotedSummary:
    """The summary of the opinions created from `start` to `end` (civil days in Paris), of
    `theme` if given (staff and viewers). Raises ValidationError for an unknown theme or a
    period that ends before it starts."""
    staff.require(Role.VIEWER)
    if end < start:
        raise ValidationError("the period ends before it starts", code="invalid_period")
    commune = ports.communes.get(staff.commune_id)
    if theme is not None and theme not in {known.id for known in commune.themes}:
        raise ValidationError("unknown theme", code="unknown_theme")
    key = f"{start.isoformat()}|{end.isoformat()}|{theme or '*'}"
    now = ports.clock()
    if ports.summaries is not None:
        cached = ports.summaries.get(commune.commune_id, key, now)
        if cached is not None:
            return from_json(cached)
    opinions = list(period_opinions(ports, commune, start, end, theme))
    result = summarize(ports, commune, opinions)
    if ports.summaries is not None:
        ports.summaries.put(commune.commune_id, key, to_json(result), now + CACHE_FOR)
    return result


def summarize(ports: Ports, commune: Commune, opinions: Sequence[QuotedText]) -> QuotedSummary:
    """The summary of any set of masked opinions (a theme's, a topic's), with its quotes."""
    summary = (ports.summarizer or _extractive()).summarize(opinions, commune)
    by_id = {opinion.id: opinion for opinion in opinions}
    quotes = tuple(
        QuotedText(quote, preview_of(by_id[quote].text, QUOTE_CHARS))
        for quote in summary.quotes
        if quote in by_id  # a summarizer's port contract; checked where it is shown
    )
    return QuotedSummary(summary, quotes, len(opinions))


def period_opinions(
    ports: Ports, commune: Commune, start: date, end: date, theme: str | None
) -> Iterator[QuotedText]:
    """The newest MAX_OPINIONS analysed, non-toxic opinions created in the period, masked."""
    found = 0
    for thread in _newest_threads(ports, commune, theme):
        # Newest activity first, and a thread is active at or after its creation: once
        # the activity is older than the period, no later thread was created in it.
        if _day(thread.last_activity_at) < start:
            return
        opinion = _opinion(thread)
        if opinion is None or not start <= _day(thread.created_at) <= end:
            continue
        yield opinion
        found += 1
        if found == MAX_OPINIONS:
            return


def _day(moment: datetime) -> date:
    # The communes' civil day, as for the counters (no arithmetic: any valid date works).
    return moment.astimezone(_PARIS).date()


def _newest_threads(ports: Ports, commune: Commune, theme: str | None) -> Iterable[Thread]:
    cursor: str | None = None
    read = 0
    while read < MAX_THREADS_READ:
        page = ports.threads.list_page(commune.commune_id, ThreadFilter(theme=theme), PAGE, cursor)
        yield from page.items
        read += len(page.items)
        if page.next_cursor is None:
            return
        cursor = page.next_cursor


def _opinion(thread: Thread) -> QuotedText | None:
    result = thread.analysis.result
    # Masked texts only; never a toxic one (as for key-phrase quotes), never a merged
    # duplicate (its original is read), never an answer to a consultation (its question
    # gives it its sense).
    if result is None or not result.masked_text or result.toxic:
        return None
    if thread.merged_into or thread.consultation_id:
        return None
    return QuotedText(thread.thread_id, result.masked_text)


@functools.cache
def _extractive() -> Summarizer:
    from chalicelib.analysis.summaries import ExtractiveSummarizer

    return ExtractiveSummarizer()


def to_json(result: QuotedSummary) -> dict[str, object]:
    return {
        "summary": result.summary.text,
        "engine": result.summary.engine,
        "costUsd": result.summary.cost_usd,
        "opinions": result.opinions,
        "quotes": [{"id": quote.id, "text": quote.text} for quote in result.quotes],
    }


def from_json(data: object) -> QuotedSummary:
    value = dict(data) if isinstance(data, dict) else {}
    quotes = tuple(
        QuotedText(str(item["id"]), str(item["text"]))
        for item in value.get("quotes") or []
        if isinstance(item, dict)
    )
    cost = value.get("costUsd")
    summary = Summary(
        str(value.get("summary", "")),
        tuple(quote.id for quote in quotes),
        str(value.get("engine", "")),
        float(cost) if isinstance(cost, int | float) else None,
    )
    opinions = value.get("opinions")
    return QuotedSummary(summary, quotes, opinions if isinstance(opinions, int) else 0)
