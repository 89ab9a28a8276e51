"""The citizen's rights over their data (GDPR art. 15 and 17): download what the commune
holds about their opinion, and erase it — from their private follow-up link, or by an
admin. Erasure removes the contact (address, name, social id, sealed link), the e-mails
as received and their attachments; the texts stay only anonymised (their analysis' masked
version), so the commune's figures stay true."""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

from chalicelib.domain import activity, followup
from chalicelib.domain.activity import ActivityKind
from chalicelib.domain.ids import CommuneId
from chalicelib.domain.staff import Role, StaffIdentity
from chalicelib.domain.threads import Author, Message, Thread, preview_of
from chalicelib.ports import Ports
from chalicelib.services import validation

logger = logging.getLogger(__name__)
# A text erased before its analysis masked it.
ERASED = "[texte effacé à la demande du citoyen]"
# A contact's threads erased in one request (a citizen writes a few; a cap keeps it bounded).
MAX_THREADS = 200


def citizen_data(ports: Ports, token: str) -> dict[str, Any]:
    """Everything the commune holds about the follow-up link's thread, and its contact."""
    commune_id = followup.commune_of(token)
    thread = ports.threads.get_by_followup(commune_id, followup.hash_token(token))
    contact = ports.contacts.get(commune_id, thread.contact_id) if thread.contact_id else None
    commune = ports.communes.get(commune_id)
    return {
        "commune": commune.name,
        "thread": {
            "id": thread.thread_id,
            "createdAt": thread.created_at.isoformat(),
            "theme": commune.theme_label(thread.theme),
            "quartier": thread.quartier,
            "rating": thread.rating,
            "status": thread.status.value,
            "channel": thread.channel.value,
        },
        "messages": [
            {"author": m.author.value, "at": m.created_at.isoformat(), "text": m.text}
            for m in ports.threads.messages(commune_id, thread.thread_id)
            if m.author is not Author.NOTE
        ],
        "contact": {
            "email": contact.email or None,
            "name": contact.name or None,
            "consentedAt": contact.consented_at.isoformat(),
            "erasedAt": contact.expires_at.isoformat(),
        }
        if contact
        else None,
    }


def erase_by_citizen(ports: Ports, token: str) -> int:
    """Erases the link's thread (and, with a contact, every thread of that contact)."""
    commune_id = followup.commune_of(token)
    thread = ports.threads.get_by_followup(commune_id, followup.hash_token(token))
    return _erase(ports, commune_id, thread, activity.CITIZEN)


def erase_by_admin(ports: Ports, staff: StaffIdentity, thread_id: str) -> int:
    staff.require(Role.ADMIN)
    thread = ports.threads.get(staff.commune_id, validation.check_thread_id(thread_id))
    return _erase(ports, staff.commune_id, thread, staff.email)


def sweep_expired(ports: Ports, commune_id: CommuneId, limit: int = 1000) -> int:
    """The retention sweep: erases every contact whose retention date has passed, as an
    erasure would. Returns how many contacts went."""
    expired = ports.contacts.expired(commune_id, ports.clock(), limit)
    for contact in expired:
        threads = ports.threads.of_contact(commune_id, contact.contact_id, MAX_THREADS)
        _erase_all(ports, commune_id, threads, contact.contact_id, activity.SYSTEM, "retention")
    return len(expired)


def _erase(ports: Ports, commune_id: CommuneId, thread: Thread, actor: str) -> int:
    """Returns the number of threads erased."""
    contact_id = thread.contact_id
    threads = [thread]
    if contact_id:
        others = ports.threads.of_contact(commune_id, contact_id, MAX_THREADS)
        threads += [t for t in others if t.thread_id != thread.thread_id]
    return _erase_all(ports, commune_id, threads, contact_id, actor, "request")


def _erase_all(
    ports: Ports,
    commune_id: CommuneId,
    threads: list[Thread],
    contact_id: str | None,
    actor: str,
    reason: str,
) -> int:
    for each in threads:
        _forget(ports, each)
    if contact_id:
        ports.contacts.delete(commune_id, contact_id)
    activity.audit(
        ports.activity,
        commune_id,
        ports.clock(),
        ActivityKind.CONTACT_ERASED,
        actor,
        threads=len(threads),
        reason=reason,
    )
    return len(threads)


def _forget(ports: Ports, thread: Thread) -> None:
    messages = ports.threads.messages(thread.commune_id, thread.thread_id)
    anonymised = [_anonymised(ports, m) for m in messages if m.author is Author.CITIZEN]
    opinion = next((m for m in anonymised if m.message_id == thread.thread_id), None)
    preview = preview_of(opinion.text) if opinion else thread.preview
    ports.threads.forget_contact(
        replace(thread, contact_id=None, sealed_followup="", subject="", preview=preview),
        anonymised,
    )


def _anonymised(ports: Ports, message: Message) -> Message:
    """The message with its masked text, its files deleted."""
    envelope = message.envelope
    if envelope is not None:
        if envelope.raw_key:
            ports.mail.delete(envelope.raw_key)
        for attachment in envelope.attachments:
            if attachment.key:
                ports.attachments.delete(attachment.key)
    result = message.analysis.result
    text = result.masked_text if result is not None and result.masked_text else ERASED
    return replace(message, text=text, envelope=None)
