"""Alerts end to end on moto: the scheduled job raises and mails, staff list and acknowledge."""

from __future__ import annotations

import email
import json
from email.policy import default
from typing import Any

import pytest
from moto.core import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends

from chalicelib.workers.alerts import handle_alert_detection
from local.worker import LambdaContext, scheduled_event
from tests.fakes import Clock
from tests.integration.conftest import login

pytestmark = pytest.mark.integration


def call(client: Any, method: str, path: str, token: str, body: Any = None) -> Any:
    headers = {"authorization": f"Bearer {token}", "content-type": "application/json"}
    raw = json.dumps(body) if body is not None else None
    return getattr(client.http, method)(path, headers=headers, body=raw)


def run_job() -> dict[str, Any]:
    return handle_alert_detection(
        scheduled_event("detect_alerts", "eu-west-1"), LambdaContext("detect_alerts", 300)
    )


def test_an_overdue_opinion_raises_an_alert_mailed_once_and_acknowledged(client, aws, ports):
    clock = Clock()
    ports.clock = clock
    opinion = {"theme": "proprete", "text": "Les poubelles débordent rue du Portugon."}
    headers = {"content-type": "application/json"}
    response = client.http.post(
        "/communes/biot/feedback", headers=headers, body=json.dumps(opinion)
    )
    thread_id = json.loads(response.body)["id"]
    viewer, agent = login(aws, "viewer@biot.demo"), login(aws, "agent@biot.demo")
    subscribed = call(client, "put", "/console/alerts/subscription", viewer, {"subscribed": True})
    assert json.loads(subscribed.body) == {"subscribed": True}

    clock.advance(days=10)
    result = run_job()
    [biot] = [r for r in result["reports"] if r["commune_id"] == "06018"]
    assert biot["raised"] == [f"2026-11-09.overdue_thread.thread-{thread_id}"]
    assert (biot["mailed"], result["failed"]) == (1, [])
    [mail] = ses_backends[DEFAULT_ACCOUNT_ID]["eu-west-1"].sent_messages
    assert set(mail.destinations) == {"viewer@biot.demo"}  # moto lists To and Destination
    text = email.message_from_string(mail.raw_data, policy=default).get_body(("plain",))
    assert text is not None and "Réponse en retard" in text.get_content()

    listed = json.loads(call(client, "get", "/console/alerts", viewer).body)
    assert listed["subscribed"] is True
    [alert] = listed["items"]
    assert (alert["kind"], alert["active"], alert["figures"]["thread"]) == (
        "overdue_thread",
        True,
        thread_id,
    )
    board = json.loads(call(client, "get", "/console/dashboard", viewer).body)
    assert [a["id"] for a in board["alerts"]] == [alert["id"]]

    run_job()
    assert len(ses_backends[DEFAULT_ACCOUNT_ID]["eu-west-1"].sent_messages) == 1

    path = f"/console/alerts/{alert['id']}/acknowledgement"
    assert call(client, "post", path, viewer).status_code == 403
    assert call(client, "post", path, login(aws, "agent@valbonne.demo")).status_code == 404
    done = json.loads(call(client, "post", path, agent).body)
    assert (done["active"], done["acknowledgedBy"]) == (False, "agent@biot.demo")
    assert json.loads(call(client, "get", "/console/alerts", viewer).body)["items"] == []
    every = json.loads(call(client, "get", "/console/alerts?active=false", viewer).body)
    assert [a["id"] for a in every["items"]] == [alert["id"]]


def test_alert_routes_check_their_input_and_the_commune(client, aws):
    valbonne = login(aws, "viewer@valbonne.demo")
    assert json.loads(call(client, "get", "/console/alerts", valbonne).body)["items"] == []
    bad = call(client, "get", "/console/alerts?active=maybe", valbonne)
    assert (bad.status_code, json.loads(bad.body)["error"]["code"]) == (422, "invalid_active")
    agent = login(aws, "agent@valbonne.demo")
    assert call(client, "post", "/console/alerts/../../x/acknowledgement", agent).status_code in (
        403,
        404,
    )
    assert call(client, "post", "/console/alerts/nope/acknowledgement", agent).status_code == 404
    wrong = call(client, "put", "/console/alerts/subscription", agent, {"subscribed": "yes"})
    assert wrong.status_code == 422
    assert call(client, "get", "/console/alerts", "garbage").status_code == 401
