"""The audit log and event feed in DynamoDB (table `activity`, kept RETENTION by TTL)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pynamodb.transactions import TransactWrite

from chalicelib.adapters.dynamo.models import ActivityModel
from chalicelib.domain.activity import Activity, ActivityKind
from chalicelib.domain.ids import CommuneId
from chalicelib.domain.threads import Page
from chalicelib.ports import ActivityLog


class DynamoActivityLog(ActivityLog):
    def append(self, entries: Sequence[Activity]) -> None:
        with ActivityModel.batch_write() as batch:
            for entry in entries:
                batch.save(item(entry))

    def after(
        self, commune_id: CommuneId, cursor: str | None, limit: int, before: str | None = None
    ) -> list[Activity]:
        upper = before or "~"  # "~" sorts after every id
        if cursor is None:
            newest = ActivityModel.query(
                commune_id,
                ActivityModel.activity_id < upper,
                scan_index_forward=False,
                limit=limit,
            )
            return [_activity(i) for i in reversed(list(newest))]
        if cursor >= upper:
            return []
        items = ActivityModel.query(
            commune_id,
            ActivityModel.activity_id.between(cursor + "0", upper),
            limit=limit,
            consistent_read=True,
        )
        return [_activity(i) for i in items if cursor < i.activity_id < upper]

    def page(
        self, commune_id: CommuneId, limit: int, cursor: str | None, staff_only: bool
    ) -> Page[Activity]:
        source: Any = ActivityModel.by_staff if staff_only else ActivityModel
        results = source.query(
            commune_id,
            ActivityModel.activity_id < cursor if cursor else None,
            scan_index_forward=False,
            limit=limit + 1,  # one more tells whether there is a next page
        )
        found = [_activity(entry) for entry in results]
        items = found[:limit]
        more = len(found) > limit
        return Page(items, items[-1].activity_id if more else None)


def add_to(transaction: TransactWrite, entries: Sequence[Activity]) -> None:
    """Puts the entries in a thread transaction: recorded if and only if the change is."""
    for entry in entries:
        transaction.save(item(entry))


def item(entry: Activity) -> ActivityModel:
    return ActivityModel(
        entry.commune_id,
        entry.activity_id,
        at=entry.at,
        kind=entry.kind.value,
        actor=entry.actor,
        staff_key=entry.commune_id if entry.by_staff else None,
        thread_id=entry.thread_id,
        details=dict(entry.details),
        expires_at=entry.expires_at,
    )


def _activity(model: ActivityModel) -> Activity:
    return Activity(
        commune_id=CommuneId(model.commune_id),
        activity_id=model.activity_id,
        at=model.at,
        kind=ActivityKind(model.kind),
        actor=model.actor,
        thread_id=model.thread_id,
        details=dict(model.details or {}),
    )
