"""An e-mail as received (SES stores it in the mail bucket; locally the SMTP server does)
becomes a citizen's message in the commune's inbox, or is set aside with a reason staff
can read. Auto-replies, bounces and mail SES flagged (virus, spam) never become opinions."""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass, replace
from email.parser import BytesHeaderParser
from email.policy import default

from chalicelib import config
from chalicelib.channels import files
from chalicelib.channels.email.parse import Attachment, ParsedEmail, parse
from chalicelib.channels.email.verdicts import Verdicts
from chalicelib.domain.addresses import Addressee, addressee, secret_from
from chalicelib.domain.commune import Commune
from chalicelib.domain.errors import NotFoundError
from chalicelib.domain.inbound import InboundMessage, Sender
from chalicelib.domain.threads import AttachmentRef, Author, Channel, Delivery
from chalicelib.ports import Ports
from chalicelib.services import channels, inbound

logger = logging.getLogger(__name__)

_SAFE_NAME = re.compile(r"[^\w.\- ]+")


@dataclass(frozen=True)
class Outcome:
    """What became of one e-mail: `filed` (thread and message ids), `set_aside` (with the
    reason), `ignored` (an auto-reply or a bounce) or `not_ours` (no commune addressed)."""

    status: str
    reason: str = ""
    thread_id: str = ""
    message_id: str = ""


def receive_email(ports: Ports, raw_key: str) -> Outcome:
    """Files the e-mail stored at `raw_key` in the mail bucket. Raises only when storage
    fails (the event is then retried); whatever the e-mail holds, it is filed, set aside
    or ignored."""
    raw = ports.mail.get_bytes(raw_key)
    parsed = parse(raw)
    secret = secret_from(config.seal_key())
    target = _addressed(ports, parsed, raw, secret)
    if target is None:
        logger.warning("e-mail for no commune of this stack", extra={"rawKey": raw_key})
        return Outcome("not_ours", "no commune address among the recipients")
    commune, named = target
    flagged = parsed.verdicts.flagged
    if flagged:
        # Never a thread, never an opinion: its files are neither stored nor offered to
        # agents (the raw e-mail stays in the mail bucket, out of their reach, until the
        # retention date).
        _set_aside(ports, commune, raw_key, parsed, flagged)
        return Outcome("set_aside", flagged)
    if parsed.auto_reply:
        _set_aside(ports, commune, raw_key, parsed, f"auto-reply: {parsed.auto_reply_reason}")
        if parsed.auto_reply_reason in BOUNCES and named.thread_id:
            _answer_bounced(ports, commune, named.thread_id)
        return Outcome("ignored", parsed.auto_reply_reason)
    if _from_ourselves(parsed):
        _set_aside(ports, commune, raw_key, parsed, "sent from one of our own addresses")
        return Outcome("ignored", "loop")
    if parsed.error:
        _set_aside(ports, commune, raw_key, parsed, parsed.error)
        return Outcome("set_aside", parsed.error)
    message = _inbound(ports, commune, named, raw_key, raw, parsed)
    received = inbound.receive(ports, message)
    return Outcome("filed", thread_id=received.thread_id, message_id=received.message_id)


# A delivery report to a thread's reply address (our answers' sender): the answer did not
# reach the citizen.
BOUNCES = ("bounce", "delivery-status")
BOUNCED = "the citizen's mail server returned the answer (address unknown or mailbox full)"


def _answer_bounced(ports: Ports, commune: Commune, thread_id: str) -> None:
    """Marks the thread's last e-mailed answer as not delivered, for staff to see."""
    try:
        messages = ports.threads.messages(commune.commune_id, thread_id)
    except NotFoundError:
        return
    sent = [m for m in messages if m.author is Author.COMMUNE and m.delivery is Delivery.SENT]
    if sent:
        ports.threads.set_delivery(sent[-1], Delivery.FAILED, ports.clock(), BOUNCED)


def _addressed(
    ports: Ports, parsed: ParsedEmail, raw: bytes, secret: bytes
) -> tuple[Commune, Addressee] | None:
    """The first commune of this stack among the recipients, with the thread a reply
    address names. A blind copy names no recipient in To or Cc: the receiving server's
    `Received: … for <address>` does (SES writes it)."""
    domain = config.mail_domain()
    for recipient in (*parsed.recipients, *_received_for(raw)):
        named = addressee(recipient, domain, secret)
        if named is None:
            continue
        try:
            return ports.communes.get_by_slug(named.slug), named
        except NotFoundError:
            continue
    return None


_RECEIVED_FOR = re.compile(r"\bfor\s+<?([^\s<>;@]+@[^\s<>;]+?)>?\s*;", re.IGNORECASE)


def _received_for(raw: bytes) -> list[str]:
    try:
        headers = BytesHeaderParser(policy=default).parsebytes(raw)
        received = [str(value) for value in headers.get_all("Received") or ()]
    except Exception:  # headers the parser already judged: nothing more to find here
        return []
    return [match for value in received for match in _RECEIVED_FOR.findall(value)]


def _from_ourselves(parsed: ParsedEmail) -> bool:
    return parsed.sender.rpartition("@")[2] == config.mail_domain()


def _inbound(
    ports: Ports,
    commune: Commune,
    named: Addressee,
    raw_key: str,
    raw: bytes,
    parsed: ParsedEmail,
) -> InboundMessage:
    # Without a Message-ID (rare, broken clients) the content identifies the e-mail.
    external_id = parsed.message_id or "sha256:" + hashlib.sha256(raw).hexdigest()
    answered = (*reversed(parsed.in_reply_to), *reversed(parsed.references))
    return InboundMessage(
        commune_id=commune.commune_id,
        channel=Channel.EMAIL,
        external_id=external_id,
        text=parsed.new_text,
        full_text=parsed.text,
        received_at=ports.clock(),
        sender=Sender(
            email=parsed.sender,
            name=parsed.sender_name,
            proven=parsed.verdicts.proves(parsed.sender),
        ),
        subject=parsed.subject,
        thread_id=named.thread_id,
        thread_keys=tuple(channels.MESSAGE_KEY + message_id for message_id in answered),
        links=(channels.MESSAGE_KEY + parsed.message_id,) if parsed.message_id else (),
        raw_key=raw_key,
        attachments=_stored_attachments(
            ports, commune, external_id, _scanned(parsed.attachments, parsed.verdicts)
        ),
    )


def _scanned(attachments: tuple[Attachment, ...], verdicts: Verdicts) -> tuple[Attachment, ...]:
    """Legacy office formats (.doc, .xls, .rtf…) may carry macros: kept only when SES
    scanned the e-mail and found no virus, listed as refused otherwise."""
    if verdicts.virus_free:
        return attachments
    return tuple(
        replace(item, content=b"", rejected=files.NOT_SCANNED)
        if not item.rejected and files.macro_capable(item.filename, item.content_type)
        else item
        for item in attachments
    )


def _stored_attachments(
    ports: Ports, commune: Commune, external_id: str, attachments: tuple[Attachment, ...]
) -> tuple[AttachmentRef, ...]:
    """Keeps the accepted files under a key derived from the e-mail's id: a redelivered
    e-mail writes the same objects again, never new ones."""
    folder = hashlib.sha256(external_id.encode()).hexdigest()[:32]
    stored = []
    for index, attachment in enumerate(attachments):
        if attachment.rejected:
            stored.append(
                AttachmentRef(
                    attachment.filename,
                    attachment.content_type,
                    attachment.size,
                    refused=attachment.rejected,
                )
            )
            continue
        name = _SAFE_NAME.sub("_", attachment.filename)[-120:] or f"piece-jointe-{index + 1}"
        key = f"{commune.commune_id}/{folder}/{index}-{name}"
        ports.attachments.put_bytes(key, attachment.content, attachment.content_type)
        stored.append(
            AttachmentRef(attachment.filename, attachment.content_type, attachment.size, key)
        )
    return tuple(stored)


def _set_aside(
    ports: Ports, commune: Commune, raw_key: str, parsed: ParsedEmail, reason: str
) -> None:
    channels.record_set_aside(ports, commune, parsed.sender, parsed.subject, reason, raw_key)
