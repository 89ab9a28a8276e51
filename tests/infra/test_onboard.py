"""Onboarding a commune into its (here: moto's) stack: the commune and its first admin."""

from __future__ import annotations

import boto3
import pytest
from moto import mock_aws

from chalicelib import resources
from chalicelib.adapters.dynamo import models
from chalicelib.adapters.dynamo.repositories import DynamoCommuneRepository
from chalicelib.domain.ids import CommuneId
from infra import config, onboard
from local.provision import provision

pytestmark = pytest.mark.integration


def test_onboarding_writes_the_commune_and_invites_its_admin(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    spec = config.load().stack("valbonne")
    (commune,) = spec.communes
    with mock_aws():
        # The same tables and pool as the stack, under the stack's names.
        provisioned = provision(spec.region, prefix=spec.prefix)
        env = onboard.stack_environment(spec, {"UserPoolId": provisioned.user_pool_id})
        assert env["CONCERTO_TABLE_COMMUNES"] == "concerto-valbonne-communes"
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        onboard.save_commune(commune)
        temporary = onboard.invite_admin(commune, "secretariat@valbonne.example")
        saved = DynamoCommuneRepository().get(CommuneId("06152"))
        assert (saved.slug, saved.name) == ("valbonne", "Valbonne")
        assert saved.settings.comprehend_enabled is False
        assert saved.settings.retention_days == 1095
        assert saved.themes
        cognito = boto3.client("cognito-idp", region_name=spec.region)
        user = cognito.admin_get_user(
            UserPoolId=provisioned.user_pool_id, Username="secretariat@valbonne.example"
        )
        attributes = {a["Name"]: a["Value"] for a in user["UserAttributes"]}
        assert attributes[resources.COMMUNE_CLAIM] == "06152"
        groups = cognito.admin_list_groups_for_user(
            UserPoolId=provisioned.user_pool_id, Username="secretariat@valbonne.example"
        )["Groups"]
        assert [g["GroupName"] for g in groups] == ["admin"]
        assert len(temporary) >= 12
        # Again: the commune's own settings (changed in the console) stay.
        onboard.save_commune(commune)
        assert DynamoCommuneRepository().get(CommuneId("06152")).themes == saved.themes
    monkeypatch.undo()
    models.bind()
