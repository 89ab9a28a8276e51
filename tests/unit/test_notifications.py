"""Answers e-mailed to citizens who left their address: once, with their follow-up link."""

from __future__ import annotations

import pytest

from chalicelib.domain.errors import DeliveryError
from chalicelib.domain.threads import Delivery, Visibility
from chalicelib.ports import DeliveryJob, Mailer, OutboundEmail
from chalicelib.services import feedback, inbox, notifications
from chalicelib.services.feedback import SubmitFeedback
from tests.fakes import BIOT, Clock, memory_ports, staff

SITE = "https://avis.biot.fr"


@pytest.fixture(autouse=True)
def site(monkeypatch):
    monkeypatch.setenv("CONCERTO_SITE_URL", SITE)


def submitted(ports, email="marie@citoyens.test", name="Marie Curie"):
    command = SubmitFeedback(
        theme="proprete",
        text="Les poubelles débordent.",
        email=email,
        name=name,
        consent=bool(email),
    )
    return feedback.submit_feedback(ports, "biot", command)


def answer_jobs(ports):
    """The answers' jobs (a new address also queues its verification link)."""
    return [job for job in ports.delivery_queue.jobs if not job.verify]


def reply(ports, thread_id, text="Bonjour, la collecte passe jeudi."):
    return inbox.reply_to_thread(ports, staff(), thread_id, text, Visibility.PRIVATE)


def test_the_answer_reaches_the_citizens_mailbox_once_with_their_link():
    ports = memory_ports()
    receipt = submitted(ports)
    message = reply(ports, receipt.thread_id)
    [job] = answer_jobs(ports)
    assert job == DeliveryJob(BIOT, receipt.thread_id, message.message_id)
    assert notifications.deliver_answer(ports, job) is Delivery.SENT
    [mail] = ports.mailer.sent
    assert mail.to == "marie@citoyens.test"
    assert mail.subject == "Réponse de la mairie de Biot à votre avis"
    assert mail.text.startswith("Bonjour Marie Curie,")
    assert "la collecte passe jeudi" in mail.text and "la collecte passe jeudi" in mail.html
    assert f"{SITE}/suivi#{receipt.followup_token}" in mail.text
    stored = ports.threads.get_message(BIOT, receipt.thread_id, message.message_id)
    assert (stored.delivery, stored.delivery_detail) == (Delivery.SENT, "outbox-1")
    assert notifications.deliver_answer(ports, job) is Delivery.SENT  # a redelivery
    assert len(ports.mailer.sent) == 1


def test_a_citizen_without_an_address_gets_no_email_job():
    ports = memory_ports()
    receipt = submitted(ports, email=None, name=None)
    message = reply(ports, receipt.thread_id)
    assert message.delivery is Delivery.NONE and ports.delivery_queue.jobs == []


def test_the_token_is_kept_only_sealed():
    ports = memory_ports()
    receipt = submitted(ports)
    thread = ports.threads.get(BIOT, receipt.thread_id)
    assert receipt.followup_token not in thread.sealed_followup
    assert ports.sealer.unseal(thread.sealed_followup) == receipt.followup_token


class DownMailer(Mailer):
    def send(self, email: OutboundEmail) -> str:
        raise DeliveryError("SES is down")


def test_a_refused_send_is_retried_shown_as_failed_and_sent_when_replayed():
    ports = memory_ports()
    receipt = submitted(ports)
    message = reply(ports, receipt.thread_id)
    [job] = answer_jobs(ports)
    outbox, ports.mailer = ports.mailer, DownMailer()
    with pytest.raises(DeliveryError):
        notifications.deliver_answer(ports, job)
    stored = ports.threads.get_message(BIOT, receipt.thread_id, message.message_id)
    assert stored.delivery is Delivery.PENDING
    notifications.give_up(ports, job, "DeliveryError")
    stored = ports.threads.get_message(BIOT, receipt.thread_id, message.message_id)
    assert (stored.delivery, stored.delivery_detail) == (Delivery.FAILED, "DeliveryError")
    ports.mailer = outbox  # the provider is back: the record replayed from the DLQ sends it
    assert notifications.deliver_answer(ports, job) is Delivery.SENT
    assert len(outbox.sent) == 1


def test_a_send_claimed_by_a_worker_that_died_is_taken_over():
    clock = Clock()
    ports = memory_ports(clock)
    receipt = submitted(ports)
    message = reply(ports, receipt.thread_id)
    [job] = answer_jobs(ports)
    ports.threads.set_delivery(message, Delivery.SENDING, clock(), expected=[Delivery.PENDING])
    # Someone else's claim: this copy of the job is retried later, not dropped.
    with pytest.raises(DeliveryError) as busy:
        notifications.deliver_answer(ports, job)
    assert (busy.value.code, busy.value.retryable) == ("send_in_progress", True)
    clock.advance(minutes=10)
    assert notifications.deliver_answer(ports, job) is Delivery.SENT
    assert len(ports.mailer.sent) == 1


def test_no_link_without_a_site_url(monkeypatch):
    monkeypatch.delenv("CONCERTO_SITE_URL")
    ports = memory_ports()
    receipt = submitted(ports, name="")
    reply(ports, receipt.thread_id)
    notifications.deliver_answer(ports, answer_jobs(ports)[0])
    [mail] = ports.mailer.sent
    assert mail.text.startswith("Bonjour,") and "suivi#" not in mail.text
    assert receipt.followup_token not in mail.text + mail.html


class BrokenQueue:
    def enqueue(self, job: DeliveryJob) -> None:
        raise ConnectionError("SQS unreachable")


def test_an_answer_saved_while_the_queue_is_down_is_not_lost_nor_doubled():
    ports = memory_ports()
    receipt = submitted(ports)
    ports.delivery_queue = BrokenQueue()  # type: ignore[assignment]
    message = reply(ports, receipt.thread_id)
    stored = ports.threads.get_message(BIOT, receipt.thread_id, message.message_id)
    assert stored.delivery is Delivery.PENDING  # visible to staff as not sent yet
    assert len(ports.threads.messages(BIOT, receipt.thread_id)) == 2
