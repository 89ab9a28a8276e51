"""The export worker: one export job per SQS message; a failure is retried by SQS and,
after the last attempt, recorded on the job for its requester to see."""

from __future__ import annotations

import logging
from typing import Any

from chalice import Blueprint  # type: ignore[attr-defined]

from chalicelib import bootstrap, resources
from chalicelib.adapters.sqs import decode_export
from chalicelib.domain.ids import CommuneId
from chalicelib.ports import Ports
from chalicelib.services import exports

logger = logging.getLogger(__name__)
exports_worker = Blueprint(__name__)
QUEUE = resources.EXPORTS_QUEUE


@exports_worker.on_sqs_message(queue=QUEUE.name, batch_size=QUEUE.batch_size, name="exports")
def handle_export(event: Any) -> dict[str, Any]:
    return process_batch(event.to_dict())


def process_batch(event: dict[str, Any]) -> dict[str, Any]:
    """Returns {"batchItemFailures": [...]}: the records SQS must deliver again."""
    ports = bootstrap.ports()
    failures = []
    for record in event.get("Records", []):
        try:
            commune_id, export_id = decode_export(record.get("body", ""))
        except Exception:  # not ours: it ends in the dead-letter queue, visible
            logger.warning("undecodable export message")
            failures.append({"itemIdentifier": record["messageId"]})
            continue
        try:
            exports.run_export(ports, commune_id, export_id)
        except Exception as error:
            attempts = int(record.get("attributes", {}).get("ApproximateReceiveCount", "1"))
            logger.exception("export %s failed (attempt %d)", export_id, attempts)
            _settle(ports, commune_id, export_id, error, attempts >= QUEUE.max_receive_count)
            failures.append({"itemIdentifier": record["messageId"]})
    return {"batchItemFailures": failures}


def _settle(
    ports: Ports, commune_id: CommuneId, export_id: str, error: Exception, last: bool
) -> None:
    """Records the failure (last attempt) or frees the job for SQS's retry; a problem doing
    so must not hide the record's own failure from SQS."""
    try:
        if last:
            exports.fail_export(ports, commune_id, export_id, type(error).__name__)
        else:
            exports.release_export(ports, commune_id, export_id)
    except Exception:
        logger.exception("could not record the state of export %s", export_id)
