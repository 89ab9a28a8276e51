"""The citizen's rights over HTTP on moto: download, erase from the follow-up link (the raw
e-mail and its files leave S3 too), and an admin's erasure."""

from __future__ import annotations

import json

import boto3
import pytest

from chalicelib import config, resources
from tests.integration.conftest import REGION, login
from tests.integration.test_channels import citizen_mail, receive_mail

pytestmark = pytest.mark.integration
JSON = {"content-type": "application/json"}


def test_a_citizen_downloads_then_erases_their_data_from_the_follow_up_link(client, aws):
    opinion = {
        "theme": "proprete",
        "text": "Je m'appelle Jeanne Martin : les poubelles débordent devant chez moi.",
        "email": "jeanne@example.org",
        "name": "Jeanne",
        "consent": True,
    }
    token = json.loads(
        client.http.post("/communes/biot/feedback", headers=JSON, body=json.dumps(opinion)).body
    )["followUpToken"]
    data = json.loads(client.http.get(f"/followup/{token}/data").body)
    assert data["contact"]["email"] == "jeanne@example.org"
    assert data["messages"][0]["text"] == opinion["text"]

    erased = client.http.delete(f"/followup/{token}")
    assert (erased.status_code, json.loads(erased.body)) == (200, {"erased": 1})
    data = json.loads(client.http.get(f"/followup/{token}/data").body)
    assert data["contact"] is None
    assert "Jeanne" not in data["messages"][0]["text"]
    assert client.http.delete("/followup/06018.unknown").status_code == 404


def test_the_site_sends_the_links_token_in_a_header_as_proxies_log_paths(client, aws):
    opinion = {"theme": "proprete", "text": "Le square est sale.", "email": "a@example.org"}
    opinion["consent"] = True
    token = json.loads(
        client.http.post("/communes/biot/feedback", headers=JSON, body=json.dumps(opinion)).body
    )["followUpToken"]
    link = {"X-Followup-Token": token}
    assert json.loads(client.http.get("/followup", headers=link).body)["messages"][0]["text"] == (
        "Le square est sale."
    )
    sent = client.http.post("/followup", headers={**JSON, **link}, body='{"text": "Merci !"}')
    assert sent.status_code == 201
    assert json.loads(client.http.get("/followup/data", headers=link).body)["contact"] is not None
    assert json.loads(client.http.delete("/followup", headers=link).body) == {"erased": 1}
    assert json.loads(client.http.get("/followup/data", headers=link).body)["contact"] is None

    missing = client.http.get("/followup")
    assert (missing.status_code, json.loads(missing.body)["error"]["code"]) == (
        400,
        "missing_token",
    )
    forged = client.http.get("/followup", headers={"X-Followup-Token": "06018.forged"})
    assert forged.status_code == 404
    for method in ("GET", "DELETE"):
        answer = getattr(client.http, method.lower())("/privacy", headers={"X-Rights-Token": "x"})
        assert answer.status_code == 404


def test_an_admin_erases_an_emails_author_and_the_raw_mail_and_files_leave_s3(client, aws):
    [outcome] = receive_mail(citizen_mail(), "to-erase")
    s3 = boto3.client("s3", region_name=REGION)
    mail_bucket = config.bucket_name(resources.MAIL_BUCKET)
    files_bucket = config.bucket_name(resources.ATTACHMENTS_BUCKET)
    assert s3.list_objects_v2(Bucket=files_bucket).get("KeyCount") == 1

    agent = login(aws, "agent@biot.demo")
    path = f"/console/threads/{outcome.thread_id}/erasure"
    assert client.http.post(path, headers={"authorization": f"Bearer {agent}"}).status_code == 403
    admin = login(aws, "admin@biot.demo")
    done = client.http.post(path, headers={"authorization": f"Bearer {admin}"})
    assert (done.status_code, json.loads(done.body)) == (200, {"erased": 1})

    assert s3.list_objects_v2(Bucket=files_bucket).get("KeyCount") == 0
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=mail_bucket).get("Contents", [])]
    assert "inbound/to-erase" not in keys
    thread = json.loads(
        client.http.get(
            f"/console/threads/{outcome.thread_id}", headers={"authorization": f"Bearer {admin}"}
        ).body
    )
    assert thread["contact"] is None and thread["subject"] is None
    assert thread["messages"][0]["attachments"] == []
    assert "06 12 34 56 78" not in json.dumps(thread)
    valbonne = login(aws, "admin@valbonne.demo")
    other = client.http.post(path, headers={"authorization": f"Bearer {valbonne}"})
    assert other.status_code == 404


def test_the_nightly_sweep_erases_contacts_past_the_retention_date(client, aws, ports):
    from datetime import UTC, datetime, timedelta

    from chalicelib.workers.retention import handle_retention_sweep
    from local.worker import LambdaContext, scheduled_event

    opinion = {
        "theme": "proprete",
        "text": "Je m'appelle Jeanne Martin, les poubelles débordent.",
        "email": "jeanne@example.org",
        "consent": True,
    }
    token = json.loads(
        client.http.post("/communes/biot/feedback", headers=JSON, body=json.dumps(opinion)).body
    )["followUpToken"]
    ports.clock = lambda: datetime.now(UTC) + timedelta(days=731)

    result = handle_retention_sweep(
        scheduled_event("retention_sweep", "eu-west-1"), LambdaContext("sweep", 300)
    )

    assert result == {"erased": {"06018": 1, "06152": 0}, "failed": []}
    data = json.loads(client.http.get(f"/followup/{token}/data").body)
    assert data["contact"] is None and "Jeanne" not in data["messages"][0]["text"]
