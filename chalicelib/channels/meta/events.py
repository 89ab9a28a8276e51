"""Turns a Meta webhook body (Messenger, Instagram, Page feed, WhatsApp Cloud API) into the
citizen messages and comments Concerto keeps, each with its own raw event; receipts, echoes,
reactions and the commune's own posts are acknowledged and dropped, and a citizen event that
does not parse is reported with the reason. Untrusted input: every field is read defensively."""

from __future__ import annotations

import hashlib
import json
import logging
import math
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from functools import partial
from typing import Any

logger = logging.getLogger(__name__)


class Platform(StrEnum):
    FACEBOOK = "facebook"
    INSTAGRAM = "instagram"
    WHATSAPP = "whatsapp"


class EventKind(StrEnum):
    MESSAGE = "message"
    COMMENT = "comment"


class MetaPayloadError(ValueError):
    """The body is not a Meta webhook payload at all."""


@dataclass(frozen=True)
class Media:
    """A photo, voice note, video or file sent with a message or a comment: a link Meta's CDN
    serves (Messenger, Instagram, Page comments), or on WhatsApp a media id that the Graph
    API turns into a short-lived link (`GET /{media-id}`)."""

    kind: str
    url: str = ""
    media_id: str = ""
    mime_type: str = ""
    filename: str = ""


@dataclass(frozen=True)
class SocialEvent:
    platform: Platform
    kind: EventKind
    event_id: str
    account_id: str
    sender_id: str
    sender_name: str
    text: str
    at: datetime
    reply_target: str
    post_id: str = ""
    attachments: tuple[Media, ...] = ()
    conversation_key: str = ""


@dataclass(frozen=True)
class Unreadable:
    """A signed event that should carry a citizen's message or comment but whose fields do
    not parse: what could be read of it, and `reason`, what could not."""

    platform: Platform
    reason: str
    account_id: str = ""
    sender_id: str = ""
    text: str = ""
    at: datetime | None = None
    attachments: tuple[Media, ...] = ()
    kind: EventKind = EventKind.MESSAGE


@dataclass(frozen=True)
class Item:
    """One citizen event of a payload: read (`event`), or not (`unreadable`). `raw` is the
    event alone, wrapped as a one-event webhook body that read() reads back to this same
    item: each citizen's input can be kept, and erased, apart from the others'."""

    raw: dict[str, Any]
    event: SocialEvent | None = None
    unreadable: Unreadable | None = None

    @property
    def identity(self) -> str:
        """The same for every delivery of the event: Meta's id, else the raw content."""
        if self.event is not None:
            return f"{self.event.platform}:{self.event.event_id}"
        canonical = json.dumps(self.raw, sort_keys=True, ensure_ascii=False, default=str)
        return "raw:" + hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()


_OBJECTS = {
    "page": Platform.FACEBOOK,
    "instagram": Platform.INSTAGRAM,
    "whatsapp_business_account": Platform.WHATSAPP,
}
# WhatsApp message types that carry something a citizen wrote or sent. Reactions, system
# notices (a changed number) and the "welcome" request are not feedback and are dropped;
# any other type (stickers, locations, contacts, interactive replies, "unsupported"…) is
# set aside for staff to see.
_WHATSAPP_MEDIA = ("image", "document", "audio", "video")
_WHATSAPP_IGNORED = ("reaction", "system", "request_welcome")
# Timestamps below this are seconds, above it milliseconds: 1e11 s is the year 5138 and 1e11 ms
# is 1973. Meta mixes both (messaging `timestamp` in ms; feed `created_time`, WhatsApp
# `timestamp` and some `entry.time` in s), so the magnitude decides rather than the field name.
_MS_THRESHOLD = 100_000_000_000
_MAX_SECONDS = 253_402_300_799  # 9999-12-31T23:59:59Z, the last instant datetime can hold
# What the readers raise on odd input the accessors did not foresee.
_ODD = (TypeError, ValueError, OverflowError, OSError, RecursionError, AttributeError)

Read = SocialEvent | Unreadable | None


def parse(payload: Mapping[str, Any]) -> list[SocialEvent]:
    """Raises MetaPayloadError when `payload` is not a Meta webhook (no "object"/"entry" of the
    right types). Returns only real citizen messages and comments; everything else is
    acknowledged and ignored."""
    return [item.event for item in read(payload) if item.event is not None]


def read(payload: Mapping[str, Any]) -> list[Item]:
    """Every citizen event of the payload, in order: read, or unreadable with the reason
    (a signed event is never dropped silently). Receipts, echoes, reactions and the
    account's own posts are not items at all. Raises MetaPayloadError like parse()."""
    if not isinstance(payload, Mapping):
        raise MetaPayloadError("a Meta webhook body is a JSON object")
    kind = payload.get("object")
    entries = payload.get("entry")
    if not isinstance(kind, str) or not isinstance(entries, list):
        raise MetaPayloadError('a Meta webhook body has an "object" string and an "entry" list')
    platform = _OBJECTS.get(kind)
    if platform is None:
        raise MetaPayloadError(f"unsupported object {kind[:40]!r}")
    items: list[Item] = []
    for entry in entries:
        items.extend(_entry_items(kind, platform, entry))
    return items


def _entry_items(kind: str, platform: Platform, entry: Any) -> Iterator[Item]:
    if not isinstance(entry, Mapping):
        yield _item({"object": kind, "entry": [entry]}, Unreadable(platform, "malformed entry"))
        return
    head = {key: entry[key] for key in ("id", "time") if key in entry}
    for field in ("messaging", "changes"):
        value = entry.get(field)
        if value is not None and not isinstance(value, list):
            raw = {"object": kind, "entry": [{**head, field: value}]}
            yield _item(raw, Unreadable(platform, f"malformed entry: {field} is not a list"))
    for event in _list(entry.get("messaging")):
        raw = {"object": kind, "entry": [{**head, "messaging": [event]}]}
        found = _guarded(platform, partial(_messaging_event, platform, entry, event))
        if found is not None:
            yield _item(raw, found)
    for change in _list(entry.get("changes")):
        yield from _change_items(kind, platform, head, change)


def _item(raw: dict[str, Any], found: SocialEvent | Unreadable) -> Item:
    if isinstance(found, SocialEvent):
        return Item(raw, event=found)
    return Item(raw, unreadable=found)


def _guarded(platform: Platform, reader: Callable[[], Read]) -> Read:
    try:
        return reader()
    except _ODD as error:
        # The accessors should make this unreachable; if Meta sends something new and odd,
        # the event is set aside with the reason rather than the whole delivery failing
        # (Meta would retry it, then disable the webhook).
        # The error's type only: its message may quote the citizen's fields.
        logger.warning("malformed Meta event set aside: %s", type(error).__name__)
        return Unreadable(platform, f"malformed event ({type(error).__name__})")


# --- Messenger and Instagram Direct ---------------------------------------------------------


def _messaging_event(platform: Platform, entry: Mapping[str, Any], event: Any) -> Read:
    if not isinstance(event, Mapping):
        return Unreadable(platform, "malformed messaging event")
    # Deliveries, reads, reactions, postbacks, edits, referrals, optins have no "message".
    message = event.get("message")
    if platform is Platform.WHATSAPP or message is None:
        return None
    if not isinstance(message, Mapping):
        return Unreadable(platform, "malformed message")
    if message.get("is_echo") or message.get("is_deleted"):
        return None  # the commune's own outgoing message, or a citizen un-sending one
    account_id = _id(entry.get("id")) or _id(_map(event.get("recipient")).get("id"))
    sender_id = _id(_map(event.get("sender")).get("id"))
    if sender_id and sender_id == account_id:
        return None  # the account's own message, even when the echo flag is missing
    mid = _id(message.get("mid"))
    at = _instant(event.get("timestamp")) or _instant(entry.get("time"))
    text = _text(message.get("text"))
    attachments = tuple(_messaging_attachments(message.get("attachments")))
    problem = _missing(
        ("account id", account_id), ("sender id", sender_id), ("message id", mid), ("time", at)
    )
    if not (problem or text or attachments):
        problem = "a message with neither text nor attachment"
    if problem or at is None:
        return Unreadable(platform, problem, account_id, sender_id, text, at, attachments)
    return SocialEvent(
        platform=platform,
        kind=EventKind.MESSAGE,
        event_id=mid,
        account_id=account_id,
        sender_id=sender_id,
        sender_name="",
        text=text,
        at=at,
        reply_target=sender_id,
        attachments=attachments,
        conversation_key=f"{platform}:{account_id}:{sender_id}",
    )


def _messaging_attachments(raw: Any) -> Iterator[Media]:
    # {"type": "image" | "audio" | "video" | "file" | …, "payload": {"url": <CDN link>}}
    for attachment in _list(raw):
        attachment = _map(attachment)
        kind = _text(attachment.get("type"))
        if kind:
            yield Media(kind, url=_text(_map(attachment.get("payload")).get("url")))


def _missing(*fields: tuple[str, object]) -> str:
    """The reason an event cannot be filed as is ("event without sender id"): its first
    empty field, or "" when none is."""
    for name, value in fields:
        if not value:
            return f"event without {name}"
    return ""


# --- Page feed and Instagram comments (entry.changes) and WhatsApp (entry.changes) ----------


def _change_items(
    kind: str, platform: Platform, head: Mapping[str, Any], change: Any
) -> Iterator[Item]:
    raw = {"object": kind, "entry": [{**head, "changes": [change]}]}
    if not isinstance(change, Mapping):
        yield _item(raw, Unreadable(platform, "malformed change"))
        return
    value = change.get("value")
    if platform is Platform.WHATSAPP and change.get("field") == "messages":
        if not isinstance(value, Mapping):
            yield _item(raw, Unreadable(platform, "malformed change value"))
            return
        yield from _whatsapp_items(kind, head, change, value)
        return
    found = _guarded(platform, partial(_change_event, platform, head, change))
    if found is not None:
        yield _item(raw, found)


def _change_event(platform: Platform, entry: Mapping[str, Any], change: Mapping[str, Any]) -> Read:
    field = change.get("field")
    known = (platform is Platform.FACEBOOK and field == "feed") or (
        platform is Platform.INSTAGRAM and field == "comments"
    )
    if not known:
        return None
    value = change.get("value")
    if not isinstance(value, Mapping):
        return Unreadable(platform, "malformed change value")
    if platform is Platform.FACEBOOK:
        return _feed_comment(entry, value)
    return _instagram_comment(entry, value)


def _feed_comment(entry: Mapping[str, Any], value: Mapping[str, Any]) -> Read:
    # Likes, reactions, posts, statuses, shares, and comment edits or removals are not new
    # feedback: only a comment being added is.
    if value.get("item") != "comment" or value.get("verb") != "add":
        return None
    page_id = _id(entry.get("id"))
    author = _map(value.get("from"))
    comment_id = _id(value.get("comment_id"))
    post_id = _id(value.get("post_id"))
    at = _instant(value.get("created_time")) or _instant(entry.get("time"))
    if page_id and _id(author.get("id")) == page_id:
        return None
    attachments = tuple(
        Media(kind, url=_text(value.get(kind))) for kind in ("photo", "video") if value.get(kind)
    )
    # A top-level comment's parent is the post itself; a reply's parent is the comment above.
    parent_id = _id(value.get("parent_id"))
    thread_root = parent_id if parent_id and parent_id != post_id else comment_id
    return _comment(
        Platform.FACEBOOK,
        page_id,
        comment_id,
        author_id=_id(author.get("id")),
        author_name=_text(author.get("name")),
        text=_text(value.get("message")),
        at=at,
        post_id=post_id,
        thread_root=thread_root,
        attachments=attachments,
    )


def _instagram_comment(entry: Mapping[str, Any], value: Mapping[str, Any]) -> Read:
    account_id = _id(entry.get("id"))
    author = _map(value.get("from"))
    comment_id = _id(value.get("id"))
    at = _instant(value.get("timestamp")) or _instant(entry.get("time"))
    if account_id and _id(author.get("id")) == account_id:
        return None
    # Instagram sends parent_id only on replies.
    thread_root = _id(value.get("parent_id")) or comment_id
    return _comment(
        Platform.INSTAGRAM,
        account_id,
        comment_id,
        author_id=_id(author.get("id")),
        author_name=_text(author.get("username")),
        text=_text(value.get("text")),
        at=at,
        post_id=_id(_map(value.get("media")).get("id")),
        thread_root=thread_root,
        attachments=(),
    )


def _comment(
    platform: Platform,
    account_id: str,
    comment_id: str,
    *,
    author_id: str,
    author_name: str,
    text: str,
    at: datetime | None,
    post_id: str,
    thread_root: str,
    attachments: tuple[Media, ...],
) -> Read:
    problem = _missing(("account id", account_id), ("comment id", comment_id), ("time", at))
    if not (problem or text or attachments):
        problem = "a comment with neither text nor photo"
    if problem or at is None:
        return Unreadable(
            platform, problem, account_id, author_id, text, at, attachments, EventKind.COMMENT
        )
    # The author may be absent (Meta withholds `from` for some users): the answer still goes
    # to the comment itself, so the comment is kept.
    return SocialEvent(
        platform=platform,
        kind=EventKind.COMMENT,
        event_id=comment_id,
        account_id=account_id,
        sender_id=author_id,
        sender_name=author_name,
        text=text,
        at=at,
        reply_target=comment_id,
        post_id=post_id,
        attachments=attachments,
        conversation_key=f"{platform}:{account_id}:comment:{thread_root}",
    )


def _whatsapp_items(
    kind: str, head: Mapping[str, Any], change: Mapping[str, Any], value: Mapping[str, Any]
) -> Iterator[Item]:
    # `statuses` (sent/delivered/read/failed of our own messages) are not read at all. Each
    # message keeps, in its own raw body, only its sender's entry of `contacts`.
    phone_number_id = _id(_map(value.get("metadata")).get("phone_number_id"))
    names = _whatsapp_names(value.get("contacts"))
    shared = {key: item for key, item in value.items() if key not in _WHATSAPP_OWN}
    messages = value.get("messages")
    if messages is not None and not isinstance(messages, list):
        raw = {"object": kind, "entry": [{**head, "changes": [change]}]}
        yield _item(raw, Unreadable(Platform.WHATSAPP, "malformed change: messages is not a list"))
    for message in _list(messages):
        sender = _id(_map(message).get("from"))
        own = {**shared, "messages": [message]}
        contacts = [c for c in _list(value.get("contacts")) if _id(_map(c).get("wa_id")) == sender]
        if contacts:
            own["contacts"] = contacts
        raw = {"object": kind, "entry": [{**head, "changes": [{**change, "value": own}]}]}
        found = _guarded(
            Platform.WHATSAPP, partial(_whatsapp_message, phone_number_id, names, message)
        )
        if found is not None:
            yield _item(raw, found)


_WHATSAPP_OWN = frozenset({"contacts", "messages", "statuses"})


def _whatsapp_names(raw: Any) -> dict[str, str]:
    names: dict[str, str] = {}
    for contact in _list(raw):
        contact = _map(contact)
        wa_id = _id(contact.get("wa_id"))
        if wa_id:
            names[wa_id] = _text(_map(contact.get("profile")).get("name"))
    return names


def _whatsapp_message(phone_number_id: str, names: Mapping[str, str], message: Any) -> Read:
    if not isinstance(message, Mapping):
        return Unreadable(Platform.WHATSAPP, "malformed WhatsApp message", phone_number_id)
    kind = message.get("type")
    if kind in _WHATSAPP_IGNORED:
        return None
    wa_id = _id(message.get("from"))
    wamid = _id(message.get("id"))
    at = _instant(message.get("timestamp"))
    attachments: tuple[Media, ...] = ()
    problem = ""
    if kind == "text":
        text = _text(_map(message.get("text")).get("body"))
    elif kind in _WHATSAPP_MEDIA:
        media = _map(message.get(str(kind)))
        text = _text(media.get("caption"))
        attachments = (_whatsapp_media(str(kind), media),)
    else:
        text = ""
        problem = f"WhatsApp message of a type Concerto does not read: {str(kind)[:40]!r}"
    problem = problem or _missing(
        ("phone number id", phone_number_id), ("sender", wa_id), ("message id", wamid), ("time", at)
    )
    if not (problem or text or attachments):
        problem = "a message with neither text nor attachment"
    if problem or at is None:
        return Unreadable(Platform.WHATSAPP, problem, phone_number_id, wa_id, text, at, attachments)
    return SocialEvent(
        platform=Platform.WHATSAPP,
        kind=EventKind.MESSAGE,
        event_id=wamid,
        account_id=phone_number_id,
        sender_id=wa_id,
        sender_name=names.get(wa_id, ""),
        text=text,
        at=at,
        reply_target=wa_id,
        attachments=attachments,
        conversation_key=f"{Platform.WHATSAPP}:{phone_number_id}:{wa_id}",
    )


def _whatsapp_media(kind: str, media: Mapping[str, Any]) -> Media:
    # {"id": <media id>, "mime_type": "image/jpeg", "sha256": …, "caption"?, "filename"?}
    return Media(
        kind,
        url=_text(media.get("url")),
        media_id=_id(media.get("id")),
        mime_type=_text(media.get("mime_type")),
        filename=_text(media.get("filename")),
    )


# --- Defensive accessors: any JSON value in, a well-typed value (or emptiness) out ----------


def _map(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _id(value: Any) -> str:
    """Meta's ids are strings; a few older payloads carry numbers. Booleans are not ids."""
    if isinstance(value, bool):
        return ""
    if isinstance(value, int):
        return str(value) if value >= 0 else ""
    return value.strip() if isinstance(value, str) else ""


def _instant(value: Any) -> datetime | None:
    """A Unix time in seconds or milliseconds (number or numeric string), as UTC."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        value = value.strip()
        if not value.isascii() or not value.isdigit() or len(value) > 20:
            return None
        value = int(value)
    if not isinstance(value, int | float) or not math.isfinite(value) or value <= 0:
        return None
    if value >= _MS_THRESHOLD:
        if value / 1000 > _MAX_SECONDS:
            return None
        if isinstance(value, int):
            # Integer arithmetic: 1772445600417 ms is exactly .417 s, no float rounding.
            return datetime.fromtimestamp(value // 1000, UTC) + timedelta(milliseconds=value % 1000)
        return datetime.fromtimestamp(value / 1000, UTC)
    if value > _MAX_SECONDS:
        return None
    return datetime.fromtimestamp(value, UTC)
