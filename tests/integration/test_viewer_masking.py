"""Elected officials (viewers) read what citizens say, never who they are: over the API,
the thread, the inbox, the dashboard's key phrases and quotes are masked for them, while
agents keep the texts as written."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest

from chalicelib import config, resources
from chalicelib.workers.analysis import handle_analysis
from local.worker import LambdaContext, sqs_event
from tests.integration.conftest import login

pytestmark = pytest.mark.integration

TEXT = (
    "Je m'appelle Paul Girard, appelez-moi au 06 12 34 56 78 : ma voisine Mme Durand "
    "brûle ses déchets verts tous les soirs."
)


def analyse_queued() -> None:
    sqs = boto3.client("sqs")
    messages = sqs.receive_message(
        QueueUrl=config.queue_url(resources.ANALYSIS_QUEUE), MaxNumberOfMessages=10
    ).get("Messages", [])
    event = sqs_event(messages, "arn:aws:sqs:eu-west-1:123456789012:analysis", "eu-west-1")
    assert handle_analysis(event, LambdaContext("analysis", 60)) == {"batchItemFailures": []}


def test_a_viewer_never_reads_the_citizens_personal_data(client, aws):
    def get(path: str, token: str) -> Any:
        answer = client.http.get(path, headers={"authorization": f"Bearer {token}"})
        assert answer.status_code == 200, answer.body
        return json.loads(answer.body)

    body = {
        "theme": "proprete",
        "text": TEXT,
        "email": "paul.girard@exemple.fr",
        "name": "Paul Girard",
        "consent": True,
    }
    sent = client.http.post(
        "/communes/biot/feedback",
        headers={"content-type": "application/json"},
        body=json.dumps(body),
    )
    thread_id = json.loads(sent.body)["id"]
    viewer, agent = login(aws, "viewer@biot.demo"), login(aws, "agent@biot.demo")

    # Not analysed yet: a placeholder, never the raw text.
    pending = get(f"/console/threads/{thread_id}", viewer)
    assert pending["preview"] == "[texte en attente d'analyse]"
    assert pending["messages"][0]["text"] == "[texte en attente d'analyse]"
    assert get(f"/console/threads/{thread_id}", agent)["messages"][0]["text"] == TEXT

    analyse_queued()
    reply = {"text": "Bonjour Paul Girard, nous passons demain.", "visibility": "private"}
    answered = client.http.post(
        f"/console/threads/{thread_id}/replies",
        headers={"authorization": f"Bearer {agent}", "content-type": "application/json"},
        body=json.dumps(reply),
    )
    assert answered.status_code == 201

    seen = get(f"/console/threads/{thread_id}", viewer)
    inbox = get("/console/threads?limit=50", viewer)
    [listed] = [item for item in inbox["items"] if item["id"] == thread_id]
    board = get("/console/dashboard", viewer)
    assert "déchet vert" in {phrase["phrase"] for phrase in board["keyPhrases"]}
    shown = json.dumps([seen, listed, board], ensure_ascii=False)
    for personal in ("Paul", "Girard", "06 12 34 56 78", "Durand", "paul.girard@"):
        assert personal not in shown, personal
    assert seen["contact"] is None and seen["history"] == []
    assert "[nom]" in seen["messages"][0]["text"] and "déchets verts" in seen["messages"][0]["text"]
    assert seen["messages"][1]["text"] == "Bonjour [nom], nous passons demain."
    assert listed["preview"].startswith("Je m'appelle [nom], appelez-moi au [téléphone]")

    # Agents answer citizens: they keep the texts as written and the contact.
    detail = get(f"/console/threads/{thread_id}", agent)
    assert detail["messages"][0]["text"] == TEXT
    assert detail["contact"]["name"] == "Paul Girard"
