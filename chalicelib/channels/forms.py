"""Contact forms a commune already has, posting to Concerto server to server: each request
is signed with the commune's key, HMAC-SHA256 over `<timestamp>.<raw body>`, in the header
`X-Concerto-Signature: t=<unix seconds>,v1=<hex>` (several v1 while keys rotate)."""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Sequence

SIGNATURE_HEADER = "X-Concerto-Signature"
# A signature older (or further in the future) than this is refused: a captured request
# cannot be replayed later, and clocks may drift a little.
TOLERANCE_SECONDS = 300
_HEX = re.compile(r"^[0-9a-f]{64}$")


class SignatureError(ValueError):
    """The request is not signed by a current key of the commune (the reason says why)."""


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The header value for `body` sent at `timestamp`."""
    return f"t={timestamp},v1={_digest(secret, timestamp, body)}"


def verify(secrets: Sequence[str], header: str | None, body: bytes, now: float) -> tuple[int, str]:
    """(timestamp, signature) of a request signed by one of `secrets` within the
    tolerance. Raises SignatureError otherwise; never anything else."""
    timestamp, signatures = _parsed(header)
    if abs(now - timestamp) > TOLERANCE_SECONDS:
        raise SignatureError("timestamp outside the 5-minute tolerance")
    for secret in secrets:
        expected = _digest(secret, timestamp, body)
        for signature in signatures:
            if hmac.compare_digest(expected, signature):
                return timestamp, signature
    raise SignatureError("signature does not match")


def _parsed(header: str | None) -> tuple[int, list[str]]:
    if not header or len(header) > 1000:
        raise SignatureError(f"missing or oversized {SIGNATURE_HEADER} header")
    timestamp: int | None = None
    signatures: list[str] = []
    for part in header.split(","):
        name, _, value = part.strip().partition("=")
        if name == "t" and value.isascii() and value.isdigit() and len(value) <= 12:
            timestamp = int(value)
        elif name == "v1" and _HEX.match(value):
            signatures.append(value)
    if timestamp is None or not signatures:
        raise SignatureError("expected t=<unix seconds>,v1=<hex>")
    return timestamp, signatures


def _digest(secret: str, timestamp: int, body: bytes) -> str:
    signed = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
