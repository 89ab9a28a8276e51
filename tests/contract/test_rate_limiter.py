"""The rate limiter's contract, fake and DynamoDB alike; and the commune settings' allowed
origins surviving a round trip through the commune repository."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import replace

import boto3
import pytest
from moto import mock_aws

from chalicelib import bootstrap, config
from chalicelib.adapters.dynamo.rate_limits import DynamoRateLimiter, counter_id
from chalicelib.adapters.memory import InMemoryRateLimiter
from chalicelib.ports import RateLimiter
from chalicelib.resources import IDEMPOTENCY
from local.provision import provision
from tests.fakes import BIOT, VALBONNE

pytestmark = pytest.mark.contract

EXPIRES = 1_800_000_600


@pytest.fixture(params=["memory", "dynamo"])
def limiter(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> Iterator[RateLimiter]:
    if request.param == "memory":
        yield InMemoryRateLimiter()
        return
    bootstrap.reset()
    with mock_aws():
        for name, value in provision("eu-west-1").env.items():
            monkeypatch.setenv(name, value)
        yield DynamoRateLimiter()
    bootstrap.reset()


def test_each_hit_returns_the_new_total_of_its_counter(limiter):
    assert [limiter.hit(BIOT, "ip:abc:1800000000", EXPIRES) for _ in range(3)] == [1, 2, 3]
    # Another window, another client, another commune: other counters.
    assert limiter.hit(BIOT, "ip:abc:1800000600", EXPIRES + 600) == 1
    assert limiter.hit(BIOT, "ip:def:1800000000", EXPIRES) == 1
    assert limiter.hit(VALBONNE, "ip:abc:1800000000", EXPIRES) == 1
    assert limiter.hit(BIOT, "ip:abc:1800000000", EXPIRES) == 4


# DynamoDB's ADD is atomic; moto's in-process mock is not (its update_item reads then
# writes without a lock), so concurrency is held by the fake only.
@pytest.mark.parametrize("limiter", ["memory"], indirect=True)
def test_concurrent_hits_are_all_counted(limiter):
    def hammer() -> None:
        for _ in range(10):
            limiter.hit(BIOT, "commune:1800000000", EXPIRES)

    workers = [threading.Thread(target=hammer) for _ in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert limiter.hit(BIOT, "commune:1800000000", EXPIRES) == 41


@pytest.mark.parametrize("limiter", ["dynamo"], indirect=True)
def test_dynamo_counters_live_in_the_idempotency_table_under_the_commune_and_expire(limiter):
    limiter.hit(BIOT, "commune:1800000000", EXPIRES)
    limiter.hit(BIOT, "commune:1800000000", EXPIRES + 999)  # the first expiry stays
    table = boto3.client("dynamodb", region_name="eu-west-1")
    item = table.get_item(
        TableName=config.table_name(IDEMPOTENCY),
        Key={"id": {"S": counter_id(BIOT, "commune:1800000000")}},
    )["Item"]
    assert item["id"]["S"] == f"{BIOT}#rate:commune:1800000000"
    assert item["hits"]["N"] == "2"
    assert item[str(IDEMPOTENCY.ttl_attribute)]["N"] == str(EXPIRES)


def test_a_communes_allowed_origins_survive_the_repository(ports):
    biot = ports.communes.get(BIOT)
    origins = ("https://www.biot.fr", "http://127.0.0.1")
    ports.communes.save(replace(biot, settings=replace(biot.settings, allowed_origins=origins)))
    assert ports.communes.get(BIOT).settings.allowed_origins == origins
    assert ports.communes.get_by_slug("biot").settings.allowed_origins == origins
    listed = {c.commune_id: c.settings.allowed_origins for c in ports.communes.list_all()}
    assert listed == {BIOT: origins, VALBONNE: ()}
    assert ports.communes.get(BIOT).settings.retention_days == biot.settings.retention_days
