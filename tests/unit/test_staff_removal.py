"""A removed staff member keeps nothing: no more alert or digest e-mails, no open console."""

from __future__ import annotations

from datetime import timedelta

import pytest

from chalicelib.domain.staff import Role
from chalicelib.services import alerts, digest
from chalicelib.services import staff as staff_service
from tests.fakes import BIOT, VALBONNE, Clock, memory_ports, staff

pytestmark = pytest.mark.unit


def test_a_removed_member_loses_their_subscriptions_and_open_consoles():
    ports = memory_ports(Clock())
    admin = staff(role=Role.ADMIN)
    staff_service.invite(ports, admin, "elu@biot.demo", Role.VIEWER)
    staff_service.invite(ports, admin, "agent2@biot.demo", Role.AGENT)
    later = ports.clock() + timedelta(hours=1)
    for email in ("elu@biot.demo", "agent2@biot.demo"):
        for topic in (alerts.TOPIC, digest.TOPIC):
            ports.subscriptions.set(BIOT, email, topic, True)
        ports.connections.add(BIOT, f"{email}-ws=", email, later)
    ports.connections.add(VALBONNE, "same-address-elsewhere=", "elu@biot.demo", later)

    staff_service.remove(ports, admin, "elu@biot.demo")

    for topic in (alerts.TOPIC, digest.TOPIC):
        assert ports.subscriptions.subscribers(BIOT, topic) == ["agent2@biot.demo"]
    assert ports.connections.of_commune(BIOT, ports.clock()) == ["agent2@biot.demo-ws="]
    assert ports.connections.of_commune(VALBONNE, ports.clock()) == ["same-address-elsewhere="]
