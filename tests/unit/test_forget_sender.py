"""What the channels keep of a citizen outside their threads, erased on request: their
set-aside entries with the raw inputs they name, and the keys tying their private social
conversation to a thread. Other citizens' entries and raw events stay."""

from __future__ import annotations

import json
from typing import Any

import pytest

from chalicelib.adapters.memory import InMemoryBlobStore
from chalicelib.ports import InboundJob, Ports
from chalicelib.services import channels, social
from tests.fakes import BIOT, VALBONNE, memory_ports, staff

pytestmark = pytest.mark.unit

PAGE = "100001"


@pytest.fixture
def ports() -> Ports:
    ports = memory_ports()
    social.connect(
        ports, BIOT, "app-secret-1234", "verify-token-1234", [("facebook", PAGE, "Page", "t")]
    )
    return ports


def mail_keys(ports: Ports) -> set[str]:
    assert isinstance(ports.mail, InMemoryBlobStore)
    return set(ports.mail.blobs)


def messenger(mid: str, sender: str, **message: Any) -> dict[str, Any]:
    return {
        "sender": {"id": sender},
        "recipient": {"id": PAGE},
        "timestamp": 1772445600417,
        "message": {"mid": mid, **message},
    }


def deliver(ports: Ports, *events: Any, name: str = "p1") -> list[Any]:
    payload = {"object": "page", "entry": [{"id": PAGE, "time": 1, "messaging": [*events]}]}
    key = f"meta/{BIOT}/{name}.json"
    ports.mail.put_bytes(key, json.dumps(payload).encode(), "application/json")
    return social.process(ports, InboundJob(BIOT, social.SOURCE, key))


def own_aside_raw(ports: Ports, entry: channels.SetAside) -> str:
    """The raw key a set-aside entry names (staff's view does not show it)."""
    for _, value in ports.channels.recent(BIOT, channels.SET_ASIDE_KEY, 50):
        data = json.loads(value)
        if (data["at"], data["from"]) == (entry.at, entry.sender):
            return str(data["rawKey"])
    raise AssertionError("no such entry")


def test_a_social_id_s_set_aside_events_and_conversation_are_forgotten(ports):
    [filed] = deliver(
        ports,
        messenger("m1", "psid-1", text="Bonjour"),
        messenger("m2", "psid-1", is_unsupported=True),
        messenger("m3", "psid-2", is_unsupported=True),
    )
    before = mail_keys(ports)
    assert len(before) == 3  # one raw event each; the shared payload is gone
    [own_aside, other_aside] = sorted(
        channels.set_aside(ports, staff(), 10), key=lambda entry: entry.sender
    )
    assert (own_aside.sender, other_aside.sender) == ("psid-1", "psid-2")

    assert channels.forget_sender(ports, BIOT, social_id="psid-1") == 1

    assert [entry.sender for entry in channels.set_aside(ports, staff(), 10)] == ["psid-2"]
    [message] = ports.threads.messages(BIOT, filed.thread_id)
    # Their set-aside event's raw body went; the other citizen's stays, and so does the
    # filed message's (the erasure of the thread deletes it: envelope.raw_key).
    assert len(before - mail_keys(ports)) == 1
    assert mail_keys(ports) == {message.envelope.raw_key, own_aside_raw(ports, other_aside)}
    # Their next message opens a new thread: nothing ties them to the erased one.
    [again] = deliver(ports, messenger("m4", "psid-1", text="Re-bonjour"), name="p2")
    assert again.new_thread and again.thread_id != filed.thread_id
    assert channels.forget_sender(ports, BIOT, social_id="psid-1") == 0


def test_an_address_is_forgotten_whatever_its_case_and_only_in_its_commune(ports):
    biot, valbonne = ports.communes.get(BIOT), ports.communes.get(VALBONNE)
    ports.mail.put_bytes("inbound/a", b"From: jeanne@example.org", "message/rfc822")
    ports.mail.put_bytes("inbound/b", b"From: jeanne@example.org", "message/rfc822")
    channels.record_set_aside(ports, biot, "Jeanne@example.org", "Virus", "virus", "inbound/a")
    channels.record_set_aside(ports, valbonne, "jeanne@example.org", "Virus", "virus", "inbound/b")
    # No sender (an unreadable e-mail): nothing indexes it, nothing to forget by address.
    channels.record_set_aside(ports, biot, "", "", "not an e-mail message", "inbound/c")

    assert channels.forget_sender(ports, BIOT, email=" JEANNE@example.org ") == 1

    assert mail_keys(ports) == {"inbound/b"}
    assert [entry.reason for entry in channels.set_aside(ports, staff(), 10)] == [
        "not an e-mail message"
    ]
    assert len(channels.set_aside(ports, staff(VALBONNE), 10)) == 1
    assert channels.forget_sender(ports, BIOT) == 0


def test_one_call_erases_at_most_its_bound_and_the_next_call_the_rest(ports, monkeypatch):
    monkeypatch.setattr(channels, "MAX_FORGOTTEN", 3)
    biot = ports.communes.get(BIOT)
    for index in range(5):
        channels.record_set_aside(ports, biot, "robot@example.org", f"Spam {index}", "spam")
    assert channels.forget_sender(ports, BIOT, email="robot@example.org") == 3
    assert channels.forget_sender(ports, BIOT, email="robot@example.org") == 2
    assert channels.set_aside(ports, staff(), 10) == []
