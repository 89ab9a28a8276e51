"""The scheduled alert job: every hour, each commune's counters and overdue threads are
checked; new alerts are stored and mailed once to the staff who subscribed."""

from __future__ import annotations

import logging
from dataclasses import asdict
from typing import Any

from chalice import Blueprint, Rate  # type: ignore[attr-defined]

from chalicelib import bootstrap
from chalicelib.services import alerts

logger = logging.getLogger(__name__)
alerts_worker = Blueprint(__name__)


@alerts_worker.schedule(Rate(1, unit=Rate.HOURS), name="detect_alerts")
def handle_alert_detection(event: Any) -> dict[str, Any]:
    ports = bootstrap.ports()
    reports, failed = [], []
    for commune in ports.communes.list_all():
        try:
            reports.append(asdict(alerts.detect(ports, commune)))
        except Exception:  # one commune's failure must not deprive the others of alerts
            logger.exception("alert detection failed for %s", commune.commune_id)
            failed.append(commune.commune_id)
    if failed and not reports:
        raise RuntimeError(f"alert detection failed for every commune: {failed}")
    return {"reports": reports, "failed": failed}
