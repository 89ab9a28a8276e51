"""The communes config: silo and pool stacks, and what it refuses."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from infra import config

pytestmark = pytest.mark.unit

BASE: dict[str, Any] = {
    "defaults": {"region": "eu-west-1", "mailDomain": "avis.example.fr"},
    "communes": [
        {"name": "Biot", "slug": "biot", "insee": "06018"},
        {"name": "Opio", "slug": "opio", "insee": "06089", "poolGroup": "collines"},
        {
            "name": "Le Rouret",
            "slug": "le-rouret",
            "insee": "06112",
            "poolGroup": "collines",
            "retentionDays": 365,
            "comprehend": False,
        },
    ],
}


def test_the_shipped_config_has_two_silos_and_a_pool_of_two() -> None:
    loaded = config.load()
    names = {spec.stack_name: spec for spec in loaded.stacks}
    assert set(names) == {"Concerto-biot", "Concerto-valbonne", "Concerto-pool-collines"}
    assert [c.insee for c in names["Concerto-biot"].communes] == ["06018"]
    assert [c.insee for c in names["Concerto-valbonne"].communes] == ["06152"]
    pool = names["Concerto-pool-collines"]
    assert pool.pooled and len(pool.communes) == 2
    assert loaded.regions == ("eu-west-1",)


def test_a_pool_keeps_the_shortest_retention_and_comprehend_if_any_commune_wants_it() -> None:
    pool = config.parse(BASE).stack("pool-collines")
    assert pool.retention_days == 365
    assert pool.comprehend
    assert pool.prefix == "concerto-pool-collines"
    assert [c.address for c in pool.communes] == [
        "opio@avis.example.fr",
        "le-rouret@avis.example.fr",
    ]


def test_comprehend_is_off_for_a_stack_whose_communes_all_opted_out() -> None:
    raw = copy.deepcopy(BASE)
    raw["communes"][0]["comprehend"] = False
    assert not config.parse(raw).stack("biot").comprehend


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"slug": "Biot!"}, "slug"),
        ({"insee": "6018"}, "INSEE"),
        ({"region": "paris"}, "region"),
        ({"retentionDays": 10}, "retention"),
        ({"mailDomain": "not a domain"}, "mail domain"),
        ({"name": ""}, "name"),
    ],
)
def test_an_invalid_commune_is_refused_with_the_reason(
    change: dict[str, Any], message: str
) -> None:
    raw = copy.deepcopy(BASE)
    raw["communes"][0].update(change)
    with pytest.raises(config.ConfigError, match=message):
        config.parse(raw)


def test_duplicates_and_mixed_pools_are_refused() -> None:
    raw = copy.deepcopy(BASE)
    raw["communes"][1]["insee"] = "06018"
    with pytest.raises(config.ConfigError, match="duplicate insee"):
        config.parse(raw)
    raw = copy.deepcopy(BASE)
    raw["communes"][2]["region"] = "eu-central-1"
    with pytest.raises(config.ConfigError, match="same region"):
        config.parse(raw)


def test_a_waf_is_per_stack_off_by_default_and_a_pools_if_one_commune_asks() -> None:
    assert not config.parse(BASE).stack("biot").waf
    asked = copy.deepcopy(BASE)
    asked["communes"][1]["waf"] = True
    parsed = config.parse(asked)
    assert parsed.stack("pool-collines").waf and not parsed.stack("biot").waf
    shipped = config.load()
    assert [spec.key for spec in shipped.stacks if spec.waf] == ["valbonne"]


def test_bedrock_is_on_by_default_and_off_for_a_stack_whose_communes_all_opted_out() -> None:
    assert config.parse(BASE).stack("biot").bedrock
    raw = copy.deepcopy(BASE)
    raw["communes"][0]["bedrock"] = False
    assert not config.parse(raw).stack("biot").bedrock
    raw["communes"][1]["bedrock"] = False
    assert config.parse(raw).stack("pool-collines").bedrock  # Le Rouret still wants it
    assert not config.load().stack("valbonne").bedrock
