"""Private follow-up tokens: unguessable, stored only as a hash, and carrying their commune.

A token reads `<INSEE code>.<43 url-safe characters>` (256 random bits): the prefix tells
which commune's partition to look in, so the lookup stays tenant-scoped.
"""

import base64
import hashlib
import secrets

from chalicelib.domain.errors import NotFoundError, ValidationError
from chalicelib.domain.ids import CommuneId, commune_id

_SECRET_BYTES = 32


def new_token(commune: CommuneId) -> str:
    return f"{commune}.{_encode(secrets.token_bytes(_SECRET_BYTES))}"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def commune_of(token: str) -> CommuneId:
    """Raises NotFoundError for anything that is not a well-formed token."""
    prefix, _, secret = token.partition(".")
    try:
        commune = commune_id(prefix)
        raw = _decode(secret)
    except (ValidationError, ValueError) as error:
        raise NotFoundError("unknown follow-up link", code="followup_not_found") from error
    if len(raw) != _SECRET_BYTES:
        raise NotFoundError("unknown follow-up link", code="followup_not_found")
    return commune


def _encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _decode(text: str) -> bytes:
    if not text or len(text) > 64:
        raise ValueError("bad token length")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
