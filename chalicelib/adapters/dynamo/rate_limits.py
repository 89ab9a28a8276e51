"""DynamoDB adapter of the submission rate limiter: one atomic counter per window, in the
idempotency table's key space (`<commune>#rate:<counter>`), which its TTL sweeps away."""

from __future__ import annotations

from chalicelib import config
from chalicelib.adapters.aws import client
from chalicelib.domain.ids import CommuneId
from chalicelib.ports import RateLimiter
from chalicelib.resources import IDEMPOTENCY

_ATTRIBUTE = "hits"
_EXPIRY = str(IDEMPOTENCY.ttl_attribute)


def counter_id(commune_id: CommuneId, counter: str) -> str:
    return f"{commune_id}#rate:{counter}"


class DynamoRateLimiter(RateLimiter):
    def hit(self, commune_id: CommuneId, counter: str, expires_at: int) -> int:
        # One UpdateItem: ADD is atomic across API containers, and creates the item (with
        # its expiry) on the window's first hit. Expiry only reclaims space: DynamoDB's TTL
        # deletes within days, while the window in the counter's name ends the count.
        answer = client("dynamodb").update_item(
            TableName=config.table_name(IDEMPOTENCY),
            Key={IDEMPOTENCY.partition_key: {"S": counter_id(commune_id, counter)}},
            UpdateExpression="ADD #hits :one SET #expiry = if_not_exists(#expiry, :expiry)",
            ExpressionAttributeNames={"#hits": _ATTRIBUTE, "#expiry": _EXPIRY},
            ExpressionAttributeValues={":one": {"N": "1"}, ":expiry": {"N": str(expires_at)}},
            ReturnValues="UPDATED_NEW",
        )
        return int(answer["Attributes"][_ATTRIBUTE]["N"])
