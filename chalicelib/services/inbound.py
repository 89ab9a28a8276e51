"""Files a citizen's message from any channel in the inbox: a new thread, or the next
message of the thread the channel names. Channels call it with an InboundMessage."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from chalicelib.domain import activity, followup, sla
from chalicelib.domain.activity import Activity, ActivityKind
from chalicelib.domain.commune import UNSORTED, Commune
from chalicelib.domain.contacts import Contact
from chalicelib.domain.errors import ConflictError, NotFoundError
from chalicelib.domain.ids import new_id
from chalicelib.domain.inbound import InboundMessage
from chalicelib.domain.threads import (
    Analysis,
    AnalysisStatus,
    Author,
    Channel,
    Envelope,
    Message,
    Thread,
    ThreadStatus,
    preview_of,
)
from chalicelib.ports import AnalysisJob, Ports
from chalicelib.services import validation
from chalicelib.services.feedback import reopen_merged
from chalicelib.services.retry import on_conflict

logger = logging.getLogger(__name__)

# Longer texts are kept whole in the envelope; the inbox and the analysis read this much.
TEXT_MAX = validation.TEXT_MAX
# A message with no text of its own (only attachments) still shows something.
NO_TEXT = "(message sans texte)"


@dataclass(frozen=True)
class Received:
    thread_id: str
    message_id: str
    new_thread: bool
    # Already filed (the channel delivered it again): nothing was written.
    duplicate: bool = False
    # The citizen's private follow-up token, for a new thread that asked for one.
    followup_token: str = ""


def receive(ports: Ports, inbound: InboundMessage) -> Received:
    """Files `inbound` once, whatever the number of deliveries: the first one claims the
    channel's id for the thread and message ids it will write, and a redelivery that finds
    the claim finishes that same write (or sees it done)."""
    commune = ports.communes.get(inbound.commune_id)
    now = ports.clock()
    expires = now + timedelta(days=commune.settings.retention_days)
    existing = _thread_named(ports, inbound)
    thread_id = existing.thread_id if existing else new_id()
    message_id = new_id() if existing else thread_id
    claim = claim_key(inbound.channel, inbound.external_id)
    stored = ports.channels.claim(commune.commune_id, claim, f"{thread_id}/{message_id}", expires)
    thread_id, _, message_id = stored.partition("/")
    if _message_exists(ports, inbound, thread_id, message_id):
        return Received(thread_id, message_id, new_thread=False, duplicate=True)
    if existing is None or existing.thread_id != thread_id:
        existing = _thread_or_none(ports, inbound, thread_id)
    if existing is None:
        received = _new_thread(ports, commune, inbound, thread_id, expires)
    else:
        received = _next_message(ports, commune, inbound, existing, message_id)
    for key in inbound.links:
        ports.channels.link(commune.commune_id, key, received.thread_id, expires)
    if _analysable(inbound):
        ports.analysis_queue.enqueue(
            AnalysisJob(commune.commune_id, received.thread_id, received.message_id)
        )
    return received


def claim_key(channel: Channel, external_id: str) -> str:
    """The key that files a channel's message once. A digest: the channel's ids may carry
    personal data (a WhatsApp id encodes the phone number, a Message-ID an address)."""
    return f"in:{channel.value}:{hashlib.sha256(external_id.encode()).hexdigest()}"


def _thread_named(ports: Ports, inbound: InboundMessage) -> Thread | None:
    """The thread the channel names: its reply address first, then its other keys."""
    if inbound.thread_id:
        thread = _thread_or_none(ports, inbound, inbound.thread_id)
        if thread is not None:
            return thread
    if not inbound.thread_keys:
        return None
    found = ports.channels.find(inbound.commune_id, inbound.thread_keys)
    return _thread_or_none(ports, inbound, found) if found else None


def _thread_or_none(ports: Ports, inbound: InboundMessage, thread_id: str) -> Thread | None:
    try:
        return ports.threads.get(inbound.commune_id, thread_id)
    except NotFoundError:  # erased since (retention, request): a new thread
        return None


def _message_exists(ports: Ports, inbound: InboundMessage, thread_id: str, message_id: str) -> bool:
    try:
        ports.threads.get_message(inbound.commune_id, thread_id, message_id)
    except NotFoundError:
        return False
    return True


def _written(inbound: InboundMessage) -> str:
    """What the citizen wrote: the text, else an e-mail's subject; "" for files alone."""
    return inbound.text.strip() or (inbound.subject.strip() if inbound.citizen_subject else "")


def _analysable(inbound: InboundMessage) -> bool:
    return bool(_written(inbound))


def _text_of(inbound: InboundMessage) -> str:
    text = _written(inbound) or NO_TEXT
    return text if len(text) <= TEXT_MAX else text[: TEXT_MAX - 1] + "…"


def _analysis(inbound: InboundMessage) -> Analysis:
    """Files alone bring no words: the placeholder text is never analysed as an opinion
    (no job is queued, and the dashboard counts nothing for it)."""
    return Analysis() if _analysable(inbound) else Analysis(AnalysisStatus.SKIPPED)


def _envelope(inbound: InboundMessage, text: str) -> Envelope | None:
    full = inbound.full_text.strip()
    keep_full = full and full != text
    if not (inbound.subject or keep_full or inbound.raw_key or inbound.attachments):
        return None
    return Envelope(
        inbound.subject, full if keep_full else "", inbound.raw_key, inbound.attachments
    )


def _contact(
    ports: Ports, commune: Commune, inbound: InboundMessage, expires: datetime
) -> Contact | None:
    """Who to answer. The citizen wrote to the commune on this channel: keeping their
    address (or social id) until the retention date is what answering them takes."""
    sender = inbound.sender
    if not sender.known:
        return None
    contact = Contact(
        commune.commune_id,
        new_id(),
        sender.email,
        sender.name[: validation.NAME_MAX],
        inbound.received_at,
        expires,
        social_id=sender.social_id,
        platform=sender.platform,
        # A proven address (an e-mail whose SPF, DKIM and DMARC passed at SES) counts as
        # verified, like one proven by its e-mailed link: staff see it so. The contact is
        # still a new one; joining an address's contacts is services/feedback.py's rule.
        verified_at=inbound.received_at if sender.proven and sender.email else None,
    )
    ports.contacts.save(contact)
    return contact


def _new_thread(
    ports: Ports, commune: Commune, inbound: InboundMessage, thread_id: str, expires: datetime
) -> Received:
    now = ports.clock()
    text = _text_of(inbound)
    theme = inbound.theme if inbound.theme and commune.theme(inbound.theme) else UNSORTED
    quartier = inbound.quartier if inbound.quartier and commune.quartier(inbound.quartier) else None
    contact = _contact(ports, commune, inbound, expires)
    token = followup.new_token(commune.commune_id) if inbound.followup else ""
    thread = Thread(
        commune_id=commune.commune_id,
        thread_id=thread_id,
        channel=inbound.channel,
        status=ThreadStatus.NEW,
        theme=theme,
        created_at=now,
        last_activity_at=now,
        preview=preview_of(text),
        quartier=quartier,
        rating=inbound.rating if inbound.rating in (1, 2, 3, 4, 5) else None,
        contact_id=contact.contact_id if contact else None,
        service=commune.route(theme, quartier, inbound.channel.value, text),
        due_at=sla.answer_due(now, commune.settings.answer_sla_days),
        subject=inbound.subject[:200],
        channel_ref=inbound.channel_ref,
        followup_hash=followup.hash_token(token) if token else "",
        sealed_followup=ports.sealer.seal(token) if token and contact else "",
        analysis=_analysis(inbound),
    )
    message = Message(
        commune.commune_id,
        thread_id,
        thread_id,
        Author.CITIZEN,
        text,
        inbound.channel,
        now,
        external_id=inbound.external_id,
        envelope=_envelope(inbound, text),
        analysis=_analysis(inbound),
    )
    created = activity.record(
        commune.commune_id,
        now,
        ActivityKind.THREAD_CREATED,
        activity.CITIZEN,
        thread_id,
        channel=inbound.channel.value,
        theme=theme,
        service=thread.service,
    )
    try:
        ports.threads.create(thread, message, [created])
    except ConflictError:  # a concurrent delivery of the same message created it first
        return Received(thread_id, thread_id, new_thread=True, duplicate=True)
    ports.events.publish([created])
    return Received(thread_id, thread_id, new_thread=True, followup_token=token)


def _next_message(
    ports: Ports, commune: Commune, inbound: InboundMessage, thread: Thread, message_id: str
) -> Received:
    """The citizen wrote again in a thread: it reopens (like a reply on the follow-up
    page), and a merged duplicate reopens the thread it went to."""
    text = _text_of(inbound)
    entries: list[Activity] = []

    def attempt() -> None:
        current = ports.threads.get(commune.commune_id, thread.thread_id)
        now = ports.clock()
        message = Message(
            commune.commune_id,
            current.thread_id,
            message_id,
            Author.CITIZEN,
            text,
            inbound.channel,
            now,
            external_id=inbound.external_id,
            envelope=_envelope(inbound, text),
            analysis=_analysis(inbound),
        )
        due = sla.answer_due(now, commune.settings.answer_sla_days)
        written = activity.record(
            commune.commune_id,
            now,
            ActivityKind.CITIZEN_MESSAGE,
            activity.CITIZEN,
            current.thread_id,
            message=message_id,
            channel=inbound.channel.value,
        )
        kept = current if current.merged_into else current.after_citizen_message(now, due)
        ports.threads.add_message(kept, message, (), [written])
        entries.append(written)

    on_conflict(attempt)
    if thread.merged_into:
        due = sla.answer_due(ports.clock(), commune.settings.answer_sla_days)
        entries.append(reopen_merged(ports, commune.commune_id, thread, due))
    ports.events.publish(entries[-2:])
    return Received(thread.thread_id, message_id, new_thread=False)
