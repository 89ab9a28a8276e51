"""Publication of opinions on the commune's page: the moderation queue staff work through,
and the public list of published opinions with their public answers."""

from __future__ import annotations

from dataclasses import replace
from enum import StrEnum

from chalicelib.domain import activity
from chalicelib.domain.activity import ActivityKind
from chalicelib.domain.errors import ConflictError
from chalicelib.domain.staff import Role, StaffIdentity
from chalicelib.domain.threads import Page, Publication, Thread, ThreadFilter
from chalicelib.ports import Ports
from chalicelib.services import validation
from chalicelib.services.retry import on_conflict

PAGE_MAX = 50


class Decision(StrEnum):
    PUBLISH = "publish"
    HIDE = "hide"


def queue(ports: Ports, staff: StaffIdentity, limit: int, cursor: str | None) -> Page[Thread]:
    """Opinions waiting for a decision before they go public, newest activity first."""
    staff.require(Role.AGENT)
    validation.check_limit(limit, PAGE_MAX)
    wanted = ThreadFilter(publication=Publication.PENDING)
    return ports.threads.list_page(staff.commune_id, wanted, limit, cursor)


def decide(ports: Ports, staff: StaffIdentity, thread_id: str, decision: Decision) -> Thread:
    """Publishes (with its personal data masked) or hides an opinion; hiding also takes a
    published one off the page. The citizen's private thread is unaffected."""
    staff.require(Role.AGENT)
    validation.check_thread_id(thread_id)
    entries = []

    def attempt() -> Thread:
        thread = ports.threads.get(staff.commune_id, thread_id)
        now = ports.clock()
        if decision is Decision.PUBLISH:
            if thread.analysis.result is None or not thread.analysis.result.masked_text:
                raise ConflictError(
                    "the opinion is not analysed yet: its masked text is not ready",
                    code="analysis_pending",
                )
            changed = thread.published(now)
            kind = ActivityKind.THREAD_PUBLISHED
        else:
            changed = _hidden(thread)
            kind = ActivityKind.THREAD_HIDDEN
        entry = activity.record(staff.commune_id, now, kind, staff.email, thread_id)
        entries.append(entry)
        return ports.threads.update(changed, activity=[entry])

    saved = on_conflict(attempt)
    ports.events.publish(entries[-1:])
    return saved


def _hidden(thread: Thread) -> Thread:
    return replace(thread, publication=Publication.HIDDEN)


def published(ports: Ports, slug: str, limit: int, cursor: str | None) -> Page[Thread]:
    """The commune's published opinions, newest first (the public page)."""
    commune = validation.find_commune(ports, slug)
    validation.check_limit(limit, PAGE_MAX)
    wanted = ThreadFilter(publication=Publication.PUBLISHED)
    return ports.threads.list_page(commune.commune_id, wanted, limit, cursor)
