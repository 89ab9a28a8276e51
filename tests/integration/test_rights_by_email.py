"""A citizen without their follow-up link exercises their rights by e-mail: the link goes
to the address only (through the delivery queue and SES, on moto), opens every opinion sent
with it, and erases them; nobody learns whether an address wrote to the commune."""

from __future__ import annotations

import email
import json
import re
from email.policy import default

import pytest
from moto.core import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends

from tests.integration.test_delivery_worker import deliver

pytestmark = pytest.mark.integration
JSON = {"content-type": "application/json"}


def submit(client, text: str, address: str = "Paul.Durand@example.org") -> str:
    opinion = {
        "theme": "voirie-stationnement",
        "text": text,
        "email": address,
        "name": "Paul",
        "consent": True,
    }
    response = client.http.post("/communes/biot/feedback", headers=JSON, body=json.dumps(opinion))
    assert response.status_code == 202
    return str(json.loads(response.body)["id"])


def ask(client, address: str, slug: str = "biot"):
    body = json.dumps({"email": address})
    return client.http.post(f"/communes/{slug}/privacy-requests", headers=JSON, body=body)


def sent_mails() -> list:
    return list(ses_backends[DEFAULT_ACCOUNT_ID]["eu-west-1"].sent_messages)


def test_the_link_goes_to_the_address_and_opens_then_erases_all_its_opinions(
    client, aws, monkeypatch
):
    monkeypatch.setenv("CONCERTO_SITE_URL", "http://127.0.0.1:8080")
    first = submit(client, "Le trottoir de la route de la mer est défoncé depuis un mois.")
    second = submit(client, "Il manque un passage piéton devant l'école Olivier Calvini.")
    deliver()  # the two verification e-mails
    before = len(sent_mails())

    answer = ask(client, "paul.durand@example.org ")
    assert (answer.status_code, json.loads(answer.body)) == (202, {"status": "sent_if_known"})
    assert deliver() == {"batchItemFailures": []}
    [mail] = sent_mails()[before:]
    message = email.message_from_string(mail.raw_data, policy=default)
    assert message["To"] == "paul.durand@example.org"
    text = message.get_body(("plain",)).get_content()
    token = re.search(r"/mes-donnees#(\S+)", text).group(1)

    data = json.loads(client.http.get(f"/privacy/{token}").body)
    assert data["commune"] == "Biot"
    assert {thread["id"] for thread in data["threads"]} == {first, second}
    assert [c["email"] for c in data["contacts"]] == ["paul.durand@example.org"] * 2
    assert "passage piéton" in json.dumps(data, ensure_ascii=False)

    erased = client.http.delete(f"/privacy/{token}")
    assert (erased.status_code, json.loads(erased.body)) == (200, {"erased": 2})
    after = json.loads(client.http.get(f"/privacy/{token}").body)
    assert (after["contacts"], after["threads"]) == ([], [])


def test_an_unknown_address_gets_the_same_answer_and_no_mail(client, aws):
    before = len(sent_mails())
    answer = ask(client, "personne@example.org")
    assert (answer.status_code, json.loads(answer.body)) == (202, {"status": "sent_if_known"})
    assert deliver() == {"batchItemFailures": []}
    assert sent_mails()[before:] == []


def test_another_communes_contacts_stay_out_of_reach(client, aws):
    submit(client, "Les lampadaires du chemin des Aspres restent éteints la nuit.")
    deliver()
    before = len(sent_mails())
    assert ask(client, "paul.durand@example.org", slug="valbonne").status_code == 202
    deliver()
    assert sent_mails()[before:] == []


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"email": "pas-une-adresse"}, 422, "invalid_email"),
        ({}, 422, "validation_error"),
        ({"email": "a@example.org", "extra": 1}, 422, "validation_error"),
    ],
)
def test_bad_requests_are_refused_clearly(client, aws, body, status, code):
    answer = client.http.post(
        "/communes/biot/privacy-requests", headers=JSON, body=json.dumps(body)
    )
    assert (answer.status_code, json.loads(answer.body)["error"]["code"]) == (status, code)


def test_an_address_cannot_be_flooded_with_links(client, aws):
    codes = [ask(client, "cible@example.org").status_code for _ in range(4)]
    assert codes == [202, 202, 202, 429]


def test_forged_and_expired_links_are_refused(client, aws, ports):
    from datetime import timedelta

    from chalicelib.domain.contacts import Contact
    from chalicelib.services.privacy import rights_token

    assert client.http.get("/privacy/forged-token").status_code == 404
    assert client.http.delete("/privacy/forged-token").status_code == 404
    now = ports.clock()
    contact = Contact("06018", "c1", "old@example.org", "", now, now + timedelta(days=1))
    clock = ports.clock
    ports.clock = lambda: clock() - timedelta(hours=25)
    try:
        token = rights_token(ports, contact)
    finally:
        ports.clock = clock
    gone = client.http.get(f"/privacy/{token}")
    assert (gone.status_code, json.loads(gone.body)["error"]["code"]) == (410, "link_expired")
