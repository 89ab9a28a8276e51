"""A token's identity checked against the staff directory: revoked accounts, demotions,
other communes, and admin actions that need two-factor sign-in."""

from __future__ import annotations

from dataclasses import replace

import pytest

from chalicelib.adapters.memory import InMemoryStaffDirectory
from chalicelib.domain.commune import Commune
from chalicelib.domain.errors import ForbiddenError, UnauthorizedError
from chalicelib.domain.ids import CommuneId
from chalicelib.domain.staff import (
    Role,
    StaffIdentity,
    StaffStanding,
    current_identity,
    with_commune_policy,
)
from chalicelib.ports import Ports
from chalicelib.services import feedback, inbox, settings, staff_access
from chalicelib.services.feedback import SubmitFeedback
from chalicelib.services.staff_access import PolicyCache, StandingCache
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


# ---- A commune may require two-factor sign-in of its agents --------------------------------


def agent_of(commune_requires: bool, mfa: bool, role: Role = Role.AGENT) -> StaffIdentity:
    return with_commune_policy(replace(staff(role=role), mfa=mfa), commune_requires)


def test_by_default_agents_act_without_a_second_factor():
    agent = agent_of(commune_requires=False, mfa=False)
    agent.require(Role.AGENT)
    assert agent.may(Role.AGENT) and not agent.mfa_required


def test_once_required_an_agent_without_mfa_reads_but_neither_acts_nor_sees_contacts():
    agent = agent_of(commune_requires=True, mfa=False)
    assert agent.mfa_required
    agent.require(Role.VIEWER)  # reading the inbox and the dashboard goes on
    with pytest.raises(ForbiddenError) as refused:
        agent.require(Role.AGENT)
    assert refused.value.code == "mfa_required"
    assert "agents" in refused.value.message
    assert not agent.may(Role.AGENT)
    # Above their role it is still `forbidden`, not a second-factor matter.
    with pytest.raises(ForbiddenError) as above:
        agent.require(Role.ADMIN)
    assert above.value.code == "forbidden"


def test_once_required_an_agent_with_mfa_acts_and_viewers_are_unaffected():
    agent_of(commune_requires=True, mfa=True).require(Role.AGENT)
    viewer = agent_of(commune_requires=True, mfa=False, role=Role.VIEWER)
    viewer.require(Role.VIEWER)
    assert not viewer.mfa_required


def test_admins_keep_needing_it_and_under_the_rule_for_agent_actions_too():
    admin = agent_of(commune_requires=False, mfa=False, role=Role.ADMIN)
    admin.require(Role.AGENT)
    with pytest.raises(ForbiddenError):
        admin.require(Role.ADMIN)
    strict = agent_of(commune_requires=True, mfa=False, role=Role.ADMIN)
    assert [strict.may(Role.VIEWER), strict.may(Role.AGENT), strict.may(Role.ADMIN)] == [
        True,
        False,
        False,
    ]


def test_an_agent_without_the_required_second_factor_sees_no_contact_details():
    ports = memory_ports()
    receipt = feedback.submit_feedback(
        ports,
        "biot",
        SubmitFeedback(
            theme="voirie", text="Le trottoir est défoncé.", email="a@ex.org", consent=True
        ),
    )
    without = agent_of(commune_requires=True, mfa=False)
    assert inbox.get_thread(ports, without, receipt.thread_id).contact is None
    with_mfa = agent_of(commune_requires=True, mfa=True)
    assert inbox.get_thread(ports, with_mfa, receipt.thread_id).contact is not None


class CountingCommunes:
    def __init__(self, ports: Ports) -> None:
        self.inner, self.asked = ports.communes, 0

    def get(self, commune_id: CommuneId) -> Commune:
        self.asked += 1
        return self.inner.get(commune_id)


def test_the_communes_rule_is_read_once_per_period_and_again_after_a_change(monkeypatch):
    monkeypatch.setenv("CONCERTO_STAFF_STANDING_SECONDS", "30")
    ports = memory_ports()
    communes = CountingCommunes(ports)
    ports.communes = communes  # type: ignore[assignment]
    clock = Ticking()
    cache = PolicyCache(clock)
    assert cache.agents_mfa_required(ports, BIOT) is False
    biot = communes.inner.get(BIOT)
    communes.inner.save(replace(biot, settings=replace(biot.settings, agents_mfa_required=True)))
    clock.now += 29
    assert cache.agents_mfa_required(ports, BIOT) is False  # still the kept answer
    clock.now += 2
    assert cache.agents_mfa_required(ports, BIOT) is True
    assert communes.asked == 2
    cache.forget()
    cache.agents_mfa_required(ports, BIOT)
    assert communes.asked == 3
    assert cache.agents_mfa_required(ports, CommuneId("99999")) is False  # no such commune


def test_changing_the_rule_applies_at_once_in_the_container_that_changed_it():
    ports = memory_ports()
    agent = replace(staff(role=Role.AGENT), mfa=False)
    staff_access.forget()
    ports.staff.invite(BIOT, agent.email, Role.AGENT)  # type: ignore[attr-defined]
    assert staff_access.resolve(ports, agent).may(Role.AGENT)
    settings.change_settings(ports, staff(role=Role.ADMIN), {"agents_mfa_required": True})
    assert not staff_access.resolve(ports, agent).may(Role.AGENT)
    staff_access.forget()
