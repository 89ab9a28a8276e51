"""The composition root: builds the real adapters once per process; tests install fakes."""

from __future__ import annotations

from datetime import UTC, datetime

from chalicelib import config
from chalicelib.ports import Analyzer, CorrectionRepository, ModelStore, Ports, Summarizer

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


def analyzer(
    corrections: CorrectionRepository | None = None, store: ModelStore | None = None
) -> Analyzer:
    """Comprehend with the local model as fallback (or the local model alone when Comprehend
    is switched off), enriched with the commune's themes, PII and toxicity."""
    from chalicelib.analysis.local import LocalAnalyzer
    from chalicelib.analysis.pipeline import CompositeAnalyzer

    engine: Analyzer = LocalAnalyzer(store)
    if config.comprehend_enabled():
        from chalicelib.analysis.comprehend import ComprehendAnalyzer
        from chalicelib.analysis.fallback import FallbackAnalyzer

        engine = FallbackAnalyzer(ComprehendAnalyzer(), engine)
    return CompositeAnalyzer(engine, corrections)


def summarizer() -> Summarizer:
    """Bedrock with the extractive summary as fallback (or the extractive one alone when
    Bedrock is switched off for the stack)."""
    from chalicelib.analysis.summaries import ExtractiveSummarizer

    local = ExtractiveSummarizer()
    if not config.bedrock_enabled():
        return local
    from chalicelib.adapters.bedrock import BedrockSummarizer
    from chalicelib.analysis.summary_fallback import FallbackSummarizer

    return FallbackSummarizer(BedrockSummarizer(), local)


def reset() -> None:
    """Forgets every cached adapter and client (tests start each moto mock afresh)."""
    from chalicelib.adapters import aws
    from chalicelib.adapters.dynamo import models, repositories
    from chalicelib.api import edge
    from chalicelib.services import staff_access

    override(None)
    staff_access.forget()  # what this container kept of accounts and communes' rules
    edge.forget()  # and of the origin secret
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
    from chalicelib.adapters.dynamo.activity import DynamoActivityLog
    from chalicelib.adapters.dynamo.alerts import (
        DynamoAlertRepository,
        DynamoSubscriptionRepository,
    )
    from chalicelib.adapters.dynamo.channels import DynamoChannelStore
    from chalicelib.adapters.dynamo.exports import DynamoExportRepository
    from chalicelib.adapters.dynamo.rate_limits import DynamoRateLimiter
    from chalicelib.adapters.dynamo.repositories import (
        DynamoCommuneRepository,
        DynamoConsultationRepository,
        DynamoContactRepository,
        DynamoCorrectionRepository,
        DynamoIdempotencyStore,
        DynamoIndicatorRepository,
        DynamoThreadRepository,
    )
    from chalicelib.adapters.dynamo.summaries import DynamoSummaryCache
    from chalicelib.adapters.dynamo.templates import DynamoTemplateRepository
    from chalicelib.adapters.dynamo.topics import DynamoTopicStore
    from chalicelib.adapters.graph import GraphClient, GraphSocialNetwork
    from chalicelib.adapters.realtime import DynamoConnectionRepository, WebSocketPublisher
    from chalicelib.adapters.s3 import S3BlobStore, S3FileStore, S3ModelStore
    from chalicelib.adapters.sealer import FernetSealer
    from chalicelib.adapters.secrets import SecretsManagerStore
    from chalicelib.adapters.ses import SesMailer
    from chalicelib.adapters.sqs import (
        SqsAnalysisQueue,
        SqsDeliveryQueue,
        SqsExportQueue,
        SqsInboundQueue,
    )
    from chalicelib.adapters.staff import CognitoStaffDirectory
    from chalicelib.resources import ATTACHMENTS_BUCKET, MAIL_BUCKET

    models.bind()
    corrections = DynamoCorrectionRepository()
    connections = DynamoConnectionRepository()
    store = S3ModelStore()
    return Ports(
        communes=DynamoCommuneRepository(),
        threads=DynamoThreadRepository(),
        contacts=DynamoContactRepository(),
        corrections=corrections,
        models=store,
        consultations=DynamoConsultationRepository(),
        activity=DynamoActivityLog(),
        templates=DynamoTemplateRepository(),
        events=WebSocketPublisher(connections),
        connections=connections,
        alerts=DynamoAlertRepository(),
        subscriptions=DynamoSubscriptionRepository(),
        mailer=SesMailer(),
        channels=DynamoChannelStore(),
        mail=S3BlobStore(MAIL_BUCKET),
        attachments=S3BlobStore(ATTACHMENTS_BUCKET),
        social=GraphSocialNetwork(GraphClient(config.graph_url())),
        inbound_queue=SqsInboundQueue(),
        exports=DynamoExportRepository(),
        export_queue=SqsExportQueue(),
        files=S3FileStore(),
        indicators=DynamoIndicatorRepository(),
        idempotency=DynamoIdempotencyStore(),
        analysis_queue=SqsAnalysisQueue(),
        delivery_queue=SqsDeliveryQueue(),
        sealer=FernetSealer(),
        analyzer=analyzer(corrections, store),
        tokens=CognitoTokenVerifier.from_jwks_url(
            config.cognito_issuer(), config.user_pool_client_id(), config.jwks_url()
        ),
        staff=CognitoStaffDirectory(),
        clock=now,
        rate_limiter=DynamoRateLimiter(),
        topics=DynamoTopicStore(),
        secrets=SecretsManagerStore(),
        summarizer=summarizer(),
        summaries=DynamoSummaryCache(),
    )
