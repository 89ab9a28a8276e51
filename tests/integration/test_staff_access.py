"""Admin actions need two-factor sign-in, and a token outlives no account change: Cognito
on moto (codes checked), the API through Chalice's test client."""

from __future__ import annotations

import json

import boto3
import pytest

from local import mfa
from tests.integration.conftest import PASSWORD, REGION, login
from tests.integration.test_admin_api import call

pytestmark = pytest.mark.integration
JSON = {"content-type": "application/json"}


def new_member(client, aws, email: str, role: str) -> None:
    """Invited by Biot's admin, with their own password set (as after their first login)."""
    admin = login(aws, "admin@biot.demo")
    assert call(client, "post", "/console/staff", admin, {"email": email, "role": role})[0] == 201
    boto3.client("cognito-idp", region_name=REGION).admin_set_user_password(
        UserPoolId=aws.user_pool_id, Username=email, Password=PASSWORD, Permanent=True
    )


def test_a_new_admin_acts_as_an_agent_until_their_authenticator_is_set_up(client, aws):
    new_member(client, aws, "dgs@biot.demo", "admin")
    cognito = boto3.client("cognito-idp", region_name=REGION)
    first = cognito.initiate_auth(
        ClientId=aws.client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "dgs@biot.demo", "PASSWORD": PASSWORD},
    )["AuthenticationResult"]
    token = first["IdToken"]
    status, me = call(client, "get", "/console/me", token)
    assert status == 200
    assert (me["role"], me["mfa"], me["adminActions"]) == (
        "admin",
        {"enabled": False, "required": True},
        False,
    )
    status, refused = call(client, "get", "/console/staff", token)
    assert (status, refused["error"]["code"]) == (403, "mfa_required")
    assert call(client, "get", "/console/threads", token)[0] == 200  # agent work goes on

    # The console's set-up: associate, verify a code, make it the preferred factor.
    access = first["AccessToken"]
    secret = cognito.associate_software_token(AccessToken=access)["SecretCode"]
    with pytest.raises(cognito.exceptions.CodeMismatchException):
        cognito.verify_software_token(AccessToken=access, UserCode="000000")
    cognito.verify_software_token(AccessToken=access, UserCode=mfa.fresh_code(secret))
    cognito.set_user_mfa_preference(
        AccessToken=access, SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True}
    )

    # From now on the password alone does not sign in...
    challenge = cognito.initiate_auth(
        ClientId=aws.client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "dgs@biot.demo", "PASSWORD": PASSWORD},
    )
    assert challenge["ChallengeName"] == "SOFTWARE_TOKEN_MFA"
    assert "AuthenticationResult" not in challenge
    # ...and admin actions open at once: the console's next GET /console/me renews the
    # API's view of the account.
    assert call(client, "get", "/console/me", token)[1]["adminActions"] is True
    assert call(client, "get", "/console/staff", token)[0] == 200
    token = mfa.sign_in(cognito, aws.client_id, "dgs@biot.demo", PASSWORD, secret)["IdToken"]
    assert call(client, "get", "/console/staff", token)[0] == 200


def test_a_deleted_members_token_is_refused_before_it_expires(client, aws):
    new_member(client, aws, "stagiaire@biot.demo", "agent")
    token = login(aws, "stagiaire@biot.demo")
    assert call(client, "get", "/console/threads", token)[0] == 200
    admin = login(aws, "admin@biot.demo")
    assert call(client, "delete", "/console/staff/stagiaire%40biot.demo", admin)[0] == 204
    status, body = call(client, "get", "/console/threads", token)
    assert (status, body["error"]["code"]) == (401, "account_revoked")


def test_a_disabled_members_token_is_refused(client, aws, monkeypatch):
    monkeypatch.setenv("CONCERTO_STAFF_STANDING_SECONDS", "0")
    token = login(aws, "agent@biot.demo")
    assert call(client, "get", "/console/threads", token)[0] == 200
    boto3.client("cognito-idp", region_name=REGION).admin_disable_user(
        UserPoolId=aws.user_pool_id, Username="agent@biot.demo"
    )
    status, body = call(client, "get", "/console/threads", token)
    assert (status, body["error"]["code"]) == (401, "account_revoked")


def test_a_demoted_members_token_loses_the_rights_it_had(client, aws):
    token = login(aws, "agent@biot.demo")
    admin = login(aws, "admin@biot.demo")
    template = {"title": "Encombrants", "text": "Bonjour, les encombrants passent lundi."}
    assert call(client, "post", "/console/templates", token, template)[0] == 201
    demote = call(client, "patch", "/console/staff/agent%40biot.demo", admin, {"role": "viewer"})
    assert demote[0] == 200
    status, body = call(client, "get", "/console/me", token)
    assert (status, body["role"]) == (200, "viewer")
    status, body = call(client, "post", "/console/templates", token, template)
    assert (status, body["error"]["code"]) == (403, "forbidden")


def test_a_commune_may_hold_its_agents_to_two_factor_sign_in_too(client, aws):
    admin, viewer = login(aws, "admin@biot.demo"), login(aws, "viewer@biot.demo")
    new_member(client, aws, "accueil@biot.demo", "agent")
    agent = login(aws, "accueil@biot.demo")
    opinion = {
        "theme": "proprete",
        "text": "Les poubelles débordent avenue Saint-Philippe.",
        "email": "habitant@example.org",
        "consent": True,
    }
    sent = client.http.post("/communes/biot/feedback", headers=JSON, body=json.dumps(opinion))
    thread = json.loads(sent.body)["id"]
    reply = {"text": "Merci, le service propreté passe cette semaine.", "visibility": "private"}
    assert call(client, "post", f"/console/threads/{thread}/replies", agent, reply)[0] == 201
    assert call(client, "get", "/console/me", agent)[1]["mfa"]["required"] is False

    status, changed = call(client, "patch", "/console/settings", admin, {"agentsMfaRequired": True})
    assert (status, changed["agentsMfaRequired"]) == (200, True)
    audit = call(client, "get", "/console/audit?actor=staff", admin)[1]["items"]
    assert (audit[0]["kind"], audit[0]["actor"]) == ("settings.changed", "admin@biot.demo")

    # The agent reads the inbox, without who wrote, and acts no more.
    assert call(client, "get", "/console/me", agent)[1]["mfa"] == {
        "enabled": False,
        "required": True,
    }
    status, detail = call(client, "get", f"/console/threads/{thread}", agent)
    assert (status, detail.get("contact")) == (200, None)
    status, refused = call(client, "post", f"/console/threads/{thread}/replies", agent, reply)
    assert (status, refused["error"]["code"]) == (403, "mfa_required")
    # Viewers are unaffected; admins keep their own rule.
    assert call(client, "get", "/console/me", viewer)[1]["mfa"]["required"] is False
    assert call(client, "get", "/console/threads", viewer)[0] == 200

    # Set up from "Mon compte" as admins do: then the agent acts and sees contacts again.
    cognito = boto3.client("cognito-idp", region_name=REGION)
    secret = mfa.enrol(cognito, aws.user_pool_id, aws.client_id, "accueil@biot.demo", PASSWORD)
    assert call(client, "get", "/console/me", agent)[1]["mfa"]["enabled"] is True
    assert call(client, "post", f"/console/threads/{thread}/replies", agent, reply)[0] == 201
    agent = mfa.sign_in(cognito, aws.client_id, "accueil@biot.demo", PASSWORD, secret)["IdToken"]
    status, detail = call(client, "get", f"/console/threads/{thread}", agent)
    assert detail["contact"]["email"] == "habitant@example.org"
