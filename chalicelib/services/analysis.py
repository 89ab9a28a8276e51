"""Analyse queued messages and record the result with its indicators, exactly once."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from zoneinfo import ZoneInfo

from chalicelib.domain import activity, indicators
from chalicelib.domain.activity import ActivityKind
from chalicelib.domain.commune import UNSORTED
from chalicelib.domain.errors import ConcertoError
from chalicelib.domain.threads import (
    AnalysisStatus,
    Author,
    CounterIncrement,
    Message,
    TextAnalysis,
    Thread,
    preview_of,
)
from chalicelib.ports import AnalysisJob, Ports
from chalicelib.services.retry import on_conflict

logger = logging.getLogger(__name__)

# Indicator days follow the communes' civil day, not UTC.
_PARIS = ZoneInfo("Europe/Paris")


@dataclass(frozen=True)
class Prepared:
    """A job with what the worker loaded for it; `analysis` is None if it was already done."""

    job: AnalysisJob
    message: Message
    thread: Thread
    analysis: TextAnalysis | None


def prepare(ports: Ports, jobs: Sequence[AnalysisJob]) -> dict[AnalysisJob, Prepared | Exception]:
    """Loads each job's message and analyses the pending ones in one analyzer call per
    commune (Comprehend's batch APIs take 25 texts). A job that cannot be loaded or analysed
    maps to its exception, so the worker reports just that record as failed."""
    outcomes: dict[AnalysisJob, Prepared | Exception] = {}
    pending: dict[str, list[tuple[AnalysisJob, Message, Thread]]] = {}
    for job in jobs:
        try:
            message = ports.threads.get_message(job.commune_id, job.thread_id, job.message_id)
            thread = ports.threads.get(job.commune_id, job.thread_id)
        except ConcertoError as error:
            outcomes[job] = error
            continue
        # Done already, or nothing to analyse (files alone): a replayed job changes nothing.
        finished = message.analysis.status in (AnalysisStatus.DONE, AnalysisStatus.SKIPPED)
        if finished or message.author is not Author.CITIZEN:
            outcomes[job] = Prepared(job, message, thread, None)
        else:
            pending.setdefault(job.commune_id, []).append((job, message, thread))
    for commune_id, items in pending.items():
        try:
            commune = ports.communes.get(commune_id)  # type: ignore[arg-type]
            results = ports.analyzer.analyze([message.text for _, message, _ in items], commune)
        except Exception as error:  # each record fails on its own and is retried by SQS
            for job, _, _ in items:
                outcomes[job] = error
            continue
        for (job, message, thread), result in zip(items, results, strict=True):
            outcomes[job] = Prepared(job, message, thread, result)
    return outcomes


def record(ports: Ports, prepared: Prepared) -> bool:
    """Stores the analysis and its counters; False when it had already been recorded.
    When staff changed the thread's theme since it was read, the counters are computed
    again from the thread as it is now (ConflictError if it keeps changing)."""
    if prepared.analysis is None:
        return False
    result = prepared.analysis
    loaded = iter([prepared.thread])

    def attempt() -> bool:
        # The thread the worker loaded first; after a conflict, the thread as it is now.
        thread = next(loaded, None) or ports.threads.get(
            prepared.job.commune_id, prepared.job.thread_id
        )
        return _record(ports, prepared.message, thread, result)

    return on_conflict(attempt)


def _record(ports: Ports, message: Message, thread: Thread, result: TextAnalysis) -> bool:
    # A thread that came without a theme (e-mail, social networks) takes the one suggested.
    sorted_theme = _suggested_theme(thread, message, result)
    if sorted_theme:
        thread = replace(thread, theme=sorted_theme)
    analysed = activity.record(
        message.commune_id,
        ports.clock(),
        ActivityKind.THREAD_ANALYSED,
        activity.SYSTEM,
        thread.thread_id,
        message=message.message_id,
        sentiment=result.sentiment.value,
        theme=result.theme,
        toxic=result.toxic,
        pii=bool(result.pii),
    )
    recorded = ports.threads.record_analysis(
        message,
        result,
        counters_for(thread, message, result),
        on_thread=is_opinion(message),
        activity=[analysed],
        theme=sorted_theme,
    )
    if recorded:
        _keep_quotes(ports, message, result)
        from chalicelib.services import topic_ingest  # numpy: the worker's, never the API's

        topic_ingest.keep_ingested(ports, message, thread, result)
        ports.events.publish([analysed])
    return recorded


def _suggested_theme(thread: Thread, message: Message, result: TextAnalysis) -> str | None:
    if thread.theme != UNSORTED or not is_opinion(message) or not result.theme:
        return None
    return result.theme


QUOTED_PHRASES = 3
QUOTE_LENGTH = 280


def _keep_quotes(ports: Ports, message: Message, result: TextAnalysis) -> None:
    """The dashboard shows a few citizens' words for each key phrase: masked (no personal
    data) and never a toxic text. A failure here loses a quote, not a count: it is logged."""
    if result.toxic or not result.masked_text:
        return
    month = local_day(message.created_at)[:7]
    quote = preview_of(result.masked_text, QUOTE_LENGTH)
    for phrase in result.key_phrases[:QUOTED_PHRASES]:
        try:
            ports.indicators.add_quote(message.commune_id, month, phrase, quote)
        except Exception:  # the analysis is recorded; a missing quote must not undo it
            logger.warning("could not keep a quote for the dashboard", exc_info=True)


def record_failure(ports: Ports, job: AnalysisJob, error: str) -> None:
    """Marks the message (and its thread) as failed: it is about to go to the dead-letter
    queue, and staff must see it rather than a message pending forever."""
    message = ports.threads.get_message(job.commune_id, job.thread_id, job.message_id)
    ports.threads.record_analysis_failure(message, error[:500], on_thread=is_opinion(message))


def counters_for(
    thread: Thread, message: Message, analysis: TextAnalysis
) -> list[CounterIncrement]:
    """Each citizen message is a verbatim; the opinion itself also brings its rating."""
    opinion = is_opinion(message)
    increments = indicators.verbatim(
        local_day(message.created_at),
        facets_of(thread),
        analysis.sentiment,
        analysis.key_phrases,
        opinion=opinion,
        rating=thread.rating if opinion else None,
    )
    if thread.consultation_id:
        increments += indicators.consultation_verbatim(
            local_day(message.created_at),
            thread.consultation_id,
            analysis.sentiment,
            analysis.key_phrases,
        )
    return [replace(increment, spread=message.message_id) for increment in increments]


def facets_of(thread: Thread) -> indicators.Facets:
    return indicators.Facets(thread.theme, thread.quartier, thread.channel)


def local_day(at: datetime) -> str:
    return at.astimezone(_PARIS).date().isoformat()


def is_opinion(message: Message) -> bool:
    return message.message_id == message.thread_id
