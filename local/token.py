"""`python -m local.token agent@biot.demo`: prints a staff ID token from the running
embedded runtime's Cognito, for trying the console API with curl."""

from __future__ import annotations

import json
import sys

import boto3

from local import mfa
from local.runtime import DEFAULT_DEMO_PASSWORD, RUNTIME_FILE


def main(argv: list[str]) -> int:
    if len(argv) not in (1, 2) or not RUNTIME_FILE.exists():
        print(
            "usage (with `make run` running): python -m local.token EMAIL [PASSWORD]",
            file=sys.stderr,
        )
        return 2
    env = json.loads(RUNTIME_FILE.read_text())
    cognito = boto3.client(
        "cognito-idp",
        endpoint_url=env["CONCERTO_COGNITO_ENDPOINT"],
        region_name=env["AWS_DEFAULT_REGION"],
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )
    password = (
        argv[1] if len(argv) == 2 else env.get("CONCERTO_DEMO_PASSWORD", DEFAULT_DEMO_PASSWORD)
    )
    # The demo admins answer their TOTP challenge with the demo secret (local/mfa.py).
    print(mfa.sign_in(cognito, env["CONCERTO_USER_POOL_CLIENT_ID"], argv[0], password)["IdToken"])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
