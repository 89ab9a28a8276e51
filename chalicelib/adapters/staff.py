"""The staff directory on the Cognito user pool: one account per e-mail, its commune in
`custom:commune`, its role as its group (admin, agent or viewer)."""

from __future__ import annotations

import secrets
from typing import Any

from chalicelib import config, resources
from chalicelib.adapters.aws import client
from chalicelib.domain.errors import ConflictError, NotFoundError
from chalicelib.domain.ids import CommuneId
from chalicelib.domain.staff import Role, StaffMember, StaffStanding, highest_role
from chalicelib.ports import StaffDirectory


class CognitoStaffDirectory(StaffDirectory):
    def members(self, commune_id: CommuneId) -> list[StaffMember]:
        cognito = client("cognito-idp")
        found: dict[str, StaffMember] = {}
        for role in Role:
            pages = cognito.get_paginator("list_users_in_group").paginate(
                UserPoolId=config.user_pool_id(), GroupName=role.value
            )
            for page in pages:
                for user in page["Users"]:
                    attributes = _attributes(user.get("Attributes", []))
                    if attributes.get(resources.COMMUNE_CLAIM) != commune_id:
                        continue
                    email = attributes.get("email", user["Username"])
                    known = found.get(email)
                    if known is None or role.rank > known.role.rank:
                        found[email] = StaffMember(
                            email, role, bool(user.get("Enabled", True)), user.get("UserStatus", "")
                        )
        return sorted(found.values(), key=lambda member: member.email)

    def invite(self, commune_id: CommuneId, email: str, role: Role) -> tuple[StaffMember, str]:
        cognito = client("cognito-idp")
        # Meets Cognito's default policy: upper, lower, digit, symbol, ≥ 8.
        temporary = f"Cc-{secrets.token_urlsafe(12)}7!"
        try:
            created = cognito.admin_create_user(
                UserPoolId=config.user_pool_id(),
                Username=email,
                TemporaryPassword=temporary,
                UserAttributes=[
                    {"Name": "email", "Value": email},
                    {"Name": "email_verified", "Value": "true"},
                    {"Name": resources.COMMUNE_CLAIM, "Value": commune_id},
                ],
                DesiredDeliveryMediums=["EMAIL"],
            )
        except cognito.exceptions.UsernameExistsException as error:
            raise ConflictError(
                "this address already has an account", code="staff_exists"
            ) from error
        cognito.admin_add_user_to_group(
            UserPoolId=config.user_pool_id(), Username=email, GroupName=role.value
        )
        status = str(created["User"].get("UserStatus", "FORCE_CHANGE_PASSWORD"))
        return StaffMember(email, role, True, status), temporary

    def set_role(self, commune_id: CommuneId, email: str, role: Role) -> StaffMember:
        cognito = client("cognito-idp")
        user = self._user(commune_id, email)
        for other in Role:
            if other is not role:
                cognito.admin_remove_user_from_group(
                    UserPoolId=config.user_pool_id(), Username=email, GroupName=other.value
                )
        cognito.admin_add_user_to_group(
            UserPoolId=config.user_pool_id(), Username=email, GroupName=role.value
        )
        return StaffMember(email, role, bool(user.get("Enabled", True)), user.get("UserStatus", ""))

    def remove(self, commune_id: CommuneId, email: str) -> None:
        self._user(commune_id, email)
        client("cognito-idp").admin_delete_user(UserPoolId=config.user_pool_id(), Username=email)

    def standing(self, username: str) -> StaffStanding | None:
        cognito = client("cognito-idp")
        try:
            user = cognito.admin_get_user(UserPoolId=config.user_pool_id(), Username=username)
            groups = cognito.admin_list_groups_for_user(
                UserPoolId=config.user_pool_id(), Username=username
            )["Groups"]
        except cognito.exceptions.UserNotFoundException:
            return None
        return StaffStanding(
            commune_id=_attributes(user.get("UserAttributes", [])).get(resources.COMMUNE_CLAIM),
            role=highest_role([group["GroupName"] for group in groups]),
            enabled=bool(user.get("Enabled", True)),
            mfa="SOFTWARE_TOKEN_MFA" in user.get("UserMFASettingList", []),
        )

    def _user(self, commune_id: CommuneId, email: str) -> dict[str, Any]:
        """The account, if it is the commune's; NotFoundError otherwise (another commune's
        account is as unknown as a missing one)."""
        cognito = client("cognito-idp")
        try:
            user: dict[str, Any] = cognito.admin_get_user(
                UserPoolId=config.user_pool_id(), Username=email
            )
        except cognito.exceptions.UserNotFoundException as error:
            raise NotFoundError("unknown staff member", code="staff_not_found") from error
        if _attributes(user.get("UserAttributes", [])).get(resources.COMMUNE_CLAIM) != commune_id:
            raise NotFoundError("unknown staff member", code="staff_not_found")
        return user


def _attributes(items: list[dict[str, str]]) -> dict[str, str]:
    return {item["Name"]: item["Value"] for item in items}
