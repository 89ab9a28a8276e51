"""The analysis worker: SQS batches of queued messages → analysis + indicators, each
record reported on its own so SQS retries only what failed (ReportBatchItemFailures)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from chalice import Blueprint  # type: ignore[attr-defined]

from chalicelib import bootstrap, config, resources
from chalicelib.adapters.aws import client
from chalicelib.adapters.sqs import decode_job
from chalicelib.ports import AnalysisJob, Ports
from chalicelib.services import analysis

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
    from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
    from aws_lambda_powertools.utilities.idempotency import (
        DynamoDBPersistenceLayer,
        IdempotencyConfig,
    )

logger = logging.getLogger(__name__)
analysis_worker = Blueprint(__name__)
QUEUE = resources.ANALYSIS_QUEUE


@analysis_worker.on_sqs_message(queue=QUEUE.name, batch_size=QUEUE.batch_size, name="analysis")
def handle_analysis(event: Any) -> PartialItemFailureResponse:
    return process_batch(event.to_dict(), event.context)


def process_batch(event: dict[str, Any], context: Any) -> PartialItemFailureResponse:
    """Analyses the batch in one analyzer call, then records each message in its own
    transaction. Returns {"batchItemFailures": [...]}, the records SQS must redeliver."""
    # Imported here: app.py registers this blueprint, and the API's cold start should not
    # pay for Powertools' batch and idempotency modules (and boto3) it never uses.
    from aws_lambda_powertools.utilities.batch import (
        BatchProcessor,
        EventType,
        process_partial_response,
    )
    from aws_lambda_powertools.utilities.idempotency import idempotent_function

    ports = bootstrap.ports()
    jobs = [_job_or_none(record.get("body", "")) for record in event.get("Records", [])]
    prepared = analysis.prepare(ports, [job for job in jobs if job is not None])
    idempotency = _idempotency()
    if context is not None and hasattr(context, "get_remaining_time_in_millis"):
        idempotency.register_lambda_context(context)

    # Keyed on the SQS messageId: a redelivered record is acknowledged without work. The
    # conditional transaction in record_analysis is what guarantees counting once.
    def analyse_record(record: SQSRecord) -> bool:
        job = decode_job(record.body)
        try:
            outcome = prepared[job]
            if isinstance(outcome, Exception):
                raise outcome
            return analysis.record(ports, outcome)
        except Exception as error:
            _fail_if_last_attempt(ports, record, job, error)
            raise

    handle_record = idempotent_function(
        analyse_record,
        data_keyword_argument="record",
        config=idempotency,
        persistence_store=_persistence(),
    )

    def record_handler(record: SQSRecord) -> bool:
        return bool(handle_record(record=record))

    return process_partial_response(
        event=event,
        record_handler=record_handler,
        # Report every failed record, even when all failed, rather than raising: SQS then
        # retries exactly those, and the receive count stays per message.
        processor=BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False),
        context=context,
    )


def _job_or_none(body: str) -> AnalysisJob | None:
    try:
        return decode_job(body)
    except Exception:  # a body we did not write fails in its record handler, visibly
        logger.warning("undecodable analysis job")
        return None


def _fail_if_last_attempt(
    ports: Ports, record: SQSRecord, job: AnalysisJob, error: Exception
) -> None:
    attempts = int(record.attributes.approximate_receive_count or "1")
    logger.warning(
        "analysis failed (attempt %d/%d): %s", attempts, QUEUE.max_receive_count, type(error)
    )
    if attempts >= QUEUE.max_receive_count:
        analysis.record_failure(ports, job, f"{type(error).__name__}: {error}")


def _persistence() -> DynamoDBPersistenceLayer:
    from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer

    # Cheap to build: it reuses the process's cached DynamoDB client.
    return DynamoDBPersistenceLayer(
        table_name=config.table_name(resources.IDEMPOTENCY), boto3_client=client("dynamodb")
    )


def _idempotency() -> IdempotencyConfig:
    from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig

    return IdempotencyConfig(event_key_jmespath="messageId", expires_after_seconds=3600)
