"""Secrets Manager adapter: a secret's current value and, during a rotation, the previous
one (Secrets Manager moves the old value to the AWSPREVIOUS stage when a new one is put)."""

from __future__ import annotations

from typing import Any

from chalicelib.adapters.aws import client
from chalicelib.domain.errors import NotFoundError
from chalicelib.ports import SecretStore

_STAGES = ("AWSCURRENT", "AWSPREVIOUS")


class SecretsManagerStore(SecretStore):
    def values(self, secret_id: str) -> tuple[str, ...]:
        found = []
        for stage in _STAGES:
            value = _value(secret_id, stage)
            if value is None and stage == "AWSCURRENT":
                raise NotFoundError("unknown secret", code="secret_not_found")
            if value is not None:
                found.append(value)
        return tuple(found)


def _value(secret_id: str, stage: str) -> str | None:
    secrets: Any = client("secretsmanager")
    try:
        answer = secrets.get_secret_value(SecretId=secret_id, VersionStage=stage)
    except secrets.exceptions.ResourceNotFoundException:
        # No such secret, or (AWSPREVIOUS) no rotation yet.
        return None
    return str(answer["SecretString"])
