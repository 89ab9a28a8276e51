"""Staff's view of the channels: the e-mail behind a message (whole text, original,
attachments), what was set aside instead of filed, and how each channel is reached."""

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
from chalicelib.domain.ids import is_id
from chalicelib.domain.staff import Role, StaffIdentity
from chalicelib.domain.threads import AttachmentRef, Envelope
from chalicelib.ports import Ports
from chalicelib.services import validation

logger = logging.getLogger(__name__)
# Links to files are short-lived: whoever copies one cannot share it for long.
LINK_SECONDS = 300
SET_ASIDE_KEY = "aside:"
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
    logger.info("input set aside", extra={"reason": reason, "rawKey": raw_key})


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
