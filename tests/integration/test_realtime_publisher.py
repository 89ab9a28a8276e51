"""Pushes to consoles on moto through the local WebSocket gateway: the real handlers, the
DynamoDB connection store and API Gateway's management API, as in AWS."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from websockets.sync.client import connect

import app
from chalicelib.domain import activity
from chalicelib.domain.activity import ActivityKind
from local.realtime import LocalWebSocketGateway
from tests.fakes import BIOT, VALBONNE
from tests.integration.conftest import login

pytestmark = pytest.mark.integration


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def gateway(ports, monkeypatch) -> Iterator[LocalWebSocketGateway]:
    handlers = {
        "$connect": app.ws_connect,
        "$default": app.ws_message,
        "$disconnect": app.ws_disconnect,
    }
    running = LocalWebSocketGateway("127.0.0.1", free_port(), handlers)
    running.start()
    monkeypatch.setenv("CONCERTO_REALTIME_MANAGEMENT_URL", running.management_url)
    yield running
    running.stop()


def event(commune, thread_id="t1"):
    return activity.record(
        commune, datetime.now(UTC), ActivityKind.THREAD_CREATED, activity.CITIZEN, thread_id
    )


def test_each_console_gets_its_own_communes_events_only(gateway, aws, ports):
    biot_token, valbonne_token = login(aws, "agent@biot.demo"), login(aws, "agent@valbonne.demo")
    with (
        connect(f"{gateway.url}/?token={biot_token}") as biot,
        connect(f"{gateway.url}/?token={valbonne_token}") as valbonne,
    ):
        assert len(ports.connections.of_commune(BIOT, datetime.now(UTC))) == 1
        ports.events.publish([event(BIOT, "biot-thread")])
        ports.events.publish([event(VALBONNE, "valbonne-thread")])
        [pushed] = json.loads(biot.recv(timeout=5))["events"]
        assert (pushed["kind"], pushed["threadId"], pushed["actor"]) == (
            "thread.created",
            "biot-thread",
            "citizen",
        )
        assert json.loads(valbonne.recv(timeout=5))["events"][0]["threadId"] == "valbonne-thread"
        with pytest.raises(TimeoutError):
            biot.recv(timeout=0.5)
    gateway.stop()  # every $disconnect has run when stop() returns
    assert ports.connections.of_commune(BIOT, datetime.now(UTC)) == []


def test_a_console_whose_token_expired_gets_nothing_and_a_gone_one_is_forgotten(
    gateway, aws, ports
):
    now = datetime.now(UTC)
    token = login(aws, "viewer@biot.demo")
    with connect(f"{gateway.url}/?token={token}") as console:
        [live] = ports.connections.of_commune(BIOT, now)
        ports.connections.add(BIOT, live, "viewer@biot.demo", now - timedelta(seconds=1))
        ports.connections.add(BIOT, "gone0000000000=", "agent@biot.demo", now + timedelta(hours=1))
        assert ports.connections.of_commune(BIOT, now) == ["gone0000000000="]
        ports.events.publish([event(BIOT)])
        with pytest.raises(TimeoutError):
            console.recv(timeout=0.5)
        assert ports.connections.of_commune(BIOT, now) == []
