"""An answer travels from the API through SQS and the delivery worker to SES, on moto."""

from __future__ import annotations

import email
import json
import re
from email.policy import default

import boto3
import pytest
from moto.core import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends

from chalicelib import config, resources
from chalicelib.workers.delivery import handle_delivery
from local.worker import LambdaContext, sqs_event
from tests.integration.conftest import REGION, login

pytestmark = pytest.mark.integration


def deliver() -> dict:
    sqs = boto3.client("sqs", region_name=REGION)
    url = config.queue_url(resources.DELIVERY_QUEUE)
    messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]
    return handle_delivery(sqs_event(messages, arn["QueueArn"], REGION), LambdaContext("d", 60))


def test_the_citizen_gets_the_answer_by_email_and_the_link_opens_their_thread(
    client, aws, monkeypatch
):
    monkeypatch.setenv("CONCERTO_SITE_URL", "http://127.0.0.1:8080")
    opinion = {
        "theme": "proprete",
        "text": "Les poubelles débordent rue du Portugon.",
        "email": "marie@citoyens.test",
        "name": "Marie",
        "consent": True,
    }
    headers = {"content-type": "application/json"}
    submitted = client.http.post(
        "/communes/biot/feedback", headers=headers, body=json.dumps(opinion)
    )
    thread_id = json.loads(submitted.body)["id"]
    agent = login(aws, "agent@biot.demo")
    answer = {"text": "Bonjour, la collecte passera jeudi.", "visibility": "private"}
    replied = client.http.post(
        f"/console/threads/{thread_id}/replies",
        headers={**headers, "authorization": f"Bearer {agent}"},
        body=json.dumps(answer),
    )
    assert replied.status_code == 201

    assert deliver() == {"batchItemFailures": []}
    # The address's verification link went out with the opinion; then the answer.
    verification, sent = ses_backends[DEFAULT_ACCOUNT_ID][REGION].sent_messages
    subject = email.message_from_string(verification.raw_data, policy=default)["Subject"]
    assert subject == "Confirmez votre adresse — mairie de Biot"
    assert set(sent.destinations) == {"marie@citoyens.test"}
    parsed = email.message_from_string(sent.raw_data, policy=default)
    text = parsed.get_body(("plain",)).get_content()
    assert "la collecte passera jeudi" in text
    token = re.search(r"http://127\.0\.0\.1:8080/suivi#(\S+)", text).group(1)
    followup = json.loads(client.http.get(f"/followup/{token}").body)
    assert followup["id"] == thread_id

    thread = json.loads(
        client.http.get(
            f"/console/threads/{thread_id}", headers={"authorization": f"Bearer {agent}"}
        ).body
    )
    assert thread["messages"][-1]["delivery"] == "sent"


def _verification_link(client, headers) -> str:
    """Delivers the queued jobs; the token of the last verification e-mail SES sent."""
    assert deliver() == {"batchItemFailures": []}
    sent = ses_backends[DEFAULT_ACCOUNT_ID][REGION].sent_messages[-1]
    text = email.message_from_string(sent.raw_data, policy=default).get_body(("plain",))
    return re.search(r"/verification#(\S+)", text.get_content()).group(1)


def test_a_citizen_proves_each_opinion_and_only_proven_ones_join_their_history(
    client, aws, monkeypatch
):
    monkeypatch.setenv("CONCERTO_SITE_URL", "http://127.0.0.1:8080")
    headers = {"content-type": "application/json"}
    opinion = {
        "theme": "proprete",
        "text": "Les poubelles débordent rue du Portugon.",
        "email": "marie@citoyens.test",
        "name": "Marie Curie",
        "consent": True,
    }

    def submit(**changes) -> dict:
        body = json.dumps({**opinion, **changes})
        answer = client.http.post("/communes/biot/feedback", headers=headers, body=body)
        assert answer.status_code == 202
        return json.loads(answer.body)

    first = submit()["id"]
    token = _verification_link(client, headers)
    verified = client.http.post(
        "/contacts/verification", headers=headers, body=json.dumps({"token": token})
    )
    assert json.loads(verified.body) == {"verified": True}
    forged = client.http.post(
        "/contacts/verification", headers=headers, body=json.dumps({"token": "x" * 40})
    )
    assert forged.status_code == 404

    # A stranger types Marie's verified address: the answer says nothing of her, the
    # follow-up link shows only what the stranger gave, and erases only their thread.
    stranger = submit(text="Le parc des Bouillides est sale.", name="Toto")
    agent = {"authorization": f"Bearer {login(aws, 'agent@biot.demo')}"}

    def thread(thread_id: str) -> dict:
        return json.loads(client.http.get(f"/console/threads/{thread_id}", headers=agent).body)

    seen = thread(stranger["id"])
    assert seen["contact"]["verified"] is False and seen["contact"]["name"] == "Toto"
    assert seen["history"] == []
    data = json.loads(client.http.get(f"/followup/{stranger['followUpToken']}/data").body)
    assert data["contact"]["name"] == "Toto"
    assert "Marie" not in json.dumps(data)
    erased = client.http.delete(f"/followup/{stranger['followUpToken']}")
    assert json.loads(erased.body) == {"erased": 1}
    assert thread(first)["contact"] == {
        "name": "Marie Curie",
        "email": "marie@citoyens.test",
        "verified": True,
        "platform": None,
    }

    # Marie's own second opinion joins her once she opens the link sent for it.
    second = submit(text="Le parc est enfin propre, merci.")["id"]
    token = _verification_link(client, headers)
    client.http.post("/contacts/verification", headers=headers, body=json.dumps({"token": token}))
    assert thread(second)["contact"]["verified"] is True
    assert [item["id"] for item in thread(second)["history"]] == [first]
