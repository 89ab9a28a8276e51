"""Export jobs with in-memory adapters: who may export what, the files, progress, links."""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from datetime import date

import pytest
from openpyxl import load_workbook

from chalicelib.domain.errors import NotFoundError, ValidationError
from chalicelib.domain.exports import ExportFormat, ExportKind, ExportStatus
from chalicelib.domain.indicators import Filter
from chalicelib.domain.staff import Role
from chalicelib.ports import AnalysisJob
from chalicelib.services import analysis, exports, feedback
from chalicelib.services.exports import ExportRequest
from chalicelib.services.feedback import SubmitFeedback
from tests.fakes import BIOT, VALBONNE, Clock, memory_ports, staff

PERIOD = (date(2026, 11, 1), date(2026, 11, 30))
PHONE_TEXT = "Les poubelles débordent devant chez moi, appelez-moi au 06 12 34 56 78."


def analysed_opinions(ports, texts, theme="proprete"):
    ids = []
    for text in texts:
        receipt = feedback.submit_feedback(ports, "biot", SubmitFeedback(theme=theme, text=text))
        job = AnalysisJob(BIOT, receipt.thread_id, receipt.thread_id)
        analysis.record(ports, analysis.prepare(ports, [job])[job])
        ids.append(receipt.thread_id)
    return ids


def request(kind=ExportKind.THREADS, fmt=ExportFormat.CSV, **filters) -> ExportRequest:
    return ExportRequest(kind, fmt, *PERIOD, filter=Filter(**filters))


def csv_rows(ports, job):
    blob, content_type = ports.files.files[job.object_key]
    assert content_type.startswith("text/csv")
    return list(csv.DictReader(io.StringIO(blob.decode("utf-8-sig")), delimiter=";"))


def test_a_viewer_gets_texts_masked_and_an_admin_in_full():
    ports = memory_ports()
    analysed_opinions(ports, [PHONE_TEXT])
    for role, masked in ((Role.VIEWER, True), (Role.ADMIN, False)):
        job = exports.request_export(ports, staff(role=role), request())
        assert job.masked is masked and job.status is ExportStatus.QUEUED
        assert ports.export_queue.jobs[-1] == (BIOT, job.export_id)
        done = exports.run_export(ports, BIOT, job.export_id)
        assert done is not None and (done.status, done.rows, done.percent) == (
            ExportStatus.DONE,
            1,
            100,
        )
        [row] = csv_rows(ports, done)
        assert ("06 12 34 56 78" in row["Texte"]) is not masked
        assert row["Thème"] == "Propreté"


def test_threads_outside_the_period_or_the_filter_are_left_out():
    clock = Clock()
    ports = memory_ports(clock)
    analysed_opinions(ports, ["Le trottoir est défoncé avenue de la gare."], theme="voirie")
    analysed_opinions(ports, ["Merci pour le nettoyage du marché, c'est impeccable."])
    clock.advance(days=40)  # December: outside the period
    analysed_opinions(ports, ["Encore des dépôts sauvages au chemin des Combes."])
    job = exports.request_export(ports, staff(role=Role.ADMIN), request(theme="proprete"))
    done = exports.run_export(ports, BIOT, job.export_id)
    [row] = csv_rows(ports, done)
    assert row["Texte"] == "Merci pour le nettoyage du marché, c'est impeccable."


def test_an_indicator_export_in_xlsx_has_a_row_per_day_and_theme():
    ports = memory_ports()
    analysed_opinions(ports, ["Les poubelles débordent.", "Bravo pour la propreté du village."])
    analysed_opinions(ports, ["La route est pleine de trous."], theme="voirie")
    job = exports.request_export(
        ports, staff(role=Role.VIEWER), request(ExportKind.INDICATORS, ExportFormat.XLSX)
    )
    done = exports.run_export(ports, BIOT, job.export_id)
    blob, content_type = ports.files.files[done.object_key]
    assert "spreadsheetml" in content_type
    sheet = load_workbook(io.BytesIO(blob)).active
    header, *rows = list(sheet.values)
    assert header[:3] == ("Jour", "Thème", "Verbatims")
    assert sorted((row[1], row[2]) for row in rows) == [
        ("Propreté", 2),
        ("Voirie et stationnement", 1),
    ]
    assert done.rows == 2


def test_progress_is_saved_while_a_long_export_runs(monkeypatch):
    ports = memory_ports()
    analysed_opinions(ports, [f"Les poubelles débordent rue numéro {n}." for n in range(5)])
    monkeypatch.setattr(exports, "PROGRESS_EVERY", 2)
    seen = []
    save = ports.exports.save
    monkeypatch.setattr(ports.exports, "save", lambda job: (seen.append(job.percent), save(job)))
    job = exports.request_export(ports, staff(), request())
    exports.run_export(ports, BIOT, job.export_id)
    assert seen == [0, 40, 80, 100]


def test_the_link_is_given_to_the_requester_once_done_and_only_while_kept():
    clock = Clock()
    ports = memory_ports(clock)
    viewer, agent = staff(role=Role.VIEWER), staff(role=Role.AGENT)
    job = exports.request_export(ports, viewer, request())
    assert exports.get_export(ports, viewer, job.export_id).download_url is None
    exports.run_export(ports, BIOT, job.export_id)
    link = exports.get_export(ports, viewer, job.export_id).download_url
    assert link is not None and "expires=900" in link and "concerto-threads-2026-11-01" in link
    with pytest.raises(NotFoundError):
        exports.get_export(ports, agent, job.export_id)  # a colleague's: maybe unmasked
    with pytest.raises(NotFoundError):
        exports.get_export(ports, staff(VALBONNE, Role.ADMIN), job.export_id)
    as_admin = exports.get_export(ports, staff(role=Role.ADMIN), job.export_id)
    assert as_admin.job == ports.exports.get(BIOT, job.export_id)
    assert [j.export_id for j in exports.list_exports(ports, viewer)] == [job.export_id]
    assert exports.list_exports(ports, agent) == []
    clock.advance(days=7)
    with pytest.raises(NotFoundError):
        exports.get_export(ports, viewer, job.export_id)
    assert exports.list_exports(ports, viewer) == []


def test_a_job_runs_once_and_a_dead_workers_job_is_taken_over():
    clock = Clock()
    ports = memory_ports(clock)
    job = exports.request_export(ports, staff(), request())
    claimed = ports.exports.claim(job, clock())
    assert claimed is not None and claimed.status is ExportStatus.RUNNING
    assert exports.run_export(ports, BIOT, job.export_id) is None  # another worker has it
    clock.advance(minutes=20)
    assert exports.run_export(ports, BIOT, job.export_id) is not None
    assert exports.run_export(ports, BIOT, job.export_id) is None  # done


def test_failures_are_released_for_a_retry_then_recorded():
    ports = memory_ports()
    job = exports.request_export(ports, staff(), request())
    ports.exports.claim(job, ports.clock())
    exports.release_export(ports, BIOT, job.export_id)
    assert ports.exports.get(BIOT, job.export_id).status is ExportStatus.QUEUED
    exports.fail_export(ports, BIOT, job.export_id, "S3UploadFailedError")
    failed = ports.exports.get(BIOT, job.export_id)
    assert (failed.status, failed.error) == (ExportStatus.FAILED, "S3UploadFailedError")


@pytest.mark.parametrize(
    ("wanted", "code"),
    [
        (
            ExportRequest(ExportKind.THREADS, ExportFormat.CSV, date(2026, 2, 1), date(2026, 1, 1)),
            "invalid_period",
        ),
        (
            ExportRequest(ExportKind.THREADS, ExportFormat.CSV, date(2025, 1, 1), date(2026, 6, 1)),
            "invalid_period",
        ),
        (request(theme="fusées"), "unknown_theme"),
        (request(quartier="atlantide"), "unknown_quartier"),
    ],
)
def test_bad_requests_are_refused_and_queue_nothing(wanted, code):
    ports = memory_ports()
    with pytest.raises(ValidationError) as refused:
        exports.request_export(ports, staff(), wanted)
    assert refused.value.code == code
    assert ports.export_queue.jobs == []


def test_period_bounds_use_paris_days():
    # 23:30 UTC on 31 October is 1 November in Paris: inside a November export.
    clock = Clock()
    clock.now = clock.now.replace(month=10, day=31, hour=23, minute=30)
    ports = memory_ports(clock)
    analysed_opinions(ports, ["Les poubelles débordent place de la mairie."])
    job = exports.request_export(ports, staff(role=Role.ADMIN), request())
    done = exports.run_export(ports, BIOT, job.export_id)
    assert done is not None and done.rows == 1


def test_an_admins_unmasked_export_is_not_for_them_once_demoted():
    ports = memory_ports()
    admin = staff(role=Role.ADMIN)
    job = exports.request_export(ports, admin, request())
    exports.run_export(ports, BIOT, job.export_id)
    demoted = replace(admin, role=Role.VIEWER)
    with pytest.raises(NotFoundError):
        exports.get_export(ports, demoted, job.export_id)
    assert exports.list_exports(ports, demoted) == []


def test_a_job_killed_on_every_attempt_shows_as_failed():
    clock = Clock()
    ports = memory_ports(clock)
    job = exports.request_export(ports, staff(), request())
    ports.exports.claim(job, clock())
    clock.advance(hours=9)
    shown = exports.get_export(ports, staff(), job.export_id)
    assert (shown.job.status, shown.job.error, shown.download_url) == (
        ExportStatus.FAILED,
        "interrupted",
        None,
    )
