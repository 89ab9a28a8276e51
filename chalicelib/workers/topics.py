"""The scheduled topics rebuild: every 15 minutes, each commune whose verbatims grew enough
since its last build (or whose build is a week old) gets its topics rebuilt."""

from __future__ import annotations

import logging
from typing import Any

from chalice import Blueprint, Rate  # type: ignore[attr-defined]

from chalicelib import bootstrap
from chalicelib.ports import Ports

logger = logging.getLogger(__name__)
topics_worker = Blueprint(__name__)


@topics_worker.schedule(Rate(15, unit=Rate.MINUTES), name="rebuild_topics")
def handle_topics_rebuild(event: Any) -> dict[str, Any]:
    return rebuild_due(bootstrap.ports())


def rebuild_due(ports: Ports) -> dict[str, Any]:
    """Rebuilds the communes that are due; {"rebuilt": {commune: topics}, "failed": [...]}.
    Raises only when every due commune failed (the function's error alarm then fires)."""
    # Imported here: every function imports app.py, and numpy is this job's alone.
    from chalicelib.services import topic_rebuild

    rebuilt: dict[str, int] = {}
    failed: list[str] = []
    for commune in ports.communes.list_all():
        try:
            if topic_rebuild.is_due(ports, commune.commune_id):
                rebuilt[commune.commune_id] = topic_rebuild.rebuild_report(
                    ports, commune.commune_id
                ).topics
        except Exception:  # one commune's failure must not keep the others' topics stale
            logger.exception("topics rebuild failed for %s", commune.commune_id)
            failed.append(commune.commune_id)
    if failed and not rebuilt:
        raise RuntimeError(f"topics rebuild failed for every due commune: {failed}")
    return {"rebuilt": rebuilt, "failed": failed}
