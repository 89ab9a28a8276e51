"""The contact-form channel: the signing keys admins create and rotate, and the signed
submissions of the forms a commune already has on its own site."""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from chalicelib.channels import forms as signatures
from chalicelib.domain import activity
from chalicelib.domain.activity import ActivityKind
from chalicelib.domain.commune import Commune
from chalicelib.domain.errors import ConflictError, NotFoundError, UnauthorizedError
from chalicelib.domain.ids import CommuneId, is_id, new_id
from chalicelib.domain.inbound import InboundMessage, Sender
from chalicelib.domain.staff import Role, StaffIdentity
from chalicelib.domain.threads import Channel
from chalicelib.ports import Ports
from chalicelib.services import validation
from chalicelib.services.inbound import Received, receive

KEY_PREFIX = "formkey:"
SIGNATURE_PREFIX = "formsig:"
# After a rotation the former key still signs for a day: time to deploy the new one.
ROTATION_GRACE = timedelta(hours=24)
MAX_KEYS = 5


@dataclass(frozen=True)
class FormKey:
    key_id: str
    created_at: datetime
    created_by: str
    # Unset while the key is current; a rotated key signs until then, a revoked one no more.
    retires_at: datetime | None = None
    sealed: str = ""

    def active(self, now: datetime) -> bool:
        return self.retires_at is None or now < self.retires_at


@dataclass(frozen=True)
class FormSubmission:
    text: str
    submission_id: str = ""
    email: str | None = None
    consent: bool = False
    name: str | None = None
    theme: str | None = None
    quartier: str | None = None
    rating: int | None = None
    subject: str = ""


def list_keys(ports: Ports, staff: StaffIdentity) -> list[FormKey]:
    staff.require(Role.ADMIN)
    return _keys(ports, staff.commune_id)


def create_key(ports: Ports, staff: StaffIdentity) -> tuple[FormKey, str]:
    """A new signing key, returned with its secret (shown this once: only its sealed form
    is stored). The keys in use retire after ROTATION_GRACE."""
    staff.require(Role.ADMIN)
    now = ports.clock()
    keys = _keys(ports, staff.commune_id)
    if sum(key.active(now) for key in keys) >= MAX_KEYS:
        raise ConflictError(f"at most {MAX_KEYS} keys in use: revoke one", code="too_many_keys")
    for key in keys:
        if key.retires_at is None:
            _save(ports, staff, replace(key, retires_at=now + ROTATION_GRACE))
    secret = "cfk_" + secrets.token_urlsafe(32)
    key = FormKey(new_id(), now, staff.email, sealed=ports.sealer.seal(secret))
    _save(ports, staff, key)
    activity.audit(
        ports.activity,
        staff.commune_id,
        now,
        ActivityKind.CHANNEL_KEY_CREATED,
        staff.email,
        channel="form",
        key=key.key_id,
    )
    return key, secret


def revoke_key(ports: Ports, staff: StaffIdentity, key_id: str) -> FormKey:
    """The key signs nothing any more, from now on."""
    staff.require(Role.ADMIN)
    key = next((k for k in _keys(ports, staff.commune_id) if k.key_id == key_id), None)
    if not is_id(key_id) or key is None:
        raise NotFoundError("unknown key", code="key_not_found")
    now = ports.clock()
    revoked = replace(key, retires_at=now)
    _save(ports, staff, revoked)
    activity.audit(
        ports.activity,
        staff.commune_id,
        now,
        ActivityKind.CHANNEL_KEY_REVOKED,
        staff.email,
        channel="form",
        key=key_id,
    )
    return revoked


def authenticate(ports: Ports, slug: str, header: str | None, body: bytes) -> Commune:
    """The commune whose current key signed `body`, before anything of it is read. Raises
    UnauthorizedError (bad, expired or missing signature; no key) or ConflictError (a
    signature seen before: a replay)."""
    commune = validation.find_commune(ports, slug)
    now = ports.clock()
    keys = [k for k in _keys(ports, commune.commune_id) if k.active(now)]
    if not keys:
        raise UnauthorizedError(
            "no form key yet: an admin creates one in the console", code="form_not_configured"
        )
    try:
        _, signature = signatures.verify(
            [ports.sealer.unseal(k.sealed) for k in keys], header, body, now.timestamp()
        )
    except signatures.SignatureError as error:
        raise UnauthorizedError(str(error), code="invalid_signature") from error
    claim = new_id()
    expires = now + timedelta(seconds=3 * signatures.TOLERANCE_SECONDS)
    key = SIGNATURE_PREFIX + signature
    if ports.channels.claim(commune.commune_id, key, claim, expires) != claim:
        raise ConflictError("this signature was used already", code="signature_replayed")
    return commune


def submit(ports: Ports, commune: Commune, form: FormSubmission, body: bytes) -> Received:
    """Files an authenticated submission; the same `submission_id` (or, without one, the
    same body) is filed once."""
    text = validation.clean_text(form.text)
    email = None
    if form.email:
        if not form.consent:
            raise validation.consent_error()
        email = validation.check_email(form.email)
    external_id = form.submission_id or "sha256:" + hashlib.sha256(body).hexdigest()
    message = InboundMessage(
        commune_id=commune.commune_id,
        channel=Channel.FORM,
        external_id=external_id,
        text=text,
        received_at=ports.clock(),
        sender=Sender(email=email or "", name=(form.name or "").strip() if email else ""),
        subject=form.subject.strip(),
        theme=form.theme,
        quartier=form.quartier,
        rating=form.rating,
        followup=True,
    )
    return receive(ports, message)


def _keys(ports: Ports, commune_id: CommuneId) -> list[FormKey]:
    found = ports.channels.recent(commune_id, KEY_PREFIX, 100)
    keys = []
    for key, value in found:
        data = json.loads(value)
        keys.append(
            FormKey(
                key.removeprefix(KEY_PREFIX),
                datetime.fromisoformat(data["createdAt"]),
                data["createdBy"],
                datetime.fromisoformat(data["retiresAt"]) if data.get("retiresAt") else None,
                data["sealed"],
            )
        )
    return keys


def _save(ports: Ports, staff: StaffIdentity, key: FormKey) -> None:
    value = {
        "createdAt": key.created_at.isoformat(),
        "createdBy": key.created_by,
        "retiresAt": key.retires_at.isoformat() if key.retires_at else None,
        "sealed": key.sealed,
    }
    ports.channels.link(staff.commune_id, KEY_PREFIX + key.key_id, json.dumps(value), None)
