"""SQS adapter for the analysis queue; the message carries ids only, never citizen text."""

from __future__ import annotations

import json
from typing import Any

from chalicelib import config, resources
from chalicelib.adapters.aws import client
from chalicelib.domain.ids import CommuneId, commune_id
from chalicelib.ports import (
    AnalysisJob,
    AnalysisQueue,
    DeliveryJob,
    DeliveryQueue,
    ExportQueue,
    InboundJob,
    InboundQueue,
)


class SqsAnalysisQueue(AnalysisQueue):
    def enqueue(self, job: AnalysisJob) -> None:
        client("sqs").send_message(
            QueueUrl=config.queue_url(resources.ANALYSIS_QUEUE), MessageBody=encode_job(job)
        )


def encode_job(job: AnalysisJob) -> str:
    return json.dumps(
        {"communeId": job.commune_id, "threadId": job.thread_id, "messageId": job.message_id}
    )


def decode_job(body: str) -> AnalysisJob:
    """Raises ValueError (or a ValidationError) for a body this code did not write."""
    data: dict[str, Any] = json.loads(body)
    return AnalysisJob(commune_id(data["communeId"]), str(data["threadId"]), str(data["messageId"]))


class SqsExportQueue(ExportQueue):
    def enqueue(self, commune_id: CommuneId, export_id: str) -> None:
        client("sqs").send_message(
            QueueUrl=config.queue_url(resources.EXPORTS_QUEUE),
            MessageBody=json.dumps({"communeId": commune_id, "exportId": export_id}),
        )


def decode_export(body: str) -> tuple[CommuneId, str]:
    """Raises ValueError (or a ValidationError) for a body this code did not write."""
    data: dict[str, Any] = json.loads(body)
    return commune_id(data["communeId"]), str(data["exportId"])


class SqsDeliveryQueue(DeliveryQueue):
    def enqueue(self, job: DeliveryJob) -> None:
        client("sqs").send_message(
            QueueUrl=config.queue_url(resources.DELIVERY_QUEUE),
            # Ids only: never the answer's text nor an address.
            MessageBody=json.dumps(
                {
                    "communeId": job.commune_id,
                    "threadId": job.thread_id,
                    "messageId": job.message_id,
                    "verify": job.verify,
                    "rights": job.rights,
                }
            ),
        )


def decode_delivery(body: str) -> DeliveryJob:
    """Raises ValueError (or a ValidationError) for a body this code did not write."""
    same = decode_job(body)
    data = json.loads(body)
    verify, rights = bool(data.get("verify", False)), bool(data.get("rights", False))
    return DeliveryJob(same.commune_id, same.thread_id, same.message_id, verify, rights)


class SqsInboundQueue(InboundQueue):
    def enqueue(self, job: InboundJob) -> None:
        client("sqs").send_message(
            QueueUrl=config.queue_url(resources.INBOUND_QUEUE),
            # Where the raw input is stored, never its content.
            MessageBody=json.dumps(
                {"communeId": job.commune_id, "source": job.source, "key": job.key}
            ),
        )


def decode_inbound(body: str) -> InboundJob:
    """Raises ValueError (or a ValidationError) for a body this code did not write."""
    data: dict[str, Any] = json.loads(body)
    return InboundJob(commune_id(data["communeId"]), str(data["source"]), str(data["key"]))


def redrive_dead_letters(queue_url: str, dlq_url: str, limit: int = 10_000) -> int:
    """Moves up to `limit` messages from the dead-letter queue back to `queue_url`, where
    the workers take them again (their processing is idempotent). Returns how many moved.
    A message is deleted from the DLQ only once it is sent: a crash re-drives it twice at
    worst, never loses it. (SQS's own start_message_move_task does this in AWS; moto has
    none, so this works everywhere.)"""
    sqs = client("sqs")
    moved = 0
    while moved < limit:
        batch = sqs.receive_message(
            QueueUrl=dlq_url,
            MaxNumberOfMessages=min(10, limit - moved),
            WaitTimeSeconds=0,
            VisibilityTimeout=60,
        ).get("Messages", [])
        if not batch:
            return moved
        for message in batch:
            sqs.send_message(QueueUrl=queue_url, MessageBody=message["Body"])
            sqs.delete_message(QueueUrl=dlq_url, ReceiptHandle=message["ReceiptHandle"])
            moved += 1
    return moved
