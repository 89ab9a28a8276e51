"""Citizen use cases: give an opinion, read the private follow-up, answer the commune."""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import asdict, dataclass, replace
from datetime import datetime, timedelta

from chalicelib.domain import activity, followup, sla
from chalicelib.domain.activity import Activity, ActivityKind
from chalicelib.domain.commune import Commune
from chalicelib.domain.contacts import Contact
from chalicelib.domain.errors import ConflictError, NotFoundError, ValidationError
from chalicelib.domain.ids import CommuneId, commune_id, new_id
from chalicelib.domain.threads import (
    AnalysisStatus,
    Author,
    Channel,
    Message,
    Thread,
    ThreadStatus,
    preview_of,
)
from chalicelib.ports import AnalysisJob, DeliveryJob, Ports
from chalicelib.services import abuse, validation
from chalicelib.services.retry import on_conflict

IDEMPOTENCY_KEY_MAX = 128

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SubmitFeedback:
    theme: str
    text: str
    rating: int | None = None
    quartier: str | None = None
    email: str | None = None
    consent: bool = False
    name: str | None = None
    channel: Channel = Channel.WEB


@dataclass(frozen=True)
class FeedbackReceipt:
    thread_id: str
    followup_token: str
    status: str = "received"


@dataclass(frozen=True)
class FollowUp:
    thread: Thread
    messages: list[Message]


def submit_feedback(
    ports: Ports,
    slug: str,
    command: SubmitFeedback,
    idempotency_key: str | None = None,
    consultation_id: str | None = None,
    submitter: abuse.Submitter | None = None,
) -> FeedbackReceipt:
    """Creates a thread and queues its analysis. With an Idempotency-Key, a repeat of the
    same request returns the first receipt and creates nothing; a different request under
    the same key raises ConflictError. With a `submitter`, a new opinion (not a repeat)
    counts against the rate limits and may raise RateLimitedError."""
    commune = validation.find_commune(ports, slug)
    command = _validated(command)
    validation.check_theme(commune, command.theme)
    validation.check_quartier(commune, command.quartier)

    thread_id, token = new_id(), followup.new_token(commune.commune_id)
    if idempotency_key is not None:
        _check_key(idempotency_key)
        stored = ports.idempotency.remember(
            commune.commune_id,
            idempotency_key,
            _fingerprint(slug, command),
            # Sealed with the stack's secret: whoever reads the table (or the key, which
            # the client chose) learns no follow-up link from it.
            {"id": thread_id, "sealedToken": ports.sealer.seal(token)},
        )
        if stored["id"] != thread_id:
            # The key was used before: a repeat, whose thread may already exist. (A key
            # stored just now holds a fresh id: no thread can have it, nothing to read.)
            thread_id = stored["id"]
            token = ports.sealer.unseal(stored["sealedToken"])
            if _existing(ports, commune.commune_id, thread_id) is not None:
                return FeedbackReceipt(thread_id, token)
    if submitter is not None:
        # After the replay check: a client retrying the same request is not flooding. A
        # refused request keeps its key, and its retry after Retry-After creates the thread.
        abuse.admit(ports, commune.commune_id, submitter, command.text)

    now = ports.clock()
    contact, send_link = None, False
    if command.email is not None:
        contact, send_link = _contact_for(ports, commune, command, now)
    contact_id = contact.contact_id if contact else None
    thread = Thread(
        commune_id=commune.commune_id,
        thread_id=thread_id,
        channel=command.channel,
        status=ThreadStatus.NEW,
        theme=command.theme,
        created_at=now,
        last_activity_at=now,
        preview=preview_of(command.text),
        quartier=command.quartier,
        rating=command.rating,
        contact_id=contact_id,
        followup_hash=followup.hash_token(token),
        sealed_followup=ports.sealer.seal(token) if contact else "",
        consultation_id=consultation_id,
        service=commune.route(command.theme, command.quartier, command.channel.value, command.text),
        # A consultation answer is a contribution to tally, not a request awaiting a reply.
        due_at=None if consultation_id else sla.answer_due(now, commune.settings.answer_sla_days),
    )
    # The first message shares the thread's id: the analysis worker knows it is the opinion
    # itself (whose analysis also describes the thread) and not a later reply.
    message = Message(
        commune.commune_id, thread_id, thread_id, Author.CITIZEN, command.text, command.channel, now
    )
    created = activity.record(
        commune.commune_id,
        now,
        ActivityKind.THREAD_CREATED,
        activity.CITIZEN,
        thread_id,
        channel=command.channel.value,
        theme=command.theme,
        consultation=consultation_id,
        service=thread.service,
    )
    try:
        ports.threads.create(thread, message, [created])
    except ConflictError:
        # A concurrent replay of the same Idempotency-Key created it first.
        return FeedbackReceipt(thread_id, token)
    ports.analysis_queue.enqueue(AnalysisJob(commune.commune_id, thread_id, thread_id))
    if send_link and contact is not None:
        # The link that proves the address: then this opinion joins the citizen's others.
        job = DeliveryJob(commune.commune_id, contact.contact_id, "", verify=True)
        _enqueue_quietly(ports, job)
    ports.events.publish([created])
    return FeedbackReceipt(thread_id, token)


def _contact_for(
    ports: Ports, commune: Commune, command: SubmitFeedback, now: datetime
) -> tuple[Contact, bool]:
    """A new contact for this opinion, always: an address is only a claim (anyone can type
    one), so the opinion joins the citizen's history only once its sender opens the link
    e-mailed there (`verify_contact`). Whether the address wrote before changes nothing a
    submitter can see. (contact, whether its verification link may be sent)."""
    email = command.email or ""
    retention = timedelta(days=commune.settings.retention_days)
    name = (command.name or "").strip()
    contact = Contact(commune.commune_id, new_id(), email, name, now, now + retention)
    ports.contacts.save(contact)
    return contact, abuse.admit_verification(ports, commune.commune_id, email)


def _enqueue_quietly(ports: Ports, job: DeliveryJob) -> None:
    try:
        ports.delivery_queue.enqueue(job)
    except Exception:  # the opinion is saved; the address stays unverified, nothing is lost
        logger.exception("could not queue the verification e-mail")


def verify_contact(ports: Ports, token: str) -> Contact:
    """Proves the address of the contact the (sealed) token names: the opinion it came
    with joins the contact that proved the same address before (one citizen, one contact),
    or the contact becomes that citizen's. Returns the contact the opinion now belongs to.
    NotFoundError for a token this stack did not make, or a contact erased since."""
    try:
        data = json.loads(ports.sealer.unseal(token))
        commune = commune_id(str(data["c"]))
        contact_id = str(data["k"])
    except (ValueError, KeyError, TypeError) as error:
        raise NotFoundError("unknown verification link", code="verification_not_found") from error
    contact = ports.contacts.get(commune, contact_id)
    if contact is None:
        raise NotFoundError("unknown verification link", code="verification_not_found")
    if contact.verified_at is not None:
        return contact
    known = ports.contacts.verified(commune, contact.email_key) if contact.email else None
    if known is None or known.contact_id == contact.contact_id:
        contact = replace(contact, verified_at=ports.clock())
        ports.contacts.save(contact)
        return contact
    return _join(ports, contact, known)


# A contact is one opinion until verified: a few threads at most (an e-mail conversation).
_JOINED_THREADS = 50


def _join(ports: Ports, contact: Contact, known: Contact) -> Contact:
    """Moves the proven contact's threads to the citizen's contact, which keeps the later
    retention date (the citizen consented again), then forgets the duplicate."""
    commune = contact.commune_id
    for thread in ports.threads.of_contact(commune, contact.contact_id, _JOINED_THREADS):
        ports.threads.move_contact(commune, thread.thread_id, contact.contact_id, known.contact_id)
    joined = replace(
        known,
        name=known.name or contact.name,
        expires_at=max(known.expires_at, contact.expires_at),
    )
    ports.contacts.save(joined)
    ports.contacts.delete(commune, contact.contact_id)
    return joined


def verification_token(ports: Ports, contact: Contact) -> str:
    return ports.sealer.seal(json.dumps({"c": contact.commune_id, "k": contact.contact_id}))


def get_follow_up(ports: Ports, token: str) -> FollowUp:
    """Raises NotFoundError for an unknown or malformed token."""
    commune_id = followup.commune_of(token)
    thread = ports.threads.get_by_followup(commune_id, followup.hash_token(token))
    # Staff's internal notes never reach the citizen.
    messages = [
        m
        for m in ports.threads.messages(commune_id, thread.thread_id)
        if m.author is not Author.NOTE
    ]
    return FollowUp(thread, messages)


def post_follow_up(ports: Ports, token: str, text: str) -> Message:
    """Adds the citizen's message, reopens an answered or closed thread, queues analysis."""
    cleaned = validation.clean_text(text)
    commune_id = followup.commune_of(token)
    token_hash = followup.hash_token(token)

    commune = ports.communes.get(commune_id)

    def attempt() -> Message:
        thread = ports.threads.get_by_followup(commune_id, token_hash)
        now = ports.clock()
        message = Message(
            commune_id, thread.thread_id, new_id(), Author.CITIZEN, cleaned, Channel.WEB, now
        )
        due = sla.answer_due(now, commune.settings.answer_sla_days)
        written = activity.record(
            commune_id,
            now,
            ActivityKind.CITIZEN_MESSAGE,
            activity.CITIZEN,
            thread.thread_id,
            message=message.message_id,
        )
        # A merged duplicate stays closed: the thread it went to is the one reopened.
        kept = thread if thread.merged_into else thread.after_citizen_message(now, due)
        ports.threads.add_message(kept, message, (), [written])
        entries.append(written)
        threads.append(thread)
        return message

    entries: list[Activity] = []
    threads: list[Thread] = []
    message = on_conflict(attempt)
    merged = threads[-1]
    if merged.merged_into:  # after the message is safely stored, never twice
        due = sla.answer_due(ports.clock(), commune.settings.answer_sla_days)
        entries.append(reopen_merged(ports, commune_id, merged, due))
    ports.analysis_queue.enqueue(AnalysisJob(commune_id, message.thread_id, message.message_id))
    ports.events.publish(entries[-2:])
    return message


def reopen_merged(
    ports: Ports, commune_id: CommuneId, duplicate: Thread, due: datetime
) -> Activity:
    """The citizen of a merged duplicate wrote again: the thread it went to awaits an
    answer (and shows it in the inbox)."""
    target_id = duplicate.merged_into or ""

    def attempt() -> Activity:
        target = ports.threads.get(commune_id, target_id)
        now = ports.clock()
        entry = activity.record(
            commune_id,
            now,
            ActivityKind.CITIZEN_MESSAGE,
            activity.CITIZEN,
            target_id,
            mergedFrom=duplicate.thread_id,
        )
        ports.threads.update(target.after_citizen_message(now, due), activity=[entry])
        return entry

    return on_conflict(attempt)


def _validated(command: SubmitFeedback) -> SubmitFeedback:
    text = validation.clean_text(command.text)
    if command.rating is not None and not 1 <= command.rating <= 5:
        raise ValidationError("rating must be between 1 and 5", code="invalid_rating")
    email = None
    if command.email:
        if not command.consent:
            raise validation.consent_error()
        email = validation.check_email(command.email)
    name = (command.name or "").strip() or None
    if name is not None and len(name) > validation.NAME_MAX:
        raise ValidationError("name is too long", code="name_too_long")
    if name is not None and email is None:
        # A name without a way to answer is not needed: data minimisation.
        name = None
    return replace(command, text=text, email=email, name=name)


def _check_key(key: str) -> None:
    if not 1 <= len(key) <= IDEMPOTENCY_KEY_MAX or not key.isprintable():
        raise ValidationError(
            f"Idempotency-Key must be 1–{IDEMPOTENCY_KEY_MAX} printable characters",
            code="invalid_idempotency_key",
        )


def _fingerprint(slug: str, command: SubmitFeedback) -> str:
    canonical = json.dumps({"slug": slug, **asdict(command)}, sort_keys=True, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _existing(ports: Ports, commune_id: CommuneId, thread_id: str) -> Thread | None:
    try:
        thread = ports.threads.get(commune_id, thread_id)
    except NotFoundError:
        return None
    if thread.analysis.status is AnalysisStatus.PENDING:
        # The first attempt may have stopped before queueing: queueing twice is harmless.
        ports.analysis_queue.enqueue(AnalysisJob(thread.commune_id, thread_id, thread_id))
    return thread
