"""The daily digest job: every morning, each subscribed staff member gets their open and
overdue threads by e-mail."""

from __future__ import annotations

import logging
from dataclasses import asdict
from typing import Any

from chalice import Blueprint, Cron  # type: ignore[attr-defined]

from chalicelib import bootstrap
from chalicelib.services import digest

logger = logging.getLogger(__name__)
digest_worker = Blueprint(__name__)


# 05:30 UTC: 06:30 or 07:30 in Paris, before the town hall opens.
@digest_worker.schedule(Cron(30, 5, "?", "*", "MON-FRI", "*"), name="daily_digest")
def handle_digest(event: Any) -> dict[str, Any]:
    ports = bootstrap.ports()
    reports, failed = [], []
    for commune in ports.communes.list_all():
        try:
            reports.append(asdict(digest.send_digests(ports, commune)))
        except Exception:  # one commune's failure must not deprive the others
            logger.exception("digest failed for %s", commune.commune_id)
            failed.append(commune.commune_id)
    return {"reports": reports, "failed": failed}
