"""Routes anyone may call: health, runtime config, the OpenAPI document, and the citizen
side (a commune's profile, giving an opinion, the private follow-up)."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

from chalice import Blueprint, Response  # type: ignore[attr-defined]

from chalicelib import bootstrap, config
from chalicelib.api import pages, schemas, views
from chalicelib.api.http import (
    FOLLOWUP_HEADER,
    Operation,
    client_address,
    current_request,
    header,
    json_response,
    operation,
    parse_body,
    today,
    token_header,
)
from chalicelib.domain import abuse as abuse_rules
from chalicelib.domain import followup
from chalicelib.domain.commune import UNSORTED
from chalicelib.domain.errors import ConcertoError, PayloadTooLargeError, ValidationError
from chalicelib.domain.threads import Channel
from chalicelib.services import abuse, feedback, validation

public = Blueprint(__name__)


@operation(
    public,
    Operation(
        "health",
        "GET",
        "/health",
        "Each component's state",
        "platform",
        schemas.Health,
        errors=(503,),
    ),
)
def health() -> Any:
    from chalicelib.api.health import check  # builds the adapters: keep it off the import path

    report = check()
    return json_response(report, 200 if report.status == "ok" else 503)


@operation(
    public,
    Operation(
        "getConfig",
        "GET",
        "/config",
        "Runtime configuration for the frontends",
        "platform",
        schemas.RuntimeConfig,
    ),
)
def get_config() -> schemas.RuntimeConfig:
    return schemas.RuntimeConfig(
        api_url=config.api_url(),
        cognito=schemas.CognitoConfig(
            endpoint=config.cognito_endpoint(),
            region=config.cognito_region(),
            user_pool_id=config.user_pool_id(),
            client_id=config.user_pool_client_id(),
        ),
        realtime_url=config.realtime_url() or None,
    )


@operation(
    public,
    Operation(
        "getOpenApi", "GET", "/openapi.json", "This document (OpenAPI 3.1)", "platform", None
    ),
)
def get_openapi() -> Any:
    from chalicelib.api.openapi import document

    return json_response(document())


@operation(
    public,
    Operation(
        "getCommune",
        "GET",
        "/communes/{slug}",
        "A commune's public profile",
        "citizen",
        schemas.CommuneProfile,
        errors=(404,),
        # The profile changes when admins edit themes: a minute late is fine.
        cache_seconds=60,
    ),
)
def get_commune(slug: str) -> schemas.CommuneProfile:
    from chalicelib.services import consultations

    ports, now = bootstrap.ports(), today()
    commune = validation.find_commune(ports, slug)
    return views.commune_profile(commune, consultations.open_in(ports, commune, now), now)


FORM_TYPE = "application/x-www-form-urlencoded"


def _submit_html_form(slug: str) -> Response:
    """The citizen site's form posted without JavaScript: HTML in, HTML out (a page with
    the private follow-up link, or the reason in French). No theme chosen: « à classer »."""
    raw: bytes = current_request().raw_body or b""
    try:
        if len(raw) > config.max_body_bytes():
            raise PayloadTooLargeError("too large", code="payload_too_large")
        fields = {k: v[0] for k, v in parse_qs(raw.decode("utf-8", "replace")).items()}
        abuse_rules.check_honeypot(fields.get(HONEYPOT))
        rating = fields.get("rating", "").strip()
        if rating and not rating.isdigit():
            raise ValidationError("rating must be between 1 and 5", code="invalid_rating")
        command = feedback.SubmitFeedback(
            theme=fields.get("theme", "").strip() or UNSORTED,
            text=fields.get("text", ""),
            rating=int(rating) if rating else None,
            quartier=fields.get("quartier", "").strip() or None,
            email=fields.get("email", "").strip() or None,
            consent=fields.get("consent", "") in ("true", "on", "1"),
            name=fields.get("name", "").strip() or None,
        )
        receipt = feedback.submit_feedback(bootstrap.ports(), slug, command, submitter=_submitter())
        commune = bootstrap.ports().communes.get_by_slug(slug)
    except ConcertoError as error:
        page = _html(pages.opinion_refused(slug, error), error.status)
        if isinstance(error, abuse_rules.RateLimitedError):
            page.headers["Retry-After"] = str(error.retry_after)
        return page
    return _html(pages.opinion_received(slug, commune.name, receipt.followup_token), 201)


# The honeypot: a field the citizen forms hide from people (off-screen, out of the tab
# order, hidden from screen readers) and that form-filling robots fill.
HONEYPOT = "website"


def _submitter() -> abuse.Submitter:
    return abuse.Submitter(client_address())


def _html(page: str, status: int) -> Response:
    return Response(
        body=page,
        status_code=status,
        headers={"Content-Type": "text/html; charset=utf-8"},
    )


@operation(
    public,
    Operation(
        "submitFeedback",
        "POST",
        "/communes/{slug}/feedback",
        "Give an opinion (no account). Posted as an HTML form (x-www-form-urlencoded, the "
        "citizen site without JavaScript), it answers an HTML page; the theme may then be omitted",
        "citizen",
        schemas.FeedbackAccepted,
        status=202,
        body=schemas.SubmitFeedbackBody,
        headers={"Idempotency-Key": "Repeat a request safely: same key, same answer"},
        errors=(404, 409, 429),
    ),
)
def submit_feedback(slug: str) -> schemas.FeedbackAccepted | Response:
    content_type = (header("content-type") or "").lower()
    if content_type.startswith(FORM_TYPE):
        return _submit_html_form(slug)
    body = parse_body(schemas.SubmitFeedbackBody)
    abuse_rules.check_honeypot(body.website)
    command = feedback.SubmitFeedback(
        theme=body.theme,
        text=body.text,
        rating=body.rating,
        quartier=body.quartier,
        email=body.email,
        consent=body.consent,
        name=body.name,
        channel=Channel(body.source),
    )
    receipt = feedback.submit_feedback(
        bootstrap.ports(),
        slug,
        command,
        idempotency_key=header("idempotency-key"),
        submitter=_submitter(),
    )
    return schemas.FeedbackAccepted(id=receipt.thread_id, follow_up_token=receipt.followup_token)


_PATH_LOGGED = " (the token in the path may be logged by proxies: prefer the header form)"


@operation(
    public,
    Operation(
        "getFollowUp",
        "GET",
        "/followup/{token}",
        "The citizen's private thread" + _PATH_LOGGED,
        "citizen",
        schemas.FollowUpView,
        errors=(404,),
    ),
)
def get_follow_up(token: str) -> schemas.FollowUpView:
    return _follow_up(token)


def _follow_up(token: str) -> schemas.FollowUpView:
    return views.follow_up(feedback.get_follow_up(bootstrap.ports(), token))


@operation(
    public,
    Operation(
        "readFollowUp",
        "GET",
        "/followup",
        "The citizen's private thread, the token in a header (what the site sends)",
        "citizen",
        schemas.FollowUpView,
        headers={FOLLOWUP_HEADER: "the private follow-up token"},
        errors=(400, 404),
    ),
)
def read_follow_up() -> schemas.FollowUpView:
    return _follow_up(token_header(FOLLOWUP_HEADER))


@operation(
    public,
    Operation(
        "postFollowUp",
        "POST",
        "/followup/{token}",
        "The citizen answers the commune" + _PATH_LOGGED,
        "citizen",
        schemas.MessageCreated,
        status=201,
        body=schemas.FollowUpBody,
        errors=(404, 429),
    ),
)
def post_follow_up(token: str) -> schemas.MessageCreated:
    return _answer_follow_up(token)


def _answer_follow_up(token: str) -> schemas.MessageCreated:
    body = parse_body(schemas.FollowUpBody)
    ports = bootstrap.ports()
    abuse.admit(ports, followup.commune_of(token), _submitter())
    message = feedback.post_follow_up(ports, token, body.text)
    return schemas.MessageCreated(id=message.message_id, created_at=message.created_at)


@operation(
    public,
    Operation(
        "answerFollowUp",
        "POST",
        "/followup",
        "The citizen answers the commune, the token in a header (what the site sends)",
        "citizen",
        schemas.MessageCreated,
        status=201,
        body=schemas.FollowUpBody,
        headers={FOLLOWUP_HEADER: "the private follow-up token"},
        errors=(400, 404, 429),
    ),
)
def answer_follow_up() -> schemas.MessageCreated:
    return _answer_follow_up(token_header(FOLLOWUP_HEADER))


@operation(
    public,
    Operation(
        "verifyContact",
        "POST",
        "/contacts/verification",
        "Confirm a citizen's address with the token e-mailed to it",
        "citizen",
        schemas.Verified,
        body=schemas.VerificationBody,
        errors=(404, 422),
    ),
)
def verify_contact() -> schemas.Verified:
    body = parse_body(schemas.VerificationBody)
    feedback.verify_contact(bootstrap.ports(), body.token)
    return schemas.Verified()


@operation(
    public,
    Operation(
        "getPublicIndicators",
        "GET",
        "/communes/{slug}/indicators",
        "What citizens said and how the commune answered, per theme (opt-in)",
        "citizen",
        schemas.PublicIndicatorsView,
        errors=(404,),
        # Anonymous and costly to compute: five minutes (CloudFront: its TTL).
        cache_seconds=300,
    ),
)
def get_public_indicators(slug: str) -> Any:
    from chalicelib.services import dashboard

    board = dashboard.public_indicators(bootstrap.ports(), slug, today())
    return json_response(views.public_indicators(board))


@operation(
    public,
    Operation(
        "rateCommune",
        "POST",
        "/communes/{slug}/barometer",
        "Rate the commune 1–10 on its themes (once per theme per month per browser; "
        "429 votes_capped past the ballots one connection may cast in a month)",
        "citizen",
        schemas.VoteOutcomeView,
        status=201,
        body=schemas.RateCommuneBody,
        errors=(404, 409, 429),
    ),
)
def rate_commune(slug: str) -> schemas.VoteOutcomeView:
    from chalicelib.services import barometer

    body = parse_body(schemas.RateCommuneBody)
    ports = bootstrap.ports()
    submitter = _submitter()
    abuse.admit(ports, validation.find_commune(ports, slug).commune_id, submitter)
    outcome = barometer.rate_commune(
        ports, slug, body.ratings, body.voter, today(), submitter=submitter
    )
    return schemas.VoteOutcomeView(counted=outcome.counted, already_rated=outcome.already_rated)


@operation(
    public,
    Operation(
        "getBarometer",
        "GET",
        "/communes/{slug}/barometer",
        "This month's barometer per theme, with last month's",
        "citizen",
        schemas.BarometerView,
        errors=(404,),
        # Votes show within a minute.
        cache_seconds=60,
    ),
)
def get_barometer(slug: str) -> Any:
    from chalicelib.services import barometer

    ports = bootstrap.ports()
    commune = validation.find_commune(ports, slug)
    now = today()
    labels = {theme.id: theme.label for theme in commune.themes}
    view = schemas.BarometerView(
        period=now.strftime("%Y-%m"),
        themes=[
            schemas.BarometerTheme(
                id=score.theme,
                label=labels[score.theme],
                average=score.average,
                votes=score.votes,
                previous_average=score.previous_average,
            )
            for score in barometer.scores(ports, commune, now)
        ],
    )
    return json_response(view)


@operation(
    public,
    Operation(
        "listOpenConsultations",
        "GET",
        "/communes/{slug}/consultations",
        "The commune's open consultations",
        "citizen",
        schemas.ConsultationList,
        errors=(404,),
        # Consultations open and close by the day.
        cache_seconds=60,
    ),
)
def list_open_consultations(slug: str) -> schemas.ConsultationList:
    from chalicelib.services import consultations

    now = today()
    items = consultations.open_consultations(bootstrap.ports(), slug, now)
    return schemas.ConsultationList(items=[views.consultation_view(c, now) for c in items])


@operation(
    public,
    Operation(
        "answerConsultation",
        "POST",
        "/communes/{slug}/consultations/{consultation_id}/answers",
        "Answer a consultation (a choice and/or a text; once per browser; 429 "
        "votes_capped past the answers one connection may give)",
        "citizen",
        schemas.AnswerAccepted,
        status=201,
        body=schemas.AnswerBody,
        errors=(404, 409, 429),
    ),
)
def answer_consultation(slug: str, consultation_id: str) -> schemas.AnswerAccepted:
    from chalicelib.services import consultations

    body = parse_body(schemas.AnswerBody)
    ports = bootstrap.ports()
    commune = validation.find_commune(ports, slug)
    submitter = _submitter()
    abuse.admit(ports, commune.commune_id, submitter, body.text)
    given = consultations.Answer(body.choice, body.text, body.quartier, body.voter)
    receipt = consultations.answer(ports, slug, consultation_id, given, today(), submitter)
    if receipt is None:
        return schemas.AnswerAccepted()
    return schemas.AnswerAccepted(id=receipt.thread_id, follow_up_token=receipt.followup_token)
