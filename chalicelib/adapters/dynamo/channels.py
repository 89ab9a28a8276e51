"""DynamoDB adapter of the commune's channel state (de-duplication and threading keys)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from pynamodb.exceptions import DoesNotExist, PutError

from chalicelib.adapters.dynamo.models import ChannelKeyModel
from chalicelib.domain.ids import CommuneId
from chalicelib.ports import ChannelStore


class DynamoChannelStore(ChannelStore):
    def claim(self, commune_id: CommuneId, key: str, value: str, expires_at: datetime) -> str:
        item = ChannelKeyModel(commune_id, key, value=value, expires_at=expires_at)
        try:
            item.save(condition=ChannelKeyModel.channel_key.does_not_exist())
        except PutError as error:
            if error.cause_response_code != "ConditionalCheckFailedException":
                raise
            known = self.find(commune_id, [key])
            return value if known is None else known
        return value

    def link(
        self, commune_id: CommuneId, key: str, value: str, expires_at: datetime | None
    ) -> None:
        ChannelKeyModel(commune_id, key, value=value, expires_at=expires_at).save()

    def find(self, commune_id: CommuneId, keys: Sequence[str]) -> str | None:
        for key in keys:
            try:
                return ChannelKeyModel.get(commune_id, key, consistent_read=True).value
            except DoesNotExist:
                continue
        return None

    def recent(self, commune_id: CommuneId, prefix: str, limit: int) -> list[tuple[str, str]]:
        items = ChannelKeyModel.query(
            commune_id,
            ChannelKeyModel.channel_key.startswith(prefix),
            scan_index_forward=False,
            limit=limit,
        )
        return [(item.channel_key, item.value) for item in items]

    def delete(self, commune_id: CommuneId, key: str) -> None:
        # An unconditional DeleteItem: deleting an unknown key is no error.
        ChannelKeyModel(commune_id, key).delete()
