"""Staff use cases with in-memory adapters: roles, isolation, locking, paging."""

import pytest

from chalicelib.domain.errors import ConflictError, ForbiddenError, NotFoundError, ValidationError
from chalicelib.domain.staff import Role
from chalicelib.domain.threads import ThreadChanges, ThreadFilter, ThreadStatus, Visibility
from chalicelib.services import feedback, inbox
from chalicelib.services.feedback import SubmitFeedback
from tests.fakes import BIOT, VALBONNE, Clock, memory_ports, staff

pytestmark = pytest.mark.unit


def submit(ports, text="Le trottoir est défoncé devant l'école.", theme="voirie", **extra):
    return feedback.submit_feedback(ports, "biot", SubmitFeedback(theme=theme, text=text, **extra))


def test_another_communes_staff_cannot_see_or_touch_a_thread():
    ports = memory_ports()
    thread_id = submit(ports).thread_id
    valbonne = staff(VALBONNE, Role.ADMIN)
    with pytest.raises(NotFoundError):
        inbox.get_thread(ports, valbonne, thread_id)
    with pytest.raises(NotFoundError):
        inbox.update_thread(ports, valbonne, thread_id, ThreadChanges(status=ThreadStatus.CLOSED))
    with pytest.raises(NotFoundError):
        inbox.reply_to_thread(ports, valbonne, thread_id, "Bonjour", Visibility.PRIVATE)
    assert inbox.list_threads(ports, valbonne, ThreadFilter(), 25, None).items == []


def test_viewers_read_but_neither_answer_nor_edit():
    ports = memory_ports()
    thread_id = submit(ports).thread_id
    viewer = staff(BIOT, Role.VIEWER)
    assert inbox.get_thread(ports, viewer, thread_id).thread.thread_id == thread_id
    with pytest.raises(ForbiddenError):
        inbox.reply_to_thread(ports, viewer, thread_id, "Bonjour", Visibility.PRIVATE)
    with pytest.raises(ForbiddenError):
        inbox.update_thread(ports, viewer, thread_id, ThreadChanges(status=ThreadStatus.CLOSED))


def test_viewers_do_not_see_who_wrote():
    ports = memory_ports()
    thread_id = submit(ports, email="a@example.org", consent=True).thread_id
    assert inbox.get_thread(ports, staff(BIOT, Role.VIEWER), thread_id).contact is None
    contact = inbox.get_thread(ports, staff(BIOT, Role.AGENT), thread_id).contact
    assert contact is not None and contact.email == "a@example.org"


def test_an_edit_based_on_a_stale_version_is_a_conflict():
    ports = memory_ports()
    thread_id = submit(ports).thread_id
    agent = staff()
    first = inbox.update_thread(
        ports, agent, thread_id, ThreadChanges(assignee="agent@example.org"), expected_version=1
    )
    assert first.version == 2 and first.assignee == "agent@example.org"
    with pytest.raises(ConflictError):
        inbox.update_thread(
            ports, agent, thread_id, ThreadChanges(status=ThreadStatus.CLOSED), expected_version=1
        )
    assert ports.threads.get(BIOT, thread_id).status is ThreadStatus.NEW


def test_an_empty_assignee_unassigns_and_an_unknown_theme_is_refused():
    ports = memory_ports()
    thread_id = submit(ports).thread_id
    agent = staff()
    inbox.update_thread(ports, agent, thread_id, ThreadChanges(assignee="a@example.org"))
    assert inbox.update_thread(ports, agent, thread_id, ThreadChanges(assignee="")).assignee is None
    with pytest.raises(ValidationError):
        inbox.update_thread(ports, agent, thread_id, ThreadChanges(theme="fiscalite"))
    with pytest.raises(ValidationError):
        inbox.update_thread(ports, agent, thread_id, ThreadChanges())


def test_a_reply_answers_the_thread_even_after_a_concurrent_edit():
    ports = memory_ports()
    thread_id = submit(ports).thread_id
    inbox.update_thread(ports, staff(), thread_id, ThreadChanges(status=ThreadStatus.IN_PROGRESS))
    message = inbox.reply_to_thread(ports, staff(), thread_id, "C'est noté.", Visibility.PUBLIC)
    detail = inbox.get_thread(ports, staff(), thread_id)
    assert detail.thread.status is ThreadStatus.ANSWERED
    assert detail.messages[-1] == message
    assert message.visibility is Visibility.PUBLIC and message.staff_email == "agent@example.org"


def test_the_inbox_pages_newest_first_and_filters():
    clock = Clock()
    ports = memory_ports(clock)
    ids = []
    for n in range(5):
        clock.advance(minutes=1)
        ids.append(submit(ports, text=f"Avis numéro {n} sur la voirie.").thread_id)
    clock.advance(minutes=1)
    other = submit(ports, text="Les poubelles débordent.", theme="proprete").thread_id

    agent = staff()
    first = inbox.list_threads(ports, agent, ThreadFilter(theme="voirie"), 3, None)
    second = inbox.list_threads(ports, agent, ThreadFilter(theme="voirie"), 3, first.next_cursor)
    assert [t.thread_id for t in first.items + second.items] == ids[::-1]
    assert second.next_cursor is None
    everything = inbox.list_threads(ports, agent, ThreadFilter(), 10, None).items
    assert everything[0].thread_id == other


@pytest.mark.parametrize("limit", [0, 101])
def test_a_limit_out_of_range_is_refused(limit):
    with pytest.raises(ValidationError):
        inbox.list_threads(memory_ports(), staff(), ThreadFilter(), limit, None)
