"""Who a staff member is, once their token is verified, and what their role allows."""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from chalicelib.domain.errors import ForbiddenError
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

    def require(self, role: Role) -> None:
        """Raises ForbiddenError unless this member's role is at least `role`."""
        if self.role.rank < role.rank:
            raise ForbiddenError(f"this action needs the {role.value} role", code="forbidden")


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
