"""DynamoDB implementations of the repository ports. Every key starts with the CommuneId."""

from __future__ import annotations

import base64
import contextlib
import functools
import hashlib
import json
import time
import zlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any, cast

from pynamodb.connection import Connection
from pynamodb.exceptions import DoesNotExist, PutError, TransactWriteError, UpdateError
from pynamodb.expressions.condition import Condition, size
from pynamodb.transactions import TransactWrite

from chalicelib import config, resources
from chalicelib.adapters.dynamo import activity as activity_log
from chalicelib.adapters.dynamo import codec
from chalicelib.adapters.dynamo.models import (
    CommuneModel,
    ConsultationModel,
    ContactModel,
    CorrectionModel,
    CounterModel,
    IdempotencyModel,
    MessageModel,
    ThreadModel,
)
from chalicelib.domain import indicators
from chalicelib.domain.activity import Activity
from chalicelib.domain.commune import UNSORTED, Commune
from chalicelib.domain.consultations import Consultation
from chalicelib.domain.contacts import Contact
from chalicelib.domain.corrections import Correction
from chalicelib.domain.errors import BadRequestError, ConflictError, NotFoundError
from chalicelib.domain.ids import CommuneId
from chalicelib.domain.threads import (
    Analysis,
    AnalysisStatus,
    Author,
    Channel,
    CounterIncrement,
    Delivery,
    Message,
    Page,
    Priority,
    Publication,
    Sentiment,
    TextAnalysis,
    Thread,
    ThreadFilter,
    ThreadStatus,
    Visibility,
)
from chalicelib.ports import (
    QUOTES_PER_PHRASE,
    CommuneRepository,
    ConsultationRepository,
    ContactRepository,
    CorrectionRepository,
    IdempotencyStore,
    IndicatorRepository,
    ThreadRepository,
)

_CONDITION_FAILED = "ConditionalCheckFailed"
IDEMPOTENCY_TTL = timedelta(hours=24)


@functools.cache
def transaction_connection() -> Connection:
    """One connection (one botocore client, ~100 ms to build) per process, for transactions."""
    connect_timeout, read_timeout = config.aws_timeouts()
    return Connection(
        region=config.region(),
        connect_timeout_seconds=connect_timeout,
        read_timeout_seconds=read_timeout,
    )


# Public pages find their commune by slug on every request (each citizen's submission).
SLUG_LOOKUP_SECONDS = 10.0


class DynamoCommuneRepository(CommuneRepository):
    """A commune found by slug is kept SLUG_LOOKUP_SECONDS in this container: one DynamoDB
    read fewer per public request. A commune saved here is seen at once; one saved by
    another container within those seconds (the slug index itself is eventually
    consistent)."""

    def __init__(self, slug_lookup_seconds: float = SLUG_LOOKUP_SECONDS) -> None:
        self._slug_lookup_seconds = slug_lookup_seconds
        self._by_slug: dict[str, tuple[Commune, float]] = {}

    def get(self, commune_id: CommuneId) -> Commune:
        try:
            return _commune(CommuneModel.get(commune_id))
        except DoesNotExist as error:
            raise NotFoundError("unknown commune", code="commune_not_found") from error

    def get_by_slug(self, slug: str) -> Commune:
        now = time.monotonic()
        kept = self._by_slug.get(slug)
        if kept is not None and now - kept[1] < self._slug_lookup_seconds:
            return kept[0]
        for item in CommuneModel.by_slug.query(slug, limit=1):
            commune = _commune(item)
            self._by_slug[slug] = (commune, now)
            return commune
        raise NotFoundError("unknown commune", code="commune_not_found")

    def list_all(self) -> list[Commune]:
        return [_commune(item) for item in CommuneModel.scan()]

    def save(self, commune: Commune) -> None:
        CommuneModel(
            commune.commune_id,
            slug=commune.slug,
            name=commune.name,
            themes=codec.themes_to_json(commune.themes),
            quartiers=codec.quartiers_to_json(commune.quartiers),
            settings=codec.settings_to_json(commune.settings),
            services=codec.services_to_json(commune.services),
            rules=codec.rules_to_json(commune.rules),
        ).save()
        self._by_slug.clear()


def _commune(item: CommuneModel) -> Commune:
    return Commune(
        commune_id=CommuneId(item.commune_id),
        slug=item.slug,
        name=item.name,
        themes=codec.themes_from_json(item.themes),
        quartiers=codec.quartiers_from_json(item.quartiers),
        settings=codec.settings_from_json(item.settings),
        services=codec.services_from_json(item.services),
        rules=codec.rules_from_json(item.rules),
    )


class DynamoThreadRepository(ThreadRepository):
    def create(
        self, thread: Thread, first_message: Message, activity: Sequence[Activity] = ()
    ) -> None:
        try:
            with TransactWrite(connection=transaction_connection()) as transaction:
                transaction.save(
                    _thread_item(thread), condition=ThreadModel.thread_id.does_not_exist()
                )
                transaction.save(
                    _message_item(first_message), condition=MessageModel.message_id.does_not_exist()
                )
                activity_log.add_to(transaction, activity)
        except TransactWriteError as error:
            if _cancelled_by_condition(error):
                raise ConflictError("thread exists", code="thread_exists") from error
            raise

    def get(self, commune_id: CommuneId, thread_id: str) -> Thread:
        try:
            return _thread(ThreadModel.get(commune_id, thread_id, consistent_read=True))
        except DoesNotExist as error:
            raise NotFoundError("unknown thread", code="thread_not_found") from error

    def get_by_followup(self, commune_id: CommuneId, followup_hash: str) -> Thread:
        for item in ThreadModel.by_followup.query(f"{commune_id}#{followup_hash}", limit=1):
            # Index reads are eventually consistent: re-read the item itself.
            return self.get(commune_id, item.thread_id)
        raise NotFoundError("unknown follow-up link", code="followup_not_found")

    def list_page(
        self, commune_id: CommuneId, filter: ThreadFilter, limit: int, cursor: str | None
    ) -> Page[Thread]:
        index, hash_key, used = _inbox_index(commune_id, filter)
        start = _decode_cursor(cursor, index.Meta.index_name, commune_id)
        overdue = filter.overdue_at is not None
        results = index.query(
            hash_key,
            range_key_condition=ThreadModel.due_at < filter.overdue_at if overdue else None,
            filter_condition=_remaining_filter(filter, used),
            # Newest activity first; for overdue threads, the longest overdue first.
            scan_index_forward=overdue,
            limit=limit,
            page_size=max(limit, 25),
            last_evaluated_key=start,
        )
        items = [_thread(item) for item in results]
        last_key = results.last_evaluated_key
        next_cursor = _encode_cursor(index.Meta.index_name, last_key) if last_key else None
        return Page(items, next_cursor)

    def update(
        self,
        thread: Thread,
        counters: Sequence[CounterIncrement] = (),
        corrected: bool = False,
        activity: Sequence[Activity] = (),
    ) -> Thread:
        actions = _staff_fields(thread)
        condition = _unchanged_since_read(thread)
        if corrected and thread.analysis.result is not None:
            actions += [
                ThreadModel.sentiment.set(thread.analysis.result.sentiment.value),
                ThreadModel.analysis.set(codec.analysis_to_json(thread.analysis)),
            ]
            condition = condition & (ThreadModel.analysis_status == AnalysisStatus.DONE.value)
        with _thread_transaction() as transaction:
            transaction.update(
                ThreadModel(thread.commune_id, thread.thread_id),
                actions=actions,
                condition=condition,
            )
            _add_counters(transaction, thread.commune_id, counters)
            activity_log.add_to(transaction, activity)
        return self.get(thread.commune_id, thread.thread_id)

    def add_message(
        self,
        thread: Thread,
        message: Message,
        counters: Sequence[CounterIncrement] = (),
        activity: Sequence[Activity] = (),
    ) -> Thread:
        with _thread_transaction() as transaction:
            transaction.update(
                ThreadModel(thread.commune_id, thread.thread_id),
                actions=_staff_fields(thread),
                condition=_unchanged_since_read(thread),
            )
            transaction.save(
                _message_item(message), condition=MessageModel.message_id.does_not_exist()
            )
            _add_counters(transaction, thread.commune_id, counters)
            activity_log.add_to(transaction, activity)
        return self.get(thread.commune_id, thread.thread_id)

    def count_by_status(self, commune_id: CommuneId, status: ThreadStatus) -> int:
        return int(ThreadModel.by_status.count(f"{commune_id}#{status.value}"))

    def count_overdue(self, commune_id: CommuneId, now: datetime) -> int:
        return int(ThreadModel.by_due.count(commune_id, ThreadModel.due_at < now))

    def overdue(
        self, commune_id: CommuneId, now: datetime, limit: int, after: datetime | None = None
    ) -> list[Thread]:
        window = ThreadModel.due_at.between(after, now) if after else ThreadModel.due_at < now
        results = ThreadModel.by_due.query(
            commune_id, window, limit=limit, page_size=min(limit, 100)
        )
        return [_thread(item) for item in results]

    def of_contact(self, commune_id: CommuneId, contact_id: str, limit: int) -> list[Thread]:
        results = ThreadModel.by_contact.query(
            f"{commune_id}#{contact_id}", scan_index_forward=False, limit=limit
        )
        return [_thread(item) for item in results]

    def created_between(
        self, commune_id: CommuneId, start: datetime, end: datetime, filter: ThreadFilter
    ) -> Iterator[Thread]:
        # A thread created at t has its last activity at or after t: the activity index,
        # read from `start` on, holds them all (with later ones the filter drops).
        created = (ThreadModel.created_at >= start) & (ThreadModel.created_at < end)
        remaining = _remaining_filter(filter, "")
        results = ThreadModel.by_activity.query(
            commune_id,
            ThreadModel.activity_key >= start.astimezone(UTC).isoformat(),
            filter_condition=created if remaining is None else created & remaining,
            page_size=200,
        )
        return (_thread(item) for item in results)

    def messages(self, commune_id: CommuneId, thread_id: str) -> list[Message]:
        return [
            _message(item, commune_id, thread_id)
            for item in MessageModel.query(f"{commune_id}#{thread_id}", consistent_read=True)
        ]

    def get_message(self, commune_id: CommuneId, thread_id: str, message_id: str) -> Message:
        try:
            item = MessageModel.get(f"{commune_id}#{thread_id}", message_id, consistent_read=True)
        except DoesNotExist as error:
            raise NotFoundError("unknown message", code="message_not_found") from error
        return _message(item, commune_id, thread_id)

    def record_analysis(
        self,
        message: Message,
        analysis: TextAnalysis,
        counters: Sequence[CounterIncrement],
        on_thread: bool,
        activity: Sequence[Activity] = (),
        theme: str | None = None,
    ) -> bool:
        stored = codec.analysis_to_json(Analysis(AnalysisStatus.DONE, analysis))
        thread_actions: list[Any] = [
            ThreadModel.analysis_status.set(AnalysisStatus.DONE.value),
            ThreadModel.sentiment.set(analysis.sentiment.value),
            ThreadModel.analysis.set(stored),
        ]
        if theme:
            thread_actions += [
                ThreadModel.theme.set(theme),
                ThreadModel.theme_key.set(f"{message.commune_id}#{theme}"),
            ]
        # The counters were computed for the thread's theme as the worker read it: a staff
        # edit that changed it since would leave them under a theme the thread no longer has.
        counted_theme = UNSORTED if theme else indicators.theme_of(counters)
        same_theme = ThreadModel.thread_id.exists()
        if counted_theme is not None:
            same_theme = same_theme & (ThreadModel.theme == counted_theme)
        try:
            with TransactWrite(connection=transaction_connection()) as transaction:
                transaction.update(
                    MessageModel(f"{message.commune_id}#{message.thread_id}", message.message_id),
                    actions=[
                        MessageModel.analysis_status.set(AnalysisStatus.DONE.value),
                        MessageModel.analysis.set(stored),
                    ],
                    # The guard that makes a redelivered message count only once.
                    condition=MessageModel.message_id.exists()
                    & (MessageModel.analysis_status != AnalysisStatus.DONE.value),
                )
                if on_thread:
                    transaction.update(
                        ThreadModel(message.commune_id, message.thread_id),
                        actions=thread_actions,
                        condition=same_theme,
                    )
                else:
                    transaction.condition_check(
                        ThreadModel, message.commune_id, message.thread_id, condition=same_theme
                    )
                _add_counters(transaction, message.commune_id, counters)
                activity_log.add_to(transaction, activity)
        except TransactWriteError as error:
            if not _cancelled_by_condition(error):
                raise
            now = self.get_message(message.commune_id, message.thread_id, message.message_id)
            if now.analysis.status is AnalysisStatus.DONE:
                return False
            raise ConflictError("the thread changed meanwhile", code="version_conflict") from error
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
        state = MessageModel.delivery
        allowed = [state == status.value for status in expected]
        if stale_before is not None:
            allowed.append(
                (state == Delivery.SENDING.value) & (MessageModel.delivery_at < stale_before)
            )
        condition = MessageModel.message_id.exists()
        if allowed:
            either = allowed[0]
            for clause in allowed[1:]:
                either = either | clause
            condition = condition & either
        try:
            MessageModel(f"{message.commune_id}#{message.thread_id}", message.message_id).update(
                actions=[
                    state.set(delivery.value),
                    MessageModel.delivery_at.set(at),
                    MessageModel.delivery_detail.set(detail[:500])
                    if detail
                    else MessageModel.delivery_detail.remove(),
                ],
                condition=condition,
            )
        except UpdateError as error:
            if error.cause_response_code == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def replace_key_phrases(
        self,
        message: Message,
        key_phrases: Sequence[str],
        counters: Sequence[CounterIncrement],
        theme: str,
    ) -> bool:
        stored = self.get_message(message.commune_id, message.thread_id, message.message_id)
        thread = self.get(message.commune_id, message.thread_id)
        if stored.analysis.result is None:
            return False
        phrases = tuple(key_phrases)

        def rewritten(analysis: Analysis) -> dict[str, Any]:
            assert analysis.result is not None
            result = replace(analysis.result, key_phrases=phrases)
            return codec.analysis_to_json(replace(analysis, result=result))

        same_theme = ThreadModel.thread_id.exists() & (ThreadModel.theme == theme)
        try:
            with TransactWrite(connection=transaction_connection()) as transaction:
                transaction.update(
                    MessageModel(f"{message.commune_id}#{message.thread_id}", message.message_id),
                    actions=[MessageModel.analysis.set(rewritten(stored.analysis))],
                    condition=MessageModel.analysis_status == AnalysisStatus.DONE.value,
                )
                if message.message_id == message.thread_id and thread.analysis.result:
                    transaction.update(
                        ThreadModel(message.commune_id, message.thread_id),
                        actions=[ThreadModel.analysis.set(rewritten(thread.analysis))],
                        condition=same_theme,
                    )
                else:
                    transaction.condition_check(
                        ThreadModel, message.commune_id, message.thread_id, condition=same_theme
                    )
                _add_counters(transaction, message.commune_id, counters)
        except TransactWriteError as error:
            if not _cancelled_by_condition(error):
                raise
            return False
        return True

    def move_contact(
        self, commune_id: CommuneId, thread_id: str, from_contact: str, to_contact: str
    ) -> bool:
        try:
            ThreadModel(commune_id, thread_id).update(
                actions=[
                    ThreadModel.contact_id.set(to_contact),
                    ThreadModel.contact_key.set(f"{commune_id}#{to_contact}"),
                    ThreadModel.version.add(1),
                ],
                condition=ThreadModel.contact_id == from_contact,
            )
        except UpdateError as error:
            if error.cause_response_code == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def forget_contact(self, thread: Thread, messages: Sequence[Message]) -> None:
        with TransactWrite(connection=transaction_connection()) as transaction:
            transaction.update(
                ThreadModel(thread.commune_id, thread.thread_id),
                actions=[
                    ThreadModel.contact_id.remove(),
                    ThreadModel.contact_key.remove(),
                    ThreadModel.sealed_followup.remove(),
                    ThreadModel.subject.remove(),
                    ThreadModel.preview.set(thread.preview),
                    ThreadModel.version.add(1),
                ],
                condition=ThreadModel.thread_id.exists(),
            )
            for message in messages:
                transaction.update(
                    MessageModel(f"{message.commune_id}#{message.thread_id}", message.message_id),
                    actions=[
                        MessageModel.text.set(message.text),
                        MessageModel.envelope.remove(),
                        MessageModel.external_id.set(message.external_id)
                        if message.external_id
                        else MessageModel.external_id.remove(),
                    ],
                    condition=MessageModel.message_id.exists(),
                )

    def record_analysis_failure(self, message: Message, error: str, on_thread: bool) -> None:
        stored = codec.analysis_to_json(Analysis(AnalysisStatus.FAILED, None, error))
        not_done = MessageModel.analysis_status != AnalysisStatus.DONE.value
        try:
            with TransactWrite(connection=transaction_connection()) as transaction:
                transaction.update(
                    MessageModel(f"{message.commune_id}#{message.thread_id}", message.message_id),
                    actions=[
                        MessageModel.analysis_status.set(AnalysisStatus.FAILED.value),
                        MessageModel.analysis.set(stored),
                    ],
                    condition=MessageModel.message_id.exists() & not_done,
                )
                if on_thread:
                    transaction.update(
                        ThreadModel(message.commune_id, message.thread_id),
                        actions=[
                            ThreadModel.analysis_status.set(AnalysisStatus.FAILED.value),
                            ThreadModel.analysis.set(stored),
                        ],
                        condition=ThreadModel.thread_id.exists()
                        & (ThreadModel.analysis_status != AnalysisStatus.DONE.value),
                    )
        except TransactWriteError as transaction_error:
            if not _cancelled_by_condition(transaction_error):
                raise


@contextlib.contextmanager
def _thread_transaction() -> Iterator[TransactWrite]:
    """A transaction whose conditions guard a thread's version: a failed condition means
    another writer changed the thread, a ConflictError for the caller to re-read."""
    try:
        with TransactWrite(connection=transaction_connection()) as transaction:
            yield transaction
    except TransactWriteError as error:
        if _cancelled_by_condition(error):
            raise ConflictError("the thread changed meanwhile", code="version_conflict") from error
        raise


def _unchanged_since_read(thread: Thread) -> Condition:
    """The thread is as the writer read it: same version, and same analysis state (an
    analysis does not bump the version, but it sets the theme of an unsorted thread and
    decides whether a theme change moves counters)."""
    same: Condition = (ThreadModel.version == thread.version) & (
        ThreadModel.analysis_status == thread.analysis.status.value
    )
    return same


def _add_counters(
    transaction: TransactWrite, commune_id: CommuneId, counters: Sequence[CounterIncrement]
) -> None:
    for increment in counters:
        shard = zlib.crc32(increment.spread.encode()) % resources.INDICATOR_SHARDS
        transaction.update(
            CounterModel(
                f"{commune_id}#{increment.day[:7]}#{shard}",
                f"{increment.day}#{increment.dimension}",
            ),
            actions=[CounterModel.total.add(increment.amount)],
        )


def _activity_key(thread: Thread) -> str:
    return f"{thread.last_activity_at.astimezone(UTC).isoformat()}#{thread.thread_id}"


def _staff_fields(thread: Thread) -> list[Any]:
    """The fields staff actions change, with their index keys, and the next version."""
    commune = thread.commune_id
    actions: list[Any] = [
        ThreadModel.status.set(thread.status.value),
        ThreadModel.theme.set(thread.theme),
        ThreadModel.last_activity_at.set(thread.last_activity_at),
        ThreadModel.activity_key.set(_activity_key(thread)),
        ThreadModel.status_key.set(f"{commune}#{thread.status.value}"),
        ThreadModel.theme_key.set(f"{commune}#{thread.theme}"),
        ThreadModel.version.set(thread.version + 1),
    ]
    if thread.first_answer_at is not None:
        actions.append(ThreadModel.first_answer_at.set(thread.first_answer_at))
    if thread.due_at is not None:
        actions += [ThreadModel.due_at.set(thread.due_at), ThreadModel.due_key.set(commune)]
    else:
        actions += [ThreadModel.due_at.remove(), ThreadModel.due_key.remove()]
    if thread.service:
        actions += [
            ThreadModel.service.set(thread.service),
            ThreadModel.service_key.set(f"{commune}#{thread.service}"),
        ]
    else:
        actions += [ThreadModel.service.remove(), ThreadModel.service_key.remove()]
    if thread.tags:
        actions.append(ThreadModel.tags.set(cast(Any, list(thread.tags))))
    else:
        actions.append(ThreadModel.tags.remove())
    if thread.assignee:
        actions += [
            ThreadModel.assignee.set(thread.assignee),
            ThreadModel.assignee_key.set(f"{commune}#{thread.assignee}"),
        ]
    else:
        actions += [ThreadModel.assignee.remove(), ThreadModel.assignee_key.remove()]
    return actions + _publication_fields(thread)


def _publication_fields(thread: Thread) -> list[Any]:
    commune = thread.commune_id
    published = thread.publication is Publication.PUBLISHED
    pending = thread.publication is Publication.PENDING
    actions: list[Any] = [
        ThreadModel.merged_from.set(list(thread.merged_from)),
        ThreadModel.merged_into.set(thread.merged_into)
        if thread.merged_into
        else ThreadModel.merged_into.remove(),
        ThreadModel.priority.set(thread.priority.value),
        ThreadModel.publication.set(thread.publication.value),
        ThreadModel.public_answers.set(codec.public_answers_to_json(thread.public_answers)),
    ]
    if thread.published_at is not None:
        actions.append(ThreadModel.published_at.set(thread.published_at))
    actions.append(
        ThreadModel.published_key.set(commune) if published else ThreadModel.published_key.remove()
    )
    actions.append(
        ThreadModel.moderation_key.set(commune) if pending else ThreadModel.moderation_key.remove()
    )
    return actions


def _thread_item(thread: Thread) -> ThreadModel:
    commune = thread.commune_id
    return ThreadModel(
        commune,
        thread.thread_id,
        channel=thread.channel.value,
        status=thread.status.value,
        theme=thread.theme,
        quartier=thread.quartier,
        rating=thread.rating,
        assignee=thread.assignee,
        contact_id=thread.contact_id,
        preview=thread.preview,
        created_at=thread.created_at,
        last_activity_at=thread.last_activity_at,
        first_answer_at=thread.first_answer_at,
        consultation_id=thread.consultation_id,
        analysis_status=thread.analysis.status.value,
        analysis=codec.analysis_to_json(thread.analysis),
        version=thread.version,
        activity_key=_activity_key(thread),
        status_key=f"{commune}#{thread.status.value}",
        theme_key=f"{commune}#{thread.theme}",
        assignee_key=f"{commune}#{thread.assignee}" if thread.assignee else None,
        followup_key=f"{commune}#{thread.followup_hash}" if thread.followup_hash else None,
        contact_key=f"{commune}#{thread.contact_id}" if thread.contact_id else None,
        sealed_followup=thread.sealed_followup or None,
        subject=thread.subject or None,
        channel_ref=thread.channel_ref or None,
        due_at=thread.due_at,
        due_key=commune if thread.due_at else None,
        service=thread.service,
        service_key=f"{commune}#{thread.service}" if thread.service else None,
        tags=cast(Any, list(thread.tags)) or None,
        publication=thread.publication.value,
        priority=thread.priority.value,
        merged_into=thread.merged_into,
        merged_from=list(thread.merged_from),
        public_answers=codec.public_answers_to_json(thread.public_answers),
        published_at=thread.published_at,
        published_key=commune if thread.publication is Publication.PUBLISHED else None,
        moderation_key=commune if thread.publication is Publication.PENDING else None,
    )


def _thread(item: ThreadModel) -> Thread:
    analysis = codec.analysis_from_json(item.analysis)
    followup_key = item.followup_key or ""
    return Thread(
        commune_id=CommuneId(item.commune_id),
        thread_id=item.thread_id,
        channel=Channel(item.channel),
        status=ThreadStatus(item.status),
        theme=item.theme,
        created_at=item.created_at,
        last_activity_at=item.last_activity_at,
        preview=item.preview,
        quartier=item.quartier,
        rating=int(item.rating) if item.rating is not None else None,
        assignee=item.assignee,
        contact_id=item.contact_id,
        followup_hash=followup_key.partition("#")[2],
        analysis=analysis,
        version=int(item.version),
        first_answer_at=item.first_answer_at,
        consultation_id=item.consultation_id,
        due_at=item.due_at,
        service=item.service,
        tags=tuple(str(tag) for tag in item.tags or ()),
        publication=Publication(item.publication or "none"),
        priority=Priority(item.priority or "normal"),
        merged_into=item.merged_into,
        merged_from=tuple(item.merged_from or ()),
        sealed_followup=item.sealed_followup or "",
        subject=item.subject or "",
        channel_ref=item.channel_ref or "",
        public_answers=codec.public_answers_from_json(item.public_answers),
        published_at=item.published_at,
    )


def _message_item(message: Message) -> MessageModel:
    return MessageModel(
        f"{message.commune_id}#{message.thread_id}",
        message.message_id,
        author=message.author.value,
        text=message.text,
        channel=message.channel.value,
        created_at=message.created_at,
        visibility=message.visibility.value,
        staff_email=message.staff_email or None,
        external_id=message.external_id or None,
        analysis_status=message.analysis.status.value,
        analysis=codec.analysis_to_json(message.analysis),
        delivery=message.delivery.value or None,
        delivery_at=message.delivery_at,
        delivery_detail=message.delivery_detail or None,
        envelope=codec.envelope_to_json(message.envelope),
    )


def _message(item: MessageModel, commune_id: CommuneId, thread_id: str) -> Message:
    return Message(
        commune_id=commune_id,
        thread_id=thread_id,
        message_id=item.message_id,
        author=Author(item.author),
        text=item.text,
        channel=Channel(item.channel),
        created_at=item.created_at,
        visibility=Visibility(item.visibility),
        staff_email=item.staff_email or "",
        analysis=codec.analysis_from_json(item.analysis),
        external_id=item.external_id or "",
        delivery=Delivery(item.delivery or ""),
        delivery_at=item.delivery_at,
        delivery_detail=item.delivery_detail or "",
        envelope=codec.envelope_from_json(item.envelope),
    )


def _inbox_index(commune_id: CommuneId, filter: ThreadFilter) -> tuple[Any, str, str]:
    """The most selective index for the filter: (index, its partition value, filter used)."""
    if filter.overdue_at is not None:
        return ThreadModel.by_due, commune_id, ""
    if filter.publication is Publication.PUBLISHED:
        return ThreadModel.by_published, commune_id, "publication"
    if filter.publication is Publication.PENDING:
        return ThreadModel.by_moderation, commune_id, "publication"
    if filter.assignee:
        return ThreadModel.by_assignee, f"{commune_id}#{filter.assignee}", "assignee"
    if filter.service:
        return ThreadModel.by_service, f"{commune_id}#{filter.service}", "service"
    if filter.status:
        return ThreadModel.by_status, f"{commune_id}#{filter.status.value}", "status"
    if filter.theme:
        return ThreadModel.by_theme, f"{commune_id}#{filter.theme}", "theme"
    return ThreadModel.by_activity, commune_id, ""


def _remaining_filter(filter: ThreadFilter, used: str) -> Condition | None:
    wanted = {
        "status": (ThreadModel.status, filter.status.value if filter.status else None),
        "theme": (ThreadModel.theme, filter.theme),
        "quartier": (ThreadModel.quartier, filter.quartier),
        "channel": (ThreadModel.channel, filter.channel.value if filter.channel else None),
        "sentiment": (ThreadModel.sentiment, filter.sentiment.value if filter.sentiment else None),
        "assignee": (ThreadModel.assignee, filter.assignee),
        "service": (ThreadModel.service, filter.service),
        "publication": (
            ThreadModel.publication,
            filter.publication.value if filter.publication else None,
        ),
    }
    condition: Condition | None = None
    for name, (attribute, value) in wanted.items():
        if value is None or name == used:
            continue
        clause = attribute == value
        condition = clause if condition is None else condition & clause
    if filter.tag:
        has_tag = ThreadModel.tags.contains(filter.tag)
        condition = has_tag if condition is None else condition & has_tag
    if filter.priority:
        # Threads stored before priorities existed have none: they are normal.
        clause = ThreadModel.priority == filter.priority.value
        if filter.priority is Priority.NORMAL:
            clause = clause | ThreadModel.priority.does_not_exist()
        condition = clause if condition is None else condition & clause
    return condition


# Cursors carry the index name and the last key; a key is checked to belong to the caller's
# commune, so a forged cursor cannot read another commune's partition.
_TENANT_PREFIXED = {"status_key", "theme_key", "assignee_key", "service_key"}


def _encode_cursor(index_name: str, key: dict[str, Any]) -> str:
    raw = json.dumps({"i": index_name, "k": key}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode_cursor(
    cursor: str | None, index_name: str, commune_id: CommuneId
) -> dict[str, Any] | None:
    """The last key of the previous page, checked: the index it came from, exactly that
    index's key attributes (DynamoDB answers a malformed start key with an error), all
    strings, all in the caller's commune."""
    if cursor is None:
        return None
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        key = data["k"]
        valid = data["i"] == index_name and isinstance(key, dict)
        valid = valid and set(key) == _cursor_keys(index_name)
        for name, value in key.items():
            text = value["S"]
            valid = valid and isinstance(text, str) and set(value) == {"S"}
            if name in ("commune_id", "due_key", "published_key", "moderation_key"):
                valid = valid and text == commune_id
            elif name in _TENANT_PREFIXED:
                valid = valid and text.startswith(f"{commune_id}#")
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise BadRequestError("invalid cursor", code="invalid_cursor") from error
    if not valid:
        raise BadRequestError("invalid cursor", code="invalid_cursor")
    return dict(key)


@functools.cache
def _cursor_keys(index_name: str) -> frozenset[str]:
    table = resources.THREADS
    names = {table.partition_key, table.sort_key or ""}
    for index in table.indexes:
        if index.name == index_name:
            names |= {index.partition_key, index.sort_key or ""}
    return frozenset(names - {""})


def _cancelled_by_condition(error: TransactWriteError) -> bool:
    reasons = error.cancellation_reasons or []
    return any(reason is not None and reason.code == _CONDITION_FAILED for reason in reasons)


class DynamoIndicatorRepository(IndicatorRepository):
    def counts(self, commune_id: CommuneId, days: Sequence[str]) -> dict[str, dict[str, int]]:
        """One query per month and shard: the cost depends on the period, never on the
        number of verbatims."""
        result: dict[str, dict[str, int]] = {day: {} for day in days}
        for item in _counter_items(commune_id, days):
            day, _, dimension = item.day_dimension.partition("#")
            if day in result:
                result[day][dimension] = result[day].get(dimension, 0) + int(item.total)
        return result

    def add_quote(self, commune_id: CommuneId, month: str, phrase: str, quote: str) -> None:
        item = CounterModel(f"{commune_id}#{month}#quotes", phrase)
        try:
            item.update(
                actions=[CounterModel.quotes.set((CounterModel.quotes | []).append([quote]))],
                condition=CounterModel.quotes.does_not_exist()
                | (size(CounterModel.quotes) < QUOTES_PER_PHRASE),  # type: ignore[no-untyped-call]
            )
        except UpdateError as error:
            if error.cause_response_code != "ConditionalCheckFailedException":
                raise  # a full list is the normal case, anything else is not

    def quotes(
        self, commune_id: CommuneId, months: Sequence[str], phrases: Sequence[str]
    ) -> dict[str, list[str]]:
        keys = [(f"{commune_id}#{month}#quotes", phrase) for month in months for phrase in phrases]
        found: dict[str, list[str]] = {}
        for item in CounterModel.batch_get(keys):
            found.setdefault(item.day_dimension, []).extend(str(q) for q in item.quotes or [])
        return {phrase: quotes[:QUOTES_PER_PHRASE] for phrase, quotes in found.items()}

    def drop_quotes(self, commune_id: CommuneId, month: str, phrases: Sequence[str]) -> None:
        for phrase in phrases:
            CounterModel(f"{commune_id}#{month}#quotes", phrase).delete()

    def record_vote(
        self, commune_id: CommuneId, vote_key: str, counters: Sequence[CounterIncrement]
    ) -> bool:
        # The vote marker lives in the idempotency table, expiring after the period ends;
        # only a hash of the voter's browser token is part of its key.
        marker = IdempotencyModel(
            f"{commune_id}#vote#{vote_key}",
            fingerprint="vote",
            response={},
            expiration=datetime.now(UTC) + timedelta(days=62),
        )
        try:
            with TransactWrite(connection=transaction_connection()) as transaction:
                transaction.save(marker, condition=IdempotencyModel.id.does_not_exist())
                _add_counters(transaction, commune_id, counters)
        except TransactWriteError as error:
            if _cancelled_by_condition(error):
                return False
            raise
        return True

    def replace_totals(
        self, commune_id: CommuneId, totals: Mapping[str, Mapping[str, int]]
    ) -> None:
        with CounterModel.batch_write() as batch:
            for item in _counter_items(commune_id, sorted(totals)):
                if item.day_dimension.partition("#")[0] in totals:
                    batch.delete(item)
        with CounterModel.batch_write() as batch:
            for day, dimensions in totals.items():
                for dimension, count in dimensions.items():
                    shard = zlib.crc32(dimension.encode()) % resources.INDICATOR_SHARDS
                    batch.save(
                        CounterModel(
                            f"{commune_id}#{day[:7]}#{shard}", f"{day}#{dimension}", total=count
                        )
                    )


# DynamoDB returns at most 1 MB per page; counter items weigh ~100-200 bytes, so a page
# holds ~5,000 of them. Setting it explicitly makes paging the same on moto as in AWS.
COUNTER_PAGE_SIZE = 5000


def _counter_items(commune_id: CommuneId, days: Sequence[str]) -> Iterator[CounterModel]:
    for month, first, last in _month_ranges(days):
        for shard in range(resources.INDICATOR_SHARDS):
            yield from CounterModel.query(
                f"{commune_id}#{month}#{shard}",
                CounterModel.day_dimension.between(f"{first}#", f"{last}#\uffff"),
                page_size=COUNTER_PAGE_SIZE,
            )


def _month_ranges(days: Sequence[str]) -> list[tuple[str, str, str]]:
    months: dict[str, list[str]] = {}
    for day in sorted(days):
        months.setdefault(day[:7], []).append(day)
    return [(month, listed[0], listed[-1]) for month, listed in months.items()]


class DynamoConsultationRepository(ConsultationRepository):
    def save(self, consultation: Consultation) -> None:
        ConsultationModel(
            consultation.commune_id,
            consultation.consultation_id,
            title=consultation.title,
            question=consultation.question,
            theme=consultation.theme,
            opens_on=consultation.opens_on.isoformat(),
            closes_on=consultation.closes_on.isoformat(),
            choices=list(consultation.choices),
            quartiers=list(consultation.quartiers),
            created_by=consultation.created_by or None,
            created_at=consultation.created_at,
        ).save()

    def get(self, commune_id: CommuneId, consultation_id: str) -> Consultation:
        try:
            return _consultation(ConsultationModel.get(commune_id, consultation_id))
        except DoesNotExist as error:
            raise NotFoundError("unknown consultation", code="consultation_not_found") from error

    def list(self, commune_id: CommuneId) -> list[Consultation]:
        items = ConsultationModel.query(commune_id, scan_index_forward=False, limit=200)
        return [_consultation(item) for item in items]


def _consultation(item: ConsultationModel) -> Consultation:
    return Consultation(
        commune_id=CommuneId(item.commune_id),
        consultation_id=item.consultation_id,
        title=item.title,
        question=item.question,
        theme=item.theme,
        opens_on=date.fromisoformat(item.opens_on),
        closes_on=date.fromisoformat(item.closes_on),
        choices=tuple(item.choices),
        quartiers=tuple(item.quartiers),
        created_by=item.created_by or "",
        created_at=item.created_at,
    )


class DynamoCorrectionRepository(CorrectionRepository):
    def save(self, correction: Correction) -> None:
        CorrectionModel(
            correction.commune_id,
            correction.thread_id,
            text=correction.text,
            sentiment=correction.sentiment.value if correction.sentiment else None,
            theme=correction.theme,
            staff_email=correction.staff_email,
            corrected_at=correction.corrected_at,
        ).save()

    def list(self, commune_id: CommuneId, limit: int = 5000) -> list[Correction]:
        return [
            Correction(
                commune_id,
                item.thread_id,
                item.text,
                Sentiment(item.sentiment) if item.sentiment else None,
                item.theme,
                item.staff_email,
                item.corrected_at,
            )
            for item in CorrectionModel.query(commune_id, limit=limit)
        ]

    def anonymise(self, commune_id: CommuneId, thread_id: str, text: str) -> None:
        try:
            CorrectionModel(commune_id, thread_id).update(
                actions=[CorrectionModel.text.set(text)],
                condition=CorrectionModel.thread_id.exists(),
            )
        except UpdateError as error:
            if error.cause_response_code != "ConditionalCheckFailedException":
                raise  # no correction for this thread: nothing to anonymise


class DynamoContactRepository(ContactRepository):
    def save(self, contact: Contact) -> None:
        ContactModel(
            contact.commune_id,
            contact.contact_id,
            email=contact.email or None,
            name=contact.name or None,
            social_id=contact.social_id or None,
            platform=contact.platform or None,
            consented_at=contact.consented_at,
            sealed_followup=contact.sealed_followup or None,
            verified_at=contact.verified_at,
            verified_key=f"{contact.commune_id}#{contact.email_key}"
            if contact.verified_at
            else None,
            email_key=f"{contact.commune_id}#{contact.email_key}" if contact.email else None,
            expires_at=contact.expires_at,
        ).save()

    def get(self, commune_id: CommuneId, contact_id: str) -> Contact | None:
        try:
            item = ContactModel.get(commune_id, contact_id)
        except DoesNotExist:
            return None
        return _contact(item)

    def verified(self, commune_id: CommuneId, email_key: str) -> Contact | None:
        for item in ContactModel.by_verified_email.query(f"{commune_id}#{email_key}", limit=1):
            return _contact(item)
        return None

    def with_email(self, commune_id: CommuneId, email_key: str, limit: int) -> list[Contact]:
        items = ContactModel.by_email.query(f"{commune_id}#{email_key}", page_size=limit)
        return [_contact(item) for _, item in zip(range(limit), items, strict=False)]

    def delete(self, commune_id: CommuneId, contact_id: str) -> None:
        ContactModel(commune_id, contact_id).delete()

    def expired(self, commune_id: CommuneId, now: datetime, limit: int) -> list[Contact]:
        # A scheduled job's query of one commune's partition, never a request path.
        items = ContactModel.query(
            commune_id, filter_condition=ContactModel.expires_at <= now, page_size=100
        )
        found = []
        for item in items:
            found.append(_contact(item))
            if len(found) >= limit:
                break
        return found


def _contact(item: ContactModel) -> Contact:
    return Contact(
        CommuneId(item.commune_id),
        item.contact_id,
        item.email or "",
        item.name or "",
        item.consented_at,
        item.expires_at,
        item.sealed_followup or "",
        item.verified_at,
        item.social_id or "",
        item.platform or "",
    )


class DynamoIdempotencyStore(IdempotencyStore):
    def remember(
        self, commune_id: CommuneId, key: str, fingerprint: str, response: dict[str, str]
    ) -> dict[str, str]:
        item = IdempotencyModel(
            _idempotency_id(commune_id, key),
            fingerprint=fingerprint,
            response=response,
            expiration=datetime.now(UTC) + IDEMPOTENCY_TTL,
        )
        try:
            item.save(condition=IdempotencyModel.id.does_not_exist())
        except PutError as error:
            if error.cause_response_code != "ConditionalCheckFailedException":
                raise
            known = self.recall(commune_id, key, fingerprint)
            if known is None:  # expired between the two calls
                raise ConflictError("retry the request", code="idempotency_conflict") from error
            return known
        return dict(response)

    def recall(self, commune_id: CommuneId, key: str, fingerprint: str) -> dict[str, str] | None:
        try:
            item = IdempotencyModel.get(_idempotency_id(commune_id, key), consistent_read=True)
        except DoesNotExist:
            return None
        if item.fingerprint != fingerprint:
            raise ConflictError(
                "this Idempotency-Key was used for another request", code="idempotency_conflict"
            )
        return dict(item.response)


def _idempotency_id(commune_id: CommuneId, key: str) -> str:
    # The client's key only as a digest: the table holds nothing a client sent as is.
    return f"{commune_id}#feedback#{hashlib.sha256(key.encode()).hexdigest()}"
