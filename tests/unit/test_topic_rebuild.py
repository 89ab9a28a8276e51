"""Topics rebuilt from stored verbatims: on a schedule as they accumulate and on an admin's
demand, keeping ids and labels where topics still fit, writing back only what changed."""

from __future__ import annotations

from datetime import timedelta

import pytest

from chalicelib.analysis.embeddings import HashedEmbedder
from chalicelib.analysis.topic_codec import decode_model, encode_embedding
from chalicelib.domain.errors import ConflictError, ForbiddenError, TooManyRequestsError
from chalicelib.domain.ids import CommuneId
from chalicelib.domain.staff import Role
from chalicelib.domain.threads import Channel, Sentiment
from chalicelib.domain.topics import Verbatim
from chalicelib.ports import Ports
from chalicelib.services import topic_ingest, topic_rebuild
from chalicelib.workers.topics import rebuild_due
from tests.fakes import BIOT, VALBONNE, memory_ports, staff
from tests.unit.test_topic_ingest import BINS, LIGHTS

pytestmark = pytest.mark.unit

EMBEDDER = HashedEmbedder()
VARIANTS = ("", " Merci de faire vite.", " C'est la deuxième fois que je le signale.")


def texts(count: int) -> list[str]:
    """`count` opinions, half about street lights, half about bins."""
    pool = [
        base + variant
        for variant in VARIANTS
        for pair in zip(LIGHTS, BINS, strict=True)
        for base in pair
    ]
    assert count <= len(pool)
    return pool[:count]


class Store:
    def __init__(self, ports: Ports, commune_id: CommuneId = BIOT) -> None:
        self.ports = ports
        self.commune_id = commune_id
        self.added = 0

    def add(self, *opinions: str, embedder: str = EMBEDDER.name) -> list[Verbatim]:
        kept = []
        for text in opinions:
            self.added += 1
            verbatim = Verbatim(
                commune_id=self.commune_id,
                message_id=f"m{self.added:04d}",
                thread_id=f"t{self.added:04d}",
                created_at=self.ports.clock() - timedelta(minutes=1),
                theme="voirie",
                quartier=None,
                channel=Channel.WEB,
                sentiment=Sentiment.NEGATIVE,
                embedder=embedder,
                vector=encode_embedding(EMBEDDER.embed([text])[0]),
                quote=text,
            )
            self.ports.topics.add(verbatim)
            kept.append(verbatim)
        return kept


def topics_of(ports: Ports, commune_id: CommuneId = BIOT) -> dict[str, str | None]:
    now = ports.clock()
    found = ports.topics.between(commune_id, now - timedelta(days=365), now)
    return {v.message_id: v.topic for v in found}


class CountingStore:
    """Wraps the in-memory store's assign to record what a rebuild writes back."""

    def __init__(self, ports: Ports) -> None:
        self.written: list[int] = []
        original = ports.topics.assign

        def assign(changes):  # type: ignore[no-untyped-def]
            self.written.append(len(changes))
            original(changes)

        ports.topics.assign = assign  # type: ignore[method-assign]


def test_a_rebuild_groups_the_stored_verbatims_and_assigns_them() -> None:
    ports = memory_ports()
    Store(ports).add(*texts(24))

    report = topic_rebuild.rebuild_report(ports, BIOT)

    assert report.topics == 2
    assert (report.state.verbatims, report.state.embedder, report.skipped) == (24, "hashed", 0)
    assert report.state.built_at == ports.clock()
    assert ports.topics.state(BIOT) == report.state
    model = decode_model(report.state.model)
    assigned = topics_of(ports)
    assert set(assigned.values()) == {topic.id for topic in model.topics}
    # The street lights together, the bins together.
    lights = {assigned[f"m{n:04d}"] for n in range(1, 25, 2)}
    bins = {assigned[f"m{n:04d}"] for n in range(2, 25, 2)}
    assert len(lights) == len(bins) == 1 and lights != bins
    assert topics_of(ports, VALBONNE) == {}


def test_a_second_rebuild_keeps_ids_and_labels_and_writes_back_only_what_changed() -> None:
    ports = memory_ports()
    store = Store(ports)
    store.add(*texts(24))
    counting = CountingStore(ports)
    first = decode_model(topic_rebuild.rebuild(ports, BIOT).model)
    before = topics_of(ports)

    ports.clock.advance(days=1)  # type: ignore[attr-defined]
    store.add(*texts(36)[24:])
    second = decode_model(topic_rebuild.rebuild(ports, BIOT).model)

    assert {(t.id, t.label) for t in second.topics} == {(t.id, t.label) for t in first.topics}
    after = topics_of(ports)
    assert all(after[key] == topic for key, topic in before.items())
    assert all(after[f"m{n:04d}"] is not None for n in range(25, 37))
    assert counting.written == [24, 12]  # the second wrote back only the new verbatims


def test_verbatims_of_another_embedder_are_left_out_of_every_topic() -> None:
    ports = memory_ports()
    store = Store(ports)
    store.add(*texts(24))
    topic_rebuild.rebuild(ports, BIOT)
    [stray] = store.add(LIGHTS[0], embedder="e5")
    ports.topics.add(Verbatim(**{**stray.__dict__, "topic": "tp-old"}))

    report = topic_rebuild.rebuild_report(ports, BIOT, embedder_name="hashed")

    assert (report.skipped, report.state.verbatims) == (1, 25)
    assert topics_of(ports)[stray.message_id] is None


def test_the_schedule_builds_at_20_verbatims_then_on_growth_or_weekly() -> None:
    ports = memory_ports()
    store = Store(ports)
    store.add(*texts(19))
    assert not topic_rebuild.is_due(ports, BIOT)
    store.add(*texts(20)[19:])
    assert topic_rebuild.is_due(ports, BIOT)
    topic_rebuild.rebuild(ports, BIOT)
    assert not topic_rebuild.is_due(ports, BIOT)

    ports.clock.advance(minutes=5)  # type: ignore[attr-defined]
    store.add(*texts(24)[20:])
    assert not topic_rebuild.is_due(ports, BIOT)  # 4 more: under the least growth (5)
    store.add(texts(25)[24])
    assert topic_rebuild.is_due(ports, BIOT)
    topic_rebuild.rebuild(ports, BIOT)

    ports.clock.advance(days=7)  # type: ignore[attr-defined]
    assert topic_rebuild.is_due(ports, BIOT)  # a week: the window slid


def test_the_scheduled_job_rebuilds_due_communes_and_survives_one_failing() -> None:
    ports = memory_ports()
    Store(ports).add(*texts(24))
    Store(ports, VALBONNE).add(*texts(3))

    assert rebuild_due(ports) == {"rebuilt": {BIOT: 2}, "failed": []}
    assert rebuild_due(ports) == {"rebuilt": {}, "failed": []}  # nothing grew

    ports.clock.advance(days=8)  # type: ignore[attr-defined]
    Store(ports, VALBONNE).add(*texts(24))
    original = ports.topics.between

    def failing_for_biot(commune_id, start, end):  # type: ignore[no-untyped-def]
        if commune_id == BIOT:
            raise OSError("throttled")
        return original(commune_id, start, end)

    ports.topics.between = failing_for_biot  # type: ignore[method-assign]
    assert rebuild_due(ports) == {"rebuilt": {VALBONNE: 2}, "failed": [BIOT]}


def test_an_admin_rebuilds_at_once_and_not_twice_in_a_minute() -> None:
    ports = memory_ports()
    Store(ports).add(*texts(24))
    with pytest.raises(ForbiddenError):
        topic_rebuild.rebuild_on_demand(ports, staff())

    outcome = topic_rebuild.rebuild_on_demand(ports, staff(role=Role.ADMIN))
    assert isinstance(outcome, topic_rebuild.Rebuilt) and outcome.topics == 2
    with pytest.raises(TooManyRequestsError):
        topic_rebuild.rebuild_on_demand(ports, staff(role=Role.ADMIN))
    ports.clock.advance(minutes=1)  # type: ignore[attr-defined]
    assert isinstance(
        topic_rebuild.rebuild_on_demand(ports, staff(role=Role.ADMIN)), topic_rebuild.Rebuilt
    )


def test_a_rebuild_too_large_for_the_request_is_left_to_the_schedule(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(topic_rebuild, "SYNC_LIMIT", 10)
    ports = memory_ports()
    Store(ports).add(*texts(24))
    admin = staff(role=Role.ADMIN)

    outcome = topic_rebuild.rebuild_on_demand(ports, admin)

    assert outcome == topic_rebuild.Queued(24, ports.clock())
    assert ports.topics.state(BIOT) is None
    ports.clock.advance(minutes=1)  # type: ignore[attr-defined]
    with pytest.raises(ConflictError):
        topic_rebuild.rebuild_on_demand(ports, admin)
    assert rebuild_due(ports)["rebuilt"] == {BIOT: 2}
    assert not topic_rebuild.is_due(ports, BIOT)


def test_a_rebuild_reaches_this_processs_ingest_at_once() -> None:
    ports = memory_ports()
    Store(ports).add(*texts(24))
    cache = topic_ingest.models()
    assert cache.model(ports, BIOT) is None
    topic_rebuild.rebuild(ports, BIOT)
    model = cache.model(ports, BIOT)
    assert model is not None and len(model.topics) == 2
