"""Exports end to end on moto: request over HTTP, the SQS worker writes to S3, the requester
gets a presigned link that expires."""

from __future__ import annotations

import io
import json
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlparse
from zoneinfo import ZoneInfo

import boto3
import pytest
from openpyxl import load_workbook

from chalicelib import config, resources
from chalicelib.ports import AnalysisJob
from chalicelib.services import analysis
from chalicelib.workers.exports import handle_export
from local.worker import LambdaContext, sqs_event
from tests.fakes import BIOT
from tests.integration.conftest import REGION, login

pytestmark = pytest.mark.integration


def call(client: Any, method: str, path: str, token: str, body: Any = None) -> Any:
    headers = {"authorization": f"Bearer {token}", "content-type": "application/json"}
    raw = json.dumps(body) if body is not None else None
    return getattr(client.http, method)(path, headers=headers, body=raw)


def run_worker() -> dict[str, Any]:
    sqs = boto3.client("sqs", region_name=REGION)
    url = config.queue_url(resources.EXPORTS_QUEUE)
    messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1).get("Messages", [])
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]
    event = sqs_event(messages, arn["QueueArn"], REGION)
    return handle_export(event, LambdaContext("exports", 900))


def test_a_viewer_exports_masked_threads_as_xlsx_and_downloads_them(client, aws, ports):
    text = "Le lampadaire est cassé devant le 12 rue des Roses, mon numéro : 06 11 22 33 44."
    body = {"theme": "voirie-stationnement", "text": text}
    headers = {"content-type": "application/json"}
    response = client.http.post("/communes/biot/feedback", headers=headers, body=json.dumps(body))
    thread_id = json.loads(response.body)["id"]
    job = AnalysisJob(BIOT, thread_id, thread_id)
    analysis.record(ports, analysis.prepare(ports, [job])[job])

    viewer = login(aws, "viewer@biot.demo")
    today = datetime.now(ZoneInfo("Europe/Paris")).date()
    wanted = {
        "kind": "threads",
        "format": "xlsx",
        "from": (today - timedelta(days=1)).isoformat(),
        "to": today.isoformat(),
    }
    accepted = call(client, "post", "/console/exports", viewer, wanted)
    assert accepted.status_code == 202
    export = json.loads(accepted.body)
    assert (export["status"], export["masked"], export["downloadUrl"]) == ("queued", True, None)

    assert run_worker() == {"batchItemFailures": []}
    done = json.loads(call(client, "get", f"/console/exports/{export['id']}", viewer).body)
    assert (done["status"], done["percent"], done["rows"]) == ("done", 100, 1)
    link = urlparse(done["downloadUrl"])
    query = parse_qs(link.query)
    assert query["X-Amz-Expires"] == ["900"] and "X-Amz-Signature" in query
    assert done["downloadExpiresIn"] == 900
    key = f"exports/{BIOT}/{export['id']}.xlsx"
    assert link.path.endswith(key)

    s3 = boto3.client("s3", region_name=REGION)
    blob = s3.get_object(Bucket=config.bucket_name(resources.EXPORTS_BUCKET), Key=key)
    sheet = load_workbook(io.BytesIO(blob["Body"].read())).active
    header, row = list(sheet.values)
    exported = dict(zip(header, row, strict=True))
    assert exported["Identifiant"] == thread_id
    assert "06 11 22 33 44" not in exported["Texte"] and "Le lampadaire" in exported["Texte"]

    listed = json.loads(call(client, "get", "/console/exports", viewer).body)
    assert [item["id"] for item in listed["items"]] == [export["id"]]
    for other in ("agent@biot.demo", "admin@valbonne.demo"):
        path = f"/console/exports/{export['id']}"
        assert call(client, "get", path, login(aws, other)).status_code == 404


@pytest.mark.parametrize(
    "body",
    [
        {"kind": "pdf", "format": "csv", "from": "2026-11-01", "to": "2026-11-30"},
        {"kind": "threads", "format": "csv", "from": "2026-13-01", "to": "2026-11-30"},
        {"kind": "threads", "format": "csv", "from": "2026-11-30", "to": "2026-11-01"},
        {"kind": "threads", "format": "csv", "from": "2026-11-01", "to": "2026-11-30", "x": 1},
        {
            "kind": "indicators",
            "format": "xlsx",
            "from": "2026-11-01",
            "to": "2026-11-30",
            "theme": "inconnu",
        },
    ],
)
def test_a_bad_export_request_is_a_422_and_queues_nothing(client, aws, body):
    response = call(client, "post", "/console/exports", login(aws, "agent@biot.demo"), body)
    assert response.status_code == 422
    assert run_worker() == {"batchItemFailures": []}  # nothing was queued


def test_export_routes_need_a_token_and_a_real_id(client, aws):
    assert client.http.get("/console/exports").status_code == 401
    agent = login(aws, "agent@biot.demo")
    assert call(client, "get", "/console/exports/..%2F..%2Fx", agent).status_code == 404
    assert (
        call(client, "get", "/console/exports/01jdx0000000000000000000a1", agent).status_code == 404
    )


def test_an_undecodable_message_is_reported_failed_for_the_dead_letter_queue(aws):
    event = {"Records": [{"messageId": "m1", "body": "not json", "attributes": {}}]}
    assert handle_export(event, LambdaContext("exports", 900)) == {
        "batchItemFailures": [{"itemIdentifier": "m1"}]
    }


def test_the_exports_bucket_deletes_files_after_the_jobs_retention(aws):
    s3 = boto3.client("s3", region_name=REGION)
    bucket = config.bucket_name(resources.EXPORTS_BUCKET)
    [rule] = s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]
    assert (rule["Status"], rule["Expiration"]) == ("Enabled", {"Days": 7})
