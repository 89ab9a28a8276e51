"""Reading the activity: the event feed consoles poll when their socket drops, and the audit
log admins read."""

from __future__ import annotations

import time
from datetime import timedelta

from chalicelib.domain.activity import Activity
from chalicelib.domain.errors import ValidationError
from chalicelib.domain.ids import id_floor, is_id
from chalicelib.domain.staff import Role, StaffIdentity
from chalicelib.domain.threads import Page
from chalicelib.ports import Ports
from chalicelib.services import validation

FEED_MAX = 200
AUDIT_MAX = 100
# An entry's id is made before its transaction commits, and writers run in parallel: the
# feed only hands out entries older than this, so a later commit of an earlier id is never
# skipped by a console's cursor. (Pushes over the WebSocket are immediate.)
SETTLE = timedelta(seconds=2)


def feed(
    ports: Ports,
    staff: StaffIdentity,
    since: str | None,
    limit: int,
    settle: timedelta | None = None,
) -> list[Activity]:
    """What happened after `since` (an event id) and at least `settle` ago (SETTLE by
    default), oldest first; without `since`, the latest."""
    staff.require(Role.VIEWER)
    validation.check_limit(limit, FEED_MAX)
    _check_cursor(since, "since")
    wait = SETTLE if settle is None else settle
    # Ids carry the real time they were made at (not the ports' clock).
    before = id_floor(int((time.time() - wait.total_seconds()) * 1000)) if wait else None
    return ports.activity.after(staff.commune_id, since, limit, before)


def audit(
    ports: Ports, staff: StaffIdentity, limit: int, cursor: str | None, staff_only: bool
) -> Page[Activity]:
    """Who did what and when, newest first: admins only."""
    staff.require(Role.ADMIN)
    validation.check_limit(limit, AUDIT_MAX)
    _check_cursor(cursor, "cursor")
    return ports.activity.page(staff.commune_id, limit, cursor, staff_only)


def _check_cursor(value: str | None, name: str) -> None:
    if value is not None and not is_id(value):
        raise ValidationError(f"{name} is an event id", code=f"invalid_{name}")
