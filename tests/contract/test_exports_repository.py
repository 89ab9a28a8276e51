"""The export repository's and the export thread listing's contract, fake and DynamoDB alike."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from chalicelib.domain.errors import NotFoundError
from chalicelib.domain.exports import ExportFormat, ExportJob, ExportKind, ExportStatus
from chalicelib.domain.threads import Channel, ThreadFilter
from tests.contract.test_repositories import stored
from tests.fakes import BIOT, VALBONNE

pytestmark = pytest.mark.contract

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def job(export_id: str, commune=BIOT, **fields) -> ExportJob:
    return ExportJob(
        commune,
        export_id,
        ExportKind.THREADS,
        ExportFormat.XLSX,
        date(2026, 10, 1),
        date(2026, 10, 31),
        "viewer@biot.demo",
        True,
        T0,
        **fields,
    )


def test_a_job_reads_back_as_written_and_lists_newest_first(ports):
    first = job("01jdx0000000000000000000a1", theme="proprete", channel=Channel.EMAIL)
    second = job("01jdx0000000000000000000b2", quartier="village")
    ports.exports.save(first)
    ports.exports.save(second)
    ports.exports.save(job("01jdx0000000000000000000c3", VALBONNE))
    assert ports.exports.get(BIOT, first.export_id) == first
    assert ports.exports.list(BIOT, 10) == [second, first]
    with pytest.raises(NotFoundError):
        ports.exports.get(VALBONNE, first.export_id)
    done = first.finished(42, T0 + timedelta(minutes=2))
    ports.exports.save(done)
    assert ports.exports.get(BIOT, first.export_id) == done


def test_a_job_is_claimed_once_unless_its_worker_died(ports):
    queued = job("01jdx0000000000000000000a1")
    ports.exports.save(queued)
    running = ports.exports.claim(queued, T0)
    assert running is not None and (running.status, running.started_at) == (
        ExportStatus.RUNNING,
        T0,
    )
    assert ports.exports.get(BIOT, queued.export_id) == running
    assert ports.exports.claim(queued, T0 + timedelta(minutes=5)) is None
    taken_over = ports.exports.claim(queued, T0 + timedelta(minutes=30))
    assert taken_over is not None and taken_over.started_at == T0 + timedelta(minutes=30)
    ports.exports.save(replace(taken_over, status=ExportStatus.DONE))
    assert ports.exports.claim(queued, T0 + timedelta(days=1)) is None


def test_threads_are_listed_by_creation_time_with_filters(ports):
    inside = stored(ports, minutes=60)
    stored(ports, minutes=-60)  # before the window
    late = stored(ports, minutes=60 * 30)  # after it
    other = stored(ports, minutes=90, theme="voirie")
    stored(ports, VALBONNE, minutes=60)
    start, end = T0, T0 + timedelta(days=1)
    found = ports.threads.created_between(BIOT, start, end, ThreadFilter())
    assert sorted(t.thread_id for t in found) == sorted([inside.thread_id, other.thread_id])
    themed = ports.threads.created_between(BIOT, start, end, ThreadFilter(theme="voirie"))
    assert [t.thread_id for t in themed] == [other.thread_id]
    assert late.thread_id not in {
        t.thread_id for t in ports.threads.created_between(BIOT, start, end, ThreadFilter())
    }
