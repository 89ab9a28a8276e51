"""Routes for publication: the public list of published opinions, and the staff's
moderation queue and decisions."""

from __future__ import annotations

from typing import Any

from chalice import Blueprint  # type: ignore[attr-defined]

from chalicelib import bootstrap
from chalicelib.api import schemas, views
from chalicelib.api.http import (
    Operation,
    int_param,
    json_response,
    operation,
    parse_body,
    query_params,
    staff,
)
from chalicelib.services import moderation

moderation_api = Blueprint(__name__)
_PAGE_QUERY = {"limit": "1–50, default 20", "cursor": "nextCursor of the previous page"}


@operation(
    moderation_api,
    Operation(
        "listPublicFeedback",
        "GET",
        "/communes/{slug}/feedback",
        "Published opinions (moderated, personal data masked) with the commune's public answers",
        "citizen",
        schemas.PublicFeedbackPage,
        query=_PAGE_QUERY,
        errors=(400, 404, 422),
        # A newly published opinion shows within a minute.
        cache_seconds=60,
    ),
)
def list_public_feedback(slug: str) -> Any:
    params = query_params(_PAGE_QUERY)
    page = moderation.published(
        bootstrap.ports(), slug, int_param(params, "limit", 20), params.get("cursor")
    )
    body = schemas.PublicFeedbackPage(
        items=[views.public_opinion(thread) for thread in page.items],
        next_cursor=page.next_cursor,
    )
    return json_response(body)


@operation(
    moderation_api,
    Operation(
        "listModeration",
        "GET",
        "/console/moderation",
        "Opinions held before publication (personal data, insults, not analysed yet)",
        "console",
        schemas.ModerationQueue,
        staff=True,
        query=_PAGE_QUERY,
        errors=(400, 403, 422),
    ),
)
def list_moderation() -> schemas.ModerationQueue:
    identity = staff()
    params = query_params(_PAGE_QUERY)
    page = moderation.queue(
        bootstrap.ports(), identity, int_param(params, "limit", 20), params.get("cursor")
    )
    return schemas.ModerationQueue(
        items=[views.moderation_item(thread) for thread in page.items],
        next_cursor=page.next_cursor,
    )


@operation(
    moderation_api,
    Operation(
        "moderateThread",
        "POST",
        "/console/moderation/{thread_id}",
        "Publish an opinion (masked) with its public answers, or hide it from the public page",
        "console",
        schemas.ModerationItem,
        body=schemas.ModerationBody,
        staff=True,
        errors=(403, 404, 409, 422),
    ),
)
def moderate_thread(thread_id: str) -> schemas.ModerationItem:
    identity = staff()
    body = parse_body(schemas.ModerationBody)
    decided = moderation.decide(
        bootstrap.ports(), identity, thread_id, moderation.Decision(body.decision)
    )
    return views.moderation_item(decided)
