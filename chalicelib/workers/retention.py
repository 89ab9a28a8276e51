"""The nightly retention sweep: every contact past its commune's retention date is erased
(address, name, raw e-mails, files, export files with their texts; texts anonymised) —
DynamoDB's TTL alone would leave their traces in the threads, and takes days."""

from __future__ import annotations

import logging
from typing import Any

from chalice import Blueprint, Cron  # type: ignore[attr-defined]

from chalicelib import bootstrap
from chalicelib.services import privacy

logger = logging.getLogger(__name__)
retention_worker = Blueprint(__name__)


# 02:15 UTC, when nobody works.
@retention_worker.schedule(Cron(15, 2, "*", "*", "?", "*"), name="retention_sweep")
def handle_retention_sweep(event: Any) -> dict[str, Any]:
    ports = bootstrap.ports()
    erased: dict[str, int] = {}
    failed = []
    for commune in ports.communes.list_all():
        try:
            erased[commune.commune_id] = privacy.sweep_expired(ports, commune.commune_id)
        except Exception:  # one commune's failure must not keep the others' data longer
            logger.exception("retention sweep failed for %s", commune.commune_id)
            failed.append(commune.commune_id)
    return {"erased": erased, "failed": failed}
