"""Erasure reaches the export files on moto: the file that may hold the citizen's text as
written leaves S3 and its job says why; another commune's export stays."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import boto3
import pytest

from chalicelib import config, resources
from chalicelib.adapters.dynamo.models import ExportModel
from chalicelib.domain.exports import ERASED, ExportFormat, ExportJob, ExportKind, ExportStatus
from chalicelib.services import feedback
from chalicelib.services.feedback import SubmitFeedback
from tests.fakes import BIOT
from tests.integration.conftest import REGION, login
from tests.integration.test_exports_api import call, run_worker

pytestmark = pytest.mark.integration


def export_of_today(client, token: str) -> dict:
    today = datetime.now(ZoneInfo("Europe/Paris")).date()
    wanted = {
        "kind": "threads",
        "format": "csv",
        "from": today.isoformat(),
        "to": today.isoformat(),
    }
    accepted = call(client, "post", "/console/exports", token, wanted)
    assert accepted.status_code == 202
    assert run_worker() == {"batchItemFailures": []}
    export = json.loads(
        call(client, "get", f"/console/exports/{json.loads(accepted.body)['id']}", token).body
    )
    assert export["status"] == "done"
    return export


def stored_keys() -> list[str]:
    s3 = boto3.client("s3", region_name=REGION)
    listed = s3.list_objects_v2(Bucket=config.bucket_name(resources.EXPORTS_BUCKET))
    return sorted(item["Key"] for item in listed.get("Contents", []))


def test_a_citizens_erasure_deletes_the_export_file_holding_their_text(client, aws, ports):
    opinion = SubmitFeedback(
        theme="proprete",
        text="Je m'appelle Jeanne Martin : les poubelles débordent devant chez moi.",
        email="jeanne@example.org",
        consent=True,
    )
    token = feedback.submit_feedback(ports, "biot", opinion).followup_token
    biot, valbonne = login(aws, "admin@biot.demo"), login(aws, "admin@valbonne.demo")
    biot_export = export_of_today(client, biot)
    valbonne_export = export_of_today(client, valbonne)
    biot_key = f"exports/{BIOT}/{biot_export['id']}.csv"
    assert biot_key in stored_keys() and len(stored_keys()) == 2
    s3 = boto3.client("s3", region_name=REGION)
    held = s3.get_object(Bucket=config.bucket_name(resources.EXPORTS_BUCKET), Key=biot_key)
    assert "Jeanne Martin" in held["Body"].read().decode("utf-8-sig")

    assert client.http.delete(f"/followup/{token}").status_code == 200

    assert biot_key not in stored_keys() and len(stored_keys()) == 1
    erased = json.loads(call(client, "get", f"/console/exports/{biot_export['id']}", biot).body)
    assert (erased["status"], erased["error"], erased["downloadUrl"]) == ("failed", ERASED, None)
    listed = json.loads(call(client, "get", "/console/exports", biot).body)["items"]
    assert [(e["id"], e["error"]) for e in listed] == [(biot_export["id"], ERASED)]
    kept = call(client, "get", f"/console/exports/{valbonne_export['id']}", valbonne)
    assert json.loads(kept.body)["status"] == "done"
    assert json.loads(kept.body)["downloadUrl"] is not None
    audit = json.loads(call(client, "get", "/console/audit?actor=all", biot).body)["items"]
    [entry] = [e for e in audit if e["kind"] == "contact.erased"]
    assert entry["details"] == {"threads": 1, "exports": 1, "reason": "request"}


def test_dynamo_keeps_an_erased_job_erased_and_its_record_past_the_files_life(ports):
    created = datetime(2026, 11, 2, 9, tzinfo=ZoneInfo("UTC"))
    running = ExportJob(
        BIOT,
        "01jdx0000000000000000000a1",
        ExportKind.THREADS,
        ExportFormat.XLSX,
        created.date(),
        created.date(),
        "admin@biot.demo",
        False,
        created,
        status=ExportStatus.RUNNING,
        started_at=created,
    )
    ports.exports.save(running)
    erased = running.erased(created + timedelta(minutes=3))
    ports.exports.save(erased)
    ports.exports.save(running.finished(12, created + timedelta(minutes=4)))
    assert ports.exports.get(BIOT, running.export_id) == erased
    assert ports.exports.claim(erased, created + timedelta(hours=1)) is None

    item = ExportModel.get(BIOT, running.export_id)
    # S3's lifecycle removes the file 7 days on (to the next midnight, then asynchronously):
    # the record that leads an erasure to it lives longer.
    assert item.expires_at - created == timedelta(days=10)
