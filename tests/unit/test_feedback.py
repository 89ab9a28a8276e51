"""Citizen use cases with in-memory adapters."""

import pytest

from chalicelib.adapters.memory import InMemoryAnalysisQueue
from chalicelib.domain import followup
from chalicelib.domain.errors import ConflictError, NotFoundError, ValidationError
from chalicelib.domain.threads import Author, ThreadStatus, Visibility
from chalicelib.ports import AnalysisJob
from chalicelib.services import feedback, inbox
from chalicelib.services.feedback import SubmitFeedback
from tests.fakes import BIOT, VALBONNE, Clock, memory_ports, staff

pytestmark = pytest.mark.unit

OPINION = SubmitFeedback(theme="proprete", text="  Les poubelles débordent au village.  ")


def queued(ports) -> list[AnalysisJob]:
    assert isinstance(ports.analysis_queue, InMemoryAnalysisQueue)
    return ports.analysis_queue.jobs


def test_an_opinion_becomes_a_new_thread_queued_for_analysis():
    ports = memory_ports()
    receipt = feedback.submit_feedback(ports, "biot", OPINION)

    thread = ports.threads.get(BIOT, receipt.thread_id)
    assert thread.status is ThreadStatus.NEW
    assert thread.theme == "proprete"
    assert thread.followup_hash == followup.hash_token(receipt.followup_token)
    [message] = ports.threads.messages(BIOT, receipt.thread_id)
    assert message.text == "Les poubelles débordent au village."
    assert message.author is Author.CITIZEN
    assert queued(ports) == [AnalysisJob(BIOT, receipt.thread_id, receipt.thread_id)]


def test_the_follow_up_token_is_unguessable_and_names_its_commune():
    ports = memory_ports()
    token = feedback.submit_feedback(ports, "biot", OPINION).followup_token
    prefix, secret = token.split(".")
    assert prefix == BIOT
    assert len(secret) >= 43  # 256 random bits in url-safe base64


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"text": "ok"}, "text_too_short"),
        ({"text": "x" * 5001}, "text_too_long"),
        ({"text": "   \n  "}, "text_too_short"),
        ({"theme": "fiscalite"}, "unknown_theme"),
        ({"quartier": "sophia"}, "unknown_quartier"),
        ({"rating": 0}, "invalid_rating"),
        ({"rating": 6}, "invalid_rating"),
        ({"email": "habitant@example.org"}, "consent_required"),
        ({"email": "not-an-email", "consent": True}, "invalid_email"),
    ],
)
def test_invalid_opinions_are_refused_and_nothing_is_stored(change, code):
    ports = memory_ports()
    command = SubmitFeedback(**{**OPINION.__dict__, **change})
    with pytest.raises(ValidationError) as raised:
        feedback.submit_feedback(ports, "biot", command)
    assert raised.value.code == code
    assert queued(ports) == []


def test_an_unknown_commune_is_not_found():
    with pytest.raises(NotFoundError):
        feedback.submit_feedback(memory_ports(), "atlantis", OPINION)


def test_contact_details_are_kept_apart_and_only_with_consent():
    ports = memory_ports()
    command = SubmitFeedback(
        theme="proprete",
        text="Merci pour le nettoyage.",
        email=" Habitant@Example.org ",
        consent=True,
        name="Jeanne",
    )
    receipt = feedback.submit_feedback(ports, "biot", command)
    thread = ports.threads.get(BIOT, receipt.thread_id)
    contact = ports.contacts.get(BIOT, thread.contact_id)
    assert contact is not None
    assert (contact.email, contact.name) == ("habitant@example.org", "Jeanne")
    assert (contact.expires_at - contact.consented_at).days == 730
    assert "habitant" not in ports.threads.messages(BIOT, receipt.thread_id)[0].text


def test_a_name_without_an_email_is_not_kept():
    ports = memory_ports()
    receipt = feedback.submit_feedback(
        ports, "biot", SubmitFeedback(theme="proprete", text="Bravo !!!", name="Jeanne")
    )
    assert ports.threads.get(BIOT, receipt.thread_id).contact_id is None


def test_the_same_idempotency_key_returns_the_same_receipt_and_creates_nothing():
    ports = memory_ports()
    first = feedback.submit_feedback(ports, "biot", OPINION, idempotency_key="key-1")
    again = feedback.submit_feedback(ports, "biot", OPINION, idempotency_key="key-1")
    assert again == first
    page = ports.threads.list_page(BIOT, inbox.ThreadFilter(), 10, None)
    assert [t.thread_id for t in page.items] == [first.thread_id]


def test_an_idempotency_key_reused_for_another_opinion_is_a_conflict():
    ports = memory_ports()
    feedback.submit_feedback(ports, "biot", OPINION, idempotency_key="key-1")
    other = SubmitFeedback(theme="proprete", text="Un autre avis, bien différent.")
    with pytest.raises(ConflictError):
        feedback.submit_feedback(ports, "biot", other, idempotency_key="key-1")


def test_a_replay_after_a_crash_before_queueing_queues_the_analysis():
    ports = memory_ports()
    receipt = feedback.submit_feedback(ports, "biot", OPINION, idempotency_key="key-1")
    queued(ports).clear()  # as if the first attempt died before reaching SQS
    assert feedback.submit_feedback(ports, "biot", OPINION, idempotency_key="key-1") == receipt
    assert queued(ports) == [AnalysisJob(BIOT, receipt.thread_id, receipt.thread_id)]


def test_the_citizen_reads_the_answer_and_writing_again_reopens_the_thread():
    clock = Clock()
    ports = memory_ports(clock)
    receipt = feedback.submit_feedback(ports, "biot", OPINION)
    clock.advance(hours=2)
    inbox.reply_to_thread(
        ports, staff(), receipt.thread_id, "Nous passons demain.", Visibility.PRIVATE
    )

    view = feedback.get_follow_up(ports, receipt.followup_token)
    assert view.thread.status is ThreadStatus.ANSWERED
    assert [(m.author, m.text) for m in view.messages] == [
        (Author.CITIZEN, "Les poubelles débordent au village."),
        (Author.COMMUNE, "Nous passons demain."),
    ]

    clock.advance(hours=1)
    feedback.post_follow_up(ports, receipt.followup_token, "Toujours rien ce soir.")
    assert ports.threads.get(BIOT, receipt.thread_id).status is ThreadStatus.IN_PROGRESS
    assert queued(ports)[-1].thread_id == receipt.thread_id


@pytest.mark.parametrize(
    "token", ["", "garbage", "06018.short", "99999." + "A" * 43, "06152." + "A" * 43]
)
def test_a_malformed_or_unknown_token_is_not_found(token):
    ports = memory_ports()
    feedback.submit_feedback(ports, "biot", OPINION)
    with pytest.raises(NotFoundError):
        feedback.get_follow_up(ports, token)


def test_a_token_of_one_commune_never_opens_another_communes_thread():
    ports = memory_ports()
    token = feedback.submit_feedback(ports, "biot", OPINION).followup_token
    forged = token.replace(BIOT, VALBONNE, 1)
    with pytest.raises(NotFoundError):
        feedback.get_follow_up(ports, forged)
