"""The event feed, the audit log and the console WebSocket handlers on moto."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

import app
from local.worker import LambdaContext
from tests.integration.conftest import login

pytestmark = pytest.mark.integration
OPINION = {"theme": "proprete", "text": "Les poubelles débordent rue du Portugon."}


def call(client: Any, method: str, path: str, token: str | None, body: Any = None) -> Any:
    headers = {"content-type": "application/json"}
    if token:
        headers["authorization"] = f"Bearer {token}"
    raw = json.dumps(body) if body is not None else None
    return getattr(client.http, method)(path, headers=headers, body=raw)


def test_consoles_follow_the_feed_and_admins_read_the_audit(client, aws, monkeypatch):
    from datetime import timedelta

    from chalicelib.services import activity

    monkeypatch.setattr(activity, "SETTLE", timedelta(0))  # fresh entries, no waiting
    viewer, agent = login(aws, "viewer@biot.demo"), login(aws, "agent@biot.demo")
    start = json.loads(call(client, "get", "/console/events", viewer).body)
    assert start == {"items": [], "cursor": None}
    thread_id = json.loads(call(client, "post", "/communes/biot/feedback", None, OPINION).body)[
        "id"
    ]
    feed = json.loads(call(client, "get", "/console/events", viewer).body)
    [created] = feed["items"]
    assert (created["kind"], created["actor"], created["threadId"]) == (
        "thread.created",
        "citizen",
        thread_id,
    )
    change = {"status": "in_progress", "assignee": "agent@biot.demo"}
    assert call(client, "patch", f"/console/threads/{thread_id}", agent, change).status_code == 200
    since = json.loads(call(client, "get", f"/console/events?since={feed['cursor']}", viewer).body)
    [updated] = since["items"]
    assert updated["kind"] == "thread.updated" and updated["actor"] == "agent@biot.demo"
    assert updated["details"]["assignee"] == "agent@biot.demo"
    assert since["cursor"] == updated["id"]

    other = login(aws, "viewer@valbonne.demo")
    assert json.loads(call(client, "get", "/console/events", other).body)["items"] == []
    bad = call(client, "get", "/console/events?since=nope", viewer)
    assert (bad.status_code, json.loads(bad.body)["error"]["code"]) == (422, "invalid_since")

    assert call(client, "get", "/console/audit", agent).status_code == 403
    audit = json.loads(
        call(client, "get", "/console/audit?actor=staff", login(aws, "admin@biot.demo")).body
    )
    assert [(e["kind"], e["actor"]) for e in audit["items"]] == [
        ("thread.updated", "agent@biot.demo")
    ]


def ws_event(route: str, connection_id: str, token: str | None, origin: str | None) -> dict:
    headers = {"Host": "ws.example"}
    if origin:
        headers["Origin"] = origin
    return {
        "requestContext": {
            "routeKey": route,
            "eventType": {"$connect": "CONNECT", "$disconnect": "DISCONNECT"}.get(route, "MESSAGE"),
            "connectionId": connection_id,
            "apiId": "local",
            "stage": "local",
            "domainName": "ws.example",
        },
        "headers": headers,
        "queryStringParameters": {"token": token} if token else None,
        "isBase64Encoded": False,
        "body": None,
    }


def connect(event: dict) -> dict:
    # What Lambda calls: the app's handler, which Chalice wraps around ours.
    return app.ws_connect(event, LambdaContext("ws", 30))


def test_the_socket_takes_a_staff_token_from_an_allowed_origin(aws, ports, monkeypatch):
    monkeypatch.setenv("CONCERTO_CONSOLE_ORIGINS", "http://127.0.0.1:8080")
    origin = "http://127.0.0.1:8080"
    token = login(aws, "viewer@biot.demo")
    assert connect(ws_event("$connect", "c1=", token, origin))["statusCode"] == 200
    assert ports.connections.of_commune("06018", datetime.now(UTC)) == ["c1="]
    assert connect(ws_event("$connect", "c2=", "garbage", origin))["statusCode"] == 401
    assert connect(ws_event("$connect", "c3=", None, origin))["statusCode"] == 401
    assert connect(ws_event("$connect", "c4=", token, "https://evil.example"))["statusCode"] == 403
    assert ports.connections.of_commune("06018", datetime.now(UTC)) == ["c1="]
    app.ws_disconnect(ws_event("$disconnect", "c1=", None, None), LambdaContext("ws", 30))
    assert ports.connections.of_commune("06018", datetime.now(UTC)) == []
