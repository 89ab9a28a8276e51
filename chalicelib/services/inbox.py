"""Staff use cases on the inbox: list, read, edit and answer threads of their own commune.

Every function takes the verified StaffIdentity first: the commune always comes from the
token, never from the request, and a thread of another commune is simply not found.
"""

from __future__ import annotations

from dataclasses import dataclass

from chalicelib.domain.contacts import Contact
from chalicelib.domain.errors import ConflictError, ValidationError
from chalicelib.domain.ids import new_id
from chalicelib.domain.staff import Role, StaffIdentity
from chalicelib.domain.threads import (
    Author,
    Message,
    Page,
    Thread,
    ThreadChanges,
    ThreadFilter,
    Visibility,
)
from chalicelib.ports import Ports
from chalicelib.services import validation
from chalicelib.services.retry import on_conflict

LIMIT_MAX = 100


@dataclass(frozen=True)
class ThreadDetail:
    thread: Thread
    messages: list[Message]
    contact: Contact | None


def list_threads(
    ports: Ports, staff: StaffIdentity, filter: ThreadFilter, limit: int, cursor: str | None
) -> Page[Thread]:
    staff.require(Role.VIEWER)
    if not 1 <= limit <= LIMIT_MAX:
        raise ValidationError(f"limit must be between 1 and {LIMIT_MAX}", code="invalid_limit")
    return ports.threads.list_page(staff.commune_id, filter, limit, cursor)


def get_thread(ports: Ports, staff: StaffIdentity, thread_id: str) -> ThreadDetail:
    staff.require(Role.VIEWER)
    thread = ports.threads.get(staff.commune_id, validation.check_thread_id(thread_id))
    messages = ports.threads.messages(staff.commune_id, thread_id)
    # Viewers (elected officials) see what citizens say, not who they are.
    contact = None
    if thread.contact_id and staff.role.rank >= Role.AGENT.rank:
        contact = ports.contacts.get(staff.commune_id, thread.contact_id)
    return ThreadDetail(thread, messages, contact)


def update_thread(
    ports: Ports,
    staff: StaffIdentity,
    thread_id: str,
    changes: ThreadChanges,
    expected_version: int | None = None,
) -> Thread:
    """Applies a staff edit. With `expected_version`, raises ConflictError if the thread
    changed since the editor read it (the error carries nothing; callers re-read)."""
    staff.require(Role.AGENT)
    commune = ports.communes.get(staff.commune_id)
    if changes.theme is not None:
        validation.check_theme(commune, changes.theme)
    thread = ports.threads.get(staff.commune_id, validation.check_thread_id(thread_id))
    if expected_version is not None and expected_version != thread.version:
        raise ConflictError("the thread changed since you read it", code="version_conflict")
    return ports.threads.update(changes.apply(thread, ports.clock()))


def reply_to_thread(
    ports: Ports, staff: StaffIdentity, thread_id: str, text: str, visibility: Visibility
) -> Message:
    staff.require(Role.AGENT)
    cleaned = validation.clean_text(text)
    validation.check_thread_id(thread_id)

    def attempt() -> Message:
        thread = ports.threads.get(staff.commune_id, thread_id)
        now = ports.clock()
        message = Message(
            commune_id=staff.commune_id,
            thread_id=thread_id,
            message_id=new_id(),
            author=Author.COMMUNE,
            text=cleaned,
            channel=thread.channel,
            created_at=now,
            visibility=visibility,
            staff_email=staff.email,
        )
        ports.threads.add_message(thread.after_staff_reply(now), message)
        return message

    # A reply is an append: a concurrent edit of the thread must not make it fail.
    return on_conflict(attempt)
