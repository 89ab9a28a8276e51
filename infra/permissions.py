"""Least privilege, function by function: what each Lambda function of the app may do.

Every resource is named (the stack's tables and their indexes, queues, buckets, key, user
pool, WebSocket API, SES identity) except where the service has no resource-level
permission (Comprehend's detect calls, X-Ray): those, and object-level S3 ARNs
(`bucket/*`), are acknowledged in cdk-nag with the reason returned here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from aws_cdk import Aws
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sqs as sqs

from chalicelib import resources

TABLE_ACTIONS = (
    "dynamodb:BatchGetItem",
    "dynamodb:BatchWriteItem",
    "dynamodb:ConditionCheckItem",
    "dynamodb:DeleteItem",
    "dynamodb:DescribeTable",
    "dynamodb:GetItem",
    "dynamodb:PutItem",
    "dynamodb:Query",
    "dynamodb:Scan",
    "dynamodb:UpdateItem",
)
CONSUME_ACTIONS = (
    "sqs:ChangeMessageVisibility",
    "sqs:DeleteMessage",
    "sqs:GetQueueAttributes",
    "sqs:ReceiveMessage",
)
COGNITO_ACTIONS = (
    "cognito-idp:AdminAddUserToGroup",
    "cognito-idp:AdminCreateUser",
    "cognito-idp:AdminDeleteUser",
    "cognito-idp:AdminGetUser",
    "cognito-idp:AdminListGroupsForUser",
    "cognito-idp:AdminRemoveUserFromGroup",
    "cognito-idp:ListUsersInGroup",
)
# The model chalicelib.config.bedrock_model() defaults to (the stack sets no other).
BEDROCK_MODEL = "anthropic.claude-3-haiku-20240307-v1:0"
COMPREHEND_ACTIONS = (
    "comprehend:BatchDetectKeyPhrases",
    "comprehend:BatchDetectSentiment",
    "comprehend:DetectKeyPhrases",
    "comprehend:DetectSentiment",
)

# What every function of the app does (the WebSocket handlers only keep the connections).
BASE = frozenset({"tables", "kms", "logs", "xray"})
APP = BASE | {"send", "realtime", "ses", "read-buckets"}
NEEDS: dict[str, frozenset[str]] = {
    # "origin-secret": the API checks CloudFront's header against it (ADR 11).
    # "bedrock": GET /console/summaries writes its summaries through Bedrock (ADR 12).
    "APIHandler": APP | {"cognito", "write:mail", "erase", "origin-secret", "bedrock"},
    "WebsocketConnect": BASE,
    "WebsocketMessage": BASE,
    "WebsocketDisconnect": BASE,
    "Analysis": APP | {"consume:analysis", "comprehend"},
    "Delivery": APP | {"consume:delivery"},
    # "erase": a file written while its contact was being erased deletes itself.
    "Exports": APP | {"consume:exports", "write:exports", "erase"},
    # Splits each stored Meta payload into one object per citizen event (write:mail), then
    # deletes the payload (delete:mail): erasing one citizen's event leaves no other's.
    "Inbound": APP | {"consume:inbound", "write:attachments", "write:mail", "delete:mail"},
    "InboundEmail": APP | {"write:attachments", "inbound-email-dlq"},
    "DetectAlerts": APP,
    "DailyDigest": APP,
    "Retrain": APP | {"write:models"},
    "RetentionSweep": APP | {"erase"},
    # Reads the stored vectors and writes topics: it never embeds, so no e5 layer either.
    "RebuildTopics": APP,
}

REASONS = {
    "objects": (
        "Object-level actions on one named bucket of this stack: S3 names objects only "
        "under the bucket's ARN (bucket/*)."
    ),
    "logs": (
        "Log streams of the function's own log group: Lambda creates the streams, whose "
        "names are not known in advance (log-group:…:*)."
    ),
    "xray": "X-Ray's PutTraceSegments/PutTelemetryRecords support no resource-level scope.",
    "comprehend": (
        "Comprehend's detect APIs (sentiment, key phrases) support no resource-level "
        "permission; the stack may call them only when a commune of it has Comprehend on."
    ),
    "realtime": (
        "execute-api:ManageConnections on this stack's WebSocket API only, POST to any "
        "connection id (@connections/*): connection ids are only known at run time."
    ),
}


@dataclass
class Grants:
    """The stack's resources a function may be granted, as names and ARNs."""

    tables: dict[str, dynamodb.Table]
    queues: dict[str, sqs.Queue]
    inbound_email_dlq: sqs.Queue
    bucket_arns: dict[str, str]
    key: kms.Key
    user_pool_arn: str
    websocket_api_id: str
    ses_identity_arn: str
    ses_configuration_set_arn: str
    comprehend: bool
    bedrock: bool = False
    origin_secret_arn: str = ""
    log_group_arn: dict[str, str] = field(default_factory=dict)


@dataclass
class Policy:
    statements: list[iam.PolicyStatement]
    # (resource with a wildcard, reason): acknowledged on the function's policy.
    wildcards: list[tuple[str, str]]


def policy_for(function: str, grants: Grants) -> Policy:
    try:
        needs = NEEDS[function]
    except KeyError as error:
        raise KeyError(
            f"function {function} has no declared permissions: add it to infra/permissions.py"
        ) from error
    policy = Policy([], [])
    for need in sorted(needs):
        _grant(policy, need, function, grants)
    return policy


def _grant(policy: Policy, need: str, function: str, grants: Grants) -> None:  # noqa: C901
    kind, _, target = need.partition(":")
    if kind == "tables":
        arns: list[str] = []
        for declared in resources.TABLES:
            table = grants.tables[declared.name]
            arns.append(table.table_arn)
            arns += [f"{table.table_arn}/index/{index.name}" for index in declared.indexes]
        policy.statements.append(iam.PolicyStatement(actions=list(TABLE_ACTIONS), resources=arns))
    elif kind == "kms":
        policy.statements.append(
            iam.PolicyStatement(
                actions=["kms:Decrypt", "kms:DescribeKey", "kms:GenerateDataKey"],
                resources=[grants.key.key_arn],
            )
        )
    elif kind == "logs":
        arn = grants.log_group_arn[function]
        policy.statements.append(
            iam.PolicyStatement(
                actions=["logs:CreateLogStream", "logs:PutLogEvents"], resources=[arn]
            )
        )
        policy.wildcards.append((arn, REASONS["logs"]))
    elif kind == "xray":
        policy.statements.append(
            iam.PolicyStatement(
                actions=["xray:PutTelemetryRecords", "xray:PutTraceSegments"], resources=["*"]
            )
        )
        policy.wildcards.append(("*", REASONS["xray"]))
    elif kind == "send":
        policy.statements.append(
            iam.PolicyStatement(
                actions=["sqs:GetQueueAttributes", "sqs:SendMessage"],
                resources=[queue.queue_arn for queue in grants.queues.values()],
            )
        )
    elif kind == "consume":
        policy.statements.append(
            iam.PolicyStatement(
                actions=list(CONSUME_ACTIONS), resources=[grants.queues[target].queue_arn]
            )
        )
    elif kind == "inbound-email-dlq":
        policy.statements.append(
            iam.PolicyStatement(
                actions=["sqs:SendMessage"], resources=[grants.inbound_email_dlq.queue_arn]
            )
        )
    elif kind == "read-buckets":
        for arn in grants.bucket_arns.values():
            _objects(policy, ["s3:GetObject"], arn)
        policy.statements.append(
            iam.PolicyStatement(
                actions=["s3:ListBucket"], resources=list(grants.bucket_arns.values())
            )
        )
    elif kind == "erase":  # a citizen's raw e-mails, files and exports (erasure, retention)
        for bucket in (
            resources.MAIL_BUCKET.name,
            resources.ATTACHMENTS_BUCKET.name,
            resources.EXPORTS_BUCKET.name,
        ):
            _objects(policy, ["s3:DeleteObject"], grants.bucket_arns[bucket])
    elif kind == "write":
        _objects(policy, ["s3:AbortMultipartUpload", "s3:PutObject"], grants.bucket_arns[target])
    elif kind == "delete":
        _objects(policy, ["s3:DeleteObject"], grants.bucket_arns[target])
    elif kind == "cognito":
        policy.statements.append(
            iam.PolicyStatement(actions=list(COGNITO_ACTIONS), resources=[grants.user_pool_arn])
        )
    elif kind == "ses":
        policy.statements.append(
            iam.PolicyStatement(
                actions=["ses:SendEmail", "ses:SendRawEmail"],
                resources=[grants.ses_identity_arn, grants.ses_configuration_set_arn],
            )
        )
    elif kind == "realtime":
        arn = (
            f"arn:{Aws.PARTITION}:execute-api:{Aws.REGION}:{Aws.ACCOUNT_ID}:"
            f"{grants.websocket_api_id}/api/POST/@connections/*"
        )
        policy.statements.append(
            iam.PolicyStatement(actions=["execute-api:ManageConnections"], resources=[arn])
        )
        policy.wildcards.append((arn, REASONS["realtime"]))
    elif kind == "origin-secret":
        policy.statements.append(
            iam.PolicyStatement(
                actions=["secretsmanager:GetSecretValue"], resources=[grants.origin_secret_arn]
            )
        )
    elif kind == "bedrock":
        if grants.bedrock:
            # Converse needs bedrock:InvokeModel, on the one foundation model the app calls
            # (chalicelib.config.bedrock_model): no wildcard.
            model = f"arn:{Aws.PARTITION}:bedrock:{Aws.REGION}::foundation-model/{BEDROCK_MODEL}"
            policy.statements.append(
                iam.PolicyStatement(actions=["bedrock:InvokeModel"], resources=[model])
            )
    elif kind == "comprehend":
        if grants.comprehend:
            policy.statements.append(
                iam.PolicyStatement(actions=list(COMPREHEND_ACTIONS), resources=["*"])
            )
            policy.wildcards.append(("*", REASONS["comprehend"]))
    else:
        raise ValueError(f"unknown permission {need}")


def _objects(policy: Policy, actions: list[str], bucket_arn: str) -> None:
    arn = f"{bucket_arn}/*"
    policy.statements.append(iam.PolicyStatement(actions=actions, resources=[arn]))
    policy.wildcards.append((arn, REASONS["objects"]))
