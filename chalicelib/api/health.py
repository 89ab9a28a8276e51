"""Checks that each component the API depends on answers."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable

from chalicelib import bootstrap, config, resources
from chalicelib.adapters.aws import client
from chalicelib.api.schemas import ComponentHealth, Health
from chalicelib.domain.errors import NotFoundError
from chalicelib.domain.ids import CommuneId

logger = logging.getLogger(__name__)


def check() -> Health:
    probes: dict[str, Callable[[], None]] = {
        "database": _database,
        "analysisQueue": _queue,
        "auth": _auth,
    }
    components = {name: _run(name, probe) for name, probe in probes.items()}
    healthy = all(component.status == "ok" for component in components.values())
    return Health(status="ok" if healthy else "degraded", components=components)


def _run(name: str, probe: Callable[[], None]) -> ComponentHealth:
    try:
        probe()
    except Exception as error:  # a failing component is reported, not raised
        logger.warning("health probe %s failed: %s", name, type(error).__name__)
        return ComponentHealth(status="error", detail=type(error).__name__)
    return ComponentHealth(status="ok")


def _database() -> None:
    # A round trip to the table; the probe commune does not exist, and need not.
    with contextlib.suppress(NotFoundError):
        bootstrap.ports().communes.get(CommuneId("00000"))


def _queue() -> None:
    client("sqs").get_queue_attributes(
        QueueUrl=config.queue_url(resources.ANALYSIS_QUEUE), AttributeNames=["QueueArn"]
    )


def _auth() -> None:
    if not bootstrap.ports().tokens.ready():
        raise RuntimeError("signing keys unavailable")
