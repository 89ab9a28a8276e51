"""A token's identity checked against the staff directory: revoked accounts, demotions,
other communes, and admin actions that need two-factor sign-in."""

from __future__ import annotations

from dataclasses import replace

import pytest

from chalicelib.adapters.memory import InMemoryStaffDirectory
from chalicelib.domain.errors import ForbiddenError, UnauthorizedError
from chalicelib.domain.staff import Role, StaffStanding, current_identity
from chalicelib.services.staff_access import StandingCache
from tests.fakes import BIOT, VALBONNE, memory_ports, staff

pytestmark = pytest.mark.unit


def standing(role: Role | None = Role.ADMIN, **changes: object) -> StaffStanding:
    base = StaffStanding(commune_id=BIOT, role=role, enabled=True, mfa=True)
    return replace(base, **changes)  # type: ignore[arg-type]


def test_an_admin_with_mfa_keeps_admin_powers():
    identity = current_identity(replace(staff(role=Role.ADMIN), mfa=False), standing())
    assert (identity.role, identity.mfa) == (Role.ADMIN, True)
    identity.require(Role.ADMIN)


def test_an_admin_without_mfa_may_act_as_an_agent_but_not_as_an_admin():
    identity = current_identity(staff(role=Role.ADMIN), standing(mfa=False))
    identity.require(Role.AGENT)
    with pytest.raises(ForbiddenError) as refused:
        identity.require(Role.ADMIN)
    assert refused.value.code == "mfa_required"


def test_agents_and_viewers_do_not_need_mfa():
    identity = current_identity(staff(role=Role.AGENT), standing(Role.AGENT, mfa=False))
    identity.require(Role.AGENT)
    with pytest.raises(ForbiddenError) as refused:
        identity.require(Role.ADMIN)
    assert refused.value.code == "forbidden"


@pytest.mark.parametrize(
    ("now", "code"),
    [
        (None, "account_revoked"),
        (standing(enabled=False), "account_revoked"),
        (standing(commune_id=VALBONNE), "not_staff"),
        (standing(role=None), "not_staff"),
    ],
)
def test_deleted_disabled_or_moved_accounts_are_refused(now, code):
    with pytest.raises(UnauthorizedError) as refused:
        current_identity(staff(role=Role.ADMIN), now)
    assert refused.value.code == code


def test_a_lowered_role_applies_before_the_token_expires_but_a_raised_one_waits():
    demoted = current_identity(staff(role=Role.ADMIN), standing(Role.VIEWER))
    assert demoted.role is Role.VIEWER
    promoted = current_identity(staff(role=Role.VIEWER), standing(Role.ADMIN))
    assert promoted.role is Role.VIEWER


class Ticking:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class CountingDirectory(InMemoryStaffDirectory):
    def __init__(self) -> None:
        super().__init__()
        self.asked = 0

    def standing(self, username: str) -> StaffStanding | None:
        self.asked += 1
        return super().standing(username)


def test_the_directory_is_asked_once_per_period_and_again_after_a_change(monkeypatch):
    monkeypatch.setenv("CONCERTO_STAFF_STANDING_SECONDS", "30")
    directory = CountingDirectory()
    directory.invite(BIOT, "agent@example.org", Role.AGENT)

    ports = memory_ports()
    ports.staff = directory
    clock = Ticking()
    cache = StandingCache(clock)
    first = cache.get(ports, "agent@example.org")
    assert first is not None and first.role is Role.AGENT
    clock.now += 29
    assert cache.get(ports, "agent@example.org") == first  # type: ignore[arg-type]
    assert directory.asked == 1
    directory.remove(BIOT, "agent@example.org")
    clock.now += 2
    assert cache.get(ports, "agent@example.org") is None  # type: ignore[arg-type]
    assert directory.asked == 2
    cache.forget()
    cache.get(ports, "agent@example.org")
    assert directory.asked == 3
