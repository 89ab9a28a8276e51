"""Public answers publish opinions, after moderation when needed; the public page."""

from __future__ import annotations

import pytest

from chalicelib.analysis.local import LocalAnalyzer
from chalicelib.analysis.pipeline import CompositeAnalyzer
from chalicelib.domain.errors import ConflictError, ForbiddenError, NotFoundError
from chalicelib.domain.staff import Role
from chalicelib.domain.threads import Publication, Visibility
from chalicelib.ports import AnalysisJob
from chalicelib.services import analysis, feedback, inbox, moderation
from chalicelib.services.feedback import SubmitFeedback
from chalicelib.services.moderation import Decision
from tests.fakes import BIOT, VALBONNE, memory_ports, staff

CLEAN = "Merci pour les nouveaux bancs du parc, ils sont très agréables."
WITH_PHONE = "Le lampadaire est cassé, rappelez-moi au 06 12 34 56 78 s'il vous plaît."


def ports_with_pipeline():
    """Memory ports whose analyzer masks personal data, as the worker's does."""
    ports = memory_ports()
    ports.analyzer = CompositeAnalyzer(LocalAnalyzer(), ports.corrections)
    return ports


def opinion(ports, text, analysed=True, slug="biot"):
    receipt = feedback.submit_feedback(ports, slug, SubmitFeedback(theme="proprete", text=text))
    if analysed:
        commune = BIOT if slug == "biot" else VALBONNE
        job = AnalysisJob(commune, receipt.thread_id, receipt.thread_id)
        analysis.record(ports, analysis.prepare(ports, [job])[job])
    return receipt.thread_id


def answer(ports, thread_id, visibility=Visibility.PUBLIC, text="Merci, c'est noté."):
    inbox.reply_to_thread(ports, staff(), thread_id, text, visibility)
    return ports.threads.get(BIOT, thread_id)


def test_a_public_answer_publishes_a_clean_opinion_at_once():
    ports = ports_with_pipeline()
    thread = answer(ports, opinion(ports, CLEAN))
    assert thread.publication is Publication.PUBLISHED and thread.published_at is not None
    [shown] = moderation.published(ports, "biot", 10, None).items
    assert shown.thread_id == thread.thread_id
    assert [a.text for a in shown.public_answers] == ["Merci, c'est noté."]


def test_private_answers_publish_nothing():
    ports = ports_with_pipeline()
    thread = answer(ports, opinion(ports, CLEAN), Visibility.PRIVATE)
    assert (thread.publication, thread.public_answers) == (Publication.NONE, ())


def test_an_opinion_with_personal_data_waits_in_the_moderation_queue():
    ports = ports_with_pipeline()
    thread = answer(ports, opinion(ports, WITH_PHONE))
    assert thread.publication is Publication.PENDING
    assert moderation.published(ports, "biot", 10, None).items == []
    [queued] = moderation.queue(ports, staff(), 10, None).items
    assert queued.thread_id == thread.thread_id
    decided = moderation.decide(ports, staff(), thread.thread_id, Decision.PUBLISH)
    assert decided.publication is Publication.PUBLISHED
    [shown] = moderation.published(ports, "biot", 10, None).items
    assert "06 12 34 56 78" not in shown.analysis.result.masked_text
    assert moderation.queue(ports, staff(), 10, None).items == []


def test_staff_can_hide_a_published_opinion_and_a_later_answer_keeps_it_hidden():
    ports = ports_with_pipeline()
    thread_id = answer(ports, opinion(ports, CLEAN)).thread_id
    moderation.decide(ports, staff(), thread_id, Decision.HIDE)
    assert moderation.published(ports, "biot", 10, None).items == []
    again = answer(ports, thread_id, text="Les bancs seront repeints en mai.")
    assert again.publication is Publication.HIDDEN and len(again.public_answers) == 2


def test_an_unanalysed_opinion_is_held_and_cannot_be_published_yet():
    ports = ports_with_pipeline()
    thread = answer(ports, opinion(ports, CLEAN, analysed=False))
    assert thread.publication is Publication.PENDING
    with pytest.raises(ConflictError):
        moderation.decide(ports, staff(), thread.thread_id, Decision.PUBLISH)


def test_public_answers_are_published_with_personal_data_masked():
    ports = ports_with_pipeline()
    thread = answer(
        ports, opinion(ports, CLEAN), text="Merci ! Écrivez à jean.martin@mairie-biot.fr."
    )
    assert "jean.martin@mairie-biot.fr" not in thread.public_answers[0].text
    # The citizen's private thread keeps the answer as written.
    assert "jean.martin@mairie-biot.fr" in ports.threads.messages(BIOT, thread.thread_id)[-1].text


def test_moderation_is_for_agents_of_the_commune():
    ports = ports_with_pipeline()
    thread_id = answer(ports, opinion(ports, WITH_PHONE)).thread_id
    with pytest.raises(ForbiddenError):
        moderation.queue(ports, staff(role=Role.VIEWER), 10, None)
    with pytest.raises(NotFoundError):
        moderation.decide(ports, staff(VALBONNE), thread_id, Decision.PUBLISH)
    assert moderation.queue(ports, staff(VALBONNE), 10, None).items == []
