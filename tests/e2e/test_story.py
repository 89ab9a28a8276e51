"""The whole product, started as `make run` starts it, driven over HTTP."""

from __future__ import annotations

import pytest

from tests.e2e.story import Citizen, Staff, call

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def test_the_banner_prints_urls_and_demo_accounts(runtime):
    assert runtime.api_url in runtime.banner
    assert runtime.aws_url in runtime.banner
    assert "agent@biot.demo" in runtime.banner and "viewer@valbonne.demo" in runtime.banner
    assert runtime.password in runtime.banner


def test_every_component_is_healthy(runtime):
    health = call(runtime.api_url, "GET", "/health")
    assert health.status == 200
    assert {c["status"] for c in health.body["components"].values()} == {"ok"}


def test_a_citizen_of_biot_is_heard_and_answered(runtime):
    citizen = Citizen(runtime.api_url, "biot")
    accepted = citizen.submits(
        theme="proprete",
        text="C'est inadmissible, personne ne fait rien pour les dépôts sauvages",
        quartier="village",
        rating=1,
        email="habitant@example.org",
        consent=True,
    )
    assert accepted.status == 202
    thread_id = accepted.body["id"]

    agent = Staff(runtime.api_url, "agent@biot.demo", runtime.password)
    thread = agent.waits_for_analysis(thread_id)
    assert thread["analysis"]["status"] == "done"
    assert thread["analysis"]["sentiment"] == "NEGATIVE"
    assert thread["analysis"]["engine"] == "local"
    assert thread["contact"]["email"] == "habitant@example.org"
    listed = agent.inbox("?sentiment=NEGATIVE&theme=proprete&limit=100").body["items"]
    assert thread_id in [item["id"] for item in listed]

    assert agent.replies(thread_id, "Bonjour, nos équipes interviennent jeudi.").status == 201
    followup = citizen.reads_follow_up()
    assert followup["status"] == "answered"
    assert followup["messages"][-1] == {
        **followup["messages"][-1],
        "author": "commune",
        "text": "Bonjour, nos équipes interviennent jeudi.",
    }

    assert citizen.writes_again("Merci, c'est propre maintenant !").status == 201
    assert citizen.reads_follow_up()["status"] == "in_progress"


def test_valbonne_never_sees_biot(runtime):
    citizen = Citizen(runtime.api_url, "biot")
    thread_id = citizen.submits(
        theme="transports", text="Le bus 10 ne passe plus le dimanche."
    ).body["id"]
    valbonne = Staff(runtime.api_url, "admin@valbonne.demo", runtime.password)
    assert valbonne.inbox().body["items"] == []
    assert valbonne.opens(thread_id).status == 404
    assert valbonne.updates(thread_id, status="closed").status == 404
    assert valbonne.replies(thread_id, "Bonjour").status == 404


def test_the_demo_opinions_are_analysed_by_the_worker(runtime):
    viewer = Staff(runtime.api_url, "viewer@biot.demo", runtime.password)
    page = viewer.inbox("?limit=100").body
    assert len(page["items"]) == 100 and page["nextCursor"]
    analysed = viewer.waits_for_analysis(page["items"][-1]["id"])
    assert analysed["analysis"]["status"] == "done"
    assert viewer.replies(page["items"][0]["id"], "Bonjour").status == 403


@pytest.mark.parametrize(
    ("raw", "status"),
    [(b"{oops", 400), (b'{"theme": "proprete", "text": 3}', 422), (b"x" * 100_000, 413)],
)
def test_bad_input_never_causes_a_server_error(runtime, raw, status):
    reply = call(runtime.api_url, "POST", "/communes/biot/feedback", raw=raw)
    assert reply.status == status
    assert set(reply.body["error"]) >= {"code", "message"}


def test_forged_tokens_are_refused(runtime):
    import jwt

    forged = jwt.encode(
        {"sub": "x", "token_use": "id", "custom:commune": "06018", "cognito:groups": ["admin"]},
        "a-shared-secret-long-enough-for-hs256!!",
        algorithm="HS256",
    )
    for token in ("garbage", forged):
        assert call(runtime.api_url, "GET", "/console/threads", token=token).status == 401


def test_an_elected_official_exports_the_opinions_and_downloads_the_file(runtime):
    import csv
    import io
    from datetime import date, timedelta

    from tests.e2e.story import download

    viewer = Staff(runtime.api_url, "viewer@biot.demo", runtime.password)
    phone = "06 12 34 56 78"
    citizen = Citizen(runtime.api_url, "biot")
    text = f"Le lampadaire de l'impasse des Oliviers est éteint, rappelez-moi au {phone}."
    thread_id = citizen.submits(theme="voirie-stationnement", text=text).body["id"]
    assert viewer.waits_for_analysis(thread_id)["analysis"]["status"] == "done"
    today = date.today()
    wanted = {
        "kind": "threads",
        "format": "csv",
        "from": (today - timedelta(days=90)).isoformat(),
        "to": (today + timedelta(days=1)).isoformat(),
    }
    accepted = viewer.asks("POST", "/console/exports", wanted)
    assert accepted.status == 202 and accepted.body["masked"] is True
    export = viewer.waits_for_export(accepted.body["id"])
    assert (export["status"], export["percent"]) == ("done", 100)
    assert export["rows"] >= 150  # the demo opinions, and what earlier tests added

    blob, headers = download(export["downloadUrl"])
    assert "attachment" in headers.get("Content-Disposition", headers.get("content-disposition"))
    rows = list(csv.DictReader(io.StringIO(blob.decode("utf-8-sig")), delimiter=";"))
    assert len(rows) == export["rows"]
    assert {"Identifiant", "Thème", "Sentiment", "Texte"} <= set(rows[0])
    [mine] = [row for row in rows if row["Identifiant"] == thread_id]
    assert phone not in mine["Texte"] and "Le lampadaire" in mine["Texte"]

    valbonne = Staff(runtime.api_url, "admin@valbonne.demo", runtime.password)
    assert valbonne.asks("GET", f"/console/exports/{export['id']}").status == 404


def test_overdue_demo_opinions_raise_alerts_on_the_dashboard(runtime):
    import time

    viewer = Staff(runtime.api_url, "viewer@biot.demo", runtime.password)
    deadline = time.monotonic() + 60
    while not (alerts := viewer.asks("GET", "/console/alerts").body["items"]):
        assert time.monotonic() < deadline, "the alert job raised nothing"
        time.sleep(0.5)
    assert {alert["kind"] for alert in alerts} >= {"overdue_thread"}
    board = viewer.asks("GET", "/console/dashboard").body
    assert board["dialogue"]["overdueThreads"] > 0
    assert board["alerts"] and board["alerts"][0]["active"] is True
    late = viewer.inbox("?overdue=true&limit=5").body["items"]
    assert late and all(item["overdue"] for item in late)


def test_two_consoles_see_each_others_changes_live(runtime):
    import json

    from websockets.sync.client import connect

    agent = Staff(runtime.api_url, "agent@biot.demo", runtime.password)
    admin = Staff(runtime.api_url, "admin@biot.demo", runtime.password)
    assert call(runtime.api_url, "GET", "/config").body["realtimeUrl"] == runtime.realtime_url
    origin = {"Origin": runtime.web_origin}

    def received(socket, kind: str, thread_id: str) -> bool:
        """Whether the event arrives (other events may come first); latency is measured by
        bench/realtime.py, not asserted here."""
        while True:
            events = json.loads(socket.recv(timeout=10))["events"]
            if any(e["kind"] == kind and e["threadId"] == thread_id for e in events):
                return True

    valbonne = Staff(runtime.api_url, "admin@valbonne.demo", runtime.password)
    with (
        connect(f"{runtime.realtime_url}/?token={agent.token}", additional_headers=origin) as a,
        connect(f"{runtime.realtime_url}/?token={admin.token}", additional_headers=origin) as b,
        connect(
            f"{runtime.realtime_url}/?token={valbonne.token}", additional_headers=origin
        ) as other,
    ):
        thread_id = (
            Citizen(runtime.api_url, "biot")
            .submits(
                theme="transports", text="Le bus de 7 h 40 est encore passé en avance ce matin."
            )
            .body["id"]
        )
        assert received(a, "thread.created", thread_id)
        assert received(b, "thread.created", thread_id)

        assert agent.updates(thread_id, assignee="agent@biot.demo").status == 200
        assert received(b, "thread.updated", thread_id)
        assert admin.replies(thread_id, "Bonjour, nous avons alerté Envibus.").status == 201
        assert received(a, "thread.reply", thread_id)
        # Valbonne's console heard none of it (it gets only Valbonne's events).
        with pytest.raises(TimeoutError):
            other.recv(timeout=1)


def test_the_console_socket_refuses_strangers(runtime):
    from websockets.exceptions import InvalidStatus
    from websockets.sync.client import connect

    agent = Staff(runtime.api_url, "agent@biot.demo", runtime.password)
    for url, origin, status in (
        (f"{runtime.realtime_url}/?token=garbage", runtime.web_origin, 401),
        (f"{runtime.realtime_url}/?token={agent.token}", "https://evil.example", 403),
    ):
        with pytest.raises(InvalidStatus) as refused:
            connect(url, additional_headers={"Origin": origin}).close()
        assert refused.value.response.status_code == status


def test_a_removed_member_s_open_console_is_closed_at_once(runtime):
    from websockets.exceptions import ConnectionClosed
    from websockets.sync.client import connect

    admin = Staff(runtime.api_url, "admin@biot.demo", runtime.password)
    invited = admin.asks(
        "POST", "/console/staff", {"email": "ancien.elu@biot.demo", "role": "viewer"}
    )
    assert invited.status == 201, invited
    member = Staff(
        runtime.api_url,
        "ancien.elu@biot.demo",
        invited.body["temporaryPassword"],
        new_password="Ancien-Elu-2026!",
    )
    assert member.asks("PUT", "/console/alerts/subscription", {"subscribed": True}).status == 200
    origin = {"Origin": runtime.web_origin}
    with connect(f"{runtime.realtime_url}/?token={member.token}", additional_headers=origin) as ws:
        assert admin.asks("DELETE", "/console/staff/ancien.elu@biot.demo").status == 204
        with pytest.raises(ConnectionClosed):
            while True:  # events already on their way may come first
                ws.recv(timeout=5)
    # Its token, still valid for Cognito, opens nothing any more.
    assert member.asks("GET", "/console/alerts").status == 401
