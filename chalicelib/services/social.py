"""The social-network channel (Meta: Facebook Page messages and comments, Instagram,
WhatsApp): the commune's connection settings, the webhook (verified, acknowledged at once,
filed by the inbound worker), answers through the Graph API, and the channel's health."""

from __future__ import annotations

import hashlib
import json
import logging
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from chalicelib.channels.meta import events as meta_events
from chalicelib.channels.meta import signature
from chalicelib.domain import activity
from chalicelib.domain.activity import ActivityKind
from chalicelib.domain.commune import Commune
from chalicelib.domain.contacts import Contact
from chalicelib.domain.errors import (
    BadRequestError,
    DeliveryError,
    ForbiddenError,
    NotFoundError,
    UnauthorizedError,
    ValidationError,
)
from chalicelib.domain.ids import CommuneId
from chalicelib.domain.inbound import InboundMessage, Sender
from chalicelib.domain.staff import Role, StaffIdentity
from chalicelib.domain.threads import Channel, Message, Thread
from chalicelib.ports import InboundJob, Ports
from chalicelib.services import social_media, validation
from chalicelib.services.channels import record_set_aside
from chalicelib.services.inbound import Received, receive

logger = logging.getLogger(__name__)
CONFIG_KEY = "meta:config"
HEALTH_KEY = "meta:health"
CONVERSATION_KEY = "conv:"
SOURCE = "meta"
# In the mail bucket: meta/<commune>/<sha256>.json, a webhook payload as Meta signed it
# (until the worker has split it), and meta/<commune>/events/<sha256>.json, each citizen
# event on its own (what a message's or set-aside entry's raw_key names: it goes with the
# citizen's data).
PAYLOADS = "meta/"
MAX_ACCOUNTS = 20
_ACCOUNT_ID = re.compile(r"^[0-9]{1,64}$")
PLATFORM_LABELS = {"facebook": "Facebook", "instagram": "Instagram", "whatsapp": "WhatsApp"}


@dataclass(frozen=True)
class Account:
    """A Page, an Instagram account or a WhatsApp number of the commune, with the token
    that answers as it (sealed at rest)."""

    platform: str
    account_id: str
    name: str = ""
    sealed_token: str = ""


@dataclass(frozen=True)
class MetaConfig:
    sealed_secret: str
    sealed_verify_token: str
    accounts: tuple[Account, ...]

    def account(self, account_id: str) -> Account | None:
        return next((a for a in self.accounts if a.account_id == account_id), None)


@dataclass(frozen=True)
class AccountHealth:
    token_expired: bool = False
    last_error: str = ""
    last_error_at: str = ""
    last_sent_at: str = ""


@dataclass(frozen=True)
class Health:
    last_event_at: str = ""
    accounts: dict[str, AccountHealth] = field(default_factory=dict)


# --- settings (admins) ---------------------------------------------------------------


def configure(
    ports: Ports,
    staff: StaffIdentity,
    app_secret: str,
    verify_token: str,
    accounts: list[tuple[str, str, str, str]],
) -> MetaConfig:
    """Connects the commune's accounts: (platform, account id, name, access token) each.
    The app secret, the verify token and the access tokens are stored sealed."""
    staff.require(Role.ADMIN)
    config = connect(ports, staff.commune_id, app_secret, verify_token, accounts)
    activity.audit(
        ports.activity,
        staff.commune_id,
        ports.clock(),
        ActivityKind.CHANNEL_CONFIGURED,
        staff.email,
        channel="social",
        accounts=len(config.accounts),
    )
    return config


def connect(
    ports: Ports,
    commune_id: CommuneId,
    app_secret: str,
    verify_token: str,
    accounts: list[tuple[str, str, str, str]],
) -> MetaConfig:
    """Validates and stores the connection (for configure(), and for seeding demo data)."""
    if not 8 <= len(app_secret) <= 256 or not 8 <= len(verify_token) <= 256:
        raise ValidationError(
            "appSecret and verifyToken have 8–256 characters", code="invalid_meta_settings"
        )
    if len(accounts) > MAX_ACCOUNTS:
        raise ValidationError(f"at most {MAX_ACCOUNTS} accounts", code="invalid_meta_settings")
    sealed = []
    for platform, account_id, name, token in accounts:
        if platform not in PLATFORM_LABELS or not _ACCOUNT_ID.match(account_id):
            raise ValidationError(
                f"unknown platform or malformed account id: {platform} {account_id}",
                code="invalid_meta_settings",
            )
        if not token.strip() or len(token) > 2048:
            raise ValidationError(
                "each account needs its access token", code="invalid_meta_settings"
            )
        sealed.append(Account(platform, account_id, name.strip()[:100], ports.sealer.seal(token)))
    config = MetaConfig(
        ports.sealer.seal(app_secret), ports.sealer.seal(verify_token), tuple(sealed)
    )
    _save_config(ports, commune_id, config)
    return config


def load_config(ports: Ports, commune_id: CommuneId) -> MetaConfig | None:
    value = ports.channels.find(commune_id, [CONFIG_KEY])
    if value is None:
        return None
    data = json.loads(value)
    return MetaConfig(
        data["secret"],
        data["verifyToken"],
        tuple(
            Account(a["platform"], a["accountId"], a["name"], a["token"]) for a in data["accounts"]
        ),
    )


def _save_config(ports: Ports, commune_id: CommuneId, config: MetaConfig) -> None:
    value = {
        "secret": config.sealed_secret,
        "verifyToken": config.sealed_verify_token,
        "accounts": [
            {
                "platform": a.platform,
                "accountId": a.account_id,
                "name": a.name,
                "token": a.sealed_token,
            }
            for a in config.accounts
        ],
    }
    ports.channels.link(commune_id, CONFIG_KEY, json.dumps(value), None)


def health(ports: Ports, commune_id: CommuneId) -> Health:
    value = ports.channels.find(commune_id, [HEALTH_KEY])
    if value is None:
        return Health()
    data = json.loads(value)
    return Health(
        data.get("lastEventAt", ""),
        {key: AccountHealth(**item) for key, item in data.get("accounts", {}).items()},
    )


def _record_health(
    ports: Ports,
    commune_id: CommuneId,
    account_id: str | None = None,
    event: bool = False,
    **changes: Any,
) -> None:
    """Read-modify-write of a small item: a lost update only loses a health detail."""
    try:
        current = health(ports, commune_id)
        accounts = dict(current.accounts)
        if account_id is not None:
            accounts[account_id] = AccountHealth(
                **{**accounts.get(account_id, AccountHealth()).__dict__, **changes}
            )
        value = {
            "lastEventAt": ports.clock().isoformat() if event else current.last_event_at,
            "accounts": {key: item.__dict__ for key, item in accounts.items()},
        }
        ports.channels.link(commune_id, HEALTH_KEY, json.dumps(value), None)
    except Exception:  # health is informative: never fail the caller for it
        logger.warning("could not record the social channel's health", exc_info=True)


def check_accounts(ports: Ports, staff: StaffIdentity) -> Health:
    """Asks Graph whether each account's token still works, and records the answer."""
    staff.require(Role.ADMIN)
    config = load_config(ports, staff.commune_id)
    for account in config.accounts if config else ():
        now = ports.clock().isoformat()
        try:
            ports.social.check(account.account_id, ports.sealer.unseal(account.sealed_token))
        except DeliveryError as error:
            expired = bool(getattr(error, "token_expired", False))
            _record_health(
                ports,
                staff.commune_id,
                account.account_id,
                token_expired=expired,
                last_error=error.message[:300],
                last_error_at=now,
            )
        else:
            _record_health(ports, staff.commune_id, account.account_id, token_expired=False)
    return health(ports, staff.commune_id)


# --- the webhook ---------------------------------------------------------------------


def handshake(
    ports: Ports, slug: str, mode: str | None, token: str | None, challenge: str | None
) -> str:
    """Meta's subscription check: the challenge back when the verify token is the
    commune's. Raises ForbiddenError otherwise."""
    commune = validation.find_commune(ports, slug)
    config = load_config(ports, commune.commune_id)
    expected = ports.sealer.unseal(config.sealed_verify_token) if config else ""
    answer = signature.handshake(mode, token, challenge, expected) if expected else None
    if answer is None:
        raise ForbiddenError("verification refused", code="verification_refused")
    return answer


def accept_webhook(ports: Ports, slug: str, header: str | None, raw: bytes) -> int:
    """Checks the signature over the raw body before reading it, keeps the citizens'
    messages and comments (and the events that should be but do not parse) for the inbound
    worker, and returns how many there are. Raises UnauthorizedError (signature) or
    BadRequestError (not a Meta payload)."""
    commune = validation.find_commune(ports, slug)
    config = load_config(ports, commune.commune_id)
    secret = ports.sealer.unseal(config.sealed_secret) if config else ""
    if not secret or not signature.verify(secret, raw, header):
        raise UnauthorizedError("bad or missing X-Hub-Signature-256", code="invalid_signature")
    try:
        found = meta_events.read(json.loads(raw))
    except (ValueError, RecursionError, meta_events.MetaPayloadError) as error:
        raise BadRequestError(
            f"not a Meta webhook payload: {error}", code="invalid_payload"
        ) from error
    if not found:  # statuses, reads, reactions…: acknowledged, nothing to keep
        return 0
    # The text stays out of the queue: it waits in the bucket, the queue names it. The
    # worker splits it into one object per event, then deletes it (see process()).
    key = f"{PAYLOADS}{commune.commune_id}/{hashlib.sha256(raw).hexdigest()}.json"
    ports.mail.put_bytes(key, raw, "application/json")
    ports.inbound_queue.enqueue(InboundJob(commune.commune_id, SOURCE, key))
    return len(found)


def process(ports: Ports, job: InboundJob) -> list[Received]:
    """Files each citizen message or comment of a stored webhook payload (once each, by
    its Meta id), with the files it carries; sets aside, with the reason, the events for an
    account the commune did not connect and those that do not parse (filed all the same
    when they carry a text). Each event's raw body is kept on its own (`raw_key` of its
    message or set-aside entry), so erasing one citizen's leaves no other's; the shared
    payload is deleted once all are filed."""
    commune = ports.communes.get(job.commune_id)
    config = load_config(ports, commune.commune_id)
    try:
        payload = ports.mail.get_bytes(job.key)
    except NotFoundError:  # filed already: a redelivered job finds the payload gone
        return []
    received = []
    for item in meta_events.read(json.loads(payload)):
        raw_key = f"{PAYLOADS}{commune.commune_id}/events/{_digest(item.identity)}.json"
        ports.mail.put_bytes(raw_key, json.dumps(item.raw).encode(), "application/json")
        filed = _file(ports, commune, config, item, raw_key)
        if filed is not None:
            received.append(filed)
    _record_health(ports, commune.commune_id, event=True)
    ports.mail.delete(job.key)
    return received


def _file(
    ports: Ports,
    commune: Commune,
    config: MetaConfig | None,
    item: meta_events.Item,
    raw_key: str,
) -> Received | None:
    if item.event is not None:
        event = item.event
        account = config.account(event.account_id) if config else None
        if account is None:
            reason = f"event for an account not connected: {event.account_id[:64]}"
            _set_aside(ports, commune, event.platform, event.sender_id, reason, raw_key)
            return None
        token = ports.sealer.unseal(account.sealed_token)
        return receive(ports, _inbound(ports, commune, event, token, raw_key))
    unreadable = item.unreadable
    if unreadable is None:
        return None
    account = config.account(unreadable.account_id) if config else None
    if account is None or not unreadable.text:
        reason = unreadable.reason
        if account is None and unreadable.account_id:
            reason += f" (account not connected: {unreadable.account_id[:64]})"
        _set_aside(ports, commune, unreadable.platform, unreadable.sender_id, reason, raw_key)
        return None
    # A text Concerto can read in an event it cannot: filed, so nothing the citizen wrote
    # waits unseen; with fields missing, it may not be answerable on the network.
    logger.warning("incomplete Meta event filed", extra={"reason": unreadable.reason})
    token = ports.sealer.unseal(account.sealed_token)
    return receive(ports, _incomplete(ports, commune, item, unreadable, token, raw_key))


def _set_aside(
    ports: Ports,
    commune: Commune,
    platform: meta_events.Platform,
    sender_id: str,
    reason: str,
    raw_key: str,
) -> None:
    label = PLATFORM_LABELS[platform.value]
    record_set_aside(ports, commune, sender_id, label, reason, raw_key)


def _inbound(
    ports: Ports, commune: Commune, event: meta_events.SocialEvent, token: str, raw_key: str
) -> InboundMessage:
    comment = event.kind is meta_events.EventKind.COMMENT
    reference = {
        "platform": event.platform.value,
        "account": event.account_id,
        "kind": event.kind.value,
    }
    if comment:
        reference["comment"] = event.reply_target
    label = PLATFORM_LABELS[event.platform.value]
    key = CONVERSATION_KEY + event.conversation_key
    external_id = f"{event.platform.value}:{event.event_id}"
    return InboundMessage(
        commune_id=commune.commune_id,
        channel=Channel.SOCIAL,
        external_id=external_id,
        text=event.text,
        received_at=event.at,
        sender=Sender(
            name=event.sender_name, social_id=event.sender_id, platform=event.platform.value
        ),
        subject=f"Commentaire {label}" if comment else f"Message {label}",
        thread_keys=(key,),
        links=(key,),
        channel_ref=json.dumps(reference),
        raw_key=raw_key,
        attachments=social_media.keep(
            ports, commune.commune_id, external_id, event.attachments, token
        ),
        citizen_subject=False,
    )


def _incomplete(
    ports: Ports,
    commune: Commune,
    item: meta_events.Item,
    unreadable: meta_events.Unreadable,
    token: str,
    raw_key: str,
) -> InboundMessage:
    platform = unreadable.platform.value
    external_id = f"{platform}:{item.identity}"
    # Its conversation only when the network named the sender of a private message.
    private = unreadable.kind is meta_events.EventKind.MESSAGE and unreadable.sender_id
    key = f"{CONVERSATION_KEY}{platform}:{unreadable.account_id}:{unreadable.sender_id}"
    reference = {"platform": platform, "account": unreadable.account_id, "kind": "message"}
    return InboundMessage(
        commune_id=commune.commune_id,
        channel=Channel.SOCIAL,
        external_id=external_id,
        text=unreadable.text,
        received_at=unreadable.at or ports.clock(),
        sender=Sender(social_id=unreadable.sender_id, platform=platform),
        subject=f"Message {PLATFORM_LABELS[platform]}",
        thread_keys=(key,) if private else (),
        links=(key,) if private else (),
        channel_ref=json.dumps(reference),
        raw_key=raw_key,
        attachments=social_media.keep(
            ports, commune.commune_id, external_id, unreadable.attachments, token
        ),
        citizen_subject=False,
    )


def conversation_keys(ports: Ports, commune_id: CommuneId, social_id: str) -> list[str]:
    """The channel keys that would file a citizen's next private message in their current
    conversation, on each account the commune connected (the key names their social id)."""
    config = load_config(ports, commune_id)
    return [
        f"{CONVERSATION_KEY}{account.platform}:{account.account_id}:{social_id}"
        for account in (config.accounts if config else ())
    ]


def _digest(identity: str) -> str:
    return hashlib.sha256(identity.encode("utf-8", "surrogatepass")).hexdigest()


# --- answers -------------------------------------------------------------------------


def deliver(ports: Ports, thread: Thread, message: Message, contact: Contact | None) -> str:
    """Sends a staff answer where the citizen wrote: a private message, or a public
    reply under their comment. Raises DeliveryError (retryable or not)."""
    reference = json.loads(thread.channel_ref or "{}")
    config = load_config(ports, thread.commune_id)
    account = config.account(reference.get("account", "")) if config else None
    if account is None:
        error = DeliveryError("the social account is no longer connected", code="not_connected")
        error.retryable = False
        raise error
    token = ports.sealer.unseal(account.sealed_token)
    now = ports.clock().isoformat()
    try:
        if reference.get("kind") == meta_events.EventKind.COMMENT.value:
            sent = ports.social.reply_to_comment(
                account.platform, reference["comment"], message.text, token
            )
        elif contact is not None and contact.social_id:
            sent = ports.social.send_message(
                account.platform, account.account_id, contact.social_id, message.text, token
            )
        else:
            gone = DeliveryError("the citizen's social id was erased", code="no_contact")
            gone.retryable = False
            raise gone
    except DeliveryError as error:
        _record_health(
            ports,
            thread.commune_id,
            account.account_id,
            token_expired=bool(getattr(error, "token_expired", False)),
            last_error=error.message[:300],
            last_error_at=now,
        )
        raise
    _record_health(
        ports, thread.commune_id, account.account_id, last_sent_at=now, token_expired=False
    )
    return sent


def last_event(health_: Health) -> datetime | None:
    return datetime.fromisoformat(health_.last_event_at) if health_.last_event_at else None
