"""Admins manage their commune's themes, quartiers and staff accounts (Cognito on moto)."""

from __future__ import annotations

import json

import boto3
import pytest

from tests.integration.conftest import REGION, login

pytestmark = pytest.mark.integration
JSON = {"content-type": "application/json"}


def call(client, method: str, path: str, token: str, body=None):
    response = getattr(client.http, method)(
        path,
        headers={**JSON, "authorization": f"Bearer {token}"},
        **({"body": json.dumps(body)} if body is not None else {}),
    )
    return response.status_code, json.loads(response.body or b"null")


def test_an_admin_renames_themes_and_quartiers_and_citizens_see_them(client, aws):
    admin = login(aws, "admin@biot.demo")
    status, commune = call(client, "get", "/console/commune", admin)
    assert (status, commune["slug"], commune["name"]) == (200, "biot", "Biot")
    themes = [{**t, "label": t["label"].upper()} for t in commune["themes"]]
    themes.append({"id": "numerique", "label": "Numérique", "keywords": ["fibre", "wifi"]})
    status, changed = call(client, "put", "/console/commune/themes", admin, {"themes": themes})
    assert status == 200
    assert changed["themes"][-1] == {
        "id": "numerique",
        "label": "Numérique",
        "keywords": ["fibre", "wifi"],
        "description": "",
    }
    public = json.loads(client.http.get("/communes/biot").body)
    assert "numerique" in [t["id"] for t in public["themes"]]

    quartiers = {"quartiers": [{"id": "village", "label": "Le Village"}]}
    status, changed = call(client, "put", "/console/commune/quartiers", admin, quartiers)
    assert (status, changed["quartiers"]) == (200, quartiers["quartiers"])
    audit = call(client, "get", "/console/audit", admin)[1]
    assert {"themes", "quartiers"} <= {e["details"].get("setting") for e in audit["items"]}


@pytest.mark.parametrize(
    ("themes", "code"),
    [
        ([], "validation_error"),
        ([{"id": "a-classer", "label": "Réservé"}], "invalid_themes"),
        ([{"id": "Pas Un Id", "label": "X"}], "invalid_themes"),
        ([{"id": "a", "label": "A"}, {"id": "a", "label": "B"}], "invalid_themes"),
    ],
)
def test_invalid_themes_are_refused(client, aws, themes, code):
    admin = login(aws, "admin@biot.demo")
    status, body = call(client, "put", "/console/commune/themes", admin, {"themes": themes})
    assert (status, body["error"]["code"]) == (422, code)


def test_agents_cannot_change_themes_or_staff(client, aws):
    agent = login(aws, "agent@biot.demo")
    body = {"themes": [{"id": "x", "label": "X"}]}
    assert call(client, "put", "/console/commune/themes", agent, body)[0] == 403
    assert call(client, "get", "/console/staff", agent)[0] == 403
    invite = {"email": "new@biot.demo", "role": "agent"}
    assert call(client, "post", "/console/staff", agent, invite)[0] == 403


def test_an_admin_invites_a_member_who_logs_in_changes_role_and_is_removed(client, aws):
    admin = login(aws, "admin@biot.demo")
    status, listed = call(client, "get", "/console/staff", admin)
    assert status == 200
    assert [(m["email"], m["role"]) for m in listed["items"]] == [
        ("admin@biot.demo", "admin"),
        ("agent@biot.demo", "agent"),
        ("viewer@biot.demo", "viewer"),
    ]
    status, invited = call(
        client, "post", "/console/staff", admin, {"email": "Accueil@Biot.demo", "role": "agent"}
    )
    assert status == 201
    assert (invited["email"], invited["status"]) == ("accueil@biot.demo", "FORCE_CHANGE_PASSWORD")
    # The member's first login asks for their own password.
    cognito = boto3.client("cognito-idp", region_name=REGION)
    challenge = cognito.initiate_auth(
        ClientId=aws.client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "accueil@biot.demo", "PASSWORD": invited["temporaryPassword"]},
    )
    assert challenge["ChallengeName"] == "NEW_PASSWORD_REQUIRED"
    again = call(
        client, "post", "/console/staff", admin, {"email": "accueil@biot.demo", "role": "viewer"}
    )
    assert again[0] == 409

    status, changed = call(
        client, "patch", "/console/staff/accueil%40biot.demo", admin, {"role": "viewer"}
    )
    assert (status, changed["role"]) == (200, "viewer")
    listed = call(client, "get", "/console/staff", admin)[1]["items"]
    assert ("accueil@biot.demo", "viewer") in [(m["email"], m["role"]) for m in listed]
    assert call(client, "delete", "/console/staff/accueil%40biot.demo", admin)[0] == 204
    assert call(client, "delete", "/console/staff/accueil%40biot.demo", admin)[0] == 404
    kinds = [e["kind"] for e in call(client, "get", "/console/audit", admin)[1]["items"]]
    assert {"staff.invited", "staff.role_changed", "staff.removed"} <= set(kinds)


def test_staff_of_another_commune_and_ones_own_account_are_out_of_reach(client, aws):
    admin = login(aws, "admin@biot.demo")
    assert (
        call(client, "patch", "/console/staff/agent%40valbonne.demo", admin, {"role": "viewer"})[0]
        == 404
    )
    assert call(client, "delete", "/console/staff/agent%40valbonne.demo", admin)[0] == 404
    status, body = call(
        client, "patch", "/console/staff/admin%40biot.demo", admin, {"role": "agent"}
    )
    assert (status, body["error"]["code"]) == (409, "own_account")
    assert call(client, "delete", "/console/staff/admin%40biot.demo", admin)[0] == 409
    valbonne = login(aws, "admin@valbonne.demo")
    emails = [m["email"] for m in call(client, "get", "/console/staff", valbonne)[1]["items"]]
    assert all(email.endswith("@valbonne.demo") for email in emails)
