"""Topics on moto: the "Sujets" figures for a period and filters, a topic's page, the inbox
filtered by topic, a topic's summary, and the emerging-topic alert raised once."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pytest
from moto.core import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends

from chalicelib.analysis.summaries import ExtractiveSummarizer
from chalicelib.analysis.topic_codec import encode_embedding, encode_model
from chalicelib.analysis.topics import Topic, TopicModel, params_for
from chalicelib.domain.ids import CommuneId
from chalicelib.domain.threads import Channel, Sentiment
from chalicelib.domain.topics import TopicsState, Verbatim
from chalicelib.ports import Ports
from chalicelib.workers.alerts import handle_alert_detection
from local.worker import LambdaContext, scheduled_event
from tests.fakes import BIOT, Clock
from tests.integration.conftest import login

pytestmark = pytest.mark.integration

NOW = datetime(2026, 12, 8, 9, 0, tzinfo=UTC)
PARKING, LIGHTS = "tpa11111111111", "tpb22222222222"
DIMENSIONS = 8


def unit(index: int, noise: float = 0.0) -> np.ndarray:
    vector = np.zeros(DIMENSIONS)
    vector[index] = 1.0
    vector[(index + 1) % DIMENSIONS] = noise
    return vector / np.linalg.norm(vector)


def save_model(ports: Ports, commune_id: CommuneId = BIOT) -> None:
    model = TopicModel(
        "hashed",
        (
            Topic(PARKING, "parking de la gare", unit(0), 12, ("Le parking est plein.",)),
            Topic(LIGHTS, "éclairage public", unit(3), 3, ()),
        ),
        params_for("hashed"),
    )
    ports.topics.save_state(
        TopicsState(commune_id, encode_model(model), "hashed", NOW - timedelta(days=1), 40)
    )


def verbatim(
    key: str, at: datetime, topic: str | None, commune_id: CommuneId = BIOT, **changes: Any
) -> Verbatim:
    base = Verbatim(
        commune_id=commune_id,
        message_id=key,
        thread_id=key,
        created_at=at,
        theme="voirie-stationnement",
        quartier="village",
        channel=Channel.WEB,
        sentiment=Sentiment.NEGATIVE,
        embedder="hashed",
        vector=encode_embedding(unit(0, 0.5)),
        quote=f"Avis {key} sur le parking.",
        topic=topic,
    )
    return replace(base, **changes)


def get(client: Any, path: str, token: str) -> tuple[int, Any]:
    response = client.http.get(path, headers={"authorization": f"Bearer {token}"})
    return response.status_code, json.loads(response.body)


@pytest.fixture
def clock(ports: Ports) -> Clock:
    ports.clock = Clock(NOW)
    return ports.clock


def fill_november(ports: Ports) -> None:
    """November: 12 parking (one toxic, two in another quartier, one positive), 3 lights,
    2 outside and 1 of a topic the model dropped; October: 4 parking."""
    nov = datetime(2026, 11, 3, 10, tzinfo=UTC)
    for n in range(12):
        changes: dict[str, Any] = {}
        if n == 0:
            changes = {"vector": encode_embedding(unit(0)), "quote": "Le plus typique."}
        if n == 1:
            changes = {"quote": ""}  # toxic: never quoted
        if n in (2, 3):
            changes = {"quartier": "brague", "theme": "proprete"}
        if n == 4:
            changes = {"sentiment": Sentiment.POSITIVE, "vector": encode_embedding(unit(4))}
        ports.topics.add(verbatim(f"p{n:02d}", nov + timedelta(days=n), PARKING, **changes))
    for n in range(3):
        ports.topics.add(verbatim(f"l{n}", nov + timedelta(days=n), LIGHTS, theme="securite"))
    ports.topics.add(verbatim("o1", nov, None))
    ports.topics.add(verbatim("o2", nov + timedelta(days=1), None))
    ports.topics.add(verbatim("g1", nov, "tpgone00000000"))
    for n in range(4):
        ports.topics.add(verbatim(f"q{n}", datetime(2026, 10, 10 + n, tzinfo=UTC), PARKING))
    ports.topics.add(verbatim("old", datetime(2026, 9, 1, tzinfo=UTC), PARKING))


def test_the_topics_of_a_period_with_trend_quotes_and_filters(client, aws, ports, clock) -> None:
    save_model(ports)
    fill_november(ports)
    viewer = login(aws, "viewer@biot.demo")

    status, body = get(client, "/console/topics?from=2026-11-01&to=2026-11-30", viewer)
    assert status == 200, body
    assert (body["from"], body["to"], body["engine"]) == ("2026-11-01", "2026-11-30", "hashed")
    assert body["builtAt"].startswith("2026-12-07")
    assert (body["verbatims"], body["outside"]) == (18, 3)
    parking, lights = body["topics"]
    assert (parking["id"], parking["label"], parking["verbatims"]) == (
        PARKING,
        "parking de la gare",
        12,
    )
    # 12 against 4: +8 ≥ 2√16 and ≥ 20 %: up; but 4 is too few to rely on.
    assert (parking["previous"], parking["trend"], parking["reliable"]) == (4, "up", False)
    assert parking["sentiment"] == {"POSITIVE": 1, "NEGATIVE": 11, "NEUTRAL": 0, "MIXED": 0}
    assert parking["netSentiment"] == round(100 * -10 / 12, 1)
    assert parking["tooFew"] is False and parking["emerging"] is False
    assert parking["themes"] == [
        {"id": "voirie-stationnement", "verbatims": 10},
        {"id": "proprete", "verbatims": 2},
    ]
    assert len(parking["quotes"]) == 3 and "" not in parking["quotes"]
    assert parking["quotes"][0] == "Le plus typique."  # the nearest to the centroid
    assert "Avis p04 sur le parking." not in parking["quotes"]  # the farthest
    assert (lights["trend"], lights["tooFew"], lights["previous"]) == ("new", True, 0)

    status, body = get(
        client, "/console/topics?from=2026-11-01&to=2026-11-30&quartier=brague", viewer
    )
    assert (body["verbatims"], body["outside"]) == (2, 0)
    [only] = body["topics"]
    assert (only["id"], only["verbatims"], only["previous"]) == (PARKING, 2, 0)

    status, body = get(client, "/console/topics?from=2026-11-01&to=2026-11-30&channel=sms", viewer)
    assert status == 422
    status, body = get(client, "/console/topics?from=2025-01-01&to=2026-11-30", viewer)
    assert (status, body["error"]["code"]) == (422, "invalid_period")
    status, body = get(client, "/console/topics?from=0001-01-01&to=0001-01-02", viewer)
    assert status == 422


def test_without_a_model_the_panel_is_empty(client, aws, ports, clock) -> None:
    ports.topics.add(verbatim("o1", datetime(2026, 11, 3, tzinfo=UTC), None))
    status, body = get(
        client, "/console/topics?from=2026-11-01&to=2026-11-30", login(aws, "viewer@biot.demo")
    )
    assert status == 200
    assert body == {
        "from": "2026-11-01",
        "to": "2026-11-30",
        "engine": None,
        "builtAt": None,
        "verbatims": 1,
        "outside": 1,
        "topics": [],
    }


def test_a_topic_page_with_its_series_and_no_other_communes_topic(client, aws, ports, clock):
    save_model(ports)
    fill_november(ports)
    viewer = login(aws, "viewer@biot.demo")
    path = f"/console/topics/{PARKING}?from=2026-11-01&to=2026-11-30&granularity=week"

    status, body = get(client, path, viewer)
    assert status == 200, body
    assert (body["id"], body["verbatims"], body["previous"], body["trend"]) == (
        PARKING,
        12,
        4,
        "up",
    )
    assert body["series"][0] == {"start": "2026-10-26", "verbatims": 0, "complete": False}
    assert sum(point["verbatims"] for point in body["series"]) == 12
    assert [p["complete"] for p in body["series"]] == [False, True, True, True, True, False]
    assert body["quotes"][0] == "Le plus typique."
    # Quotes are the stored masked previews: an agent reads exactly what a viewer reads.
    _, as_agent = get(client, path, login(aws, "agent@biot.demo"))
    assert as_agent == body

    status, body = get(client, f"/console/topics/{PARKING}?theme=proprete&from=2026-11-01", viewer)
    assert (status, body["verbatims"]) == (200, 2)

    status, body = get(client, "/console/topics/tpunknown0000", viewer)
    assert (status, body["error"]["code"]) == (404, "topic_not_found")
    status, body = get(client, f"/console/topics/{PARKING}?granularity=year", viewer)
    assert status == 422

    # Valbonne has a model of its own: Biot's topic ids are unknown there.
    other = login(aws, "viewer@valbonne.demo")
    status, body = get(client, f"/console/topics/{PARKING}", other)
    assert (status, body["error"]["code"]) == (404, "topic_not_found")
    save_model(ports, CommuneId("06152"))
    status, body = get(client, "/console/topics?from=2026-11-01&to=2026-11-30", other)
    assert (body["verbatims"], body["topics"]) == (0, [])


def submitted(client: Any, text: str) -> str:
    response = client.http.post(
        "/communes/biot/feedback",
        headers={"content-type": "application/json"},
        body=json.dumps({"theme": "voirie-stationnement", "text": text}),
    )
    assert response.status_code == 202, response.body
    return str(json.loads(response.body)["id"])


def test_the_inbox_filtered_by_topic_pages_newest_opinion_first(client, aws, ports, clock):
    save_model(ports)
    ids = [submitted(client, f"Le parking de la gare est plein, jour {n}.") for n in range(5)]
    other = submitted(client, "Les lampadaires sont éteints rue de la Mairie.")
    for n, thread_id in enumerate(ids):
        at = NOW - timedelta(days=10 - n)
        ports.topics.add(verbatim(thread_id, at, PARKING))
    # A later reply of the first thread, in the topic too: the thread is listed once.
    ports.topics.add(replace(verbatim("reply", NOW - timedelta(days=1), PARKING), thread_id=ids[0]))
    ports.topics.add(verbatim(other, NOW - timedelta(days=2), LIGHTS))
    ports.topics.add(verbatim("erased-thread", NOW - timedelta(days=3), PARKING))
    agent, viewer = login(aws, "agent@biot.demo"), login(aws, "viewer@biot.demo")

    seen, cursor = [], ""
    for _ in range(5):
        status, page = get(client, f"/console/threads?topic={PARKING}&limit=2{cursor}", agent)
        assert status == 200, page
        seen += [item["id"] for item in page["items"]]
        if page["nextCursor"] is None:
            break
        cursor = f"&cursor={page['nextCursor']}"
    assert seen == ids[::-1]

    status, page = get(client, f"/console/threads?topic={PARKING}&status=closed", agent)
    assert (status, page["items"]) == (200, [])
    status, page = get(client, f"/console/threads?topic={LIGHTS}", viewer)
    [item] = page["items"]
    assert item["id"] == other and "Mairie" not in item["preview"]  # masked for a viewer
    status, page = get(client, "/console/threads?topic=tpunknown0000", agent)
    assert (status, page["error"]["code"]) == (422, "unknown_topic")
    status, page = get(client, f"/console/threads?topic={PARKING}&cursor=bm9wZQ==", agent)
    assert status == 400

    status, thread = get(client, f"/console/threads/{ids[0]}", viewer)
    assert thread["topic"] == {"id": PARKING, "label": "parking de la gare"}
    status, thread = get(client, f"/console/threads/{ids[0]}", login(aws, "agent@valbonne.demo"))
    assert status == 404


def test_a_topic_summary_reads_its_masked_quotes(client, aws, ports, clock) -> None:
    ports.summarizer = ExtractiveSummarizer(embedder=lambda: None)
    save_model(ports)
    fill_november(ports)
    viewer = login(aws, "viewer@biot.demo")
    path = f"/console/summaries?topic={PARKING}&from=2026-11-01&to=2026-11-30"

    status, body = get(client, path, viewer)
    assert status == 200, body
    assert (body["topic"], body["theme"], body["opinions"]) == (PARKING, None, 11)
    assert body["quotes"] and all(q["id"].startswith("p") for q in body["quotes"])
    status, body = get(client, f"{path}&theme=proprete", viewer)
    assert status == 422
    status, body = get(client, "/console/summaries?topic=tpunknown0000", viewer)
    assert (status, body["error"]["code"]) == (422, "unknown_topic")


def run_job() -> dict[str, Any]:
    return handle_alert_detection(
        scheduled_event("detect_alerts", "eu-west-1"), LambdaContext("detect_alerts", 300)
    )


def test_an_emerging_topic_raises_one_alert_per_episode(client, aws, ports, clock) -> None:
    save_model(ports)
    for n in range(11):  # no baseline, 11 in 7 days: a new topic growing fast
        ports.topics.add(verbatim(f"e{n:02d}", NOW - timedelta(hours=10 * n + 1), LIGHTS))
    viewer, agent = login(aws, "viewer@biot.demo"), login(aws, "agent@biot.demo")
    headers = {"authorization": f"Bearer {viewer}", "content-type": "application/json"}
    client.http.put(
        "/console/alerts/subscription", headers=headers, body=json.dumps({"subscribed": True})
    )

    [biot] = [r for r in run_job()["reports"] if r["commune_id"] == "06018"]
    assert biot["raised"] == [f"2026-12-07.emerging_topic.topic-{LIGHTS}"]
    assert biot["mailed"] == 1
    [mail] = ses_backends[DEFAULT_ACCOUNT_ID]["eu-west-1"].sent_messages
    assert "Nouveau sujet" in mail.raw_data and "Avis e0" not in mail.raw_data
    _, listed = get(client, "/console/alerts", viewer)
    [alert] = listed["items"]
    assert alert["kind"] == "emerging_topic" and "éclairage public" in alert["title"]
    assert alert["figures"] == {"topic": LIGHTS, "verbatims": 11, "weeklyBaseline": 0.0}
    _, body = get(client, f"/console/topics/{LIGHTS}", viewer)
    assert body["emerging"] is True

    clock.advance(hours=1)
    [biot] = [r for r in run_job()["reports"] if r["commune_id"] == "06018"]
    assert biot["raised"] == []
    assert len(ses_backends[DEFAULT_ACCOUNT_ID]["eu-west-1"].sent_messages) == 1

    path = f"/console/alerts/{alert['id']}/acknowledgement"
    response = client.http.post(path, headers={"authorization": f"Bearer {agent}"})
    assert response.status_code == 200, response.body
    _, body = get(client, f"/console/topics/{LIGHTS}", viewer)
    assert body["emerging"] is False
