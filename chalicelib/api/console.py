"""Staff routes. Every view starts from the verified token: the commune is the token's."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from chalice import Blueprint  # type: ignore[attr-defined]

from chalicelib import bootstrap
from chalicelib.api import schemas, views
from chalicelib.api.http import (
    Operation,
    flag_param,
    int_param,
    json_response,
    operation,
    parse_body,
    query_params,
    staff,
    today,
)
from chalicelib.domain.consultations import Consultation
from chalicelib.domain.errors import ConflictError, ValidationError
from chalicelib.domain.indicators import Filter
from chalicelib.domain.threads import (
    Channel,
    Priority,
    Publication,
    Sentiment,
    ThreadChanges,
    ThreadFilter,
    ThreadStatus,
    Visibility,
    tags_of,
)
from chalicelib.services import (
    bulk,
    consultations,
    dashboard,
    inbox,
    similar_reports,
    summaries,
    templates,
    topics,
)

console = Blueprint(__name__)

_LIST_QUERY = {
    "status": "new | in_progress | answered | closed",
    "theme": "a theme id",
    "sentiment": "POSITIVE | NEGATIVE | NEUTRAL | MIXED",
    "quartier": "a quartier id",
    "channel": "web | email | form | social",
    "assignee": "a staff email",
    "service": "a service id",
    "tag": "a tag",
    "priority": "normal | high",
    "publication": "published (on the public page) | pending (held for moderation)",
    "overdue": "true: only threads awaiting an answer past the commune's deadline, longest first",
    "limit": "1–100, default 25",
    "cursor": "nextCursor of the previous page",
    "topic": "a topic id: threads whose opinion is in it (last 12 months), newest opinion first",
}


@operation(
    console,
    Operation(
        "listThreads",
        "GET",
        "/console/threads",
        "The inbox, newest activity first",
        "console",
        schemas.ThreadList,
        staff=True,
        query=_LIST_QUERY,
        errors=(400, 422),
    ),
)
def list_threads() -> schemas.ThreadList:
    identity = staff()
    params = query_params(_LIST_QUERY)
    page = inbox.list_threads(
        bootstrap.ports(),
        identity,
        _thread_filter(params),
        int_param(params, "limit", 25),
        params.get("cursor"),
        overdue=flag_param(params, "overdue", False),
        topic=params.get("topic") or None,
    )
    now = bootstrap.ports().clock()
    return schemas.ThreadList(
        items=[views.thread_summary(thread, now) for thread in page.items],
        next_cursor=page.next_cursor,
    )


@operation(
    console,
    Operation(
        "getThread",
        "GET",
        "/console/threads/{thread_id}",
        "A thread with its messages",
        "console",
        schemas.ThreadView,
        staff=True,
        errors=(404,),
    ),
)
def get_thread(thread_id: str) -> schemas.ThreadView:
    identity = staff()
    ports = bootstrap.ports()
    view = views.thread_view(inbox.get_thread(ports, identity, thread_id), ports.clock())
    similar = similar_reports.similar_threads(ports, identity, thread_id)
    return view.model_copy(update={"similar": views.similar_reports(similar)})


@operation(
    console,
    Operation(
        "updateThread",
        "PATCH",
        "/console/threads/{thread_id}",
        "Change status, assignee, service, tags or theme; correct the sentiment",
        "console",
        schemas.ThreadView,
        body=schemas.UpdateThreadBody,
        staff=True,
        errors=(404, 409),
        error_bodies={409: schemas.ThreadConflict},
    ),
)
def update_thread(thread_id: str) -> Any:
    identity = staff()
    body = parse_body(schemas.UpdateThreadBody)
    changes = ThreadChanges(
        status=ThreadStatus(body.status) if body.status else None,
        assignee=body.assignee,
        theme=body.theme,
        sentiment=Sentiment(body.sentiment) if body.sentiment else None,
        service=body.service,
        tags=tags_of(body.tags) if body.tags is not None else None,
        priority=Priority(body.priority) if body.priority else None,
    )
    ports = bootstrap.ports()
    try:
        inbox.update_thread(ports, identity, thread_id, changes, expected_version=body.version)
    except ConflictError as conflict:
        # The editor gets the thread as it is now, to redo their change on it.
        fresh = views.thread_view(inbox.get_thread(ports, identity, thread_id), ports.clock())
        error = schemas.ErrorDetail(code=conflict.code, message=conflict.message)
        return json_response(schemas.ThreadConflict(error=error, thread=fresh), 409)
    return views.thread_view(inbox.get_thread(ports, identity, thread_id), ports.clock())


@operation(
    console,
    Operation(
        "replyToThread",
        "POST",
        "/console/threads/{thread_id}/replies",
        "Answer the citizen (private) or publicly",
        "console",
        schemas.MessageCreated,
        status=201,
        body=schemas.ReplyBody,
        staff=True,
        errors=(404,),
    ),
)
def reply_to_thread(thread_id: str) -> schemas.MessageCreated:
    identity = staff()
    body = parse_body(schemas.ReplyBody)
    ports = bootstrap.ports()
    public = body.visibility == "public"
    text = templates.answer_text(ports, identity, thread_id, body.text, body.template_id, public)
    message = inbox.reply_to_thread(
        ports, identity, thread_id, text, Visibility(body.visibility), body.template_id
    )
    return schemas.MessageCreated(id=message.message_id, created_at=message.created_at)


@operation(
    console,
    Operation(
        "addNote",
        "POST",
        "/console/threads/{thread_id}/notes",
        "An internal note for colleagues (never shown to the citizen)",
        "console",
        schemas.MessageCreated,
        status=201,
        body=schemas.NoteBody,
        staff=True,
        errors=(404,),
    ),
)
def add_note(thread_id: str) -> schemas.MessageCreated:
    identity = staff()
    body = parse_body(schemas.NoteBody)
    note = inbox.add_note(bootstrap.ports(), identity, thread_id, body.text)
    return schemas.MessageCreated(id=note.message_id, created_at=note.created_at)


@operation(
    console,
    Operation(
        "bulkUpdateThreads",
        "POST",
        "/console/threads/bulk",
        "Assign, close or answer up to 100 threads at once; a result per thread",
        "console",
        schemas.BulkResults,
        body=schemas.BulkBody,
        staff=True,
        errors=(403, 422),
    ),
)
def bulk_update_threads() -> schemas.BulkResults:
    identity = staff()
    body = parse_body(schemas.BulkBody)
    wanted = bulk.BulkRequest(
        thread_ids=tuple(body.ids),
        action=bulk.BulkAction(body.action),
        assignee=body.assignee,
        service=body.service,
        template_id=body.template_id,
        text=body.text,
        visibility=Visibility(body.visibility),
    )
    outcomes = bulk.apply(bootstrap.ports(), identity, wanted)
    return views.bulk_results(outcomes)


@operation(
    console,
    Operation(
        "mergeThread",
        "POST",
        "/console/threads/{thread_id}/merge",
        "Merge this duplicate into another thread: closed here, answered from there",
        "console",
        schemas.ThreadView,
        body=schemas.MergeBody,
        staff=True,
        errors=(403, 404, 409, 422),
    ),
)
def merge_thread(thread_id: str) -> schemas.ThreadView:
    identity = staff()
    body = parse_body(schemas.MergeBody)
    ports = bootstrap.ports()
    merged = inbox.merge(ports, identity, thread_id, body.into)
    detail = inbox.get_thread(ports, identity, merged.thread_id)
    return views.thread_view(detail, ports.clock())


# Bounds well under DynamoDB's key sizes: a longer value could not match anything anyway.
_MAX_LENGTHS = {
    "theme": 64,
    "quartier": 64,
    "assignee": 254,
    "service": 40,
    "tag": 30,
    "cursor": 2048,
    "topic": 64,
}


_DASHBOARD_QUERY = {
    "from": "first day (YYYY-MM-DD); default: 29 days before `to`",
    "to": "last day (YYYY-MM-DD); default: today",
    "granularity": "day | week | month (default day)",
    "theme": "a theme id",
    "quartier": "a quartier id",
    "channel": "web | email | form | social",
}


@operation(
    console,
    Operation(
        "getDashboard",
        "GET",
        "/console/dashboard",
        "Indicators for a period: series, breakdowns, key phrases, dialogue figures",
        "console",
        schemas.DashboardView,
        staff=True,
        query=_DASHBOARD_QUERY,
        errors=(422,),
    ),
)
def get_dashboard() -> schemas.DashboardView:
    identity = staff()
    params = query_params(_DASHBOARD_QUERY)
    end = _date(params.get("to")) or today()
    start = _date(params.get("from")) or _days_before(end, 29)
    ports = bootstrap.ports()
    wanted = Filter(
        theme=params.get("theme") or None,
        quartier=params.get("quartier") or None,
        channel=_channel(params.get("channel")),
    )
    board = dashboard.dashboard(
        ports, identity, dashboard.period(start, end), params.get("granularity", "day"), wanted
    )
    view = views.dashboard_view(board, ports.communes.get(identity.commune_id))
    found = similar_reports.problems(ports, identity, start, end, wanted)
    problems = schemas.ProblemsView(reports=found.reports, distinct=found.distinct)
    return view.model_copy(update={"problems": problems})


_SUMMARY_QUERY = {
    "from": "first day (YYYY-MM-DD); default: 29 days before `to`",
    "to": "last day (YYYY-MM-DD); default: today",
    "theme": "a theme id; default: every theme",
    "topic": "a discovered topic id (instead of a theme)",
}


@operation(
    console,
    Operation(
        "getSummary",
        "GET",
        "/console/summaries",
        "What residents say: a few sentences on the period's opinions, citing them",
        "console",
        schemas.SummaryView,
        staff=True,
        query=_SUMMARY_QUERY,
        errors=(422,),
    ),
)
def get_summary() -> schemas.SummaryView:
    identity = staff()
    params = query_params(_SUMMARY_QUERY)
    end = _date(params.get("to")) or today()
    start = _date(params.get("from")) or _days_before(end, 29)
    theme = params.get("theme") or None
    topic = params.get("topic") or None
    dashboard.period(start, end)  # the dashboard's bounds: at most a year, in order
    if topic is not None:
        if theme is not None:
            raise ValidationError("summarise a theme or a topic, not both", code="invalid_filter")
        found = topics.topic_summary(bootstrap.ports(), identity, start, end, topic)
        return views.summary_view(found, start, end, None, topic)
    result = summaries.period_summary(bootstrap.ports(), identity, start, end, theme)
    return views.summary_view(result, start, end, theme)


def _days_before(end: date, days: int) -> date:
    try:
        return end - timedelta(days=days)
    except OverflowError as error:  # "to=0001-01-05": no default start before year 1
        raise ValidationError(
            "give `from` for a period this early", code="invalid_period"
        ) from error


def _date(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as error:
        raise ValidationError("dates are YYYY-MM-DD", code="invalid_date") from error


def _channel(value: str | None) -> Channel | None:
    try:
        return Channel(value) if value else None
    except ValueError as error:
        raise ValidationError("unknown channel", code="invalid_filter") from error


def _publication(value: str | None) -> Publication | None:
    """Only what an index serves: the public page's opinions, or the moderation queue."""
    if value is None:
        return None
    if value not in (Publication.PUBLISHED.value, Publication.PENDING.value):
        raise ValidationError("publication is published or pending", code="invalid_filter")
    return Publication(value)


def _thread_filter(params: dict[str, str]) -> ThreadFilter:
    for name, maximum in _MAX_LENGTHS.items():
        if len(params.get(name, "")) > maximum:
            raise ValidationError(f"{name} is too long", code=f"invalid_{name}")
    try:
        return ThreadFilter(
            status=ThreadStatus(params["status"]) if "status" in params else None,
            theme=params.get("theme") or None,
            sentiment=Sentiment(params["sentiment"]) if "sentiment" in params else None,
            quartier=params.get("quartier") or None,
            channel=Channel(params["channel"]) if "channel" in params else None,
            assignee=params.get("assignee") or None,
            service=params.get("service") or None,
            tag=params.get("tag") or None,
            priority=Priority(params["priority"]) if "priority" in params else None,
            publication=_publication(params.get("publication")),
        )
    except ValueError as error:
        raise ValidationError(str(error), code="invalid_filter") from error


@operation(
    console,
    Operation(
        "createConsultation",
        "POST",
        "/console/consultations",
        "Ask citizens a time-boxed question (admin)",
        "console",
        schemas.ConsultationView,
        status=201,
        body=schemas.ConsultationBody,
        staff=True,
    ),
)
def create_consultation() -> schemas.ConsultationView:
    identity = staff()
    body = parse_body(schemas.ConsultationBody)
    opens_on, closes_on = _date(body.opens_on), _date(body.closes_on)
    if opens_on is None or closes_on is None:
        raise ValidationError("opensOn and closesOn are required", code="invalid_date")
    draft = Consultation(
        commune_id=identity.commune_id,
        consultation_id="",
        title=body.title.strip(),
        question=body.question.strip(),
        theme=body.theme,
        opens_on=opens_on,
        closes_on=closes_on,
        choices=tuple(choice.strip() for choice in body.choices),
        quartiers=tuple(body.quartiers),
    )
    created = consultations.create(bootstrap.ports(), identity, draft)
    return views.consultation_view(created, today())


@operation(
    console,
    Operation(
        "listConsultations",
        "GET",
        "/console/consultations",
        "The commune's consultations",
        "console",
        schemas.ConsultationList,
        staff=True,
    ),
)
def list_consultations() -> schemas.ConsultationList:
    identity = staff()
    items = consultations.list_for_staff(bootstrap.ports(), identity)
    return schemas.ConsultationList(items=[views.consultation_view(c, today()) for c in items])


@operation(
    console,
    Operation(
        "getConsultationResults",
        "GET",
        "/console/consultations/{consultation_id}",
        "A consultation's results: choices, sentiment, key phrases",
        "console",
        schemas.ConsultationResults,
        staff=True,
        errors=(404,),
    ),
)
def get_consultation_results(consultation_id: str) -> schemas.ConsultationResults:
    identity = staff()
    results = consultations.results(bootstrap.ports(), identity, consultation_id, today())
    return views.consultation_results(results, today())
