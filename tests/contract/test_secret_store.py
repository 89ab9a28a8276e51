"""The secret store's contract, fake and Secrets Manager (on moto) alike: the current value
first, the previous one while a rotation is under way, unknown secrets refused."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import boto3
import pytest
from moto import mock_aws

from chalicelib import bootstrap
from chalicelib.adapters.memory import InMemorySecretStore
from chalicelib.adapters.secrets import SecretsManagerStore
from chalicelib.domain.errors import NotFoundError
from chalicelib.ports import SecretStore

pytestmark = pytest.mark.contract

SECRET = "concerto-biot/origin-secret"


@pytest.fixture(params=["memory", "secretsmanager"])
def store(request: pytest.FixtureRequest) -> Iterator[tuple[SecretStore, Callable[[str], None]]]:
    if request.param == "memory":
        fake = InMemorySecretStore()
        yield fake, lambda value: fake.put(SECRET, value)
        return
    bootstrap.reset()
    with mock_aws():
        manager = boto3.client("secretsmanager", region_name="eu-west-1")

        def put(value: str) -> None:
            try:
                manager.put_secret_value(SecretId=SECRET, SecretString=value)
            except manager.exceptions.ResourceNotFoundException:
                manager.create_secret(Name=SECRET, SecretString=value)

        yield SecretsManagerStore(), put
    bootstrap.reset()


def test_the_current_value_comes_first_and_the_previous_one_during_a_rotation(store):
    secrets, put = store
    put("first-value")
    assert secrets.values(SECRET) == ("first-value",)
    put("second-value")
    assert secrets.values(SECRET) == ("second-value", "first-value")
    put("third-value")
    assert secrets.values(SECRET) == ("third-value", "second-value")


def test_an_unknown_secret_is_not_found(store):
    secrets, _ = store
    with pytest.raises(NotFoundError):
        secrets.values("concerto-biot/no-such-secret")
