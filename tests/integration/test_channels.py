"""Channels on moto: e-mail through the mail bucket's event and SES, signed contact forms,
and Meta webhooks through the inbound queue to the (fake) Graph API."""

from __future__ import annotations

import email
import json
import time
from collections.abc import Iterator
from email.message import EmailMessage
from email.policy import default

import boto3
import pytest
from moto.core import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends

from chalicelib import config, resources
from chalicelib.adapters.graph import GraphClient, GraphSocialNetwork
from chalicelib.channels import forms as form_signatures
from chalicelib.channels.meta import signature as meta_signature
from chalicelib.services.inbound import NO_TEXT
from chalicelib.workers.analysis import handle_analysis
from chalicelib.workers.delivery import handle_delivery
from chalicelib.workers.inbound import handle_inbound
from chalicelib.workers.mail import process_event
from local.graph import FakeGraph
from local.mailbox import s3_event
from local.seed import DEFAULT_META_SECRET, DEFAULT_META_VERIFY_TOKEN, demo_accounts
from local.worker import LambdaContext, sqs_event
from tests.fakes import KeywordAnalyzer
from tests.integration.conftest import REGION, login

pytestmark = pytest.mark.integration
JSON = {"content-type": "application/json"}


def drain(queue: resources.Queue, handler) -> list[dict]:
    sqs = boto3.client("sqs", region_name=REGION)
    url = config.queue_url(queue)
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]
    results = []
    while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages"):
        result = handler(sqs_event(messages, arn["QueueArn"], REGION), LambdaContext("t", 60))
        results.append(result)
        for message in messages:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return results


def receive_mail(message: EmailMessage, key: str) -> list:
    bucket = config.bucket_name(resources.MAIL_BUCKET)
    boto3.client("s3", region_name=REGION).put_object(
        Bucket=bucket, Key=f"inbound/{key}", Body=message.as_bytes()
    )
    return process_event(s3_event(bucket, f"inbound/{key}", REGION))


def citizen_mail(**headers: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = "Jeanne Martin <jeanne@example.org>"
    message["To"] = "biot@concerto.local"
    message["Subject"] = "Lampadaire éteint"
    message["Message-ID"] = "<m1@example.org>"
    for name, value in headers.items():
        del message[name.replace("_", "-")]
        message[name.replace("_", "-")] = value
    message.set_content(
        "Bonjour,\nLe lampadaire du chemin des Aspres est éteint.\n\n-- \nJeanne Martin\n"
        "06 12 34 56 78"
    )
    message.add_attachment(
        b"%PDF-1.4 tiny", maintype="application", subtype="pdf", filename="photo-rue.pdf"
    )
    return message


def get(client, path: str, token: str):
    response = client.http.get(path, headers={"authorization": f"Bearer {token}"})
    return response.status_code, json.loads(response.body or b"null")


def test_an_email_becomes_a_thread_with_its_original_and_attachment_and_the_answer_threads(
    client, aws
):
    [outcome] = receive_mail(citizen_mail(), "one")
    assert outcome.status == "filed"
    agent = login(aws, "agent@biot.demo")

    status, thread = get(client, f"/console/threads/{outcome.thread_id}", agent)
    assert status == 200
    assert (thread["channel"], thread["theme"], thread["subject"]) == (
        "email",
        "a-classer",
        "Lampadaire éteint",
    )
    [message] = thread["messages"]
    assert message["text"] == "Bonjour,\nLe lampadaire du chemin des Aspres est éteint."
    assert message["hasOriginal"] is True
    assert message["attachments"][0]["name"] == "photo-rue.pdf"
    assert thread["contact"]["email"] == "jeanne@example.org"

    base = f"/console/threads/{outcome.thread_id}/messages/{message['id']}"
    status, original = get(client, f"{base}/original", agent)
    assert status == 200
    assert original["fullText"].endswith("06 12 34 56 78")
    assert original["rawUrl"].startswith("http")
    status, attachment = get(client, f"{base}/attachments/0", agent)
    assert status == 200 and attachment["contentType"] == "application/pdf"
    s3_key = attachment["url"].split("?")[0].rsplit("/", 3)[-3:]
    assert s3_key[0] == "06018"
    assert get(client, f"{base}/attachments/7", agent)[0] == 404
    viewer = login(aws, "viewer@biot.demo")
    assert get(client, f"{base}/original", viewer)[0] == 403
    valbonne = login(aws, "agent@valbonne.demo")
    assert get(client, f"{base}/original", valbonne)[0] == 404

    replied = client.http.post(
        f"/console/threads/{outcome.thread_id}/replies",
        headers={**JSON, "authorization": f"Bearer {agent}"},
        body=json.dumps({"text": "Une équipe passe jeudi.", "visibility": "private"}),
    )
    assert replied.status_code == 201
    assert drain(resources.DELIVERY_QUEUE, handle_delivery) == [{"batchItemFailures": []}]
    [sent] = ses_backends[DEFAULT_ACCOUNT_ID][REGION].sent_messages
    answer = email.message_from_string(sent.raw_data, policy=default)
    assert answer["Subject"] == "Re: Lampadaire éteint"
    assert answer["In-Reply-To"] == "<m1@example.org>"
    assert answer["References"] == "<m1@example.org>"
    reply_address = answer["From"].addresses[0].addr_spec
    assert reply_address.startswith(f"biot+{outcome.thread_id}-")

    # The citizen answers from a client that drops the reply address: References thread it.
    again = citizen_mail(
        Message_ID="<m2@example.org>", In_Reply_To=answer["Message-ID"], Subject="Re: Lampadaire"
    )
    [second] = receive_mail(again, "two")
    assert second.thread_id == outcome.thread_id
    # And one that writes to the reply address with no threading header at all.
    third = citizen_mail(Message_ID="<m3@example.org>", To=reply_address)
    assert receive_mail(third, "three")[0].thread_id == outcome.thread_id
    # The same e-mail delivered twice is filed once.
    assert receive_mail(third, "three-again")[0].thread_id == outcome.thread_id
    status, thread = get(client, f"/console/threads/{outcome.thread_id}", agent)
    assert [m["author"] for m in thread["messages"]] == ["citizen", "commune", "citizen", "citizen"]
    assert thread["status"] == "in_progress"


def test_auto_replies_and_unreadable_mail_are_set_aside_with_a_reason(client, aws):
    out_of_office = citizen_mail(Subject="Réponse automatique : absent")
    out_of_office["Auto-Submitted"] = "auto-replied"
    [ignored] = receive_mail(out_of_office, "ooo")
    assert ignored.status == "ignored"
    [broken] = receive_mail(EmailMessage(), "empty")
    # An empty message names no commune: it is dropped with a log, nothing to file.
    assert broken.status == "not_ours"
    nameless = EmailMessage()
    nameless["To"] = "biot@concerto.local"
    nameless.set_content("Bonjour")
    [aside] = receive_mail(nameless, "nameless")
    assert aside.status == "set_aside"

    agent = login(aws, "agent@biot.demo")
    status, listed = get(client, "/console/channels/set-aside", agent)
    assert status == 200
    reasons = [item["reason"] for item in listed["items"]]
    assert any(reason.startswith("auto-reply") for reason in reasons)
    assert len(reasons) == 2
    status, threads = get(client, "/console/threads?channel=email", agent)
    assert threads["items"] == []
    assert get(client, "/console/channels/set-aside", login(aws, "agent@valbonne.demo"))[1] == {
        "items": []
    }


def test_a_signed_form_submission_is_filed_and_a_replay_refused(client, aws):
    admin = login(aws, "admin@biot.demo")
    created = client.http.post(
        "/console/channels/form-keys", headers={"authorization": f"Bearer {admin}"}
    )
    assert created.status_code == 201
    secret = json.loads(created.body)["secret"]
    body = json.dumps(
        {"id": "site-42", "text": "Nid-de-poule rue du Portugon.", "theme": "voirie-stationnement"}
    ).encode()
    signed = {**JSON, "x-concerto-signature": form_signatures.sign(secret, int(time.time()), body)}

    accepted = client.http.post("/channels/forms/biot", headers=signed, body=body)
    assert accepted.status_code == 202, accepted.body
    thread_id = json.loads(accepted.body)["id"]
    assert client.http.post("/channels/forms/biot", headers=signed, body=body).status_code == 409
    forged = {**JSON, "x-concerto-signature": form_signatures.sign("cfk_x", int(time.time()), body)}
    refused = client.http.post("/channels/forms/biot", headers=forged, body=body)
    assert refused.status_code == 401
    assert json.loads(refused.body)["error"]["code"] == "invalid_signature"
    # Another commune's key signs nothing here.
    unsigned = client.http.post("/channels/forms/valbonne", headers=signed, body=body)
    assert unsigned.status_code == 401

    agent = login(aws, "agent@biot.demo")
    _, thread = get(client, f"/console/threads/{thread_id}", agent)
    assert (thread["channel"], thread["theme"]) == ("form", "voirie-stationnement")
    _, channels = get(client, "/console/channels", admin)
    assert channels["emailAddress"] == "biot@concerto.local"
    assert channels["forms"]["webhookUrl"].endswith("/channels/forms/biot")
    assert "formulaire.js" in channels["forms"]["embedSnippet"]
    assert [key["active"] for key in channels["forms"]["keys"]] == [True]
    assert "secret" not in json.dumps(channels["forms"]["keys"])
    assert get(client, "/console/channels", agent)[1]["forms"]["keys"] is None


@pytest.fixture
def graph(ports) -> Iterator[FakeGraph]:
    with FakeGraph() as fake:
        ports.social = GraphSocialNetwork(GraphClient(fake.base_url))
        yield fake


def meta_post(client, payload: dict, secret: str = DEFAULT_META_SECRET):
    raw = json.dumps(payload).encode()
    headers = {**JSON, "x-hub-signature-256": meta_signature.sign(secret, raw)}
    return client.http.post("/channels/meta/biot", headers=headers, body=raw)


def messenger(page: str, sender: str, mid: str, text: str) -> dict:
    event = {
        "sender": {"id": sender},
        "recipient": {"id": page},
        "timestamp": int(time.time() * 1000),
        "message": {"mid": mid, "text": text},
    }
    return {
        "object": "page",
        "entry": [{"id": page, "time": event["timestamp"], "messaging": [event]}],
    }


def test_meta_webhook_handshake_and_signature(client, aws):
    query = "hub.mode=subscribe&hub.challenge=1158201444"
    ok = client.http.get(
        f"/channels/meta/biot?{query}&hub.verify_token={DEFAULT_META_VERIFY_TOKEN}"
    )
    assert (ok.status_code, ok.body) == (200, b"1158201444")
    assert client.http.get(f"/channels/meta/biot?{query}&hub.verify_token=nope").status_code == 403
    page = demo_accounts(0)[0][1]
    payload = messenger(page, "psid-1", "mid.1", "Bonjour, la piscine ouvre quand ?")
    assert meta_post(client, payload, secret="wrong-secret").status_code == 401
    raw = json.dumps(payload).encode()
    tampered = client.http.post(
        "/channels/meta/biot",
        headers={**JSON, "x-hub-signature-256": meta_signature.sign(DEFAULT_META_SECRET, raw)},
        body=raw + b" ",
    )
    assert tampered.status_code == 401
    bad = meta_post(client, {"hello": "world"})
    assert bad.status_code == 400


def test_a_messenger_message_becomes_a_thread_and_the_answer_goes_back_through_graph(
    client, aws, graph
):
    page = demo_accounts(0)[0][1]
    first = meta_post(
        client, messenger(page, "psid-1", "mid.1", "Bonjour, la piscine ouvre quand ?")
    )
    assert (first.status_code, json.loads(first.body)) == (200, {"queued": 1})
    # Meta delivers again: still one message.
    assert (
        meta_post(
            client, messenger(page, "psid-1", "mid.1", "Bonjour, la piscine ouvre quand ?")
        ).status_code
        == 200
    )
    meta_post(client, messenger(page, "psid-1", "mid.2", "Et le dimanche ?"))
    statuses = {
        "object": "page",
        "entry": [
            {
                "id": page,
                "time": 1,
                "messaging": [
                    {
                        "sender": {"id": "psid-1"},
                        "recipient": {"id": page},
                        "timestamp": 1,
                        "read": {"watermark": 1},
                    }
                ],
            }
        ],
    }
    assert json.loads(meta_post(client, statuses).body) == {"queued": 0}
    assert drain(resources.INBOUND_QUEUE, handle_inbound) == [{"batchItemFailures": []}]

    agent = login(aws, "agent@biot.demo")
    _, listed = get(client, "/console/threads?channel=social", agent)
    [summary] = listed["items"]
    _, thread = get(client, f"/console/threads/{summary['id']}", agent)
    assert [m["text"] for m in thread["messages"]] == [
        "Bonjour, la piscine ouvre quand ?",
        "Et le dimanche ?",
    ]
    assert thread["contact"] == {
        "name": None,
        "email": None,
        "verified": False,
        "platform": "facebook",
    }

    client.http.post(
        f"/console/threads/{summary['id']}/replies",
        headers={**JSON, "authorization": f"Bearer {agent}"},
        body=json.dumps({"text": "Bonjour, de 9 h à 19 h.", "visibility": "private"}),
    )
    assert drain(resources.DELIVERY_QUEUE, handle_delivery) == [{"batchItemFailures": []}]
    [sent] = graph.sent
    assert sent["path"].endswith(f"/{page}/messages")
    assert sent["json"]["recipient"] == {"id": "psid-1"}
    assert sent["json"]["message"]["text"] == "Bonjour, de 9 h à 19 h."
    assert sent["token"] == "demo-page-token"
    _, thread = get(client, f"/console/threads/{summary['id']}", agent)
    assert thread["messages"][-1]["delivery"] == "sent"


def test_an_expired_token_fails_the_answer_at_once_and_shows_in_the_channel_health(
    client, aws, graph
):
    admin = login(aws, "admin@biot.demo")
    page = "555001"
    settings = {
        "appSecret": DEFAULT_META_SECRET,
        "verifyToken": DEFAULT_META_VERIFY_TOKEN,
        "accounts": [
            {"platform": "facebook", "accountId": page, "name": "Page", "accessToken": "expired"}
        ],
    }
    configured = client.http.put(
        "/console/channels/social",
        headers={**JSON, "authorization": f"Bearer {admin}"},
        body=json.dumps(settings),
    )
    assert configured.status_code == 200
    assert "expired" not in configured.body.decode()
    meta_post(client, messenger(page, "psid-9", "mid.9", "Le marché est-il maintenu ?"))
    drain(resources.INBOUND_QUEUE, handle_inbound)
    agent = login(aws, "agent@biot.demo")
    [summary] = get(client, "/console/threads?channel=social", agent)[1]["items"]
    client.http.post(
        f"/console/threads/{summary['id']}/replies",
        headers={**JSON, "authorization": f"Bearer {agent}"},
        body=json.dumps({"text": "Oui, comme chaque samedi.", "visibility": "private"}),
    )
    assert drain(resources.DELIVERY_QUEUE, handle_delivery) == [{"batchItemFailures": []}]
    thread = get(client, f"/console/threads/{summary['id']}", agent)[1]
    assert thread["messages"][-1]["delivery"] == "failed"
    assert "expired" in thread["messages"][-1]["deliveryDetail"]
    _, channels = get(client, "/console/channels", admin)
    [account] = channels["social"]["accounts"]
    assert account["tokenExpired"] is True
    assert channels["social"]["lastEventAt"] is not None
    # One attempt, refused: an expired token is not retried.
    assert [attempt["status"] for attempt in graph.sent] == [400]


def test_a_blind_copy_to_the_commune_is_filed_from_the_received_header(client, aws):
    blind = citizen_mail(To="conseil@example.org", Message_ID="<bcc-1@example.org>")
    blind["Received"] = (
        "from mail.example.org by inbound-smtp.eu-west-1.amazonaws.com with SMTP id x1 "
        "for biot@concerto.local; Sun, 29 Nov 2026 07:00:00 +0000"
    )
    [outcome] = receive_mail(blind, "bcc")
    assert outcome.status == "filed"
    unknown = citizen_mail(To="conseil@example.org", Message_ID="<bcc-2@example.org>")
    assert receive_mail(unknown, "nobody")[0].status == "not_ours"


def test_a_bounce_of_the_answer_shows_it_as_not_delivered(client, aws):
    [outcome] = receive_mail(citizen_mail(Message_ID="<b-1@example.org>"), "to-bounce")
    agent = login(aws, "agent@biot.demo")
    client.http.post(
        f"/console/threads/{outcome.thread_id}/replies",
        headers={**JSON, "authorization": f"Bearer {agent}"},
        body=json.dumps({"text": "Une équipe passe jeudi.", "visibility": "private"}),
    )
    drain(resources.DELIVERY_QUEUE, handle_delivery)
    [sent] = ses_backends[DEFAULT_ACCOUNT_ID][REGION].sent_messages
    reply_address = email.message_from_string(sent.raw_data, policy=default)["From"].addresses[0]

    bounce = EmailMessage()
    bounce["From"] = "Mail Delivery System <MAILER-DAEMON@example.org>"
    bounce["To"] = reply_address.addr_spec
    bounce["Subject"] = "Undelivered Mail Returned to Sender"
    bounce["Message-ID"] = "<dsn-1@example.org>"
    bounce.set_content("This is the mail system. The address jeanne@example.org does not exist.")
    bounce.replace_header("Content-Type", 'text/plain; charset="utf-8"')
    [ignored] = receive_mail(bounce, "dsn")

    assert ignored.status == "ignored"
    _, thread = get(client, f"/console/threads/{outcome.thread_id}", agent)
    answer = thread["messages"][-1]
    assert (answer["author"], answer["delivery"]) == ("commune", "failed")
    assert "returned the answer" in answer["deliveryDetail"]
    assert len(thread["messages"]) == 2


# --- SES verdicts ------------------------------------------------------------------------


def receive_raw(raw: bytes, key: str) -> list:
    bucket = config.bucket_name(resources.MAIL_BUCKET)
    boto3.client("s3", region_name=REGION).put_object(Bucket=bucket, Key=f"inbound/{key}", Body=raw)
    return process_event(s3_event(bucket, f"inbound/{key}", REGION))


def through_ses(message: EmailMessage, spam: str = "PASS", virus: str = "PASS", **auth: str):
    """The e-mail as SES stores it: its verdict headers on top of what the sender wrote."""
    results = {"spf": "pass", "dkim": "pass header.i=@example.org"}
    results["dmarc"] = "pass header.from=example.org"
    results.update(auth)
    verdicts = "; ".join(f"{method}={value}" for method, value in results.items())
    top = (
        f"X-SES-Spam-Verdict: {spam}\r\nX-SES-Virus-Verdict: {virus}\r\n"
        f"Authentication-Results: amazonses.com; {verdicts};\r\n"
    )
    return top.encode() + message.as_bytes()


def with_office_files(message: EmailMessage) -> EmailMessage:
    message.add_attachment(
        b"\xd0\xcf\x11\xe0 ole2", maintype="application", subtype="msword", filename="plan.doc"
    )
    return message


def stored_attachments() -> list[str]:
    bucket = config.bucket_name(resources.ATTACHMENTS_BUCKET)
    listed = boto3.client("s3", region_name=REGION).list_objects_v2(Bucket=bucket)
    return [item["Key"] for item in listed.get("Contents", [])]


@pytest.mark.parametrize(
    ("spam", "virus", "reason"),
    [("PASS", "FAIL", "virus"), ("FAIL", "PASS", "spam"), ("FAIL", "FAIL", "virus")],
)
def test_a_mail_ses_flagged_is_set_aside_with_its_reason_and_its_files_never_kept(
    client, aws, spam, virus, reason
):
    raw = through_ses(with_office_files(citizen_mail()), spam=spam, virus=virus)
    [outcome] = receive_raw(raw, "flagged")

    assert (outcome.status, outcome.thread_id) == ("set_aside", "")
    assert reason in outcome.reason
    assert stored_attachments() == []
    agent = login(aws, "agent@biot.demo")
    [entry] = get(client, "/console/channels/set-aside", agent)[1]["items"]
    assert (entry["from"], entry["subject"]) == ("jeanne@example.org", "Lampadaire éteint")
    assert reason in entry["reason"]
    assert get(client, "/console/threads?channel=email", agent)[1]["items"] == []


def test_a_proven_sender_with_a_clean_scan_keeps_its_office_files_and_a_verified_contact(
    client, aws
):
    raw = through_ses(with_office_files(citizen_mail()), spam="GRAY")
    [outcome] = receive_raw(raw, "clean")

    assert outcome.status == "filed"
    agent = login(aws, "agent@biot.demo")
    _, thread = get(client, f"/console/threads/{outcome.thread_id}", agent)
    assert [(a["name"], a["refused"]) for a in thread["messages"][0]["attachments"]] == [
        ("photo-rue.pdf", None),
        ("plan.doc", None),
    ]
    assert len(stored_attachments()) == 2
    assert thread["contact"]["verified"] is True


@pytest.mark.parametrize(
    ("verdicts", "raw_of", "verified"),
    [
        ({"virus": "PROCESSING_FAILED"}, through_ses, True),
        ({"virus": "GRAY", "dmarc": "fail header.from=example.org"}, through_ses, False),
        ({}, lambda message, **_: message.as_bytes(), False),  # not through SES at all
    ],
)
def test_without_a_virus_pass_office_files_are_refused_and_without_dmarc_nothing_is_proven(
    client, aws, verdicts, raw_of, verified
):
    raw = raw_of(with_office_files(citizen_mail()), **verdicts)
    [outcome] = receive_raw(raw, "unscanned")

    assert outcome.status == "filed"
    agent = login(aws, "agent@biot.demo")
    _, thread = get(client, f"/console/threads/{outcome.thread_id}", agent)
    [message] = thread["messages"]
    assert [(a["name"], a["refused"]) for a in message["attachments"]] == [
        ("photo-rue.pdf", None),
        ("plan.doc", "not_scanned"),
    ]
    [kept] = stored_attachments()
    assert kept.endswith("-photo-rue.pdf")
    assert thread["contact"]["verified"] is verified
    base = f"/console/threads/{outcome.thread_id}/messages/{message['id']}"
    assert get(client, f"{base}/attachments/1", agent)[0] == 404


# --- Files sent on social networks, each event's raw body ---------------------------------

PNG = b"\x89PNG\r\n\x1a\n" + b"p" * 500


def whatsapp_message(phone: str, message: dict) -> dict:
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "33482530011", "phone_number_id": phone},
        "contacts": [{"profile": {"name": "Camille Roux"}, "wa_id": "33612345678"}],
        "messages": [{"from": "33612345678", "timestamp": str(int(time.time())), **message}],
    }
    change = {"field": "messages", "value": value}
    return {"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [change]}]}


def s3_object(bucket: resources.Bucket, url: str, parts: int = 3) -> bytes:
    key = "/".join(url.split("?")[0].split("/")[-parts:])
    name = config.bucket_name(bucket)
    return boto3.client("s3", region_name=REGION).get_object(Bucket=name, Key=key)["Body"].read()


def test_meta_photos_and_voice_notes_are_kept_and_offered_like_email_attachments(
    client, aws, ports, graph
):
    ports.analyzer = KeywordAnalyzer()
    page, _, phone = (account[1] for account in demo_accounts(0))
    photo = graph.add_media(PNG, "image/png")
    voice = graph.add_media(b"OggS opus voice note", "audio/ogg")
    pictures = [
        {"type": "image", "payload": {"url": graph.media_url(photo)}},
        {"type": "image", "payload": {"url": graph.media_url("expired-link")}},
    ]
    only_photos = messenger(page, "psid-7", "mid.p1", "")
    only_photos["entry"][0]["messaging"][0]["message"] = {"mid": "mid.p1", "attachments": pictures}
    assert json.loads(meta_post(client, only_photos).body) == {"queued": 1}
    meta_post(client, messenger(page, "psid-7", "mid.p2", "Les poubelles débordent, rue Sauvaire"))
    audio = {"id": "wamid.v1", "type": "audio", "audio": {"id": voice, "mime_type": "audio/ogg"}}
    meta_post(client, whatsapp_message(phone, audio))
    assert drain(resources.INBOUND_QUEUE, handle_inbound) == [{"batchItemFailures": []}]

    agent = login(aws, "agent@biot.demo")
    threads = get(client, "/console/threads?channel=social", agent)[1]["items"]
    by_subject = {item["subject"]: item for item in threads}
    _, facebook = get(client, f"/console/threads/{by_subject['Message Facebook']['id']}", agent)
    first, second = facebook["messages"]
    assert (first["text"], second["text"]) == (NO_TEXT, "Les poubelles débordent, rue Sauvaire")
    assert facebook["analysis"]["status"] == "skipped"
    kept, gone = first["attachments"]
    assert (kept["name"], kept["contentType"], kept["size"], kept["refused"]) == (
        "photo-1.png",
        "image/png",
        len(PNG),
        None,
    )
    assert (gone["name"], gone["refused"]) == ("photo-2", "download_failed")
    base = f"/console/threads/{facebook['id']}/messages/{first['id']}"
    status, link = get(client, f"{base}/attachments/0", agent)
    assert status == 200 and link["contentType"] == "image/png"
    assert s3_object(resources.ATTACHMENTS_BUCKET, link["url"]) == PNG
    assert get(client, f"{base}/attachments/1", agent)[0] == 404
    # The whole event as Meta sent it, like an e-mail's original.
    status, original = get(client, f"{base}/original", agent)
    raw = json.loads(s3_object(resources.MAIL_BUCKET, original["rawUrl"], parts=4))
    assert raw["entry"][0]["messaging"][0]["message"]["mid"] == "mid.p1"

    _, whatsapp = get(client, f"/console/threads/{by_subject['Message WhatsApp']['id']}", agent)
    [note] = whatsapp["messages"][0]["attachments"]
    assert (note["name"], note["contentType"], note["refused"]) == (
        "audio-1.ogg",
        "audio/ogg",
        None,
    )
    # The CDN link never gets a token; WhatsApp's media link is fetched with it.
    tokens = {download["id"]: download["token"] for download in graph.downloaded()}
    assert tokens == {photo: "", "expired-link": "", voice: "demo-whatsapp-token"}

    # Only the written message is a verbatim: the photo and the voice note count nothing.
    assert drain(resources.ANALYSIS_QUEUE, handle_analysis) == [{"batchItemFailures": []}]
    dashboard = get(client, "/console/dashboard", login(aws, "viewer@biot.demo"))[1]
    assert dashboard["totals"]["verbatims"] == 1
    assert get(client, f"/console/threads/{facebook['id']}", agent)[1]["analysis"] == {
        **facebook["analysis"],
        "status": "skipped",
    }
    # Each event has its own raw body; the payloads Meta signed are gone once split.
    mail = boto3.client("s3", region_name=REGION).list_objects_v2(
        Bucket=config.bucket_name(resources.MAIL_BUCKET), Prefix="meta/"
    )
    keys = [item["Key"] for item in mail["Contents"]]
    assert len(keys) == 3 and all(key.startswith("meta/06018/events/") for key in keys)


def test_a_signed_event_that_does_not_parse_is_set_aside_and_the_others_filed(client, aws):
    page = demo_accounts(0)[0][1]
    payload = messenger(page, "psid-8", "mid.ok", "Le parking est plein tous les matins.")
    odd = {"recipient": {"id": page}, "timestamp": 1, "message": {"mid": "mid.odd"}}
    payload["entry"][0]["messaging"].append(odd)
    payload["entry"].append(["not", "an", "entry"])
    assert json.loads(meta_post(client, payload).body) == {"queued": 3}
    assert drain(resources.INBOUND_QUEUE, handle_inbound) == [{"batchItemFailures": []}]

    agent = login(aws, "agent@biot.demo")
    [summary] = get(client, "/console/threads?channel=social", agent)[1]["items"]
    assert summary["preview"] == "Le parking est plein tous les matins."
    listed = get(client, "/console/channels/set-aside", agent)[1]["items"]
    assert sorted((item["subject"], item["reason"]) for item in listed) == [
        ("Facebook", "event without sender id"),
        ("Facebook", "malformed entry"),
    ]
