"""In-memory adapters for unit tests and benchmarks, held to the same contract tests as the
DynamoDB and SQS adapters so they cannot drift."""

from __future__ import annotations

import base64
import copy
import json
import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Generic, TypeVar

from chalicelib.domain import indicators
from chalicelib.domain.activity import Activity
from chalicelib.domain.alerts import Alert
from chalicelib.domain.commune import UNSORTED, Commune
from chalicelib.domain.consultations import Consultation
from chalicelib.domain.contacts import Contact
from chalicelib.domain.corrections import Correction
from chalicelib.domain.errors import BadRequestError, ConflictError, DeliveryError, NotFoundError
from chalicelib.domain.exports import ExportJob, ExportStatus
from chalicelib.domain.ids import CommuneId
from chalicelib.domain.staff import Role, StaffMember, StaffStanding
from chalicelib.domain.templates import Template
from chalicelib.domain.threads import (
    Analysis,
    AnalysisStatus,
    CounterIncrement,
    Delivery,
    Message,
    Page,
    Publication,
    TextAnalysis,
    Thread,
    ThreadFilter,
    ThreadStatus,
    matches,
)
from chalicelib.ports import (
    QUOTES_PER_PHRASE,
    ActivityLog,
    AlertRepository,
    AnalysisJob,
    AnalysisQueue,
    BlobStore,
    ChannelStore,
    CommuneRepository,
    ConnectionRepository,
    ConsultationRepository,
    ContactRepository,
    CorrectionRepository,
    DeliveryJob,
    DeliveryQueue,
    EventPublisher,
    ExportQueue,
    ExportRepository,
    FileStore,
    IdempotencyStore,
    InboundJob,
    InboundQueue,
    IndicatorRepository,
    Mailer,
    ModelStore,
    OutboundEmail,
    RateLimiter,
    SecretStore,
    SocialNetwork,
    StaffDirectory,
    SubscriptionRepository,
    SummaryCache,
    TemplateRepository,
    ThreadRepository,
)

T = TypeVar("T")


class _TenantItems(Generic[T]):
    """Items of each commune by id: the store behind the simple fakes below."""

    def __init__(self, what: str) -> None:
        self._items: dict[tuple[CommuneId, str], T] = {}
        self._what = what

    def put(self, commune_id: CommuneId, item_id: str, item: T) -> None:
        self._items[(commune_id, item_id)] = item

    def get(self, commune_id: CommuneId, item_id: str) -> T:
        """Raises NotFoundError, also for another commune's item."""
        try:
            return self._items[(commune_id, item_id)]
        except KeyError as error:
            raise NotFoundError(f"unknown {self._what}", code=f"{self._what}_not_found") from error

    def has(self, commune_id: CommuneId, item_id: str) -> bool:
        return (commune_id, item_id) in self._items

    def delete(self, commune_id: CommuneId, item_id: str) -> None:
        self.get(commune_id, item_id)
        del self._items[(commune_id, item_id)]

    def of(self, commune_id: CommuneId) -> list[T]:
        return [item for (commune, _), item in self._items.items() if commune == commune_id]

    def keyed(self, commune_id: CommuneId) -> list[tuple[str, T]]:
        return [
            (key, item) for (commune, key), item in self._items.items() if commune == commune_id
        ]


class InMemoryCommuneRepository(CommuneRepository):
    def __init__(self) -> None:
        self._communes: dict[CommuneId, Commune] = {}

    def get(self, commune_id: CommuneId) -> Commune:
        try:
            return self._communes[commune_id]
        except KeyError as error:
            raise NotFoundError("unknown commune", code="commune_not_found") from error

    def get_by_slug(self, slug: str) -> Commune:
        for commune in self._communes.values():
            if commune.slug == slug:
                return commune
        raise NotFoundError("unknown commune", code="commune_not_found")

    def save(self, commune: Commune) -> None:
        self._communes[commune.commune_id] = commune

    def list_all(self) -> list[Commune]:
        return list(self._communes.values())


class InMemoryIndicators(IndicatorRepository):
    def __init__(self) -> None:
        self.counters: dict[tuple[CommuneId, str], dict[str, int]] = {}
        self.votes: set[tuple[CommuneId, str]] = set()
        self.quoted: dict[tuple[CommuneId, str, str], list[str]] = {}

    def add(self, commune_id: CommuneId, increments: Sequence[CounterIncrement]) -> None:
        for increment in increments:
            day = self.counters.setdefault((commune_id, increment.day), {})
            day[increment.dimension] = day.get(increment.dimension, 0) + increment.amount

    def counts(self, commune_id: CommuneId, days: Sequence[str]) -> dict[str, dict[str, int]]:
        return {day: dict(self.counters.get((commune_id, day), {})) for day in days}

    def add_quote(self, commune_id: CommuneId, month: str, phrase: str, quote: str) -> None:
        kept = self.quoted.setdefault((commune_id, month, phrase), [])
        if len(kept) < QUOTES_PER_PHRASE:
            kept.append(quote)

    def quotes(
        self, commune_id: CommuneId, months: Sequence[str], phrases: Sequence[str]
    ) -> dict[str, list[str]]:
        found: dict[str, list[str]] = {}
        for phrase in phrases:
            merged = [
                q for month in months for q in self.quoted.get((commune_id, month, phrase), [])
            ]
            if merged:
                found[phrase] = merged[:QUOTES_PER_PHRASE]
        return found

    def drop_quotes(self, commune_id: CommuneId, month: str, phrases: Sequence[str]) -> None:
        for phrase in phrases:
            self.quoted.pop((commune_id, month, phrase), None)

    def record_vote(
        self, commune_id: CommuneId, vote_key: str, counters: Sequence[CounterIncrement]
    ) -> bool:
        if (commune_id, vote_key) in self.votes:
            return False
        self.votes.add((commune_id, vote_key))
        self.add(commune_id, counters)
        return True

    def replace_totals(
        self, commune_id: CommuneId, totals: Mapping[str, Mapping[str, int]]
    ) -> None:
        for day, dimensions in totals.items():
            self.counters[(commune_id, day)] = dict(dimensions)


class InMemoryActivityLog(ActivityLog):
    def __init__(self) -> None:
        self.entries: list[Activity] = []
        self._lock = threading.Lock()

    def append(self, entries: Sequence[Activity]) -> None:
        with self._lock:
            self.entries.extend(entries)

    def after(
        self, commune_id: CommuneId, cursor: str | None, limit: int, before: str | None = None
    ) -> list[Activity]:
        own = sorted(
            (
                e
                for e in self.entries
                if e.commune_id == commune_id and (before is None or e.activity_id < before)
            ),
            key=lambda e: e.activity_id,
        )
        if cursor is None:
            return own[-limit:]
        return [e for e in own if e.activity_id > cursor][:limit]

    def page(
        self, commune_id: CommuneId, limit: int, cursor: str | None, staff_only: bool
    ) -> Page[Activity]:
        own = sorted(
            (
                e
                for e in self.entries
                if e.commune_id == commune_id and (e.by_staff or not staff_only)
            ),
            key=lambda e: e.activity_id,
            reverse=True,
        )
        if cursor is not None:
            own = [e for e in own if e.activity_id < cursor]
        items = own[:limit]
        return Page(items, items[-1].activity_id if len(own) > limit else None)


class InMemoryThreadRepository(ThreadRepository):
    def __init__(
        self,
        indicators: InMemoryIndicators | None = None,
        activity: InMemoryActivityLog | None = None,
    ) -> None:
        self.indicators = indicators or InMemoryIndicators()
        self.activity = activity or InMemoryActivityLog()
        self._threads: dict[tuple[CommuneId, str], Thread] = {}
        self._messages: dict[tuple[CommuneId, str], dict[str, Message]] = {}
        self._lock = threading.Lock()

    def create(
        self, thread: Thread, first_message: Message, activity: Sequence[Activity] = ()
    ) -> None:
        with self._lock:
            key = (thread.commune_id, thread.thread_id)
            if key in self._threads:
                raise ConflictError("thread exists", code="thread_exists")
            self.activity.append(activity)
            self._threads[key] = thread
            self._messages[key] = {first_message.message_id: first_message}

    def get(self, commune_id: CommuneId, thread_id: str) -> Thread:
        try:
            return self._threads[(commune_id, thread_id)]
        except KeyError as error:
            raise NotFoundError("unknown thread", code="thread_not_found") from error

    def get_by_followup(self, commune_id: CommuneId, followup_hash: str) -> Thread:
        for (commune, _), thread in self._threads.items():
            if commune == commune_id and thread.followup_hash == followup_hash:
                return thread
        raise NotFoundError("unknown follow-up link", code="followup_not_found")

    def list_page(
        self, commune_id: CommuneId, filter: ThreadFilter, limit: int, cursor: str | None
    ) -> Page[Thread]:
        own = [t for (c, _), t in self._threads.items() if c == commune_id]
        found = [t for t in own if matches(t, filter)]
        if filter.overdue_at is not None:
            late = self.overdue(commune_id, filter.overdue_at, len(own))
            matching = [t for t in late if t in found]
        elif filter.publication is Publication.PUBLISHED:
            matching = sorted(found, key=lambda t: t.published_at or t.created_at, reverse=True)
        else:
            matching = sorted(found, key=lambda t: (t.last_activity_at, t.thread_id), reverse=True)
        start = _decode_offset(cursor)
        items = matching[start : start + limit]
        more = start + limit < len(matching)
        return Page(items, _encode_offset(start + limit) if more else None)

    def update(
        self,
        thread: Thread,
        counters: Sequence[CounterIncrement] = (),
        corrected: bool = False,
        activity: Sequence[Activity] = (),
    ) -> Thread:
        with self._lock:
            stored = self.get(thread.commune_id, thread.thread_id)
            self._check_version(stored, thread)
            if corrected and stored.analysis.status is not AnalysisStatus.DONE:
                raise ConflictError("the analysis is not finished", code="analysis_pending")
            saved = replace(
                stored,
                status=thread.status,
                assignee=thread.assignee,
                theme=thread.theme,
                last_activity_at=thread.last_activity_at,
                first_answer_at=thread.first_answer_at,
                due_at=thread.due_at,
                service=thread.service,
                tags=thread.tags,
                publication=thread.publication,
                priority=thread.priority,
                merged_into=thread.merged_into,
                merged_from=thread.merged_from,
                public_answers=thread.public_answers,
                published_at=thread.published_at,
                analysis=thread.analysis if corrected else stored.analysis,
                version=stored.version + 1,
            )
            self._threads[(thread.commune_id, thread.thread_id)] = saved
            self.indicators.add(thread.commune_id, counters)
            self.activity.append(activity)
            return saved

    def add_message(
        self,
        thread: Thread,
        message: Message,
        counters: Sequence[CounterIncrement] = (),
        activity: Sequence[Activity] = (),
    ) -> Thread:
        with self._lock:
            stored = self.get(thread.commune_id, thread.thread_id)
            self._check_version(stored, thread)
            saved = replace(
                stored,
                status=thread.status,
                assignee=thread.assignee,
                theme=thread.theme,
                last_activity_at=thread.last_activity_at,
                first_answer_at=thread.first_answer_at,
                due_at=thread.due_at,
                service=thread.service,
                tags=thread.tags,
                publication=thread.publication,
                priority=thread.priority,
                merged_into=thread.merged_into,
                merged_from=thread.merged_from,
                public_answers=thread.public_answers,
                published_at=thread.published_at,
                version=stored.version + 1,
            )
            self.indicators.add(thread.commune_id, counters)
            self.activity.append(activity)
            self._threads[(thread.commune_id, thread.thread_id)] = saved
            self._messages[(thread.commune_id, thread.thread_id)][message.message_id] = message
            return saved

    def count_by_status(self, commune_id: CommuneId, status: ThreadStatus) -> int:
        return sum(
            1 for (c, _), t in self._threads.items() if c == commune_id and t.status is status
        )

    def count_overdue(self, commune_id: CommuneId, now: datetime) -> int:
        return len(self.overdue(commune_id, now, limit=len(self._threads)))

    def overdue(
        self, commune_id: CommuneId, now: datetime, limit: int, after: datetime | None = None
    ) -> list[Thread]:
        late = [
            t
            for (c, _), t in self._threads.items()
            if c == commune_id
            and t.is_overdue(now)
            and (after is None or (t.due_at or now) > after)
        ]
        return sorted(late, key=lambda t: t.due_at or now)[:limit]

    def of_contact(self, commune_id: CommuneId, contact_id: str, limit: int) -> list[Thread]:
        own = [
            t
            for (c, _), t in self._threads.items()
            if c == commune_id and t.contact_id == contact_id
        ]
        return sorted(own, key=lambda t: t.last_activity_at, reverse=True)[:limit]

    def created_between(
        self, commune_id: CommuneId, start: datetime, end: datetime, filter: ThreadFilter
    ) -> Iterator[Thread]:
        found = [
            t
            for (c, _), t in self._threads.items()
            if c == commune_id and start <= t.created_at < end and matches(t, filter)
        ]
        return iter(sorted(found, key=lambda t: t.created_at))

    def messages(self, commune_id: CommuneId, thread_id: str) -> list[Message]:
        stored = self._messages.get((commune_id, thread_id), {})
        return [stored[key] for key in sorted(stored)]

    def get_message(self, commune_id: CommuneId, thread_id: str, message_id: str) -> Message:
        try:
            return self._messages[(commune_id, thread_id)][message_id]
        except KeyError as error:
            raise NotFoundError("unknown message", code="message_not_found") from error

    def record_analysis(
        self,
        message: Message,
        analysis: TextAnalysis,
        counters: Sequence[CounterIncrement],
        on_thread: bool,
        activity: Sequence[Activity] = (),
        theme: str | None = None,
    ) -> bool:
        with self._lock:
            stored = self.get_message(message.commune_id, message.thread_id, message.message_id)
            if stored.analysis.status is AnalysisStatus.DONE:
                return False
            key = (message.commune_id, message.thread_id)
            # As DynamoDB's condition: the counters were computed for the theme the thread
            # had when the worker read it.
            counted = UNSORTED if theme else indicators.theme_of(counters)
            if counted is not None and self._threads[key].theme != counted:
                raise ConflictError("the thread changed meanwhile", code="version_conflict")
            self._set_analysis(stored, Analysis(AnalysisStatus.DONE, analysis), on_thread)
            if on_thread and theme:
                self._threads[key] = replace(self._threads[key], theme=theme)
            self.indicators.add(message.commune_id, counters)
            self.activity.append(activity)
            return True

    def set_delivery(
        self,
        message: Message,
        delivery: Delivery,
        at: datetime,
        detail: str = "",
        expected: Sequence[Delivery] = (),
        stale_before: datetime | None = None,
    ) -> bool:
        with self._lock:
            stored = self.get_message(message.commune_id, message.thread_id, message.message_id)
            stale = (
                stale_before is not None
                and stored.delivery is Delivery.SENDING
                and stored.delivery_at is not None
                and stored.delivery_at < stale_before
            )
            conditioned = bool(expected) or stale_before is not None
            if conditioned and stored.delivery not in expected and not stale:
                return False
            key = (message.commune_id, message.thread_id)
            self._messages[key][message.message_id] = replace(
                stored, delivery=delivery, delivery_at=at, delivery_detail=detail[:500]
            )
            return True

    def replace_key_phrases(
        self,
        message: Message,
        key_phrases: Sequence[str],
        counters: Sequence[CounterIncrement],
        theme: str,
    ) -> bool:
        with self._lock:
            key = (message.commune_id, message.thread_id)
            stored = self.get_message(message.commune_id, message.thread_id, message.message_id)
            thread = self._threads[key]
            if stored.analysis.result is None or thread.theme != theme:
                return False
            phrases = tuple(key_phrases)
            self._messages[key][message.message_id] = replace(
                stored, analysis=_with_phrases(stored.analysis, phrases)
            )
            if message.message_id == message.thread_id and thread.analysis.result is not None:
                self._threads[key] = replace(
                    thread, analysis=_with_phrases(thread.analysis, phrases)
                )
            self.indicators.add(message.commune_id, counters)
            return True

    def move_contact(
        self, commune_id: CommuneId, thread_id: str, from_contact: str, to_contact: str
    ) -> bool:
        with self._lock:
            stored = self._threads.get((commune_id, thread_id))
            if stored is None or stored.contact_id != from_contact:
                return False
            moved = replace(stored, contact_id=to_contact, version=stored.version + 1)
            self._threads[(commune_id, thread_id)] = moved
            return True

    def forget_contact(self, thread: Thread, messages: Sequence[Message]) -> None:
        with self._lock:
            key = (thread.commune_id, thread.thread_id)
            stored = self._threads[key]
            self._threads[key] = replace(
                stored,
                contact_id=None,
                sealed_followup="",
                subject="",
                preview=thread.preview,
                version=stored.version + 1,
            )
            for message in messages:
                self._messages[key][message.message_id] = replace(
                    self._messages[key][message.message_id],
                    text=message.text,
                    envelope=None,
                    external_id=message.external_id,
                )

    def record_analysis_failure(self, message: Message, error: str, on_thread: bool) -> None:
        with self._lock:
            stored = self.get_message(message.commune_id, message.thread_id, message.message_id)
            if stored.analysis.status is not AnalysisStatus.DONE:
                failed = Analysis(AnalysisStatus.FAILED, None, error)
                self._set_analysis(stored, failed, on_thread)

    def _set_analysis(self, message: Message, analysis: Analysis, on_thread: bool) -> None:
        key = (message.commune_id, message.thread_id)
        self._messages[key][message.message_id] = replace(message, analysis=analysis)
        if on_thread:
            self._threads[key] = replace(self._threads[key], analysis=analysis)

    @staticmethod
    def _check_version(stored: Thread, thread: Thread) -> None:
        # As DynamoDB's condition: the version, and the analysis state the writer read (an
        # analysis does not bump the version but may set the theme).
        if (stored.version, stored.analysis.status) != (thread.version, thread.analysis.status):
            raise ConflictError("the thread changed meanwhile", code="version_conflict")


def _with_phrases(analysis: Analysis, phrases: tuple[str, ...]) -> Analysis:
    assert analysis.result is not None
    return replace(analysis, result=replace(analysis.result, key_phrases=phrases))


def _encode_offset(offset: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"offset": offset}).encode()).decode()


def _decode_offset(cursor: str | None) -> int:
    if cursor is None:
        return 0
    try:
        offset = json.loads(base64.urlsafe_b64decode(cursor.encode()))["offset"]
    except (ValueError, KeyError, TypeError) as error:
        raise BadRequestError("invalid cursor", code="invalid_cursor") from error
    if not isinstance(offset, int) or offset < 0:
        raise BadRequestError("invalid cursor", code="invalid_cursor")
    return offset


class InMemoryCorrectionRepository(CorrectionRepository):
    def __init__(self) -> None:
        self._corrections: dict[tuple[CommuneId, str], Correction] = {}

    def save(self, correction: Correction) -> None:
        self._corrections[(correction.commune_id, correction.thread_id)] = correction

    def list(self, commune_id: CommuneId, limit: int = 5000) -> list[Correction]:
        own = [c for (commune, _), c in self._corrections.items() if commune == commune_id]
        return own[:limit]

    def anonymise(self, commune_id: CommuneId, thread_id: str, text: str) -> None:
        known = self._corrections.get((commune_id, thread_id))
        if known is not None:
            self._corrections[(commune_id, thread_id)] = replace(known, text=text)


class InMemoryConsultationRepository(ConsultationRepository):
    def __init__(self) -> None:
        self._items = _TenantItems[Consultation]("consultation")

    def save(self, consultation: Consultation) -> None:
        self._items.put(consultation.commune_id, consultation.consultation_id, consultation)

    def get(self, commune_id: CommuneId, consultation_id: str) -> Consultation:
        return self._items.get(commune_id, consultation_id)

    def list(self, commune_id: CommuneId) -> list[Consultation]:
        own = self._items.of(commune_id)
        return sorted(own, key=lambda c: c.consultation_id, reverse=True)


class InMemoryModelStore(ModelStore):
    def __init__(self) -> None:
        self.models: dict[CommuneId, list[tuple[str, bytes]]] = {}

    def get(self, commune_id: CommuneId) -> tuple[str, bytes] | None:
        versions = self.models.get(commune_id)
        return versions[-1] if versions else None

    def put(self, commune_id: CommuneId, version: str, blob: bytes) -> None:
        self.models.setdefault(commune_id, []).append((version, blob))


class InMemoryContactRepository(ContactRepository):
    def __init__(self) -> None:
        self._contacts: dict[tuple[CommuneId, str], Contact] = {}

    def save(self, contact: Contact) -> None:
        self._contacts[(contact.commune_id, contact.contact_id)] = contact

    def get(self, commune_id: CommuneId, contact_id: str) -> Contact | None:
        return self._contacts.get((commune_id, contact_id))

    def verified(self, commune_id: CommuneId, email_key: str) -> Contact | None:
        found = [
            c
            for (commune, _), c in self._contacts.items()
            if commune == commune_id and c.verified_at and c.email_key == email_key
        ]
        return min(found, key=lambda c: c.verified_at or c.consented_at, default=None)

    def with_email(self, commune_id: CommuneId, email_key: str, limit: int) -> list[Contact]:
        found = [
            c
            for (commune, _), c in self._contacts.items()
            if commune == commune_id and c.email and c.email_key == email_key
        ]
        return found[:limit]

    def delete(self, commune_id: CommuneId, contact_id: str) -> None:
        self._contacts.pop((commune_id, contact_id), None)

    def expired(self, commune_id: CommuneId, now: datetime, limit: int) -> list[Contact]:
        found = [c for (commune, _), c in self._contacts.items() if commune == commune_id]
        return [c for c in found if c.expires_at <= now][:limit]


class InMemorySummaryCache(SummaryCache):
    def __init__(self) -> None:
        self._entries: dict[tuple[CommuneId, str], tuple[dict[str, object], datetime]] = {}

    def get(self, commune_id: CommuneId, key: str, now: datetime) -> Mapping[str, object] | None:
        entry = self._entries.get((commune_id, key))
        if entry is None or entry[1] <= now:
            return None
        return copy.deepcopy(entry[0])

    def put(
        self, commune_id: CommuneId, key: str, value: Mapping[str, object], expires_at: datetime
    ) -> None:
        self._entries[(commune_id, key)] = (copy.deepcopy(dict(value)), expires_at)


class InMemoryIdempotencyStore(IdempotencyStore):
    def __init__(self) -> None:
        self._entries: dict[tuple[CommuneId, str], tuple[str, dict[str, str]]] = {}
        self._lock = threading.Lock()

    def remember(
        self, commune_id: CommuneId, key: str, fingerprint: str, response: dict[str, str]
    ) -> dict[str, str]:
        with self._lock:
            known = self.recall(commune_id, key, fingerprint)
            if known is not None:
                return known
            self._entries[(commune_id, key)] = (fingerprint, dict(response))
            return dict(response)

    def recall(self, commune_id: CommuneId, key: str, fingerprint: str) -> dict[str, str] | None:
        entry = self._entries.get((commune_id, key))
        if entry is None:
            return None
        if entry[0] != fingerprint:
            raise ConflictError(
                "this Idempotency-Key was used for another request", code="idempotency_conflict"
            )
        return dict(entry[1])


class InMemoryAnalysisQueue(AnalysisQueue):
    def __init__(self) -> None:
        self.jobs: list[AnalysisJob] = []

    def enqueue(self, job: AnalysisJob) -> None:
        self.jobs.append(job)


class InMemoryAlertRepository(AlertRepository):
    def __init__(self) -> None:
        self._alerts = _TenantItems[Alert]("alert")
        self._lock = threading.Lock()

    def add(self, alert: Alert) -> bool:
        with self._lock:
            if self._alerts.has(alert.commune_id, alert.alert_id):
                return False
            self._alerts.put(alert.commune_id, alert.alert_id, alert)
            return True

    def get(self, commune_id: CommuneId, alert_id: str) -> Alert:
        return self._alerts.get(commune_id, alert_id)

    def list(self, commune_id: CommuneId, active_only: bool, limit: int) -> list[Alert]:
        own = self._alerts.of(commune_id)
        wanted = [a for a in own if a.active or not active_only]
        return sorted(wanted, key=lambda a: a.alert_id, reverse=True)[:limit]

    def acknowledge(self, commune_id: CommuneId, alert_id: str, by: str, at: datetime) -> Alert:
        with self._lock:
            alert = self.get(commune_id, alert_id)
            if alert.acknowledged_at is None:
                alert = replace(alert, acknowledged_by=by, acknowledged_at=at)
                self._alerts.put(commune_id, alert_id, alert)
            return alert

    def resolve(self, commune_id: CommuneId, alert_id: str, at: datetime) -> None:
        with self._lock:
            alert = self.get(commune_id, alert_id)
            self._alerts.put(commune_id, alert_id, replace(alert, resolved_at=at))

    def claim_notification(self, commune_id: CommuneId, alert_id: str, at: datetime) -> bool:
        with self._lock:
            alert = self.get(commune_id, alert_id)
            if alert.notified_at is not None:
                return False
            self._alerts.put(commune_id, alert_id, replace(alert, notified_at=at))
            return True

    def release_notification(self, commune_id: CommuneId, alert_id: str) -> None:
        with self._lock:
            alert = self.get(commune_id, alert_id)
            self._alerts.put(commune_id, alert_id, replace(alert, notified_at=None))


class InMemorySubscriptionRepository(SubscriptionRepository):
    def __init__(self) -> None:
        self._subscribed: set[tuple[CommuneId, str, str]] = set()

    def set(self, commune_id: CommuneId, email: str, topic: str, subscribed: bool) -> None:
        if subscribed:
            self._subscribed.add((commune_id, email, topic))
        else:
            self._subscribed.discard((commune_id, email, topic))

    def subscribers(self, commune_id: CommuneId, topic: str) -> list[str]:
        return sorted(e for c, e, t in self._subscribed if c == commune_id and t == topic)


class OutboxMailer(Mailer):
    """Keeps what it is asked to send, for tests and for a console-only local run."""

    def __init__(self) -> None:
        self.sent: list[OutboundEmail] = []

    def send(self, email: OutboundEmail) -> str:
        self.sent.append(email)
        return f"outbox-{len(self.sent)}"


class InMemoryExportRepository(ExportRepository):
    def __init__(self) -> None:
        self._jobs = _TenantItems[ExportJob]("export")
        self._lock = threading.Lock()

    def save(self, job: ExportJob) -> None:
        stored = self._jobs.has(job.commune_id, job.export_id)
        if not (stored and self.get(job.commune_id, job.export_id).is_erased):
            self._jobs.put(job.commune_id, job.export_id, job)

    def get(self, commune_id: CommuneId, export_id: str) -> ExportJob:
        return self._jobs.get(commune_id, export_id)

    def list(self, commune_id: CommuneId, limit: int) -> list[ExportJob]:
        own = self._jobs.of(commune_id)
        return sorted(own, key=lambda j: j.export_id, reverse=True)[:limit]

    def claim(self, job: ExportJob, at: datetime) -> ExportJob | None:
        with self._lock:
            stored = self.get(job.commune_id, job.export_id)
            if not stored.claimable(at):
                return None
            running = replace(stored, status=ExportStatus.RUNNING, started_at=at)
            self._jobs.put(job.commune_id, job.export_id, running)
            return running


class InMemoryExportQueue(ExportQueue):
    def __init__(self) -> None:
        self.jobs: list[tuple[CommuneId, str]] = []

    def enqueue(self, commune_id: CommuneId, export_id: str) -> None:
        self.jobs.append((commune_id, export_id))


class InMemoryFileStore(FileStore):
    def __init__(self) -> None:
        self.files: dict[str, tuple[bytes, str]] = {}

    def put(self, key: str, path: str, content_type: str) -> None:
        with open(path, "rb") as file:
            self.files[key] = (file.read(), content_type)

    def download_url(self, key: str, file_name: str, seconds: int) -> str:
        return f"memory://{key}?filename={file_name}&expires={seconds}"

    def delete(self, key: str) -> None:
        self.files.pop(key, None)


class RecordingPublisher(EventPublisher):
    """Keeps what would have been pushed to open consoles."""

    def __init__(self, connections: InMemoryConnectionRepository | None = None) -> None:
        self.published: list[Activity] = []
        self.connections = connections or InMemoryConnectionRepository()

    def publish(self, entries: Sequence[Activity]) -> None:
        self.published.extend(entries)

    def disconnect_member(self, commune_id: CommuneId, email: str) -> int:
        closed = self.connections.of_member(commune_id, email)
        for connection_id in closed:
            self.connections.remove(connection_id)
        return len(closed)


class InMemoryConnectionRepository(ConnectionRepository):
    def __init__(self) -> None:
        self.connections: dict[str, tuple[CommuneId, str, datetime]] = {}

    def add(
        self, commune_id: CommuneId, connection_id: str, email: str, token_expires_at: datetime
    ) -> None:
        self.connections[connection_id] = (commune_id, email, token_expires_at)

    def remove(self, connection_id: str) -> None:
        self.connections.pop(connection_id, None)

    def of_commune(self, commune_id: CommuneId, now: datetime) -> list[str]:
        return sorted(
            c
            for c, (commune, _, expires) in self.connections.items()
            if commune == commune_id and expires > now
        )

    def of_member(self, commune_id: CommuneId, email: str) -> list[str]:
        return sorted(
            c
            for c, (commune, owner, _) in self.connections.items()
            if commune == commune_id and owner == email
        )


class InMemoryTemplateRepository(TemplateRepository):
    def __init__(self) -> None:
        self._templates = _TenantItems[Template]("template")

    def save(self, template: Template) -> None:
        self._templates.put(template.commune_id, template.template_id, template)

    def get(self, commune_id: CommuneId, template_id: str) -> Template:
        return self._templates.get(commune_id, template_id)

    def list(self, commune_id: CommuneId) -> list[Template]:
        own = self._templates.of(commune_id)
        return sorted(own, key=lambda t: t.title.casefold())

    def delete(self, commune_id: CommuneId, template_id: str) -> None:
        self._templates.delete(commune_id, template_id)


class InMemoryDeliveryQueue(DeliveryQueue):
    def __init__(self) -> None:
        self.jobs: list[DeliveryJob] = []

    def enqueue(self, job: DeliveryJob) -> None:
        self.jobs.append(job)


class InMemoryChannelStore(ChannelStore):
    def __init__(self) -> None:
        self._values = _TenantItems[str]("channel key")
        self._lock = threading.Lock()

    def claim(self, commune_id: CommuneId, key: str, value: str, expires_at: datetime) -> str:
        with self._lock:
            if not self._values.has(commune_id, key):
                self._values.put(commune_id, key, value)
            return self._values.get(commune_id, key)

    def link(
        self, commune_id: CommuneId, key: str, value: str, expires_at: datetime | None
    ) -> None:
        self._values.put(commune_id, key, value)

    def find(self, commune_id: CommuneId, keys: Sequence[str]) -> str | None:
        for key in keys:
            if self._values.has(commune_id, key):
                return self._values.get(commune_id, key)
        return None

    def recent(self, commune_id: CommuneId, prefix: str, limit: int) -> list[tuple[str, str]]:
        found = [(k, v) for k, v in self._values.keyed(commune_id) if k.startswith(prefix)]
        return sorted(found, reverse=True)[:limit]

    def delete(self, commune_id: CommuneId, key: str) -> None:
        with self._lock:
            if self._values.has(commune_id, key):
                self._values.delete(commune_id, key)


class InMemoryBlobStore(BlobStore):
    def __init__(self) -> None:
        self.blobs: dict[str, tuple[bytes, str]] = {}

    def put_bytes(self, key: str, data: bytes, content_type: str) -> None:
        self.blobs[key] = (data, content_type)

    def get_bytes(self, key: str) -> bytes:
        try:
            return self.blobs[key][0]
        except KeyError as error:
            raise NotFoundError("unknown file", code="file_not_found") from error

    def download_url(self, key: str, file_name: str, seconds: int) -> str:
        return f"memory://{key}?filename={file_name}&expires={seconds}"

    def delete(self, key: str) -> None:
        self.blobs.pop(key, None)


class InMemoryInboundQueue(InboundQueue):
    def __init__(self) -> None:
        self.jobs: list[InboundJob] = []

    def enqueue(self, job: InboundJob) -> None:
        self.jobs.append(job)


class RecordingSocialNetwork(SocialNetwork):
    """Keeps what would have been sent; `fail_with` makes every call raise it."""

    def __init__(self) -> None:
        self.sent: list[dict[str, str]] = []
        self.fail_with: Exception | None = None
        # Files citizens sent, by WhatsApp media id or CDN url: (content, content type).
        self.media: dict[str, tuple[bytes, str]] = {}
        self.downloads: list[dict[str, str]] = []

    def send_message(
        self, platform: str, account_id: str, recipient_id: str, text: str, token: str
    ) -> str:
        return self._record(platform=platform, account=account_id, to=recipient_id, text=text)

    def reply_to_comment(self, platform: str, comment_id: str, text: str, token: str) -> str:
        return self._record(platform=platform, comment=comment_id, text=text)

    def check(self, account_id: str, token: str) -> None:
        if self.fail_with is not None:
            raise self.fail_with

    def download_media(
        self, url: str, media_id: str, token: str, max_bytes: int
    ) -> tuple[bytes, str]:
        """Serves `media` (by media id, else by url), like Graph: unknown files are refused."""
        self.downloads.append({"url": url, "mediaId": media_id, "token": token})
        if self.fail_with is not None:
            raise self.fail_with
        found = self.media.get(media_id or url)
        if found is None:
            raise DeliveryError("the file is no longer available", code="download_failed")
        if len(found[0]) > max_bytes:
            raise DeliveryError("the file is too large", code="too_large")
        return found

    def _record(self, **sent: str) -> str:
        if self.fail_with is not None:
            raise self.fail_with
        self.sent.append(sent)
        return f"sent-{len(self.sent)}"


class InMemoryStaffDirectory(StaffDirectory):
    def __init__(self) -> None:
        self._members: dict[str, tuple[CommuneId, StaffMember]] = {}
        # The usernames whose TOTP is set up.
        self.mfa: set[str] = set()

    def members(self, commune_id: CommuneId) -> list[StaffMember]:
        found = [m for commune, m in self._members.values() if commune == commune_id]
        return sorted(found, key=lambda member: member.email)

    def invite(self, commune_id: CommuneId, email: str, role: Role) -> tuple[StaffMember, str]:
        if email in self._members:
            raise ConflictError("this address already has an account", code="staff_exists")
        member = StaffMember(email, role, True, "FORCE_CHANGE_PASSWORD")
        self._members[email] = (commune_id, member)
        return member, "Temporary-Password-1!"

    def set_role(self, commune_id: CommuneId, email: str, role: Role) -> StaffMember:
        member = replace(self._member(commune_id, email), role=role)
        self._members[email] = (commune_id, member)
        return member

    def remove(self, commune_id: CommuneId, email: str) -> None:
        self._member(commune_id, email)
        del self._members[email]

    def standing(self, username: str) -> StaffStanding | None:
        commune, member = self._members.get(username, (None, None))
        if member is None:
            return None
        return StaffStanding(commune, member.role, member.enabled, username in self.mfa)

    def _member(self, commune_id: CommuneId, email: str) -> StaffMember:
        commune, member = self._members.get(email, (None, None))
        if commune != commune_id or member is None:
            raise NotFoundError("unknown staff member", code="staff_not_found")
        return member


class InMemoryRateLimiter(RateLimiter):
    def __init__(self) -> None:
        self.counts: dict[tuple[CommuneId, str], int] = {}
        self._lock = threading.Lock()

    def hit(self, commune_id: CommuneId, counter: str, expires_at: int) -> int:
        with self._lock:  # the API's local server answers on several threads
            total = self.counts.get((commune_id, counter), 0) + 1
            self.counts[(commune_id, counter)] = total
        return total


class InMemorySecretStore(SecretStore):
    """Keeps the current and the previous value of each secret, as Secrets Manager's
    AWSCURRENT and AWSPREVIOUS stages do."""

    def __init__(self) -> None:
        self._versions: dict[str, list[str]] = {}

    def put(self, secret_id: str, value: str) -> None:
        self._versions[secret_id] = [value, *self._versions.get(secret_id, [])][:2]

    def values(self, secret_id: str) -> tuple[str, ...]:
        if secret_id not in self._versions:
            raise NotFoundError("unknown secret", code="secret_not_found")
        return tuple(self._versions[secret_id])
