"""Staff routes about channels: an e-mail's original and attachments, what was set
aside, and how citizens reach the commune on each channel."""

from __future__ import annotations

from datetime import datetime

from chalice import Blueprint, Response  # type: ignore[attr-defined]

from chalicelib import bootstrap
from chalicelib import config as config_
from chalicelib.api import schemas
from chalicelib.api.http import (
    Operation,
    current_request,
    header,
    int_param,
    operation,
    parse_body,
    query_params,
    staff,
)
from chalicelib.channels.forms import SIGNATURE_HEADER
from chalicelib.domain.errors import NotFoundError, PayloadTooLargeError
from chalicelib.domain.ids import CommuneId
from chalicelib.domain.staff import Role
from chalicelib.ports import Ports
from chalicelib.services import abuse, channels, forms, social

# Meta batches events; its payloads stay far below this.
WEBHOOK_MAX_BYTES = 1024 * 1024

channels_api = Blueprint(__name__)


@operation(
    channels_api,
    Operation(
        "getMessageOriginal",
        "GET",
        "/console/threads/{thread_id}/messages/{message_id}/original",
        "An e-mail as the citizen sent it: whole text and raw message (agents, admins)",
        "console",
        schemas.OriginalView,
        staff=True,
        errors=(403, 404),
    ),
)
def get_original(thread_id: str, message_id: str) -> schemas.OriginalView:
    found = channels.original(bootstrap.ports(), staff(), thread_id, message_id)
    return schemas.OriginalView(
        subject=found.subject or None, full_text=found.full_text or None, raw_url=found.raw_url
    )


@operation(
    channels_api,
    Operation(
        "getAttachment",
        "GET",
        "/console/threads/{thread_id}/messages/{message_id}/attachments/{index}",
        "A short-lived download link to a file the citizen sent (agents, admins)",
        "console",
        schemas.AttachmentLinkView,
        staff=True,
        errors=(403, 404),
    ),
)
def get_attachment(thread_id: str, message_id: str, index: str) -> schemas.AttachmentLinkView:
    if not index.isdigit() or len(index) > 3:
        raise NotFoundError("no such attachment kept", code="attachment_not_found")
    attachment, url = channels.attachment_link(
        bootstrap.ports(), staff(), thread_id, message_id, int(index)
    )
    return schemas.AttachmentLinkView(
        name=attachment.name, content_type=attachment.content_type, size=attachment.size, url=url
    )


@operation(
    channels_api,
    Operation(
        "listSetAside",
        "GET",
        "/console/channels/set-aside",
        "What reached the commune but was not filed (auto-replies, bounces, unreadable "
        "e-mails), newest first, with the reason",
        "channels",
        schemas.SetAsideList,
        staff=True,
        query={"limit": "1–200, default 50"},
        errors=(403, 422),
    ),
)
def list_set_aside() -> schemas.SetAsideList:
    params = query_params(("limit",))
    found = channels.set_aside(bootstrap.ports(), staff(), int_param(params, "limit", 50))
    return schemas.SetAsideList(
        items=[
            schemas.SetAsideView(at=e.at, sender=e.sender, subject=e.subject, reason=e.reason)
            for e in found
        ]
    )


@operation(
    channels_api,
    Operation(
        "getChannels",
        "GET",
        "/console/channels",
        "How citizens reach the commune on each channel",
        "channels",
        schemas.ChannelsView,
        staff=True,
    ),
)
def get_channels() -> schemas.ChannelsView:
    ports, identity = bootstrap.ports(), staff()
    commune = ports.communes.get(identity.commune_id)
    keys = None
    if identity.role is Role.ADMIN:
        keys = [key_view(k, ports.clock()) for k in forms.list_keys(ports, identity)]
    social_view = None
    if identity.role.rank >= Role.AGENT.rank:
        social_view = social_channel_view(ports, commune.commune_id, commune.slug)
    return schemas.ChannelsView(
        email_address=channels.email_address(ports, identity),
        social=social_view,
        forms=schemas.FormsChannelView(
            webhook_url=f"{config_.api_url()}/channels/forms/{commune.slug}",
            embed_snippet=channels.embed_snippet(commune),
            keys=keys,
        ),
    )


def key_view(key: forms.FormKey, now: datetime) -> schemas.FormKeyView:
    return schemas.FormKeyView(
        id=key.key_id,
        created_at=key.created_at,
        created_by=key.created_by,
        retires_at=key.retires_at,
        active=key.active(now),
    )


@operation(
    channels_api,
    Operation(
        "createFormKey",
        "POST",
        "/console/channels/form-keys",
        "A new key to sign form submissions (admins); the current ones retire in 24 h",
        "channels",
        schemas.FormKeyCreated,
        status=201,
        staff=True,
        errors=(403, 409),
    ),
)
def create_form_key() -> schemas.FormKeyCreated:
    ports = bootstrap.ports()
    key, secret = forms.create_key(ports, staff())
    return schemas.FormKeyCreated(**key_view(key, ports.clock()).model_dump(), secret=secret)


@operation(
    channels_api,
    Operation(
        "revokeFormKey",
        "DELETE",
        "/console/channels/form-keys/{key_id}",
        "Stop a form key signing anything, now (admins)",
        "channels",
        schemas.FormKeyView,
        staff=True,
        errors=(403, 404),
    ),
)
def revoke_form_key(key_id: str) -> schemas.FormKeyView:
    ports = bootstrap.ports()
    return key_view(forms.revoke_key(ports, staff(), key_id), ports.clock())


@operation(
    channels_api,
    Operation(
        "submitForm",
        "POST",
        "/channels/forms/{slug}",
        "A contact form of the commune's website, server to server, signed with a form key",
        "channels",
        schemas.FormAccepted,
        status=202,
        body=schemas.FormSubmissionBody,
        headers={
            "X-Concerto-Signature": "t=<unix seconds>,v1=<hex HMAC-SHA256 of t.body>; 5 minutes"
        },
        errors=(401, 404, 409, 413, 422, 429),
    ),
)
def submit_form(slug: str) -> schemas.FormAccepted:
    raw: bytes = current_request().raw_body or b""
    if len(raw) > config_.max_body_bytes():
        raise PayloadTooLargeError("the body is too large", code="payload_too_large")
    ports = bootstrap.ports()
    # The signature is checked before a byte of the body is parsed.
    commune = forms.authenticate(ports, slug, header(SIGNATURE_HEADER), raw)
    # The commune's own server relays every citizen: its limit only, once the request is
    # known to be the commune's (unsigned requests count for nothing).
    abuse.admit(ports, commune.commune_id, abuse.Submitter())
    body = parse_body(schemas.FormSubmissionBody)
    submission = forms.FormSubmission(
        text=body.text,
        submission_id=body.id or "",
        email=body.email,
        consent=body.consent,
        name=body.name,
        theme=body.theme,
        quartier=body.quartier,
        rating=body.rating,
        subject=body.subject or "",
    )
    received = forms.submit(ports, commune, submission, raw)
    return schemas.FormAccepted(
        id=received.thread_id,
        follow_up_token=received.followup_token or None,
        status="duplicate" if received.duplicate else "received",
    )


def social_channel_view(
    ports: Ports, commune_id: CommuneId, slug: str
) -> schemas.SocialChannelView:
    config = social.load_config(ports, commune_id)
    health = social.health(ports, commune_id)
    accounts = []
    for account in config.accounts if config else ():
        state = health.accounts.get(account.account_id, social.AccountHealth())
        accounts.append(
            schemas.MetaAccountView(
                platform=account.platform,
                account_id=account.account_id,
                name=account.name,
                token_expired=state.token_expired,
                last_error=state.last_error or None,
                last_error_at=state.last_error_at or None,
                last_sent_at=state.last_sent_at or None,
            )
        )
    return schemas.SocialChannelView(
        configured=config is not None,
        webhook_url=f"{config_.api_url()}/channels/meta/{slug}",
        last_event_at=health.last_event_at or None,
        accounts=accounts,
    )


@operation(
    channels_api,
    Operation(
        "configureSocial",
        "PUT",
        "/console/channels/social",
        "Connect the commune's Facebook Pages, Instagram accounts and WhatsApp numbers (admins)",
        "channels",
        schemas.SocialChannelView,
        body=schemas.MetaSettingsBody,
        staff=True,
        errors=(403, 422),
    ),
)
def configure_social() -> schemas.SocialChannelView:
    ports, identity = bootstrap.ports(), staff()
    body = parse_body(schemas.MetaSettingsBody)
    social.configure(
        ports,
        identity,
        body.app_secret,
        body.verify_token,
        [(a.platform, a.account_id, a.name, a.access_token) for a in body.accounts],
    )
    commune = ports.communes.get(identity.commune_id)
    return social_channel_view(ports, commune.commune_id, commune.slug)


@operation(
    channels_api,
    Operation(
        "checkSocial",
        "POST",
        "/console/channels/social/check",
        "Ask the Graph API whether each connected account's token still works (admins)",
        "channels",
        schemas.SocialChannelView,
        staff=True,
        errors=(403,),
    ),
)
def check_social() -> schemas.SocialChannelView:
    ports, identity = bootstrap.ports(), staff()
    social.check_accounts(ports, identity)
    commune = ports.communes.get(identity.commune_id)
    return social_channel_view(ports, commune.commune_id, commune.slug)


@operation(
    channels_api,
    Operation(
        "verifyMetaWebhook",
        "GET",
        "/channels/meta/{slug}",
        "Meta's webhook verification: hub.challenge back for the commune's verify token",
        "channels",
        None,
        query={"hub.mode": "subscribe", "hub.verify_token": "", "hub.challenge": ""},
        errors=(403, 404),
    ),
)
def verify_meta_webhook(slug: str) -> Response:
    params = query_params()
    challenge = social.handshake(
        bootstrap.ports(),
        slug,
        params.get("hub.mode"),
        params.get("hub.verify_token"),
        params.get("hub.challenge"),
    )
    return Response(body=challenge, status_code=200, headers={"Content-Type": "text/plain"})


@operation(
    channels_api,
    Operation(
        "receiveMetaWebhook",
        "POST",
        "/channels/meta/{slug}",
        "Meta's webhook events (Messenger, Instagram, WhatsApp, Page comments), signed with "
        "X-Hub-Signature-256; acknowledged at once, filed by the inbound worker",
        "channels",
        schemas.WebhookAccepted,
        headers={"X-Hub-Signature-256": "sha256=<hex HMAC-SHA256 of the raw body, app secret>"},
        errors=(400, 401, 404, 413),
    ),
)
def receive_meta_webhook(slug: str) -> schemas.WebhookAccepted:
    raw: bytes = current_request().raw_body or b""
    if len(raw) > WEBHOOK_MAX_BYTES:
        raise PayloadTooLargeError("the body is too large", code="payload_too_large")
    queued = social.accept_webhook(bootstrap.ports(), slug, header("x-hub-signature-256"), raw)
    return schemas.WebhookAccepted(queued=queued)
