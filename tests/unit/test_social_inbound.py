"""Meta webhook payloads filed by the inbound worker, with in-memory adapters: the files
citizens send, kept like e-mail attachments; signed events that do not parse, filed or set
aside with the reason; and each event's raw body kept on its own."""

from __future__ import annotations

import json
from typing import Any

import pytest

from chalicelib.adapters.memory import InMemoryBlobStore, RecordingSocialNetwork
from chalicelib.channels import files
from chalicelib.domain.threads import AnalysisStatus
from chalicelib.ports import InboundJob, Ports
from chalicelib.services import channels, social
from chalicelib.services.inbound import NO_TEXT
from tests.fakes import BIOT, memory_ports, staff

pytestmark = pytest.mark.unit

PAGE, WHATSAPP = "100001", "100003"
JPEG = b"\xff\xd8\xff\xe0" + b"j" * 2000
CDN = "https://scontent.xx.fbcdn.net/v/t1/lampadaire.jpg?oh=1"


@pytest.fixture
def ports() -> Ports:
    ports = memory_ports()
    social.connect(
        ports,
        BIOT,
        "app-secret-1234",
        "verify-token-1234",
        [
            ("facebook", PAGE, "Page", "page-token"),
            ("whatsapp", WHATSAPP, "WhatsApp", "wa-token"),
        ],
    )
    return ports


def network(ports: Ports) -> RecordingSocialNetwork:
    assert isinstance(ports.social, RecordingSocialNetwork)
    return ports.social


def bucket(store: Any) -> dict[str, tuple[bytes, str]]:
    assert isinstance(store, InMemoryBlobStore)
    return store.blobs


def messenger(mid: str, sender: str = "psid-1", **message: Any) -> dict[str, Any]:
    return {
        "sender": {"id": sender},
        "recipient": {"id": PAGE},
        "timestamp": 1772445600417,
        "message": {"mid": mid, **message},
    }


def page(*events: Any) -> dict[str, Any]:
    return {"object": "page", "entry": [{"id": PAGE, "time": 1772445600, "messaging": [*events]}]}


def whatsapp(*messages: Any, contacts: list[Any] | None = None) -> dict[str, Any]:
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "33482530011", "phone_number_id": WHATSAPP},
        "contacts": contacts or [{"profile": {"name": "Camille Roux"}, "wa_id": "33612345678"}],
        "messages": [*messages],
    }
    change = {"field": "messages", "value": value}
    return {"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [change]}]}


def deliver(ports: Ports, payload: dict[str, Any], name: str = "p1") -> list[Any]:
    key = f"meta/{BIOT}/{name}.json"
    ports.mail.put_bytes(key, json.dumps(payload).encode(), "application/json")
    return social.process(ports, InboundJob(BIOT, social.SOURCE, key))


def set_aside(ports: Ports) -> list[channels.SetAside]:
    return channels.set_aside(ports, staff(), 50)


def test_a_photo_alone_becomes_a_thread_with_the_photo_and_is_never_analysed(ports):
    network(ports).media[CDN] = (JPEG, "image/jpeg")
    attachment = {"type": "image", "payload": {"url": CDN}}
    [received] = deliver(ports, page(messenger("m1", attachments=[attachment])))

    thread = ports.threads.get(BIOT, received.thread_id)
    [message] = ports.threads.messages(BIOT, received.thread_id)
    assert (thread.subject, message.text) == ("Message Facebook", NO_TEXT)
    assert thread.analysis.status is AnalysisStatus.SKIPPED
    assert ports.analysis_queue.jobs == []  # type: ignore[attr-defined]
    [photo] = message.envelope.attachments
    assert (photo.name, photo.content_type, photo.size, photo.refused) == (
        "photo-1.jpg",
        "image/jpeg",
        len(JPEG),
        "",
    )
    assert bucket(ports.attachments)[photo.key] == (JPEG, "image/jpeg")
    # The port gets the account's token; the Graph adapter sends it with a WhatsApp media
    # id only, never to a CDN link (tests/integration/test_graph_client.py).
    assert network(ports).downloads == [{"url": CDN, "mediaId": "", "token": "page-token"}]
    # Agents download it like an e-mail attachment.
    ref, url = channels.attachment_link(ports, staff(), thread.thread_id, message.message_id, 0)
    assert (ref, photo.key in url) == (photo, True)


def test_a_whatsapp_voice_note_and_document_are_fetched_by_media_id_with_the_token(ports):
    network(ports).media["m-voice"] = (b"OggS voice", "audio/ogg")
    network(ports).media["m-doc"] = (b"%PDF-1.7 permis", "application/pdf")
    base = {"from": "33612345678", "timestamp": "1772446260"}
    voice = {**base, "id": "wamid.1", "type": "audio", "audio": {"id": "m-voice", "voice": True}}
    document = {
        **base,
        "id": "wamid.2",
        "type": "document",
        "document": {"id": "m-doc", "filename": "permis.pdf", "caption": "Mon permis"},
    }
    first, second = deliver(ports, whatsapp(voice, document))

    [note] = ports.threads.messages(BIOT, first.thread_id)[0].envelope.attachments
    assert (note.name, note.content_type, note.refused) == ("audio-1.ogg", "audio/ogg", "")
    messages = ports.threads.messages(BIOT, second.thread_id)
    assert second.thread_id == first.thread_id  # the same conversation
    assert messages[-1].text == "Mon permis"
    assert messages[-1].envelope.attachments[0].name == "permis.pdf"
    assert [d["token"] for d in network(ports).downloads] == ["wa-token", "wa-token"]
    assert [d["mediaId"] for d in network(ports).downloads] == ["m-voice", "m-doc"]


def test_files_that_cannot_be_kept_are_listed_refused_and_the_message_still_filed(ports):
    big = "https://scontent.xx.fbcdn.net/big.mp4"
    doc = "https://scontent.xx.fbcdn.net/compte-rendu"
    network(ports).media[big] = (b"v" * (10 * 1024 * 1024 + 1), "video/mp4")
    network(ports).media[doc] = (b"\xd0\xcf\x11\xe0", "application/msword")
    network(ports).media[CDN] = (JPEG, "image/jpeg")
    attachments = [
        {"type": "video", "payload": {"url": big}},
        {"type": "file", "payload": {"url": doc}},
        {"type": "image", "payload": {"url": "https://scontent.xx.fbcdn.net/gone.jpg"}},
        {"type": "fallback", "payload": {"url": "https://example.org/article"}},
        *[{"type": "image", "payload": {"url": CDN}}] * 11,
    ]
    [received] = deliver(ports, page(messenger("m1", text="Regardez", attachments=attachments)))

    [message] = ports.threads.messages(BIOT, received.thread_id)
    refused = [a.refused for a in message.envelope.attachments]
    assert refused[:4] == [
        "too_large",
        files.NOT_SCANNED,
        files.DOWNLOAD_FAILED,
        "type_not_allowed",
    ]
    assert refused[4:] == [""] * 10 + ["too_many"]
    assert message.text == "Regardez"
    stored = [a.key for a in message.envelope.attachments if a.key]
    assert len(stored) == len(set(stored)) == 10
    # The shared link to an article is never fetched.
    assert "https://example.org/article" not in [d["url"] for d in network(ports).downloads]


def test_a_redelivered_payload_writes_the_same_objects_and_files_nothing_twice(ports):
    network(ports).media[CDN] = (JPEG, "image/jpeg")
    payload = page(messenger("m1", attachments=[{"type": "image", "payload": {"url": CDN}}]))
    [first] = deliver(ports, payload, "p1")
    kept = dict(bucket(ports.attachments))
    [again] = deliver(ports, payload, "p2")

    assert (again.duplicate, again.thread_id) == (True, first.thread_id)
    assert bucket(ports.attachments) == kept
    assert len(ports.threads.messages(BIOT, first.thread_id)) == 1


def test_each_event_keeps_its_own_raw_body_and_the_shared_payload_goes(ports):
    payload = page(messenger("m1", text="Bonjour"), messenger("m2", "psid-2", text="Salut"))
    first, second = deliver(ports, payload)

    for received, text, other in ((first, "Bonjour", "Salut"), (second, "Salut", "Bonjour")):
        [message] = ports.threads.messages(BIOT, received.thread_id)
        raw_key = message.envelope.raw_key
        assert raw_key.startswith(f"meta/{BIOT}/events/") and raw_key.endswith(".json")
        raw = json.loads(bucket(ports.mail)[raw_key][0])
        assert text in json.dumps(raw, ensure_ascii=False)
        assert other not in json.dumps(raw, ensure_ascii=False)
        original = channels.original(ports, staff(), received.thread_id, message.message_id)
        assert original.raw_url is not None and original.raw_url.endswith(".json&expires=300")
    assert f"meta/{BIOT}/p1.json" not in bucket(ports.mail)
    # The job delivered again finds the payload gone: everything was filed already.
    assert social.process(ports, InboundJob(BIOT, social.SOURCE, f"meta/{BIOT}/p1.json")) == []


def test_signed_events_that_do_not_parse_are_filed_or_set_aside_and_the_rest_filed(ports):
    payload = {
        "object": "page",
        "entry": [
            "not an entry",
            {
                "id": PAGE,
                "time": 1772445600,
                "messaging": [
                    messenger("m1", text="Un message lisible"),
                    # No sender id: the text is filed, without a contact to answer.
                    {"recipient": {"id": PAGE}, "timestamp": 1, "message": {"text": "Anonyme"}},
                    # Nothing to read at all: set aside.
                    messenger("m3", "psid-3", is_unsupported=True),
                ],
            },
            # An account the commune did not connect.
            {"id": "999", "messaging": [messenger("m4", "psid-4", text="Ailleurs")]},
        ],
    }
    received = deliver(ports, payload)

    texts = [ports.threads.messages(BIOT, r.thread_id)[0].text for r in received]
    assert texts == ["Un message lisible", "Anonyme"]
    anonymous = ports.threads.get(BIOT, received[1].thread_id)
    assert anonymous.contact_id is None
    reasons = sorted(entry.reason for entry in set_aside(ports))
    assert reasons == [
        "a message with neither text nor attachment",
        "event for an account not connected: 999",
        "malformed entry",
    ]
    senders = {entry.reason: entry.sender for entry in set_aside(ports)}
    assert senders["a message with neither text nor attachment"] == "psid-3"
    # A WhatsApp type Concerto does not read is set aside with its type.
    location = {
        "from": "33612345678",
        "id": "wamid.9",
        "timestamp": "1772446260",
        "type": "location",
        "location": {"latitude": 43.6, "longitude": 7.1},
    }
    assert deliver(ports, whatsapp(location), "p2") == []
    assert any("'location'" in entry.reason for entry in set_aside(ports))
