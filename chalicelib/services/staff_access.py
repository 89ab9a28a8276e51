"""Who is behind a console request. A Cognito ID token stays valid for up to an hour after
an admin deletes, disables or demotes its account, and it cannot say whether the account
signs in with a second factor: so the token's identity is checked against the staff
directory, whose answer each API container keeps for a few seconds (one directory call per
member per container and period, not one per request)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from chalicelib import config
from chalicelib.domain.errors import NotFoundError
from chalicelib.domain.ids import CommuneId
from chalicelib.domain.staff import (
    StaffIdentity,
    StaffStanding,
    current_identity,
    with_commune_policy,
)
from chalicelib.ports import Ports


class StandingCache:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._entries: dict[str, tuple[float, StaffStanding | None]] = {}
        self._lock = threading.Lock()

    def get(self, ports: Ports, username: str) -> StaffStanding | None:
        now = self._clock()
        with self._lock:
            cached = self._entries.get(username)
        if cached is not None and cached[0] > now:
            return cached[1]
        standing = ports.staff.standing(username)
        with self._lock:
            self._entries[username] = (now + config.staff_standing_seconds(), standing)
        return standing

    def renew(self, ports: Ports, username: str) -> StaffStanding | None:
        with self._lock:
            self._entries.pop(username, None)
        return self.get(ports, username)

    def forget(self) -> None:
        """After this container changed an account: the next request asks again."""
        with self._lock:
            self._entries.clear()


class PolicyCache:
    """Whether each commune requires two-factor sign-in of its agents, kept as long as a
    standing: a console request reads no commune for it (one read per commune and period)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._entries: dict[CommuneId, tuple[float, bool]] = {}
        self._lock = threading.Lock()

    def agents_mfa_required(self, ports: Ports, commune_id: CommuneId) -> bool:
        now = self._clock()
        with self._lock:
            cached = self._entries.get(commune_id)
        if cached is not None and cached[0] > now:
            return cached[1]
        try:
            required = ports.communes.get(commune_id).settings.agents_mfa_required
        except NotFoundError:  # no commune, no console: the request fails on its own
            required = False
        with self._lock:
            self._entries[commune_id] = (now + config.staff_standing_seconds(), required)
        return required

    def forget(self) -> None:
        with self._lock:
            self._entries.clear()


_CACHE = StandingCache()
_POLICIES = PolicyCache()


def resolve(ports: Ports, identity: StaffIdentity) -> StaffIdentity:
    """`identity` as the directory has it now, under its commune's two-factor rule.
    Raises UnauthorizedError for an account deleted, disabled or moved since its token was
    issued."""
    current = current_identity(identity, _CACHE.get(ports, identity.username or identity.email))
    return _under_policy(ports, current)


def renew(ports: Ports, identity: StaffIdentity) -> StaffIdentity:
    """`identity` with a fresh answer of the directory (the console asks it after setting
    up MFA, so that admin actions open at once rather than when the cached answer ages)."""
    username = identity.username or identity.email
    return _under_policy(ports, current_identity(identity, _CACHE.renew(ports, username)))


def _under_policy(ports: Ports, identity: StaffIdentity) -> StaffIdentity:
    required = _POLICIES.agents_mfa_required(ports, identity.commune_id)
    return with_commune_policy(identity, required)


def forget() -> None:
    """After this container changed an account or a commune's two-factor rule."""
    _CACHE.forget()
    _POLICIES.forget()
