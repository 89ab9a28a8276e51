"""Export jobs: a staff member asks for a period's threads or indicators as a file; a worker
writes it to S3; the requester downloads it through a short-lived link."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from enum import StrEnum

from chalicelib.domain.ids import CommuneId
from chalicelib.domain.threads import Channel

# A job (and its file) is kept this long, then deleted (DynamoDB TTL, S3 lifecycle).
RETENTION = timedelta(days=7)
# A download link works this long after it is handed out, never longer.
LINK_SECONDS = 900
# A job claimed longer ago than this is taken over: its worker died (Lambda's 15 minutes).
STALE_AFTER = timedelta(minutes=16)
# Past every SQS retry (5 receives, 90 minutes of visibility apart), a job still running
# was killed each time (a timeout, memory): it has failed, whatever its record says.
ABANDONED_AFTER = timedelta(hours=8)


class ExportKind(StrEnum):
    THREADS = "threads"
    INDICATORS = "indicators"


class ExportFormat(StrEnum):
    CSV = "csv"
    XLSX = "xlsx"

    @property
    def content_type(self) -> str:
        if self is ExportFormat.CSV:
            return "text/csv; charset=utf-8"
        return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ExportStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


@dataclass(frozen=True)
class ExportJob:
    commune_id: CommuneId
    export_id: str
    kind: ExportKind
    format: ExportFormat
    start: date
    end: date
    requested_by: str
    # Non-admins get texts with personal data masked (the analysis' masked text).
    masked: bool
    created_at: datetime
    theme: str | None = None
    quartier: str | None = None
    channel: Channel | None = None
    status: ExportStatus = ExportStatus.QUEUED
    percent: int = 0
    rows: int = 0
    started_at: datetime | None = None
    finished_at: datetime | None = None
    error: str = ""

    @property
    def expires_at(self) -> datetime:
        return self.created_at + RETENTION

    @property
    def object_key(self) -> str:
        return f"exports/{self.commune_id}/{self.export_id}.{self.format.value}"

    @property
    def file_name(self) -> str:
        return (
            f"concerto-{self.kind.value}-{self.start.isoformat()}-{self.end.isoformat()}"
            f".{self.format.value}"
        )

    def claimable(self, now: datetime) -> bool:
        """Queued, or running in a worker that died."""
        if self.status is ExportStatus.QUEUED:
            return True
        stale = self.started_at is not None and now - self.started_at > STALE_AFTER
        return self.status is ExportStatus.RUNNING and stale

    def abandoned(self, now: datetime) -> bool:
        started = self.started_at
        running = self.status in (ExportStatus.RUNNING, ExportStatus.QUEUED)
        return running and now - (started or self.created_at) > ABANDONED_AFTER

    def progressed(self, rows: int, expected: int) -> ExportJob:
        percent = min(99, 100 * rows // expected) if expected else 0
        return replace(self, rows=rows, percent=max(self.percent, percent))

    def finished(self, rows: int, at: datetime) -> ExportJob:
        return replace(self, status=ExportStatus.DONE, rows=rows, percent=100, finished_at=at)

    def failed(self, error: str, at: datetime) -> ExportJob:
        return replace(self, status=ExportStatus.FAILED, error=error, finished_at=at)
