"""Real-time events to open consoles: WebSocket connections kept in DynamoDB, pushes through
API Gateway's management API (`post_to_connection`). Locally, `make run` serves the same
API (local/realtime.py), so this code is the same in both runtimes."""

from __future__ import annotations

import contextlib
import functools
import json
import logging
import time
from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from chalicelib import config
from chalicelib.adapters.dynamo.models import ConnectionModel
from chalicelib.domain.activity import Activity
from chalicelib.domain.ids import CommuneId
from chalicelib.ports import ConnectionRepository, EventPublisher

logger = logging.getLogger(__name__)
# API Gateway closes a WebSocket after 2 hours at most: a row outliving it is garbage.
CONNECTION_LIFETIME = timedelta(hours=2, minutes=5)
PUSH_BUDGET_SECONDS = 1.5


class DynamoConnectionRepository(ConnectionRepository):
    def add(
        self, commune_id: CommuneId, connection_id: str, email: str, token_expires_at: datetime
    ) -> None:
        ConnectionModel(
            commune_id,
            connection_id,
            staff_email=email,
            token_expires_at=token_expires_at,
            # The row goes when the connection cannot live any longer (TTL is lazy: reads
            # filter on the token's expiry).
            expires_at=token_expires_at + CONNECTION_LIFETIME,
        ).save()

    def remove(self, connection_id: str) -> None:
        for item in ConnectionModel.by_connection.query(connection_id):
            ConnectionModel(item.commune_id, item.connection_id).delete()

    def of_commune(self, commune_id: CommuneId, now: datetime) -> list[str]:
        live = ConnectionModel.query(
            commune_id, filter_condition=ConnectionModel.token_expires_at > now
        )
        return [item.connection_id for item in live]

    def of_member(self, commune_id: CommuneId, email: str) -> list[str]:
        # A query of the commune's partition (its open consoles: a few dozen at most).
        mine = ConnectionModel.staff_email == email
        own = ConnectionModel.query(commune_id, filter_condition=mine)
        return [item.connection_id for item in own]


def event_message(entry: Activity) -> dict[str, Any]:
    """What a console receives: the same fields as an item of GET /console/events."""
    return {
        "id": entry.activity_id,
        "at": entry.at.isoformat(),
        "kind": entry.kind.value,
        "actor": entry.actor,
        "threadId": entry.thread_id,
        "details": entry.details,
    }


class WebSocketPublisher(EventPublisher):
    def __init__(self, connections: ConnectionRepository) -> None:
        self._connections = connections

    def publish(self, entries: Sequence[Activity]) -> None:
        endpoint = config.realtime_management_url()
        if not endpoint or not entries:
            return  # no WebSocket API in this stack: consoles poll the feed
        try:
            self._push(endpoint, entries)
        except Exception:  # best effort by contract: the change itself is already saved
            logger.warning("real-time push failed", exc_info=True)

    def disconnect_member(self, commune_id: CommuneId, email: str) -> int:
        try:
            connections = self._connections.of_member(commune_id, email)
            endpoint = config.realtime_management_url()
            for connection_id in connections:
                if endpoint:
                    self._close(_management_client(endpoint), connection_id)
                self._connections.remove(connection_id)
        except Exception:  # best effort by contract: the account is already gone
            logger.warning("could not close a removed member's consoles", exc_info=True)
            return 0
        return len(connections)

    @staticmethod
    def _close(api: Any, connection_id: str) -> None:
        with contextlib.suppress(api.exceptions.GoneException):  # closed already
            api.delete_connection(ConnectionId=connection_id)

    def _push(self, endpoint: str, entries: Sequence[Activity]) -> None:
        by_commune: dict[CommuneId, list[Activity]] = defaultdict(list)
        for entry in entries:
            by_commune[entry.commune_id].append(entry)
        api = _management_client(endpoint)
        # The push runs inside a citizen's or an agent's request: past this budget the
        # remaining consoles catch up from the feed rather than make the request wait.
        deadline = time.monotonic() + PUSH_BUDGET_SECONDS
        now = datetime.now(UTC)
        for commune_id, own in by_commune.items():
            data = json.dumps({"events": [event_message(e) for e in own]}).encode()
            for connection_id in self._connections.of_commune(commune_id, now):
                if time.monotonic() > deadline:
                    logger.warning("real-time push budget spent; consoles will poll")
                    return
                self._send(api, connection_id, data)

    def _send(self, api: Any, connection_id: str, data: bytes) -> None:
        try:
            api.post_to_connection(ConnectionId=connection_id, Data=data)
        except api.exceptions.GoneException:
            self._connections.remove(connection_id)
        except Exception:  # one console's trouble must not deprive the others
            logger.warning("push to a console failed", exc_info=True)


@functools.cache
def _management_client(endpoint: str) -> Any:
    import boto3
    from botocore.config import Config

    # Short timeouts: a push runs after a citizen's or an agent's request, which waits.
    factory: Any = boto3.client
    return factory(
        "apigatewaymanagementapi",
        endpoint_url=endpoint,
        region_name=config.region(),
        config=Config(
            retries={"mode": "standard", "max_attempts": 1},
            connect_timeout=1,
            read_timeout=2,
        ),
    )
