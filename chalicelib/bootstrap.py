"""The composition root: builds the real adapters once per process; tests install fakes."""

from __future__ import annotations

from datetime import UTC, datetime

from chalicelib import config
from chalicelib.ports import Ports

_ports: Ports | None = None


def ports() -> Ports:
    global _ports
    if _ports is None:
        _ports = build()
    return _ports


def override(replacement: Ports | None) -> None:
    """Installs `replacement` (None goes back to the real adapters on next use)."""
    global _ports
    _ports = replacement


def reset() -> None:
    """Forgets every cached adapter and client (tests start each moto mock afresh)."""
    from chalicelib.adapters import aws
    from chalicelib.adapters.dynamo import models, repositories

    override(None)
    aws.client.cache_clear()
    repositories.transaction_connection.cache_clear()
    for model in models.MODELS.values():
        model._connection = None


def now() -> datetime:
    return datetime.now(UTC)


def build() -> Ports:
    # Imported here: PynamoDB and botocore cost ~250 ms, paid on first use only.
    from chalicelib.adapters.cognito import CognitoTokenVerifier
    from chalicelib.adapters.dynamo import models
    from chalicelib.adapters.dynamo.repositories import (
        DynamoCommuneRepository,
        DynamoContactRepository,
        DynamoIdempotencyStore,
        DynamoIndicatorRepository,
        DynamoThreadRepository,
    )
    from chalicelib.adapters.sqs import SqsAnalysisQueue
    from chalicelib.analysis.local import LocalAnalyzer

    models.bind()
    return Ports(
        communes=DynamoCommuneRepository(),
        threads=DynamoThreadRepository(),
        contacts=DynamoContactRepository(),
        indicators=DynamoIndicatorRepository(),
        idempotency=DynamoIdempotencyStore(),
        analysis_queue=SqsAnalysisQueue(),
        analyzer=LocalAnalyzer(),
        tokens=CognitoTokenVerifier.from_jwks_url(
            config.cognito_issuer(), config.user_pool_client_id(), config.jwks_url()
        ),
        clock=now,
    )
