"""Staff routes over the activity log: the event feed (consoles without a socket) and the
audit log (admins)."""

from __future__ import annotations

from chalice import Blueprint  # type: ignore[attr-defined]

from chalicelib import bootstrap
from chalicelib.api import schemas
from chalicelib.api.http import Operation, int_param, operation, query_params, staff
from chalicelib.domain.activity import Activity
from chalicelib.domain.errors import ValidationError
from chalicelib.services import activity

activity_api = Blueprint(__name__)
_FEED_QUERY = {
    "since": "the cursor of the previous answer (an event id); omitted: the latest events",
    "limit": "1–200, default 100",
}
_AUDIT_QUERY = {
    "actor": "staff: only staff actions; all (default): citizens' and the system's too",
    "limit": "1–100, default 50",
    "cursor": "nextCursor of the previous page",
}


@operation(
    activity_api,
    Operation(
        "listEvents",
        "GET",
        "/console/events",
        "What changed since a cursor: new threads, messages, analyses and staff changes",
        "realtime",
        schemas.EventFeed,
        staff=True,
        query=_FEED_QUERY,
        errors=(422,),
    ),
)
def list_events() -> schemas.EventFeed:
    identity = staff()
    params = query_params(_FEED_QUERY)
    since = params.get("since")
    entries = activity.feed(bootstrap.ports(), identity, since, int_param(params, "limit", 100))
    cursor = entries[-1].activity_id if entries else since
    return schemas.EventFeed(items=[activity_view(e) for e in entries], cursor=cursor)


@operation(
    activity_api,
    Operation(
        "listAudit",
        "GET",
        "/console/audit",
        "The audit log: who did what, when (admins)",
        "admin",
        schemas.AuditPage,
        staff=True,
        query=_AUDIT_QUERY,
        errors=(403, 422),
    ),
)
def list_audit() -> schemas.AuditPage:
    identity = staff()
    params = query_params(_AUDIT_QUERY)
    actor = params.get("actor", "all")
    if actor not in ("staff", "all"):
        raise ValidationError("actor is staff or all", code="invalid_actor")
    page = activity.audit(
        bootstrap.ports(),
        identity,
        int_param(params, "limit", 50),
        params.get("cursor"),
        staff_only=actor == "staff",
    )
    return schemas.AuditPage(
        items=[activity_view(e) for e in page.items], next_cursor=page.next_cursor
    )


def activity_view(entry: Activity) -> schemas.ActivityView:
    return schemas.ActivityView(
        id=entry.activity_id,
        at=entry.at,
        kind=entry.kind.value,
        actor=entry.actor,
        thread_id=entry.thread_id,
        details=entry.details,
    )
