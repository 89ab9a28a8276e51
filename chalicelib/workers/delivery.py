"""The delivery worker: staff answers to citizens who left an e-mail address, one SQS
record each, retried by SQS; after the last attempt the message shows as not delivered."""

from __future__ import annotations

import logging
from typing import Any

from chalice import Blueprint  # type: ignore[attr-defined]

from chalicelib import bootstrap, resources
from chalicelib.adapters.sqs import decode_delivery
from chalicelib.domain.errors import DeliveryError
from chalicelib.ports import DeliveryJob, Ports
from chalicelib.services import notifications

logger = logging.getLogger(__name__)
delivery_worker = Blueprint(__name__)
QUEUE = resources.DELIVERY_QUEUE


@delivery_worker.on_sqs_message(queue=QUEUE.name, batch_size=10, name="delivery")
def handle_delivery(event: Any) -> dict[str, Any]:
    return process_batch(event.to_dict())


def process_batch(event: dict[str, Any]) -> dict[str, Any]:
    """Returns {"batchItemFailures": [...]}: the records SQS must deliver again."""
    ports = bootstrap.ports()
    failures = []
    for record in event.get("Records", []):
        try:
            job = decode_delivery(record.get("body", ""))
        except Exception:  # not ours: it ends in the dead-letter queue, visible
            logger.warning("undecodable delivery message")
            failures.append({"itemIdentifier": record["messageId"]})
            continue
        try:
            if job.verify:
                notifications.send_verification(ports, job)
            elif job.rights:
                notifications.send_rights_link(ports, job)
            else:
                notifications.deliver_answer(ports, job)
        except DeliveryError as error:
            # Refused for good (answers are marked failed by deliver_answer): trying again
            # cannot help; a verification's address simply stays unverified.
            if not error.retryable:
                logger.warning("delivery refused: %s", error.code)
                continue
            _retry(ports, record, job, error, failures)
        except Exception as error:
            _retry(ports, record, job, error, failures)
    return {"batchItemFailures": failures}


def _retry(
    ports: Ports,
    record: dict[str, Any],
    job: DeliveryJob,
    error: Exception,
    failures: list[dict[str, str]],
) -> None:
    """Reports the record for SQS to deliver again; on its last attempt, staff see why it
    was not delivered (the provider's answer, not just an exception's name)."""
    attempts = int(record.get("attributes", {}).get("ApproximateReceiveCount", "1"))
    logger.warning("delivery failed (attempt %d): %s", attempts, type(error).__name__)
    if attempts >= QUEUE.max_receive_count:
        reason = error.message if isinstance(error, DeliveryError) else type(error).__name__
        notifications.give_up(ports, job, reason)
    failures.append({"itemIdentifier": record["messageId"]})
