"""HTTP middleware: security headers and CORS headers on every response, Chalice's own
errors (405, unknown route) rewritten into the API's error format, and, behind CloudFront,
requests that did not come through it refused."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

from chalice import Response  # type: ignore[attr-defined]

from chalicelib import bootstrap, config
from chalicelib.domain import followup
from chalicelib.domain.commune import origin_allowed
from chalicelib.domain.errors import ConcertoError

logger = logging.getLogger(__name__)

_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
}
# Nothing is kept by a browser or a shared cache unless its operation says so: staff
# answers, a citizen's private thread, errors, HTML pages with a follow-up link.
_NOT_KEPT = "private, no-store"
_CHALICE_CODES = {
    "MethodNotAllowedError": "method_not_allowed",
    "UnsupportedMediaType": "unsupported_media_type",
    "BadRequestError": "bad_request",
    "NotFoundError": "not_found",
    "InternalServerError": "internal_error",
}


# What browsers may send and read beyond the CORS-safelisted headers.
_ALLOW_HEADERS = "Authorization,Content-Type,Idempotency-Key,X-Followup-Token,X-Rights-Token"
_EXPOSE_HEADERS = "Retry-After"
_PREFLIGHT_MAX_AGE = "600"


def security_headers(event: Any, get_response: Callable[[Any], Response]) -> Response:
    response = get_response(event)
    _normalise_chalice_error(response)
    for name, value in _HEADERS.items():
        response.headers.setdefault(name, value)
    _cache_control(event, response)
    _cors_headers(event, response)
    return response


def _cache_control(request: Any, response: Response) -> None:
    """The one place that decides what may be cached: a 200 answer to a GET its operation
    marks cacheable (`cache_seconds`, the public pages' data) is `public, max-age`, which
    CloudFront keeps at most its cache policy's TTL, per query string and Origin (the
    answer varies on Origin); anything else `private, no-store`."""
    from chalicelib.api.http import cache_seconds

    seconds = 0
    if request.method in ("GET", "HEAD") and response.status_code == 200:
        seconds = cache_seconds("GET", request.path or "")
    response.headers["Cache-Control"] = f"public, max-age={seconds}" if seconds else _NOT_KEPT


def cloudfront_only(event: Any, get_response: Callable[[Any], Response]) -> Response:
    """With an origin secret configured (AWS), answers 403 `forbidden_origin` to any
    request without it: one sent to the execute-api endpoint directly would skip
    CloudFront's cache, the WAF and the viewer address the per-address limits key on.
    Every route, /health included: monitoring calls it through CloudFront, which checks
    the whole path, and an open /health would let anyone make the function read every
    table at will. Registered inside `security_headers`, so the refusal carries them."""
    from chalicelib.api import edge

    if not edge.configured():
        return get_response(event)
    try:
        allowed = edge.from_cloudfront(event.headers)
    except Exception:  # the secret could not be read: let nobody in, say it is on our side
        logger.exception("could not read the origin secret")
        return _error(503, "origin_check_unavailable", "the API cannot check its origin now")
    if not allowed:
        return _error(
            403, "forbidden_origin", "this API answers through its CloudFront distribution only"
        )
    return get_response(event)


def _error(status: int, code: str, message: str) -> Response:
    body = json.dumps({"error": {"code": code, "message": message}})
    return Response(body=body, status_code=status, headers={"Content-Type": "application/json"})


def _cors_headers(request: Any, response: Response) -> None:
    """Lets the page of an allowed origin read the response (and, answering a preflight,
    send its request); for any other origin, no CORS header at all. The answer depends on
    Origin on every response, so caches (CloudFront, browsers) must key on it."""
    vary = str(response.headers.get("Vary") or "")
    if "origin" not in vary.lower():
        response.headers["Vary"] = f"{vary}, Origin" if vary else "Origin"
    origin = str(request.headers.get("origin") or "").lower()
    if not origin or not _allowed(request, origin):
        return
    response.headers["Access-Control-Allow-Origin"] = origin
    response.headers["Access-Control-Expose-Headers"] = _EXPOSE_HEADERS
    if request.method == "OPTIONS":
        from chalicelib.api.http import methods_of

        response.headers["Access-Control-Allow-Methods"] = ",".join(methods_of(request.path))
        response.headers["Access-Control-Allow-Headers"] = _ALLOW_HEADERS
        response.headers["Access-Control-Max-Age"] = _PREFLIGHT_MAX_AGE


def _allowed(request: Any, origin: str) -> bool:
    """The console's origins may call every route; the citizen site's, every route but the
    console's; a commune's own websites, that commune's public routes."""
    consoles = config.console_origins()
    path: str = request.path or ""
    if path == "/console" or path.startswith("/console/"):
        return origin_allowed(origin, consoles)
    if origin_allowed(origin, consoles | {config.site_url().lower()} - {""}):
        return True
    return origin_allowed(origin, _commune_origins(request.uri_params or {}))


def _commune_origins(params: dict[str, str]) -> tuple[str, ...]:
    """The websites the commune named in the path (by slug, or by its follow-up token)
    configured; none for routes of no commune, or a commune that does not exist."""
    ports = bootstrap.ports()
    try:
        if "slug" in params:
            commune = ports.communes.get_by_slug(params["slug"])
        elif "token" in params:
            commune = ports.communes.get(followup.commune_of(params["token"]))
        else:
            return ()
    except ConcertoError:
        return ()
    except Exception:  # CORS headers must never turn an answer into a 500
        logger.exception("could not read the commune's allowed origins")
        return ()
    return commune.settings.allowed_origins


def _normalise_chalice_error(response: Response) -> None:
    body = response.body
    if isinstance(body, dict) and set(body) == {"Code", "Message"}:
        code = _CHALICE_CODES.get(str(body["Code"]), "error")
        response.body = json.dumps({"error": {"code": code, "message": str(body["Message"])}})
        response.headers["Content-Type"] = "application/json"
