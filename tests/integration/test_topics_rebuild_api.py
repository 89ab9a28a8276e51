"""Topics end to end on moto: opinions through the analysis worker, the admin's rebuild,
the next opinion joining its topic at ingest, and the scheduled job."""

from __future__ import annotations

import json
from typing import Any

import pytest

from chalicelib.services import feedback, topic_rebuild
from chalicelib.services.feedback import SubmitFeedback
from chalicelib.workers.topics import handle_topics_rebuild
from local.worker import LambdaContext, scheduled_event
from tests.fakes import BIOT, Clock
from tests.integration.conftest import login
from tests.integration.test_analysis_worker import invoke, receive_event
from tests.unit.test_topic_ingest import BINS, LIGHTS

pytestmark = pytest.mark.integration

PATH = "/console/topics/rebuild"


def post(client: Any, token: str) -> Any:
    return client.http.post(PATH, headers={"authorization": f"Bearer {token}"})


def analyse_all(ports, texts: list[str]) -> list[str]:
    ids = [
        feedback.submit_feedback(ports, "biot", SubmitFeedback(theme="proprete", text=t)).thread_id
        for t in texts
    ]
    while (event := receive_event())["Records"]:
        assert invoke(event) == {"batchItemFailures": []}
    return ids


def test_an_admin_rebuilds_the_topics_and_the_next_opinion_joins_one(client, aws, ports):
    clock = Clock()
    ports.clock = clock
    opinions = [text for pair in zip(LIGHTS, BINS, strict=True) for text in pair]
    analyse_all(ports, opinions + [f"{text} Merci." for text in opinions])
    admin, agent = login(aws, "admin@biot.demo"), login(aws, "agent@biot.demo")

    assert post(client, agent).status_code == 403
    response = post(client, admin)
    assert response.status_code == 200, response.body
    body = json.loads(response.body)
    assert body["verbatims"] == 24 and body["topics"] >= 1 and body["queued"] is False
    assert body["builtAt"] == "2026-11-02T09:00:00Z"
    state = ports.topics.state(BIOT)
    assert body["engine"] == state.embedder
    assert post(client, admin).status_code == 429  # the same minute

    [joined] = analyse_all(ports, ["Le lampadaire de ma rue est éteint, plus d'éclairage public"])
    [verbatim] = ports.topics.of_thread(BIOT, joined)
    assert verbatim.topic is not None
    assert verbatim.topic in state.model

    # Valbonne's admin rebuilds Valbonne's topics: none, Biot's untouched.
    clock.advance(minutes=1)
    other = json.loads(post(client, login(aws, "admin@valbonne.demo")).body)
    assert (other["verbatims"], other["topics"]) == (0, 0)
    assert ports.topics.state(BIOT) == state


def test_a_large_commune_is_rebuilt_by_the_schedule(client, aws, ports, monkeypatch):
    monkeypatch.setattr(topic_rebuild, "SYNC_LIMIT", 5)
    clock = Clock()
    ports.clock = clock
    analyse_all(ports, LIGHTS + BINS)
    admin = login(aws, "admin@biot.demo")

    response = post(client, admin)
    assert response.status_code == 202
    assert json.loads(response.body) == {
        "topics": None,
        "verbatims": 12,
        "builtAt": None,
        "engine": None,
        "queued": True,
    }
    clock.advance(minutes=1)
    conflict = post(client, admin)
    assert (conflict.status_code, json.loads(conflict.body)["error"]["code"]) == (
        409,
        "rebuild_pending",
    )

    result = handle_topics_rebuild(
        scheduled_event("rebuild_topics", "eu-west-1"), LambdaContext("rebuild_topics", 900)
    )
    assert list(result["rebuilt"]) == [BIOT] and result["failed"] == []
    assert ports.topics.state(BIOT).verbatims == 12
