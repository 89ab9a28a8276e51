"""Proves a webhook call comes from Meta: the X-Hub-Signature-256 HMAC of the raw body, and the
one-time subscription handshake (hub.mode / hub.verify_token / hub.challenge)."""

from __future__ import annotations

import hashlib
import hmac
import string

_PREFIX = "sha256="
_HEX_DIGITS = frozenset("0123456789abcdef")
# Meta's challenge is a short number; anything long or unprintable is not echoed back, so the
# endpoint cannot be used to reflect arbitrary content.
MAX_CHALLENGE_CHARS = 200
_PRINTABLE = frozenset(string.printable) - frozenset("\t\n\r\x0b\x0c")


def _utf8(text: str) -> bytes:
    # surrogatepass: a lone surrogate (possible in a JSON-decoded query string) must not raise.
    return text.encode("utf-8", "surrogatepass")


def sign(app_secret: str, raw_body: bytes) -> str:
    """The header value Meta would send for `raw_body` (for tests and local tools)."""
    digest = hmac.new(_utf8(app_secret), raw_body, hashlib.sha256).hexdigest()
    return _PREFIX + digest


def verify(app_secret: str, raw_body: bytes, header: str | None) -> bool:
    """True only when `header` is the HMAC-SHA256 of the RAW body (before any JSON parsing:
    re-serialising changes the bytes) under the app secret. Never raises."""
    if not app_secret or not isinstance(header, str) or not isinstance(raw_body, bytes):
        return False
    if not header.startswith(_PREFIX):
        return False
    # Meta sends lowercase hex; anything else is not its signature.
    received = header[len(_PREFIX) :]
    if len(received) != hashlib.sha256().digest_size * 2 or not set(received) <= _HEX_DIGITS:
        return False
    expected = sign(app_secret, raw_body)[len(_PREFIX) :]
    # Constant time: the comparison must not tell an attacker how many leading digits matched.
    return hmac.compare_digest(received.encode("ascii"), expected.encode("ascii"))


def handshake(
    mode: str | None, verify_token: str | None, challenge: str | None, expected_token: str
) -> str | None:
    """The challenge to echo when Meta subscribes with our verify token, else None."""
    if mode != "subscribe" or not expected_token or not isinstance(verify_token, str):
        return None
    token_matches = hmac.compare_digest(_utf8(verify_token), _utf8(expected_token))
    if not token_matches or not isinstance(challenge, str):
        return None
    if not challenge or len(challenge) > MAX_CHALLENGE_CHARS:
        return None
    if not set(challenge) <= _PRINTABLE:
        return None
    return challenge
