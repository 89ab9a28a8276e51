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
from chalicelib.domain.staff import StaffIdentity, StaffStanding, current_identity
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


_CACHE = StandingCache()


def resolve(ports: Ports, identity: StaffIdentity) -> StaffIdentity:
    """`identity` as the directory has it now. Raises UnauthorizedError for an account
    deleted, disabled or moved since its token was issued."""
    return current_identity(identity, _CACHE.get(ports, identity.username or identity.email))


def renew(ports: Ports, identity: StaffIdentity) -> StaffIdentity:
    """`identity` with a fresh answer of the directory (the console asks it after setting
    up MFA, so that admin actions open at once rather than when the cached answer ages)."""
    username = identity.username or identity.email
    return current_identity(identity, _CACHE.renew(ports, username))


def forget() -> None:
    _CACHE.forget()
