"""The activity log's contract, and that thread writes record their entries atomically."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from chalicelib.domain import activity
from chalicelib.domain.activity import ActivityKind
from chalicelib.domain.errors import ConflictError
from chalicelib.domain.threads import ThreadStatus
from tests.contract.test_repositories import stored
from tests.fakes import BIOT, VALBONNE

pytestmark = pytest.mark.contract

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def entry(commune=BIOT, actor="agent@biot.demo", kind=ActivityKind.SETTINGS_CHANGED):
    return activity.record(commune, T0, kind, actor, None, field="answerSlaDays", value=3)


def test_entries_read_back_in_order_after_a_cursor(ports):
    written = [entry(), entry(actor=activity.SYSTEM), entry()]
    ports.activity.append(written)
    ports.activity.append([entry(VALBONNE)])
    assert ports.activity.after(BIOT, None, 10) == written
    assert ports.activity.after(BIOT, None, 2) == written[1:]
    assert ports.activity.after(BIOT, written[0].activity_id, 10) == written[1:]
    assert ports.activity.after(BIOT, written[2].activity_id, 10) == []
    assert ports.activity.after(VALBONNE, None, 10)[0].commune_id == VALBONNE


def test_pages_go_newest_first_and_can_keep_staff_actions_only(ports):
    written = [entry(), entry(actor=activity.CITIZEN), entry(), entry(actor=activity.SYSTEM)]
    ports.activity.append(written)
    first = ports.activity.page(BIOT, 1, None, staff_only=True)
    assert first.items == [written[2]]
    second = ports.activity.page(BIOT, 1, first.next_cursor, staff_only=True)
    assert second.items == [written[0]] and second.next_cursor is None
    every = ports.activity.page(BIOT, 10, None, staff_only=False)
    assert every.items == list(reversed(written)) and every.next_cursor is None


def test_a_thread_change_and_its_entry_are_written_together_or_not_at_all(ports):
    thread = stored(ports)
    closing = activity.record(BIOT, T0, ActivityKind.THREAD_UPDATED, "a@b", thread.thread_id)
    ports.threads.update(replace(thread, status=ThreadStatus.CLOSED), activity=[closing])
    stale = activity.record(BIOT, T0, ActivityKind.THREAD_UPDATED, "c@d", thread.thread_id)
    with pytest.raises(ConflictError):
        ports.threads.update(replace(thread, status=ThreadStatus.NEW), activity=[stale])
    assert ports.activity.after(BIOT, None, 10) == [closing]
