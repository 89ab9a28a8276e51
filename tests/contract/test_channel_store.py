"""The channel store's and blob stores' contracts, fake and DynamoDB / S3 alike."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.domain.errors import NotFoundError
from chalicelib.services import channels
from tests.fakes import BIOT, VALBONNE

pytestmark = pytest.mark.contract

LATER = datetime(2026, 11, 2, 9, 0, tzinfo=UTC) + timedelta(days=30)


def test_the_first_claim_wins_and_later_ones_read_it(ports):
    assert ports.channels.claim(BIOT, "in:email:<a@x>", "t1/m1", LATER) == "t1/m1"
    assert ports.channels.claim(BIOT, "in:email:<a@x>", "t2/m2", LATER) == "t1/m1"
    # The same key in another commune is another claim.
    assert ports.channels.claim(VALBONNE, "in:email:<a@x>", "t3/m3", LATER) == "t3/m3"


def test_links_are_found_in_the_order_asked_and_replaced_by_the_last_one(ports):
    ports.channels.link(BIOT, "msg:<1@x>", "thread-1", LATER)
    ports.channels.link(BIOT, "msg:<2@x>", "thread-2", None)
    assert ports.channels.find(BIOT, ["msg:<none>", "msg:<2@x>", "msg:<1@x>"]) == "thread-2"
    ports.channels.link(BIOT, "msg:<2@x>", "thread-9", LATER)
    assert ports.channels.find(BIOT, ["msg:<2@x>"]) == "thread-9"
    assert ports.channels.find(VALBONNE, ["msg:<1@x>", "msg:<2@x>"]) is None
    assert ports.channels.find(BIOT, []) is None


def test_recent_lists_one_prefix_newest_first_within_the_commune(ports):
    for day in ("2026-11-01", "2026-11-03", "2026-11-02"):
        ports.channels.link(BIOT, f"aside:{day}", day, LATER)
    ports.channels.link(BIOT, "asides-other", "no", LATER)
    ports.channels.link(VALBONNE, "aside:2026-11-04", "valbonne", LATER)
    assert ports.channels.recent(BIOT, "aside:", 2) == [
        ("aside:2026-11-03", "2026-11-03"),
        ("aside:2026-11-02", "2026-11-02"),
    ]


def test_blobs_are_read_back_and_unknown_keys_are_not_found(ports):
    ports.attachments.put_bytes("06018/x/0-photo.jpg", b"\xff\xd8jpeg", "image/jpeg")
    assert ports.attachments.get_bytes("06018/x/0-photo.jpg") == b"\xff\xd8jpeg"
    with pytest.raises(NotFoundError):
        ports.mail.get_bytes("inbound/missing")
    assert "0-photo.jpg" in ports.attachments.download_url("06018/x/0-photo.jpg", "p.jpg", 60)


def test_blobs_can_be_deleted_and_deleting_twice_is_harmless(ports):
    ports.mail.put_bytes("inbound/raw", b"From: a@b", "message/rfc822")
    ports.mail.delete("inbound/raw")
    ports.mail.delete("inbound/raw")
    with pytest.raises(NotFoundError):
        ports.mail.get_bytes("inbound/raw")


def test_a_key_can_be_deleted_within_its_commune_and_deleting_twice_is_harmless(ports):
    ports.channels.link(BIOT, "aside:2026-11-01", "biot", LATER)
    ports.channels.link(VALBONNE, "aside:2026-11-01", "valbonne", LATER)
    ports.channels.delete(BIOT, "aside:2026-11-01")
    ports.channels.delete(BIOT, "aside:2026-11-01")
    ports.channels.delete(BIOT, "never-written")
    assert ports.channels.find(BIOT, ["aside:2026-11-01"]) is None
    assert ports.channels.find(VALBONNE, ["aside:2026-11-01"]) == "valbonne"


def test_a_senders_set_aside_entries_and_raw_inputs_are_forgotten_and_no_one_else_s(ports):
    biot = ports.communes.get(BIOT)
    for raw_key, sender in (
        ("inbound/virus", "Jeanne@Example.org"),
        ("meta/06018/events/a.json", "psid-1"),
        ("inbound/other", "paul@example.org"),
    ):
        ports.mail.put_bytes(raw_key, b"raw", "application/octet-stream")
        channels.record_set_aside(ports, biot, sender, "Objet", "a reason", raw_key)
    ports.mail.put_bytes("inbound/valbonne", b"raw", "message/rfc822")
    valbonne = ports.communes.get(VALBONNE)
    channels.record_set_aside(
        ports, valbonne, "jeanne@example.org", "Objet", "r", "inbound/valbonne"
    )

    forgotten = channels.forget_sender(ports, BIOT, email="jeanne@example.ORG", social_id="psid-1")

    assert forgotten == 2
    remaining = [value for _, value in ports.channels.recent(BIOT, "aside:", 10)]
    assert ["paul@example.org" in value for value in remaining] == [True]
    for gone in ("inbound/virus", "meta/06018/events/a.json"):
        with pytest.raises(NotFoundError):
            ports.mail.get_bytes(gone)
    assert ports.mail.get_bytes("inbound/other") == b"raw"
    assert ports.mail.get_bytes("inbound/valbonne") == b"raw"
    assert len(ports.channels.recent(VALBONNE, "aside:", 10)) == 1
    assert channels.forget_sender(ports, BIOT, email="jeanne@example.org") == 0
