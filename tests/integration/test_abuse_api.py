"""Abuse protection and CORS over HTTP on moto: 429 with Retry-After, the honeypot, flood
detection, caps on the votes of one connection, and CORS headers per commune on actual
requests and preflights."""

from __future__ import annotations

import html
import json
import time
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import pytest

from chalicelib.channels import forms as form_signatures
from chalicelib.domain import indicators
from chalicelib.domain.threads import ThreadFilter
from tests.fakes import BIOT
from tests.integration.conftest import login

pytestmark = pytest.mark.integration

JSON = {"content-type": "application/json"}
FORM = {"content-type": "application/x-www-form-urlencoded"}
SITE = "https://avis.concerto.example"
CONSOLE = "https://console.concerto.example"
MAIRIE = "https://www.biot.fr"


def opinion(
    text: str = "Les poubelles débordent tous les lundis rue du Portugon.",
) -> dict[str, Any]:
    return {"theme": "proprete", "text": text}


def post(client: Any, path: str, body: dict[str, Any], **headers: str) -> Any:
    return client.http.post(path, headers={**JSON, **headers}, body=json.dumps(body))


def error_code(response: Any) -> str:
    return str(json.loads(response.body)["error"]["code"])


def stored(ports: Any) -> int:
    return len(ports.threads.list_page(BIOT, ThreadFilter(), 100, None).items)


@pytest.fixture
def origins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONCERTO_SITE_URL", SITE)
    monkeypatch.setenv("CONCERTO_CONSOLE_ORIGINS", CONSOLE)


# ---- Rate limits ---------------------------------------------------------------------------


def test_past_the_per_address_limit_the_api_answers_429_with_retry_after(
    client, ports, monkeypatch
):
    monkeypatch.setenv("CONCERTO_RATE_LIMIT_PER_IP", "2/600")
    for n in range(2):
        assert (
            post(
                client,
                "/communes/biot/feedback",
                opinion(f"Avis numéro {n} sur la propreté du village."),
            ).status_code
            == 202
        )
    refused = post(
        client, "/communes/biot/feedback", opinion("Un troisième avis sur la propreté du village.")
    )

    assert refused.status_code == 429
    assert error_code(refused) == "rate_limited"
    assert 1 <= int(refused.headers["Retry-After"]) <= 600
    assert stored(ports) == 2
    # The limit is per commune: Valbonne still takes this address's opinion.
    assert post(client, "/communes/valbonne/feedback", opinion()).status_code == 202


def test_the_html_form_answers_429_in_french_with_retry_after(client, monkeypatch):
    monkeypatch.setenv("CONCERTO_RATE_LIMIT_PER_IP", "1/600")
    body = urlencode({"text": "Le trottoir de la rue du Portugon est défoncé."})
    assert client.http.post("/communes/biot/feedback", headers=FORM, body=body).status_code == 201
    refused = client.http.post("/communes/biot/feedback", headers=FORM, body=body)

    assert refused.status_code == 429
    assert refused.headers["Content-Type"].startswith("text/html")
    assert int(refused.headers["Retry-After"]) > 0
    page = html.unescape(refused.body.decode())
    assert "Trop d'avis ont été envoyés en peu de temps" in page
    assert "Vous pourrez réessayer dans" in page


def test_behind_trusted_proxies_each_forwarded_client_has_its_own_limit(client, monkeypatch):
    monkeypatch.setenv("CONCERTO_RATE_LIMIT_PER_IP", "1/600")
    monkeypatch.setenv("CONCERTO_TRUSTED_PROXY_HOPS", "1")

    def from_client(address: str, text: str) -> int:
        # What the client wrote first is ignored: only the proxy's entry counts.
        forwarded = {"x-forwarded-for": f"10.9.9.9, {address}"}
        return int(post(client, "/communes/biot/feedback", opinion(text), **forwarded).status_code)

    assert from_client("203.0.113.1", "Premier avis sur les poubelles du village.") == 202
    assert from_client("203.0.113.2", "Deuxième avis sur les poubelles du village.") == 202
    assert from_client("203.0.113.1", "Troisième avis sur les poubelles du village.") == 429


def test_the_forwarded_header_is_ignored_unless_proxies_are_trusted(client, monkeypatch):
    monkeypatch.setenv("CONCERTO_RATE_LIMIT_PER_IP", "1/600")
    first = post(
        client,
        "/communes/biot/feedback",
        opinion("Un avis.  Sur les poubelles, encore."),
        **{"x-forwarded-for": "203.0.113.1"},
    )
    spoofed = post(
        client,
        "/communes/biot/feedback",
        opinion("Un autre avis sur les poubelles du village."),
        **{"x-forwarded-for": "203.0.113.2"},
    )
    assert (first.status_code, spoofed.status_code) == (202, 429)


def test_replaying_an_idempotency_key_is_answered_and_not_counted(client, monkeypatch):
    monkeypatch.setenv("CONCERTO_RATE_LIMIT_PER_IP", "1/600")
    key = {"idempotency-key": "9b2f6a40-5d1e-4c0b-9f8e-1a2b3c4d5e6f"}
    first = post(client, "/communes/biot/feedback", opinion(), **key)
    replays = [post(client, "/communes/biot/feedback", opinion(), **key) for _ in range(3)]

    assert first.status_code == 202
    assert {(r.status_code, r.body) for r in replays} == {(202, first.body)}
    assert post(client, "/communes/biot/feedback", opinion("Autre chose.")).status_code == 429


def test_the_same_text_from_many_addresses_is_refused_as_a_flood(client, ports, monkeypatch):
    monkeypatch.setenv("CONCERTO_FLOOD_THRESHOLD", "2")
    monkeypatch.setenv("CONCERTO_TRUSTED_PROXY_HOPS", "1")
    texts = [
        "Votez pour la liste Renouveau, la seule qui agit !",
        "VOTEZ pour la liste renouveau : la seule qui agit",
        "votez pour la liste Renouveau... la seule qui agit!!",
    ]
    answers = [
        post(
            client,
            "/communes/biot/feedback",
            opinion(text),
            **{"x-forwarded-for": f"203.0.113.{n}"},
        )
        for n, text in enumerate(texts)
    ]

    assert [a.status_code for a in answers] == [202, 202, 429]
    assert error_code(answers[2]) == "duplicate_flood"
    assert int(answers[2].headers["Retry-After"]) > 0
    assert stored(ports) == 2


def test_follow_up_replies_count_against_the_same_limit(client, monkeypatch):
    monkeypatch.setenv("CONCERTO_RATE_LIMIT_PER_IP", "2/600")
    token = json.loads(post(client, "/communes/biot/feedback", opinion()).body)["followUpToken"]
    reply = {"text": "Toujours pas ramassées ce matin."}
    assert post(client, f"/followup/{token}", reply).status_code == 201
    refused = post(client, f"/followup/{token}", {"text": "Et toujours rien ce soir."})
    assert (refused.status_code, error_code(refused)) == (429, "rate_limited")


def test_a_communes_signed_forms_count_against_its_own_limit(client, aws, monkeypatch):
    monkeypatch.setenv("CONCERTO_RATE_LIMIT_PER_COMMUNE", "1/60")
    admin = login(aws, "admin@biot.demo")
    created = client.http.post(
        "/console/channels/form-keys", headers={"authorization": f"Bearer {admin}"}
    )
    secret = json.loads(created.body)["secret"]

    def signed_form(text: str) -> Any:
        body = json.dumps({"text": text}).encode()
        signature = form_signatures.sign(secret, int(time.time()), body)
        headers = {"content-type": "application/json", "x-concerto-signature": signature}
        return client.http.post("/channels/forms/biot", headers=headers, body=body)

    # Unsigned requests are refused before they count: they cannot use up the budget.
    for _ in range(3):
        assert post(client, "/channels/forms/biot", {"text": "Bonjour."}).status_code == 401
    assert signed_form("Le marché du samedi est formidable.").status_code == 202
    refused = signed_form("Les bancs de la place sont cassés.")
    assert (refused.status_code, error_code(refused)) == (429, "rate_limited")
    assert "Retry-After" in refused.headers


# ---- Honeypot ------------------------------------------------------------------------------


def test_a_filled_honeypot_is_refused_stored_nowhere_and_not_counted(client, ports, monkeypatch):
    monkeypatch.setenv("CONCERTO_RATE_LIMIT_PER_IP", "1/600")
    trapped = post(
        client, "/communes/biot/feedback", {**opinion(), "website": "http://spam.example"}
    )

    assert trapped.status_code == 422
    assert error_code(trapped) == "spam_suspected"
    assert "rempli automatiquement" in json.loads(trapped.body)["error"]["message"]
    assert stored(ports) == 0
    assert post(client, "/communes/biot/feedback", {**opinion(), "website": ""}).status_code == 202


def test_the_html_forms_honeypot_is_refused_in_french(client, ports):
    body = urlencode({"text": "Le trottoir est défoncé.", "website": "http://spam.example"})
    trapped = client.http.post("/communes/biot/feedback", headers=FORM, body=body)
    assert trapped.status_code == 422
    assert "rempli automatiquement" in trapped.body.decode()
    assert stored(ports) == 0


def test_the_openapi_document_describes_the_honeypot_and_the_429(client):
    document = json.loads(client.http.get("/openapi.json").body)
    body = document["components"]["schemas"]["SubmitFeedbackBody"]["properties"]
    assert "website" in body
    assert "429" in document["paths"]["/communes/{slug}/feedback"]["post"]["responses"]
    settings = document["components"]["schemas"]["SettingsBody"]["properties"]
    assert "allowedOrigins" in settings


# ---- CORS ------------------------------------------------------------------------------------


def test_console_routes_answer_cors_only_to_the_console_origins(client, aws, origins):
    agent = {"authorization": f"Bearer {login(aws, 'agent@biot.demo')}"}
    allowed = client.http.get("/console/threads", headers={**agent, "origin": CONSOLE})
    assert allowed.status_code == 200
    assert allowed.headers["Access-Control-Allow-Origin"] == CONSOLE
    assert "Origin" in allowed.headers["Vary"]

    for origin in (SITE, MAIRIE, "https://evil.example"):
        refused = client.http.get("/console/threads", headers={**agent, "origin": origin})
        assert "Access-Control-Allow-Origin" not in refused.headers
        assert "Origin" in refused.headers["Vary"]


def test_a_communes_public_routes_answer_its_websites_once_an_admin_lists_them(
    client, aws, origins
):
    def allow_origin(path: str, origin: str) -> str | None:
        return client.http.get(path, headers={"origin": origin}).headers.get(
            "Access-Control-Allow-Origin"
        )

    assert allow_origin("/communes/biot", SITE) == SITE
    assert allow_origin("/communes/biot", CONSOLE) == CONSOLE
    assert allow_origin("/communes/biot", MAIRIE) is None
    assert allow_origin("/communes/biot", "*") is None

    admin = {**JSON, "authorization": f"Bearer {login(aws, 'admin@biot.demo')}"}
    changed = client.http.patch(
        "/console/settings",
        headers=admin,
        body=json.dumps({"allowedOrigins": ["https://WWW.biot.fr/", "http://127.0.0.1"]}),
    )
    assert changed.status_code == 200
    assert json.loads(changed.body)["allowedOrigins"] == [MAIRIE, "http://127.0.0.1"]

    assert allow_origin("/communes/biot", MAIRIE) == MAIRIE
    assert allow_origin("/communes/biot/consultations", "http://127.0.0.1:53124") == (
        "http://127.0.0.1:53124"
    )
    assert allow_origin("/communes/valbonne", MAIRIE) is None
    assert allow_origin("/health", MAIRIE) is None
    assert allow_origin("/communes/biot", "https://www.biot.fr.evil.example") is None
    token = json.loads(post(client, "/communes/biot/feedback", opinion()).body)["followUpToken"]
    assert allow_origin(f"/followup/{token}", MAIRIE) == MAIRIE
    console = client.http.get("/console/threads", headers={**admin, "origin": MAIRIE})
    assert "Access-Control-Allow-Origin" not in console.headers


def test_preflights_answer_the_same_way(client, aws, origins):
    admin = {**JSON, "authorization": f"Bearer {login(aws, 'admin@biot.demo')}"}
    client.http.patch(
        "/console/settings", headers=admin, body=json.dumps({"allowedOrigins": [MAIRIE]})
    )
    asking = {
        "access-control-request-method": "POST",
        "access-control-request-headers": "content-type,idempotency-key",
    }

    allowed = client.http.request(
        "OPTIONS", "/communes/biot/feedback", headers={**asking, "origin": MAIRIE}
    )
    assert allowed.status_code == 204
    assert allowed.headers["Access-Control-Allow-Origin"] == MAIRIE
    assert set(allowed.headers["Access-Control-Allow-Methods"].split(",")) == {
        "GET",
        "POST",
        "OPTIONS",
    }
    assert "Idempotency-Key" in allowed.headers["Access-Control-Allow-Headers"]
    assert "Retry-After" in allowed.headers["Access-Control-Expose-Headers"]

    for path, origin in (
        ("/communes/biot/feedback", "https://evil.example"),
        ("/communes/valbonne/feedback", MAIRIE),
        ("/console/threads", MAIRIE),
    ):
        refused = client.http.request("OPTIONS", path, headers={**asking, "origin": origin})
        assert "Access-Control-Allow-Origin" not in refused.headers
        assert "Access-Control-Allow-Methods" not in refused.headers

    console = client.http.request(
        "OPTIONS", "/console/threads", headers={**asking, "origin": CONSOLE}
    )
    assert console.headers["Access-Control-Allow-Origin"] == CONSOLE
    assert "Authorization" in console.headers["Access-Control-Allow-Headers"]


def test_admins_list_only_https_origins_without_path(client, aws):
    admin = {**JSON, "authorization": f"Bearer {login(aws, 'admin@biot.demo')}"}
    for bad in (["http://www.biot.fr"], ["https://www.biot.fr/contact"], ["*"], ["x"] * 21):
        refused = client.http.patch(
            "/console/settings", headers=admin, body=json.dumps({"allowedOrigins": bad})
        )
        assert refused.status_code == 422, bad
    agent = {**JSON, "authorization": f"Bearer {login(aws, 'agent@biot.demo')}"}
    forbidden = client.http.patch(
        "/console/settings", headers=agent, body=json.dumps({"allowedOrigins": [MAIRIE]})
    )
    assert forbidden.status_code == 403
    current = json.loads(client.http.get("/console/settings", headers=admin).body)
    # As seeded (pages served from this machine), nothing refused got in.
    assert current["allowedOrigins"] == ["http://127.0.0.1", "http://localhost"]


# ---- Votes per address ---------------------------------------------------------------------


def ballot(client: Any, address: str, n: int, ratings: dict[str, int] | None = None) -> Any:
    vote = {"ratings": ratings or {"proprete": 4}, "voter": f"browser-token-{n:010}"}
    return post(client, "/communes/biot/barometer", vote, **{"x-forwarded-for": address})


def test_one_connection_casts_a_capped_number_of_ballots_whatever_its_tokens(client, monkeypatch):
    monkeypatch.setenv("CONCERTO_TRUSTED_PROXY_HOPS", "1")
    monkeypatch.setenv("CONCERTO_BAROMETER_BALLOTS_PER_ADDRESS", "2")
    assert [ballot(client, "203.0.113.7", n).status_code for n in range(2)] == [201, 201]
    refused = ballot(client, "203.0.113.7", 3)

    assert (refused.status_code, error_code(refused)) == (429, "votes_capped")
    # Until the month ends (Paris time): at most 31 days away.
    assert 0 < int(refused.headers["Retry-After"]) <= 31 * 86400
    assert ballot(client, "198.51.100.4", 3).status_code == 201
    board = json.loads(client.http.get("/communes/biot/barometer").body)
    assert {t["id"]: t["votes"] for t in board["themes"]}["proprete"] == 3


def test_one_connection_gives_a_capped_number_of_answers_to_a_consultation(
    client, aws, monkeypatch
):
    monkeypatch.setenv("CONCERTO_TRUSTED_PROXY_HOPS", "1")
    monkeypatch.setenv("CONCERTO_CONSULTATION_ANSWERS_PER_ADDRESS", "1")
    today = datetime.now(ZoneInfo("Europe/Paris")).date()
    admin = {"authorization": f"Bearer {login(aws, 'admin@biot.demo')}"}
    asked = {
        "title": "Place des Arcades",
        "question": "Quel usage le dimanche ?",
        "theme": "cadre-de-vie",
        "opensOn": (today - timedelta(days=1)).isoformat(),
        "closesOn": (today + timedelta(days=30)).isoformat(),
        "choices": ["Marché", "Piétonne"],
    }
    created = json.loads(post(client, "/console/consultations", asked, **admin).body)
    path = f"/communes/biot/consultations/{created['id']}/answers"

    def answer(address: str, n: int) -> Any:
        given = {"choice": "Marché", "voter": f"browser-token-{n:010}"}
        return post(client, path, given, **{"x-forwarded-for": address})

    assert answer("203.0.113.7", 1).status_code == 201
    refused = answer("203.0.113.7", 2)
    assert (refused.status_code, error_code(refused)) == (429, "votes_capped")
    assert "Retry-After" not in refused.headers  # not for this consultation, ever
    assert answer("198.51.100.4", 2).status_code == 201


def test_a_barometer_alert_needs_votes_from_several_connections(client, ports, monkeypatch):
    from chalicelib.services import alerts, barometer
    from chalicelib.services.abuse import Submitter

    monkeypatch.setenv("CONCERTO_TRUSTED_PROXY_HOPS", "1")
    today = datetime.now(ZoneInfo("Europe/Paris")).date()
    for n in range(6):  # the usual: 9/10 from six households over the weeks before
        barometer.rate_commune(
            ports,
            "biot",
            {"proprete": 9, "transports": 9},
            f"browser-token-{n:010}",
            today - timedelta(days=10 + n),
            Submitter(f"192.0.2.{n}"),
        )
    # This week, five low ballots on each: transports' from one box, proprete's from five.
    for n in range(5):
        assert ballot(client, "203.0.113.7", 100 + n, {"transports": 2}).status_code == 201
        assert ballot(client, f"198.51.100.{n}", 200 + n, {"proprete": 2}).status_code == 201
    day = today.isoformat()
    voters = indicators.barometer_voters([(day, ports.indicators.counts(BIOT, [day])[day])])
    assert voters == {"transports": 1, "proprete": 5}

    report = alerts.detect(ports, ports.communes.get(BIOT))
    assert [alert.split(".")[1:] for alert in report.raised] == [
        ["barometer_drop", "theme-proprete"]
    ]
