"""The interfaces use cases depend on; adapters (DynamoDB, SQS, analyzers) implement them."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from chalicelib.domain.activity import Activity
from chalicelib.domain.alerts import Alert
from chalicelib.domain.commune import Commune
from chalicelib.domain.consultations import Consultation
from chalicelib.domain.contacts import Contact
from chalicelib.domain.corrections import Correction
from chalicelib.domain.exports import ExportJob
from chalicelib.domain.ids import CommuneId
from chalicelib.domain.staff import Role, StaffIdentity, StaffMember, StaffStanding
from chalicelib.domain.summaries import QuotedText, Summary
from chalicelib.domain.templates import Template
from chalicelib.domain.threads import (
    CounterIncrement,
    Delivery,
    Message,
    Page,
    TextAnalysis,
    Thread,
    ThreadFilter,
    ThreadStatus,
)
from chalicelib.domain.topics import TopicsState, Verbatim


class CommuneRepository(ABC):
    @abstractmethod
    def get(self, commune_id: CommuneId) -> Commune:
        """Raises NotFoundError."""

    @abstractmethod
    def get_by_slug(self, slug: str) -> Commune:
        """Raises NotFoundError."""

    @abstractmethod
    def save(self, commune: Commune) -> None: ...

    @abstractmethod
    def list_all(self) -> list[Commune]:
        """Every commune of this stack: for scheduled jobs, never on a request path."""


class ThreadRepository(ABC):
    @abstractmethod
    def create(
        self, thread: Thread, first_message: Message, activity: Sequence[Activity] = ()
    ) -> None:
        """Stores both, and the activity entries, in one transaction. Raises ConflictError
        if the thread exists."""

    @abstractmethod
    def get(self, commune_id: CommuneId, thread_id: str) -> Thread:
        """Raises NotFoundError, also for another commune's thread."""

    @abstractmethod
    def get_by_followup(self, commune_id: CommuneId, followup_hash: str) -> Thread:
        """Raises NotFoundError."""

    @abstractmethod
    def list_page(
        self, commune_id: CommuneId, filter: ThreadFilter, limit: int, cursor: str | None
    ) -> Page[Thread]:
        """Newest activity first. Raises BadRequestError for a cursor it did not issue."""

    @abstractmethod
    def update(
        self,
        thread: Thread,
        counters: Sequence[CounterIncrement] = (),
        corrected: bool = False,
        activity: Sequence[Activity] = (),
    ) -> Thread:
        """Saves the staff fields of `thread` (status, assignee, theme), adds `counters` and
        records `activity`, in one transaction, if the stored version is still
        `thread.version`; returns it with the next version. Raises ConflictError otherwise.
        With `corrected`, also saves its (staff-corrected) analysis, which must then be
        stored as done."""

    @abstractmethod
    def add_message(
        self,
        thread: Thread,
        message: Message,
        counters: Sequence[CounterIncrement] = (),
        activity: Sequence[Activity] = (),
    ) -> Thread:
        """Appends `message`, saves `thread`, adds `counters` and records `activity` in one
        transaction, with the same version check as update()."""

    @abstractmethod
    def count_by_status(self, commune_id: CommuneId, status: ThreadStatus) -> int:
        """How many threads have this status now (an index count, not a scan)."""

    @abstractmethod
    def count_overdue(self, commune_id: CommuneId, now: datetime) -> int:
        """How many threads await an answer past their deadline (an index count)."""

    @abstractmethod
    def overdue(
        self, commune_id: CommuneId, now: datetime, limit: int, after: datetime | None = None
    ) -> list[Thread]:
        """Threads awaiting an answer past their deadline (and, with `after`, due after
        that), the most overdue first."""

    @abstractmethod
    def of_contact(self, commune_id: CommuneId, contact_id: str, limit: int) -> list[Thread]:
        """The contact's threads, newest activity first (a citizen's history)."""

    @abstractmethod
    def created_between(
        self, commune_id: CommuneId, start: datetime, end: datetime, filter: ThreadFilter
    ) -> Iterator[Thread]:
        """Every thread created in [start, end) that matches `filter`, page by page (for
        exports, off the request path)."""

    @abstractmethod
    def messages(self, commune_id: CommuneId, thread_id: str) -> list[Message]:
        """Oldest first."""

    @abstractmethod
    def get_message(self, commune_id: CommuneId, thread_id: str, message_id: str) -> Message:
        """Raises NotFoundError."""

    @abstractmethod
    def record_analysis(
        self,
        message: Message,
        analysis: TextAnalysis,
        counters: Sequence[CounterIncrement],
        on_thread: bool,
        activity: Sequence[Activity] = (),
        theme: str | None = None,
    ) -> bool:
        """Stores the analysis on the message (and on its thread when `on_thread`, with
        `theme` as the thread's theme when given), adds the counters and records `activity`,
        all in one transaction. Returns False, changing nothing, when the message was
        already analysed: a redelivered message never counts twice."""

    @abstractmethod
    def record_analysis_failure(self, message: Message, error: str, on_thread: bool) -> None: ...

    @abstractmethod
    def replace_key_phrases(
        self,
        message: Message,
        key_phrases: Sequence[str],
        counters: Sequence[CounterIncrement],
        theme: str,
    ) -> bool:
        """Stores the analysed message's key phrases (and its thread's, for the opinion)
        and adds `counters`, in one transaction, if the thread still has `theme` (the
        counters' theme); False otherwise."""

    @abstractmethod
    def move_contact(
        self, commune_id: CommuneId, thread_id: str, from_contact: str, to_contact: str
    ) -> bool:
        """Gives the thread another contact (a citizen proved two contacts are one), if it
        still has `from_contact`; returns whether it did. Whatever the thread's version."""

    @abstractmethod
    def forget_contact(self, thread: Thread, messages: Sequence[Message]) -> None:
        """Erasure: stores the thread without its contact, follow-up seal, subject and with
        its preview, and the messages with their (anonymised) text and external id and no
        envelope — in one transaction, whatever the thread's version."""

    @abstractmethod
    def set_delivery(
        self,
        message: Message,
        delivery: Delivery,
        at: datetime,
        detail: str = "",
        expected: Sequence[Delivery] = (),
        stale_before: datetime | None = None,
    ) -> bool:
        """Sets the message's delivery state, if it is one of `expected` (or SENDING since
        before `stale_before`: a worker that died); with no condition given, always.
        False when the condition failed."""


QUOTES_PER_PHRASE = 3


class IndicatorRepository(ABC):
    @abstractmethod
    def counts(self, commune_id: CommuneId, days: Sequence[str]) -> dict[str, dict[str, int]]:
        """{day: {dimension: count}} for the given days (ISO dates)."""

    @abstractmethod
    def add_quote(self, commune_id: CommuneId, month: str, phrase: str, quote: str) -> None:
        """Keeps `quote` as one of the phrase's first QUOTES_PER_PHRASE quotes that month."""

    @abstractmethod
    def quotes(
        self, commune_id: CommuneId, months: Sequence[str], phrases: Sequence[str]
    ) -> dict[str, list[str]]:
        """Up to QUOTES_PER_PHRASE quotes per phrase over the months (YYYY-MM)."""

    @abstractmethod
    def drop_quotes(self, commune_id: CommuneId, month: str, phrases: Sequence[str]) -> None:
        """Forgets the month's quotes of these phrases."""

    @abstractmethod
    def record_vote(
        self, commune_id: CommuneId, vote_key: str, counters: Sequence[CounterIncrement]
    ) -> bool:
        """Adds `counters` unless `vote_key` was already recorded, in one transaction;
        False (and nothing added) for a repeated vote."""

    @abstractmethod
    def replace_totals(
        self, commune_id: CommuneId, totals: Mapping[str, Mapping[str, int]]
    ) -> None:
        """Writes aggregated {day: {dimension: count}} as they are, replacing those days'
        counters: for rebuilding indicators from the threads (a backfill or a migration),
        never while workers are counting the same days."""


class CorrectionRepository(ABC):
    @abstractmethod
    def save(self, correction: Correction) -> None:
        """Keeps the latest correction per thread."""

    @abstractmethod
    def list(self, commune_id: CommuneId, limit: int = 5000) -> list[Correction]: ...

    @abstractmethod
    def anonymise(self, commune_id: CommuneId, thread_id: str, text: str) -> None:
        """Replaces the text of the thread's correction, if it has one, by `text` (its
        anonymised version): an erasure keeps what staff taught the model, not the words."""


class ConsultationRepository(ABC):
    @abstractmethod
    def save(self, consultation: Consultation) -> None: ...

    @abstractmethod
    def get(self, commune_id: CommuneId, consultation_id: str) -> Consultation:
        """Raises NotFoundError, also for another commune's consultation."""

    @abstractmethod
    def list(self, commune_id: CommuneId) -> list[Consultation]:
        """Newest first."""


class TemplateRepository(ABC):
    @abstractmethod
    def save(self, template: Template) -> None: ...

    @abstractmethod
    def get(self, commune_id: CommuneId, template_id: str) -> Template:
        """Raises NotFoundError, also for another commune's template."""

    @abstractmethod
    def list(self, commune_id: CommuneId) -> list[Template]:
        """By title."""

    @abstractmethod
    def delete(self, commune_id: CommuneId, template_id: str) -> None:
        """Raises NotFoundError."""


class ActivityLog(ABC):
    """The audit log and event feed (entries of changes made elsewhere are written by the
    thread repository, in the transaction of the change)."""

    @abstractmethod
    def append(self, entries: Sequence[Activity]) -> None:
        """Records entries of changes that have no thread transaction (settings)."""

    @abstractmethod
    def after(
        self, commune_id: CommuneId, cursor: str | None, limit: int, before: str | None = None
    ) -> list[Activity]:
        """Entries newer than `cursor` (an activity id) and older than `before`, oldest
        first; without a cursor, the latest `limit` such entries, oldest first."""

    @abstractmethod
    def page(
        self, commune_id: CommuneId, limit: int, cursor: str | None, staff_only: bool
    ) -> Page[Activity]:
        """Newest first; `cursor` is the previous page's next_cursor (an activity id)."""


class ConnectionRepository(ABC):
    """The consoles connected by WebSocket, per commune."""

    @abstractmethod
    def add(
        self, commune_id: CommuneId, connection_id: str, email: str, token_expires_at: datetime
    ) -> None:
        """A console connected with a token valid until `token_expires_at`."""

    @abstractmethod
    def remove(self, connection_id: str) -> None: ...

    @abstractmethod
    def of_commune(self, commune_id: CommuneId, now: datetime) -> list[str]:
        """The commune's connections whose token is still valid: a console whose token
        expired (or whose member lost their access) gets nothing more."""

    @abstractmethod
    def of_member(self, commune_id: CommuneId, email: str) -> list[str]:
        """The connections a staff member of the commune opened (valid or not)."""


class EventPublisher(ABC):
    @abstractmethod
    def publish(self, entries: Sequence[Activity]) -> None:
        """Pushes the entries to the consoles open on their commune, at once. Best effort:
        never raises (a console that missed a push catches up from the feed)."""

    @abstractmethod
    def disconnect_member(self, commune_id: CommuneId, email: str) -> int:
        """Closes the consoles a staff member has open, at once (their account went), and
        forgets them; returns how many. Best effort: never raises (what it could not close
        gets pushes until its token expires, within the hour)."""


class ExportRepository(ABC):
    @abstractmethod
    def save(self, job: ExportJob) -> None:
        """Stores the job, unless the stored one was erased (ExportJob.erased): that is final."""

    @abstractmethod
    def get(self, commune_id: CommuneId, export_id: str) -> ExportJob:
        """Raises NotFoundError, also for another commune's export."""

    @abstractmethod
    def list(self, commune_id: CommuneId, limit: int) -> list[ExportJob]:
        """Newest first."""

    @abstractmethod
    def claim(self, job: ExportJob, at: datetime) -> ExportJob | None:
        """Marks the job running if it is still claimable (queued, or running in a dead
        worker); the running job, or None when another worker has it or it is finished."""


class ExportQueue(ABC):
    @abstractmethod
    def enqueue(self, commune_id: CommuneId, export_id: str) -> None: ...


class FileStore(ABC):
    """Where export files go, and the short-lived links that download them."""

    @abstractmethod
    def put(self, key: str, path: str, content_type: str) -> None: ...

    @abstractmethod
    def download_url(self, key: str, file_name: str, seconds: int) -> str: ...

    @abstractmethod
    def delete(self, key: str) -> None:
        """Removes the file (nothing happens for an unknown key)."""


class AlertRepository(ABC):
    @abstractmethod
    def add(self, alert: Alert) -> bool:
        """Stores `alert` unless its id is already known; False (nothing changed) then."""

    @abstractmethod
    def get(self, commune_id: CommuneId, alert_id: str) -> Alert:
        """Raises NotFoundError, also for another commune's alert."""

    @abstractmethod
    def list(self, commune_id: CommuneId, active_only: bool, limit: int) -> list[Alert]:
        """Newest first; `active_only` reads an index of the unacknowledged, unresolved ones."""

    @abstractmethod
    def acknowledge(self, commune_id: CommuneId, alert_id: str, by: str, at: datetime) -> Alert:
        """Marks the alert seen by `by` (kept as is if already acknowledged).
        Raises NotFoundError."""

    @abstractmethod
    def resolve(self, commune_id: CommuneId, alert_id: str, at: datetime) -> None: ...

    @abstractmethod
    def claim_notification(self, commune_id: CommuneId, alert_id: str, at: datetime) -> bool:
        """True for the one caller that first claims the alert's e-mail: an alert is
        mailed once, even when two jobs overlap."""

    @abstractmethod
    def release_notification(self, commune_id: CommuneId, alert_id: str) -> None:
        """Undoes a claim whose e-mail could not be sent, so the next run retries."""


class SubscriptionRepository(ABC):
    """Which staff members want which e-mails (topics: "alerts")."""

    @abstractmethod
    def set(self, commune_id: CommuneId, email: str, topic: str, subscribed: bool) -> None: ...

    @abstractmethod
    def subscribers(self, commune_id: CommuneId, topic: str) -> list[str]: ...


@dataclass(frozen=True)
class OutboundEmail:
    to: str
    subject: str
    text: str
    html: str
    # For digests: the one-click unsubscribe link (List-Unsubscribe, RFC 8058).
    unsubscribe_url: str = ""
    # An answer in a citizen's e-mail conversation: sent from (and answered to) the
    # thread's reply address, with the threading headers of RFC 5322.
    sender: str = ""
    message_id: str = ""
    in_reply_to: str = ""
    references: tuple[str, ...] = ()


class Mailer(ABC):
    @abstractmethod
    def send(self, email: OutboundEmail) -> str:
        """Sends it; returns the provider's message id. Raises DeliveryError."""


class ChannelStore(ABC):
    """A commune's channel state: the channel ids of the messages already filed (so one
    received twice files once), the channel ids that name a thread (e-mail Message-IDs,
    social conversations), input set aside for staff, and each channel's health."""

    @abstractmethod
    def claim(self, commune_id: CommuneId, key: str, value: str, expires_at: datetime) -> str:
        """Stores `value` under `key` unless the key is known; returns the stored value."""

    @abstractmethod
    def link(
        self, commune_id: CommuneId, key: str, value: str, expires_at: datetime | None
    ) -> None:
        """Stores `value` under `key`, replacing what was there (kept for good without
        `expires_at`)."""

    @abstractmethod
    def find(self, commune_id: CommuneId, keys: Sequence[str]) -> str | None:
        """The value of the first of `keys` that is known, in their order."""

    @abstractmethod
    def recent(self, commune_id: CommuneId, prefix: str, limit: int) -> list[tuple[str, str]]:
        """(key, value) of the keys starting with `prefix`, the greatest key first."""

    @abstractmethod
    def delete(self, commune_id: CommuneId, key: str) -> None:
        """Removes the key (nothing happens for an unknown one)."""


class SocialNetwork(ABC):
    """Answers on a social network (Meta's Graph API): platform is facebook, instagram or
    whatsapp. Raises DeliveryError (GraphError) when refused or unreachable."""

    @abstractmethod
    def send_message(
        self, platform: str, account_id: str, recipient_id: str, text: str, token: str
    ) -> str: ...

    @abstractmethod
    def reply_to_comment(self, platform: str, comment_id: str, text: str, token: str) -> str: ...

    @abstractmethod
    def check(self, account_id: str, token: str) -> None: ...

    @abstractmethod
    def download_media(
        self, url: str, media_id: str, token: str, max_bytes: int
    ) -> tuple[bytes, str]:
        """(content, content type) of a file a citizen sent: at `url` (the link Meta's CDN
        gave in the event; the token never goes there) or, on WhatsApp, behind `media_id`
        (Graph gives a short-lived link, fetched with the token). Raises DeliveryError:
        code "too_large" past `max_bytes`, any other when refused or unreachable."""


@dataclass(frozen=True)
class InboundJob:
    """Raw channel input stored at `key` (mail bucket), to file in the commune's inbox."""

    commune_id: CommuneId
    source: str
    key: str


class InboundQueue(ABC):
    @abstractmethod
    def enqueue(self, job: InboundJob) -> None: ...


class BlobStore(ABC):
    """Files kept for staff in one bucket (raw e-mails, attachments)."""

    @abstractmethod
    def put_bytes(self, key: str, data: bytes, content_type: str) -> None: ...

    @abstractmethod
    def get_bytes(self, key: str) -> bytes:
        """Raises NotFoundError for an unknown key."""

    @abstractmethod
    def download_url(self, key: str, file_name: str, seconds: int) -> str: ...

    @abstractmethod
    def delete(self, key: str) -> None:
        """Removes the file (nothing happens for an unknown key)."""


class ModelStore(ABC):
    """A commune's own sentiment model, as an opaque artifact with its version."""

    @abstractmethod
    def get(self, commune_id: CommuneId) -> tuple[str, bytes] | None:
        """(version, artifact) of the model in use for the commune, or None."""

    @abstractmethod
    def put(self, commune_id: CommuneId, version: str, blob: bytes) -> None:
        """Stores the artifact and makes it the one in use."""


class ContactRepository(ABC):
    @abstractmethod
    def save(self, contact: Contact) -> None: ...

    @abstractmethod
    def get(self, commune_id: CommuneId, contact_id: str) -> Contact | None: ...

    @abstractmethod
    def verified(self, commune_id: CommuneId, email_key: str) -> Contact | None:
        """The contact whose address (by `contacts.email_key`) was verified, if any."""

    @abstractmethod
    def with_email(self, commune_id: CommuneId, email_key: str, limit: int) -> list[Contact]:
        """Every contact of the commune with this address (by `contacts.email_key`),
        verified or not: the citizen proved it is theirs by opening the link sent there."""

    @abstractmethod
    def delete(self, commune_id: CommuneId, contact_id: str) -> None:
        """Erases the contact (nothing happens for an unknown one)."""

    @abstractmethod
    def expired(self, commune_id: CommuneId, now: datetime, limit: int) -> list[Contact]:
        """Contacts whose retention date has passed (DynamoDB's TTL deletes them only
        within days, and never their threads' traces: the retention sweep does)."""


class IdempotencyStore(ABC):
    @abstractmethod
    def remember(
        self, commune_id: CommuneId, key: str, fingerprint: str, response: dict[str, str]
    ) -> dict[str, str]:
        """Stores `response` under `key` unless the key is already known; returns the stored
        response. Raises ConflictError if the key was used with another request."""

    @abstractmethod
    def recall(self, commune_id: CommuneId, key: str, fingerprint: str) -> dict[str, str] | None:
        """The response stored under `key`, or None. Raises ConflictError as remember()."""


@dataclass(frozen=True)
class AnalysisJob:
    commune_id: CommuneId
    thread_id: str
    message_id: str


class AnalysisQueue(ABC):
    @abstractmethod
    def enqueue(self, job: AnalysisJob) -> None: ...


class Analyzer(ABC):
    @abstractmethod
    def analyze(self, texts: Sequence[str], commune: Commune) -> list[TextAnalysis]:
        """One result per text, in order. Raises AnalysisError when it cannot answer."""


class Summarizer(ABC):
    """Writes a few sentences on what a set of opinions says (a theme's, a topic's)."""

    @abstractmethod
    def summarize(self, opinions: Sequence[QuotedText], commune: Commune) -> Summary:
        """A summary citing only ids of `opinions` (masked texts: nothing else may reach the
        engine); an empty one (no quotes) when there is nothing to say. Raises
        AnalysisError when the engine cannot answer."""


class SummaryCache(ABC):
    """Summaries already written, per commune and key (period × theme), for a while."""

    @abstractmethod
    def get(self, commune_id: CommuneId, key: str, now: datetime) -> Mapping[str, object] | None:
        """The value put under `key` if it has not expired at `now`, else None."""

    @abstractmethod
    def put(
        self, commune_id: CommuneId, key: str, value: Mapping[str, object], expires_at: datetime
    ) -> None:
        """Keeps `value` (JSON-able) under `key` until `expires_at`, replacing any other."""


class TopicStore(ABC):
    """Per commune (a partition each: no Scan): one Verbatim per analysed citizen message,
    and the commune's topic model."""

    @abstractmethod
    def add(self, verbatim: Verbatim) -> None:
        """Keeps `verbatim`, replacing the one of the same message (a replayed job)."""

    @abstractmethod
    def between(self, commune_id: CommuneId, start: datetime, end: datetime) -> Iterator[Verbatim]:
        """The commune's verbatims created in [start, end), oldest first."""

    @abstractmethod
    def count(self, commune_id: CommuneId, start: datetime, end: datetime) -> int:
        """How many of the commune's verbatims were created in [start, end) (what the
        rebuild schedule reads: a count of the new ones costs reading only those)."""

    @abstractmethod
    def of_topic(
        self, commune_id: CommuneId, topic: str, start: datetime, end: datetime
    ) -> Iterator[Verbatim]:
        """The verbatims of one topic created in [start, end), newest first."""

    @abstractmethod
    def of_thread(self, commune_id: CommuneId, thread_id: str) -> list[Verbatim]:
        """The verbatims of one thread's messages."""

    @abstractmethod
    def assign(self, changes: Sequence[tuple[Verbatim, str | None]]) -> None:
        """Sets the topic of each verbatim (after a rebuild); one erased meanwhile is not
        written back."""

    @abstractmethod
    def forget_thread(self, commune_id: CommuneId, thread_id: str) -> int:
        """Deletes the verbatims of a thread (erasure, retention); how many there were."""

    @abstractmethod
    def state(self, commune_id: CommuneId) -> TopicsState | None:
        """The commune's stored topic model, None before the first build."""

    @abstractmethod
    def save_state(self, state: TopicsState) -> None: ...

    @abstractmethod
    def request_rebuild(self, commune_id: CommuneId, at: datetime) -> None:
        """Notes that an admin asked at `at` for a rebuild too large to run in the request:
        the schedule runs it."""

    @abstractmethod
    def rebuild_requested(self, commune_id: CommuneId) -> datetime | None:
        """When a rebuild was last asked for (`request_rebuild`), None if never."""


class Sealer(ABC):
    """Symmetric encryption of small secrets kept at rest (follow-up tokens)."""

    @abstractmethod
    def seal(self, secret: str) -> str: ...

    @abstractmethod
    def unseal(self, sealed: str) -> str:
        """Raises ValueError for anything it did not seal with its key."""


@dataclass(frozen=True)
class DeliveryJob:
    """A staff answer to deliver on the citizen's channel — or, with `verify`, the link
    that proves a new contact's address (`thread_id` is then the contact id)."""

    commune_id: CommuneId
    thread_id: str
    message_id: str
    verify: bool = False
    # The link to a citizen's data, asked by e-mail (`thread_id` is then a contact id with
    # that address, or "" when there is none: the job then sends nothing).
    rights: bool = False


class DeliveryQueue(ABC):
    @abstractmethod
    def enqueue(self, job: DeliveryJob) -> None: ...


class StaffDirectory(ABC):
    """The commune's staff accounts (Cognito): each carries its commune and one role."""

    @abstractmethod
    def members(self, commune_id: CommuneId) -> list[StaffMember]: ...

    @abstractmethod
    def invite(self, commune_id: CommuneId, email: str, role: Role) -> tuple[StaffMember, str]:
        """Creates the account; returns it with its temporary password (Cognito e-mails it
        to the member in AWS). Raises ConflictError for an address already in use."""

    @abstractmethod
    def set_role(self, commune_id: CommuneId, email: str, role: Role) -> StaffMember:
        """Raises NotFoundError for an account that is not the commune's."""

    @abstractmethod
    def remove(self, commune_id: CommuneId, email: str) -> None:
        """Deletes the account. Raises NotFoundError for one that is not the commune's."""

    @abstractmethod
    def standing(self, username: str) -> StaffStanding | None:
        """The account's state now (commune, role, enabled, MFA), or None once it is
        deleted: a token outlives the changes an admin makes, this does not."""


class TokenVerifier(ABC):
    @abstractmethod
    def verify(self, token: str) -> StaffIdentity:
        """Raises UnauthorizedError for anything but a valid staff ID token."""

    @abstractmethod
    def ready(self) -> bool: ...


@dataclass
class Ports:
    """Everything a use case may need, built once by bootstrap (real) or by tests (fakes)."""

    communes: CommuneRepository
    threads: ThreadRepository
    contacts: ContactRepository
    corrections: CorrectionRepository
    models: ModelStore
    consultations: ConsultationRepository
    activity: ActivityLog
    templates: TemplateRepository
    events: EventPublisher
    connections: ConnectionRepository
    alerts: AlertRepository
    exports: ExportRepository
    export_queue: ExportQueue
    files: FileStore
    subscriptions: SubscriptionRepository
    mailer: Mailer
    channels: ChannelStore
    mail: BlobStore
    attachments: BlobStore
    social: SocialNetwork
    inbound_queue: InboundQueue
    indicators: IndicatorRepository
    idempotency: IdempotencyStore
    analysis_queue: AnalysisQueue
    delivery_queue: DeliveryQueue
    sealer: Sealer
    analyzer: Analyzer
    tokens: TokenVerifier
    staff: StaffDirectory
    clock: Callable[[], datetime]
    rate_limiter: RateLimiter
    topics: TopicStore
    # Where the stack keeps its secrets (the CloudFront origin secret); None where none is
    # configured (unit tests, `make run` by default).
    secrets: SecretStore | None = None
    # Summaries for officials: None means the extractive engine, uncached (unit tests).
    summarizer: Summarizer | None = None
    summaries: SummaryCache | None = None


class RateLimiter(ABC):
    """Counters of public submissions per fixed window, shared by every API container."""

    @abstractmethod
    def hit(self, commune_id: CommuneId, counter: str, expires_at: int) -> int:
        """Adds one to the commune's `counter` (its name carries its window) and returns the
        new total, atomically; the counter may be forgotten after `expires_at` (epoch s)."""


class SecretStore(ABC):
    """Secrets the stack keeps outside the functions' environment (Secrets Manager)."""

    @abstractmethod
    def values(self, secret_id: str) -> tuple[str, ...]:
        """The secret's current value, then the previous one while a rotation is under way
        (both are valid until the new value reached every party). Raises NotFoundError for
        an unknown secret."""
