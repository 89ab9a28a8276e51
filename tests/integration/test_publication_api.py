"""The public page of opinions and the moderation queue over HTTP, on moto."""

from __future__ import annotations

import json
from typing import Any

import pytest

from chalicelib.ports import AnalysisJob
from chalicelib.services import analysis
from tests.fakes import BIOT
from tests.integration.conftest import login

pytestmark = pytest.mark.integration


def call(client: Any, method: str, path: str, token: str | None = None, body: Any = None) -> Any:
    headers = {"content-type": "application/json"}
    if token:
        headers["authorization"] = f"Bearer {token}"
    raw = json.dumps(body) if body is not None else None
    return getattr(client.http, method)(path, headers=headers, body=raw)


def analysed_opinion(client: Any, ports: Any, text: str) -> str:
    opinion = {"theme": "cadre-de-vie", "text": text}
    thread_id = json.loads(call(client, "post", "/communes/biot/feedback", body=opinion).body)["id"]
    job = AnalysisJob(BIOT, thread_id, thread_id)
    analysis.record(ports, analysis.prepare(ports, [job])[job])
    return thread_id


def test_public_answers_publish_opinions_after_moderation_when_needed(client, aws, ports):
    agent = login(aws, "agent@biot.demo")
    clean = analysed_opinion(client, ports, "Bravo pour la rénovation de la place des Arcades.")
    phone = analysed_opinion(client, ports, "Le banc est cassé, appelez-moi au 06 12 34 56 78.")
    for thread_id in (clean, phone):
        answer = {"text": "Merci, nous y veillons.", "visibility": "public"}
        assert (
            call(client, "post", f"/console/threads/{thread_id}/replies", agent, answer).status_code
            == 201
        )

    page = json.loads(call(client, "get", "/communes/biot/feedback").body)
    assert [item["id"] for item in page["items"]] == [clean]
    assert page["items"][0]["answers"][0]["text"] == "Merci, nous y veillons."

    # The inbox filters on it too: what is public, what waits for moderation.
    published = json.loads(
        call(client, "get", "/console/threads?publication=published", agent).body
    )
    assert [item["id"] for item in published["items"]] == [clean]
    pending = json.loads(call(client, "get", "/console/threads?publication=pending", agent).body)
    assert [item["id"] for item in pending["items"]] == [phone]
    refused = call(client, "get", "/console/threads?publication=hidden", agent)
    assert refused.status_code == 422

    queue = json.loads(call(client, "get", "/console/moderation", agent).body)
    [held] = queue["items"]
    assert (held["id"], held["reasons"]) == (phone, ["personal_data"])
    assert "06 12 34 56 78" not in held["maskedText"]
    decided = call(client, "post", f"/console/moderation/{phone}", agent, {"decision": "publish"})
    assert json.loads(decided.body)["publication"] == "published"
    page = json.loads(call(client, "get", "/communes/biot/feedback").body)
    assert [item["id"] for item in page["items"]] == [phone, clean]
    assert all("06 12" not in item["text"] for item in page["items"])

    hide = call(client, "post", f"/console/moderation/{clean}", agent, {"decision": "hide"})
    assert hide.status_code == 200
    page = json.loads(call(client, "get", "/communes/biot/feedback?limit=1").body)
    assert [item["id"] for item in page["items"]] == [phone] and page["nextCursor"] is None
    assert json.loads(call(client, "get", "/communes/valbonne/feedback").body)["items"] == []
    viewer = login(aws, "viewer@biot.demo")
    assert call(client, "get", "/console/moderation", viewer).status_code == 403
    other = login(aws, "agent@valbonne.demo")
    assert (
        call(
            client, "post", f"/console/moderation/{phone}", other, {"decision": "hide"}
        ).status_code
        == 404
    )
    assert call(client, "get", "/communes/biot/feedback?limit=500").status_code == 422
    assert call(client, "get", "/communes/nowhere/feedback").status_code == 404


def test_templates_moderation_and_public_cursors_stay_in_their_commune(client, aws, ports):
    biot, valbonne = login(aws, "agent@biot.demo"), login(aws, "agent@valbonne.demo")
    template = {"title": "Merci", "text": "Bonjour {citoyen}, merci."}
    template_id = json.loads(call(client, "post", "/console/templates", biot, template).body)["id"]
    assert json.loads(call(client, "get", "/console/templates", valbonne).body)["items"] == []
    opinion = {"theme": "proprete", "text": "Les trottoirs sont sales à Garbejaire."}
    theirs = json.loads(call(client, "post", "/communes/valbonne/feedback", body=opinion).body)[
        "id"
    ]
    reply = {"templateId": template_id, "visibility": "private"}
    stolen = call(client, "post", f"/console/threads/{theirs}/replies", valbonne, reply)
    assert (stolen.status_code, json.loads(stolen.body)["error"]["code"]) == (
        404,
        "template_not_found",
    )
    empty = call(client, "post", f"/console/threads/{theirs}/replies", valbonne, {"templateId": ""})
    assert empty.status_code == 404

    for n in range(2):
        thread_id = analysed_opinion(client, ports, f"Bravo pour la fête du village, édition {n}.")
        answer = {"text": "Merci !", "visibility": "public"}
        call(client, "post", f"/console/threads/{thread_id}/replies", biot, answer)
    page = json.loads(call(client, "get", "/communes/biot/feedback?limit=1").body)
    assert page["nextCursor"]
    reused = call(client, "get", f"/communes/valbonne/feedback?cursor={page['nextCursor']}")
    assert reused.status_code == 400
    assert json.loads(call(client, "get", "/console/moderation", valbonne).body)["items"] == []
