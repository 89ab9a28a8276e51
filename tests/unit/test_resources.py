"""The PynamoDB models and the declared resources (used by local/ and infra/) agree."""

import pytest

from chalicelib import resources
from chalicelib.adapters.dynamo.models import MODELS
from local.provision import table_definition

pytestmark = pytest.mark.unit


def keys(schema: list[dict[str, str]]) -> dict[str, str]:
    return {key["KeyType"]: key["AttributeName"] for key in schema}


@pytest.mark.parametrize("table", resources.TABLES, ids=lambda table: table.name)
def test_each_model_has_the_declared_keys_and_indexes(table):
    model_schema = MODELS[table.name]._get_schema()
    declared = table_definition(table, "t")
    assert keys(model_schema["key_schema"]) == keys(declared["KeySchema"])
    model_indexes = {
        index["index_name"]: keys(index["key_schema"])
        for index in model_schema.get("global_secondary_indexes", [])
    }
    declared_indexes = {
        index["IndexName"]: keys(index["KeySchema"])
        for index in declared.get("GlobalSecondaryIndexes", [])
    }
    assert model_indexes == declared_indexes


@pytest.mark.parametrize("table", resources.TABLES, ids=lambda table: table.name)
def test_the_ttl_attribute_exists_on_the_model(table):
    if table.ttl_attribute:
        assert table.ttl_attribute in MODELS[table.name].get_attributes()


def test_queues_respect_the_lambda_rules():
    for queue in resources.QUEUES:
        assert queue.visibility_timeout_seconds >= 6 * queue.consumer_timeout_seconds
        assert queue.max_receive_count == 5
        assert queue.batch_size <= 25


def test_export_files_are_deleted_with_their_jobs():
    from chalicelib.domain.exports import RETENTION

    assert resources.EXPORTS_BUCKET.expire_days == RETENTION.days


def test_each_queue_consumer_has_the_timeout_its_visibility_assumes():
    import json
    from pathlib import Path

    config = json.loads((Path(__file__).parents[2] / ".chalice" / "config.json").read_text())
    functions = config["stages"]["dev"]["lambda_functions"]
    for queue in (resources.ANALYSIS_QUEUE, resources.EXPORTS_QUEUE):
        assert functions[queue.name]["lambda_timeout"] == queue.consumer_timeout_seconds
