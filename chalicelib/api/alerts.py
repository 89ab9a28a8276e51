"""Staff routes for alerts: list them, acknowledge one, choose to receive them by e-mail."""

from __future__ import annotations

import re

from chalice import Blueprint  # type: ignore[attr-defined]

from chalicelib import bootstrap
from chalicelib.api import schemas, views
from chalicelib.api.http import (
    Operation,
    flag_param,
    int_param,
    operation,
    parse_body,
    query_params,
    staff,
)
from chalicelib.domain.errors import NotFoundError
from chalicelib.services import alerts

alerts_api = Blueprint(__name__)
_LIST_QUERY = {
    "active": "true (default): only alerts not yet acknowledged nor resolved; false: all",
    "limit": "1–100, default 50",
}
# Alert ids are "<date>.<kind>.<subject>"; anything else cannot name one.
_ALERT_ID = re.compile(r"^\d{4}-\d{2}-\d{2}\.[a-z_]+\.[A-Za-z0-9_-]{1,100}$")


@operation(
    alerts_api,
    Operation(
        "listAlerts",
        "GET",
        "/console/alerts",
        "Alerts raised for the commune, newest first, and whether the caller gets them by e-mail",
        "alerts",
        schemas.AlertList,
        staff=True,
        query=_LIST_QUERY,
        errors=(422,),
    ),
)
def list_alerts() -> schemas.AlertList:
    identity = staff()
    params = query_params(_LIST_QUERY)
    active = flag_param(params, "active", True)
    limit = int_param(params, "limit", 50)
    ports = bootstrap.ports()
    found = alerts.list_alerts(ports, identity, active, limit)
    return schemas.AlertList(
        items=[views.alert_view(alert) for alert in found],
        subscribed=alerts.is_subscribed(ports, identity),
    )


@operation(
    alerts_api,
    Operation(
        "acknowledgeAlert",
        "POST",
        "/console/alerts/{alert_id}/acknowledgement",
        "Take an alert in hand (agents and admins): it leaves the active list",
        "alerts",
        schemas.AlertView,
        staff=True,
        errors=(403, 404),
    ),
)
def acknowledge_alert(alert_id: str) -> schemas.AlertView:
    identity = staff()
    if not _ALERT_ID.match(alert_id):
        raise NotFoundError("unknown alert", code="alert_not_found")
    return views.alert_view(alerts.acknowledge(bootstrap.ports(), identity, alert_id))


@operation(
    alerts_api,
    Operation(
        "setAlertSubscription",
        "PUT",
        "/console/alerts/subscription",
        "Receive (or stop receiving) new alerts by e-mail",
        "alerts",
        schemas.SubscriptionView,
        body=schemas.SubscriptionBody,
        staff=True,
        errors=(422,),
    ),
)
def set_alert_subscription() -> schemas.SubscriptionView:
    identity = staff()
    body = parse_body(schemas.SubscriptionBody)
    subscribed = alerts.subscribe(bootstrap.ports(), identity, body.subscribed)
    return schemas.SubscriptionView(subscribed=subscribed)
