"""Turns a Meta webhook body (Messenger, Instagram, Page feed, WhatsApp Cloud API) into the
citizen messages and comments Concerto keeps; receipts, echoes, reactions and the commune's own
posts are acknowledged and dropped. Untrusted input: every field is read defensively."""

from __future__ import annotations

import logging
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
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
    attachments: tuple[str, ...] = ()
    conversation_key: str = ""


_OBJECTS = {
    "page": Platform.FACEBOOK,
    "instagram": Platform.INSTAGRAM,
    "whatsapp_business_account": Platform.WHATSAPP,
}
# WhatsApp message types that carry something a citizen wrote or sent; reactions, system
# notices, stickers, locations, interactive replies and "unsupported" are not feedback.
_WHATSAPP_MEDIA = ("image", "document", "audio", "video")
# Timestamps below this are seconds, above it milliseconds: 1e11 s is the year 5138 and 1e11 ms
# is 1973. Meta mixes both (messaging `timestamp` in ms; feed `created_time`, WhatsApp
# `timestamp` and some `entry.time` in s), so the magnitude decides rather than the field name.
_MS_THRESHOLD = 100_000_000_000
_MAX_SECONDS = 253_402_300_799  # 9999-12-31T23:59:59Z, the last instant datetime can hold


def parse(payload: Mapping[str, Any]) -> list[SocialEvent]:
    """Raises MetaPayloadError when `payload` is not a Meta webhook (no "object"/"entry" of the
    right types). Returns only real citizen messages and comments; everything else is
    acknowledged and ignored."""
    if not isinstance(payload, Mapping):
        raise MetaPayloadError("a Meta webhook body is a JSON object")
    kind = payload.get("object")
    entries = payload.get("entry")
    if not isinstance(kind, str) or not isinstance(entries, list):
        raise MetaPayloadError('a Meta webhook body has an "object" string and an "entry" list')
    platform = _OBJECTS.get(kind)
    if platform is None:
        raise MetaPayloadError(f"unsupported object {kind[:40]!r}")
    events: list[SocialEvent] = []
    for entry in entries:
        events.extend(_entry_events(platform, entry))
    return events


def _entry_events(platform: Platform, entry: Any) -> Iterator[SocialEvent]:
    entry = _map(entry)
    readers = (_messaging_event, _change_event)
    items = (_list(entry.get("messaging")), _list(entry.get("changes")))
    for reader, raw_items in zip(readers, items, strict=True):
        for raw in raw_items:
            try:
                yield from reader(platform, entry, _map(raw))
            except (TypeError, ValueError, OverflowError, OSError):
                # The accessors should already make this unreachable; if Meta sends something
                # new and odd, one event is lost and logged rather than the whole delivery
                # failing (Meta would retry it, then disable the webhook).
                logger.warning("malformed Meta event skipped", exc_info=True)


# --- Messenger and Instagram Direct ---------------------------------------------------------


def _messaging_event(
    platform: Platform, entry: Mapping[str, Any], event: Mapping[str, Any]
) -> Iterator[SocialEvent]:
    # Deliveries, reads, reactions, postbacks, edits, referrals, optins have no "message".
    message = event.get("message")
    if platform is Platform.WHATSAPP or not isinstance(message, Mapping):
        return
    if message.get("is_echo") or message.get("is_deleted"):
        return  # the commune's own outgoing message, or a citizen un-sending one
    account_id = _id(entry.get("id")) or _id(_map(event.get("recipient")).get("id"))
    sender_id = _id(_map(event.get("sender")).get("id"))
    mid = _id(message.get("mid"))
    at = _instant(event.get("timestamp")) or _instant(entry.get("time"))
    if not (account_id and sender_id and mid and at) or sender_id == account_id:
        return
    text = _text(message.get("text"))
    attachments = tuple(_messaging_attachments(message.get("attachments")))
    if not text and not attachments:
        return
    yield SocialEvent(
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


def _messaging_attachments(raw: Any) -> Iterator[str]:
    for attachment in _list(raw):
        attachment = _map(attachment)
        kind = _text(attachment.get("type"))
        if kind:
            yield _describe(kind, _text(_map(attachment.get("payload")).get("url")))


# --- Page feed and Instagram comments (entry.changes) and WhatsApp (entry.changes) ----------


def _change_event(
    platform: Platform, entry: Mapping[str, Any], change: Mapping[str, Any]
) -> Iterator[SocialEvent]:
    field = change.get("field")
    value = _map(change.get("value"))
    if platform is Platform.FACEBOOK and field == "feed":
        yield from _feed_comment(entry, value)
    elif platform is Platform.INSTAGRAM and field == "comments":
        yield from _instagram_comment(entry, value)
    elif platform is Platform.WHATSAPP and field == "messages":
        yield from _whatsapp_messages(value)


def _feed_comment(entry: Mapping[str, Any], value: Mapping[str, Any]) -> Iterator[SocialEvent]:
    # Likes, reactions, posts, statuses, shares, and comment edits or removals are not new
    # feedback: only a comment being added is.
    if value.get("item") != "comment" or value.get("verb") != "add":
        return
    page_id = _id(entry.get("id"))
    author = _map(value.get("from"))
    comment_id = _id(value.get("comment_id"))
    post_id = _id(value.get("post_id"))
    at = _instant(value.get("created_time")) or _instant(entry.get("time"))
    if not (page_id and comment_id and at) or _id(author.get("id")) == page_id:
        return
    attachments = tuple(
        _describe(kind, _text(value.get(kind))) for kind in ("photo", "video") if value.get(kind)
    )
    # A top-level comment's parent is the post itself; a reply's parent is the comment above.
    parent_id = _id(value.get("parent_id"))
    thread_root = parent_id if parent_id and parent_id != post_id else comment_id
    yield from _comment(
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


def _instagram_comment(entry: Mapping[str, Any], value: Mapping[str, Any]) -> Iterator[SocialEvent]:
    account_id = _id(entry.get("id"))
    author = _map(value.get("from"))
    comment_id = _id(value.get("id"))
    at = _instant(value.get("timestamp")) or _instant(entry.get("time"))
    if not (account_id and comment_id and at) or _id(author.get("id")) == account_id:
        return
    # Instagram sends parent_id only on replies.
    thread_root = _id(value.get("parent_id")) or comment_id
    yield from _comment(
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
    at: datetime,
    post_id: str,
    thread_root: str,
    attachments: tuple[str, ...],
) -> Iterator[SocialEvent]:
    if not text and not attachments:
        return
    # The author may be absent (Meta withholds `from` for some users): the answer still goes
    # to the comment itself, so the comment is kept.
    yield SocialEvent(
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


def _whatsapp_messages(value: Mapping[str, Any]) -> Iterator[SocialEvent]:
    # `statuses` (sent/delivered/read/failed of our own messages) are not read at all.
    phone_number_id = _id(_map(value.get("metadata")).get("phone_number_id"))
    if not phone_number_id:
        return
    names = _whatsapp_names(value.get("contacts"))
    for raw in _list(value.get("messages")):
        event = _whatsapp_message(phone_number_id, names, _map(raw))
        if event is not None:
            yield event


def _whatsapp_names(raw: Any) -> dict[str, str]:
    names: dict[str, str] = {}
    for contact in _list(raw):
        contact = _map(contact)
        wa_id = _id(contact.get("wa_id"))
        if wa_id:
            names[wa_id] = _text(_map(contact.get("profile")).get("name"))
    return names


def _whatsapp_message(
    phone_number_id: str, names: Mapping[str, str], message: Mapping[str, Any]
) -> SocialEvent | None:
    kind = message.get("type")
    wa_id = _id(message.get("from"))
    wamid = _id(message.get("id"))
    at = _instant(message.get("timestamp"))
    if not (wa_id and wamid and at):
        return None
    attachments: tuple[str, ...] = ()
    if kind == "text":
        text = _text(_map(message.get("text")).get("body"))
    elif kind in _WHATSAPP_MEDIA:
        media = _map(message.get(str(kind)))
        text = _text(media.get("caption"))
        attachments = (_describe(str(kind), _text(media.get("url"))),)
    else:
        return None
    if not text and not attachments:
        return None
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


def _describe(kind: str, url: str) -> str:
    """An attachment as "type" or "type:url" (the url when Meta gives one)."""
    return f"{kind}:{url}" if url else kind
