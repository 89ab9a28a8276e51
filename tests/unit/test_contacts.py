"""One citizen, one contact: a verified address gathers the citizen's opinions."""

from __future__ import annotations

import pytest

from chalicelib.domain.errors import NotFoundError
from chalicelib.domain.staff import Role
from chalicelib.domain.threads import Visibility
from chalicelib.services import feedback, inbox, notifications
from chalicelib.services.feedback import SubmitFeedback
from tests.fakes import BIOT, memory_ports, staff

SITE = "https://avis.biot.fr"


@pytest.fixture(autouse=True)
def site(monkeypatch):
    monkeypatch.setenv("CONCERTO_SITE_URL", SITE)


def submit(ports, email="marie@citoyens.test", text="Les poubelles débordent."):
    command = SubmitFeedback(theme="proprete", text=text, email=email, name="Marie", consent=True)
    receipt = feedback.submit_feedback(ports, "biot", command)
    return ports.threads.get(BIOT, receipt.thread_id), receipt


def verify_by_email(ports, to="marie@citoyens.test"):
    [job] = [j for j in ports.delivery_queue.jobs if j.verify]
    ports.delivery_queue.jobs.remove(job)
    assert notifications.send_verification(ports, job) is True
    mail = ports.mailer.sent[-1]
    assert (mail.to, mail.subject) == (to, "Confirmez votre adresse — mairie de Biot")
    token = mail.text.split(f"{SITE}/verification#", 1)[1].split()[0]
    return feedback.verify_contact(ports, token)


def test_an_unverified_address_links_nothing():
    ports = memory_ports()
    first, _ = submit(ports)
    second, _ = submit(ports, text="Encore des poubelles.")
    assert first.contact_id != second.contact_id
    assert [job.verify for job in ports.delivery_queue.jobs] == [True, True]


def test_a_verified_address_joins_nothing_until_the_new_opinion_proves_it_too():
    # A stranger typing a citizen's verified address must not join their contact.
    ports = memory_ports()
    first, _ = submit(ports)
    contact = verify_by_email(ports)
    assert contact.verified_at is not None
    second, _ = submit(ports, email="  Marie@Citoyens.TEST ", text="Le parc est sale.")
    assert second.contact_id != first.contact_id
    stranger = inbox.get_thread(ports, staff(), second.thread_id)
    assert stranger.history == []
    assert stranger.contact is not None and stranger.contact.verified_at is None

    # The address's owner opens the link sent for the second opinion: it joins them.
    joined = verify_by_email(ports)
    assert joined.contact_id == first.contact_id
    assert ports.threads.get(BIOT, second.thread_id).contact_id == first.contact_id
    assert ports.contacts.get(BIOT, second.contact_id) is None
    detail = inbox.get_thread(ports, staff(), second.thread_id)
    assert [t.thread_id for t in detail.history] == [first.thread_id]
    viewer = inbox.get_thread(ports, staff(role=Role.VIEWER), second.thread_id)
    assert (viewer.contact, viewer.history) == (None, [])


def test_one_address_gets_a_few_verification_links_a_day_whatever_is_submitted():
    ports = memory_ports()
    for n in range(5):
        submit(ports, text=f"Avis numéro {n} sur la propreté.")
    assert [job.verify for job in ports.delivery_queue.jobs] == [True, True, True]


def test_each_threads_answer_links_to_its_own_follow_up_page():
    ports = memory_ports()
    submit(ports)
    verify_by_email(ports)
    second, receipt = submit(ports, text="Le parc est sale.")
    inbox.reply_to_thread(ports, staff(), second.thread_id, "C'est noté.", Visibility.PRIVATE)
    [job] = [j for j in ports.delivery_queue.jobs if not j.verify]
    notifications.deliver_answer(ports, job)
    assert f"{SITE}/suivi#{receipt.followup_token}" in ports.mailer.sent[-1].text


def test_a_forged_or_stale_verification_link_is_not_found():
    ports = memory_ports()
    for forged in ("garbage", ports.sealer.seal('{"c": "06018", "k": "nobody"}')):
        with pytest.raises(NotFoundError):
            feedback.verify_contact(ports, forged)
