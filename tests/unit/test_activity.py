"""The activity log: every change recorded once with who and what, the feed, the audit."""

from __future__ import annotations

from datetime import timedelta

import pytest

from chalicelib.domain.activity import ActivityKind
from chalicelib.domain.errors import ConflictError, ForbiddenError, ValidationError
from chalicelib.domain.staff import Role
from chalicelib.domain.threads import Sentiment, ThreadChanges, ThreadStatus, Visibility
from chalicelib.ports import AnalysisJob
from chalicelib.services import activity, analysis, feedback, inbox
from chalicelib.services.feedback import SubmitFeedback
from tests.fakes import BIOT, VALBONNE, memory_ports, staff

NOW = timedelta(0)  # the feed's settling delay, off: these entries are fresh
OPINION = SubmitFeedback(theme="proprete", text="Les poubelles débordent rue du Portugon.")


def kinds(entries):
    return [(e.kind, e.actor) for e in entries]


def test_a_threads_life_is_recorded_and_published_in_order():
    ports = memory_ports()
    receipt = feedback.submit_feedback(ports, "biot", OPINION)
    job = AnalysisJob(BIOT, receipt.thread_id, receipt.thread_id)
    analysis.record(ports, analysis.prepare(ports, [job])[job])
    agent = staff(role=Role.AGENT)
    inbox.update_thread(
        ports, agent, receipt.thread_id, ThreadChanges(status=ThreadStatus.IN_PROGRESS)
    )
    inbox.reply_to_thread(ports, agent, receipt.thread_id, "C'est noté.", Visibility.PRIVATE)
    feedback.post_follow_up(ports, receipt.followup_token, "Merci beaucoup !")

    entries = activity.feed(ports, staff(role=Role.VIEWER), None, 50, settle=NOW)
    assert kinds(entries) == [
        (ActivityKind.THREAD_CREATED, "citizen"),
        (ActivityKind.THREAD_ANALYSED, "system"),
        (ActivityKind.THREAD_UPDATED, "agent@example.org"),
        (ActivityKind.REPLY_SENT, "agent@example.org"),
        (ActivityKind.CITIZEN_MESSAGE, "citizen"),
    ]
    assert {e.thread_id for e in entries} == {receipt.thread_id}
    assert entries[2].details == {"status": "in_progress", "statusBefore": "new"}
    assert entries[3].details["visibility"] == "private"
    assert ports.events.published == entries
    # The feed never carries what citizens wrote nor who they are.
    assert "poubelles" not in repr([e.details for e in entries])


def test_a_correction_records_the_sentiment_before_and_after():
    ports = memory_ports()
    receipt = feedback.submit_feedback(ports, "biot", OPINION)
    job = AnalysisJob(BIOT, receipt.thread_id, receipt.thread_id)
    analysis.record(ports, analysis.prepare(ports, [job])[job])
    before = ports.threads.get(BIOT, receipt.thread_id).analysis.result.sentiment
    wanted = Sentiment.POSITIVE if before is not Sentiment.POSITIVE else Sentiment.NEGATIVE
    inbox.update_thread(ports, staff(), receipt.thread_id, ThreadChanges(sentiment=wanted))
    last = activity.feed(ports, staff(), None, 1, settle=NOW)[0]
    assert last.details == {"sentiment": wanted.value, "sentimentBefore": before.value}


def test_a_refused_change_records_nothing():
    ports = memory_ports()
    receipt = feedback.submit_feedback(ports, "biot", OPINION)
    with pytest.raises(ConflictError):
        inbox.update_thread(
            ports, staff(), receipt.thread_id, ThreadChanges(status=ThreadStatus.CLOSED), 99
        )
    assert kinds(activity.feed(ports, staff(), None, 10, settle=NOW)) == [
        (ActivityKind.THREAD_CREATED, "citizen")
    ]


def test_the_feed_follows_a_cursor_and_stays_in_its_commune():
    ports = memory_ports()
    first = feedback.submit_feedback(ports, "biot", OPINION)
    [created] = activity.feed(ports, staff(), None, 10, settle=NOW)
    second = feedback.submit_feedback(ports, "biot", OPINION)
    feedback.submit_feedback(ports, "valbonne", SubmitFeedback(theme="proprete", text="Sale."))
    newer = activity.feed(ports, staff(), created.activity_id, 10, settle=NOW)
    assert [e.thread_id for e in newer] == [second.thread_id]
    assert first.thread_id != second.thread_id
    assert activity.feed(ports, staff(), newer[0].activity_id, 10, settle=NOW) == []
    assert len(activity.feed(ports, staff(VALBONNE), None, 10, settle=NOW)) == 1
    with pytest.raises(ValidationError):
        activity.feed(ports, staff(), "not-an-id", 10, settle=NOW)


def test_the_audit_is_for_admins_and_can_show_staff_actions_only():
    ports = memory_ports()
    receipt = feedback.submit_feedback(ports, "biot", OPINION)
    inbox.update_thread(ports, staff(), receipt.thread_id, ThreadChanges(assignee="a@b.fr"))
    with pytest.raises(ForbiddenError):
        activity.audit(ports, staff(role=Role.AGENT), 10, None, staff_only=False)
    admin = staff(role=Role.ADMIN)
    everything = activity.audit(ports, admin, 10, None, staff_only=False)
    assert kinds(everything.items) == [
        (ActivityKind.THREAD_UPDATED, "agent@example.org"),
        (ActivityKind.THREAD_CREATED, "citizen"),
    ]
    only_staff = activity.audit(ports, admin, 10, None, staff_only=True)
    assert kinds(only_staff.items) == [(ActivityKind.THREAD_UPDATED, "agent@example.org")]
    first = activity.audit(ports, admin, 1, None, staff_only=False)
    rest = activity.audit(ports, admin, 1, first.next_cursor, staff_only=False)
    assert [e.kind for e in rest.items] == [ActivityKind.THREAD_CREATED]
    assert rest.next_cursor is None


def test_the_feed_holds_back_entries_younger_than_its_settling_delay():
    ports = memory_ports()
    feedback.submit_feedback(ports, "biot", OPINION)
    assert activity.feed(ports, staff(), None, 10) == []  # younger than activity.SETTLE
    assert len(activity.feed(ports, staff(), None, 10, settle=NOW)) == 1


def test_no_personal_data_reaches_the_feed():
    ports = memory_ports()
    command = SubmitFeedback(
        theme="proprete",
        text="Appelez-moi au 06 12 34 56 78, Marie Dupont.",
        email="marie.dupont@citoyens.test",
        consent=True,
        name="Marie Dupont",
    )
    receipt = feedback.submit_feedback(ports, "biot", command)
    job = AnalysisJob(BIOT, receipt.thread_id, receipt.thread_id)
    analysis.record(ports, analysis.prepare(ports, [job])[job])
    inbox.reply_to_thread(ports, staff(), receipt.thread_id, "Bonjour Marie.", Visibility.PRIVATE)
    everything = repr(activity.feed(ports, staff(), None, 50, settle=NOW))
    for leak in ("06 12", "Dupont", "citoyens.test", "Marie"):
        assert leak not in everything
