"""The delivery worker: staff answers to citizens who left an e-mail address, one SQS
record each, retried by SQS; after the last attempt the message shows as not delivered."""

from __future__ import annotations

import logging
from typing import Any

from chalice import Blueprint  # type: ignore[attr-defined]

from chalicelib import bootstrap, resources
from chalicelib.adapters.sqs import decode_delivery
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
            else:
                notifications.deliver_answer(ports, job)
        except Exception as error:
            attempts = int(record.get("attributes", {}).get("ApproximateReceiveCount", "1"))
            logger.warning("delivery failed (attempt %d): %s", attempts, type(error).__name__)
            if attempts >= QUEUE.max_receive_count:
                notifications.give_up(ports, job, type(error).__name__)
            failures.append({"itemIdentifier": record["messageId"]})
    return {"batchItemFailures": failures}
