"""Integration fixtures: moto's in-process AWS with the stack's resources, the real
adapters, the demo communes and their staff, and Chalice's test client."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from importlib import resources as package_files
from typing import Any

import boto3
import pytest
from moto import mock_aws

from chalicelib import bootstrap, config
from chalicelib.adapters.cognito import CognitoTokenVerifier, StaticSigningKeys
from chalicelib.ports import Ports
from local import mfa
from local.provision import Provisioned, provision
from local.seed import seed

REGION = "eu-west-1"
PASSWORD = "Test-Password-2026!"


def moto_jwks() -> dict[str, Any]:
    """The public keys moto signs every pool's tokens with (its JWKS endpoint serves them)."""
    raw = package_files.files("moto.cognitoidp").joinpath("resources/jwks-public.json.gz")
    return json.loads(gzip.decompress(raw.read_bytes()))


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[Provisioned]:
    bootstrap.reset()
    with mock_aws():
        provisioned = provision(REGION)
        for name, value in provisioned.env.items():
            monkeypatch.setenv(name, value)
        monkeypatch.setenv("CONCERTO_COGNITO_REGION", REGION)
        # moto checks TOTP codes like Cognito (the demo admins sign in with one).
        monkeypatch.setenv(mfa.MOTO_TOTP_SWITCH, "true")
        yield provisioned
    bootstrap.reset()


@pytest.fixture
def ports(aws: Provisioned) -> Iterator[Ports]:
    real = bootstrap.build()
    real.tokens = CognitoTokenVerifier(
        config.cognito_issuer(), config.user_pool_client_id(), StaticSigningKeys(moto_jwks())
    )
    bootstrap.override(real)
    seed(real, REGION, aws.user_pool_id, PASSWORD, opinions=False)
    yield real


@pytest.fixture
def client(ports: Ports) -> Iterator[Any]:
    from chalice.test import Client

    from app import app

    with Client(app) as test_client:
        yield test_client


def login(aws: Provisioned, email: str, password: str = PASSWORD) -> str:
    cognito = boto3.client("cognito-idp", region_name=REGION)
    return str(mfa.sign_in(cognito, aws.client_id, email, password)["IdToken"])
