"""Staff routes for exports: request a file, follow its progress, download it."""

from __future__ import annotations

from datetime import date

from chalice import Blueprint  # type: ignore[attr-defined]

from chalicelib import bootstrap
from chalicelib.api import schemas
from chalicelib.api.http import Operation, operation, parse_body, staff
from chalicelib.domain.errors import NotFoundError, ValidationError
from chalicelib.domain.exports import LINK_SECONDS, ExportFormat, ExportJob, ExportKind
from chalicelib.domain.indicators import Filter
from chalicelib.domain.threads import Channel
from chalicelib.services import exports
from chalicelib.services.exports import ExportRequest

exports_api = Blueprint(__name__)


@operation(
    exports_api,
    Operation(
        "requestExport",
        "POST",
        "/console/exports",
        "Export a period's threads or indicators as CSV or XLSX (an asynchronous job)",
        "exports",
        schemas.ExportView,
        status=202,
        body=schemas.ExportBody,
        staff=True,
        errors=(422,),
    ),
)
def request_export() -> schemas.ExportView:
    identity = staff()
    body = parse_body(schemas.ExportBody)
    wanted = ExportRequest(
        kind=ExportKind(body.kind),
        format=ExportFormat(body.format),
        start=_date(body.start, "from"),
        end=_date(body.end, "to"),
        filter=Filter(
            theme=body.theme,
            quartier=body.quartier,
            channel=Channel(body.channel) if body.channel else None,
        ),
    )
    return export_view(exports.request_export(bootstrap.ports(), identity, wanted))


@operation(
    exports_api,
    Operation(
        "listExports",
        "GET",
        "/console/exports",
        "The caller's recent exports (every member's for admins), newest first",
        "exports",
        schemas.ExportList,
        staff=True,
    ),
)
def list_exports() -> schemas.ExportList:
    identity = staff()
    jobs = exports.list_exports(bootstrap.ports(), identity)
    return schemas.ExportList(items=[export_view(job) for job in jobs])


@operation(
    exports_api,
    Operation(
        "getExport",
        "GET",
        "/console/exports/{export_id}",
        "An export's status and progress, with a short-lived download link once done",
        "exports",
        schemas.ExportView,
        staff=True,
        errors=(404,),
    ),
)
def get_export(export_id: str) -> schemas.ExportView:
    identity = staff()
    if not export_id.isalnum() or len(export_id) > 40:
        raise NotFoundError("unknown export", code="export_not_found")
    found = exports.get_export(bootstrap.ports(), identity, export_id)
    return export_view(found.job, found.download_url)


def export_view(job: ExportJob, download_url: str | None = None) -> schemas.ExportView:
    return schemas.ExportView(
        id=job.export_id,
        kind=job.kind.value,
        format=job.format.value,
        start=job.start.isoformat(),
        end=job.end.isoformat(),
        theme=job.theme,
        quartier=job.quartier,
        channel=job.channel.value if job.channel else None,
        status=job.status.value,
        percent=job.percent,
        rows=job.rows,
        masked=job.masked,
        created_at=job.created_at,
        finished_at=job.finished_at,
        expires_at=job.expires_at,
        error=job.error or None,
        download_url=download_url,
        download_expires_in=LINK_SECONDS if download_url else None,
    )


def _date(value: str, name: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as error:
        raise ValidationError(f"{name} is a date (YYYY-MM-DD)", code="invalid_period") from error
