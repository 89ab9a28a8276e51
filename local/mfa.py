"""Two-factor sign-in (TOTP) for the demo and the tests: admins need it for admin actions.

`python -m local.mfa` (or `make totp`) prints the current code of the demo admins' secret,
for whoever has no authenticator app at hand. moto's Cognito hands every account the same
TOTP secret and, with MOTO_COGNITO_IDP_USER_POOL_ENABLE_TOTP=true (set by the runtime and the
tests), checks codes like Cognito does."""

from __future__ import annotations

import base64
import sys
import time
from typing import Any

from cryptography.hazmat.primitives.hashes import SHA1
from cryptography.hazmat.primitives.twofactor.totp import TOTP

# moto's fixed secret (moto.cognitoidp.models.COGNITO_TOTP_MFA_SECRET): every demo admin's.
DEMO_SECRET = "asdfasdfasdf"
MOTO_TOTP_SWITCH = "MOTO_COGNITO_IDP_USER_POOL_ENABLE_TOTP"


def code(secret: str, at: float | None = None) -> str:
    """The RFC 6238 code (SHA-1, 6 digits, 30 s) an authenticator app shows for `secret`."""
    padded = secret.upper() + "=" * (-len(secret) % 8)
    # SHA-1 is what RFC 6238 and every authenticator app use for TOTP (an HMAC, not a digest).
    totp = TOTP(base64.b32decode(padded), 6, SHA1(), 30, enforce_key_length=False)  # noqa: S303
    return totp.generate(int(time.time() if at is None else at)).decode()


def fresh_code(secret: str) -> str:
    """A code with at least 3 s of validity left: Cognito checks codes against the current
    30-second step only, so one read at the edge would fail on arrival."""
    if 30 - time.time() % 30 < 3:
        time.sleep(30 - time.time() % 30 + 0.05)
    return code(secret)


def enrol(cognito: Any, pool_id: str, client_id: str, username: str, password: str) -> str:
    """Sets up TOTP on an account as the console does (associate, verify, prefer), and
    returns its secret."""
    tokens = cognito.initiate_auth(
        ClientId=client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": username, "PASSWORD": password},
    )["AuthenticationResult"]
    secret = str(cognito.associate_software_token(AccessToken=tokens["AccessToken"])["SecretCode"])
    cognito.verify_software_token(
        AccessToken=tokens["AccessToken"], UserCode=fresh_code(secret), FriendlyDeviceName="demo"
    )
    cognito.admin_set_user_mfa_preference(
        UserPoolId=pool_id,
        Username=username,
        SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True},
    )
    return secret


def sign_in(
    cognito: Any,
    client_id: str,
    username: str,
    password: str,
    secret: str = DEMO_SECRET,
    new_password: str | None = None,
) -> dict[str, Any]:
    """Cognito's tokens for a password sign-in, answering the TOTP challenge if asked, and
    (with `new_password`) the first sign-in of an invited member."""
    result: dict[str, Any] = cognito.initiate_auth(
        ClientId=client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": username, "PASSWORD": password},
    )
    if result.get("ChallengeName") == "NEW_PASSWORD_REQUIRED" and new_password:
        result = cognito.respond_to_auth_challenge(
            ClientId=client_id,
            ChallengeName="NEW_PASSWORD_REQUIRED",
            Session=result["Session"],
            ChallengeResponses={"USERNAME": username, "NEW_PASSWORD": new_password},
        )
    if result.get("ChallengeName") == "SOFTWARE_TOKEN_MFA":
        result = cognito.respond_to_auth_challenge(
            ClientId=client_id,
            ChallengeName="SOFTWARE_TOKEN_MFA",
            Session=result["Session"],
            ChallengeResponses={
                "USERNAME": username,
                "SOFTWARE_TOKEN_MFA_CODE": fresh_code(secret),
            },
        )
    tokens: dict[str, Any] = result["AuthenticationResult"]
    return tokens


def main() -> int:
    remaining = 30 - int(time.time()) % 30
    print(f"{code(DEMO_SECRET)}  (code of the demo admins, valid {remaining} s more)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
