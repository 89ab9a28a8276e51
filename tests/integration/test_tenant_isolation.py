"""Nobody gets into another commune: every staff route of the OpenAPI document (so a new
route cannot escape) is called with an admin token of Valbonne on Biot's resources — and
without a token, and with forged ones. Nothing of Biot comes back and nothing of it changes."""

from __future__ import annotations

import json
import re
import time
from typing import Any

import boto3
import jwt
import pytest

from local import mfa
from local.provision import create_staff
from tests.integration.conftest import PASSWORD, REGION, login

pytestmark = pytest.mark.integration
JSON = {"content-type": "application/json"}


def staff_operations(client) -> list[tuple[str, str, dict[str, Any]]]:
    document = json.loads(client.http.get("/openapi.json").body)
    found = []
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            if operation.get("security"):
                found.append((method.upper(), path, operation))
    return found


def call(client, method: str, path: str, token: str | None, body: Any = None):
    headers = dict(JSON)
    if token is not None:
        headers["authorization"] = f"Bearer {token}"
    payload = json.dumps(body) if body is not None else None
    response = client.http.request(method, path, headers=headers, body=payload)
    return response.status_code, (response.body or b"").decode()


@pytest.fixture
def biot(client, aws) -> dict[str, str]:
    """Resources of Biot, one of each kind a route can name."""
    admin = login(aws, "admin@biot.demo")
    opinion = {"theme": "proprete", "text": "Les poubelles débordent rue du Portugon."}
    thread = json.loads(
        client.http.post("/communes/biot/feedback", headers=JSON, body=json.dumps(opinion)).body
    )["id"]
    template = json.loads(
        call(client, "POST", "/console/templates", admin, {"title": "Merci", "text": "Merci !"})[1]
    )["id"]
    consultation = {
        "title": "Le village le dimanche",
        "question": "Faut-il piétonniser le village le dimanche ?",
        "theme": "proprete",
        "choices": ["Oui", "Non"],
        "opensOn": "2026-11-01",
        "closesOn": "2026-12-31",
    }
    status, created = call(client, "POST", "/console/consultations", admin, consultation)
    assert status == 201, created
    export = {"kind": "threads", "format": "csv", "from": "2026-11-01", "to": "2026-11-30"}
    status, requested = call(client, "POST", "/console/exports", admin, export)
    assert status == 202, requested
    key = json.loads(call(client, "POST", "/console/channels/form-keys", admin)[1])["id"]
    return {
        "admin": admin,
        "thread_id": thread,
        "message_id": thread,
        "index": "0",
        "template_id": template,
        "consultation_id": json.loads(created)["id"],
        "export_id": json.loads(requested)["id"],
        "alert_id": "2026-11-02.surge.proprete",
        "topic_id": "tp0123456789ab",
        "key_id": key,
        "email": "agent%40biot.demo",
    }


def fill(path: str, values: dict[str, str]) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: values[m.group(1)], path)


def example_body(operation: dict[str, Any]) -> Any:
    content = operation.get("requestBody", {}).get("content", {})
    return content.get("application/json", {}).get("example", {}) if content else None


def biot_snapshot(client, biot: dict[str, str]) -> dict[str, Any]:
    admin = biot["admin"]
    thread = json.loads(call(client, "GET", f"/console/threads/{biot['thread_id']}", admin)[1])
    return {
        "thread": (thread["version"], thread["status"], thread["tags"], len(thread["messages"])),
        "templates": call(client, "GET", "/console/templates", admin)[1],
        "settings": call(client, "GET", "/console/settings", admin)[1],
        "commune": call(client, "GET", "/console/commune", admin)[1],
        "staff": call(client, "GET", "/console/staff", admin)[1],
        "keys": json.loads(call(client, "GET", "/console/channels", admin)[1])["forms"]["keys"],
        "consultation": call(
            client, "GET", f"/console/consultations/{biot['consultation_id']}", admin
        )[1],
    }


def test_every_staff_route_keeps_a_token_of_another_commune_out(client, aws, biot):
    operations = staff_operations(client)
    assert len(operations) >= 45  # the whole console, exports, channels, admin…
    before = biot_snapshot(client, biot)
    valbonne = login(aws, "admin@valbonne.demo")
    secrets = {v for k, v in biot.items() if k not in ("admin", "index", "email")}
    leaks = []
    for method, path, operation in operations:
        status, body = call(client, method, fill(path, biot), valbonne, example_body(operation))
        names_biot = "{" in path
        if names_biot and 200 <= status < 300:
            leaks.append(f"{method} {path}: {status}")
        if any(secret in body for secret in secrets) or "06018" in body:
            leaks.append(f"{method} {path}: Biot's data in the answer")
        if status >= 500:
            leaks.append(f"{method} {path}: {status}")
    assert leaks == []
    assert biot_snapshot(client, biot) == before


def deleted_members_token(aws) -> str:
    """A valid token of a Biot agent whose account is then deleted."""
    cognito = boto3.client("cognito-idp", region_name=REGION)
    create_staff(REGION, aws.user_pool_id, "parti@biot.demo", PASSWORD, "06018", "agent")
    token = login(aws, "parti@biot.demo")
    cognito.admin_delete_user(UserPoolId=aws.user_pool_id, Username="parti@biot.demo")
    return token


def other_clients_token(aws) -> str:
    """A real ID token of a Biot admin, issued to another app client of the same pool."""
    cognito = boto3.client("cognito-idp", region_name=REGION)
    other = cognito.create_user_pool_client(
        UserPoolId=aws.user_pool_id,
        ClientName="another-app",
        ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    )["UserPoolClient"]["ClientId"]
    return str(mfa.sign_in(cognito, other, "admin@biot.demo", PASSWORD)["IdToken"])


def forged_tokens(aws) -> dict[str, str | None]:
    real = login(aws, "agent@biot.demo")
    cognito = boto3.client("cognito-idp", region_name=REGION)
    access = mfa.sign_in(cognito, aws.client_id, "agent@biot.demo", PASSWORD)["AccessToken"]
    claims = jwt.decode(real, options={"verify_signature": False})
    header = jwt.get_unverified_header(real)
    return {
        "none": None,
        "garbage": "garbage",
        "alg-none": jwt.encode(claims, key="", algorithm="none"),
        "hs256-with-the-kid": jwt.encode(
            claims,
            key="a-shared-secret-long-enough-for-hs256!!",
            algorithm="HS256",
            headers={"kid": header["kid"]},
        ),
        "resigned-other-commune": jwt.encode(
            {**claims, "custom:commune": "06152"}, key="x" * 32, algorithm="HS256"
        ),
        "expired": jwt.encode(
            {**claims, "exp": int(time.time()) - 60}, key="x" * 32, algorithm="HS256"
        ),
        "truncated-signature": real[:-10],
        "access-token-instead-of-id-token": access,
        "another-app-clients-token": other_clients_token(aws),
        "deleted-members-token": deleted_members_token(aws),
    }


def test_every_staff_route_refuses_missing_and_forged_tokens(client, aws, biot):
    refused = []
    tokens = forged_tokens(aws)
    for method, path, operation in staff_operations(client):
        for name, token in tokens.items():
            status, _ = call(client, method, fill(path, biot), token, example_body(operation))
            if status != 401:
                refused.append(f"{method} {path} with {name}: {status}")
    assert refused == [], "\n".join(refused)
