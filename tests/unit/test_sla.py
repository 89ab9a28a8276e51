"""The answer deadline: working days, French public holidays, Paris civil days."""

from datetime import UTC, date, datetime, timedelta

import pytest

from chalicelib.domain import sla
from chalicelib.domain.ids import CommuneId
from chalicelib.domain.threads import Channel, Thread, ThreadChanges, ThreadStatus


@pytest.mark.parametrize(
    ("year", "easter"),
    [
        (2024, date(2024, 3, 31)),
        (2025, date(2025, 4, 20)),
        (2026, date(2026, 4, 5)),
        (2027, date(2027, 3, 28)),
        (2038, date(2038, 4, 25)),
    ],
)
def test_easter_sunday(year, easter):
    assert sla.easter_sunday(year) == easter


def test_the_eleven_national_holidays_of_2026():
    holidays = sla.public_holidays(2026)
    assert len(holidays) == 11
    assert {date(2026, 4, 6), date(2026, 5, 14), date(2026, 5, 25)} <= holidays
    assert date(2026, 7, 14) in holidays and date(2026, 11, 11) in holidays
    assert not sla.is_working_day(date(2026, 11, 11))
    assert not sla.is_working_day(date(2026, 11, 28))  # a Saturday
    assert sla.is_working_day(date(2026, 11, 30))


def paris(*args: int) -> datetime:
    return datetime(*args, tzinfo=sla.PARIS)


def test_the_deadline_skips_weekends_and_holidays_and_ends_at_midnight_in_paris():
    # Friday 6 Nov 2026: Mon 9, Tue 10, (Wed 11 Armistice), Thu 12, Fri 13, Mon 16.
    due = sla.answer_due(paris(2026, 11, 6, 10, 0), 5)
    assert due == paris(2026, 11, 17, 0, 0)
    assert due.tzinfo is UTC
    assert due == datetime(2026, 11, 16, 23, 0, tzinfo=UTC)


def test_a_message_sent_late_on_a_sunday_in_paris_counts_from_that_sunday():
    # 23:30 UTC on Saturday is already Sunday in Paris; Monday is the first working day.
    due = sla.answer_due(datetime(2026, 11, 28, 23, 30, tzinfo=UTC), 1)
    assert due == paris(2026, 12, 1, 0, 0)


def test_the_deadline_crosses_christmas_and_new_year():
    # Wed 23 Dec 2026: Thu 24, (Fri 25 Christmas), Mon 28, Tue 29, Wed 30, Thu 31.
    assert sla.answer_due(paris(2026, 12, 23, 15, 0), 5) == paris(2027, 1, 1, 0, 0)
    assert sla.answer_due(paris(2026, 12, 23, 15, 0), 6) == paris(2027, 1, 5, 0, 0)


def make_thread(due_at: datetime | None) -> Thread:
    at = datetime(2026, 11, 2, 9, tzinfo=UTC)
    return Thread(
        CommuneId("06018"),
        "t1",
        Channel.WEB,
        ThreadStatus.NEW,
        "voirie",
        at,
        at,
        "…",
        due_at=due_at,
    )


def test_a_thread_is_overdue_only_after_its_deadline():
    due = datetime(2026, 11, 9, 23, tzinfo=UTC)
    thread = make_thread(due)
    assert not thread.is_overdue(due)
    assert thread.is_overdue(due + timedelta(seconds=1))
    assert not make_thread(None).is_overdue(due + timedelta(days=365))


def test_an_answer_or_closing_settles_the_deadline_and_a_new_message_sets_one():
    due = datetime(2026, 11, 9, 23, tzinfo=UTC)
    later = due + timedelta(days=10)
    answered = make_thread(due).after_staff_reply(due - timedelta(days=1))
    assert answered.due_at is None
    reopened = answered.after_citizen_message(later, later + timedelta(days=7))
    assert reopened.status is ThreadStatus.IN_PROGRESS
    assert reopened.due_at == later + timedelta(days=7)
    closed = ThreadChanges(status=ThreadStatus.CLOSED).apply(make_thread(due), later)
    assert closed.due_at is None
    assigned = ThreadChanges(assignee="agent@biot.demo").apply(make_thread(due), later)
    assert assigned.due_at == due


def test_a_citizen_already_waiting_keeps_the_earlier_deadline():
    due = datetime(2026, 11, 9, 23, tzinfo=UTC)
    again = make_thread(due).after_citizen_message(due - timedelta(days=1), due + timedelta(days=6))
    assert again.due_at == due
