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


def _merged_pair(ports):
    """Marie's opinion, and Paul's duplicate merged into it; both left a name and address."""
    marie = feedback.submit_feedback(
        ports,
        "biot",
        SubmitFeedback(
            theme="proprete",
            text="Dépôt sauvage chemin des Combes.",
            email="marie@citoyens.test",
            name="Marie Curie",
            consent=True,
        ),
    )
    paul = feedback.submit_feedback(
        ports,
        "biot",
        SubmitFeedback(
            theme="proprete",
            text="Encore des gravats chemin des Combes !",
            email="paul@citoyens.test",
            name="Paul",
            consent=True,
        ),
    )
    inbox.merge(ports, staff(), paul.thread_id, marie.thread_id)
    return marie, paul


def _answers(ports, receipt):
    messages = feedback.get_follow_up(ports, receipt.followup_token).messages
    return [m.text for m in messages if m.author is Author.COMMUNE]


def test_a_template_answer_greets_each_merged_citizen_by_their_own_name():
    from chalicelib.services import templates

    ports = memory_ports()
    marie, paul = _merged_pair(ports)
    template = templates.save_template(
        ports, staff(), "Enlèvement", "Bonjour {citoyen}, enlèvement jeudi."
    )
    text = templates.answer_text(ports, staff(), marie.thread_id, None, template.template_id)
    inbox.reply_to_thread(
        ports, staff(), marie.thread_id, text, Visibility.PRIVATE, template.template_id
    )
    assert _answers(ports, marie) == ["Bonjour Marie Curie, enlèvement jeudi."]
    assert _answers(ports, paul) == ["Bonjour Paul, enlèvement jeudi."]


def test_a_typed_answer_never_carries_another_citizens_name_or_address():
    ports = memory_ports()
    marie, paul = _merged_pair(ports)
    text = "Bonjour Marie Curie, nous vous écrirons à marie@citoyens.test jeudi."
    inbox.reply_to_thread(ports, staff(), marie.thread_id, text, Visibility.PRIVATE)
    assert _answers(ports, marie) == [text]
    assert _answers(ports, paul) == ["Bonjour Paul, nous vous écrirons à paul@citoyens.test jeudi."]


def test_a_bulk_template_answer_is_filled_in_for_each_recipient():
    from chalicelib.services import bulk, templates

    ports = memory_ports()
    marie, paul = _merged_pair(ports)
    template = templates.save_template(ports, staff(), "Merci", "Merci {citoyen}, c'est noté.")
    wanted = bulk.BulkRequest(
        thread_ids=(marie.thread_id,),
        action=bulk.BulkAction.ANSWER,
        template_id=template.template_id,
    )
    assert [outcome.ok for outcome in bulk.apply(ports, staff(), wanted)] == [True]
    assert _answers(ports, marie) == ["Merci Marie Curie, c'est noté."]
    assert _answers(ports, paul) == ["Merci Paul, c'est noté."]
