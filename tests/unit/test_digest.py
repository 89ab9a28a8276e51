"""The staff's daily digest and its one-click unsubscribe."""

from __future__ import annotations

import pytest

from chalicelib.domain.errors import NotFoundError
from chalicelib.domain.staff import Role
from chalicelib.domain.threads import ThreadChanges, ThreadStatus
from chalicelib.services import digest, feedback, inbox
from chalicelib.services.feedback import SubmitFeedback
from tests.fakes import BIOT, Clock, commune, memory_ports, staff

AGENT = staff(role=Role.AGENT)


def assigned(ports, text, to="agent@example.org"):
    receipt = feedback.submit_feedback(ports, "biot", SubmitFeedback(theme="proprete", text=text))
    inbox.update_thread(ports, AGENT, receipt.thread_id, ThreadChanges(assignee=to))
    return receipt.thread_id


def test_a_subscribed_member_gets_their_open_threads_the_overdue_first(monkeypatch):
    monkeypatch.setenv("CONCERTO_API_URL", "https://api.biot.fr")
    clock = Clock()
    ports = memory_ports(clock)
    digest.subscribe(ports, AGENT, True)
    old = assigned(ports, "Les poubelles débordent depuis des semaines.")
    clock.advance(days=10)
    fresh = assigned(ports, "Un lampadaire clignote rue des Roses.")
    closed = assigned(ports, "Merci pour le marché de Noël.")
    inbox.update_thread(ports, AGENT, closed, ThreadChanges(status=ThreadStatus.CLOSED))
    assigned(ports, "Pas pour moi.", to="autre@example.org")

    report = digest.send_digests(ports, commune())
    assert (report.sent, report.failed) == (1, 0)
    [mail] = ports.mailer.sent
    assert mail.to == "agent@example.org"
    assert mail.subject.endswith("2 ouverts, 1 en retard")
    body = mail.text
    assert body.index(old[-6:]) < body.index(fresh[-6:]) and "EN RETARD" in body
    assert closed[-6:] not in body
    assert mail.unsubscribe_url.startswith("https://api.biot.fr/unsubscribe/")


def test_the_unsubscribe_link_works_without_login_and_only_for_its_subscription():
    ports = memory_ports()
    digest.subscribe(ports, AGENT, True)
    digest.send_digests(ports, commune())
    token = ports.mailer.sent[0].unsubscribe_url.rsplit("/", 1)[1]
    assert digest.check_unsubscribe_token(ports, token) == (BIOT, "agent@example.org", "digest")
    assert digest.unsubscribe(ports, token) == "digest"
    assert digest.is_subscribed(ports, AGENT) is False
    digest.send_digests(ports, commune())
    assert len(ports.mailer.sent) == 1
    for forged in ("garbage", token[:-4] + "AAAA"):
        with pytest.raises(NotFoundError):
            digest.unsubscribe(ports, forged)
