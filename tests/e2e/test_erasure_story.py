"""Nothing personal left behind: a citizen writes on the site and by e-mail (with a file, and
an auto-reply set aside), is answered by name, appears in an admin's export as written; then
erases everything sent from their address through the link e-mailed to it. Every DynamoDB
table and every S3 object of the embedded AWS is then read: none of their identifiers and
none of their texts as written are left."""

from __future__ import annotations

import re
import uuid
from datetime import date, timedelta
from email.message import EmailMessage
from typing import Any

import boto3
import pytest

from tests.e2e.story import Citizen, Staff, call
from tests.e2e.test_channels_story import read_json, send_mail, wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

ADDRESS = "odile.effacement@example.org"
NAME = "Odile Pelletier"
PHONE = "07 11 22 33 44"
WEB_TEXT = f"Je m'appelle {NAME}, au {PHONE} : la fontaine du 3 chemin des Lauriers fuit."
MAIL_TEXT = f"La fontaine fuit toujours, rappelez-moi au {PHONE} s'il vous plaît."
PERSONAL = [ADDRESS, "Odile", "Pelletier", PHONE, WEB_TEXT, MAIL_TEXT]


def aws_client(runtime, service: str) -> Any:
    return boto3.client(
        service,
        endpoint_url=runtime.aws_url,
        region_name="eu-west-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )


def everything_stored(runtime) -> str:
    """Every item of every table and every object of every bucket, as one text."""
    parts: list[str] = []
    dynamodb = aws_client(runtime, "dynamodb")
    for table in dynamodb.list_tables()["TableNames"]:
        for page in dynamodb.get_paginator("scan").paginate(TableName=table):
            parts.extend(repr(item) for item in page["Items"])
    s3 = aws_client(runtime, "s3")
    for bucket in s3.list_buckets()["Buckets"]:
        name = bucket["Name"]
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=name):
            for listed in page.get("Contents", []):
                body = s3.get_object(Bucket=name, Key=listed["Key"])["Body"].read()
                parts.append(listed["Key"])
                parts.append(body.decode("utf-8", errors="replace"))
    return "\n".join(parts)


def _found(stored: str, value: str) -> bool:
    """Whether `value` is stored, as a whole word ("Odile" is not in "crocodile")."""
    return re.search(rf"(?<!\w){re.escape(value)}(?!\w)", stored, re.IGNORECASE) is not None


def test_an_erasure_leaves_nothing_of_the_citizen_in_any_table_or_bucket(runtime):
    agent = Staff(runtime.api_url, "agent@biot.demo", runtime.password)
    admin = Staff(runtime.api_url, "admin@biot.demo", runtime.password)
    citizen = Citizen(runtime.api_url, "biot")
    opinion = {"theme": "proprete", "text": WEB_TEXT, "email": ADDRESS, "name": NAME}
    submitted = call(
        runtime.api_url,
        "POST",
        "/communes/biot/feedback",
        {**opinion, "consent": True},
        headers={"Idempotency-Key": str(uuid.uuid4())},
    )
    assert submitted.status == 202
    citizen.token = submitted.body["followUpToken"]
    web_thread = submitted.body["id"]

    mail = EmailMessage()
    mail["From"] = f"{NAME} <{ADDRESS}>"
    mail["To"] = "biot@concerto.local"
    mail["Subject"] = "La fontaine fuit"
    mail["Message-ID"] = f"<{uuid.uuid4()}@mail.example.org>"
    mail.set_content(MAIL_TEXT)
    mail.add_attachment(b"\x89PNG\r\n\x1a\n" + b"\0" * 64, "image", "png", filename="fuite.png")
    send_mail(runtime, mail)
    away = EmailMessage()
    away["From"] = f"{NAME} <{ADDRESS}>"
    away["To"] = "biot@concerto.local"
    away["Subject"] = "Absence du bureau"
    away["Auto-Submitted"] = "auto-replied"
    away.set_content(f"Je suis absente, joignable au {PHONE}.")
    send_mail(runtime, away)

    def mail_thread() -> str | None:
        items = agent.inbox("?channel=email&limit=50").body["items"]
        return next((i["id"] for i in items if i["subject"] == "La fontaine fuit"), None)

    email_thread = wait_for(mail_thread)
    assert email_thread, "the e-mail was never filed"
    for thread_id in (web_thread, email_thread):
        assert agent.waits_for_analysis(thread_id)["analysis"]["status"] == "done"
    assert agent.replies(web_thread, f"Bonjour {NAME}, le plombier passe demain.").status == 201
    today = date.today()
    wanted = {
        "kind": "threads",
        "format": "csv",
        "from": (today - timedelta(days=2)).isoformat(),
        "to": (today + timedelta(days=1)).isoformat(),
    }
    export = admin.waits_for_export(admin.asks("POST", "/console/exports", wanted).body["id"])
    assert export["status"] == "done"
    stored = everything_stored(runtime)
    assert all(_found(stored, value) for value in PERSONAL)  # the scan sees what is there

    asked = call(runtime.api_url, "POST", "/communes/biot/privacy-requests", {"email": ADDRESS})
    assert asked.status == 202

    def rights_mail() -> Any:
        sent = read_json(f"{runtime.outbox_url}/messages.json")
        return next((m for m in sent if m["to"] == ADDRESS and "mes-donnees#" in m["text"]), None)

    link = wait_for(rights_mail)
    assert link is not None, "the rights link never reached the outbox"
    token = re.search(r"/mes-donnees#(\S+)", link["text"]).group(1)
    erased = call(runtime.api_url, "DELETE", "/privacy", headers={"X-Rights-Token": token})
    assert erased.status == 200 and erased.body["erased"] == 2

    stored = everything_stored(runtime)
    left = [value for value in PERSONAL if _found(stored, value)]
    assert left == [], [stored[max(0, i - 200) : i + 100] for i in map(stored.find, left)]
    # The texts stay, anonymised, so the commune's figures stay true.
    assert "[téléphone]" in citizen.reads_follow_up()["messages"][0]["text"]
