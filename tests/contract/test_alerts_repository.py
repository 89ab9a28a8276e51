"""The alert and subscription repositories' contract, held by the fake and DynamoDB alike."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.domain.alerts import Alert, AlertKind
from chalicelib.domain.errors import NotFoundError
from tests.fakes import BIOT, VALBONNE

pytestmark = pytest.mark.contract

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def alert(alert_id: str, commune=BIOT) -> Alert:
    return Alert(
        commune,
        alert_id,
        AlertKind.NEGATIVE_SURGE,
        "theme-voirie",
        "Hausse des avis négatifs : thème Voirie",
        T0,
        {"theme": "voirie", "negative": 7, "weeklyBaseline": 1.5},
    )


def test_an_alert_is_added_once_and_reads_back_as_written(ports):
    first = alert("2026-11-02.negative_surge.theme-voirie")
    assert ports.alerts.add(first) is True
    assert ports.alerts.add(first) is False
    assert ports.alerts.get(BIOT, first.alert_id) == first
    with pytest.raises(NotFoundError):
        ports.alerts.get(VALBONNE, first.alert_id)


def test_alerts_list_newest_first_and_active_ones_apart(ports):
    for week in ("2026-10-19", "2026-11-02", "2026-10-26"):
        ports.alerts.add(alert(f"{week}.negative_surge.theme-voirie"))
    ports.alerts.add(alert("2026-11-02.negative_surge.theme-voirie", VALBONNE))
    ports.alerts.acknowledge(BIOT, "2026-10-26.negative_surge.theme-voirie", "agent@b", T0)
    ports.alerts.resolve(BIOT, "2026-10-19.negative_surge.theme-voirie", T0)
    every = [a.alert_id[:10] for a in ports.alerts.list(BIOT, active_only=False, limit=10)]
    assert every == ["2026-11-02", "2026-10-26", "2026-10-19"]
    active = ports.alerts.list(BIOT, active_only=True, limit=10)
    assert [a.alert_id[:10] for a in active] == ["2026-11-02"]
    assert len(ports.alerts.list(BIOT, active_only=False, limit=2)) == 2


def test_the_first_acknowledgement_stays(ports):
    ports.alerts.add(alert("2026-11-02.negative_surge.theme-voirie"))
    first = ports.alerts.acknowledge(BIOT, "2026-11-02.negative_surge.theme-voirie", "a@b", T0)
    later = T0 + timedelta(hours=1)
    again = ports.alerts.acknowledge(BIOT, "2026-11-02.negative_surge.theme-voirie", "c@d", later)
    assert (first.acknowledged_by, first.acknowledged_at, first.active) == ("a@b", T0, False)
    assert again == first
    with pytest.raises(NotFoundError):
        ports.alerts.acknowledge(VALBONNE, "2026-11-02.negative_surge.theme-voirie", "x@y", T0)


def test_a_notification_is_claimed_once_until_released(ports):
    alert_id = "2026-11-02.negative_surge.theme-voirie"
    ports.alerts.add(alert(alert_id))
    assert ports.alerts.claim_notification(BIOT, alert_id, T0) is True
    assert ports.alerts.claim_notification(BIOT, alert_id, T0) is False
    assert ports.alerts.get(BIOT, alert_id).notified_at == T0
    ports.alerts.release_notification(BIOT, alert_id)
    assert ports.alerts.claim_notification(BIOT, alert_id, T0) is True
    with pytest.raises(NotFoundError):
        ports.alerts.claim_notification(VALBONNE, alert_id, T0)


def test_subscriptions_are_per_topic_and_commune(ports):
    ports.subscriptions.set(BIOT, "maire@biot.fr", "alerts", True)
    ports.subscriptions.set(BIOT, "dgs@biot.fr", "alerts", True)
    ports.subscriptions.set(BIOT, "dgs@biot.fr", "digest", True)
    ports.subscriptions.set(VALBONNE, "maire@valbonne.fr", "alerts", True)
    assert ports.subscriptions.subscribers(BIOT, "alerts") == ["dgs@biot.fr", "maire@biot.fr"]
    ports.subscriptions.set(BIOT, "dgs@biot.fr", "alerts", False)
    ports.subscriptions.set(BIOT, "nobody@biot.fr", "alerts", False)
    assert ports.subscriptions.subscribers(BIOT, "alerts") == ["maire@biot.fr"]
    assert ports.subscriptions.subscribers(BIOT, "digest") == ["dgs@biot.fr"]
