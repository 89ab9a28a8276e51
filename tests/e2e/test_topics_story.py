"""Topics on the embedded runtime: the seeded demo opinions go through the analysis worker,
the scheduled rebuild gives Biot its topics by itself, and its admin can rebuild them."""

from __future__ import annotations

import pytest

from tests.e2e.story import Staff
from tests.e2e.test_channels_story import wait_for
from tests.e2e.test_erasure_story import aws_client

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

BIOT = "06018"


def biot_model(runtime) -> dict | None:  # type: ignore[type-arg]
    dynamodb = aws_client(runtime, "dynamodb")
    [table] = [name for name in dynamodb.list_tables()["TableNames"] if "topics" in name]
    key = {"commune_id": {"S": BIOT}, "topic_key": {"S": "model"}}
    return dynamodb.get_item(TableName=table, Key=key, ConsistentRead=True).get("Item")


def test_the_seeded_commune_gets_topics_and_its_admin_rebuilds_them(runtime) -> None:
    model = wait_for(lambda: biot_model(runtime), timeout=600)
    assert model is not None, "no topics were built for Biot after its seeded opinions"
    assert int(model["verbatims"]["N"]) >= 20

    admin = Staff(runtime.api_url, "admin@biot.demo", runtime.password)
    rebuilt = admin.asks("POST", "/console/topics/rebuild")
    assert rebuilt.status == 200, rebuilt.body
    assert rebuilt.body["topics"] >= 1 and rebuilt.body["verbatims"] >= 20
    assert rebuilt.body["engine"] in ("e5", "hashed") and rebuilt.body["queued"] is False
    agent = Staff(runtime.api_url, "agent@biot.demo", runtime.password)
    assert agent.asks("POST", "/console/topics/rebuild").status == 403
