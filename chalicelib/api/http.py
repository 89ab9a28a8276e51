"""HTTP plumbing shared by the blueprints: declare an operation once (route, models,
OpenAPI entry), parse bodies into schemas, and turn errors into the JSON error format."""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import pydantic
from chalice import Blueprint, Response  # type: ignore[attr-defined]

from chalicelib import bootstrap, config
from chalicelib.api import edge
from chalicelib.api.schemas import Schema
from chalicelib.domain.errors import (
    BadRequestError,
    ConcertoError,
    PayloadTooLargeError,
    TooManyRequestsError,
    UnauthorizedError,
    ValidationError,
)
from chalicelib.domain.staff import StaffIdentity
from chalicelib.services import staff_access

logger = logging.getLogger(__name__)
SchemaT = TypeVar("SchemaT", bound=Schema)
JSON_TYPES = ("application/json",)


@dataclass(frozen=True)
class Operation:
    """One API operation as the OpenAPI document describes it."""

    operation_id: str
    method: str
    path: str
    summary: str
    tag: str
    response: type[Schema] | None
    status: int = 200
    body: type[Schema] | None = None
    staff: bool = False
    query: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    errors: tuple[int, ...] = ()
    # A status whose body is more than `ErrorBody` (e.g. a 409 carrying the current thread).
    error_bodies: dict[int, type[Schema]] = field(default_factory=dict)
    # Seconds browsers and CloudFront may keep a 200 answer (`public, max-age`): the
    # anonymous GETs many citizens repeat. Everything else is `private, no-store`.
    cache_seconds: int = 0


OPERATIONS: list[Operation] = []
# Which origins may read each route is decided per request (the commune's own websites
# are in its settings), so Chalice's static CORSConfig is not used: every path gets an
# OPTIONS route answered by the app, and the middleware writes the CORS headers
# (docs/decisions/0010-cors-per-commune.md).
_PREFLIGHT_PATHS: set[str] = set()


def operation(bp: Blueprint, spec: Operation) -> Callable[[Callable[..., Any]], Any]:
    """Registers `spec` with the OpenAPI document and its view as a Chalice route whose
    errors all come out as `{"error": {"code", "message"}}`."""
    OPERATIONS.append(spec)
    if spec.path not in _PREFLIGHT_PATHS:
        _PREFLIGHT_PATHS.add(spec.path)
        _register_preflight(bp, spec.path)

    def decorate(view: Callable[..., Any]) -> Any:
        @functools.wraps(view)
        def guarded(**kwargs: Any) -> Response:
            try:
                result = view(**kwargs)
            except ConcertoError as error:
                return error_response(error)
            except Exception:  # a bug must never leak a stack trace to the caller
                logger.exception("unhandled error in %s", spec.operation_id)
                return error_response(
                    ConcertoError("an internal error occurred", code="internal_error"), 500
                )
            if isinstance(result, Response):
                return result
            return json_response(result, spec.status)

        # Every content type reaches the view, which answers 415 itself in our error format.
        return bp.route(spec.path, methods=[spec.method], content_types=["*/*"])(guarded)

    return decorate


def _register_preflight(bp: Blueprint, path: str) -> None:
    def preflight(**_: Any) -> Response:
        # Empty: the middleware adds the CORS headers when the Origin is allowed.
        return Response(body="", status_code=204)

    preflight.__name__ = "preflight_" + "".join(c if c.isalnum() else "_" for c in path)
    bp.route(path, methods=["OPTIONS"], content_types=["*/*"])(preflight)


def cache_seconds(method: str, path: str) -> int:
    """How long the answer of `method path` (a route's path) may be kept publicly."""
    for spec in OPERATIONS:
        if spec.method == method and spec.path == path:
            return spec.cache_seconds
    return 0


def methods_of(path: str) -> list[str]:
    """The methods a route path answers, for Access-Control-Allow-Methods."""
    return sorted({spec.method for spec in OPERATIONS if spec.path == path} | {"OPTIONS"})


def json_response(
    body: Schema | dict[str, Any], status: int = 200, headers: dict[str, str] | None = None
) -> Response:
    payload = body.model_dump(mode="json", by_alias=True) if isinstance(body, Schema) else body
    return Response(
        body=json.dumps(payload, ensure_ascii=False),
        status_code=status,
        headers={"Content-Type": "application/json; charset=utf-8", **(headers or {})},
    )


def error_response(error: ConcertoError, status: int | None = None) -> Response:
    detail: dict[str, Any] = {"code": error.code, "message": error.message}
    details = getattr(error, "details", None)
    if details:
        detail["details"] = details
    headers = {"WWW-Authenticate": "Bearer"} if isinstance(error, UnauthorizedError) else {}
    # Rate limits and vote caps say when to come back (a vote cap may not: then never).
    retry_after = getattr(error, "retry_after", None)
    if isinstance(error, TooManyRequestsError) and retry_after is not None:
        headers["Retry-After"] = str(retry_after)
    return json_response({"error": detail}, status or error.status, headers)


def int_param(params: dict[str, str], name: str, default: int) -> int:
    """An integer query parameter; 422 when it is not one."""
    try:
        return int(params.get(name, str(default)))
    except ValueError as error:
        raise ValidationError(f"{name} must be an integer", code=f"invalid_{name}") from error


def flag_param(params: dict[str, str], name: str, default: bool) -> bool:
    """A true/false query parameter; 422 for anything else."""
    value = params.get(name, "true" if default else "false")
    if value not in ("true", "false"):
        raise ValidationError(f"{name} is true or false", code=f"invalid_{name}")
    return value == "true"


def current_request() -> Any:
    from app import app  # the one Chalice app; imported late to avoid a cycle

    return app.current_request


def parse_body(schema: type[SchemaT]) -> SchemaT:
    """The request body as `schema`. Raises 413 past the size limit, 415 for non-JSON,
    400 for malformed JSON, 422 (with each field's problem) for invalid content."""
    request = current_request()
    raw: bytes = request.raw_body or b""
    if len(raw) > config.max_body_bytes():
        raise PayloadTooLargeError(
            f"the body must not exceed {config.max_body_bytes()} bytes", code="payload_too_large"
        )
    content_type = (request.headers.get("content-type") or "application/json").lower()
    if not content_type.startswith(JSON_TYPES):
        error = ConcertoError("send application/json", code="unsupported_media_type")
        error.status = 415
        raise error
    try:
        data = json.loads(raw.decode("utf-8")) if raw else None
    except (UnicodeDecodeError, json.JSONDecodeError) as decode_error:
        raise BadRequestError("the body is not valid JSON", code="invalid_json") from decode_error
    if not isinstance(data, dict):
        raise BadRequestError("the body must be a JSON object", code="invalid_json")
    try:
        return schema.model_validate(data, strict=True)
    except pydantic.ValidationError as invalid:
        raise _validation_error(invalid) from invalid


def query_params(allowed: Iterable[str] = ()) -> dict[str, str]:
    """The query string; with `allowed`, a parameter outside it is a 422 (a typo in a
    filter must not silently widen a list)."""
    params = dict(current_request().query_params or {})
    unknown = set(params) - set(allowed) if allowed else set()
    if unknown:
        raise ValidationError(f"unknown parameter {sorted(unknown)[0]!r}", code="unknown_parameter")
    return params


def today() -> date:
    """The communes' civil date (Europe/Paris), for periods, votes and consultations."""
    return datetime.now(ZoneInfo("Europe/Paris")).date()


def header(name: str) -> str | None:
    value = current_request().headers.get(name)
    return str(value) if value is not None else None


# Private links' tokens travel in these headers on the routes without `{token}`: proxies,
# CDNs and API Gateway log request paths (CloudFront's standard logs do), never headers.
FOLLOWUP_HEADER = "X-Followup-Token"
RIGHTS_HEADER = "X-Rights-Token"


def token_header(name: str) -> str:
    """The token sent in header `name`. Raises BadRequestError when it is missing."""
    value = (header(name) or "").strip()
    if not value:
        raise BadRequestError(f"send the link's token in the {name} header", code="missing_token")
    return value


def client_address() -> str | None:
    """The address of the client behind this request. Behind CloudFront with an origin
    secret (AWS), the viewer address CloudFront forwarded, read only on a request that
    carries the secret: API Gateway's sourceIp would be CloudFront's edge, shared by every
    citizen it serves. Otherwise API Gateway's sourceIp, the TCP peer: behind a proxy
    (the local site's) the client is the entry the first trusted proxy appended to
    X-Forwarded-For. Only as many proxies as CONCERTO_TRUSTED_PROXY_HOPS are trusted:
    every entry left of those was written by the client itself and could name anyone, so
    trusting it would let a script change address at each request and never meet its
    limit."""
    request = current_request()
    viewer = edge.viewer_address(request.headers)
    if viewer is not None:
        return viewer
    source = ((request.context or {}).get("identity") or {}).get("sourceIp")
    hops = config.trusted_proxy_hops()
    if hops:
        forwarded = [part.strip() for part in (header("x-forwarded-for") or "").split(",")]
        forwarded = [part for part in forwarded if part]
        # Fewer entries than trusted proxies: the request did not come through them.
        if len(forwarded) >= hops:
            return forwarded[-hops]
    return str(source) if source else None


def staff(fresh: bool = False) -> StaffIdentity:
    """The verified staff member behind this request, as the directory has them (`fresh`:
    asked now rather than the container's recent answer). Raises UnauthorizedError."""
    authorization = header("authorization") or ""
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise UnauthorizedError("a Bearer token is required", code="missing_token")
    ports = bootstrap.ports()
    identity = ports.tokens.verify(token.strip())
    return (staff_access.renew if fresh else staff_access.resolve)(ports, identity)


def _validation_error(invalid: pydantic.ValidationError) -> ValidationError:
    details = [
        {"field": ".".join(str(part) for part in problem["loc"]), "problem": problem["msg"]}
        for problem in invalid.errors(include_url=False, include_input=False)
    ]
    first = details[0]
    error = ValidationError(f"{first['field']}: {first['problem']}", code="validation_error")
    error.details = details  # type: ignore[attr-defined]
    return error
