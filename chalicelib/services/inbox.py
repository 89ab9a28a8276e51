"""Staff use cases on the inbox: list, read, edit and answer threads of their own commune.

Every function takes the verified StaffIdentity first: the commune always comes from the
token, never from the request, and a thread of another commune is simply not found.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from datetime import datetime

from chalicelib.domain import activity, indicators
from chalicelib.domain.activity import Activity, ActivityKind
from chalicelib.domain.contacts import Contact
from chalicelib.domain.corrections import Correction
from chalicelib.domain.errors import ConflictError, NotFoundError, ValidationError
from chalicelib.domain.ids import new_id
from chalicelib.domain.staff import Role, StaffIdentity
from chalicelib.domain.threads import (
    Analysis,
    AnalysisStatus,
    Author,
    CounterIncrement,
    Delivery,
    Message,
    Page,
    PublicAnswer,
    Thread,
    ThreadChanges,
    ThreadFilter,
    ThreadStatus,
    Visibility,
)
from chalicelib.ports import DeliveryJob, Ports
from chalicelib.services import analysis, redaction, templates, validation
from chalicelib.services.retry import on_conflict
from chalicelib.services.topic_threads import threads_of_topic, topic_of_thread

logger = logging.getLogger(__name__)
LIMIT_MAX = 100
HISTORY = 20


@dataclass(frozen=True)
class ThreadDetail:
    thread: Thread
    messages: list[Message]
    contact: Contact | None
    # The citizen's other threads (same verified contact), for staff who see contacts.
    history: list[Thread] = field(default_factory=list)
    # (id, label) of the discovered topic of its opinion, if any.
    topic: tuple[str, str] | None = None


def list_threads(
    ports: Ports,
    staff: StaffIdentity,
    filter: ThreadFilter,
    limit: int,
    cursor: str | None,
    overdue: bool = False,
    topic: str | None = None,
) -> Page[Thread]:
    """The inbox; with `overdue`, only threads whose answer is late, the latest first; with
    `topic`, only threads whose opinion is in that discovered topic, the newest opinion
    first (`topics.threads_of_topic`). Viewers get masked previews (`redaction`)."""
    staff.require(Role.VIEWER)
    validation.check_limit(limit, LIMIT_MAX)
    if overdue:
        filter = replace(filter, overdue_at=ports.clock())
    if topic is not None:
        page = threads_of_topic(ports, staff.commune_id, topic, filter, limit, cursor)
    else:
        page = ports.threads.list_page(staff.commune_id, filter, limit, cursor)
    if redaction.sees_personal_data(staff):
        return page
    return replace(page, items=[redaction.thread_for_viewer(thread) for thread in page.items])


def get_thread(ports: Ports, staff: StaffIdentity, thread_id: str) -> ThreadDetail:
    """The thread, its messages and, for staff who answer citizens, its contact and the
    contact's other threads. Viewers (elected officials) see what citizens say, not who
    they are: masked texts, no contact, no history, no e-mail envelopes."""
    staff.require(Role.VIEWER)
    thread = ports.threads.get(staff.commune_id, validation.check_thread_id(thread_id))
    messages = ports.threads.messages(staff.commune_id, thread_id)
    contact = None
    if thread.contact_id:
        contact = ports.contacts.get(staff.commune_id, thread.contact_id)
    topic = topic_of_thread(ports, staff.commune_id, thread_id)
    if not redaction.sees_personal_data(staff):
        masked = [redaction.message_for_viewer(message, contact) for message in messages]
        return ThreadDetail(redaction.thread_for_viewer(thread), masked, None, [], topic)
    history: list[Thread] = []
    if thread.contact_id:
        others = ports.threads.of_contact(staff.commune_id, thread.contact_id, HISTORY + 1)
        history = [other for other in others if other.thread_id != thread_id][:HISTORY]
    return ThreadDetail(thread, messages, contact, history, topic)


def update_thread(
    ports: Ports,
    staff: StaffIdentity,
    thread_id: str,
    changes: ThreadChanges,
    expected_version: int | None = None,
) -> Thread:
    """Applies a staff edit. With `expected_version`, raises ConflictError if the thread
    changed since the editor read it (the error carries nothing; callers re-read). A write
    that loses a race with the analysis worker is applied again to the analysed thread, so
    that a theme change moves the counters the analysis added."""
    staff.require(Role.AGENT)
    commune = ports.communes.get(staff.commune_id)
    if changes.theme is not None:
        validation.check_theme(commune, changes.theme)
    if changes.service and commune.service(changes.service) is None:
        raise ValidationError(f"unknown service {changes.service!r}", code="unknown_service")
    validation.check_thread_id(thread_id)

    def attempt() -> tuple[Thread, Activity, Correction | None]:
        thread = ports.threads.get(staff.commune_id, thread_id)
        if expected_version is not None and expected_version != thread.version:
            raise ConflictError("the thread changed since you read it", code="version_conflict")
        updated = changes.apply(thread, ports.clock())
        entry = _update_entry(staff, thread, updated, changes, ports.clock())
        correction = _correction(ports, staff, thread, updated, changes)
        if correction is None:
            return ports.threads.update(updated, activity=[entry]), entry, None
        corrected, counters = _corrected(thread, updated, changes)
        saved = ports.threads.update(
            corrected, counters, corrected=corrected is not updated, activity=[entry]
        )
        return saved, entry, correction

    saved, entry, correction = on_conflict(attempt)
    if correction is not None:
        ports.corrections.save(correction)
        from chalicelib.services import topic_ingest  # numpy: loaded on a correction only

        topic_ingest.follow_correction(ports, saved)
    ports.events.publish([entry])
    return saved


def _update_entry(
    staff: StaffIdentity, before: Thread, after: Thread, changes: ThreadChanges, at: datetime
) -> Activity:
    """The audit entry of an edit: each field staff changed, with its old and new value."""
    details: dict[str, str | int | bool | None] = {}
    for name, old, new in (
        ("status", before.status.value, after.status.value),
        ("assignee", before.assignee, after.assignee),
        ("theme", before.theme, after.theme),
        ("service", before.service, after.service),
        ("tags", ",".join(before.tags), ",".join(after.tags)),
        ("priority", before.priority.value, after.priority.value),
    ):
        if old != new:
            details[name] = new
            details[f"{name}Before"] = old
    result = before.analysis.result
    if changes.sentiment is not None and (result is None or result.sentiment != changes.sentiment):
        details["sentiment"] = changes.sentiment.value
        details["sentimentBefore"] = result.sentiment.value if result else None
    return activity.record(
        staff.commune_id, at, ActivityKind.THREAD_UPDATED, staff.email, before.thread_id, **details
    )


def first_answer_counters(thread: Thread, at: datetime) -> list[CounterIncrement]:
    """What an answer at `at` adds to the dialogue indicators: nothing unless it is the
    opinion's first answer."""
    if thread.first_answer_at is not None:
        return []
    increments = indicators.first_answer(
        analysis.local_day(thread.created_at),
        analysis.facets_of(thread),
        _minutes_between(thread.created_at, at),
    )
    return [replace(increment, spread=thread.thread_id) for increment in increments]


def _first_answer_minutes(thread: Thread) -> int | None:
    if thread.first_answer_at is None:
        return None
    return _minutes_between(thread.created_at, thread.first_answer_at)


def _minutes_between(start: datetime, end: datetime) -> int:
    return max(0, int((end - start).total_seconds() // 60))


def _correction(
    ports: Ports,
    staff: StaffIdentity,
    before: Thread,
    after: Thread,
    changes: ThreadChanges,
) -> Correction | None:
    """What the model should learn from this edit, if it corrects the theme or sentiment."""
    result = before.analysis.result
    new_sentiment = changes.sentiment
    if before.analysis.status is AnalysisStatus.SKIPPED:
        # Files alone: the text shown in their place is ours, nothing to learn from it.
        if new_sentiment is not None:
            raise ConflictError("this message has no text to analyse", code="nothing_to_analyse")
        return None
    if new_sentiment is not None and result is None:
        raise ConflictError("the analysis is not finished yet", code="analysis_pending")
    sentiment_changed = result is not None and new_sentiment not in (None, result.sentiment)
    theme_changed = after.theme != before.theme
    if not sentiment_changed and not theme_changed:
        return None
    opinion = ports.threads.get_message(before.commune_id, before.thread_id, before.thread_id)
    return Correction(
        commune_id=before.commune_id,
        thread_id=before.thread_id,
        text=opinion.text,
        sentiment=new_sentiment if sentiment_changed else None,
        theme=after.theme if theme_changed else None,
        staff_email=staff.email,
        corrected_at=ports.clock(),
    )


def _corrected(
    before: Thread, after: Thread, changes: ThreadChanges
) -> tuple[Thread, list[CounterIncrement]]:
    """The thread with its corrected analysis, and the counter moves that keep the
    indicators exact: the opinion leaves its old theme × sentiment and joins the new one."""
    result = before.analysis.result
    if before.analysis.status is not AnalysisStatus.DONE or result is None:
        return after, []
    sentiment = changes.sentiment or result.sentiment
    fixed = replace(
        result, sentiment=sentiment, corrected=result.corrected or sentiment != result.sentiment
    )
    moves = indicators.moved(
        analysis.local_day(before.created_at),
        analysis.facets_of(before),
        result.sentiment,
        analysis.facets_of(after),
        sentiment,
        before.rating,
        key_phrases=result.key_phrases,
        first_answer_minutes=_first_answer_minutes(before),
    )
    spread = [replace(move, spread=before.thread_id) for move in moves]
    return replace(after, analysis=Analysis(AnalysisStatus.DONE, fixed)), spread


def add_note(ports: Ports, staff: StaffIdentity, thread_id: str, text: str) -> Message:
    """An internal note for colleagues: kept with the thread, never shown to the citizen,
    changing neither its status nor its deadline."""
    staff.require(Role.AGENT)
    cleaned = validation.clean_text(text)
    validation.check_thread_id(thread_id)

    def attempt() -> Message:
        thread = ports.threads.get(staff.commune_id, thread_id)
        now = ports.clock()
        note = Message(
            commune_id=staff.commune_id,
            thread_id=thread_id,
            message_id=new_id(),
            author=Author.NOTE,
            text=cleaned,
            channel=thread.channel,
            created_at=now,
            staff_email=staff.email,
        )
        entry = activity.record(
            staff.commune_id,
            now,
            ActivityKind.NOTE_ADDED,
            staff.email,
            thread_id,
            message=note.message_id,
        )
        ports.threads.add_message(thread, note, (), [entry])
        entries.append(entry)
        return note

    entries: list[Activity] = []
    note = on_conflict(attempt)
    ports.events.publish(entries[-1:])
    return note


def _publishable(ports: Ports, thread: Thread, text: str) -> str:
    """A staff answer as the public page shows it (`redaction.mask_answer`)."""
    return redaction.mask_answer(text, _contact_of(ports, thread))


def reply_to_thread(
    ports: Ports,
    staff: StaffIdentity,
    thread_id: str,
    text: str,
    visibility: Visibility,
    template_id: str | None = None,
) -> Message:
    """Answers the citizen — and the citizens of the duplicates merged into this thread,
    each on their own follow-up thread (privately: the page publishes one). `text` is the
    answer to this thread's citizen (a template's text filled in for them, with
    `template_id`): each other citizen gets the template filled in for themselves, or the
    text with this citizen's name and address replaced by their own."""
    staff.require(Role.AGENT)
    cleaned = validation.clean_text(text)
    validation.check_thread_id(thread_id)
    message, thread = _answer(ports, staff, thread_id, cleaned, visibility)
    addressee = _contact_of(ports, thread)
    for duplicate_id in thread.merged_from:
        try:
            duplicate = ports.threads.get(staff.commune_id, duplicate_id)
        except NotFoundError:  # erased since the merge
            continue
        if template_id is not None:
            own = templates.render_for(ports, staff, template_id, duplicate)
        else:
            own = redaction.readdressed(cleaned, addressee, _contact_of(ports, duplicate))
        _answer(ports, staff, duplicate_id, validation.clean_text(own), Visibility.PRIVATE)
    return message


def _contact_of(ports: Ports, thread: Thread) -> Contact | None:
    if not thread.contact_id:
        return None
    return ports.contacts.get(thread.commune_id, thread.contact_id)


def _answer(
    ports: Ports, staff: StaffIdentity, thread_id: str, text: str, visibility: Visibility
) -> tuple[Message, Thread]:
    """Appends the answer; returns it with the thread as it was answered (no second read)."""

    def attempt() -> tuple[Message, Thread]:
        thread = ports.threads.get(staff.commune_id, thread_id)
        now = ports.clock()
        message = Message(
            commune_id=staff.commune_id,
            thread_id=thread_id,
            message_id=new_id(),
            author=Author.COMMUNE,
            text=text,
            channel=thread.channel,
            created_at=now,
            visibility=visibility,
            staff_email=staff.email,
            # A citizen who left an address gets the answer there too, and one who wrote
            # on a social network gets it there (a comment: a public reply under it).
            delivery=Delivery.PENDING if thread.contact_id or thread.channel_ref else Delivery.NONE,
        )
        counters = first_answer_counters(thread, now)
        answered = thread.after_staff_reply(now)
        if thread.merged_into:  # a merged duplicate keeps its place: closed
            answered = replace(answered, status=ThreadStatus.CLOSED)
        if visibility is Visibility.PUBLIC:
            public = PublicAnswer(_publishable(ports, thread, text), now)
            answered = answered.with_public_answer(public)
        entry = activity.record(
            staff.commune_id,
            now,
            ActivityKind.REPLY_SENT,
            staff.email,
            thread_id,
            message=message.message_id,
            visibility=visibility.value,
            publication=answered.publication.value,
        )
        ports.threads.add_message(answered, message, counters, [entry])
        entries.append(entry)
        return message, thread

    # A reply is an append: a concurrent edit of the thread must not make it fail.
    entries: list[Activity] = []
    message, thread = on_conflict(attempt)
    if message.delivery is Delivery.PENDING:
        try:
            ports.delivery_queue.enqueue(
                DeliveryJob(staff.commune_id, thread_id, message.message_id)
            )
        except Exception:  # the answer is saved: a 5xx would make the agent send it twice
            logger.exception("could not queue the e-mail of an answer; it stays pending")
    ports.events.publish(entries[-1:])
    return message, thread


def merge(ports: Ports, staff: StaffIdentity, duplicate_id: str, into_id: str) -> Thread:
    """Merges a duplicate into another thread of the commune: the duplicate is closed and
    no longer awaits an answer; answers given on the other reach its citizen too, and its
    citizen writing again reopens the other. Returns the thread merged into."""
    staff.require(Role.AGENT)
    validation.check_thread_id(duplicate_id)
    validation.check_thread_id(into_id)
    if duplicate_id == into_id:
        raise ValidationError("a thread cannot be merged into itself", code="invalid_merge")
    target = ports.threads.get(staff.commune_id, into_id)
    duplicate = ports.threads.get(staff.commune_id, duplicate_id)
    if target.merged_into or duplicate.merged_into:
        raise ConflictError("already merged: merge into the thread it went to", code="merged")
    if duplicate.merged_from:
        raise ConflictError("other threads were merged into this one", code="merged")
    now = ports.clock()
    closing = activity.record(
        staff.commune_id, now, ActivityKind.THREAD_MERGED, staff.email, duplicate_id, into=into_id
    )
    merged = replace(
        duplicate,
        status=ThreadStatus.CLOSED,
        due_at=None,
        merged_into=into_id,
        last_activity_at=now,
    )
    ports.threads.update(merged, activity=[closing])
    joined = activity.record(
        staff.commune_id, now, ActivityKind.THREAD_MERGED, staff.email, into_id, merged=duplicate_id
    )

    def attempt() -> Thread:
        fresh = ports.threads.get(staff.commune_id, into_id)
        grown = replace(fresh, merged_from=(*fresh.merged_from, duplicate_id))
        return ports.threads.update(grown, activity=[joined])

    saved = on_conflict(attempt)
    ports.events.publish([closing, joined])
    return saved
