"""Services, routing rules, tags and notes over HTTP on moto."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.integration.conftest import login

pytestmark = pytest.mark.integration


def call(client: Any, method: str, path: str, token: str | None, body: Any = None) -> Any:
    headers = {"content-type": "application/json"}
    if token:
        headers["authorization"] = f"Bearer {token}"
    raw = json.dumps(body) if body is not None else None
    return getattr(client.http, method)(path, headers=headers, body=raw)


def test_an_admin_routes_threads_and_agents_tag_and_annotate_them(client, aws):
    admin, agent = login(aws, "admin@biot.demo"), login(aws, "agent@biot.demo")
    services = {"items": [{"id": "voirie", "label": "Voirie", "email": "voirie@mairie-biot.fr"}]}
    assert call(client, "put", "/console/services", agent, services).status_code == 403
    assert json.loads(call(client, "put", "/console/services", admin, services).body) == services
    rules = {"items": [{"service": "voirie", "keywords": ["nid de poule"], "channels": ["web"]}]}
    saved = json.loads(call(client, "put", "/console/rules", admin, rules).body)
    assert saved["items"][0]["keywords"] == ["nid de poule"]
    bad = call(client, "put", "/console/rules", admin, {"items": [{"service": "x", "themes": []}]})
    assert (bad.status_code, json.loads(bad.body)["error"]["code"]) == (422, "unknown_service")

    opinion = {
        "theme": "voirie-stationnement",
        "text": "Un énorme nid de poule avenue Saint-Philippe.",
    }
    thread_id = json.loads(call(client, "post", "/communes/biot/feedback", None, opinion).body)[
        "id"
    ]
    routed = json.loads(call(client, "get", "/console/threads?service=voirie", agent).body)
    assert [item["id"] for item in routed["items"]] == [thread_id]
    assert routed["items"][0]["service"] == "voirie"

    tagged = call(client, "patch", f"/console/threads/{thread_id}", agent, {"tags": ["Urgent"]})
    assert json.loads(tagged.body)["tags"] == ["urgent"]
    found = json.loads(call(client, "get", "/console/threads?tag=urgent", agent).body)
    assert [item["id"] for item in found["items"]] == [thread_id]
    odd = call(client, "patch", f"/console/threads/{thread_id}", agent, {"tags": ["a;b"]})
    assert (odd.status_code, json.loads(odd.body)["error"]["code"]) == (422, "invalid_tag")

    note = {"text": "Signalé à la métropole, ticket 4521."}
    assert (
        call(client, "post", f"/console/threads/{thread_id}/notes", agent, note).status_code == 201
    )
    thread = json.loads(call(client, "get", f"/console/threads/{thread_id}", agent).body)
    assert [m["author"] for m in thread["messages"]] == ["citizen", "note"]

    valbonne = login(aws, "admin@valbonne.demo")
    assert json.loads(call(client, "get", "/console/services", valbonne).body) == {"items": []}
    assert (
        call(client, "post", f"/console/threads/{thread_id}/notes", valbonne, note).status_code
        == 404
    )


def test_agents_answer_from_templates_one_thread_or_many(client, aws):
    agent = login(aws, "agent@biot.demo")
    template = {"title": "Accusé", "text": "Bonjour {citoyen}, merci ({theme}). {agent}"}
    created = call(client, "post", "/console/templates", agent, template)
    assert created.status_code == 201
    template_id = json.loads(created.body)["id"]
    bad = call(client, "post", "/console/templates", agent, {"title": "X", "text": "{nom}"})
    assert (bad.status_code, json.loads(bad.body)["error"]["code"]) == (422, "unknown_variable")
    listed = json.loads(call(client, "get", "/console/templates", agent).body)
    assert [t["id"] for t in listed["items"]] == [template_id] and "citoyen" in listed["variables"]

    opinion = {"theme": "proprete", "text": "Les poubelles débordent rue du Portugon."}
    ids = [
        json.loads(call(client, "post", "/communes/biot/feedback", None, opinion).body)["id"]
        for _ in range(3)
    ]
    reply = {"templateId": template_id, "visibility": "private"}
    assert (
        call(client, "post", f"/console/threads/{ids[0]}/replies", agent, reply).status_code == 201
    )
    thread = json.loads(call(client, "get", f"/console/threads/{ids[0]}", agent).body)
    assert thread["messages"][-1]["text"] == "Bonjour Madame, Monsieur, merci (Propreté). Agent"
    neither = call(client, "post", f"/console/threads/{ids[0]}/replies", agent, {})
    assert (neither.status_code, json.loads(neither.body)["error"]["code"]) == (
        422,
        "invalid_answer",
    )

    bulk = {"ids": [ids[1], ids[2], "01jdx0000000000000000000zz"], "action": "close"}
    results = json.loads(call(client, "post", "/console/threads/bulk", agent, bulk).body)["results"]
    assert [(r["id"], r["ok"]) for r in results] == [
        (ids[1], True),
        (ids[2], True),
        ("01jdx0000000000000000000zz", False),
    ]
    assert results[2]["error"]["code"] == "thread_not_found"
    viewer = login(aws, "viewer@biot.demo")
    assert call(client, "post", "/console/threads/bulk", viewer, bulk).status_code == 403
    path = f"/console/templates/{template_id}"
    assert call(client, "delete", path, login(aws, "agent@valbonne.demo")).status_code == 404
    assert call(client, "delete", path, agent).status_code == 204


def test_staff_raise_a_threads_priority_and_filter_the_inbox_by_it(client, aws):
    agent = login(aws, "agent@biot.demo")
    opinion = {"theme": "proprete", "text": "Les poubelles débordent rue du Portugon."}
    thread_id = json.loads(call(client, "post", "/communes/biot/feedback", None, opinion).body)[
        "id"
    ]
    assert (
        json.loads(call(client, "get", f"/console/threads/{thread_id}", agent).body)["priority"]
        == "normal"
    )
    raised = call(client, "patch", f"/console/threads/{thread_id}", agent, {"priority": "high"})
    assert json.loads(raised.body)["priority"] == "high"
    urgent = json.loads(call(client, "get", "/console/threads?priority=high", agent).body)
    assert [item["id"] for item in urgent["items"]] == [thread_id]
    bad = call(client, "get", "/console/threads?priority=urgent", agent)
    assert bad.status_code == 422


def test_an_agent_merges_a_duplicate_over_http(client, aws):
    agent = login(aws, "agent@biot.demo")
    opinion = {"theme": "proprete", "text": "Dépôt sauvage chemin des Combes."}
    first, second = (
        json.loads(call(client, "post", "/communes/biot/feedback", None, opinion).body)["id"]
        for _ in range(2)
    )
    merged = call(client, "post", f"/console/threads/{second}/merge", agent, {"into": first})
    assert merged.status_code == 200
    assert json.loads(merged.body)["mergedFrom"] == [second]
    duplicate = json.loads(call(client, "get", f"/console/threads/{second}", agent).body)
    assert (duplicate["status"], duplicate["mergedInto"]) == ("closed", first)
    again = call(client, "post", f"/console/threads/{second}/merge", agent, {"into": first})
    assert again.status_code == 409
    other = login(aws, "agent@valbonne.demo")
    assert (
        call(client, "post", f"/console/threads/{first}/merge", other, {"into": second}).status_code
        == 404
    )
    bad = call(client, "post", f"/console/threads/{first}/merge", agent, {"into": "x"})
    assert bad.status_code == 422


def test_rules_audit_and_bulk_stay_in_the_callers_commune(client, aws):
    biot_admin, valbonne_admin = login(aws, "admin@biot.demo"), login(aws, "admin@valbonne.demo")
    services = {"items": [{"id": "voirie", "label": "Voirie"}]}
    call(client, "put", "/console/services", biot_admin, services)
    rules = {"items": [{"service": "voirie", "themes": ["voirie-stationnement"]}]}
    call(client, "put", "/console/rules", biot_admin, rules)
    assert json.loads(call(client, "get", "/console/rules", valbonne_admin).body) == {"items": []}
    other_rules = call(client, "put", "/console/rules", valbonne_admin, rules)
    assert json.loads(other_rules.body)["error"]["code"] == "unknown_service"  # not Biot's

    audit = json.loads(call(client, "get", "/console/audit", valbonne_admin).body)
    assert audit["items"] == []
    opinion = {"theme": "proprete", "text": "Les poubelles débordent rue du Portugon."}
    biot_thread = json.loads(call(client, "post", "/communes/biot/feedback", None, opinion).body)[
        "id"
    ]
    bulk = {"ids": [biot_thread], "action": "close"}
    [result] = json.loads(call(client, "post", "/console/threads/bulk", valbonne_admin, bulk).body)[
        "results"
    ]
    assert (result["ok"], result["error"]["code"]) == (False, "thread_not_found")
    thread = json.loads(call(client, "get", f"/console/threads/{biot_thread}", biot_admin).body)
    assert thread["status"] == "new"


def test_an_admin_sets_the_answer_deadline_and_every_staff_action_is_audited(client, aws):
    admin, agent = login(aws, "admin@biot.demo"), login(aws, "agent@biot.demo")
    changed = call(client, "patch", "/console/settings", admin, {"answerSlaDays": 10})
    assert json.loads(changed.body)["answerSlaDays"] == 10
    assert (
        call(client, "patch", "/console/settings", agent, {"answerSlaDays": 3}).status_code == 403
    )
    odd = call(client, "patch", "/console/settings", admin, {"escalationDays": 11})
    assert (odd.status_code, json.loads(odd.body)["error"]["code"]) == (422, "invalid_settings")
    assert call(client, "patch", "/console/settings", admin, {}).status_code == 422
    viewer = login(aws, "viewer@biot.demo")
    assert json.loads(call(client, "get", "/console/settings", viewer).body)["answerSlaDays"] == 10
    valbonne = json.loads(
        call(client, "get", "/console/settings", login(aws, "viewer@valbonne.demo")).body
    )
    assert valbonne["answerSlaDays"] == 5

    template = {"title": "Merci", "text": "Merci {citoyen}."}
    call(client, "post", "/console/templates", agent, template)
    today = "2026-11-29"
    export = {"kind": "indicators", "format": "csv", "from": today, "to": today}
    call(client, "post", "/console/exports", agent, export)
    audit = json.loads(call(client, "get", "/console/audit?actor=staff", admin).body)
    kinds = [(entry["kind"], entry["actor"]) for entry in audit["items"]]
    assert kinds == [
        ("export.requested", "agent@biot.demo"),
        ("template.saved", "agent@biot.demo"),
        ("settings.changed", "admin@biot.demo"),
    ]
