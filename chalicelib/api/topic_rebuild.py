"""The admin's "rebuild the topics now": at once for a commune whose twelve months fit in the
request, else left to the schedule (202)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from chalice import Blueprint  # type: ignore[attr-defined]
from pydantic import ConfigDict, Field

from chalicelib import bootstrap
from chalicelib.api.http import Operation, json_response, operation, staff
from chalicelib.api.schemas import Schema

topic_rebuild_api = Blueprint(__name__)


class TopicsRebuilt(Schema):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "topics": 12,
                    "verbatims": 840,
                    "builtAt": "2026-11-02T09:00:00Z",
                    "engine": "e5",
                    "queued": False,
                }
            ]
        }
    )

    topics: int | None = Field(description="topics found; null while queued")
    verbatims: int = Field(description="the commune's verbatims of the last twelve months")
    built_at: datetime | None = Field(description="when the stored topics were built")
    engine: Literal["e5", "hashed"] | None = Field(
        description="the embedder the topics were built in (e5, or the hashed bag of stems)"
    )
    queued: bool = Field(
        description="true (HTTP 202): too many verbatims to rebuild within the request; the "
        "scheduled rebuild runs it within 15 minutes"
    )


@operation(
    topic_rebuild_api,
    Operation(
        "rebuildTopics",
        "POST",
        "/console/topics/rebuild",
        "Rebuild the commune's topics now (admins): 200 with the new topics, or 202 when the "
        "commune's verbatims are too many for one request and the schedule runs it",
        "topics",
        TopicsRebuilt,
        staff=True,
        # The 202 is listed with the other statuses, its body being the same schema.
        errors=(202, 403, 409, 429),
        error_bodies={202: TopicsRebuilt},
    ),
)
def rebuild_topics() -> object:
    # numpy and the topics engine load on an admin's rebuild, not on every API cold start.
    from chalicelib.services import topic_rebuild

    identity = staff()
    outcome = topic_rebuild.rebuild_on_demand(bootstrap.ports(), identity)
    if isinstance(outcome, topic_rebuild.Queued):
        queued = TopicsRebuilt(
            topics=None, verbatims=outcome.verbatims, built_at=None, engine=None, queued=True
        )
        return json_response(queued, 202)
    state = outcome.state
    return TopicsRebuilt(
        topics=outcome.topics,
        verbatims=state.verbatims,
        built_at=state.built_at,
        engine="e5" if state.embedder == "e5" else "hashed",
        queued=False,
    )
