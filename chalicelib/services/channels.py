"""Staff's view of the channels: the e-mail behind a message (whole text, original,
attachments), what was set aside instead of filed, and how each channel is reached; and
the erasure of what the channels keep of a citizen outside their threads."""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import timedelta

from chalicelib import config
from chalicelib.domain.addresses import commune_address
from chalicelib.domain.commune import Commune
from chalicelib.domain.errors import NotFoundError
from chalicelib.domain.ids import CommuneId, is_id
from chalicelib.domain.staff import Role, StaffIdentity
from chalicelib.domain.threads import AttachmentRef, Envelope
from chalicelib.ports import Ports
from chalicelib.services import validation

logger = logging.getLogger(__name__)
# Links to files are short-lived: whoever copies one cannot share it for long.
LINK_SECONDS = 300
SET_ASIDE_KEY = "aside:"
# `aside-of:<digest of the sender>:<entry key>` → the entry key: a citizen's set-aside
# entries found by a Query on their identifier's digest (erasure), never by a Scan.
SET_ASIDE_SENDER_KEY = "aside-of:"
# Entries erased in one call: a bound on the work of one erasure (a sender setting aside
# more than this is a robot; the rest expire with the commune's retention).
MAX_FORGOTTEN = 1000
# Channel-store keys naming a thread by one of its e-mails' Message-IDs (the citizen's and
# the answers'): a reply names them in In-Reply-To / References.
MESSAGE_KEY = "msg:"


@dataclass(frozen=True)
class Original:
    subject: str
    full_text: str
    raw_url: str | None


@dataclass(frozen=True)
class SetAside:
    at: str
    sender: str
    subject: str
    reason: str


def _envelope(ports: Ports, staff: StaffIdentity, thread_id: str, message_id: str) -> Envelope:
    # Whole e-mails and files hold signatures, addresses…: agents and admins only.
    staff.require(Role.AGENT)
    validation.check_thread_id(thread_id)
    if not is_id(message_id):
        raise NotFoundError("unknown message", code="message_not_found")
    message = ports.threads.get_message(staff.commune_id, thread_id, message_id)
    if message.envelope is None:
        raise NotFoundError("this message came with nothing more", code="original_not_found")
    return message.envelope


def original(ports: Ports, staff: StaffIdentity, thread_id: str, message_id: str) -> Original:
    """The e-mail as the citizen sent it: its whole text (quoted history and signature
    included) and a short-lived link to the raw message."""
    envelope = _envelope(ports, staff, thread_id, message_id)
    url = None
    if envelope.raw_key:
        # An e-mail as received, or a social network's event as Meta sent it (JSON).
        suffix = ".json" if envelope.raw_key.endswith(".json") else ".eml"
        url = ports.mail.download_url(envelope.raw_key, f"{message_id}{suffix}", LINK_SECONDS)
    return Original(envelope.subject, envelope.full_text, url)


def attachment_link(
    ports: Ports, staff: StaffIdentity, thread_id: str, message_id: str, index: int
) -> tuple[AttachmentRef, str]:
    """A short-lived download link to a kept attachment. NotFoundError for a refused one."""
    envelope = _envelope(ports, staff, thread_id, message_id)
    if not 0 <= index < len(envelope.attachments) or not envelope.attachments[index].key:
        raise NotFoundError("no such attachment kept", code="attachment_not_found")
    attachment = envelope.attachments[index]
    url = ports.attachments.download_url(attachment.key, attachment.name, LINK_SECONDS)
    return attachment, url


def record_set_aside(
    ports: Ports, commune: Commune, sender: str, subject: str, reason: str, raw_key: str = ""
) -> None:
    """Keeps, for staff to see, what reached a channel of the commune but was not filed
    (GET /console/channels/set-aside); the raw input stays where it was stored."""
    now = ports.clock()
    entry = {
        "at": now.isoformat(),
        "from": sender,
        "subject": subject[:200],
        "reason": reason[:300],
        "rawKey": raw_key,
    }
    digest = hashlib.sha256(f"{raw_key}|{sender}|{subject}".encode()).hexdigest()[:16]
    key = f"{SET_ASIDE_KEY}{now.isoformat()}:{digest}"
    expires = now + timedelta(days=commune.settings.retention_days)
    ports.channels.link(commune.commune_id, key, json.dumps(entry, ensure_ascii=False), expires)
    if sender.strip():
        index = f"{SET_ASIDE_SENDER_KEY}{sender_digest(commune.commune_id, sender)}:{key}"
        ports.channels.link(commune.commune_id, index, key, expires)
    logger.info("input set aside", extra={"reason": reason, "rawKey": raw_key})


def sender_digest(commune_id: CommuneId, identifier: str) -> str:
    """What finds a sender's set-aside entries: a digest of their e-mail address (any case)
    or social id within the commune, so the index holds neither in clear."""
    normalised = identifier.strip().lower()
    return hashlib.sha256(f"{commune_id}|{normalised}".encode()).hexdigest()


def forget_sender(
    ports: Ports, commune_id: CommuneId, *, email: str = "", social_id: str = ""
) -> int:
    """Erases what the channels keep of a citizen outside their threads: the set-aside
    entries from their e-mail address or social id, each with the raw input it names (the
    e-mail as received, the Meta event on its own), and, for a social id, the keys that
    file their next private message in their (erased) conversation. Returns how many
    entries went; a second call finds nothing. A Query per identifier, never a Scan, and at
    most MAX_FORGOTTEN entries per call. Threads, messages and their raw inputs are the
    erasure's (services/privacy.py), not this."""
    forgotten = 0
    for identifier in (email, social_id):
        if identifier.strip():
            forgotten += _forget_set_aside(ports, commune_id, identifier, MAX_FORGOTTEN - forgotten)
    if social_id.strip():
        # Imported here: the social channel imports this module (record_set_aside).
        from chalicelib.services import social

        for key in social.conversation_keys(ports, commune_id, social_id.strip()):
            ports.channels.delete(commune_id, key)
    if forgotten:
        logger.info("set-aside entries erased", extra={"entries": forgotten})
    return forgotten


def _forget_set_aside(ports: Ports, commune_id: CommuneId, identifier: str, budget: int) -> int:
    prefix = f"{SET_ASIDE_SENDER_KEY}{sender_digest(commune_id, identifier)}:"
    forgotten = 0
    while forgotten < budget:
        page = ports.channels.recent(commune_id, prefix, min(100, budget - forgotten))
        if not page:
            break
        for index, key in page:
            value = ports.channels.find(commune_id, [key])
            raw_key = str(json.loads(value).get("rawKey", "")) if value else ""
            if raw_key:
                ports.mail.delete(raw_key)
            ports.channels.delete(commune_id, key)
            ports.channels.delete(commune_id, index)
            forgotten += 1
    return forgotten


def set_aside(ports: Ports, staff: StaffIdentity, limit: int) -> list[SetAside]:
    """What reached the commune's address but was not filed, newest first: auto-replies,
    bounces, unreadable e-mails — with the reason."""
    staff.require(Role.AGENT)
    validation.check_limit(limit, 200)
    entries = []
    for _, value in ports.channels.recent(staff.commune_id, SET_ASIDE_KEY, limit):
        data = json.loads(value)
        entries.append(SetAside(data["at"], data["from"], data["subject"], data["reason"]))
    return entries


def email_address(ports: Ports, staff: StaffIdentity) -> str:
    staff.require(Role.VIEWER)
    commune = ports.communes.get(staff.commune_id)
    return commune_address(commune.slug, config.mail_domain())


def embed_snippet(commune: Commune) -> str:
    """The HTML a commune pastes in its website: a script that draws an accessible form
    posting to Concerto (its opinions arrive on the « Formulaire » channel)."""
    site, api = config.site_url(), config.api_url()
    return (
        f'<div id="concerto-avis"></div>\n<script src="{site}/embed/formulaire.js" '
        f'data-commune="{commune.slug}" data-api="{api}" data-target="concerto-avis" '
        "async></script>"
    )
