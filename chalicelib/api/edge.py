"""What the API expects of CloudFront in front of it, declared once for the app and for
infra/web.py: the origin secret CloudFront adds to every API request, the viewer's address
it forwards, and which request headers reach the API (an origin request policy lists
them). Nothing here reads the secret at import (docs/decisions/0011)."""

from __future__ import annotations

import hmac
import ipaddress
import logging
import threading
import time
from collections.abc import Callable, Mapping

from chalicelib import config

logger = logging.getLogger(__name__)

# Added by CloudFront to every request it sends to the API origin (a custom origin header:
# CloudFront overwrites a viewer's header of that name).
ORIGIN_SECRET_HEADER = "X-Origin-Verify"  # noqa: S105 (a header name, not its value)
# The viewer's address and source port ("198.51.100.10:46532", "2001:db8::1:46532"),
# written by CloudFront itself when an origin request policy names it.
VIEWER_ADDRESS_HEADER = "CloudFront-Viewer-Address"
# Request headers the API reads, forwarded by the API behaviours' origin request policy
# (CloudFront drops the others). Authorization and Origin are in the cache policies' keys
# instead (CloudFront forwards Authorization only that way); see infra/web.py.
FORWARDED_HEADERS = (
    "Content-Type",
    "Idempotency-Key",
    "X-Concerto-Signature",
    "X-Hub-Signature-256",
    # The private links' tokens (never in the cache key: those answers are `no-store`).
    "X-Followup-Token",
    "X-Rights-Token",
    "Access-Control-Request-Method",
    "Access-Control-Request-Headers",
    VIEWER_ADDRESS_HEADER,
)
CACHE_KEY_HEADERS = ("Authorization", "Origin")

# How long a container keeps the secret's values; a request whose header matches none of
# them re-reads them (at most every REREAD_SECONDS), so a rotation never locks CloudFront
# out for longer than that.
KEEP_SECONDS = 300.0
REREAD_SECONDS = 30.0


class OriginSecret:
    """The values of the origin secret, read from the stack's secret store when first
    needed and kept KEEP_SECONDS."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._values: tuple[str, ...] = ()
        self._read_at = float("-inf")
        self._lock = threading.Lock()

    def matches(self, given: str) -> bool:
        """Whether `given` is the secret's current or previous value. Raises what the
        store raises when it cannot be read (the caller answers 503, never lets in)."""
        now = self._clock()
        if now - self._read_at > KEEP_SECONDS:
            self._read(now)
        if _any_equal(given, self._values):
            return True
        if now - self._read_at > REREAD_SECONDS:  # maybe rotated since we read it
            self._read(now)
            return _any_equal(given, self._values)
        return False

    def forget(self) -> None:
        with self._lock:
            self._values, self._read_at = (), float("-inf")

    def _read(self, now: float) -> None:
        from chalicelib import bootstrap

        store = bootstrap.ports().secrets
        if store is None:
            raise RuntimeError("CONCERTO_ORIGIN_SECRET_ID is set but no secret store is built")
        values = store.values(config.origin_secret_id())
        with self._lock:
            self._values, self._read_at = values, now


def _any_equal(given: str, values: tuple[str, ...]) -> bool:
    # Compare each in constant time: the header's value must not be guessable by timing.
    found = False
    for value in values:
        found |= hmac.compare_digest(given.encode(), value.encode())
    return found and bool(given)


_SECRET = OriginSecret()


def configured() -> bool:
    """Whether the API sits behind CloudFront with an origin secret (AWS)."""
    return bool(config.origin_secret_id())


def from_cloudfront(headers: Mapping[str, str]) -> bool:
    """Whether the request carries the origin secret (only CloudFront has it). Raises when
    the secret cannot be read."""
    return _SECRET.matches(str(headers.get(ORIGIN_SECRET_HEADER.lower()) or ""))


def viewer_address(headers: Mapping[str, str]) -> str | None:
    """The viewer's IP address CloudFront forwarded, when the request came through
    CloudFront (its origin secret); None otherwise, or when the header is absent or not an
    address. A client can write this header too: without the secret it is never read."""
    if not configured() or not from_cloudfront(headers):
        return None
    return parse_viewer_address(str(headers.get(VIEWER_ADDRESS_HEADER.lower()) or ""))


def parse_viewer_address(value: str) -> str | None:
    """The address in CloudFront's `address:port` (IPv6 unbracketed, `[address]:port`
    accepted too); None for anything else."""
    host, _, port = value.strip().rpartition(":")
    if not port.isdigit():
        return None
    host = host.removeprefix("[").removesuffix("]")
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        return None


def forget() -> None:
    """Tests: the next request reads the secret again."""
    _SECRET.forget()
