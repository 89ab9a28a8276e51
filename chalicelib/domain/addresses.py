"""The communes' e-mail addresses: `<slug>@<domain>` for new messages, and a reply
address per thread, `<slug>+<thread id>-<tag>@<domain>`, that files a citizen's answer in
its thread. The tag (an HMAC) makes reply addresses impossible to forge for another thread."""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass

from chalicelib.domain.ids import is_id

# RFC 5321: a local part has at most 64 octets; longer slugs get no reply address.
_LOCAL_PART_MAX = 64
_TAG_LENGTH = 10
_LOCAL = re.compile(
    r"^(?P<slug>[a-z0-9][a-z0-9-]{0,62})(?:\+(?P<thread>[0-9a-z]{26})-(?P<tag>[0-9a-f]{1,64}))?$"
)


@dataclass(frozen=True)
class Addressee:
    slug: str
    # The thread a reply address names; None for the commune's own address.
    thread_id: str | None = None


def secret_from(seal_key: str) -> bytes:
    """The reply addresses' HMAC key, derived from the stack's sealing secret."""
    return hashlib.sha256(b"concerto reply address|" + seal_key.encode()).digest()


def commune_address(slug: str, domain: str) -> str:
    return f"{slug}@{domain}"


def reply_address(slug: str, thread_id: str, domain: str, secret: bytes) -> str:
    local = f"{slug}+{thread_id}-{_tag(slug, thread_id, secret)}"
    if len(local) > _LOCAL_PART_MAX:
        return commune_address(slug, domain)
    return f"{local}@{domain}"


def addressee(address: str, domain: str, secret: bytes) -> Addressee | None:
    """Whom an address of ours names; None for another domain or a malformed address. A
    reply address with a wrong tag names the commune only (the mail is still filed)."""
    local, _, host = address.strip().lower().rpartition("@")
    if host != domain.lower():
        return None
    match = _LOCAL.match(local)
    if match is None:
        return None
    slug, thread_id, tag = match.group("slug"), match.group("thread"), match.group("tag")
    if thread_id and is_id(thread_id) and hmac.compare_digest(tag, _tag(slug, thread_id, secret)):
        return Addressee(slug, thread_id)
    return Addressee(slug)


def _tag(slug: str, thread_id: str, secret: bytes) -> str:
    digest = hmac.new(secret, f"{slug}|{thread_id}".encode(), hashlib.sha256).hexdigest()
    return digest[:_TAG_LENGTH]
