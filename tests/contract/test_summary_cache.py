"""The summary cache, the same suite against the in-memory fake and DynamoDB (moto)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.ports import Ports
from tests.fakes import BIOT, VALBONNE

pytestmark = pytest.mark.contract

NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
VALUE = {
    "summary": "« Le parking de la gare est plein. »",
    "quotes": [{"id": "t1", "text": "Le parking de la gare est plein."}],
    "engine": "extractive",
    "costUsd": None,
}


def test_a_summary_is_kept_until_it_expires(ports: Ports) -> None:
    cache = ports.summaries
    assert cache is not None
    key = "2026-11-01|2026-11-30|proprete"
    assert cache.get(BIOT, key, NOW) is None
    cache.put(BIOT, key, VALUE, NOW + timedelta(hours=1))
    assert cache.get(BIOT, key, NOW) == VALUE
    assert cache.get(BIOT, key, NOW + timedelta(hours=1)) is None


def test_a_new_summary_replaces_the_old_one(ports: Ports) -> None:
    cache = ports.summaries
    assert cache is not None
    cache.put(BIOT, "k", VALUE, NOW + timedelta(hours=1))
    cache.put(BIOT, "k", {**VALUE, "engine": "bedrock"}, NOW + timedelta(hours=2))
    assert (cache.get(BIOT, "k", NOW) or {})["engine"] == "bedrock"


def test_communes_never_read_each_others_summaries(ports: Ports) -> None:
    cache = ports.summaries
    assert cache is not None
    cache.put(BIOT, "k", VALUE, NOW + timedelta(hours=1))
    assert cache.get(VALBONNE, "k", NOW) is None
