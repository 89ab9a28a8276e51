"""An erasure reaches the export files that may hold the citizen's texts as written: which
ones, what their jobs say afterwards, and a worker writing one while the erasure runs."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from chalicelib.adapters.memory import InMemoryFileStore
from chalicelib.domain.exports import (
    ERASED,
    ExportFormat,
    ExportJob,
    ExportKind,
    ExportStatus,
)
from chalicelib.domain.staff import Role
from chalicelib.ports import AnalysisJob, Ports
from chalicelib.services import analysis, exports, feedback, privacy
from chalicelib.services.exports import ExportRequest
from chalicelib.services.feedback import SubmitFeedback
from tests.fakes import BIOT, VALBONNE, Clock, memory_ports, staff

pytestmark = pytest.mark.unit

NOVEMBER = (date(2026, 11, 1), date(2026, 11, 30))
OCTOBER = (date(2026, 10, 1), date(2026, 10, 31))
OPINION = SubmitFeedback(
    theme="proprete",
    text="Je m'appelle Jeanne Martin, les poubelles débordent devant chez moi.",
    email="jeanne@example.org",
    consent=True,
)


def job(kind=ExportKind.THREADS, masked=False, period=NOVEMBER, **fields) -> ExportJob:
    return ExportJob(
        BIOT,
        "01jdx0000000000000000000a1",
        kind,
        ExportFormat.CSV,
        *period,
        "admin@example.org",
        masked,
        datetime(2026, 11, 20, tzinfo=UTC),
        **fields,
    )


@pytest.mark.parametrize(
    ("export", "holds"),
    [
        (job(status=ExportStatus.DONE), True),
        (job(status=ExportStatus.RUNNING), True),
        (job(status=ExportStatus.DONE, theme="voirie"), True),  # a theme can change later
        (job(status=ExportStatus.QUEUED), False),  # will read the texts anonymised
        (job(status=ExportStatus.DONE, masked=True), False),  # only what erasure keeps
        (job(ExportKind.INDICATORS, status=ExportStatus.DONE), False),  # counts only
        (job(status=ExportStatus.DONE, period=OCTOBER), False),
        (job(status=ExportStatus.DONE).erased(datetime(2026, 11, 21, tzinfo=UTC)), False),
    ],
)
def test_which_export_files_may_hold_an_opinion_as_written(export, holds):
    assert export.may_hold_text_of(datetime(2026, 11, 2, 9, tzinfo=UTC)) is holds


def test_the_day_of_an_opinion_is_the_day_in_paris():
    # 23:30 UTC on 31 October is already 1 November in Paris.
    late = datetime(2026, 10, 31, 23, 30, tzinfo=UTC)
    assert job(status=ExportStatus.DONE).may_hold_text_of(late)
    assert not job(status=ExportStatus.DONE, period=OCTOBER).may_hold_text_of(late)


def opinion(ports: Ports, commune: str = "biot", wanted: SubmitFeedback = OPINION):
    receipt = feedback.submit_feedback(ports, commune, wanted)
    commune_id = ports.communes.get_by_slug(commune).commune_id
    analysed = AnalysisJob(commune_id, receipt.thread_id, receipt.thread_id)
    analysis.record(ports, analysis.prepare(ports, [analysed])[analysed])
    return receipt


def exported(ports: Ports, role: Role, period=NOVEMBER, kind=ExportKind.THREADS, commune=BIOT):
    requested = exports.request_export(
        ports, staff(commune, role), ExportRequest(kind, ExportFormat.CSV, *period)
    )
    done = exports.run_export(ports, commune, requested.export_id)
    assert done is not None and done.status is ExportStatus.DONE
    assert done.object_key in ports.files.files
    return done


def test_a_citizens_erasure_deletes_the_unmasked_thread_exports_of_their_opinions_day():
    ports = memory_ports()
    receipt = opinion(ports)
    opinion(ports, "valbonne", replace(OPINION, email="paul@example.org"))
    holding = exported(ports, Role.ADMIN)
    masked = exported(ports, Role.VIEWER)
    counts = exported(ports, Role.ADMIN, kind=ExportKind.INDICATORS)
    october = exported(ports, Role.ADMIN, OCTOBER)
    valbonne = exported(ports, Role.ADMIN, commune=VALBONNE)
    assert "Jeanne" in ports.files.files[holding.object_key][0].decode()

    privacy.erase_by_citizen(ports, receipt.followup_token)

    assert holding.object_key not in ports.files.files
    for kept in (masked, counts, october, valbonne):
        assert kept.object_key in ports.files.files
        assert ports.exports.get(kept.commune_id, kept.export_id).status is ExportStatus.DONE
    erased = exports.get_export(ports, staff(role=Role.ADMIN), holding.export_id)
    assert (erased.job.status, erased.job.error, erased.download_url) == (
        ExportStatus.FAILED,
        ERASED,
        None,
    )
    assert erased.job.rows == 1  # what the file held stays readable
    listed = exports.list_exports(ports, staff(role=Role.ADMIN))
    assert holding.export_id in [j.export_id for j in listed if j.is_erased]
    [entry] = [
        e
        for e in ports.activity.page(BIOT, 20, None, False).items
        if e.kind.value == "contact.erased"
    ]
    assert (entry.actor, entry.details["exports"], entry.details["threads"]) == ("citizen", 1, 1)


def test_an_admins_erasure_and_the_retention_sweep_delete_them_too():
    clock = Clock()
    ports = memory_ports(clock)
    first = opinion(ports)
    by_admin = exported(ports, Role.ADMIN)
    privacy.erase_by_admin(ports, staff(role=Role.ADMIN), first.thread_id)
    assert by_admin.object_key not in ports.files.files
    assert ports.exports.get(BIOT, by_admin.export_id).is_erased

    opinion(ports, wanted=replace(OPINION, email="paul@example.org"))
    swept = exported(ports, Role.ADMIN)
    clock.advance(days=731)  # past Biot's 730 days of retention
    assert privacy.sweep_expired(ports, BIOT) == 1
    assert swept.object_key not in ports.files.files
    assert ports.exports.get(BIOT, swept.export_id).is_erased
    entries = ports.activity.page(BIOT, 20, None, False).items
    assert [e.details["exports"] for e in entries if e.kind.value == "contact.erased"] == [1, 1]


def test_a_failed_export_keeps_its_reason_but_loses_any_file_it_left():
    ports = memory_ports()
    receipt = opinion(ports)
    leftover = exported(ports, Role.ADMIN)
    ports.exports.save(replace(leftover, status=ExportStatus.FAILED, error="TimeoutError"))

    privacy.erase_by_citizen(ports, receipt.followup_token)

    assert leftover.object_key not in ports.files.files
    assert ports.exports.get(BIOT, leftover.export_id).error == "TimeoutError"


def test_an_erased_job_stays_erased_whatever_a_worker_saves_over_it():
    ports = memory_ports()
    erased = job(status=ExportStatus.RUNNING).erased(datetime(2026, 11, 21, tzinfo=UTC))
    ports.exports.save(erased)
    ports.exports.save(job(status=ExportStatus.RUNNING).progressed(250, 1000))
    ports.exports.save(job().finished(1000, datetime(2026, 11, 21, tzinfo=UTC)))
    assert ports.exports.get(BIOT, erased.export_id) == erased


class ErasingWhileWriting(InMemoryFileStore):
    """The erasure happens while the worker writes the file: after it read the texts."""

    def __init__(self, ports: Ports, token: str) -> None:
        super().__init__()
        self.ports, self.token = ports, token

    def put(self, key: str, path: str, content_type: str) -> None:
        privacy.erase_by_citizen(self.ports, self.token)
        super().put(key, path, content_type)


def test_a_file_being_written_during_the_erasure_is_deleted_by_its_worker():
    ports = memory_ports()
    receipt = opinion(ports)
    ports.files = ErasingWhileWriting(ports, receipt.followup_token)
    requested = exports.request_export(
        ports,
        staff(role=Role.ADMIN),
        ExportRequest(ExportKind.THREADS, ExportFormat.CSV, *NOVEMBER),
    )

    ended = exports.run_export(ports, BIOT, requested.export_id)

    assert ended is not None and ended.is_erased
    assert ports.files.files == {}
    assert ports.exports.get(BIOT, requested.export_id).is_erased
