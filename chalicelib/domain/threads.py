"""Threads (a citizen's opinion and the conversation that follows) and their state rules."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Generic, TypeVar

from chalicelib.domain.errors import ValidationError
from chalicelib.domain.ids import CommuneId


class Channel(StrEnum):
    WEB = "web"
    EMAIL = "email"
    FORM = "form"
    SOCIAL = "social"


# How staff and citizens read a channel's name (dashboards, exports).
CHANNEL_LABELS = {
    Channel.WEB: "Site web",
    Channel.EMAIL: "E-mail",
    Channel.FORM: "Formulaire",
    Channel.SOCIAL: "Réseaux sociaux",
}


class ThreadStatus(StrEnum):
    NEW = "new"
    IN_PROGRESS = "in_progress"
    ANSWERED = "answered"
    CLOSED = "closed"


class Author(StrEnum):
    CITIZEN = "citizen"
    COMMUNE = "commune"
    # An internal note between staff: never shown to the citizen, never published.
    NOTE = "note"


class Visibility(StrEnum):
    PRIVATE = "private"
    PUBLIC = "public"


class Sentiment(StrEnum):
    POSITIVE = "POSITIVE"
    NEGATIVE = "NEGATIVE"
    NEUTRAL = "NEUTRAL"
    MIXED = "MIXED"


class Priority(StrEnum):
    NORMAL = "normal"
    # Set by staff, or by escalation: a negative opinion unanswered past the shorter delay.
    HIGH = "high"


class Delivery(StrEnum):
    """Where a staff answer stands on its way to the citizen's mailbox."""

    NONE = ""  # nothing to deliver: the citizen reads it on the follow-up page
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"


class Publication(StrEnum):
    """Whether the opinion is shown on the commune's public page, with its public answers."""

    NONE = "none"
    # Held for moderation: personal data or insults found, or not analysed yet.
    PENDING = "pending"
    PUBLISHED = "published"
    HIDDEN = "hidden"


@dataclass(frozen=True)
class PublicAnswer:
    text: str
    at: datetime


class AnalysisStatus(StrEnum):
    PENDING = "pending"
    DONE = "done"
    FAILED = "failed"
    # Nothing to analyse: the citizen sent only files (a photo, a voice note), and the text
    # the inbox shows in their place is not their words — never a verbatim, never counted.
    SKIPPED = "skipped"


@dataclass(frozen=True)
class PiiSpan:
    """Personal data found in a text: its kind (EMAIL, PHONE, ADDRESS, …) and where."""

    type: str
    start: int
    end: int


@dataclass(frozen=True)
class TextEmbedding:
    """A text's sentence embedding as the analyzer computed it, handed to topics within the
    same worker run so they need not embed the text again; never stored with the analysis.
    `vector` is float16 bytes by the embedder `embedder`; `text` is exactly what it embedded."""

    embedder: str
    vector: bytes
    text: str


@dataclass(frozen=True)
class TextAnalysis:
    """What an analyzer says about one text. `theme` is the suggested theme id (None when
    nothing fits); `masked_text` is the text with its personal data masked, for publication
    and exports; `corrected` is set once staff have corrected the sentiment."""

    language: str
    sentiment: Sentiment
    scores: dict[str, float]
    key_phrases: tuple[str, ...]
    engine: str
    model_version: str = ""
    theme: str | None = None
    pii: tuple[PiiSpan, ...] = ()
    masked_text: str = ""
    toxic: bool = False
    corrected: bool = False
    # In memory only (the stored analysis has no vector): see TextEmbedding.
    embedding: TextEmbedding | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class Analysis:
    """The analysis state recorded on a message (and on its thread for the first message)."""

    status: AnalysisStatus = AnalysisStatus.PENDING
    result: TextAnalysis | None = None
    error: str = ""


@dataclass(frozen=True)
class AttachmentRef:
    """A file that came with a citizen's message: stored apart (`key`), or refused with
    the reason (too large, type not allowed) and then not stored at all."""

    name: str
    content_type: str
    size: int
    key: str = ""
    refused: str = ""


@dataclass(frozen=True)
class Envelope:
    """What a channel says of a message beyond its text, kept for staff: the subject, the
    whole text as received when the inbox shows only the new part (quoted history and
    signature cut), the original as received, and its attachments."""

    subject: str = ""
    full_text: str = ""
    raw_key: str = ""
    attachments: tuple[AttachmentRef, ...] = ()


@dataclass(frozen=True)
class Message:
    commune_id: CommuneId
    thread_id: str
    message_id: str
    author: Author
    text: str
    channel: Channel
    created_at: datetime
    visibility: Visibility = Visibility.PRIVATE
    staff_email: str = ""
    analysis: Analysis = field(default_factory=Analysis)
    external_id: str = ""
    delivery: Delivery = Delivery.NONE
    delivery_at: datetime | None = None
    delivery_detail: str = ""
    envelope: Envelope | None = None


@dataclass(frozen=True)
class Thread:
    commune_id: CommuneId
    thread_id: str
    channel: Channel
    status: ThreadStatus
    theme: str
    created_at: datetime
    last_activity_at: datetime
    preview: str
    quartier: str | None = None
    rating: int | None = None
    assignee: str | None = None
    contact_id: str | None = None
    followup_hash: str = ""
    analysis: Analysis = field(default_factory=Analysis)
    version: int = 1
    first_answer_at: datetime | None = None
    # Set when the thread is an answer to a consultation.
    consultation_id: str | None = None
    # While the citizen awaits an answer: the commune's deadline for it (domain.sla).
    due_at: datetime | None = None
    # The department in charge (a commune's service id), set by routing rules or staff.
    service: str | None = None
    tags: tuple[str, ...] = ()
    publication: Publication = Publication.NONE
    public_answers: tuple[PublicAnswer, ...] = ()
    published_at: datetime | None = None
    priority: Priority = Priority.NORMAL
    # A duplicate merged into another thread: closed, its answers come from the other.
    merged_into: str | None = None
    merged_from: tuple[str, ...] = ()
    # The follow-up token, encrypted (Sealer), when the citizen left an address: the
    # answers e-mailed to them link to their page with it.
    sealed_followup: str = ""
    # The e-mail's subject: answers go out as "Re: <subject>".
    subject: str = ""
    # How to answer on the citizen's channel beyond their contact (channels decide).
    channel_ref: str = ""

    @property
    def needs_moderation(self) -> bool:
        """Whether the opinion may not go public without a staff decision."""
        result = self.analysis.result
        return result is None or not result.masked_text or result.toxic or bool(result.pii)

    def with_public_answer(self, answer: PublicAnswer) -> Thread:
        """A public answer publishes the opinion with it — after moderation when the
        opinion needs it. An opinion staff hid stays hidden."""
        answers = (*self.public_answers, answer)
        if self.publication in (Publication.HIDDEN, Publication.PUBLISHED):
            return replace(self, public_answers=answers)
        if self.needs_moderation:
            return replace(self, public_answers=answers, publication=Publication.PENDING)
        return self.published(answer.at, answers)

    def published(self, at: datetime, answers: tuple[PublicAnswer, ...] | None = None) -> Thread:
        return replace(
            self,
            publication=Publication.PUBLISHED,
            published_at=self.published_at or at,
            public_answers=self.public_answers if answers is None else answers,
        )

    def after_staff_reply(self, at: datetime) -> Thread:
        first = self.first_answer_at or at
        return replace(
            self,
            status=ThreadStatus.ANSWERED,
            last_activity_at=at,
            first_answer_at=first,
            due_at=None,
        )

    def after_citizen_message(self, at: datetime, due_at: datetime | None) -> Thread:
        """A citizen writing again reopens an answered or closed thread and awaits an answer
        by `due_at`; a citizen already waiting keeps the earlier deadline."""
        reopened = self.status in (ThreadStatus.ANSWERED, ThreadStatus.CLOSED)
        status = ThreadStatus.IN_PROGRESS if reopened else self.status
        due = self.due_at or due_at
        return replace(self, status=status, last_activity_at=at, due_at=due)

    def is_overdue(self, now: datetime) -> bool:
        return self.due_at is not None and now > self.due_at


@dataclass(frozen=True)
class ThreadChanges:
    """A staff edit of a thread; None means "leave as is", an empty assignee unassigns.
    A sentiment (or a theme) that differs from the analysis is a correction the model
    learns from."""

    status: ThreadStatus | None = None
    assignee: str | None = None
    theme: str | None = None
    sentiment: Sentiment | None = None
    # "" takes the thread away from its service; tags replace the thread's tags.
    service: str | None = None
    tags: tuple[str, ...] | None = None
    priority: Priority | None = None

    def is_empty(self) -> bool:
        fields = (self.status, self.assignee, self.theme, self.sentiment, self.service)
        return all(value is None for value in (*fields, self.tags, self.priority))

    def apply(self, thread: Thread, at: datetime) -> Thread:
        if self.is_empty():
            raise ValidationError("nothing to change", code="empty_change")
        status = self.status or thread.status
        # Answered or closed by hand: nobody awaits an answer any more.
        settled = status in (ThreadStatus.ANSWERED, ThreadStatus.CLOSED)
        return replace(
            thread,
            status=status,
            assignee=(self.assignee or None) if self.assignee is not None else thread.assignee,
            theme=self.theme or thread.theme,
            last_activity_at=at,
            due_at=None if settled else thread.due_at,
            service=(self.service or None) if self.service is not None else thread.service,
            tags=self.tags if self.tags is not None else thread.tags,
            priority=self.priority or thread.priority,
        )


@dataclass(frozen=True)
class ThreadFilter:
    status: ThreadStatus | None = None
    theme: str | None = None
    sentiment: Sentiment | None = None
    quartier: str | None = None
    channel: Channel | None = None
    assignee: str | None = None
    # Only threads whose answer was due before this instant, the most overdue first.
    overdue_at: datetime | None = None
    service: str | None = None
    tag: str | None = None
    # PUBLISHED: the public page's list; PENDING: the moderation queue (their own indexes).
    publication: Publication | None = None
    priority: Priority | None = None


def matches(thread: Thread, filter: ThreadFilter) -> bool:
    """Whether `thread` passes `filter`'s fields (its overdue instant is the caller's)."""
    result = thread.analysis.result
    checks = (
        (filter.status, thread.status),
        (filter.theme, thread.theme),
        (filter.quartier, thread.quartier),
        (filter.channel, thread.channel),
        (filter.assignee, thread.assignee),
        (filter.service, thread.service),
        (filter.publication, thread.publication),
        (filter.priority, thread.priority),
        (filter.sentiment, result.sentiment if result else None),
    )
    tagged = filter.tag is None or filter.tag in thread.tags
    return tagged and all(wanted is None or wanted == actual for wanted, actual in checks)


T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    next_cursor: str | None


@dataclass(frozen=True)
class CounterIncrement:
    """One pre-aggregated indicator to add to, for one commune and one day. `spread` (an id)
    picks the storage shard, so a busy day's writes spread over several partitions."""

    day: str
    dimension: str
    amount: int = 1
    spread: str = ""


MAX_TAGS = 10
_TAG = re.compile(r"^[\w][\w -]{0,29}$")


def tags_of(values: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """Staff's free labels, normalised (trimmed, lower case, deduplicated, in order).
    Raises ValidationError for an empty, over-long or odd one, or more than MAX_TAGS."""
    cleaned: list[str] = []
    for value in values:
        tag = " ".join(value.split()).lower()
        if not _TAG.match(tag):
            raise ValidationError(
                "a tag has 1–30 letters, digits, spaces, dashes or underscores",
                code="invalid_tag",
            )
        if tag not in cleaned:
            cleaned.append(tag)
    if len(cleaned) > MAX_TAGS:
        raise ValidationError(f"at most {MAX_TAGS} tags", code="invalid_tag")
    return tuple(cleaned)


def preview_of(text: str, limit: int = 200) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
