"""Staff token verification: signature, expiry, audience, issuer, token use, claims."""

from __future__ import annotations

import json
import time
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from chalicelib.adapters.cognito import CognitoTokenVerifier, StaticSigningKeys
from chalicelib.domain.errors import UnauthorizedError
from chalicelib.domain.staff import Role

pytestmark = pytest.mark.unit

ISSUER = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_pool"
CLIENT = "console-client"


def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


POOL_KEY = rsa_key()
OTHER_KEY = rsa_key()


def jwks(key: rsa.RSAPrivateKey, kid: str) -> dict[str, Any]:
    public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    return {"keys": [{**public, "kid": kid, "alg": "RS256", "use": "sig"}]}


VERIFIER = CognitoTokenVerifier(ISSUER, CLIENT, StaticSigningKeys(jwks(POOL_KEY, "pool")))


def claims(**overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    base = {
        "sub": "user-1",
        "iss": ISSUER,
        "aud": CLIENT,
        "token_use": "id",
        "iat": now,
        "exp": now + 3600,
        "email": "agent@biot.demo",
        "custom:commune": "06018",
        "cognito:groups": ["agent"],
    }
    base.update(overrides)
    return {key: value for key, value in base.items() if value is not None}


def sign(payload: dict[str, Any], key: rsa.RSAPrivateKey = POOL_KEY, kid: str = "pool") -> str:
    return jwt.encode(payload, key, algorithm="RS256", headers={"kid": kid})


def test_a_valid_id_token_gives_the_staff_identity():
    identity = VERIFIER.verify(sign(claims(**{"cognito:groups": ["viewer", "admin"]})))
    assert (identity.commune_id, identity.role, identity.email) == (
        "06018",
        Role.ADMIN,
        "agent@biot.demo",
    )


@pytest.mark.parametrize(
    "token",
    [
        "garbage",
        "",
        sign(claims(exp=int(time.time()) - 3600)),
        sign(claims(aud="another-client")),
        sign(claims(iss="https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_other")),
        sign(claims(token_use="access")),
        sign(claims(token_use=None)),
        sign(claims(), key=OTHER_KEY),
        sign(claims(), key=OTHER_KEY, kid="unknown"),
        jwt.encode(claims(), key="", algorithm="none"),
        jwt.encode(
            claims(),
            key="a-shared-secret-long-enough-for-hs256!!",
            algorithm="HS256",
            headers={"kid": "pool"},
        ),
        sign(claims(**{"cognito:groups": None})),
        sign(claims(**{"cognito:groups": ["citizens"]})),
        sign(claims(**{"custom:commune": None})),
        sign(claims(**{"custom:commune": "biot"})),
    ],
    ids=[
        "garbage",
        "empty",
        "expired",
        "other-audience",
        "other-issuer",
        "access-token",
        "no-token-use",
        "wrong-key",
        "unknown-kid",
        "alg-none",
        "hs256-confusion",
        "no-group",
        "unknown-group",
        "no-commune",
        "bad-commune",
    ],
)
def test_anything_else_is_unauthorized(token):
    with pytest.raises(UnauthorizedError):
        VERIFIER.verify(token)


def test_readiness_reflects_the_keys():
    assert VERIFIER.ready() is True
