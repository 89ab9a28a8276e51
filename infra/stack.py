"""One Concerto stack: a silo commune, or a pool of small communes.

Tables, queues and buckets come from chalicelib/resources.py (the declarations the local
runtime provisions too); the API, the workers and the WebSocket handlers come from the
Chalice app itself (infra/chalice_app.py). See docs/operations.md for deploying.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aws_cdk import (
    Aws,
    CfnOutput,
    CfnResource,
    Duration,
    Environment,
    RemovalPolicy,
    Stack,
    Tags,
)
from aws_cdk import aws_apigatewayv2 as apigatewayv2
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cloudwatch_actions
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_ses as ses
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from chalicelib import resources
from infra import e5_layer, nag, permissions
from infra.chalice_app import PLACEHOLDER_ROLE, REPO, ConcertoChalice
from infra.config import StackSpec
from infra.web import Site
from local.provision import PASSWORD_POLICY

CHALICE_CONFIG = REPO / ".chalice" / "config.json"
CHALICE_STAGE = "dev"
API_STAGE = "api"
RECEIPT_RULE_SET = "concerto"
MAIL_PREFIX = "inbound/"
METRICS_NAMESPACE = "Concerto"
COMPREHEND_FALLBACKS = "ComprehendFallbacks"
COMPREHEND_ANALYSED = "ComprehendAnalysed"
# Emitted by chalicelib.analysis.summary_fallback.
BEDROCK_SUMMARIES = "BedrockSummaries"
BEDROCK_FALLBACKS = "BedrockFallbacks"
# The SQS event sources of the app (Chalice's logical id → the queue it consumes).
SQS_CONSUMERS = {
    "Analysis": resources.ANALYSIS_QUEUE.name,
    "Delivery": resources.DELIVERY_QUEUE.name,
    "Exports": resources.EXPORTS_QUEUE.name,
    "Inbound": resources.INBOUND_QUEUE.name,
}
# The functions whose errors raise an alarm (the API's show as 5xx).
WORKERS = (
    *SQS_CONSUMERS,
    "InboundEmail",
    "DetectAlerts",
    "DailyDigest",
    "Retrain",
    "RetentionSweep",
    "RebuildTopics",
)
# API Gateway's throttling, per method of the stack's REST API (each method has its own
# token bucket: a flood of one cannot empty another's). Requests a second, then burst.
# - Consoles (every /console/… method, the stage's default): a pool's few dozen staff,
#   each page a handful of calls, the inbox's polling when the WebSocket is down.
# - Public reads (GET, and preflights): what CloudFront did not serve from its cache.
# - Public writes (an opinion, a vote, a reply): a local event brings a few a second;
#   the app then limits each address (CONCERTO_RATE_LIMIT_PER_IP) and each commune.
# A flood of public requests thus meets its own limits before it reaches the consoles'
# (the Lambda function's concurrency is what they would otherwise share).
CONSOLE_RATE, CONSOLE_BURST = 100, 200
PUBLIC_READ_RATE, PUBLIC_READ_BURST = 50, 100
PUBLIC_WRITE_RATE, PUBLIC_WRITE_BURST = 20, 40
WS_RATE, WS_BURST = 50, 100
FERNET_KEY_CHARS = 43  # 32 bytes in url-safe base64, without the final "=" padding
ORIGIN_SECRET_CHARS = 48  # letters and digits: ~285 bits
_NOT_URLSAFE = "".join(c for c in "!\"#$%&'()*+,./:;<=>?@[\\]^`{|}~")

_RETENTION = {
    1: logs.RetentionDays.ONE_DAY,
    7: logs.RetentionDays.ONE_WEEK,
    14: logs.RetentionDays.TWO_WEEKS,
    30: logs.RetentionDays.ONE_MONTH,
    60: logs.RetentionDays.TWO_MONTHS,
    90: logs.RetentionDays.THREE_MONTHS,
    180: logs.RetentionDays.SIX_MONTHS,
    365: logs.RetentionDays.ONE_YEAR,
    400: logs.RetentionDays.THIRTEEN_MONTHS,
}


@dataclass(frozen=True)
class FunctionSettings:
    timeout: int
    memory: int


def chalice_settings(path: Path = CHALICE_CONFIG) -> dict[str, FunctionSettings]:
    """Per-function timeout and memory of .chalice/config.json's stage (the app's own
    choice): the stack applies them to each function, keyed by Chalice function name."""
    raw = json.loads(path.read_text(encoding="utf-8"))
    stage = raw["stages"][CHALICE_STAGE]
    timeout = int(stage.get("lambda_timeout", raw.get("lambda_timeout", 60)))
    memory = int(stage.get("lambda_memory_size", raw.get("lambda_memory_size", 128)))
    settings = {"default": FunctionSettings(timeout, memory)}
    for name, values in stage.get("lambda_functions", {}).items():
        settings[name] = FunctionSettings(
            int(values.get("lambda_timeout", timeout)),
            int(values.get("lambda_memory_size", memory)),
        )
    return settings


def chalice_name(logical_id: str) -> str:
    """Chalice's function name behind a logical id (DetectAlerts → detect_alerts)."""
    name = ""
    for char in logical_id:
        name += f"_{char.lower()}" if char.isupper() and name else char.lower()
    return name


def settings_for(logical_id: str, settings: dict[str, FunctionSettings]) -> FunctionSettings:
    return settings.get(chalice_name(logical_id), settings["default"])


def method_settings(routes: dict[str, list[str]]) -> list[dict[str, Any]]:
    """The REST API stage's method settings: the consoles' throttling for every method
    (`/*`), then the public figures for each method of each path outside /console (a
    setting names one path and one method: `/communes/{slug}` is `/~1communes~1{slug}`)."""

    def setting(path: str, method: str, rate: int, burst: int) -> dict[str, Any]:
        return {
            "ResourcePath": path,
            "HttpMethod": method,
            "ThrottlingRateLimit": rate,
            "ThrottlingBurstLimit": burst,
            "MetricsEnabled": True,
            "LoggingLevel": "ERROR",
            "DataTraceEnabled": False,
        }

    settings = [setting("/*", "*", CONSOLE_RATE, CONSOLE_BURST)]
    for path, methods in sorted(routes.items()):
        if path == "/console" or path.startswith("/console/"):
            continue
        for method in sorted(methods):
            reads = method in ("GET", "HEAD", "OPTIONS")
            rate, burst = (
                (PUBLIC_READ_RATE, PUBLIC_READ_BURST)
                if reads
                else (PUBLIC_WRITE_RATE, PUBLIC_WRITE_BURST)
            )
            settings.append(setting(resource_path(path), method, rate, burst))
    return settings


def resource_path(path: str) -> str:
    """A path as method settings name it: `/communes/{slug}` → `/~1communes~1{slug}`."""
    return "/" if path == "/" else "/" + path.replace("/", "~1")


class ConcertoStack(Stack):
    def __init__(
        self,
        scope: Construct,
        spec: StackSpec,
        *,
        work_dir: Path,
        e5_layer_dir: Path | None,
        env: Environment | None = None,
    ) -> None:
        names = ", ".join(f"{c.name} ({c.insee})" for c in spec.communes)
        super().__init__(
            scope,
            spec.stack_name,
            env=env,
            description=f"Concerto: {names}",
            termination_protection=not spec.erasable,
        )
        self.spec = spec
        self.removal = RemovalPolicy.DESTROY if spec.erasable else RemovalPolicy.RETAIN
        Tags.of(self).add("concerto:stack", spec.key)
        Tags.of(self).add("concerto:communes", " ".join(c.insee for c in spec.communes))
        self.settings = chalice_settings()
        self.key = self._key()
        self.tables = {table.name: self._table(table) for table in resources.TABLES}
        self.dlqs: dict[str, sqs.Queue] = {}
        self.queues = {queue.name: self._queue(queue) for queue in resources.QUEUES}
        self.inbound_email_dlq = self._dlq("inbound-email-dlq")
        nag.acknowledge(
            self.inbound_email_dlq,
            "AwsSolutions-SQS3",
            "This is a dead-letter queue: inbound_email's (an S3-triggered, asynchronous "
            "function), named in the function's DeadLetterQueue rather than a redrive policy.",
        )
        self.access_logs = self._access_logs_bucket()
        self.bucket_names: dict[str, str] = {}
        self.buckets = {bucket.name: self._bucket(bucket) for bucket in resources.BUCKETS}
        self.user_pool, self.client = self._user_pool()
        self.seal_key = self._seal_key()
        self.previous_seal_key = self._seal_key(previous=True)
        self.origin_secret = self._origin_secret()
        self.configuration_set = self._mail_configuration_set()
        self.app = ConcertoChalice(
            self,
            "App",
            stage_config=self._stage_config(),
            function_prefix=spec.prefix,
            work_dir=work_dir / f"chalice-{spec.key}",
        )
        self.websocket_api = self.app.get_resource("WebsocketAPI")
        self.rest_api = self.app.get_resource("RestAPI")
        self.site = Site(self, "Site", self)
        self.log_groups: dict[str, logs.LogGroup] = {}
        self._functions(e5_layer_dir)
        self._rest_api()
        self._websocket_api()
        self._mail()
        self._alarms()
        self._outputs()

    # -- helpers -------------------------------------------------------------------------

    def physical(self, name: str) -> str:
        return f"{self.spec.prefix}-{name}"

    def log_group(self, construct_id: str, name: str) -> logs.LogGroup:
        """Every log group of the stack: retention set, encrypted with the stack's key."""
        return logs.LogGroup(
            self,
            construct_id,
            log_group_name=f"/concerto/{self.spec.key}/{name}",
            retention=_RETENTION[self.spec.log_retention_days],
            encryption_key=self.key,
            removal_policy=RemovalPolicy.DESTROY,
        )

    # -- data ----------------------------------------------------------------------------

    def _key(self) -> kms.Key:
        key = kms.Key(
            self,
            "Key",
            alias=f"alias/{self.spec.prefix}",
            description=f"Concerto {self.spec.key}: tables, queues, buckets, logs, secrets",
            enable_key_rotation=True,
            removal_policy=self.removal,
            pending_window=Duration.days(30),
        )
        key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="CloudWatchLogs",
                principals=[iam.ServicePrincipal(f"logs.{Aws.REGION}.amazonaws.com")],
                actions=[
                    "kms:Decrypt*",
                    "kms:Describe*",
                    "kms:Encrypt*",
                    "kms:GenerateDataKey*",
                    "kms:ReEncrypt*",
                ],
                resources=["*"],
                conditions={
                    "ArnLike": {
                        "kms:EncryptionContext:aws:logs:arn": (
                            f"arn:{Aws.PARTITION}:logs:{Aws.REGION}:{Aws.ACCOUNT_ID}:"
                            f"log-group:/concerto/{self.spec.key}/*"
                        )
                    }
                },
            )
        )
        # CloudWatch alarms publish to the stack's encrypted SNS topic.
        key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="CloudWatchAlarms",
                principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
                actions=["kms:Decrypt", "kms:GenerateDataKey*"],
                resources=["*"],
                conditions={"StringEquals": {"aws:SourceAccount": Aws.ACCOUNT_ID}},
            )
        )
        return key

    def _table(self, declared: resources.Table) -> dynamodb.Table:
        def attribute(name: str | None) -> dynamodb.Attribute | None:
            return (
                dynamodb.Attribute(name=name, type=dynamodb.AttributeType.STRING) if name else None
            )

        table = dynamodb.Table(
            self,
            f"Table{declared.name.title()}",
            table_name=self.physical(declared.name),
            partition_key=dynamodb.Attribute(
                name=declared.partition_key, type=dynamodb.AttributeType.STRING
            ),
            sort_key=attribute(declared.sort_key),
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            encryption=dynamodb.TableEncryption.CUSTOMER_MANAGED,
            encryption_key=self.key,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            time_to_live_attribute=declared.ttl_attribute,
            deletion_protection=not self.spec.erasable,
            removal_policy=self.removal,
        )
        for index in declared.indexes:
            table.add_global_secondary_index(
                index_name=index.name,
                partition_key=dynamodb.Attribute(
                    name=index.partition_key, type=dynamodb.AttributeType.STRING
                ),
                sort_key=attribute(index.sort_key),
                projection_type=dynamodb.ProjectionType.ALL,
            )
        return table

    def _dlq(self, name: str) -> sqs.Queue:
        queue = sqs.Queue(
            self,
            f"Queue{name.title().replace('-', '')}",
            queue_name=self.physical(name),
            encryption=sqs.QueueEncryption.KMS,
            encryption_master_key=self.key,
            enforce_ssl=True,
            retention_period=Duration.days(14),
        )
        self.dlqs[name] = queue
        return queue

    def _queue(self, declared: resources.Queue) -> sqs.Queue:
        consumer = next(
            logical for logical, queue in SQS_CONSUMERS.items() if queue == declared.name
        )
        timeout = settings_for(consumer, self.settings).timeout
        if declared.consumer_timeout_seconds != timeout:
            raise ValueError(
                f"queue {declared.name}: resources.py says its consumer times out after "
                f"{declared.consumer_timeout_seconds} s, .chalice/config.json {timeout} s"
            )
        dlq = self._dlq(declared.dlq_name)
        return sqs.Queue(
            self,
            f"Queue{declared.name.title()}",
            queue_name=self.physical(declared.name),
            visibility_timeout=Duration.seconds(declared.visibility_timeout_seconds),
            dead_letter_queue=sqs.DeadLetterQueue(
                max_receive_count=declared.max_receive_count, queue=dlq
            ),
            encryption=sqs.QueueEncryption.KMS,
            encryption_master_key=self.key,
            enforce_ssl=True,
            retention_period=Duration.days(14),
        )

    def _access_logs_bucket(self) -> s3.Bucket:
        bucket = s3.Bucket(
            self,
            "AccessLogs",
            # Server access logs and CloudFront logs: SSE-KMS is not supported there.
            encryption=s3.BucketEncryption.S3_MANAGED,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
            lifecycle_rules=[s3.LifecycleRule(id="expire", expiration=Duration.days(90))],
            removal_policy=self.removal,
        )
        nag.acknowledge(
            bucket,
            "AwsSolutions-S1",
            "This is the access-log bucket of the stack's buckets and of CloudFront: logging "
            "it into itself would loop.",
        )
        return bucket

    def _bucket(self, declared: resources.Bucket) -> s3.Bucket:
        # Named, so that the functions and policies can name it without depending on it
        # (the mail bucket's notification calls a function that reads the mail bucket).
        name = f"{self.spec.prefix}-{declared.name}-{Aws.ACCOUNT_ID}-{Aws.REGION}"
        self.bucket_names[declared.name] = name
        expire_days = declared.expire_days
        if declared in (resources.MAIL_BUCKET, resources.ATTACHMENTS_BUCKET):
            expire_days = self.spec.retention_days
        rules = [
            s3.LifecycleRule(
                id="multipart", abort_incomplete_multipart_upload_after=Duration.days(1)
            )
        ]
        if expire_days:
            rules.append(s3.LifecycleRule(id="retention", expiration=Duration.days(expire_days)))
        return s3.Bucket(
            self,
            f"Bucket{declared.name.title()}",
            bucket_name=name,
            encryption=s3.BucketEncryption.KMS,
            encryption_key=self.key,
            bucket_key_enabled=True,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            server_access_logs_bucket=self.access_logs,
            server_access_logs_prefix=f"s3/{declared.name}/",
            lifecycle_rules=rules,
            removal_policy=self.removal,
        )

    def bucket_arn(self, name: str) -> str:
        return f"arn:{Aws.PARTITION}:s3:::{self.bucket_names[name]}"

    # -- staff accounts and secrets ------------------------------------------------------

    def _user_pool(self) -> tuple[cognito.UserPool, cognito.UserPoolClient]:
        pool = cognito.UserPool(
            self,
            "StaffPool",
            user_pool_name=self.physical("staff"),
            self_sign_up_enabled=False,
            sign_in_aliases=cognito.SignInAliases(email=True),
            sign_in_case_sensitive=False,
            auto_verify=cognito.AutoVerifiedAttrs(email=True),
            standard_attributes=cognito.StandardAttributes(
                email=cognito.StandardAttribute(required=True, mutable=True)
            ),
            custom_attributes={
                resources.COMMUNE_CLAIM.removeprefix("custom:"): cognito.StringAttribute(
                    min_len=5, max_len=5, mutable=False
                )
            },
            # The same policy as the local runtime's pool (local/provision.py).
            password_policy=cognito.PasswordPolicy(
                min_length=int(PASSWORD_POLICY["MinimumLength"]),
                require_uppercase=bool(PASSWORD_POLICY["RequireUppercase"]),
                require_lowercase=bool(PASSWORD_POLICY["RequireLowercase"]),
                require_digits=bool(PASSWORD_POLICY["RequireNumbers"]),
                require_symbols=bool(PASSWORD_POLICY["RequireSymbols"]),
                temp_password_validity=Duration.days(3),
            ),
            # MFA is per pool in Cognito: OPTIONAL here, TOTP only. Admins are held to it by
            # the API: admin actions answer 403 mfa_required until the account has TOTP
            # set up (services/staff_access.py), which Cognito then asks at every sign-in.
            mfa=cognito.Mfa.OPTIONAL,
            mfa_second_factor=cognito.MfaSecondFactor(otp=True, sms=False),
            account_recovery=cognito.AccountRecovery.EMAIL_ONLY,
            feature_plan=cognito.FeaturePlan.PLUS,
            standard_threat_protection_mode=cognito.StandardThreatProtectionMode.FULL_FUNCTION,
            deletion_protection=not self.spec.erasable,
            removal_policy=self.removal,
            user_invitation=cognito.UserInvitationConfig(
                email_subject="Votre compte Concerto",
                email_body=(
                    "Bonjour, votre compte Concerto a été créé. Identifiant : {username} — "
                    "mot de passe provisoire : {####} (à changer à la première connexion)."
                ),
            ),
        )
        nag.acknowledge(
            pool,
            "AwsSolutions-COG2",
            "Cognito sets MFA per pool: OPTIONAL (TOTP) so that agents and viewers may use "
            "it; admins are held to it by the API, which refuses admin actions (403 "
            "mfa_required) until the account has TOTP set up; Cognito then requires the "
            "code at each of its sign-ins (docs/operations.md).",
        )
        for precedence, group in enumerate(resources.STAFF_GROUPS):
            cognito.CfnUserPoolGroup(
                self,
                f"Group{group.title()}",
                user_pool_id=pool.user_pool_id,
                group_name=group,
                precedence=precedence,
                description=f"Concerto {group}",
            )
        commune = resources.COMMUNE_CLAIM.removeprefix("custom:")
        client = pool.add_client(
            "Console",
            user_pool_client_name=self.physical("console"),
            generate_secret=False,
            # The console signs in with USER_PASSWORD_AUTH and refreshes (no hosted UI).
            auth_flows=cognito.AuthFlow(user_password=True),
            disable_o_auth=True,
            prevent_user_existence_errors=True,
            enable_token_revocation=True,
            id_token_validity=Duration.minutes(60),
            access_token_validity=Duration.minutes(60),
            refresh_token_validity=Duration.hours(10),
            read_attributes=cognito.ClientAttributes()
            .with_standard_attributes(email=True, email_verified=True, fullname=True)
            .with_custom_attributes(commune),
            write_attributes=cognito.ClientAttributes().with_standard_attributes(fullname=True),
        )
        return pool, client

    def _seal_key(self, previous: bool = False) -> secretsmanager.Secret:
        """The seal key, or the one being rotated out (still unsealing what it sealed):
        a rotation copies the current value to `seal-key-previous` and draws a new one.
        Until the first rotation the previous key is a random key that sealed nothing."""
        name = "seal-key-previous" if previous else "seal-key"
        variable = "CONCERTO_SEAL_KEY_PREVIOUS" if previous else "CONCERTO_SEAL_KEY"
        secret = secretsmanager.Secret(
            self,
            "SealKeyPrevious" if previous else "SealKey",
            secret_name=f"{self.spec.prefix}/{name}",
            description=(
                f"{variable} without its final '=': a Fernet key (32 random bytes, "
                "url-safe base64) sealing follow-up tokens at rest"
            ),
            encryption_key=self.key,
            generate_secret_string=secretsmanager.SecretStringGenerator(
                password_length=FERNET_KEY_CHARS,
                exclude_characters=_NOT_URLSAFE,
                include_space=False,
                require_each_included_type=False,
            ),
            removal_policy=self.removal,
        )
        nag.acknowledge(
            secret,
            "AwsSolutions-SMG4",
            "A new seal key makes every sealed follow-up token unreadable: it is rotated by "
            "hand, with a redeploy (docs/operations.md), not on a schedule.",
        )
        return secret

    def _origin_secret(self) -> secretsmanager.Secret:
        """What CloudFront sends the API to prove it is CloudFront (ADR 11): a secret of
        its own (not derived from the seal key: CloudFront's configuration shows it)."""
        secret = secretsmanager.Secret(
            self,
            "OriginSecret",
            secret_name=self.origin_secret_name,
            description=(
                "CloudFront's X-Origin-Verify header to the API: requests without it are "
                "refused (CONCERTO_ORIGIN_SECRET_ID names this secret)"
            ),
            encryption_key=self.key,
            generate_secret_string=secretsmanager.SecretStringGenerator(
                password_length=ORIGIN_SECRET_CHARS,
                exclude_punctuation=True,
                include_space=False,
            ),
            removal_policy=self.removal,
        )
        nag.acknowledge(
            secret,
            "AwsSolutions-SMG4",
            "Rotated by hand with a redeploy (docs/operations.md): CloudFront reads the value "
            "at deploy time only, and the app accepts the previous value meanwhile.",
        )
        return secret

    @property
    def origin_secret_name(self) -> str:
        return f"{self.spec.prefix}/origin-secret"

    def origin_secret_reference(self) -> str:
        """The origin secret's value, resolved by CloudFormation at deploy time."""
        return self.origin_secret.secret_value.unsafe_unwrap()

    def seal_key_reference(self, previous: bool = False) -> str:
        """CONCERTO_SEAL_KEY (or _PREVIOUS): resolved by CloudFormation at deploy time (never
        in the template), with the padding '=' Secrets Manager cannot generate."""
        secret = self.previous_seal_key if previous else self.seal_key
        return f"{secret.secret_value.unsafe_unwrap()}="

    def _mail_configuration_set(self) -> ses.ConfigurationSet:
        configuration_set = ses.ConfigurationSet(
            self,
            "MailConfigurationSet",
            configuration_set_name=self.spec.prefix,
            reputation_metrics=True,
            sending_enabled=True,
        )
        configuration_set.add_event_destination(
            "CloudWatch",
            destination=ses.EventDestination.cloud_watch_dimensions(
                [
                    ses.CloudWatchDimension(
                        name="stack",
                        source=ses.CloudWatchDimensionSource.MESSAGE_TAG,
                        default_value=self.spec.key,
                    )
                ]
            ),
            events=[
                ses.EmailSendingEvent.SEND,
                ses.EmailSendingEvent.BOUNCE,
                ses.EmailSendingEvent.COMPLAINT,
                ses.EmailSendingEvent.REJECT,
            ],
        )
        return configuration_set

    # -- the app -------------------------------------------------------------------------

    def _stage_config(self) -> dict[str, Any]:
        return {
            "api_gateway_stage": API_STAGE,
            "api_gateway_endpoint_type": "REGIONAL",
            "manage_iam_role": False,
            "iam_role_arn": PLACEHOLDER_ROLE,
            "xray": True,
            "automatic_layer": False,
        }

    def app_environment(self) -> dict[str, str]:
        """Every variable chalicelib/config.py reads, for every function."""
        site_url = f"https://{self.site.distribution.distribution_domain_name}"
        websocket = f"{self.websocket_api.ref}.execute-api.{Aws.REGION}.{Aws.URL_SUFFIX}"
        env = {
            "POWERTOOLS_SERVICE_NAME": self.spec.prefix,
            "POWERTOOLS_METRICS_NAMESPACE": METRICS_NAMESPACE,
            "CONCERTO_COMPREHEND": "on" if self.spec.comprehend else "off",
            "CONCERTO_BEDROCK": "on" if self.spec.bedrock else "off",
            # The model the API's policy grants (permissions.BEDROCK_MODEL), in the stack's
            # region: Claude 3 Haiku is offered on demand in eu-west-1.
            "CONCERTO_BEDROCK_MODEL": permissions.BEDROCK_MODEL,
            "CONCERTO_BEDROCK_REGION": Aws.REGION,
            "CONCERTO_USER_POOL_ID": self.user_pool.user_pool_id,
            "CONCERTO_USER_POOL_CLIENT_ID": self.client.user_pool_client_id,
            "CONCERTO_MAIL_DOMAIN": self.spec.mail_domain,
            "CONCERTO_MAIL_FROM": f"Concerto <ne-pas-repondre@{self.spec.mail_domain}>",
            "CONCERTO_SES_CONFIGURATION_SET": self.spec.prefix,
            "CONCERTO_SITE_URL": site_url,
            "CONCERTO_API_URL": f"{site_url}/api",
            "CONCERTO_CONSOLE_ORIGINS": site_url,
            # The API answers CloudFront only (its origin secret) and keys per-address
            # limits on CloudFront-Viewer-Address; X-Forwarded-For is never trusted.
            "CONCERTO_ORIGIN_SECRET_ID": self.origin_secret_name,
            "CONCERTO_TRUSTED_PROXY_HOPS": "0",
            "CONCERTO_REALTIME_URL": f"wss://{websocket}/{API_STAGE}",
            "CONCERTO_REALTIME_MANAGEMENT_URL": f"https://{websocket}/{API_STAGE}",
            "CONCERTO_SEAL_KEY": self.seal_key_reference(),
            "CONCERTO_SEAL_KEY_PREVIOUS": self.seal_key_reference(previous=True),
        }
        for declared in resources.TABLES:
            env[declared.env_var] = self.physical(declared.name)
        for declared_queue in resources.QUEUES:
            env[declared_queue.env_var] = self.queues[declared_queue.name].queue_url
        for declared_bucket in resources.BUCKETS:
            env[declared_bucket.env_var] = self.bucket_names[declared_bucket.name]
        return env

    def _functions(self, e5_layer_dir: Path | None) -> None:
        layer = None
        if e5_layer_dir is not None:
            layer = lambda_.LayerVersion(
                self,
                "E5Layer",
                layer_version_name=self.physical("e5"),
                description=f"The local model's e5 head ({e5_layer.PACKAGE})",
                code=lambda_.Code.from_asset(str(e5_layer_dir), exclude=[".built"]),
                compatible_runtimes=[lambda_.Runtime.PYTHON_3_11, lambda_.Runtime.PYTHON_3_12],
                removal_policy=RemovalPolicy.DESTROY,
            )
        grants = permissions.Grants(
            tables=self.tables,
            queues=self.queues,
            inbound_email_dlq=self.inbound_email_dlq,
            bucket_arns={name: self.bucket_arn(name) for name in self.bucket_names},
            key=self.key,
            user_pool_arn=self.user_pool.user_pool_arn,
            websocket_api_id=self.websocket_api.ref,
            ses_identity_arn=(
                f"arn:{Aws.PARTITION}:ses:{Aws.REGION}:{Aws.ACCOUNT_ID}:"
                f"identity/{self.spec.mail_domain}"
            ),
            ses_configuration_set_arn=(
                f"arn:{Aws.PARTITION}:ses:{Aws.REGION}:{Aws.ACCOUNT_ID}:"
                f"configuration-set/{self.spec.prefix}"
            ),
            comprehend=self.spec.comprehend,
            bedrock=self.spec.bedrock,
            origin_secret_arn=self.origin_secret.secret_arn,
        )
        env = self.app_environment()
        for logical_id in self.app.function_ids:
            self._function(logical_id, grants, env, layer)

    def _function(
        self,
        logical_id: str,
        grants: permissions.Grants,
        env: dict[str, str],
        layer: lambda_.LayerVersion | None,
    ) -> None:
        name = self.app.function_name(logical_id)
        log_group = self.log_group(f"{logical_id}Logs", f"lambda/{name}")
        self.log_groups[logical_id] = log_group
        grants.log_group_arn[logical_id] = log_group.log_group_arn
        role = iam.Role(
            self,
            f"{logical_id}Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"Concerto {self.spec.key}: the {name} function",
        )
        policy_spec = permissions.policy_for(logical_id, grants)
        policy = iam.Policy(self, f"{logical_id}Policy", statements=policy_spec.statements)
        policy.attach_to_role(role)
        reasons: dict[str, list[str]] = {}
        for resource, reason in policy_spec.wildcards:
            finding = nag.wildcard_finding(self, resource)
            if "*" in finding:  # cdk-nag sees a log group's ARN as <Id.Arn>, no wildcard
                reasons.setdefault(finding, []).append(reason)
        for finding, why in reasons.items():
            nag.acknowledge(policy, finding, " ".join(dict.fromkeys(why)))

        function = self.app.get_resource(logical_id)
        settings = settings_for(logical_id, self.settings)
        properties: dict[str, Any] = {
            "Role": role.role_arn,
            "Timeout": settings.timeout,
            "MemorySize": settings.memory,
            "Tracing": "Active",
            "KmsKeyArn": self.key.key_arn,
            "LoggingConfig": {"LogGroup": log_group.log_group_name},
            "Environment": {"Variables": env},
        }
        if layer is not None and logical_id in e5_layer.FUNCTIONS:
            properties["Layers"] = [layer.layer_version_arn]
        if logical_id == "InboundEmail":
            # A failing e-mail event is retried twice by Lambda, then kept here for replay.
            properties["DeadLetterQueue"] = {
                "Type": "SQS",
                "TargetArn": self.inbound_email_dlq.queue_arn,
            }
        if logical_id in SQS_CONSUMERS:
            queue = self.queues[SQS_CONSUMERS[logical_id]]
            source = f"Events.{logical_id}SqsEventSource.Properties"
            function.add_override(f"Properties.{source}.Queue", queue.queue_arn)
            function.add_override(
                f"Properties.{source}.FunctionResponseTypes", ["ReportBatchItemFailures"]
            )
        for key, value in properties.items():
            function.add_override(f"Properties.{key}", value)
        # The event source mappings check the role's SQS permissions when they are created.
        function.add_resource_dependency(policy.node.default_child)
        function.add_resource_dependency(log_group.node.default_child)

    def _rest_api(self) -> None:
        access = self.log_group("RestApiAccessLogs", "api-access")
        fields = (
            "requestId",
            "extendedRequestId",
            "requestTime",
            "httpMethod",
            "resourcePath",
            "status",
            "responseLatency",
            "integrationErrorMessage",
        )
        log_format = json.dumps({name: f"$context.{name}" for name in fields})
        api = self.rest_api
        api.add_override("Properties.Name", self.physical("api"))
        api.add_override("Properties.TracingEnabled", True)
        api.add_override(
            "Properties.AccessLogSetting",
            {"DestinationArn": access.log_group_arn, "Format": log_format},
        )
        api.add_override("Properties.MethodSettings", method_settings(self.app.api_routes))

    def _websocket_api(self) -> None:
        access = self.log_group("WebsocketAccessLogs", "websocket-access")
        stage = self.app.get_resource("WebsocketAPIStage")
        assert isinstance(stage, apigatewayv2.CfnStage)
        stage.access_log_settings = apigatewayv2.CfnStage.AccessLogSettingsProperty(
            destination_arn=access.log_group_arn,
            format=json.dumps(
                {
                    "requestId": "$context.requestId",
                    "eventType": "$context.eventType",
                    "routeKey": "$context.routeKey",
                    "status": "$context.status",
                    "connectionId": "$context.connectionId",
                }
            ),
        )
        stage.default_route_settings = apigatewayv2.CfnStage.RouteSettingsProperty(
            throttling_rate_limit=WS_RATE,
            throttling_burst_limit=WS_BURST,
            logging_level="ERROR",
            data_trace_enabled=False,
        )
        api = self.websocket_api
        assert isinstance(api, CfnResource)
        api.add_property_override("Name", self.physical("realtime"))
        for route in ("WebsocketConnectRoute", "WebsocketMessageRoute", "WebsocketDisconnectRoute"):
            nag.acknowledge(
                self.app.get_resource(route),
                "AwsSolutions-APIG4",
                "The console's WebSocket: $connect checks the Cognito ID token (?token=) and "
                "the Origin in the app (chalicelib/api/realtime.py) and refuses the connection "
                "otherwise; messages and disconnects only follow an accepted connection.",
            )

    def _mail(self) -> None:
        """SES receiving → the mail bucket under inbound/ → its event → inbound_email."""
        mail_bucket = self.buckets["mail"]
        mail_arn = self.bucket_arn("mail")
        function_name = self.app.function_name("InboundEmail")
        function_arn = (
            f"arn:{Aws.PARTITION}:lambda:{Aws.REGION}:{Aws.ACCOUNT_ID}:function:{function_name}"
        )
        permission = lambda_.CfnPermission(
            self,
            "MailBucketInvokesInboundEmail",
            action="lambda:InvokeFunction",
            function_name=function_name,
            principal="s3.amazonaws.com",
            source_account=Aws.ACCOUNT_ID,
            source_arn=mail_arn,
        )
        permission.add_resource_dependency(self.app.get_resource("InboundEmail"))
        cfn_bucket = mail_bucket.node.default_child
        assert isinstance(cfn_bucket, s3.CfnBucket)
        cfn_bucket.notification_configuration = s3.CfnBucket.NotificationConfigurationProperty(
            lambda_configurations=[
                s3.CfnBucket.LambdaConfigurationProperty(
                    event="s3:ObjectCreated:*",
                    function=function_arn,
                    filter=s3.CfnBucket.NotificationFilterProperty(
                        s3_key=s3.CfnBucket.S3KeyFilterProperty(
                            rules=[
                                s3.CfnBucket.FilterRuleProperty(name="prefix", value=MAIL_PREFIX)
                            ]
                        )
                    ),
                )
            ]
        )
        cfn_bucket.add_resource_dependency(permission)

        rule_name = self.physical("inbound")
        rule_arn = (
            f"arn:{Aws.PARTITION}:ses:{Aws.REGION}:{Aws.ACCOUNT_ID}:"
            f"receipt-rule-set/{RECEIPT_RULE_SET}:receipt-rule/{rule_name}"
        )
        ses_role = iam.Role(
            self,
            "MailReceivingRole",
            description="SES receiving writes the communes' e-mails into the mail bucket",
            assumed_by=iam.ServicePrincipal(
                "ses.amazonaws.com",
                conditions={
                    "StringEquals": {
                        "aws:SourceAccount": Aws.ACCOUNT_ID,
                        "aws:SourceArn": rule_arn,
                    }
                },
            ),
        )
        objects = f"{mail_arn}/{MAIL_PREFIX}*"
        ses_policy = iam.Policy(
            self,
            "MailReceivingPolicy",
            statements=[
                iam.PolicyStatement(actions=["s3:PutObject"], resources=[objects]),
                # The bucket is encrypted with the stack's key (SSE-KMS by default).
                iam.PolicyStatement(
                    actions=["kms:GenerateDataKey", "kms:Decrypt"],
                    resources=[self.key.key_arn],
                ),
            ],
        )
        ses_policy.attach_to_role(ses_role)
        nag.acknowledge(
            ses_policy,
            nag.wildcard_finding(self, objects),
            "SES writes each received e-mail as a new object under inbound/ of this stack's "
            "mail bucket: object names are SES message ids.",
        )
        rule = ses.CfnReceiptRule(
            self,
            "MailReceiptRule",
            rule_set_name=RECEIPT_RULE_SET,
            rule=ses.CfnReceiptRule.RuleProperty(
                name=rule_name,
                enabled=True,
                scan_enabled=True,
                # Opportunistic TLS: a citizen's small mail provider may not offer it, and
                # their e-mail must not bounce.
                tls_policy="Optional",
                # `<slug>@<domain>` also matches the thread reply addresses `<slug>+…@`.
                recipients=[commune.address for commune in self.spec.communes],
                actions=[
                    ses.CfnReceiptRule.ActionProperty(
                        s3_action=ses.CfnReceiptRule.S3ActionProperty(
                            bucket_name=self.bucket_names["mail"],
                            object_key_prefix=MAIL_PREFIX,
                            iam_role_arn=ses_role.role_arn,
                        )
                    )
                ],
            ),
        )
        rule.add_resource_dependency(cfn_bucket)
        rule.add_resource_dependency(ses_policy.node.default_child)  # type: ignore[arg-type]

    # -- alarms and outputs --------------------------------------------------------------

    def _alarms(self) -> None:
        topic = sns.Topic(
            self,
            "Alarms",
            topic_name=self.physical("alarms"),
            master_key=self.key,
            enforce_ssl=True,
        )
        if self.spec.alarm_email:
            topic.add_subscription(subscriptions.EmailSubscription(self.spec.alarm_email))
        action = cloudwatch_actions.SnsAction(topic)
        self.alarms: list[cloudwatch.Alarm] = []

        def alarm(
            construct_id: str, metric: cloudwatch.IMetric, threshold: float, what: str
        ) -> None:
            created = cloudwatch.Alarm(
                self,
                construct_id,
                alarm_name=f"{self.spec.prefix} {what}",
                metric=metric,
                threshold=threshold,
                evaluation_periods=1,
                comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
                treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            )
            created.add_alarm_action(action)
            self.alarms.append(created)

        five_minutes = Duration.minutes(5)
        for name, dlq in self.dlqs.items():
            alarm(
                f"Alarm{dlq.node.id}",
                dlq.metric_approximate_number_of_messages_visible(
                    period=five_minutes, statistic="Maximum"
                ),
                1,
                f"{name}: messages in the dead-letter queue",
            )
        alarm(
            "AlarmApi5xx",
            cloudwatch.Metric(
                namespace="AWS/ApiGateway",
                metric_name="5XXError",
                dimensions_map={"ApiName": self.physical("api"), "Stage": API_STAGE},
                statistic="Sum",
                period=five_minutes,
            ),
            1,
            "API 5xx",
        )
        for logical_id in WORKERS:
            alarm(
                f"Alarm{logical_id}Errors",
                cloudwatch.Metric(
                    namespace="AWS/Lambda",
                    metric_name="Errors",
                    dimensions_map={"FunctionName": self.app.function_name(logical_id)},
                    statistic="Sum",
                    period=five_minutes,
                ),
                1,
                f"{self.app.function_name(logical_id)} errors",
            )

        def counted(name: str) -> cloudwatch.Metric:
            return cloudwatch.Metric(
                namespace=METRICS_NAMESPACE,
                metric_name=name,
                dimensions_map={"service": self.spec.prefix},
                statistic="Sum",
                period=Duration.minutes(15),
            )

        if self.spec.bedrock:
            # Summaries Bedrock should have written but the extractive engine did (outages,
            # refusals, answers citing unknown opinions; opt-outs are not counted): above
            # half of at least 10, the model or its access is failing us.
            alarm(
                "AlarmBedrockFallbacks",
                cloudwatch.MathExpression(
                    expression=(
                        "IF(written + fallbacks >= 10, fallbacks / (written + fallbacks), 0)"
                    ),
                    using_metrics={
                        "fallbacks": counted(BEDROCK_FALLBACKS),
                        "written": counted(BEDROCK_SUMMARIES),
                    },
                    period=Duration.minutes(15),
                    label="Bedrock fallback rate",
                ),
                0.5,
                "Bedrock fallback rate",
            )
        if self.spec.comprehend:
            # The share of texts Comprehend should have read but the local model did (the
            # analysis worker emits both counts, EMF); above 20 % Comprehend is failing us.
            alarm(
                "AlarmComprehendFallbacks",
                cloudwatch.MathExpression(
                    expression=(
                        "IF(analysed + fallbacks >= 20, fallbacks / (analysed + fallbacks), 0)"
                    ),
                    using_metrics={
                        "fallbacks": counted(COMPREHEND_FALLBACKS),
                        "analysed": counted(COMPREHEND_ANALYSED),
                    },
                    period=Duration.minutes(15),
                    label="Comprehend fallback rate",
                ),
                0.2,
                "Comprehend fallback rate",
            )
        alarm(
            "AlarmMailBounces",
            cloudwatch.Metric(
                namespace="AWS/SES",
                metric_name="Bounce",
                dimensions_map={"stack": self.spec.key},
                statistic="Sum",
                period=Duration.hours(1),
            ),
            3,
            "SES bounces",
        )

    def _outputs(self) -> None:
        site_url = f"https://{self.site.distribution.distribution_domain_name}"
        outputs = {
            "SiteUrl": site_url,
            "ApiUrl": f"{site_url}/api",
            "UserPoolId": self.user_pool.user_pool_id,
            "UserPoolClientId": self.client.user_pool_client_id,
            "CommunesTable": self.physical(resources.COMMUNES.name),
            "MailAddresses": " ".join(c.address for c in self.spec.communes),
            "SealKeySecret": self.seal_key.secret_name,
        }
        for name, value in outputs.items():
            CfnOutput(self, name, value=value)
