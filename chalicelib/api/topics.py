"""Staff routes for discovered topics: the "Sujets" panel for a period and filters, and one
topic's page. Any staff role, viewers included: quotes are masked previews."""

from __future__ import annotations

import re

from chalice import Blueprint  # type: ignore[attr-defined]

from chalicelib import bootstrap
from chalicelib.api import schemas, views
from chalicelib.api.console import _channel, _date, _days_before
from chalicelib.api.http import Operation, operation, query_params, staff, today
from chalicelib.domain.errors import NotFoundError, ValidationError
from chalicelib.domain.indicators import Filter
from chalicelib.services import dashboard, topics

topics_api = Blueprint(__name__)

_QUERY = {
    "from": "first day (YYYY-MM-DD); default: 29 days before `to`",
    "to": "last day (YYYY-MM-DD); default: today",
    "theme": "a theme id",
    "quartier": "a quartier id",
    "channel": "web | email | form | social",
}
_DETAIL_QUERY = {**_QUERY, "granularity": "day | week | month (default day)"}
# Topic ids are short and ASCII ("tp" and 12 hex digits today): anything else names none.
_TOPIC_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


@operation(
    topics_api,
    Operation(
        "listTopics",
        "GET",
        "/console/topics",
        "Topics discovered in the period's opinions: size, sentiment, trend, quotes",
        "console",
        schemas.TopicsView,
        staff=True,
        query=_QUERY,
        errors=(422,),
    ),
)
def list_topics() -> schemas.TopicsView:
    identity = staff()
    params = query_params(_QUERY)
    found = topics.overview(bootstrap.ports(), identity, _period(params), _filter(params))
    return views.topics_view(found)


@operation(
    topics_api,
    Operation(
        "getTopic",
        "GET",
        "/console/topics/{topic_id}",
        "One topic for the period: its figures and series",
        "console",
        schemas.TopicDetailView,
        staff=True,
        query=_DETAIL_QUERY,
        errors=(404, 422),
    ),
)
def get_topic(topic_id: str) -> schemas.TopicDetailView:
    identity = staff()
    params = query_params(_DETAIL_QUERY)
    if not _TOPIC_ID.match(topic_id):
        raise NotFoundError("unknown topic", code="topic_not_found")
    granularity = params.get("granularity", "day")
    if granularity not in dashboard.GRANULARITIES:
        raise ValidationError("granularity is day, week or month", code="invalid_granularity")
    found = topics.detail(
        bootstrap.ports(), identity, topic_id, _period(params), _filter(params), granularity
    )
    return views.topic_detail_view(found)


def _period(params: dict[str, str]) -> dashboard.Period:
    """The dashboard's period rules: `to` defaults to today, `from` to 29 days before."""
    end = _date(params.get("to")) or today()
    start = _date(params.get("from")) or _days_before(end, 29)
    return dashboard.period(start, end)


def _filter(params: dict[str, str]) -> Filter:
    for name in ("theme", "quartier"):
        if len(params.get(name, "")) > 64:
            raise ValidationError(f"{name} is too long", code=f"invalid_{name}")
    return Filter(
        theme=params.get("theme") or None,
        quartier=params.get("quartier") or None,
        channel=_channel(params.get("channel")),
    )
