"""The citizen's rights with in-memory adapters: download, erase (by link or admin)."""

from dataclasses import replace

import pytest

from chalicelib.domain.errors import ForbiddenError, NotFoundError
from chalicelib.domain.inbound import InboundMessage, Sender
from chalicelib.domain.staff import Role
from chalicelib.domain.threads import AttachmentRef, Channel, Visibility
from chalicelib.services import feedback, inbound, inbox, privacy
from chalicelib.services.feedback import SubmitFeedback
from tests.fakes import BIOT, VALBONNE, Clock, memory_ports, staff

pytestmark = pytest.mark.unit

OPINION = SubmitFeedback(
    theme="proprete",
    text="Je m'appelle Jeanne Martin, les poubelles débordent devant chez moi.",
    email="jeanne@example.org",
    name="Jeanne",
    consent=True,
)


def test_a_citizen_downloads_what_the_commune_holds():
    ports = memory_ports()
    receipt = feedback.submit_feedback(ports, "biot", OPINION)
    inbox.reply_to_thread(ports, staff(), receipt.thread_id, "Merci Jeanne.", Visibility.PRIVATE)
    inbox.add_note(ports, staff(), receipt.thread_id, "note interne")

    data = privacy.citizen_data(ports, receipt.followup_token)

    assert data["commune"] == "Biot"
    assert data["contact"]["email"] == "jeanne@example.org"
    assert [m["author"] for m in data["messages"]] == ["citizen", "commune"]
    assert data["thread"]["theme"] == "Propreté"


def test_erasure_by_the_link_removes_the_contact_and_anonymises_the_texts():
    ports = memory_ports()
    receipt = feedback.submit_feedback(ports, "biot", OPINION)
    thread = ports.threads.get(BIOT, receipt.thread_id)
    contact_id = thread.contact_id

    assert privacy.erase_by_citizen(ports, receipt.followup_token) == 1

    erased = ports.threads.get(BIOT, receipt.thread_id)
    assert (erased.contact_id, erased.sealed_followup) == (None, "")
    assert ports.contacts.get(BIOT, contact_id) is None
    [message] = ports.threads.messages(BIOT, receipt.thread_id)
    assert "Jeanne" not in message.text and "jeanne" not in erased.preview.lower()
    assert privacy.citizen_data(ports, receipt.followup_token)["contact"] is None
    kinds = [e.kind.value for e in ports.activity.page(BIOT, 10, None, False).items]
    assert "contact.erased" in kinds


def test_an_emails_original_and_files_go_and_the_analysed_masked_text_stays():
    ports = memory_ports()
    ports.mail.put_bytes("inbound/raw-1", b"From: jeanne@example.org", "message/rfc822")
    ports.attachments.put_bytes("06018/x/0-photo.jpg", b"jpeg", "image/jpeg")
    mail = InboundMessage(
        commune_id=BIOT,
        channel=Channel.EMAIL,
        external_id="<a@x>",
        text="Appelez-moi au 06 12 34 56 78, le lampadaire est éteint.",
        received_at=Clock().now,
        sender=Sender(email="jeanne@example.org", name="Jeanne"),
        subject="Lampadaire",
        raw_key="inbound/raw-1",
        attachments=(AttachmentRef("photo.jpg", "image/jpeg", 4, "06018/x/0-photo.jpg"),),
    )
    received = inbound.receive(ports, mail)
    [message] = ports.threads.messages(BIOT, received.thread_id)
    masked = "Appelez-moi au [TÉLÉPHONE], le lampadaire est éteint."
    result = ports.analyzer.analyze([message.text], ports.communes.get(BIOT))[0]
    ports.threads.record_analysis(message, replace(result, masked_text=masked), [], on_thread=True)

    assert privacy.erase_by_admin(ports, staff(role=Role.ADMIN), received.thread_id) == 1

    [message] = ports.threads.messages(BIOT, received.thread_id)
    assert (message.text, message.envelope) == (masked, None)
    assert ports.mail.blobs == {} and ports.attachments.blobs == {}
    assert ports.threads.get(BIOT, received.thread_id).subject == ""


def _verified_citizen(ports):
    """Jeanne gives two opinions and proves her address for both: one contact, two threads."""
    first = feedback.submit_feedback(ports, "biot", OPINION)
    second = feedback.submit_feedback(ports, "biot", replace(OPINION, text="Autre avis, merci."))
    for receipt in (first, second):
        contact_id = ports.threads.get(BIOT, receipt.thread_id).contact_id
        contact = ports.contacts.get(BIOT, contact_id)
        feedback.verify_contact(ports, feedback.verification_token(ports, contact))
    contact_id = ports.threads.get(BIOT, first.thread_id).contact_id
    assert ports.threads.get(BIOT, second.thread_id).contact_id == contact_id
    return first, second, contact_id


def test_a_follow_up_link_erases_its_own_thread_only():
    ports = memory_ports()
    first, second, contact_id = _verified_citizen(ports)
    other = feedback.submit_feedback(ports, "biot", replace(OPINION, email="paul@example.org"))

    assert privacy.erase_by_citizen(ports, first.followup_token) == 1
    assert ports.threads.get(BIOT, first.thread_id).contact_id is None
    # Her other opinion keeps its contact: the link proved nothing about it.
    assert ports.threads.get(BIOT, second.thread_id).contact_id == contact_id
    assert ports.contacts.get(BIOT, contact_id) is not None
    assert ports.threads.get(BIOT, other.thread_id).contact_id is not None
    # Her last thread's link takes the contact with it.
    assert privacy.erase_by_citizen(ports, second.followup_token) == 1
    assert ports.contacts.get(BIOT, contact_id) is None


def test_a_stranger_using_a_verified_address_reaches_nothing_of_its_owner():
    ports = memory_ports()
    first, second, contact_id = _verified_citizen(ports)
    stranger = feedback.submit_feedback(
        ports, "biot", replace(OPINION, name="Toto", text="Avis d'un inconnu, merci.")
    )

    data = privacy.citizen_data(ports, stranger.followup_token)
    assert data["contact"]["name"] == "Toto"  # what that submission gave, nothing more
    assert [m["text"] for m in data["messages"]] == ["Avis d'un inconnu, merci."]
    assert privacy.erase_by_citizen(ports, stranger.followup_token) == 1
    for receipt in (first, second):
        assert ports.threads.get(BIOT, receipt.thread_id).contact_id == contact_id
    assert ports.contacts.get(BIOT, contact_id).name == "Jeanne"


def test_the_admins_erasure_takes_every_thread_of_the_contact():
    ports = memory_ports()
    first, second, contact_id = _verified_citizen(ports)
    assert privacy.erase_by_admin(ports, staff(role=Role.ADMIN), first.thread_id) == 2
    assert ports.threads.get(BIOT, second.thread_id).contact_id is None
    assert ports.contacts.get(BIOT, contact_id) is None


def test_only_admins_erase_and_only_in_their_commune():
    ports = memory_ports()
    receipt = feedback.submit_feedback(ports, "biot", OPINION)
    with pytest.raises(ForbiddenError):
        privacy.erase_by_admin(ports, staff(role=Role.AGENT), receipt.thread_id)
    with pytest.raises(NotFoundError):
        privacy.erase_by_admin(ports, staff(VALBONNE, Role.ADMIN), receipt.thread_id)
    with pytest.raises(NotFoundError):
        privacy.erase_by_citizen(ports, "06018.not-a-token")


def test_the_retention_sweep_erases_contacts_past_their_date_and_no_others():
    clock = Clock()
    ports = memory_ports(clock)
    old = feedback.submit_feedback(ports, "biot", OPINION)
    old_contact = ports.threads.get(BIOT, old.thread_id).contact_id
    clock.advance(days=400)
    recent = feedback.submit_feedback(ports, "biot", replace(OPINION, email="paul@example.org"))
    clock.advance(days=400)  # the first contact is now 800 days old: past the 730 days

    assert privacy.sweep_expired(ports, BIOT) == 1
    assert ports.contacts.get(BIOT, old_contact) is None
    assert ports.threads.get(BIOT, old.thread_id).contact_id is None
    [message] = ports.threads.messages(BIOT, old.thread_id)
    assert "Jeanne" not in message.text
    assert ports.threads.get(BIOT, recent.thread_id).contact_id is not None
    assert privacy.sweep_expired(ports, BIOT) == 0
    assert privacy.sweep_expired(ports, VALBONNE) == 0


def test_an_erasure_leaves_staff_corrections_only_their_masked_text():
    from chalicelib.domain.threads import Sentiment, ThreadChanges
    from chalicelib.services import analysis

    ports = memory_ports()
    receipt = feedback.submit_feedback(ports, "biot", OPINION)
    job = ports.analysis_queue.jobs[-1]
    analysis.record(ports, analysis.prepare(ports, [job])[job])
    changes = ThreadChanges(sentiment=Sentiment.MIXED)
    inbox.update_thread(ports, staff(), receipt.thread_id, changes)
    [taught] = ports.corrections.list(BIOT)
    assert "Jeanne Martin" in taught.text

    privacy.erase_by_citizen(ports, receipt.followup_token)

    [kept] = ports.corrections.list(BIOT)
    [message] = ports.threads.messages(BIOT, receipt.thread_id)
    assert (kept.text, kept.sentiment) == (message.text, Sentiment.MIXED)
    assert "Jeanne" not in kept.text
