"""Creates the stack's resources (from chalicelib.resources) in whatever AWS boto3 points
at: moto's server under `make run`, moto's in-process mock in tests."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import boto3

from chalicelib import resources

# Mirrors the CDK user pool's policy, so demo passwords that work here work in AWS.
PASSWORD_POLICY = {
    "MinimumLength": 12,
    "RequireUppercase": True,
    "RequireLowercase": True,
    "RequireNumbers": True,
    "RequireSymbols": True,
}


@dataclass(frozen=True)
class Provisioned:
    env: dict[str, str]
    user_pool_id: str
    client_id: str


MAIL_DOMAIN = "concerto.local"


def provision(
    region: str, prefix: str = "concerto", local_visibility_seconds: int = 5
) -> Provisioned:
    """Creates every table, queue (with its DLQ), bucket and the staff user pool. Queue
    visibility is short locally so retries (and the path to the DLQ) take seconds."""
    env: dict[str, str] = {}
    dynamodb = boto3.client("dynamodb", region_name=region)
    for table in resources.TABLES:
        name = f"{prefix}-{table.name}"
        dynamodb.create_table(**table_definition(table, name))
        if table.ttl_attribute:
            dynamodb.update_time_to_live(
                TableName=name,
                TimeToLiveSpecification={"Enabled": True, "AttributeName": table.ttl_attribute},
            )
        env[table.env_var] = name
    sqs = boto3.client("sqs", region_name=region)
    for queue in resources.QUEUES:
        env[queue.env_var] = _create_queue(sqs, queue, prefix, local_visibility_seconds)
    s3 = boto3.client("s3", region_name=region)
    for bucket in resources.BUCKETS:
        name = f"{prefix}-{bucket.name}"
        s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": region})
        if bucket.expire_days:
            s3.put_bucket_lifecycle_configuration(
                Bucket=name,
                LifecycleConfiguration={
                    "Rules": [
                        {
                            "ID": "expire",
                            "Status": "Enabled",
                            "Filter": {"Prefix": ""},
                            "Expiration": {"Days": bucket.expire_days},
                        }
                    ]
                },
            )
        env[bucket.env_var] = name
    # The embedded SES sends (and keeps) staff e-mails from a verified local domain.
    boto3.client("sesv2", region_name=region).create_email_identity(EmailIdentity=MAIL_DOMAIN)
    env["CONCERTO_MAIL_FROM"] = f"Concerto <alertes@{MAIL_DOMAIN}>"
    # The communes' addresses (<slug>@…) are on the same domain, received by the SMTP server.
    env["CONCERTO_MAIL_DOMAIN"] = MAIL_DOMAIN
    # A fresh key per run: follow-up tokens sealed by this stack, for its e-mails.
    from cryptography.fernet import Fernet

    env["CONCERTO_SEAL_KEY"] = Fernet.generate_key().decode()
    pool_id, client_id = _create_user_pool(boto3.client("cognito-idp", region_name=region), prefix)
    env["CONCERTO_USER_POOL_ID"] = pool_id
    env["CONCERTO_USER_POOL_CLIENT_ID"] = client_id
    return Provisioned(env, pool_id, client_id)


def table_definition(table: resources.Table, name: str) -> dict[str, Any]:
    keys = {table.partition_key, *([table.sort_key] if table.sort_key else [])}
    for index in table.indexes:
        keys |= {index.partition_key, *([index.sort_key] if index.sort_key else [])}
    definition: dict[str, Any] = {
        "TableName": name,
        "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": [{"AttributeName": k, "AttributeType": "S"} for k in sorted(keys)],
        "KeySchema": _key_schema(table.partition_key, table.sort_key),
    }
    if table.indexes:
        definition["GlobalSecondaryIndexes"] = [
            {
                "IndexName": index.name,
                "KeySchema": _key_schema(index.partition_key, index.sort_key),
                "Projection": {"ProjectionType": "ALL"},
            }
            for index in table.indexes
        ]
    return definition


def _key_schema(partition_key: str, sort_key: str | None) -> list[dict[str, str]]:
    schema = [{"AttributeName": partition_key, "KeyType": "HASH"}]
    if sort_key:
        schema.append({"AttributeName": sort_key, "KeyType": "RANGE"})
    return schema


def _create_queue(sqs: Any, queue: resources.Queue, prefix: str, visibility: int) -> str:
    dlq_url = sqs.create_queue(QueueName=f"{prefix}-{queue.dlq_name}")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    redrive = {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": str(queue.max_receive_count)}
    url: str = sqs.create_queue(
        QueueName=f"{prefix}-{queue.name}",
        Attributes={"VisibilityTimeout": str(visibility), "RedrivePolicy": json.dumps(redrive)},
    )["QueueUrl"]
    return url


def _create_user_pool(cognito: Any, prefix: str) -> tuple[str, str]:
    pool = cognito.create_user_pool(
        PoolName=f"{prefix}-staff",
        Policies={"PasswordPolicy": PASSWORD_POLICY},
        UsernameAttributes=["email"],
        Schema=[
            {"Name": "email", "AttributeDataType": "String", "Required": True, "Mutable": True},
            {
                "Name": resources.COMMUNE_CLAIM.removeprefix("custom:"),
                "AttributeDataType": "String",
                "Mutable": False,
                "StringAttributeConstraints": {"MinLength": "5", "MaxLength": "5"},
            },
        ],
    )["UserPool"]
    client = cognito.create_user_pool_client(
        UserPoolId=pool["Id"],
        ClientName=f"{prefix}-console",
        ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        GenerateSecret=False,
    )["UserPoolClient"]
    for group in resources.STAFF_GROUPS:
        cognito.create_group(UserPoolId=pool["Id"], GroupName=group)
    return pool["Id"], client["ClientId"]


def create_staff(
    region: str, pool_id: str, email: str, password: str, commune_id: str, group: str
) -> None:
    cognito = boto3.client("cognito-idp", region_name=region)
    cognito.admin_create_user(
        UserPoolId=pool_id,
        Username=email,
        UserAttributes=[
            {"Name": "email", "Value": email},
            {"Name": "email_verified", "Value": "true"},
            {"Name": resources.COMMUNE_CLAIM, "Value": commune_id},
        ],
        MessageAction="SUPPRESS",
    )
    cognito.admin_set_user_password(
        UserPoolId=pool_id, Username=email, Password=password, Permanent=True
    )
    cognito.admin_add_user_to_group(UserPoolId=pool_id, Username=email, GroupName=group)


def create_origin_secret(region: str, secret_id: str) -> str:
    """The origin secret the stack's CloudFront sends with every API request, drawn here
    for `make run` with CONCERTO_ORIGIN_SECRET_ID set (the site's /api proxy sends it as
    CloudFront does); returns its value."""
    import secrets as random

    value = random.token_urlsafe(32)
    manager = boto3.client("secretsmanager", region_name=region)
    manager.create_secret(
        Name=secret_id, SecretString=value, Description="Concerto: CloudFront's origin secret"
    )
    return value
