"""The WebSocket connection store's contract, fake and DynamoDB alike."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.fakes import BIOT, VALBONNE

pytestmark = pytest.mark.contract

NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
LATER = NOW + timedelta(hours=1)


def test_connections_are_per_commune_and_only_while_their_token_lives(ports):
    ports.connections.add(BIOT, "a1=", "agent@biot.demo", LATER)
    ports.connections.add(BIOT, "a2=", "viewer@biot.demo", NOW + timedelta(minutes=5))
    ports.connections.add(VALBONNE, "v1=", "agent@valbonne.demo", LATER)
    assert sorted(ports.connections.of_commune(BIOT, NOW)) == ["a1=", "a2="]
    assert ports.connections.of_commune(BIOT, NOW + timedelta(minutes=10)) == ["a1="]
    assert ports.connections.of_commune(VALBONNE, NOW) == ["v1="]
    ports.connections.remove("a1=")
    ports.connections.remove("unknown=")
    assert ports.connections.of_commune(BIOT, NOW) == ["a2="]


def test_a_members_connections_are_found_in_their_commune_only(ports):
    ports.connections.add(BIOT, "a1=", "agent@biot.demo", LATER)
    ports.connections.add(BIOT, "a2=", "agent@biot.demo", NOW - timedelta(minutes=5))
    ports.connections.add(BIOT, "v1=", "viewer@biot.demo", LATER)
    ports.connections.add(VALBONNE, "x1=", "agent@biot.demo", LATER)
    assert sorted(ports.connections.of_member(BIOT, "agent@biot.demo")) == ["a1=", "a2="]
    assert ports.connections.of_member(VALBONNE, "agent@biot.demo") == ["x1="]
    assert ports.connections.of_member(BIOT, "nobody@biot.demo") == []
