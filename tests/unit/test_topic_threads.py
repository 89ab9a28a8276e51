"""The inbox filtered by topic on in-memory ports: pages that never skip nor repeat a thread,
even when opinions share an instant, and a model this code cannot read is as good as none."""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
import pytest

from chalicelib.analysis.topic_codec import encode_model
from chalicelib.analysis.topics import Topic, TopicModel, params_for
from chalicelib.domain.errors import ValidationError
from chalicelib.domain.threads import Channel, Sentiment, ThreadFilter
from chalicelib.domain.topics import TopicsState, Verbatim
from chalicelib.ports import Ports
from chalicelib.services import feedback, topic_threads, topics
from chalicelib.services.feedback import SubmitFeedback
from tests.fakes import BIOT, memory_ports

pytestmark = pytest.mark.unit
TOPIC = "tpa11111111111"


def with_model(ports: Ports, text: str | None = None) -> None:
    model = TopicModel("hashed", (Topic(TOPIC, "parking", np.eye(4)[0], 5),), params_for("hashed"))
    state = TopicsState(BIOT, text or encode_model(model), "hashed", ports.clock(), 5)
    ports.topics.save_state(state)


def opinion(ports: Ports, n: int) -> str:
    command = SubmitFeedback(theme="proprete", text=f"Le parking de la gare est plein ({n}).")
    return feedback.submit_feedback(ports, "biot", command).thread_id


def verbatim(thread_id: str, at: datetime) -> Verbatim:
    return Verbatim(
        commune_id=BIOT,
        message_id=thread_id,
        thread_id=thread_id,
        created_at=at,
        theme="proprete",
        quartier=None,
        channel=Channel.WEB,
        sentiment=Sentiment.NEGATIVE,
        embedder="hashed",
        vector=b"",
        quote="Le parking.",
        topic=TOPIC,
    )


def pages(ports: Ports, wanted: ThreadFilter, limit: int) -> list[list[str]]:
    found, cursor = [], None
    for _ in range(10):
        page = topic_threads.threads_of_topic(ports, BIOT, TOPIC, wanted, limit, cursor)
        found.append([thread.thread_id for thread in page.items])
        cursor = page.next_cursor
        if cursor is None:
            break
    return found


def test_pages_neither_skip_nor_repeat_threads_whose_opinions_share_an_instant() -> None:
    ports = memory_ports()
    with_model(ports)
    ids = [opinion(ports, n) for n in range(7)]
    at = ports.clock() - timedelta(days=1)
    for n, thread_id in enumerate(ids):
        # Four opinions at one instant, then three an hour apart.
        ports.topics.add(verbatim(thread_id, at if n < 4 else at + timedelta(hours=n)))
    seen = [thread_id for page in pages(ports, ThreadFilter(), 2) for thread_id in page]
    assert sorted(seen) == sorted(ids) and len(seen) == len(set(seen))
    assert seen[:3] == [ids[6], ids[5], ids[4]]


def test_a_page_stops_at_the_read_bound_with_a_cursor_to_go_on(monkeypatch) -> None:
    ports = memory_ports()
    with_model(ports)
    monkeypatch.setattr(topic_threads, "INBOX_MAX_READ", 2)
    ids = [opinion(ports, n) for n in range(3)]
    for n, thread_id in enumerate(ids):
        ports.topics.add(verbatim(thread_id, ports.clock() - timedelta(hours=n)))
    assert pages(ports, ThreadFilter(theme="proprete"), 5) == [ids[:2], ids[2:]]
    assert pages(ports, ThreadFilter(theme="voirie"), 5) == [[], []]


def test_an_unreadable_model_is_as_good_as_none() -> None:
    ports = memory_ports()
    with_model(ports, text='{"v": 99}')
    assert topics.stored_model(ports, BIOT) is None
    with pytest.raises(ValidationError):
        topic_threads.threads_of_topic(ports, BIOT, TOPIC, ThreadFilter(), 5, None)
