"""Onboards a commune of infra/communes.json into its deployed stack: writes the commune
(default themes, its Comprehend and retention settings) into the stack's `communes` table
and invites its first admin into the stack's user pool (Cognito e-mails the temporary
password; it is printed too).

    .venv/bin/python -m infra.onboard biot --admin secretariat@ville-biot.fr

Runs with the operator's AWS credentials; the stack must be deployed (its outputs name the
user pool). Running it again keeps the commune's themes, quartiers and settings.
"""

from __future__ import annotations

import argparse
import os
from dataclasses import replace
from typing import Any

from infra import config as communes_config
from infra.config import CommuneConfig, StackSpec


def stack_environment(spec: StackSpec, outputs: dict[str, str]) -> dict[str, str]:
    """What the app's repositories and staff directory read, for this stack."""
    from chalicelib import resources

    env = {table.env_var: f"{spec.prefix}-{table.name}" for table in resources.TABLES}
    env["CONCERTO_USER_POOL_ID"] = outputs["UserPoolId"]
    env["AWS_REGION"] = env["AWS_DEFAULT_REGION"] = spec.region
    return env


def stack_outputs(spec: StackSpec) -> dict[str, str]:
    import boto3

    cloudformation: Any = boto3.client("cloudformation", region_name=spec.region)
    (stack,) = cloudformation.describe_stacks(StackName=spec.stack_name)["Stacks"]
    return {item["OutputKey"]: item["OutputValue"] for item in stack.get("Outputs", [])}


def save_commune(commune: CommuneConfig) -> None:
    """Creates the commune, or updates its name and slug (settings set in the console stay).
    Reads the table names from the environment (stack_environment)."""
    from chalicelib.adapters.dynamo import models
    from chalicelib.adapters.dynamo.repositories import DynamoCommuneRepository
    from chalicelib.analysis.themes import default_themes
    from chalicelib.domain.commune import Commune, CommuneSettings
    from chalicelib.domain.errors import NotFoundError
    from chalicelib.domain.ids import CommuneId

    models.bind()
    repository = DynamoCommuneRepository()
    commune_id = CommuneId(commune.insee)
    try:
        existing = repository.get(commune_id)
    except NotFoundError:
        settings = CommuneSettings(
            comprehend_enabled=commune.comprehend,
            bedrock_enabled=commune.bedrock,
            retention_days=commune.retention_days,
        )
        created = Commune(
            commune_id=commune_id,
            slug=commune.slug,
            name=commune.name,
            themes=default_themes(),
            settings=settings,
        )
        repository.save(created)
        return
    repository.save(replace(existing, slug=commune.slug, name=commune.name))


def invite_admin(commune: CommuneConfig, email: str) -> str:
    """Invites the commune's first admin; returns the temporary password."""
    from chalicelib.adapters.staff import CognitoStaffDirectory
    from chalicelib.domain.ids import CommuneId
    from chalicelib.domain.staff import Role

    _, temporary = CognitoStaffDirectory().invite(CommuneId(commune.insee), email, Role.ADMIN)
    return temporary


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("slug", help="the commune's slug in infra/communes.json")
    parser.add_argument("--admin", required=True, help="the first admin's e-mail address")
    args = parser.parse_args(argv)
    loaded = communes_config.load()
    spec = next(s for s in loaded.stacks if any(c.slug == args.slug for c in s.communes))
    commune = next(c for c in spec.communes if c.slug == args.slug)
    os.environ.update(stack_environment(spec, stack_outputs(spec)))
    save_commune(commune)
    temporary = invite_admin(commune, args.admin)
    print(f"{commune.name} ({commune.insee}) is in {spec.stack_name}.")
    print(f"Admin {args.admin} invited; temporary password: {temporary}")


if __name__ == "__main__":
    main()
