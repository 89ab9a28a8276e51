"""The HTTP API through Chalice's test client, on moto with the real adapters."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.integration.conftest import login

pytestmark = pytest.mark.integration

OPINION = {
    "theme": "proprete",
    "text": "Les poubelles débordent rue du Portugon.",
    "quartier": "village",
}


def post(client: Any, path: str, body: Any, token: str | None = None, **headers: str) -> Any:
    raw = body if isinstance(body, (str, bytes)) else json.dumps(body)
    all_headers = {"content-type": "application/json", **headers}
    if token:
        all_headers["authorization"] = f"Bearer {token}"
    return client.http.post(path, headers=all_headers, body=raw)


def get(client: Any, path: str, token: str | None = None) -> Any:
    headers = {"authorization": f"Bearer {token}"} if token else {}
    return client.http.get(path, headers=headers)


def body(response: Any) -> Any:
    return json.loads(response.body)


def test_a_commune_profile_lists_its_themes_and_quartiers(client):
    response = get(client, "/communes/biot")
    assert response.status_code == 200
    profile = body(response)
    assert (profile["communeId"], profile["name"]) == ("06018", "Biot")
    assert {"id": "proprete", "label": "Propreté"} in profile["themes"]
    assert any(q["id"] == "village" for q in profile["quartiers"])


def test_the_whole_story_from_opinion_to_answer(client, aws):
    accepted = post(client, "/communes/biot/feedback", OPINION)
    assert accepted.status_code == 202
    receipt = body(accepted)
    assert receipt["status"] == "received"

    agent = login(aws, "agent@biot.demo")
    inbox = body(get(client, "/console/threads?status=new", agent))
    assert [item["id"] for item in inbox["items"]] == [receipt["id"]]

    reply = post(
        client,
        f"/console/threads/{receipt['id']}/replies",
        {"text": "Bonjour, la collecte passera demain.", "visibility": "public"},
        agent,
    )
    assert reply.status_code == 201

    followup = body(get(client, f"/followup/{receipt['followUpToken']}"))
    assert followup["status"] == "answered"
    assert [m["author"] for m in followup["messages"]] == ["citizen", "commune"]
    assert followup["messages"][1]["text"] == "Bonjour, la collecte passera demain."

    again = post(client, f"/followup/{receipt['followUpToken']}", {"text": "Merci, c'est fait !"})
    assert again.status_code == 201
    assert body(get(client, f"/followup/{receipt['followUpToken']}"))["status"] == "in_progress"


def test_the_same_idempotency_key_gives_the_same_answer(client, aws):
    first = post(client, "/communes/biot/feedback", OPINION, **{"Idempotency-Key": "abc-123"})
    second = post(client, "/communes/biot/feedback", OPINION, **{"Idempotency-Key": "abc-123"})
    assert (first.status_code, second.status_code) == (202, 202)
    assert body(first) == body(second)
    other = post(
        client,
        "/communes/biot/feedback",
        {**OPINION, "text": "Un tout autre avis ici."},
        **{"Idempotency-Key": "abc-123"},
    )
    assert other.status_code == 409
    items = body(get(client, "/console/threads", login(aws, "agent@biot.demo")))["items"]
    assert len(items) == 1


@pytest.mark.parametrize(
    ("raw", "status", "code"),
    [
        ("{not json", 400, "invalid_json"),
        ("[1, 2]", 400, "invalid_json"),
        ("", 400, "invalid_json"),
        (b"\xff\xfe", 400, "invalid_json"),
        ({"theme": "proprete"}, 422, "validation_error"),
        ({**OPINION, "rating": "5"}, 422, "validation_error"),
        ({**OPINION, "rating": 9}, 422, "validation_error"),
        ({**OPINION, "text": 42}, 422, "validation_error"),
        ({**OPINION, "theme": "fiscalite"}, 422, "unknown_theme"),
        ({**OPINION, "quartier": "nowhere"}, 422, "unknown_quartier"),
        ({**OPINION, "email": "a@example.org"}, 422, "consent_required"),
        ({**OPINION, "communeId": "06152"}, 422, "validation_error"),
        ({**OPINION, "text": "x" * 70_000}, 413, "payload_too_large"),
    ],
)
def test_bad_input_gets_a_clear_error_and_creates_nothing(client, aws, raw, status, code):
    response = post(client, "/communes/biot/feedback", raw)
    assert response.status_code == status
    assert body(response)["error"]["code"] == code
    assert body(get(client, "/console/threads", login(aws, "agent@biot.demo")))["items"] == []


def test_a_non_json_body_is_refused(client):
    response = client.http.post(
        "/communes/biot/feedback", headers={"content-type": "text/plain"}, body="bonjour"
    )
    assert response.status_code == 415
    assert body(response)["error"]["code"] == "unsupported_media_type"


@pytest.mark.parametrize(
    "path", ["/communes/atlantis", "/followup/garbage", "/followup/06018." + "A" * 43]
)
def test_unknown_public_resources_are_404(client, path):
    response = get(client, path)
    assert response.status_code == 404
    assert "error" in body(response)


def test_console_routes_refuse_missing_garbage_and_unsigned_tokens(client):
    import jwt

    unsigned = jwt.encode({"sub": "x", "token_use": "id"}, key="", algorithm="none")
    for token in (None, "garbage", unsigned):
        response = get(client, "/console/threads", token)
        assert response.status_code == 401
        assert body(response)["error"]["code"] in {"missing_token", "invalid_token"}


def test_another_communes_token_never_sees_a_thread(client, aws):
    thread_id = body(post(client, "/communes/biot/feedback", OPINION))["id"]
    valbonne = login(aws, "admin@valbonne.demo")
    assert body(get(client, "/console/threads", valbonne))["items"] == []
    assert get(client, f"/console/threads/{thread_id}", valbonne).status_code == 404
    patch = client.http.patch(
        f"/console/threads/{thread_id}",
        headers={"authorization": f"Bearer {valbonne}", "content-type": "application/json"},
        body=json.dumps({"status": "closed"}),
    )
    assert patch.status_code == 404
    reply = post(client, f"/console/threads/{thread_id}/replies", {"text": "Bonjour !"}, valbonne)
    assert reply.status_code == 404


def test_a_cursor_from_another_commune_is_refused(client, aws):
    for n in range(3):
        post(client, "/communes/biot/feedback", {**OPINION, "text": f"Avis numéro {n} ici."})
    biot = login(aws, "agent@biot.demo")
    page = body(get(client, "/console/threads?limit=1", biot))
    assert page["nextCursor"]
    valbonne = login(aws, "agent@valbonne.demo")
    stolen = get(client, f"/console/threads?limit=1&cursor={page['nextCursor']}", valbonne)
    assert stolen.status_code == 400
    assert get(client, "/console/threads?cursor=%%%", biot).status_code == 400


def test_roles_are_enforced(client, aws):
    thread_id = body(post(client, "/communes/biot/feedback", OPINION))["id"]
    viewer = login(aws, "viewer@biot.demo")
    assert get(client, f"/console/threads/{thread_id}", viewer).status_code == 200
    reply = post(client, f"/console/threads/{thread_id}/replies", {"text": "Bonjour !"}, viewer)
    assert reply.status_code == 403


def test_optimistic_locking_returns_409(client, aws):
    thread_id = body(post(client, "/communes/biot/feedback", OPINION))["id"]
    agent = login(aws, "agent@biot.demo")
    headers = {"authorization": f"Bearer {agent}", "content-type": "application/json"}
    first = client.http.patch(
        f"/console/threads/{thread_id}",
        headers=headers,
        body=json.dumps({"status": "in_progress", "version": 1}),
    )
    assert first.status_code == 200 and body(first)["version"] == 2
    stale = client.http.patch(
        f"/console/threads/{thread_id}",
        headers=headers,
        body=json.dumps({"status": "closed", "version": 1}),
    )
    assert stale.status_code == 409
    conflict = body(stale)
    assert conflict["error"]["code"] == "version_conflict"
    # The fresh state comes with the 409, for the editor to redo their change on it.
    assert (conflict["thread"]["version"], conflict["thread"]["status"]) == (2, "in_progress")


def test_every_response_carries_security_headers(client):
    response = get(client, "/communes/nowhere")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "private, no-store"


def test_public_pages_data_may_be_cached_and_nothing_else(client, aws):
    """CloudFront caches what the API marks `public` (its cache policies bound the TTL),
    so staff answers, private threads, submissions and errors must never say so."""
    for path, seconds in (
        ("/communes/biot", 60),
        ("/communes/biot/barometer", 60),
        ("/communes/biot/feedback?limit=5", 60),
        ("/communes/biot/consultations", 60),
        ("/communes/biot/indicators", 300),
    ):
        answer = get(client, path)
        assert answer.status_code == 200, path
        assert answer.headers["Cache-Control"] == f"public, max-age={seconds}", path
        assert "Origin" in answer.headers["Vary"]
    sent = post(client, "/communes/biot/feedback", OPINION)
    token = body(sent)["followUpToken"]
    agent = login(aws, "agent@biot.demo")
    for answer in (
        sent,
        get(client, f"/followup/{token}"),
        get(client, "/console/threads", agent),
        get(client, "/console/settings", agent),
        get(client, "/communes/nowhere"),
        get(client, "/communes/valbonne/indicators"),  # 404 not_published
    ):
        assert answer.headers["Cache-Control"] == "private, no-store"


LONG = "a" * 3000


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", f"/communes/{LONG}"),
        ("GET", "/communes/Biot%20Village"),
        ("POST", f"/communes/{LONG}/feedback"),
        ("GET", f"/followup/06018.{LONG}"),
        ("POST", f"/followup/{LONG}"),
        ("GET", f"/console/threads/{LONG}"),
        ("GET", "/console/threads/..%2F..%2Fetc"),
        ("PATCH", f"/console/threads/{LONG}"),
        ("POST", f"/console/threads/{LONG}/replies"),
        ("GET", f"/console/threads?theme={LONG}"),
        ("GET", f"/console/threads?assignee={LONG}"),
        ("GET", f"/console/threads?cursor={LONG}"),
        ("GET", "/console/threads?status=done"),
        ("GET", "/console/threads?limit=abc"),
        ("GET", "/console/threads?colour=red"),
    ],
)
def test_hostile_paths_and_parameters_get_a_4xx_never_a_5xx(client, aws, method, path):
    agent = login(aws, "agent@biot.demo")
    headers = {"authorization": f"Bearer {agent}", "content-type": "application/json"}
    response = client.http.request(
        method, path, headers=headers, body=json.dumps({"text": "Bonjour à vous", **OPINION})
    )
    assert 400 <= response.status_code < 500, (response.status_code, response.body[:200])
    assert body(response)["error"]["code"]


def test_staff_correct_the_sentiment_and_the_thread_shows_it(client, aws, ports):
    from chalicelib.ports import AnalysisJob
    from chalicelib.services import analysis as analysis_service
    from tests.fakes import BIOT

    thread_id = body(post(client, "/communes/biot/feedback", OPINION))["id"]
    pending = AnalysisJob(BIOT, thread_id, thread_id)
    analysis_service.record(ports, analysis_service.prepare(ports, [pending])[pending])

    agent = login(aws, "agent@biot.demo")
    headers = {"authorization": f"Bearer {agent}", "content-type": "application/json"}
    response = client.http.patch(
        f"/console/threads/{thread_id}", headers=headers, body=json.dumps({"sentiment": "MIXED"})
    )
    assert response.status_code == 200
    corrected = body(response)["analysis"]
    assert (corrected["sentiment"], corrected["corrected"]) == ("MIXED", True)
    assert [c.thread_id for c in ports.corrections.list(BIOT)] == [thread_id]
    bad = client.http.patch(
        f"/console/threads/{thread_id}", headers=headers, body=json.dumps({"sentiment": "ANGRY"})
    )
    assert bad.status_code == 422


def test_the_dashboard_reads_the_counters_of_the_callers_commune_only(client, aws, ports):
    from chalicelib.ports import AnalysisJob
    from chalicelib.services import analysis as analysis_service
    from tests.fakes import BIOT

    for text in ("Les poubelles débordent, c'est une honte", "Merci pour ce magnifique parc"):
        thread_id = body(post(client, "/communes/biot/feedback", {**OPINION, "text": text}))["id"]
        job = AnalysisJob(BIOT, thread_id, thread_id)
        analysis_service.record(ports, analysis_service.prepare(ports, [job])[job])

    biot = body(get(client, "/console/dashboard?granularity=week", login(aws, "viewer@biot.demo")))
    assert biot["totals"]["verbatims"] == 2
    assert {row["id"]: row["label"] for row in biot["byTheme"]} == {"proprete": "Propreté"}
    assert {row["id"]: row["label"] for row in biot["byChannel"]} == {"web": "Site web"}
    assert biot["dialogue"]["opinions"] == 2
    assert biot["dialogue"]["openThreads"] == 2
    assert "from" in biot and "to" in biot

    valbonne = body(get(client, "/console/dashboard", login(aws, "viewer@valbonne.demo")))
    assert valbonne["totals"]["verbatims"] == 0
    bad = get(client, "/console/dashboard?from=2026-13-01", login(aws, "viewer@biot.demo"))
    assert bad.status_code == 422
    assert get(client, "/console/dashboard").status_code == 401


def test_public_indicators_are_published_only_by_communes_that_opted_in(client, ports):
    from chalicelib.ports import AnalysisJob
    from chalicelib.services import analysis as analysis_service
    from tests.fakes import BIOT

    thread_id = body(post(client, "/communes/biot/feedback", OPINION))["id"]
    job = AnalysisJob(BIOT, thread_id, thread_id)
    analysis_service.record(ports, analysis_service.prepare(ports, [job])[job])

    published = get(client, "/communes/biot/indicators")
    assert published.status_code == 200
    assert published.headers["Cache-Control"] == "public, max-age=300"
    page = body(published)
    assert page["verbatims"] == 1 and page["commune"] == "Biot"
    proprete = next(theme for theme in page["themes"] if theme["id"] == "proprete")
    assert (proprete["verbatims"], proprete["opinions"], proprete["answeredShare"]) == (1, 1, 0.0)

    closed = get(client, "/communes/valbonne/indicators")
    assert closed.status_code == 404
    assert body(closed)["error"]["code"] == "not_published"


def test_citizens_rate_the_commune_once_per_theme_per_month(client):
    vote = {"ratings": {"proprete": 7, "transports": 3}, "voter": "a-random-browser-token-1"}
    first = post(client, "/communes/biot/barometer", vote)
    assert first.status_code == 201
    assert body(first) == {"counted": ["proprete", "transports"], "alreadyRated": []}
    again = post(client, "/communes/biot/barometer", vote)
    assert again.status_code == 409
    assert body(again)["error"]["code"] == "already_rated"
    assert (
        post(client, "/communes/biot/barometer", {**vote, "ratings": {"proprete": 12}}).status_code
        == 422
    )

    board = body(get(client, "/communes/biot/barometer"))
    themes = {theme["id"]: theme for theme in board["themes"]}
    assert (themes["proprete"]["average"], themes["proprete"]["votes"]) == (7.0, 1)
    assert themes["proprete"]["label"] == "Propreté"
    assert themes["culture-sport"]["average"] is None


def test_an_admin_consults_citizens_and_reads_the_results(client, aws):
    from datetime import date, timedelta

    today = date.today()
    admin = login(aws, "admin@biot.demo")
    consultation = {
        "title": "Place des Arcades",
        "question": "Quel usage le dimanche ?",
        "theme": "cadre-de-vie",
        "opensOn": (today - timedelta(days=1)).isoformat(),
        "closesOn": (today + timedelta(days=30)).isoformat(),
        "choices": ["Marché", "Piétonne"],
        "quartiers": ["village"],
    }
    created = post(client, "/console/consultations", consultation, admin)
    assert created.status_code == 201
    cid = body(created)["id"]
    assert (
        post(
            client, "/console/consultations", consultation, login(aws, "agent@biot.demo")
        ).status_code
        == 403
    )
    assert (
        post(
            client, "/console/consultations", {**consultation, "opensOn": "demain"}, admin
        ).status_code
        == 422
    )

    listed = body(get(client, "/communes/biot/consultations"))["items"]
    assert [item["id"] for item in listed] == [cid] and listed[0]["open"] is True
    assert body(get(client, "/communes/valbonne/consultations"))["items"] == []
    assert [c["id"] for c in body(get(client, "/communes/biot"))["consultations"]] == [cid]

    path = f"/communes/biot/consultations/{cid}/answers"
    with_text = post(
        client,
        path,
        {"choice": "Piétonne", "text": "Oui, sans voitures !", "voter": "browser-token-00000001"},
    )
    assert with_text.status_code == 201 and body(with_text)["followUpToken"]
    assert (
        post(client, path, {"choice": "Marché", "voter": "browser-token-00000002"}).status_code
        == 201
    )
    assert (
        post(client, path, {"choice": "Marché", "voter": "browser-token-00000002"}).status_code
        == 409
    )
    assert (
        post(client, path, {"choice": "Parking", "voter": "browser-token-00000003"}).status_code
        == 422
    )
    assert (
        post(
            client,
            f"/communes/valbonne/consultations/{cid}/answers",
            {"choice": "Marché", "voter": "browser-token-00000004"},
        ).status_code
        == 404
    )

    results = body(get(client, f"/console/consultations/{cid}", login(aws, "viewer@biot.demo")))
    assert results["choices"] == [
        {"choice": "Marché", "count": 1},
        {"choice": "Piétonne", "count": 1},
    ]
    other = get(client, f"/console/consultations/{cid}", login(aws, "admin@valbonne.demo"))
    assert other.status_code == 404


def test_threads_answered_late_are_flagged_listed_and_counted(client, aws, ports):
    from tests.fakes import Clock

    clock = Clock()
    ports.clock = clock
    waiting = body(post(client, "/communes/biot/feedback", OPINION))["id"]
    answered = body(post(client, "/communes/biot/feedback", OPINION))["id"]
    agent = login(aws, "agent@biot.demo")
    fresh = body(get(client, f"/console/threads/{waiting}", agent))
    assert fresh["dueAt"] is not None and fresh["overdue"] is False

    clock.advance(days=10)  # more than 5 working days, whatever the weekday
    reply = {"text": "Bonjour, c'est noté.", "visibility": "private"}
    assert post(client, f"/console/threads/{answered}/replies", reply, agent).status_code == 201
    late = body(get(client, "/console/threads?overdue=true", agent))
    assert [item["id"] for item in late["items"]] == [waiting]
    assert late["items"][0]["overdue"] is True
    board = body(get(client, "/console/dashboard", login(aws, "viewer@biot.demo")))
    assert board["dialogue"]["overdueThreads"] == 1
    other = login(aws, "agent@valbonne.demo")
    assert body(get(client, "/console/threads?overdue=true", other))["items"] == []
    bad = get(client, "/console/threads?overdue=yes", agent)
    assert (bad.status_code, body(bad)["error"]["code"]) == (422, "invalid_overdue")


def test_an_overdue_cursor_from_another_commune_is_refused(client, aws, ports):
    from tests.fakes import Clock

    clock = Clock()
    ports.clock = clock
    for n in range(2):
        post(client, "/communes/biot/feedback", {**OPINION, "text": f"Avis en retard {n}."})
    clock.advance(days=10)
    biot = login(aws, "agent@biot.demo")
    page = body(get(client, "/console/threads?overdue=true&limit=1", biot))
    assert page["nextCursor"]
    valbonne = login(aws, "agent@valbonne.demo")
    path = f"/console/threads?overdue=true&limit=1&cursor={page['nextCursor']}"
    assert get(client, path, valbonne).status_code == 400
    assert len(body(get(client, path, biot))["items"]) == 1
