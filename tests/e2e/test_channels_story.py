"""The channels end to end, on the runtime `make run` starts: a citizen's e-mail sent with
smtplib to the local SMTP server, answered from the console, seen in the local outbox with
its threading headers; the citizen's reply joins the thread; a Messenger message through
the signed webhook is answered through the (fake) Graph API."""

from __future__ import annotations

import json
import smtplib
import time
import urllib.request
from email.message import EmailMessage
from typing import Any

import pytest

from chalicelib.channels.meta.signature import sign
from local.seed import DEFAULT_META_SECRET, demo_accounts
from tests.e2e.story import Staff, call, download

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def wait_for(probe: Any, timeout: float = 60) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        found = probe()
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.3)


def read_json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.load(response)


def send_mail(runtime, message: EmailMessage) -> None:
    with smtplib.SMTP("127.0.0.1", runtime.smtp_port, timeout=10) as smtp:
        smtp.send_message(message)


def test_an_email_is_answered_by_email_and_the_citizens_reply_joins_the_thread(runtime):
    first = EmailMessage()
    first["From"] = "Jeanne Martin <jeanne.e2e@example.org>"
    first["To"] = "biot@concerto.local"
    first["Subject"] = "Dépôt sauvage chemin des Aspres"
    first["Message-ID"] = "<e2e-1@example.org>"
    first.set_content("Bonjour,\nUn dépôt sauvage bloque le chemin des Aspres.\n\nJeanne")
    send_mail(runtime, first)

    agent = Staff(runtime.api_url, "agent@biot.demo", runtime.password)

    def filed() -> list[Any]:
        items = agent.inbox("?channel=email&limit=50").body["items"]
        return [item for item in items if item["subject"] == "Dépôt sauvage chemin des Aspres"]

    # Other e-mail threads may be there first (the demo's, other stories'): wait for this one.
    [summary] = wait_for(filed)
    thread_id = summary["id"]
    assert agent.replies(thread_id, "Bonjour, nos équipes passent demain matin.").status == 201

    def answer() -> Any:
        sent = read_json(f"{runtime.outbox_url}/messages.json")
        return next((m for m in sent if m["to"] == "jeanne.e2e@example.org"), None)

    mail = wait_for(answer)
    assert mail is not None, "the answer never reached the outbox"
    assert mail["subject"] == "Re: Dépôt sauvage chemin des Aspres"
    assert mail["inReplyTo"] == "<e2e-1@example.org>"
    assert mail["references"] == "<e2e-1@example.org>"
    assert "nos équipes passent demain matin" in mail["text"]
    reply_address = mail["from"].split("<")[1].rstrip(">")
    assert reply_address.startswith(f"biot+{thread_id}-")

    # The citizen answers from Gmail: a quoted history under "Le … a écrit :".
    second = EmailMessage()
    second["From"] = "Jeanne Martin <jeanne.e2e@example.org>"
    second["To"] = reply_address
    second["Subject"] = "Re: Dépôt sauvage chemin des Aspres"
    second["Message-ID"] = "<e2e-2@example.org>"
    second["In-Reply-To"] = mail["messageId"]
    second["References"] = f"<e2e-1@example.org> {mail['messageId']}"
    second.set_content(
        "Merci beaucoup !\n\nLe dim. 29 nov. 2026 à 09:12, Mairie de Biot "
        f"<{reply_address}> a écrit :\n> Bonjour, nos équipes passent demain matin.\n"
    )
    send_mail(runtime, second)

    def replied() -> Any:
        messages = agent.opens(thread_id).body["messages"]
        return messages if len(messages) == 3 else None

    messages = wait_for(replied)
    assert messages is not None, "the citizen's reply never joined the thread"
    assert [m["author"] for m in messages] == ["citizen", "commune", "citizen"]
    assert messages[-1]["text"] == "Merci beaucoup !"
    assert messages[1]["delivery"] == "sent"
    assert agent.opens(thread_id).body["status"] == "in_progress"


def test_a_messenger_message_is_answered_through_graph(runtime):
    page = demo_accounts(0)[0][1]
    event = {
        "sender": {"id": "e2e-psid"},
        "recipient": {"id": page},
        "timestamp": int(time.time() * 1000),
        "message": {"mid": "m_e2e_1", "text": "Les horaires de la médiathèque changent-ils ?"},
    }
    raw = json.dumps({"object": "page", "entry": [{"id": page, "time": 1, "messaging": [event]}]})
    posted = call(
        runtime.api_url,
        "POST",
        "/channels/meta/biot",
        raw=raw.encode(),
        headers={"X-Hub-Signature-256": sign(DEFAULT_META_SECRET, raw.encode())},
    )
    assert (posted.status, posted.body) == (200, {"queued": 1})

    agent = Staff(runtime.api_url, "agent@biot.demo", runtime.password)
    listed = wait_for(lambda: agent.inbox("?channel=social").body["items"])
    [summary] = listed
    assert agent.replies(summary["id"], "Non, ouverte de 10 h à 18 h.").status == 201

    def delivered() -> Any:
        sent = read_json(f"{runtime.graph_url}/_sent")
        return [s for s in sent if s["json"].get("recipient") == {"id": "e2e-psid"}]

    [sent] = wait_for(delivered)
    assert sent["json"]["message"]["text"] == "Non, ouverte de 10 h à 18 h."


def test_a_mail_ses_found_a_virus_in_is_set_aside_and_never_becomes_a_thread(runtime):
    # The local SMTP server keeps the headers as the client sent them (SES would write
    # these on top of the message): the handler reads the same verdict it would in AWS.
    infected = EmailMessage()
    infected["X-SES-Spam-Verdict"] = "PASS"
    infected["X-SES-Virus-Verdict"] = "FAIL"
    infected["From"] = "Paul Durand <paul.e2e@example.org>"
    infected["To"] = "biot@concerto.local"
    infected["Subject"] = "Facture des travaux e2e-virus"
    infected["Message-ID"] = "<e2e-virus@example.org>"
    infected.set_content("Bonjour,\nVeuillez trouver la facture ci-jointe.\n")
    infected.add_attachment(
        b"\xd0\xcf\x11\xe0 macro", maintype="application", subtype="msword", filename="facture.doc"
    )
    send_mail(runtime, infected)

    agent = Staff(runtime.api_url, "agent@biot.demo", runtime.password)

    def set_aside() -> Any:
        items = agent.asks("GET", "/console/channels/set-aside").body["items"]
        return [item for item in items if item["subject"] == "Facture des travaux e2e-virus"]

    [entry] = wait_for(set_aside)
    assert entry["from"] == "paul.e2e@example.org"
    assert "virus" in entry["reason"]
    # Set aside is the outcome, not a step before filing: no thread ever holds it.
    subjects = [item["subject"] for item in agent.inbox("?channel=email").body["items"]]
    assert "Facture des travaux e2e-virus" not in subjects


def test_a_whatsapp_photo_reaches_the_inbox_as_an_attachment_agents_download(runtime):
    photo = b"\x89PNG\r\n\x1a\n e2e photo of a fallen tree"
    upload = urllib.request.Request(
        f"{runtime.graph_url}/_media",
        data=photo,
        method="POST",
        headers={"Content-Type": "image/png"},
    )
    with urllib.request.urlopen(upload, timeout=10) as response:
        media_id = json.load(response)["id"]
    phone = demo_accounts(0)[2][1]
    message = {
        "from": "33699887766",
        "id": "wamid.e2e-photo",
        "timestamp": str(int(time.time())),
        "type": "image",
        "image": {"id": media_id, "mime_type": "image/png"},
    }
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "33482530011", "phone_number_id": phone},
        "contacts": [{"profile": {"name": "Lou"}, "wa_id": "33699887766"}],
        "messages": [message],
    }
    raw = json.dumps(
        {
            "object": "whatsapp_business_account",
            "entry": [{"id": "1", "changes": [{"field": "messages", "value": value}]}],
        }
    ).encode()
    posted = call(
        runtime.api_url,
        "POST",
        "/channels/meta/biot",
        raw=raw,
        headers={"X-Hub-Signature-256": sign(DEFAULT_META_SECRET, raw)},
    )
    assert (posted.status, posted.body) == (200, {"queued": 1})

    agent = Staff(runtime.api_url, "agent@biot.demo", runtime.password)

    def photo_thread() -> Any:
        items = agent.inbox("?channel=social").body["items"]
        return [item for item in items if item["subject"] == "Message WhatsApp"]

    [summary] = wait_for(photo_thread)
    thread = agent.opens(summary["id"]).body
    [first] = thread["messages"]
    assert thread["analysis"]["status"] == "skipped"
    [attachment] = first["attachments"]
    assert (attachment["name"], attachment["contentType"]) == ("photo-1.png", "image/png")
    path = f"/console/threads/{summary['id']}/messages/{first['id']}/attachments/0"
    link = agent.asks("GET", path).body
    assert download(link["url"])[0] == photo
