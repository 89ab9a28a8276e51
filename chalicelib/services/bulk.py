"""Bulk actions on the inbox: assign, close or answer many threads at once. Each thread is
handled as if on its own (same checks, audit and events); one thread's failure is reported
and does not stop the others."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from chalicelib.domain.errors import ConcertoError, ValidationError
from chalicelib.domain.staff import Role, StaffIdentity
from chalicelib.domain.threads import ThreadChanges, ThreadStatus, Visibility
from chalicelib.ports import Ports
from chalicelib.services import inbox, templates

MAX_THREADS = 100


class BulkAction(StrEnum):
    ASSIGN = "assign"
    CLOSE = "close"
    ANSWER = "answer"


@dataclass(frozen=True)
class BulkRequest:
    thread_ids: tuple[str, ...]
    action: BulkAction
    assignee: str | None = None
    service: str | None = None
    template_id: str | None = None
    text: str | None = None
    visibility: Visibility = Visibility.PRIVATE


@dataclass(frozen=True)
class Outcome:
    thread_id: str
    error: ConcertoError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def apply(ports: Ports, staff: StaffIdentity, wanted: BulkRequest) -> list[Outcome]:
    staff.require(Role.AGENT)
    _check(wanted)
    outcomes = []
    for thread_id in dict.fromkeys(wanted.thread_ids):  # once each, in the given order
        try:
            _one(ports, staff, thread_id, wanted)
            outcomes.append(Outcome(thread_id))
        except ConcertoError as error:
            outcomes.append(Outcome(thread_id, error))
    return outcomes


def _check(wanted: BulkRequest) -> None:
    if not 1 <= len(wanted.thread_ids) <= MAX_THREADS:
        raise ValidationError(f"1 to {MAX_THREADS} threads at a time", code="invalid_bulk")
    if wanted.action is BulkAction.ASSIGN and wanted.assignee is None and wanted.service is None:
        raise ValidationError("assign needs an assignee or a service", code="invalid_bulk")
    if wanted.action is BulkAction.ANSWER and (wanted.text is None) == (wanted.template_id is None):
        raise ValidationError("answer needs a text or a templateId", code="invalid_bulk")


def _one(ports: Ports, staff: StaffIdentity, thread_id: str, wanted: BulkRequest) -> None:
    if wanted.action is BulkAction.ASSIGN:
        changes = ThreadChanges(assignee=wanted.assignee, service=wanted.service)
        inbox.update_thread(ports, staff, thread_id, changes)
    elif wanted.action is BulkAction.CLOSE:
        inbox.update_thread(ports, staff, thread_id, ThreadChanges(status=ThreadStatus.CLOSED))
    else:
        public = wanted.visibility is Visibility.PUBLIC
        text = templates.answer_text(
            ports, staff, thread_id, wanted.text, wanted.template_id, public
        )
        inbox.reply_to_thread(ports, staff, thread_id, text, wanted.visibility, wanted.template_id)
