"""Export use cases: staff request a file of a period's threads or indicators; a worker
writes it (with progress) to the exports bucket; its requester downloads it through a
link that expires within minutes. A citizen's erasure deletes the files that may hold
their texts as written."""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from typing import IO, TYPE_CHECKING

from chalicelib.domain import indicators
from chalicelib.domain.activity import ActivityKind, audit
from chalicelib.domain.commune import Commune
from chalicelib.domain.errors import NotFoundError
from chalicelib.domain.exports import (
    LINK_SECONDS,
    ExportFormat,
    ExportJob,
    ExportKind,
    ExportStatus,
)
from chalicelib.domain.ids import CommuneId, new_id
from chalicelib.domain.indicators import Filter
from chalicelib.domain.sla import PARIS
from chalicelib.domain.staff import Role, StaffIdentity
from chalicelib.domain.threads import Thread, ThreadFilter
from chalicelib.ports import Ports
from chalicelib.services import dashboard, validation

if TYPE_CHECKING:
    from chalicelib.services.export_files import Column, Row

logger = logging.getLogger(__name__)
LIST_LIMIT = 20
# Progress is saved every so many rows: a few writes per export, not one per row.
PROGRESS_EVERY = 250
# Far more than a commune's exports over their record's retention (a few dozen a week).
ERASURE_SCAN_LIMIT = 1000


@dataclass(frozen=True)
class ExportRequest:
    kind: ExportKind
    format: ExportFormat
    start: date
    end: date
    filter: Filter = field(default_factory=Filter)


@dataclass(frozen=True)
class ExportView:
    job: ExportJob
    download_url: str | None = None


def request_export(ports: Ports, staff: StaffIdentity, wanted: ExportRequest) -> ExportJob:
    """Queues the export; elected officials (viewers) may export too. Only admins get
    texts with personal data: everyone else gets them masked."""
    staff.require(Role.VIEWER)
    dashboard.period(wanted.start, wanted.end)  # the same bounds as the dashboard
    commune = ports.communes.get(staff.commune_id)
    if wanted.filter.theme is not None:
        validation.check_theme(commune, wanted.filter.theme)
    validation.check_quartier(commune, wanted.filter.quartier)
    job = ExportJob(
        commune_id=staff.commune_id,
        export_id=new_id(),
        kind=wanted.kind,
        format=wanted.format,
        start=wanted.start,
        end=wanted.end,
        requested_by=staff.email,
        masked=staff.role is not Role.ADMIN,
        created_at=ports.clock(),
        theme=wanted.filter.theme,
        quartier=wanted.filter.quartier,
        channel=wanted.filter.channel,
    )
    ports.exports.save(job)
    audit(
        ports.activity,
        staff.commune_id,
        job.created_at,
        ActivityKind.EXPORT_REQUESTED,
        staff.email,
        export=job.export_id,
        content=job.kind.value,
        masked=job.masked,
    )
    ports.export_queue.enqueue(job.commune_id, job.export_id)
    return job


def get_export(ports: Ports, staff: StaffIdentity, export_id: str) -> ExportView:
    """The job's state, with a fresh short-lived download link once it is done. Another
    member's export is not found (it may hold texts the caller may not read), nor one past
    its retention."""
    staff.require(Role.VIEWER)
    job = ports.exports.get(staff.commune_id, export_id)
    now = ports.clock()
    if not _visible(job, staff) or now >= job.expires_at:
        raise NotFoundError("unknown export", code="export_not_found")
    if job.abandoned(now):
        return ExportView(job.failed("interrupted", job.started_at or now))
    if job.status is not ExportStatus.DONE:
        return ExportView(job)
    url = ports.files.download_url(job.object_key, job.file_name, LINK_SECONDS)
    return ExportView(job, url)


def list_exports(ports: Ports, staff: StaffIdentity) -> list[ExportJob]:
    staff.require(Role.VIEWER)
    now = ports.clock()
    jobs = ports.exports.list(staff.commune_id, LIST_LIMIT * 5)
    return [j for j in jobs if _visible(j, staff) and now < j.expires_at][:LIST_LIMIT]


def _visible(job: ExportJob, staff: StaffIdentity) -> bool:
    """Admins see every export; others their own, and never an unmasked one (made while
    they were admin)."""
    if staff.role is Role.ADMIN:
        return True
    return job.requested_by == staff.email and job.masked


def run_export(ports: Ports, commune_id: CommuneId, export_id: str) -> ExportJob | None:
    """Writes the file of a queued export (the worker's use case). None when there is
    nothing to do: another worker has it, or it is finished. A job erased while its file
    was written ends erased, without a file."""
    job = ports.exports.claim(ports.exports.get(commune_id, export_id), ports.clock())
    if job is None:
        return None
    commune = ports.communes.get(commune_id)
    suffix = f".{job.format.value}"
    with tempfile.NamedTemporaryFile(suffix=suffix) as file:
        rows = _write(ports, commune, job, file)
        file.flush()
        ports.files.put(job.object_key, file.name, job.format.content_type)
    stored = ports.exports.get(commune_id, export_id)
    if stored.is_erased:
        # The erasure may have deleted the file before it was written: it may hold texts
        # read before they were anonymised.
        ports.files.delete(job.object_key)
        return stored
    done = job.finished(rows, ports.clock())
    ports.exports.save(done)
    return done


def erase_files_holding(ports: Ports, commune_id: CommuneId, threads: Sequence[Thread]) -> int:
    """Deletes the export files that may hold one of `threads`' texts as written, and marks
    their jobs erased so that staff see why the file is gone. Call it once the texts are
    anonymised: a job that reads them afterwards cannot pick them up. Returns the number of
    files deleted."""
    created = [thread.created_at for thread in threads]
    now = ports.clock()
    deleted = 0
    for job in ports.exports.list(commune_id, ERASURE_SCAN_LIMIT):
        if not any(job.may_hold_text_of(moment) for moment in created):
            continue
        if job.status is ExportStatus.FAILED:
            # Never handed out, but a last attempt may have written its file before failing.
            ports.files.delete(job.object_key)
            continue
        # Marked before the deletion: a worker still writing this file sees the mark once it
        # has written it, and deletes it (run_export); saving over the mark changes nothing.
        ports.exports.save(job.erased(now))
        ports.files.delete(job.object_key)
        deleted += 1
    return deleted


def release_export(ports: Ports, commune_id: CommuneId, export_id: str) -> None:
    """Puts a job whose attempt failed back in the queue state, for SQS's next attempt."""
    job = ports.exports.get(commune_id, export_id)
    if job.status is ExportStatus.RUNNING:
        ports.exports.save(replace(job, status=ExportStatus.QUEUED, started_at=None))


def fail_export(ports: Ports, commune_id: CommuneId, export_id: str, error: str) -> None:
    """Records a failure the requester sees (after the last attempt)."""
    job = ports.exports.get(commune_id, export_id)
    if job.status is not ExportStatus.DONE:
        ports.exports.save(job.failed(error, ports.clock()))


def _write(ports: Ports, commune: Commune, job: ExportJob, stream: IO[bytes]) -> int:
    from chalicelib.services import export_files  # openpyxl: paid by the export worker only

    columns: tuple[Column, ...] = export_files.THREAD_COLUMNS
    rows: Iterable[Row]
    if job.kind is ExportKind.INDICATORS:
        columns, rows = export_files.INDICATOR_COLUMNS, _indicator_rows(ports, commune, job)
    else:
        rows = _thread_rows(ports, commune, job)
    if job.format is ExportFormat.CSV:
        return export_files.write_csv(columns, rows, stream)
    return export_files.write_xlsx(columns, rows, stream, _sheet_title(commune, job))


class _Progress:
    """Saves the job's percent every PROGRESS_EVERY rows, against the expected count."""

    def __init__(self, ports: Ports, job: ExportJob, expected: int) -> None:
        self.ports, self.job, self.expected, self.rows = ports, job, expected, 0

    def tick(self) -> None:
        self.rows += 1
        if self.rows % PROGRESS_EVERY == 0:
            self.job = self.job.progressed(self.rows, self.expected)
            self.ports.exports.save(self.job)


def _thread_rows(ports: Ports, commune: Commune, job: ExportJob) -> Iterator[Row]:
    from chalicelib.services import export_files

    start = datetime.combine(job.start, time(0), tzinfo=PARIS)
    end = datetime.combine(job.end + timedelta(days=1), time(0), tzinfo=PARIS)
    wanted = ThreadFilter(theme=job.theme, quartier=job.quartier, channel=job.channel)
    progress = _Progress(ports, job, _expected_opinions(ports, job))
    for thread in ports.threads.created_between(commune.commune_id, start, end, wanted):
        result = thread.analysis.result
        # The full text is read only when the row shows it or must check it for PII.
        needs_text = not job.masked or (result is not None and bool(result.pii))
        text = _opinion_text(ports, thread.commune_id, thread.thread_id) if needs_text else ""
        yield export_files.thread_row(thread, commune, text, job.masked)
        progress.tick()


def _opinion_text(ports: Ports, commune_id: CommuneId, thread_id: str) -> str:
    # A thread's first message shares its id (services.feedback).
    return ports.threads.get_message(commune_id, thread_id, thread_id).text


def _indicator_rows(ports: Ports, commune: Commune, job: ExportJob) -> list[Row]:
    from chalicelib.services import export_files

    days = dashboard.Period(job.start, job.end).days
    counts = ports.indicators.counts(commune.commune_id, days)
    return export_files.indicator_rows(_filtered(counts, _filter_of(job)), commune)


def _expected_opinions(ports: Ports, job: ExportJob) -> int:
    """How many threads the export will hold, from the counters: its progress's 100 %."""
    days = dashboard.Period(job.start, job.end).days
    counts = ports.indicators.counts(job.commune_id, days)
    wanted = _filter_of(job)
    total = 0
    for dimensions in counts.values():
        for dimension, value in dimensions.items():
            counted = indicators.parse(dimension, value)
            if counted and counted.metric == indicators.OPINIONS and counted.matches(wanted):
                total += value
    return total


def _filter_of(job: ExportJob) -> Filter:
    return Filter(theme=job.theme, quartier=job.quartier, channel=job.channel)


def _filtered(counts: Mapping[str, Mapping[str, int]], wanted: Filter) -> dict[str, dict[str, int]]:
    """The counters the filter keeps: faceted ones that match it, and barometer votes of
    its theme (they have no quartier or channel)."""
    kept: dict[str, dict[str, int]] = {}
    for day, dimensions in counts.items():
        kept[day] = {}
        for dimension, value in dimensions.items():
            counted = indicators.parse(dimension, value)
            if counted is not None:
                keep = counted.matches(wanted)
            else:
                # Barometer votes are commune-wide: they have a theme, no quartier nor channel.
                theme = dimension.partition("|t=")[2]
                facets = wanted.quartier is None and wanted.channel is None
                keep = facets and (wanted.theme is None or theme == wanted.theme)
            if keep:
                kept[day][dimension] = value
    return kept


def _sheet_title(commune: Commune, job: ExportJob) -> str:
    what = "Avis" if job.kind is ExportKind.THREADS else "Indicateurs"
    return f"{what} {commune.name}"
