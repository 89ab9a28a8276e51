"""What happens in a commune's inbox, recorded once: the audit log admins read (who did what,
when) and the event feed open consoles follow, in real time or by polling.

An entry is written in the same transaction as the change it records, so the audit log
cannot miss a staff action that took effect, nor show one that did not.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol

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
    TEMPLATE_SAVED = "template.saved"
    TEMPLATE_DELETED = "template.deleted"
    ALERT_ACKNOWLEDGED = "alert.acknowledged"
    EXPORT_REQUESTED = "export.requested"
    CONSULTATION_CREATED = "consultation.created"
    CHANNEL_KEY_CREATED = "channel.key_created"
    CHANNEL_KEY_REVOKED = "channel.key_revoked"
    CHANNEL_CONFIGURED = "channel.configured"
    STAFF_INVITED = "staff.invited"
    STAFF_ROLE_CHANGED = "staff.role_changed"
    STAFF_REMOVED = "staff.removed"
    CONTACT_ERASED = "contact.erased"


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


def audit(
    ports_log: ActivityLogLike,
    commune_id: CommuneId,
    at: datetime,
    kind: ActivityKind,
    actor: str,
    **details: str | int | bool | None,
) -> Activity:
    """Records a staff action that has no thread transaction to ride on (settings,
    templates, alerts, exports, consultations)."""
    entry = record(commune_id, at, kind, actor, None, **details)
    ports_log.append([entry])
    return entry


class ActivityLogLike(Protocol):
    def append(self, entries: Sequence[Activity]) -> None: ...


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
