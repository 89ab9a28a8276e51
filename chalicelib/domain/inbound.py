"""What every channel (e-mail, contact forms, social networks) turns its raw input into,
so one use case files them all in the same inbox."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from chalicelib.domain.ids import CommuneId
from chalicelib.domain.threads import AttachmentRef, Channel


@dataclass(frozen=True)
class Sender:
    """Who wrote, as the channel knows them: personal data, kept in the contact only."""

    email: str = ""
    name: str = ""
    # A social network's id for the citizen (Messenger PSID, Instagram id, WhatsApp number).
    social_id: str = ""
    platform: str = ""
    # The channel proved the address is the sender's (an e-mail whose SPF, DKIM and DMARC
    # SES checked and passed); a claim otherwise, like any address typed in a form.
    proven: bool = False

    @property
    def known(self) -> bool:
        return bool(self.email or self.social_id)


@dataclass(frozen=True)
class InboundMessage:
    """A citizen's message from any channel.

    `external_id` is the channel's own id for it (Message-ID, Meta event id, form
    submission id): the same one received twice files one message. `thread_id` is the
    thread the channel names for sure (an e-mail's reply address); `thread_keys` are the
    channel's ids that may name one (the Message-IDs an e-mail answers, a social
    conversation), tried in order; `links` are the keys that will name this message's
    thread for the messages that follow."""

    commune_id: CommuneId
    channel: Channel
    external_id: str
    text: str
    received_at: datetime
    sender: Sender
    subject: str = ""
    thread_id: str | None = None
    thread_keys: tuple[str, ...] = ()
    links: tuple[str, ...] = ()
    theme: str | None = None
    quartier: str | None = None
    rating: int | None = None
    # The whole text as received (quoted history, signature) for staff, when it differs.
    full_text: str = ""
    raw_key: str = ""
    attachments: tuple[AttachmentRef, ...] = ()
    # How to answer on the channel beyond the contact (e.g. the social account and comment).
    channel_ref: str = ""
    # A private follow-up link for the citizen (a form on the commune's site shows it, and
    # the answers e-mailed to them carry it).
    followup: bool = False
    # False when the channel wrote the subject itself (« Message Facebook »): it then never
    # stands in for a missing text.
    citizen_subject: bool = True
