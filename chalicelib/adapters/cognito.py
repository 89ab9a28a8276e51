"""Verifies Cognito ID tokens in the app itself: chalice local lets any JWT through its
Cognito authorizer, so the signature, expiry, audience and token use are checked here."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Protocol

import jwt

from chalicelib import resources
from chalicelib.domain.errors import UnauthorizedError, ValidationError
from chalicelib.domain.ids import commune_id
from chalicelib.domain.staff import StaffIdentity, highest_role
from chalicelib.ports import TokenVerifier

_LEEWAY_SECONDS = 30


class SigningKeys(Protocol):
    """Where the pool's public keys come from: PyJWKClient (the JWKS URL) or a fixed set."""

    def get_signing_key_from_jwt(self, token: str) -> jwt.PyJWK: ...

    def get_jwk_set(self) -> jwt.PyJWKSet: ...


class StaticSigningKeys:
    def __init__(self, jwks: dict[str, Any]) -> None:
        self._set = jwt.PyJWKSet.from_dict(jwks)

    def get_signing_key_from_jwt(self, token: str) -> jwt.PyJWK:
        kid = jwt.get_unverified_header(token).get("kid")
        for key in self._set.keys:
            if key.key_id == kid:
                return key
        raise jwt.PyJWKClientError(f"no signing key {kid!r}")

    def get_jwk_set(self) -> jwt.PyJWKSet:
        return self._set


class CognitoTokenVerifier(TokenVerifier):
    def __init__(self, issuer: str, audience: str, keys: SigningKeys) -> None:
        self._issuer = issuer
        self._audience = audience
        self._keys = keys

    @classmethod
    def from_jwks_url(cls, issuer: str, audience: str, jwks_url: str) -> CognitoTokenVerifier:
        return cls(issuer, audience, jwt.PyJWKClient(jwks_url, cache_keys=True, timeout=5))

    def verify(self, token: str) -> StaffIdentity:
        try:
            key = self._keys.get_signing_key_from_jwt(token)
            claims: dict[str, Any] = jwt.decode(
                token,
                key=key.key,
                algorithms=["RS256"],
                audience=self._audience,
                issuer=self._issuer,
                leeway=_LEEWAY_SECONDS,
                options={"require": ["exp", "iat", "iss", "aud", "sub", "token_use"]},
            )
        except (jwt.PyJWTError, ValueError) as error:
            raise UnauthorizedError("invalid or expired token", code="invalid_token") from error
        return identity_from_claims(claims)

    def ready(self) -> bool:
        try:
            return bool(self._keys.get_jwk_set().keys)
        except jwt.PyJWTError:
            return False


def identity_from_claims(claims: dict[str, Any]) -> StaffIdentity:
    """Raises UnauthorizedError unless the claims are those of a staff member's ID token."""
    if claims.get("token_use") != "id":
        raise UnauthorizedError("an ID token is required", code="invalid_token")
    groups = claims.get("cognito:groups") or []
    role = highest_role(groups if isinstance(groups, list) else [])
    raw_commune = claims.get(resources.COMMUNE_CLAIM)
    if role is None or not isinstance(raw_commune, str):
        raise UnauthorizedError("this account is not a commune's staff", code="not_staff")
    try:
        commune = commune_id(raw_commune)
    except ValidationError as error:
        raise UnauthorizedError("this account has no valid commune", code="not_staff") from error
    email = claims.get("email") or claims.get("cognito:username") or ""
    expires = datetime.fromtimestamp(int(claims["exp"]), UTC) if "exp" in claims else None
    username = str(claims.get("cognito:username") or email)
    # MFA unknown until the directory is asked (services/staff_access): no admin powers.
    return StaffIdentity(commune, str(claims["sub"]), str(email), role, expires, username, False)
