"""The inbound worker: social networks' webhook payloads, acknowledged by the API at once
and stored, are filed here (one SQS record each, retried by SQS, then kept in the
dead-letter queue for replay)."""

from __future__ import annotations

import logging
from typing import Any

from chalice import Blueprint  # type: ignore[attr-defined]

from chalicelib import bootstrap, resources
from chalicelib.adapters.sqs import decode_inbound
from chalicelib.services import social

logger = logging.getLogger(__name__)
inbound_worker = Blueprint(__name__)
QUEUE = resources.INBOUND_QUEUE


@inbound_worker.on_sqs_message(queue=QUEUE.name, batch_size=10, name="inbound")
def handle_inbound(event: Any) -> dict[str, Any]:
    return process_batch(event.to_dict())


def process_batch(event: dict[str, Any]) -> dict[str, Any]:
    """Returns {"batchItemFailures": [...]}: the records SQS must deliver again."""
    ports = bootstrap.ports()
    failures = []
    for record in event.get("Records", []):
        try:
            job = decode_inbound(record.get("body", ""))
            if job.source != social.SOURCE:
                raise ValueError(f"unknown source {job.source!r}")
            social.process(ports, job)
        except Exception as error:  # this record only; the others go on
            logger.warning("inbound record failed: %s", type(error).__name__)
            failures.append({"itemIdentifier": record["messageId"]})
    return {"batchItemFailures": failures}
