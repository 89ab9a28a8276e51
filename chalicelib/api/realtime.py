"""The console's WebSocket: connect with a staff ID token (`?token=`), then receive every
event of the commune as it happens (see adapters/realtime.py for the pushes).

Registered in app.py: Chalice wraps WebSocket handlers only when they are declared on the
app itself (a blueprint's would reach Lambda unwrapped)."""

from __future__ import annotations

import logging
from typing import Any

from chalicelib import bootstrap, config
from chalicelib.domain.errors import UnauthorizedError
from chalicelib.services import staff_access

logger = logging.getLogger(__name__)


def connect(event: Any) -> dict[str, Any]:
    """Accepts consoles of an allowed origin holding a valid staff token; the connection
    then belongs to the token's commune (and receives only its events)."""
    raw = event.to_dict()
    headers = {name.lower(): value for name, value in (raw.get("headers") or {}).items()}
    origins = config.console_origins()
    if origins and headers.get("origin") not in origins:
        return {"statusCode": 403}
    token = (raw.get("queryStringParameters") or {}).get("token", "")
    ports = bootstrap.ports()
    try:
        identity = staff_access.resolve(ports, ports.tokens.verify(token))
    except UnauthorizedError:
        return {"statusCode": 401}
    expires = identity.token_expires_at or ports.clock()
    ports.connections.add(identity.commune_id, event.connection_id, identity.email, expires)
    return {"statusCode": 200}


def message(event: Any) -> dict[str, Any]:
    # Consoles only listen; a "ping" keeps an idle connection open (API Gateway closes it
    # after 10 idle minutes) and needs no answer.
    return {"statusCode": 200}


def disconnect(event: Any) -> dict[str, Any]:
    bootstrap.ports().connections.remove(event.connection_id)
    return {"statusCode": 200}
