"""Export jobs: a staff member asks for a period's threads or indicators as a file; a worker
writes it to S3; the requester downloads it through a short-lived link."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from enum import StrEnum

from chalicelib.domain.ids import CommuneId
from chalicelib.domain.sla import PARIS
from chalicelib.domain.threads import Channel

# A job (and its file) is kept this long, then deleted (DynamoDB TTL, S3 lifecycle).
RETENTION = timedelta(days=7)
# The job's record outlives its file: an erasure finds files only through their jobs, and
# S3's lifecycle rounds up to the next midnight UTC and then removes files asynchronously.
RECORD_RETENTION = RETENTION + timedelta(days=3)
# The error of a job whose file was deleted because a citizen's data was erased.
ERASED = "contact_erased"
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
    def record_expires_at(self) -> datetime:
        return self.created_at + RECORD_RETENTION

    @property
    def is_erased(self) -> bool:
        return self.status is ExportStatus.FAILED and self.error == ERASED

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

    def may_hold_text_of(self, created_at: datetime) -> bool:
        """Whether the file may hold, as written, the text of an opinion created at
        `created_at`: an unmasked threads export whose period covers that day. Its theme,
        quartier and channel filters are ignored: staff may have changed a thread's theme or
        quartier since the file was written. Masked exports hold only what an erasure keeps
        (the masked text), and indicator exports only counts. A queued job has read nothing
        yet: its worker will read the texts as they are when it runs."""
        if self.kind is not ExportKind.THREADS or self.masked or self.is_erased:
            return False
        if self.status is ExportStatus.QUEUED:
            return False
        return self.start <= created_at.astimezone(PARIS).date() <= self.end

    def erased(self, at: datetime) -> ExportJob:
        """The job once its file is deleted for an erasure; final (see ExportRepository.save)."""
        return self.failed(ERASED, at)
