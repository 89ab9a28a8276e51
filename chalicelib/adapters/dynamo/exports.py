"""Export jobs in DynamoDB (table `exports`), kept RECORD_RETENTION days by TTL."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

from pynamodb.exceptions import DoesNotExist, PutError, UpdateError

from chalicelib.adapters.dynamo.models import ExportModel
from chalicelib.domain.errors import NotFoundError
from chalicelib.domain.exports import (
    ERASED,
    STALE_AFTER,
    ExportFormat,
    ExportJob,
    ExportKind,
    ExportStatus,
)
from chalicelib.domain.ids import CommuneId
from chalicelib.domain.threads import Channel
from chalicelib.ports import ExportRepository

_CONDITION_FAILED = "ConditionalCheckFailedException"


class DynamoExportRepository(ExportRepository):
    def save(self, job: ExportJob) -> None:
        not_erased = ExportModel.error.does_not_exist() | (ExportModel.error != ERASED)
        try:
            _item(job).save(condition=not_erased)
        except PutError as error:
            if error.cause_response_code != _CONDITION_FAILED:
                raise

    def get(self, commune_id: CommuneId, export_id: str) -> ExportJob:
        try:
            return _job(ExportModel.get(commune_id, export_id, consistent_read=True))
        except DoesNotExist as error:
            raise NotFoundError("unknown export", code="export_not_found") from error

    def list(self, commune_id: CommuneId, limit: int) -> list[ExportJob]:
        # Consistent: an erasure must see a job its worker has just claimed.
        items = ExportModel.query(
            commune_id, scan_index_forward=False, limit=limit, consistent_read=True
        )
        return [_job(item) for item in items]

    def claim(self, job: ExportJob, at: datetime) -> ExportJob | None:
        queued = ExportModel.status == ExportStatus.QUEUED.value
        abandoned = (ExportModel.status == ExportStatus.RUNNING.value) & (
            ExportModel.started_at < at - STALE_AFTER
        )
        try:
            ExportModel(job.commune_id, job.export_id).update(
                actions=[
                    ExportModel.status.set(ExportStatus.RUNNING.value),
                    ExportModel.started_at.set(at),
                ],
                condition=queued | abandoned,
            )
        except UpdateError as error:
            if error.cause_response_code == _CONDITION_FAILED:
                return None
            raise
        return replace(job, status=ExportStatus.RUNNING, started_at=at)


def _item(job: ExportJob) -> ExportModel:
    return ExportModel(
        job.commune_id,
        job.export_id,
        kind=job.kind.value,
        format=job.format.value,
        start=job.start.isoformat(),
        end=job.end.isoformat(),
        requested_by=job.requested_by,
        masked=job.masked,
        created_at=job.created_at,
        theme=job.theme,
        quartier=job.quartier,
        channel=job.channel.value if job.channel else None,
        status=job.status.value,
        percent=job.percent,
        rows=job.rows,
        started_at=job.started_at,
        finished_at=job.finished_at,
        error=job.error or None,
        expires_at=job.record_expires_at,
    )


def _job(item: ExportModel) -> ExportJob:
    return ExportJob(
        commune_id=CommuneId(item.commune_id),
        export_id=item.export_id,
        kind=ExportKind(item.kind),
        format=ExportFormat(item.format),
        start=date.fromisoformat(item.start),
        end=date.fromisoformat(item.end),
        requested_by=item.requested_by,
        masked=bool(item.masked),
        created_at=item.created_at,
        theme=item.theme,
        quartier=item.quartier,
        channel=Channel(item.channel) if item.channel else None,
        status=ExportStatus(item.status),
        percent=int(item.percent),
        rows=int(item.rows),
        started_at=item.started_at,
        finished_at=item.finished_at,
        error=item.error or "",
    )
