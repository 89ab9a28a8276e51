"""HTTP middleware: security headers on every response, and Chalice's own errors (405,
unknown route) rewritten into the API's error format."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from chalice import Response  # type: ignore[attr-defined]

_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
    "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
}
_CHALICE_CODES = {
    "MethodNotAllowedError": "method_not_allowed",
    "UnsupportedMediaType": "unsupported_media_type",
    "BadRequestError": "bad_request",
    "NotFoundError": "not_found",
    "InternalServerError": "internal_error",
}


def security_headers(event: Any, get_response: Callable[[Any], Response]) -> Response:
    response = get_response(event)
    _normalise_chalice_error(response)
    for name, value in _HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def _normalise_chalice_error(response: Response) -> None:
    body = response.body
    if isinstance(body, dict) and set(body) == {"Code", "Message"}:
        code = _CHALICE_CODES.get(str(body["Code"]), "error")
        response.body = json.dumps({"error": {"code": code, "message": str(body["Message"])}})
        response.headers["Content-Type"] = "application/json"
