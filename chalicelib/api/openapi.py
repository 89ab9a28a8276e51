"""Builds the OpenAPI 3.1 document from the registered operations and their schemas."""

from __future__ import annotations

import functools
from typing import Any

from pydantic.json_schema import models_json_schema

from chalicelib.api.http import OPERATIONS, Operation
from chalicelib.api.schemas import ErrorBody, Schema

_REF = "#/components/schemas/{model}"
_STATUS_TEXT = {
    202: "Accepted: too large to run within the request, it runs in the background",
    400: "Malformed request (invalid JSON, bad cursor)",
    401: "Missing, invalid or expired token",
    403: "The role does not allow this action, or it needs two-factor sign-in",
    404: "Unknown resource (or another commune's)",
    409: "Conflict: changed meanwhile, or Idempotency-Key reused",
    410: "Expired link",
    413: "Body too large",
    415: "Body is not JSON",
    422: "Invalid content",
    429: "Too many requests",
    503: "A component is not ready",
}


@functools.cache
def document() -> dict[str, Any]:
    models = _models()
    refs, schemas = models_json_schema(
        [(model, "validation") for model in models], by_alias=True, ref_template=_REF
    )
    components = schemas.get("$defs", {})
    paths: dict[str, dict[str, Any]] = {}
    for spec in OPERATIONS:
        paths.setdefault(spec.path, {})[spec.method.lower()] = _operation(spec, refs)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Concerto API",
            "version": "1.0.0",
            "description": (
                "Citizen listening and dialogue for French communes. In AWS the API is "
                "served under the site's /api (CloudFront): a request sent to its "
                "execute-api endpoint directly gets 403 forbidden_origin, whatever the route."
            ),
        },
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {
                "cognito": {
                    "type": "http",
                    "scheme": "bearer",
                    "bearerFormat": "JWT",
                    "description": "A Cognito ID token of the commune's user pool",
                }
            },
        },
    }


def _models() -> list[type[Schema]]:
    found: list[type[Schema]] = [ErrorBody]
    for spec in OPERATIONS:
        for model in (spec.body, spec.response, *spec.error_bodies.values()):
            if model is not None and model not in found:
                found.append(model)
    return found


def _operation(spec: Operation, refs: dict[Any, Any]) -> dict[str, Any]:
    def ref(model: type[Schema]) -> dict[str, Any]:
        return dict(refs[(model, "validation")])

    result: dict[str, Any] = {
        "operationId": spec.operation_id,
        "summary": spec.summary,
        "tags": [spec.tag],
        "parameters": _parameters(spec),
        "responses": {},
    }
    if spec.staff:
        result["security"] = [{"cognito": []}]
    if spec.body is not None:
        content: dict[str, Any] = {"schema": ref(spec.body)}
        extra = spec.body.model_config.get("json_schema_extra")
        examples = extra.get("examples") if isinstance(extra, dict) else None
        if isinstance(examples, list) and examples:
            content["example"] = examples[0]
        result["requestBody"] = {"required": True, "content": {"application/json": content}}
    success: dict[str, Any] = {"description": "Success"}
    if spec.response is not None:
        success["content"] = {"application/json": {"schema": ref(spec.response)}}
    if spec.cache_seconds:
        success["headers"] = {
            "Cache-Control": {
                "description": f"public, max-age={spec.cache_seconds}: the answer may be "
                "kept (per query string and Origin); every other answer is private, no-store",
                "schema": {"type": "string"},
            }
        }
    result["responses"][str(spec.status)] = success
    errors = set(spec.errors) | ({401, 403} if spec.staff else set())
    if spec.body is not None:
        errors |= {400, 413, 415, 422}
    for status in sorted(errors):
        result["responses"][str(status)] = {
            "description": _STATUS_TEXT[status],
            "content": {
                "application/json": {"schema": ref(spec.error_bodies.get(status, ErrorBody))}
            },
        }
    return result


def _parameters(spec: Operation) -> list[dict[str, Any]]:
    parameters: list[dict[str, Any]] = []
    for segment in spec.path.split("/"):
        if segment.startswith("{") and segment.endswith("}"):
            parameters.append(
                {
                    "name": segment[1:-1],
                    "in": "path",
                    "required": True,
                    "schema": {"type": "string"},
                }
            )
    for name, description in spec.query.items():
        parameters.append(
            {
                "name": name,
                "in": "query",
                "required": False,
                "description": description,
                "schema": {"type": "string"},
            }
        )
    for name, description in spec.headers.items():
        parameters.append(
            {
                "name": name,
                "in": "header",
                "required": False,
                "description": description,
                "schema": {"type": "string", "maxLength": 128},
            }
        )
    return parameters
