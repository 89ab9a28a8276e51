"""Structured JSON logs through Powertools' Logger, and the request-log middleware.

Logs carry the route template, never the raw path (a follow-up token is a secret), and
never a message text or contact detail.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging.utils import copy_config_to_registered_loggers


@functools.cache
def logger() -> Logger:
    powertools = Logger(service="concerto")  # level: POWERTOOLS_LOG_LEVEL, INFO by default
    # The modules log through stdlib loggers ("chalicelib.*"): give them the JSON format.
    copy_config_to_registered_loggers(source_logger=powertools, include={"chalicelib"})
    return powertools


def log_requests(event: Any, get_response: Callable[[Any], Any]) -> Any:
    started = time.perf_counter()
    response = get_response(event)
    context = getattr(event, "context", None) or {}
    logger().info(
        "request",
        extra={
            "method": getattr(event, "method", ""),
            "route": context.get("resourcePath", ""),
            "status": response.status_code,
            "durationMs": round((time.perf_counter() - started) * 1000, 1),
        },
    )
    return response
