"""The inbox filtered by a discovered topic, and the topic of one thread: the topic store
gives the opinions' thread ids, newest first, and the threads are then read by id."""

from __future__ import annotations

import base64
import json
from datetime import datetime, timedelta

from chalicelib.domain.errors import BadRequestError, NotFoundError, ValidationError
from chalicelib.domain.ids import CommuneId
from chalicelib.domain.threads import Page, Thread, ThreadFilter, matches
from chalicelib.domain.topics import Verbatim
from chalicelib.ports import Ports
from chalicelib.services import topics

# The filter reads a topic's opinions of the last twelve months, at most this many
# verbatims per page (a page may come back short, with a cursor to go on).
INBOX_WINDOW = timedelta(days=365)
INBOX_MAX_READ = 500


def topic_of_thread(ports: Ports, commune_id: CommuneId, thread_id: str) -> tuple[str, str] | None:
    """(id, label) of the topic the thread's opinion (its first message) belongs to."""
    opinion = [
        v for v in ports.topics.of_thread(commune_id, thread_id) if v.message_id == thread_id
    ]
    if not opinion or opinion[0].topic is None:
        return None
    model = topics.stored_model(ports, commune_id)
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
    topics.known_model(ports, commune_id, topic_id, ValidationError)
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
    late = filter.overdue_at is None or thread.is_overdue(filter.overdue_at)
    return late and matches(thread, filter)


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
