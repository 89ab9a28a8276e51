"""The citizen's rights over their data (GDPR art. 15 and 17): download what the commune
holds about their opinion, and erase it — from their private follow-up link, from a link
sent to their e-mail address on request (proving the address is theirs), or by an admin.
Erasure removes the contact (address, name, social id, sealed link), the e-mails as
received and their attachments, and the export files that may hold the texts as written;
the texts stay only anonymised (their analysis' masked version), so the commune's figures
stay true."""

from __future__ import annotations

import json
import logging
from dataclasses import replace
from datetime import timedelta
from typing import Any

from chalicelib.domain import activity, followup
from chalicelib.domain.activity import ActivityKind
from chalicelib.domain.commune import Commune
from chalicelib.domain.contacts import Contact, email_key
from chalicelib.domain.errors import GoneError, NotFoundError
from chalicelib.domain.ids import CommuneId, commune_id
from chalicelib.domain.staff import Role, StaffIdentity
from chalicelib.domain.threads import Author, Channel, Message, Thread, preview_of
from chalicelib.ports import DeliveryJob, Ports
from chalicelib.services import abuse, channels, exports, redaction, validation

logger = logging.getLogger(__name__)
# A text erased before its analysis masked it.
ERASED = "[texte effacé à la demande du citoyen]"
# A contact's threads erased in one request (a citizen writes a few; a cap keeps it bounded).
MAX_THREADS = 200
# Contacts of one address (one per opinion until the address is verified).
MAX_CONTACTS = 50
# How long the link sent by e-mail opens the citizen's data.
RIGHTS_LINK_HOURS = 24


def citizen_data(ports: Ports, token: str) -> dict[str, Any]:
    """Everything the commune holds about the follow-up link's thread: its messages and the
    contact details it came with. Nothing of the author's other opinions (a link proves
    only this one; the rights link e-mailed to their address shows them all)."""
    commune_id = followup.commune_of(token)
    thread = ports.threads.get_by_followup(commune_id, followup.hash_token(token))
    contact = ports.contacts.get(commune_id, thread.contact_id) if thread.contact_id else None
    commune = ports.communes.get(commune_id)
    return {
        "commune": commune.name,
        "thread": _thread_data(commune, thread),
        "messages": _messages(ports, thread),
        "contact": _contact_data(contact) if contact else None,
    }


def _thread_data(commune: Commune, thread: Thread) -> dict[str, Any]:
    return {
        "id": thread.thread_id,
        "createdAt": thread.created_at.isoformat(),
        "theme": commune.theme_label(thread.theme),
        "quartier": thread.quartier,
        "rating": thread.rating,
        "status": thread.status.value,
        "channel": thread.channel.value,
    }


def _messages(ports: Ports, thread: Thread) -> list[dict[str, Any]]:
    # Staff's internal notes are the commune's work, not the citizen's data.
    return [
        {"author": m.author.value, "at": m.created_at.isoformat(), "text": m.text}
        for m in ports.threads.messages(thread.commune_id, thread.thread_id)
        if m.author is not Author.NOTE
    ]


def _contact_data(contact: Contact) -> dict[str, Any]:
    return {
        "email": contact.email or None,
        "name": contact.name or None,
        "consentedAt": contact.consented_at.isoformat(),
        "erasedAt": contact.expires_at.isoformat(),
    }


def request_rights_link(ports: Ports, slug: str, email: str, submitter: abuse.Submitter) -> None:
    """A citizen without their follow-up link asks for their data by e-mail: the link is
    sent to that address only, and only if the commune has a contact with it. The answer
    is the same either way (nobody learns who wrote to the commune), and so is the work:
    the job is queued even when there is nobody, and sends nothing."""
    commune = ports.communes.get_by_slug(slug)
    address = validation.check_email(email)
    abuse.admit_rights_request(ports, commune.commune_id, submitter, address)
    found = ports.contacts.with_email(commune.commune_id, email_key(commune.commune_id, address), 1)
    contact_id = found[0].contact_id if found else ""
    ports.delivery_queue.enqueue(DeliveryJob(commune.commune_id, contact_id, "", rights=True))


def rights_token(ports: Ports, contact: Contact) -> str:
    """The sealed link to every contact with the contact's address, valid RIGHTS_LINK_HOURS."""
    expires = ports.clock() + timedelta(hours=RIGHTS_LINK_HOURS)
    payload = {"c": contact.commune_id, "e": contact.email_key, "x": int(expires.timestamp())}
    return ports.sealer.seal(json.dumps(payload))


def _rights_contacts(ports: Ports, token: str) -> tuple[CommuneId, list[Contact]]:
    """The commune and the contacts a rights link names. NotFoundError for a link this stack
    did not make; GoneError once it expired."""
    try:
        data = json.loads(ports.sealer.unseal(token))
        commune = commune_id(str(data["c"]))
        key, expires = str(data["e"]), int(data["x"])
    except (ValueError, KeyError, TypeError) as error:
        raise NotFoundError("unknown link", code="link_not_found") from error
    if ports.clock().timestamp() > expires:
        raise GoneError(
            "this link has expired: ask for a new one with your address", code="link_expired"
        )
    return commune, ports.contacts.with_email(commune, key, MAX_CONTACTS)


def rights_data(ports: Ports, token: str) -> dict[str, Any]:
    """Everything the commune holds about the address's contacts and their opinions."""
    commune_id_, contacts = _rights_contacts(ports, token)
    commune = ports.communes.get(commune_id_)
    threads: dict[str, Thread] = {}
    for contact in contacts:
        for thread in ports.threads.of_contact(commune_id_, contact.contact_id, MAX_THREADS):
            threads.setdefault(thread.thread_id, thread)
    ordered = sorted(threads.values(), key=lambda thread: thread.created_at)
    return {
        "commune": commune.name,
        "contacts": [_contact_data(contact) for contact in contacts],
        "threads": [
            {**_thread_data(commune, thread), "messages": _messages(ports, thread)}
            for thread in ordered
        ],
    }


def erase_by_link(ports: Ports, token: str) -> int:
    """Erases every contact with the link's address, and their threads' personal data."""
    commune_id_, contacts = _rights_contacts(ports, token)
    erased = 0
    for contact in contacts:
        threads = ports.threads.of_contact(commune_id_, contact.contact_id, MAX_THREADS)
        erased += _erase_all(
            ports, commune_id_, threads, contact.contact_id, activity.CITIZEN, "request"
        )
    return erased


def erase_by_citizen(ports: Ports, token: str) -> int:
    """Erases the link's thread only: a follow-up link proves nothing about its author's
    other opinions (the rights link e-mailed to their address reaches those). The contact
    goes with it unless another of its threads still needs it."""
    commune_id = followup.commune_of(token)
    thread = ports.threads.get_by_followup(commune_id, followup.hash_token(token))
    contact_id = thread.contact_id
    if contact_id:
        others = ports.threads.of_contact(commune_id, contact_id, 2)
        if any(other.thread_id != thread.thread_id for other in others):
            contact_id = None
    return _erase_all(
        ports, commune_id, [thread], contact_id, activity.CITIZEN, "request", proven=False
    )


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
    proven: bool = True,
) -> int:
    """Erases the threads' personal data and the contact. With `proven` (the erasure comes
    from the address's owner, an admin on request, or the retention date), what the
    channels keep of the contact's address or social id outside threads goes too."""
    contact = ports.contacts.get(commune_id, contact_id) if contact_id else None
    for each in threads:
        _forget(ports, each, contact)
    if contact is not None:
        if proven or contact.verified_at is not None or contact.social_id:
            channels.forget_sender(
                ports, commune_id, email=contact.email, social_id=contact.social_id
            )
        ports.contacts.delete(commune_id, contact.contact_id)
    # Only now that the texts are anonymised: an export reading them later gets them so.
    files = exports.erase_files_holding(ports, commune_id, threads)
    activity.audit(
        ports.activity,
        commune_id,
        ports.clock(),
        ActivityKind.CONTACT_ERASED,
        actor,
        threads=len(threads),
        exports=files,
        reason=reason,
    )
    return len(threads)


def _forget(ports: Ports, thread: Thread, contact: Contact | None) -> None:
    messages = ports.threads.messages(thread.commune_id, thread.thread_id)
    anonymised = [_anonymised(ports, m, contact) for m in messages]
    opinion = next((m for m in anonymised if m.message_id == thread.thread_id), None)
    preview = preview_of(opinion.text) if opinion else thread.preview
    ports.threads.forget_contact(
        replace(thread, contact_id=None, sealed_followup="", subject="", preview=preview),
        anonymised,
    )
    # A staff correction keeps the opinion's text to retrain the model: masked too.
    if opinion is not None:
        ports.corrections.anonymise(thread.commune_id, thread.thread_id, opinion.text)
    # Topics keep only masked quotes and vectors, but an erased opinion leaves them too: its
    # words must not stand as a topic's quote after the citizen asked them gone.
    ports.topics.forget_thread(thread.commune_id, thread.thread_id)


def _anonymised(ports: Ports, message: Message, contact: Contact | None) -> Message:
    """A citizen's message with its masked text, its files deleted, and no social network
    id (a WhatsApp id encodes the phone number); a staff answer or note with the personal
    data it quotes masked ("Bonjour Jeanne Martin")."""
    if message.author is not Author.CITIZEN:
        return replace(message, text=redaction.mask_answer(message.text, contact))
    envelope = message.envelope
    if envelope is not None:
        if envelope.raw_key:
            ports.mail.delete(envelope.raw_key)
        for attachment in envelope.attachments:
            if attachment.key:
                ports.attachments.delete(attachment.key)
    result = message.analysis.result
    text = result.masked_text if result is not None and result.masked_text else ERASED
    external_id = "" if message.channel is Channel.SOCIAL else message.external_id
    return replace(message, text=text, envelope=None, external_id=external_id)
