"""Merging duplicate threads: one conversation for staff, each citizen kept informed."""

from __future__ import annotations

import pytest

from chalicelib.domain.errors import ConflictError, ForbiddenError, NotFoundError, ValidationError
from chalicelib.domain.staff import Role
from chalicelib.domain.threads import Author, ThreadStatus, Visibility
from chalicelib.services import feedback, inbox
from chalicelib.services.feedback import SubmitFeedback
from tests.fakes import BIOT, memory_ports, staff


def submit(ports, text, slug="biot", email=None):
    command = SubmitFeedback(theme="proprete", text=text, email=email, consent=bool(email))
    return feedback.submit_feedback(ports, slug, command)


def test_answers_given_on_the_merged_thread_reach_the_duplicates_citizen():
    ports = memory_ports()
    first = submit(ports, "Dépôt sauvage chemin des Combes.")
    second = submit(ports, "Encore des gravats chemin des Combes !", email="paul@citoyens.test")
    merged = inbox.merge(ports, staff(), second.thread_id, first.thread_id)
    assert merged.merged_from == (second.thread_id,)
    duplicate = ports.threads.get(BIOT, second.thread_id)
    assert (duplicate.status, duplicate.merged_into, duplicate.due_at) == (
        ThreadStatus.CLOSED,
        first.thread_id,
        None,
    )

    inbox.reply_to_thread(ports, staff(), first.thread_id, "Enlèvement jeudi.", Visibility.PUBLIC)
    copy = feedback.get_follow_up(ports, second.followup_token).messages[-1]
    assert (copy.author, copy.text, copy.visibility) == (
        Author.COMMUNE,
        "Enlèvement jeudi.",
        Visibility.PRIVATE,
    )
    answers = [job for job in ports.delivery_queue.jobs if not job.verify]
    assert [job.thread_id for job in answers] == [second.thread_id]


def test_the_duplicates_citizen_writing_again_reopens_the_merged_thread():
    ports = memory_ports()
    first = submit(ports, "Dépôt sauvage chemin des Combes.")
    second = submit(ports, "Encore des gravats chemin des Combes !")
    inbox.merge(ports, staff(), second.thread_id, first.thread_id)
    inbox.reply_to_thread(ports, staff(), first.thread_id, "Enlèvement jeudi.", Visibility.PRIVATE)
    feedback.post_follow_up(ports, second.followup_token, "Toujours rien ce vendredi.")
    target = ports.threads.get(BIOT, first.thread_id)
    assert target.status is ThreadStatus.IN_PROGRESS and target.due_at is not None
    assert ports.threads.get(BIOT, second.thread_id).status is ThreadStatus.CLOSED


@pytest.mark.parametrize(
    ("error", "arrange"),
    [
        (ValidationError, lambda ports, a, b: (a, a)),
        (NotFoundError, lambda ports, a, b: (a, submit(ports, "Valbonne.", "valbonne").thread_id)),
        (ConflictError, lambda ports, a, b: (inbox.merge(ports, staff(), a, b) and a, b)),
    ],
)
def test_odd_merges_are_refused(error, arrange):
    ports = memory_ports()
    a = submit(ports, "Premier avis sur la propreté.").thread_id
    b = submit(ports, "Second avis sur la propreté.").thread_id
    duplicate, into = arrange(ports, a, b)
    with pytest.raises(error):
        inbox.merge(ports, staff(), duplicate, into)


def test_viewers_cannot_merge():
    ports = memory_ports()
    a = submit(ports, "Premier avis sur la propreté.").thread_id
    b = submit(ports, "Second avis sur la propreté.").thread_id
    with pytest.raises(ForbiddenError):
        inbox.merge(ports, staff(role=Role.VIEWER), a, b)
