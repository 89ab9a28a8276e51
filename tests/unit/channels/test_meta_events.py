"""Meta webhook bodies, in the shapes Meta documents, turned into citizen messages and comments:
what is kept, with which ids and thread, and everything that must be acknowledged and dropped."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from chalicelib.channels.meta.events import (
    EventKind,
    Media,
    MetaPayloadError,
    Platform,
    SocialEvent,
    Unreadable,
    parse,
    read,
)

pytestmark = pytest.mark.unit

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "meta"
PAGE = "104539118295461"
PSID = "7381924650129384"
IGID = "17841405822304914"
IGSID = "1258469903274515"
PHONE_ID = "106540352242922"
WA_ID = "33612345678"
POST = "104539118295461_122145678901234567"
SOPHIE_COMMENT = "122145678901234567_1187654321098765"
T = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def fixture(name: str) -> dict[str, Any]:
    payload: dict[str, Any] = json.loads((FIXTURES / f"{name}.json").read_text("utf-8"))
    return payload


def at(seconds: float) -> datetime:
    return datetime.fromtimestamp(T.timestamp() + seconds, UTC)


@pytest.mark.parametrize(
    "name",
    [
        "messenger_echo",
        "messenger_delivery",
        "messenger_read",
        "messenger_reaction",
        "messenger_postback",
        "messenger_message_edit",
        "instagram_echo",
        "feed_comment_by_page",
        "feed_reaction",
        "feed_comment_edited",
        "whatsapp_statuses",
        "whatsapp_reaction",
    ],
)
def test_what_is_not_a_citizen_message_is_acknowledged_and_dropped(name: str) -> None:
    assert parse(fixture(name)) == []
    # Not even an item to set aside: receipts and echoes must not fill staff's list.
    assert read(fixture(name)) == []


def test_a_messenger_message() -> None:
    [event] = parse(fixture("messenger_text"))
    assert event == SocialEvent(
        platform=Platform.FACEBOOK,
        kind=EventKind.MESSAGE,
        event_id="m_Xq3vB0y6Qm4nKc7tLr2pWj1sHd8fGa5eZu9oNi0bTyCxVwRk-4lPq2sMn7hJ3gF1dS6aE0rT9yU8iO5pL4kJ3hG",
        account_id=PAGE,
        sender_id=PSID,
        sender_name="",
        text="Bonjour, le lampadaire de la rue des Migraniers est en panne depuis une semaine.",
        at=at(0.417),
        reply_target=PSID,
        conversation_key=f"facebook:{PAGE}:{PSID}",
    )
    assert event.at.tzinfo is UTC


def test_a_messenger_photo_without_text_is_kept_with_its_attachment() -> None:
    [event] = parse(fixture("messenger_image"))
    assert event.text == ""
    assert event.attachments == (
        Media(
            "image",
            url="https://scontent.xx.fbcdn.net/v/t1.15752-9/lampadaire.jpg?_nc_cat=1&oh=00_AfB",
        ),
    )
    # Same citizen, same Page: the same conversation as their text message.
    assert event.conversation_key == parse(fixture("messenger_text"))[0].conversation_key


def test_an_instagram_direct_message() -> None:
    [event] = parse(fixture("instagram_dm"))
    assert (event.platform, event.kind) == (Platform.INSTAGRAM, EventKind.MESSAGE)
    assert (event.account_id, event.sender_id, event.reply_target) == (IGID, IGSID, IGSID)
    assert event.text == "Est-ce que la déchetterie est ouverte le lundi de Pâques ?"
    assert event.at == at(300.417)
    assert event.conversation_key == f"instagram:{IGID}:{IGSID}"


def test_a_facebook_comment_on_a_page_post() -> None:
    [event] = parse(fixture("feed_comment_add"))
    assert event == SocialEvent(
        platform=Platform.FACEBOOK,
        kind=EventKind.COMMENT,
        event_id=SOPHIE_COMMENT,
        account_id=PAGE,
        sender_id="6203948571029384",
        sender_name="Sophie Martin",
        text="Les travaux de la place de la Mairie vont durer combien de temps ?",
        at=at(300),
        reply_target=SOPHIE_COMMENT,
        post_id=POST,
        conversation_key=f"facebook:{PAGE}:comment:{SOPHIE_COMMENT}",
    )


def test_a_reply_to_a_comment_joins_the_parent_comment_s_conversation() -> None:
    [reply] = parse(fixture("feed_comment_reply"))
    [parent] = parse(fixture("feed_comment_add"))
    assert reply.event_id == "122145678901234567_1187654321097777"
    assert reply.reply_target == reply.event_id
    assert (reply.sender_name, reply.post_id) == ("Paul Durand", POST)
    assert reply.conversation_key == parent.conversation_key


def test_an_instagram_comment_and_a_reply_to_it() -> None:
    [comment] = parse(fixture("instagram_comment"))
    assert comment == SocialEvent(
        platform=Platform.INSTAGRAM,
        kind=EventKind.COMMENT,
        event_id="17887766554433221",
        account_id=IGID,
        sender_id="17841452301234567",
        sender_name="julie.biot06",
        text="Super initiative pour le marché de Noël 👏",
        # Instagram's comment value carries no time: the entry's (in seconds) is used.
        at=at(500),
        reply_target="17887766554433221",
        post_id="18023456789012345",
        conversation_key=f"instagram:{IGID}:comment:17887766554433221",
    )
    [reply] = parse(fixture("instagram_comment_reply"))
    assert (reply.event_id, reply.sender_name) == ("17887766554433299", "marc_valbonne")
    assert reply.conversation_key == comment.conversation_key


def test_a_whatsapp_text_carries_the_profile_name() -> None:
    [event] = parse(fixture("whatsapp_text"))
    assert event == SocialEvent(
        platform=Platform.WHATSAPP,
        kind=EventKind.MESSAGE,
        event_id="wamid.HBgLMzM2MTIzNDU2NzgVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA=",
        account_id=PHONE_ID,
        sender_id=WA_ID,
        sender_name="Camille Roux",
        text="Bonjour, un arbre est tombé sur le chemin de la Vallée Verte.",
        at=at(600),
        reply_target=WA_ID,
        conversation_key=f"whatsapp:{PHONE_ID}:{WA_ID}",
    )


def test_a_whatsapp_image_s_caption_becomes_the_text() -> None:
    [event] = parse(fixture("whatsapp_image_caption"))
    assert (event.text, event.attachments) == (
        "Voilà l'arbre en question",
        (Media("image", media_id="2754859441498128", mime_type="image/jpeg"),),
    )
    assert event.conversation_key == parse(fixture("whatsapp_text"))[0].conversation_key


def test_a_batch_keeps_the_real_events_in_order() -> None:
    events = parse(fixture("batch_mixed"))
    assert [(event.kind, event.event_id) for event in events] == [
        (
            EventKind.MESSAGE,
            "m_Xq3vB0y6Qm4nKc7tLr2pWj1sHd8fGa5eZu9oNi0bTyCxVwRk-4lPq2sMn7hJ3gF1dS6aE0rT9yU8iO5pL4kJ3hG",
        ),
        (EventKind.COMMENT, "122145678901234567_1187654321097777"),
        (EventKind.MESSAGE, "m_Image7tLr2pWj1sHd8fGa5eZu9oNi0bTyCxVwRk"),
    ]


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        ({}, "object"),
        ({"object": "page"}, "entry"),
        ({"entry": []}, "object"),
        ({"object": "page", "entry": {}}, "entry"),
        ({"object": 3, "entry": []}, "object"),
        ({"object": "user", "entry": []}, "unsupported object 'user'"),
        ({"object": "permissions", "entry": [{"id": "1", "changes": []}]}, "unsupported object"),
        ([], "JSON object"),
        ("page", "JSON object"),
        (None, "JSON object"),
    ],
)
def test_a_body_that_is_no_meta_webhook_is_refused(payload: Any, reason: str) -> None:
    with pytest.raises(MetaPayloadError, match=reason):
        parse(payload)


def test_an_empty_delivery_is_valid_and_empty() -> None:
    assert parse({"object": "whatsapp_business_account", "entry": []}) == []


def test_malformed_entries_and_events_are_skipped_and_the_rest_kept() -> None:
    good = fixture("messenger_text")["entry"][0]
    payload = {
        "object": "page",
        "entry": [
            None,
            7,
            "entry",
            [],
            {"id": PAGE, "messaging": "not a list", "changes": {"not": "a list"}},
            {"id": PAGE, "messaging": [None, 1, {"message": "oops"}, {"message": {"mid": []}}]},
            {
                "id": PAGE,
                "changes": [None, {"field": "feed", "value": None}, {"field": "feed", "value": []}],
            },
            good,
        ],
    }
    assert [event.event_id for event in parse(payload)] == [good["messaging"][0]["message"]["mid"]]


def messaging(**message: Any) -> dict[str, Any]:
    payload = fixture("messenger_text")
    payload["entry"][0]["messaging"][0]["message"].update(message)
    return payload


def test_deleted_blank_and_page_sent_messages_are_dropped() -> None:
    assert parse(messaging(is_deleted=True)) == []
    assert parse(messaging(text="   \n ")) == []
    assert parse(messaging(text=None)) == []
    own = fixture("messenger_text")
    # The Page's own message, even when the echo flag is missing.
    own["entry"][0]["messaging"][0]["sender"] = {"id": PAGE}
    assert parse(own) == []


def test_standby_messages_belong_to_the_app_in_control_of_the_thread() -> None:
    payload = fixture("messenger_text")
    entry = payload["entry"][0]
    entry["standby"] = entry.pop("messaging")
    assert parse(payload) == []


def test_numeric_ids_are_read_as_strings_and_booleans_are_not_ids() -> None:
    payload = fixture("messenger_text")
    payload["entry"][0]["id"] = int(PAGE)
    payload["entry"][0]["messaging"][0]["sender"]["id"] = int(PSID)
    [event] = parse(payload)
    assert (event.account_id, event.sender_id) == (PAGE, PSID)
    payload["entry"][0]["messaging"][0]["sender"]["id"] = True
    assert parse(payload) == []


@pytest.mark.parametrize(
    ("timestamp", "entry_time", "expected"),
    [
        (1772445600417, None, T.replace(microsecond=417000)),
        (1772445600, None, T),
        ("1772445600", None, T),
        ("not a time", 1772445600, T),
        (None, 1772445600000, T),
        (-5, None, None),
        (10**30, None, None),
        (float("inf"), None, None),
        ("١٧٧٢٤٤٥٦٠٠", None, None),  # Arabic-Indic digits: not a Unix time
        (True, None, None),
    ],
)
def test_times_in_seconds_or_milliseconds(
    timestamp: Any, entry_time: Any, expected: datetime | None
) -> None:
    payload = fixture("messenger_text")
    payload["entry"][0]["time"] = entry_time
    payload["entry"][0]["messaging"][0]["timestamp"] = timestamp
    events = parse(payload)
    assert [event.at for event in events] == ([expected] if expected else [])


def feed(**value: Any) -> dict[str, Any]:
    payload = fixture("feed_comment_add")
    payload["entry"][0]["changes"][0]["value"].update(value)
    return payload


def test_feed_changes_other_than_a_new_comment_are_dropped() -> None:
    assert parse(feed(verb="remove")) == []
    assert parse(feed(verb="hide")) == []
    assert parse(feed(item="post")) == []
    assert parse(feed(item="status")) == []
    other_field = fixture("feed_comment_add")
    other_field["entry"][0]["changes"][0]["field"] = "mention"
    assert parse(other_field) == []


def test_a_photo_comment_without_text_is_kept_and_a_comment_without_author_too() -> None:
    photo = "https://scontent.xx.fbcdn.net/v/t39.30808-6/nid-de-poule.jpg"
    [event] = parse(feed(message="", photo=photo))
    assert (event.text, event.attachments) == ("", (Media("photo", url=photo),))
    assert parse(feed(message="", photo=None)) == []
    # Meta withholds `from` for some users: the answer goes to the comment all the same.
    [anonymous] = parse(feed(**{"from": None}))
    assert (anonymous.sender_id, anonymous.sender_name) == ("", "")
    assert anonymous.reply_target == SOPHIE_COMMENT


def test_a_comment_by_the_instagram_account_itself_is_dropped() -> None:
    payload = fixture("instagram_comment")
    payload["entry"][0]["changes"][0]["value"]["from"] = {"id": IGID, "username": "villedebiot"}
    assert parse(payload) == []
    live = fixture("instagram_comment")
    live["entry"][0]["changes"][0]["field"] = "mentions"
    assert parse(live) == []


def whatsapp(message: dict[str, Any], **value: Any) -> dict[str, Any]:
    payload = fixture("whatsapp_text")
    change_value = payload["entry"][0]["changes"][0]["value"]
    base = change_value["messages"][0]
    change_value["messages"] = [{**{k: base[k] for k in ("from", "id", "timestamp")}, **message}]
    change_value.update(value)
    return payload


def test_whatsapp_media_without_caption_and_other_types() -> None:
    [voice] = parse(
        whatsapp(
            {
                "type": "audio",
                "audio": {"mime_type": "audio/ogg; codecs=opus", "id": "1234", "voice": True},
            }
        )
    )
    assert (voice.text, voice.attachments) == (
        "",
        (Media("audio", media_id="1234", mime_type="audio/ogg; codecs=opus"),),
    )
    [document] = parse(
        whatsapp(
            {
                "type": "document",
                "document": {"caption": "Mon dossier", "filename": "permis.pdf", "id": "55"},
            }
        )
    )
    assert (document.text, document.attachments) == (
        "Mon dossier",
        (Media("document", media_id="55", filename="permis.pdf"),),
    )
    for kind, content in (
        ("location", {"latitude": 43.62, "longitude": 7.1}),
        ("sticker", {"id": "77", "animated": False}),
        ("system", {"body": "Numéro changé", "type": "user_changed_number"}),
        ("unsupported", {}),
        ("interactive", {"type": "button_reply", "button_reply": {"id": "a", "title": "Oui"}}),
    ):
        assert parse(whatsapp({"type": kind, kind: content})) == [], kind


def test_whatsapp_needs_its_phone_number_id_and_matches_names_by_wa_id() -> None:
    assert parse(whatsapp({"type": "text", "text": {"body": "Bonjour"}}, metadata={})) == []
    stranger = whatsapp(
        {"type": "text", "text": {"body": "Bonjour"}},
        contacts=[{"profile": {"name": "Quelqu'un d'autre"}, "wa_id": "33700000000"}],
    )
    [event] = parse(stranger)
    assert event.sender_name == ""
    other_field = fixture("whatsapp_text")
    other_field["entry"][0]["changes"][0]["field"] = "smb_message_echoes"
    assert parse(other_field) == []


def test_parse_does_not_modify_its_input() -> None:
    payload = fixture("batch_mixed")
    before = copy.deepcopy(payload)
    parse(payload)
    assert payload == before


# --- Each event on its own, and the events that do not parse ---------------------------------


def test_each_item_of_a_batch_holds_its_own_event_alone() -> None:
    items = read(fixture("batch_mixed"))
    assert [item.event for item in items] == parse(fixture("batch_mixed"))
    for item in items:
        [entry] = item.raw["entry"]
        assert item.raw["object"] == "page"
        assert len(entry.get("messaging", [])) + len(entry.get("changes", [])) == 1
        assert [again.event for again in read(item.raw)] == [item.event]
    assert items[0].identity == f"facebook:{items[0].event.event_id}"


def test_a_whatsapp_batch_keeps_in_each_raw_event_only_its_own_sender() -> None:
    payload = fixture("whatsapp_text")
    value = payload["entry"][0]["changes"][0]["value"]
    other = {**value["messages"][0], "from": "33700000000", "id": "wamid.other"}
    value["messages"].append({**other, "text": {"body": "Moi aussi"}})
    value["contacts"].append({"profile": {"name": "Léa Petit"}, "wa_id": "33700000000"})
    value["statuses"] = [{"id": "wamid.ours", "status": "read", "recipient_id": WA_ID}]

    first, second = read(payload)
    assert (first.event.sender_name, second.event.sender_name) == ("Camille Roux", "Léa Petit")
    for item, name in ((first, "Camille Roux"), (second, "Léa Petit")):
        own = item.raw["entry"][0]["changes"][0]["value"]
        assert [c["profile"]["name"] for c in own["contacts"]] == [name]
        assert len(own["messages"]) == 1 and "statuses" not in own
        assert own["metadata"]["phone_number_id"] == PHONE_ID
    assert "Léa" not in json.dumps(first.raw) and "Camille" not in json.dumps(second.raw)


def test_signed_events_that_do_not_parse_are_reported_with_the_reason() -> None:
    good = fixture("messenger_text")["entry"][0]
    nameless = copy.deepcopy(good)
    del nameless["messaging"][0]["sender"]
    payload = {
        "object": "page",
        "entry": [
            7,
            {"id": PAGE, "messaging": "not a list"},
            {"id": PAGE, "messaging": [None, {"message": "oops"}, {"message": {"mid": []}}]},
            nameless,
            good,
        ],
    }
    items = read(payload)
    found = [(i.unreadable.reason, i.unreadable.text) if i.unreadable else "read" for i in items]
    assert found == [
        ("malformed entry", ""),
        ("malformed entry: messaging is not a list", ""),
        ("malformed messaging event", ""),
        ("malformed message", ""),
        ("event without sender id", ""),
        ("event without sender id", good["messaging"][0]["message"]["text"]),
        "read",
    ]
    assert items[5].unreadable == Unreadable(
        Platform.FACEBOOK,
        "event without sender id",
        account_id=PAGE,
        text=good["messaging"][0]["message"]["text"],
        at=at(0.417),
    )
    # Its own raw body is read back to the same report, and has a stable identity.
    assert read(items[5].raw)[0].unreadable == items[5].unreadable
    assert items[5].identity == read(items[5].raw)[0].identity
    assert items[5].identity.startswith("raw:")


def test_a_blank_message_and_an_empty_comment_are_reported_not_dropped() -> None:
    [blank] = read(messaging(text="   \n "))
    assert blank.unreadable.reason == "a message with neither text nor attachment"
    [empty] = read(feed(message="", photo=None))
    assert empty.unreadable.reason == "a comment with neither text nor photo"
    [no_id] = read(feed(comment_id=None))
    assert (no_id.unreadable.reason, no_id.unreadable.sender_id) == (
        "event without comment id",
        "6203948571029384",
    )


def test_whatsapp_types_concerto_does_not_read_are_reported_and_reactions_dropped() -> None:
    for kind, content in (
        ("location", {"latitude": 43.62, "longitude": 7.1}),
        ("sticker", {"id": "77", "animated": False}),
        ("unsupported", {}),
        ("interactive", {"type": "button_reply", "button_reply": {"id": "a", "title": "Oui"}}),
        ("hologram", {}),
    ):
        [item] = read(whatsapp({"type": kind, kind: content}))
        assert item.unreadable.reason == (
            f"WhatsApp message of a type Concerto does not read: {kind!r}"
        )
        assert (item.unreadable.account_id, item.unreadable.sender_id) == (PHONE_ID, WA_ID)
    for kind in ("reaction", "system", "request_welcome"):
        assert read(whatsapp({"type": kind, kind: {"emoji": "👍"}})) == [], kind
    [nameless] = read(whatsapp({"type": "text", "text": {"body": "Bonjour"}}, metadata={}))
    assert nameless.unreadable.reason == "event without phone number id"
    [odd] = read(whatsapp({"type": "text"}, messages={"not": "a list"}))
    assert odd.unreadable.reason == "malformed change: messages is not a list"
