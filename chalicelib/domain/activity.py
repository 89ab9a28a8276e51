"""What happens in a commune's inbox, recorded once: the audit log admins read (who did what,
when) and the event feed open consoles follow, in real time or by polling.

An entry is written in the same transaction as the change it records, so the audit log
cannot miss a staff action that took effect, nor show one that did not.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from chalicelib.domain.ids import CommuneId, new_id

# Kept for a year and a month: a full year of audit, whatever the day it is read.
RETENTION = timedelta(days=400)
CITIZEN = "citizen"
SYSTEM = "system"


class ActivityKind(StrEnum):
    THREAD_CREATED = "thread.created"
    CITIZEN_MESSAGE = "thread.citizen_message"
    THREAD_ANALYSED = "thread.analysed"
    THREAD_UPDATED = "thread.updated"
    REPLY_SENT = "thread.reply"
    NOTE_ADDED = "thread.note"
    THREAD_MERGED = "thread.merged"
    THREAD_ESCALATED = "thread.escalated"
    THREAD_PUBLISHED = "thread.published"
    THREAD_HIDDEN = "thread.hidden"
    SETTINGS_CHANGED = "settings.changed"


@dataclass(frozen=True)
class Activity:
    commune_id: CommuneId
    activity_id: str
    at: datetime
    kind: ActivityKind
    # A staff member's e-mail, CITIZEN or SYSTEM (the workers).
    actor: str
    thread_id: str | None = None
    # What changed, without personal data: ids, statuses, field names and values staff set.
    details: dict[str, str | int | bool | None] = field(default_factory=dict)

    @property
    def by_staff(self) -> bool:
        return self.actor not in (CITIZEN, SYSTEM)

    @property
    def expires_at(self) -> datetime:
        return self.at + RETENTION


def record(
    commune_id: CommuneId,
    at: datetime,
    kind: ActivityKind,
    actor: str,
    thread_id: str | None = None,
    **details: str | int | bool | None,
) -> Activity:
    """A new entry; its id (time-ordered) is the feed's cursor."""
    return Activity(commune_id, new_id(), at, kind, actor, thread_id, details)
