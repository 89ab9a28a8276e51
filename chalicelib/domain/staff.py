"""Who a staff member is, once their token is verified, and what their role allows."""

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from chalicelib.domain.errors import ForbiddenError, UnauthorizedError
from chalicelib.domain.ids import CommuneId


class Role(StrEnum):
    VIEWER = "viewer"
    AGENT = "agent"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        return _RANKS[self]


_RANKS = {Role.VIEWER: 0, Role.AGENT: 1, Role.ADMIN: 2}


@dataclass(frozen=True)
class StaffIdentity:
    commune_id: CommuneId
    user_id: str
    email: str
    role: Role
    # When the token this identity comes from expires (None: not from a token).
    token_expires_at: datetime | None = None
    # The account's name in the directory (Cognito's `cognito:username`).
    username: str = ""
    # Whether the account has two-factor authentication: admin actions need it.
    mfa: bool = True
    # The lowest role whose actions need that second factor: admins' always; agents' too
    # when their commune requires it (they read citizens' contacts and e-mails as sent).
    mfa_from: Role = Role.ADMIN

    @property
    def mfa_required(self) -> bool:
        """Whether this member's own role needs a second factor for its actions."""
        return self.role.rank >= self.mfa_from.rank

    def require(self, role: Role) -> None:
        """Raises ForbiddenError (`forbidden`) unless this member's role is at least
        `role`, and (`mfa_required`) for an action of a role that needs a second factor
        when their account signs in without one. Reading (`Role.VIEWER`) never needs it."""
        if self.role.rank < role.rank:
            raise ForbiddenError(f"this action needs the {role.value} role", code="forbidden")
        if role is not Role.VIEWER and role.rank >= self.mfa_from.rank and not self.mfa:
            raise ForbiddenError(_MFA_REFUSALS[role], code="mfa_required")

    def may(self, role: Role) -> bool:
        """Whether `require(role)` would pass: what a page shows (a citizen's contact
        details to agents) follows the same rule as what it lets one do."""
        try:
            self.require(role)
        except ForbiddenError:
            return False
        return True


_MFA_REFUSALS = {
    Role.ADMIN: "admin actions need two-factor authentication: set it up in the console "
    "(Mon compte)",
    Role.AGENT: "this commune requires two-factor authentication for agents' actions and "
    "citizens' contact details: set it up in the console (Mon compte)",
}


def with_commune_policy(identity: StaffIdentity, agents_mfa_required: bool) -> StaffIdentity:
    """`identity` under its commune's two-factor rule: admin actions always need a second
    factor; with `agents_mfa_required`, agents' actions (replies, edits, contact details,
    e-mails as received) need it too. Viewers read without it either way."""
    return replace(identity, mfa_from=Role.AGENT if agents_mfa_required else Role.ADMIN)


def highest_role(groups: list[str]) -> Role | None:
    roles = [Role(group) for group in groups if group in Role.__members__.values()]
    return max(roles, key=lambda role: role.rank) if roles else None


@dataclass(frozen=True)
class StaffMember:
    """A staff account of a commune, as admins manage it."""

    email: str
    role: Role
    enabled: bool = True
    # Cognito's account state: CONFIRMED, or FORCE_CHANGE_PASSWORD until the first login.
    status: str = ""


@dataclass(frozen=True)
class StaffStanding:
    """What the directory says of an account at this moment."""

    commune_id: str | None
    role: Role | None
    enabled: bool
    # Two-factor authentication (TOTP) is set up and required at the account's sign-in.
    mfa: bool


def current_identity(identity: StaffIdentity, standing: StaffStanding | None) -> StaffIdentity:
    """The identity a token gives, as the directory has it now: a deleted or disabled
    account, or one moved to another commune, is refused; a lowered role applies at once
    (a raised one with the next token); the MFA state comes from the directory.
    Raises UnauthorizedError."""
    if standing is None or not standing.enabled:
        raise UnauthorizedError(
            "this account was deleted or disabled: sign in again", code="account_revoked"
        )
    if standing.commune_id != identity.commune_id or standing.role is None:
        raise UnauthorizedError("this account is not a commune's staff", code="not_staff")
    role = min(identity.role, standing.role, key=lambda candidate: candidate.rank)
    return replace(identity, role=role, mfa=standing.mfa)
