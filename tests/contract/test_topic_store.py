"""The topic store, the same suite against every adapter."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.domain.threads import Channel, Sentiment
from chalicelib.domain.topics import TopicsState, Verbatim
from chalicelib.ports import Ports, TopicStore
from tests.fakes import BIOT, VALBONNE

pytestmark = pytest.mark.contract

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def store(ports: Ports) -> Iterator[TopicStore]:
    yield ports.topics


def verbatim(message_id: str, minutes: int, thread_id: str = "t1", **changes: object) -> Verbatim:
    base = Verbatim(
        commune_id=BIOT,
        message_id=message_id,
        thread_id=thread_id,
        created_at=T0 + timedelta(minutes=minutes),
        theme="voirie",
        quartier="village",
        channel=Channel.WEB,
        sentiment=Sentiment.NEGATIVE,
        embedder="hashed",
        vector=b"\x00<" * 4,
        places=("rue victor hugo",),
        quote="Le lampadaire de la rue Victor Hugo est en panne.",
        topic="t-lampadaires",
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def test_verbatims_read_back_by_period_oldest_first_and_per_commune(store: TopicStore) -> None:
    store.add(verbatim("m2", 20))
    store.add(verbatim("m1", 10))
    store.add(verbatim("m3", 90))
    store.add(verbatim("v1", 15, commune_id=VALBONNE))
    found = list(store.between(BIOT, T0, T0 + timedelta(hours=1)))
    assert [v.message_id for v in found] == ["m1", "m2"]
    assert found[0] == verbatim("m1", 10)
    assert [v.message_id for v in store.between(VALBONNE, T0, T0 + timedelta(hours=2))] == ["v1"]


def test_verbatims_are_counted_by_period_and_per_commune(store: TopicStore) -> None:
    store.add(verbatim("m1", 10))
    store.add(verbatim("m2", 20))
    store.add(verbatim("m2", 20))  # a replay counts once
    store.add(verbatim("m3", 60))
    store.add(verbatim("v1", 15, commune_id=VALBONNE))
    store.save_state(TopicsState(BIOT, "{}", "hashed", T0, 3))
    assert store.count(BIOT, T0, T0 + timedelta(hours=1)) == 2
    assert store.count(BIOT, T0 + timedelta(minutes=20), T0 + timedelta(days=1)) == 2
    assert store.count(VALBONNE, T0, T0 + timedelta(days=1)) == 1
    assert store.count(BIOT, T0 + timedelta(days=1), T0 + timedelta(days=2)) == 0


def test_a_replayed_verbatim_replaces_the_first(store: TopicStore) -> None:
    store.add(verbatim("m1", 10))
    store.add(verbatim("m1", 10, sentiment=Sentiment.POSITIVE))
    found = list(store.between(BIOT, T0, T0 + timedelta(days=1)))
    assert [v.sentiment for v in found] == [Sentiment.POSITIVE]


def test_a_topics_verbatims_newest_first_and_reassigned_after_a_rebuild(
    store: TopicStore,
) -> None:
    store.add(verbatim("m1", 10))
    store.add(verbatim("m2", 20))
    store.add(verbatim("m3", 30, topic="t-bruit"))
    end = T0 + timedelta(days=1)
    assert [v.message_id for v in store.of_topic(BIOT, "t-lampadaires", T0, end)] == ["m2", "m1"]
    store.assign(
        [
            (verbatim("m1", 10), "t-bruit"),
            (verbatim("m2", 20), None),
            (verbatim("gone", 40), "t-bruit"),
        ]
    )
    assert [v.message_id for v in store.of_topic(BIOT, "t-bruit", T0, end)] == ["m3", "m1"]
    assert [v.topic for v in store.between(BIOT, T0, end)] == ["t-bruit", None, "t-bruit"]
    assert [v.message_id for v in store.between(BIOT, T0, end)] == ["m1", "m2", "m3"]
    assert list(store.of_topic(VALBONNE, "t-bruit", T0, end)) == []


def test_forgetting_a_thread_deletes_its_verbatims_only(store: TopicStore) -> None:
    store.add(verbatim("m1", 10))
    store.add(verbatim("m2", 20))
    store.add(verbatim("m3", 30, thread_id="t2"))
    assert [v.message_id for v in store.of_thread(BIOT, "t1")] == ["m1", "m2"]
    assert store.forget_thread(BIOT, "t1") == 2
    assert store.of_thread(BIOT, "t1") == []
    assert [v.message_id for v in store.between(BIOT, T0, T0 + timedelta(days=1))] == ["m3"]
    assert store.forget_thread(VALBONNE, "t2") == 0


def test_the_commune_topic_model_is_kept_per_commune(store: TopicStore) -> None:
    assert store.state(BIOT) is None
    state = TopicsState(BIOT, '{"v":1}', "hashed", T0, 120)
    store.save_state(state)
    assert store.state(BIOT) == state
    assert store.state(VALBONNE) is None
    store.save_state(replace(state, verbatims=200))
    assert store.state(BIOT) == replace(state, verbatims=200)


def test_a_rebuild_request_is_kept_per_commune_apart_from_the_model(store: TopicStore) -> None:
    assert store.rebuild_requested(BIOT) is None
    store.save_state(TopicsState(BIOT, '{"v":1}', "hashed", T0, 120))
    store.request_rebuild(BIOT, T0 + timedelta(hours=1))
    store.add(verbatim("m1", 10))
    assert store.rebuild_requested(BIOT) == T0 + timedelta(hours=1)
    assert store.rebuild_requested(VALBONNE) is None
    assert store.state(BIOT) == TopicsState(BIOT, '{"v":1}', "hashed", T0, 120)
    assert [v.message_id for v in store.between(BIOT, T0, T0 + timedelta(days=1))] == ["m1"]
    assert store.count(BIOT, T0, T0 + timedelta(days=1)) == 1
