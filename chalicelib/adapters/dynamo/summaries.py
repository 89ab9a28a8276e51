"""Summaries kept for a while, in the table of idempotent responses (`idempotency`): it already
holds short-lived JSON per commune-leading key with a TTL, which is all a cache needs."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import datetime

from pynamodb.exceptions import DoesNotExist

from chalicelib.adapters.dynamo.models import IdempotencyModel
from chalicelib.domain.ids import CommuneId
from chalicelib.ports import SummaryCache

_KIND = "summary"


class DynamoSummaryCache(SummaryCache):
    def get(self, commune_id: CommuneId, key: str, now: datetime) -> Mapping[str, object] | None:
        try:
            item = IdempotencyModel.get(_item_id(commune_id, key))
        except DoesNotExist:
            return None
        # DynamoDB deletes expired items within days, not at once: the expiry is checked here.
        if item.fingerprint != _KIND or item.expiration is None or item.expiration <= now:
            return None
        value: Mapping[str, object] = item.response
        return value

    def put(
        self, commune_id: CommuneId, key: str, value: Mapping[str, object], expires_at: datetime
    ) -> None:
        IdempotencyModel(
            _item_id(commune_id, key),
            fingerprint=_KIND,
            response=dict(value),
            expiration=expires_at,
        ).save()


def _item_id(commune_id: CommuneId, key: str) -> str:
    # The commune leads (IAM LeadingKeys); "#summary#" keeps these apart from the feedback
    # idempotency keys ("#feedback#").
    return f"{commune_id}#{_KIND}#{hashlib.sha256(key.encode()).hexdigest()}"
