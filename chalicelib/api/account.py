"""The signed-in member's own account: who the API takes them for, and whether their
two-factor sign-in is set up and required (the console's "Mon compte" page and its MFA
banner)."""

from __future__ import annotations

from typing import Literal

from chalice import Blueprint  # type: ignore[attr-defined]
from pydantic import Field

from chalicelib.api.http import Operation, operation, staff
from chalicelib.api.schemas import Schema
from chalicelib.domain.staff import Role

account_api = Blueprint(__name__)


class MfaState(Schema):
    enabled: bool = Field(description="a TOTP authenticator is set up on the account")
    required: bool = Field(
        description="the account's role needs it: admins, and agents when their commune "
        "requires it (agentsMfaRequired)"
    )


class AccountView(Schema):
    email: str
    commune_id: str
    role: Literal["admin", "agent", "viewer"]
    mfa: MfaState
    admin_actions: bool = Field(
        description="false for an admin whose two-factor sign-in is not set up yet"
    )


@operation(
    account_api,
    Operation(
        "getAccount",
        "GET",
        "/console/me",
        "The caller's account as the API sees it now (role, commune, two-factor sign-in)",
        "console",
        AccountView,
        staff=True,
    ),
)
def get_account() -> AccountView:
    # Asked now: right after setting up MFA, admin actions open at once.
    me = staff(fresh=True)
    is_admin = me.role is Role.ADMIN
    return AccountView(
        email=me.email,
        commune_id=me.commune_id,
        role=me.role.value,
        mfa=MfaState(enabled=me.mfa, required=me.mfa_required),
        admin_actions=is_admin and me.mfa,
    )
