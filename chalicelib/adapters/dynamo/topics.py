"""Topics in DynamoDB (table `topics`): a commune's verbatims and its topic model in its own
partition, so a period, a topic or a thread is one Query, never a Scan."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

from pynamodb.exceptions import DoesNotExist, UpdateError
from pynamodb.expressions.update import Action

from chalicelib.adapters.dynamo.models import TopicItemModel
from chalicelib.domain.ids import CommuneId
from chalicelib.domain.threads import Channel, Sentiment
from chalicelib.domain.topics import TopicsState, Verbatim
from chalicelib.ports import TopicStore

_MODEL_KEY = "model"
# Apart from the model's item, so a request never races a rebuild's save_state.
_REQUEST_KEY = "request"
_VERBATIM = "v#"
_CONDITION_FAILED = "ConditionalCheckFailedException"
# Parallel writes of a rebuild's assignments (botocore's default pool holds 10 connections).
_WRITERS = 10


class DynamoTopicStore(TopicStore):
    def add(self, verbatim: Verbatim) -> None:
        _item(verbatim).save()

    def between(self, commune_id: CommuneId, start: datetime, end: datetime) -> Iterator[Verbatim]:
        items = TopicItemModel.query(
            commune_id, TopicItemModel.topic_key.between(_bound(start), _bound(end))
        )
        return _verbatims(items, end)

    def count(self, commune_id: CommuneId, start: datetime, end: datetime) -> int:
        # The keys are "v#<instant>#<message>": one at `end` sorts after _bound(end), so
        # BETWEEN counts [start, end) here.
        return int(
            TopicItemModel.count(
                commune_id, TopicItemModel.topic_key.between(_bound(start), _bound(end))
            )
        )

    def of_topic(
        self, commune_id: CommuneId, topic: str, start: datetime, end: datetime
    ) -> Iterator[Verbatim]:
        items = TopicItemModel.by_topic.query(
            f"{commune_id}#{topic}",
            TopicItemModel.topic_key.between(_bound(start), _bound(end)),
            scan_index_forward=False,
        )
        return _verbatims(items, end)

    def of_thread(self, commune_id: CommuneId, thread_id: str) -> list[Verbatim]:
        items = TopicItemModel.by_thread.query(f"{commune_id}#{thread_id}")
        return [_verbatim(item) for item in items]

    def assign(self, changes: Sequence[tuple[Verbatim, str | None]]) -> None:
        if len(changes) <= 1:
            for verbatim, topic in changes:
                _assign(verbatim, topic)
            return
        # One UpdateItem each (the item's topic and its index key): a first build writes
        # every verbatim, so they go in parallel (botocore clients are thread-safe).
        with ThreadPoolExecutor(max_workers=_WRITERS) as pool:
            for done in [pool.submit(_assign, v, topic) for v, topic in changes]:
                done.result()

    def forget_thread(self, commune_id: CommuneId, thread_id: str) -> int:
        items = list(TopicItemModel.by_thread.query(f"{commune_id}#{thread_id}"))
        with TopicItemModel.batch_write() as batch:
            for item in items:
                batch.delete(item)
        return len(items)

    def state(self, commune_id: CommuneId) -> TopicsState | None:
        try:
            item = TopicItemModel.get(commune_id, _MODEL_KEY, consistent_read=True)
        except DoesNotExist:
            return None
        return TopicsState(
            commune_id,
            item.model or "",
            item.embedder or "",
            item.built_at or datetime.min.replace(tzinfo=UTC),
            int(item.verbatims or 0),
        )

    def save_state(self, state: TopicsState) -> None:
        TopicItemModel(
            state.commune_id,
            _MODEL_KEY,
            model=state.model,
            embedder=state.embedder,
            built_at=state.built_at,
            verbatims=state.verbatims,
        ).save()

    def request_rebuild(self, commune_id: CommuneId, at: datetime) -> None:
        TopicItemModel(commune_id, _REQUEST_KEY, built_at=at).save()

    def rebuild_requested(self, commune_id: CommuneId) -> datetime | None:
        try:
            item = TopicItemModel.get(commune_id, _REQUEST_KEY, consistent_read=True)
        except DoesNotExist:
            return None
        return item.built_at


def _assign(verbatim: Verbatim, topic: str | None) -> None:
    item = TopicItemModel(verbatim.commune_id, _key(verbatim))
    actions: list[Action] = [TopicItemModel.topic.remove(), TopicItemModel.topic_index.remove()]
    if topic:
        actions = [
            TopicItemModel.topic.set(topic),
            TopicItemModel.topic_index.set(f"{verbatim.commune_id}#{topic}"),
        ]
    try:
        # Only an item still there: one erased during the rebuild stays erased.
        item.update(actions=actions, condition=TopicItemModel.topic_key.exists())
    except UpdateError as error:
        if error.cause_response_code != _CONDITION_FAILED:
            raise


def _key(verbatim: Verbatim) -> str:
    return f"{_bound(verbatim.created_at)}#{verbatim.message_id}"


def _bound(at: datetime) -> str:
    # UTC at a fixed width, so the keys sort as the instants do.
    return _VERBATIM + at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _index(commune_id: CommuneId, value: str | None) -> str | None:
    return f"{commune_id}#{value}" if value else None


def _item(verbatim: Verbatim) -> TopicItemModel:
    return TopicItemModel(
        verbatim.commune_id,
        _key(verbatim),
        message_id=verbatim.message_id,
        thread_id=verbatim.thread_id,
        created_at=verbatim.created_at,
        theme=verbatim.theme,
        quartier=verbatim.quartier,
        channel=verbatim.channel.value,
        sentiment=verbatim.sentiment.value,
        embedder=verbatim.embedder,
        vector=verbatim.vector,
        places=list(verbatim.places),
        quote=verbatim.quote or None,
        topic=verbatim.topic,
        topic_index=_index(verbatim.commune_id, verbatim.topic),
        thread_index=_index(verbatim.commune_id, verbatim.thread_id),
        expires_at=verbatim.expires_at,
    )


def _verbatims(items: Iterator[TopicItemModel], end: datetime) -> Iterator[Verbatim]:
    # BETWEEN is inclusive; the period is [start, end).
    for item in items:
        verbatim = _verbatim(item)
        if verbatim.created_at < end:
            yield verbatim


def _verbatim(item: TopicItemModel) -> Verbatim:
    return Verbatim(
        commune_id=CommuneId(item.commune_id),
        message_id=item.message_id or "",
        thread_id=item.thread_id or "",
        created_at=item.created_at or datetime.min.replace(tzinfo=UTC),
        theme=item.theme or "",
        quartier=item.quartier,
        channel=Channel(item.channel),
        sentiment=Sentiment(item.sentiment),
        embedder=item.embedder or "",
        vector=item.vector or b"",
        places=tuple(str(place) for place in item.places or ()),
        quote=item.quote or "",
        topic=item.topic,
        expires_at=item.expires_at,
    )
