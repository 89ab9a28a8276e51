"""Admins manage their commune's staff accounts: invite, change a role, remove. Every
change is audited; an admin cannot lock the commune out by demoting or removing
themselves."""

from __future__ import annotations

from chalicelib.domain import activity
from chalicelib.domain.activity import ActivityKind
from chalicelib.domain.errors import ConflictError
from chalicelib.domain.staff import Role, StaffIdentity, StaffMember
from chalicelib.ports import Ports
from chalicelib.services import alerts, digest, staff_access, validation


def members(ports: Ports, staff: StaffIdentity) -> list[StaffMember]:
    staff.require(Role.ADMIN)
    return ports.staff.members(staff.commune_id)


def invite(ports: Ports, staff: StaffIdentity, email: str, role: Role) -> tuple[StaffMember, str]:
    """The new account and its temporary password (the member chooses theirs at first
    login; in AWS Cognito e-mails the invitation)."""
    staff.require(Role.ADMIN)
    address = validation.check_email(email)
    member, temporary = ports.staff.invite(staff.commune_id, address, role)
    _audit(ports, staff, ActivityKind.STAFF_INVITED, address, role)
    return member, temporary


def change_role(ports: Ports, staff: StaffIdentity, email: str, role: Role) -> StaffMember:
    staff.require(Role.ADMIN)
    address = email.strip().lower()
    if address == staff.email.lower() and role is not Role.ADMIN:
        raise ConflictError("an admin cannot demote themselves", code="own_account")
    member = ports.staff.set_role(staff.commune_id, address, role)
    staff_access.forget()
    _audit(ports, staff, ActivityKind.STAFF_ROLE_CHANGED, address, role)
    return member


def remove(ports: Ports, staff: StaffIdentity, email: str) -> None:
    staff.require(Role.ADMIN)
    address = email.strip().lower()
    if address == staff.email.lower():
        raise ConflictError("an admin cannot remove their own account", code="own_account")
    ports.staff.remove(staff.commune_id, address)
    staff_access.forget()
    # What the account still received without asking: its e-mails and its open consoles.
    for topic in (alerts.TOPIC, digest.TOPIC):
        ports.subscriptions.set(staff.commune_id, address, topic, False)
    ports.events.disconnect_member(staff.commune_id, address)
    _audit(ports, staff, ActivityKind.STAFF_REMOVED, address, None)


def _audit(
    ports: Ports, staff: StaffIdentity, kind: ActivityKind, member: str, role: Role | None
) -> None:
    activity.audit(
        ports.activity,
        staff.commune_id,
        ports.clock(),
        kind,
        staff.email,
        member=member,
        role=role.value if role else None,
    )
