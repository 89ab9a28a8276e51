"""The daily digest on moto: subscription over HTTP, the scheduled job, SES, unsubscribe."""

from __future__ import annotations

import email
import json
from email.policy import default

import pytest
from moto.core import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends

from chalicelib.workers.digest import handle_digest
from local.worker import LambdaContext, scheduled_event
from tests.integration.conftest import REGION, login

pytestmark = pytest.mark.integration


def test_a_member_subscribes_gets_the_digest_and_unsubscribes_in_one_click(
    client, aws, monkeypatch
):
    monkeypatch.setenv("CONCERTO_SITE_URL", "http://127.0.0.1:8080")
    agent = login(aws, "agent@biot.demo")
    headers = {"authorization": f"Bearer {agent}", "content-type": "application/json"}
    body = json.dumps({"subscribed": True})
    assert (
        client.http.put("/console/digest/subscription", headers=headers, body=body).status_code
        == 200
    )
    got = client.http.get("/console/digest/subscription", headers=headers)
    assert json.loads(got.body) == {"subscribed": True}

    result = handle_digest(scheduled_event("daily_digest", REGION), LambdaContext("digest", 300))
    [report] = [r for r in result["reports"] if r["commune_id"] == "06018"]
    assert report["sent"] == 1
    [sent] = ses_backends[DEFAULT_ACCOUNT_ID][REGION].sent_messages
    parsed = email.message_from_string(sent.raw_data, policy=default)
    assert parsed["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = parsed["List-Unsubscribe"].strip("<>")
    path = link[link.index("/unsubscribe/") :]
    # The link in the text opens the site's page, which asks to confirm.
    token = path.removeprefix("/unsubscribe/")
    text = parsed.get_body(preferencelist=("plain",)).get_content()
    assert f"http://127.0.0.1:8080/desabonnement#{token}" in text

    page = client.http.get(path)  # a mail scanner opening the link changes nothing
    assert page.status_code == 200 and b'<form method="post">' in page.body  # posts to itself
    assert json.loads(client.http.get("/console/digest/subscription", headers=headers).body) == {
        "subscribed": True
    }
    done = client.http.post(
        path, headers={"content-type": "application/x-www-form-urlencoded"}, body=""
    )
    assert json.loads(done.body) == {"unsubscribed": True, "topic": "digest"}
    assert json.loads(client.http.get("/console/digest/subscription", headers=headers).body) == {
        "subscribed": False
    }
    assert client.http.post("/unsubscribe/forged-token", body="").status_code == 404
