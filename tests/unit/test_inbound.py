"""Messages from any channel filed in the inbox, with in-memory adapters."""

from dataclasses import replace

import pytest

from chalicelib.adapters.memory import InMemoryAnalysisQueue
from chalicelib.domain import addresses
from chalicelib.domain.commune import UNSORTED
from chalicelib.domain.errors import ConflictError
from chalicelib.domain.inbound import InboundMessage, Sender
from chalicelib.domain.threads import (
    AnalysisStatus,
    AttachmentRef,
    Author,
    Channel,
    Sentiment,
    ThreadChanges,
    ThreadStatus,
    Visibility,
)
from chalicelib.ports import AnalysisJob
from chalicelib.services import analysis, inbound, inbox
from chalicelib.services.inbound import NO_TEXT
from tests.fakes import BIOT, VALBONNE, Clock, memory_ports, staff

pytestmark = pytest.mark.unit

EMAIL = InboundMessage(
    commune_id=BIOT,
    channel=Channel.EMAIL,
    external_id="<a1@example.org>",
    text="Les poubelles du village débordent depuis lundi.",
    full_text="Les poubelles du village débordent depuis lundi.\n\n-- \nJean",
    received_at=Clock().now,
    sender=Sender(email="jean@example.org", name="Jean Dupont"),
    subject="Poubelles",
    links=("msg:<a1@example.org>",),
    raw_key="inbound/abc",
)


def jobs(ports) -> list:
    assert isinstance(ports.analysis_queue, InMemoryAnalysisQueue)
    return ports.analysis_queue.jobs


def test_a_first_email_opens_a_thread_to_sort_with_its_sender_as_contact():
    ports = memory_ports()
    received = inbound.receive(ports, EMAIL)

    assert received.new_thread and not received.duplicate
    thread = ports.threads.get(BIOT, received.thread_id)
    assert thread.channel is Channel.EMAIL
    assert thread.theme == UNSORTED
    assert thread.status is ThreadStatus.NEW
    assert thread.subject == "Poubelles"
    assert thread.due_at is not None
    contact = ports.contacts.get(BIOT, thread.contact_id)
    assert (contact.email, contact.name) == ("jean@example.org", "Jean Dupont")
    [message] = ports.threads.messages(BIOT, received.thread_id)
    assert message.text == EMAIL.text
    assert message.external_id == "<a1@example.org>"
    assert message.envelope.full_text.endswith("Jean")
    assert message.envelope.raw_key == "inbound/abc"
    assert len(jobs(ports)) == 1


def test_the_same_email_delivered_twice_is_filed_once():
    ports = memory_ports()
    first = inbound.receive(ports, EMAIL)
    again = inbound.receive(ports, EMAIL)

    assert again.duplicate
    assert (again.thread_id, again.message_id) == (first.thread_id, first.message_id)
    assert len(ports.threads.messages(BIOT, first.thread_id)) == 1
    assert len(jobs(ports)) == 1


def test_a_reply_naming_an_earlier_email_joins_its_thread_and_reopens_it():
    ports = memory_ports()
    first = inbound.receive(ports, EMAIL)
    inbox.reply_to_thread(ports, staff(), first.thread_id, "Merci, c'est noté.", Visibility.PRIVATE)
    reply = replace(
        EMAIL,
        external_id="<a2@example.org>",
        text="Toujours pas ramassées.",
        thread_keys=("msg:<unknown@x>", "msg:<a1@example.org>"),
        links=("msg:<a2@example.org>",),
    )
    second = inbound.receive(ports, reply)

    assert not second.new_thread
    assert second.thread_id == first.thread_id
    thread = ports.threads.get(BIOT, first.thread_id)
    assert thread.status is ThreadStatus.IN_PROGRESS
    texts = [(m.author, m.text) for m in ports.threads.messages(BIOT, first.thread_id)]
    assert texts[-1] == (Author.CITIZEN, "Toujours pas ramassées.")


def test_a_thread_named_by_a_reply_address_wins_over_other_keys():
    ports = memory_ports()
    first = inbound.receive(ports, EMAIL)
    other = inbound.receive(ports, replace(EMAIL, external_id="<b1@x>", links=("msg:<b1@x>",)))
    reply = replace(
        EMAIL, external_id="<a3@x>", thread_id=first.thread_id, thread_keys=("msg:<b1@x>",)
    )
    assert inbound.receive(ports, reply).thread_id == first.thread_id != other.thread_id


def test_a_thread_of_another_commune_is_never_joined():
    ports = memory_ports()
    valbonne = inbound.receive(ports, replace(EMAIL, commune_id=VALBONNE))
    reply = replace(EMAIL, external_id="<c1@x>", thread_id=valbonne.thread_id, thread_keys=())
    received = inbound.receive(ports, reply)
    assert received.new_thread
    assert received.thread_id != valbonne.thread_id
    assert ports.threads.get(BIOT, received.thread_id).commune_id == BIOT


def test_a_message_with_only_attachments_still_shows_something():
    ports = memory_ports()
    files = (AttachmentRef("photo.jpg", "image/jpeg", 1200, "06018/x/0-photo.jpg"),)
    received = inbound.receive(ports, replace(EMAIL, text="  ", subject="", attachments=files))
    [message] = ports.threads.messages(BIOT, received.thread_id)
    assert message.text == NO_TEXT
    assert message.envelope.attachments == files


def test_files_alone_are_never_analysed_as_an_opinion_and_a_later_text_is():
    ports = memory_ports()
    photo = (AttachmentRef("photo-1.jpg", "image/jpeg", 1200, "06018/x/0-photo-1.jpg"),)
    social = replace(
        EMAIL,
        channel=Channel.SOCIAL,
        external_id="facebook:m1",
        text="",
        full_text="",
        subject="Message Facebook",
        citizen_subject=False,
        sender=Sender(social_id="psid-1", platform="facebook"),
        links=("conv:facebook:p:psid-1",),
        thread_keys=("conv:facebook:p:psid-1",),
        attachments=photo,
    )
    received = inbound.receive(ports, social)

    thread = ports.threads.get(BIOT, received.thread_id)
    [message] = ports.threads.messages(BIOT, received.thread_id)
    # The placeholder, not the subject the channel made up, and nothing queued for it.
    assert (message.text, message.envelope.attachments) == (NO_TEXT, photo)
    assert message.analysis.status is AnalysisStatus.SKIPPED
    assert thread.analysis.status is AnalysisStatus.SKIPPED
    assert jobs(ports) == []
    # A replayed job (dead-letter replay, a stray redelivery) analyses nothing either.
    job = AnalysisJob(BIOT, received.thread_id, received.message_id)
    assert analysis.record(ports, analysis.prepare(ports, [job])[job]) is False
    assert ports.indicators.counts(BIOT, ["2026-11-02"]) == {"2026-11-02": {}}

    words = replace(social, external_id="facebook:m2", text="C'est rue des Arcades.")
    second = inbound.receive(ports, words)
    assert second.thread_id == received.thread_id
    assert [job.message_id for job in jobs(ports)] == [second.message_id]


def test_staff_sort_a_photo_alone_without_teaching_the_model_the_placeholder():
    ports = memory_ports()
    photo = (AttachmentRef("photo-1.jpg", "image/jpeg", 1200, "06018/x/0-photo-1.jpg"),)
    alone = replace(EMAIL, text="", full_text="", subject="", attachments=photo)
    thread_id = inbound.receive(ports, alone).thread_id

    sorted_ = inbox.update_thread(ports, staff(), thread_id, ThreadChanges(theme="proprete"))
    assert sorted_.theme == "proprete"
    assert ports.corrections.list(BIOT) == []
    with pytest.raises(ConflictError) as refused:
        inbox.update_thread(ports, staff(), thread_id, ThreadChanges(sentiment=Sentiment.NEGATIVE))
    assert refused.value.code == "nothing_to_analyse"


def test_an_email_with_a_subject_and_files_is_analysed_on_its_subject():
    ports = memory_ports()
    files = (AttachmentRef("photo.jpg", "image/jpeg", 1200, "06018/x/0-photo.jpg"),)
    received = inbound.receive(ports, replace(EMAIL, text="", full_text="", attachments=files))
    [message] = ports.threads.messages(BIOT, received.thread_id)
    assert (message.text, message.analysis.status) == ("Poubelles", AnalysisStatus.PENDING)
    assert len(jobs(ports)) == 1


def test_a_very_long_email_is_cut_for_the_inbox_and_kept_whole_for_staff():
    ports = memory_ports()
    long_text = "Bonjour. " * 1000
    received = inbound.receive(ports, replace(EMAIL, text=long_text, full_text=long_text))
    [message] = ports.threads.messages(BIOT, received.thread_id)
    assert len(message.text) == inbound.TEXT_MAX
    assert message.envelope.full_text == long_text.strip()


def test_a_form_message_keeps_a_known_theme_and_quartier_and_drops_unknown_ones():
    ports = memory_ports()
    form = replace(
        EMAIL, channel=Channel.FORM, external_id="f1", theme="voirie", quartier="nowhere", rating=9
    )
    thread = ports.threads.get(BIOT, inbound.receive(ports, form).thread_id)
    assert (thread.theme, thread.quartier, thread.rating) == ("voirie", None, None)


def test_the_analysis_sorts_an_unsorted_thread_into_the_suggested_theme():
    ports = memory_ports()
    received = inbound.receive(ports, EMAIL)
    [job] = jobs(ports)
    prepared = analysis.prepare(ports, [job])[job]
    suggested = replace(prepared.analysis, theme="proprete")
    assert analysis.record(ports, replace(prepared, analysis=suggested))

    thread = ports.threads.get(BIOT, received.thread_id)
    assert thread.theme == "proprete"
    counts = ports.indicators.counts(BIOT, [analysis.local_day(thread.created_at)])
    dimensions = " ".join(next(iter(counts.values())))
    assert "t=proprete" in dimensions and f"t={UNSORTED}" not in dimensions


def test_reply_addresses_name_their_thread_and_cannot_be_forged():
    secret = addresses.secret_from("key")
    address = addresses.reply_address(
        "biot", "01m8jqx64xwbhafc3tvczp8ews", "concerto.local", secret
    )
    assert address.startswith("biot+01m8jqx64xwbhafc3tvczp8ews-")
    named = addresses.addressee(address.upper(), "concerto.local", secret)
    assert named == addresses.Addressee("biot", "01m8jqx64xwbhafc3tvczp8ews")

    forged = address.replace("01m8jqx64xwbhafc3tvczp8ews", "01m8jqx64xwbhafc3tvczp8ewt")
    assert addresses.addressee(forged, "concerto.local", secret) == addresses.Addressee("biot")
    other_key = addresses.secret_from("another key")
    assert addresses.addressee(address, "concerto.local", other_key) == addresses.Addressee("biot")
    assert addresses.addressee("biot@elsewhere.fr", "concerto.local", secret) is None
    assert addresses.addressee("Bi ot@concerto.local", "concerto.local", secret) is None
    assert addresses.addressee("biot@concerto.local", "concerto.local", secret) == (
        addresses.Addressee("biot")
    )


def test_a_proven_email_sender_gets_a_verified_contact_and_a_claimed_one_does_not():
    ports = memory_ports()
    proven = replace(EMAIL, sender=replace(EMAIL.sender, proven=True))
    thread = ports.threads.get(BIOT, inbound.receive(ports, proven).thread_id)
    assert ports.contacts.get(BIOT, thread.contact_id).verified_at == EMAIL.received_at

    claimed = replace(EMAIL, external_id="<a2@example.org>", links=())
    other = ports.threads.get(BIOT, inbound.receive(ports, claimed).thread_id)
    assert other.contact_id != thread.contact_id
    assert ports.contacts.get(BIOT, other.contact_id).verified_at is None
