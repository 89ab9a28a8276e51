"""The optional AWS WAF web ACL of a commune stack (`"waf": true` in communes.json).

A web ACL for CloudFront (scope CLOUDFRONT) must be created in us-east-1, while the
commune's stack lives in its own region: the ACL is the whole of a small stack there,
`Concerto-<key>-waf`, which also writes the ACL's ARN into an SSM parameter of us-east-1.
The commune stack reads that parameter when it deploys (a custom resource that calls SSM
in us-east-1: CloudFormation cannot reference another region's outputs) and gives the ARN
to its distribution (`WebACLId`). The app deploys the WAF stack first (a dependency).
Costs are in docs/operations.md ("The optional WAF").
"""

from __future__ import annotations

import json

from aws_cdk import Aws, Environment, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from aws_cdk import aws_ssm as ssm
from aws_cdk import aws_wafv2 as wafv2
from aws_cdk import custom_resources as custom
from constructs import Construct

from infra import nag
from infra.config import StackSpec

WAF_REGION = "us-east-1"
# Requests one address may make in EVALUATION_SECONDS to the public API (and the forms'
# POSTs) before WAF answers 429 for the rest of the window. 600 per 5 minutes is 2 a
# second, sustained: a citizen's browsing makes a few calls per page (the cached ones
# count too: WAF sees requests before CloudFront's cache), a town hall's or a school's
# shared address stays far below, a script flooding the API is stopped within seconds.
# The consoles (/api/console/) are not counted: a whole town hall behind one address.
RATE_LIMIT = 600
EVALUATION_SECONDS = 300
RULE_NAME = "PublicApiPerAddress"
_REFUSAL = "rate-limited"


def waf_stack_name(spec: StackSpec) -> str:
    return f"{spec.stack_name}-waf"


def arn_parameter(spec: StackSpec) -> str:
    """The SSM parameter (in us-east-1) holding the stack's web ACL ARN."""
    return f"/concerto/{spec.key}/waf-web-acl-arn"


class WafStack(Stack):
    """The web ACL of one commune stack's distribution, in us-east-1."""

    def __init__(self, scope: Construct, spec: StackSpec, account: str | None) -> None:
        super().__init__(
            scope,
            waf_stack_name(spec),
            env=Environment(account=account, region=WAF_REGION),
            description=f"Concerto {spec.key}: the AWS WAF web ACL of its CloudFront",
        )
        self.web_acl = wafv2.CfnWebACL(
            self,
            "WebAcl",
            name=f"{spec.prefix}-edge",
            scope="CLOUDFRONT",
            default_action=wafv2.CfnWebACL.DefaultActionProperty(allow={}),
            visibility_config=_visibility(f"{spec.prefix}-edge"),
            custom_response_bodies={
                _REFUSAL: wafv2.CfnWebACL.CustomResponseBodyProperty(
                    content_type="APPLICATION_JSON",
                    content=json.dumps(
                        {
                            "error": {
                                "code": "rate_limited",
                                "message": "too many requests from this address: retry in a "
                                "few minutes",
                            }
                        }
                    ),
                )
            },
            rules=[_rate_rule()],
        )
        ssm.StringParameter(
            self,
            "WebAclArn",
            parameter_name=arn_parameter(spec),
            string_value=self.web_acl.attr_arn,
            description=f"Concerto {spec.key}: read by its stack to attach the web ACL",
        )


def _visibility(metric: str) -> wafv2.CfnWebACL.VisibilityConfigProperty:
    return wafv2.CfnWebACL.VisibilityConfigProperty(
        cloud_watch_metrics_enabled=True, metric_name=metric, sampled_requests_enabled=True
    )


def _starts_with(prefix: str) -> wafv2.CfnWebACL.StatementProperty:
    return wafv2.CfnWebACL.StatementProperty(
        byte_match_statement=wafv2.CfnWebACL.ByteMatchStatementProperty(
            field_to_match=wafv2.CfnWebACL.FieldToMatchProperty(uri_path={}),
            positional_constraint="STARTS_WITH",
            search_string=prefix,
            text_transformations=[
                wafv2.CfnWebACL.TextTransformationProperty(priority=0, type="NONE")
            ],
        )
    )


def _is_post() -> wafv2.CfnWebACL.StatementProperty:
    return wafv2.CfnWebACL.StatementProperty(
        byte_match_statement=wafv2.CfnWebACL.ByteMatchStatementProperty(
            field_to_match=wafv2.CfnWebACL.FieldToMatchProperty(method={}),
            positional_constraint="EXACTLY",
            search_string="POST",
            text_transformations=[
                wafv2.CfnWebACL.TextTransformationProperty(priority=0, type="NONE")
            ],
        )
    )


def _rate_rule() -> wafv2.CfnWebACL.RuleProperty:
    """Counted: the API but the consoles, and every POST (the no-JavaScript form posts to
    /{slug}/avis); per client address (CloudFront's viewer, IPv6 addresses one by one)."""
    counted = wafv2.CfnWebACL.StatementProperty(
        and_statement=wafv2.CfnWebACL.AndStatementProperty(
            statements=[
                wafv2.CfnWebACL.StatementProperty(
                    or_statement=wafv2.CfnWebACL.OrStatementProperty(
                        statements=[_starts_with("/api/"), _is_post()]
                    )
                ),
                wafv2.CfnWebACL.StatementProperty(
                    not_statement=wafv2.CfnWebACL.NotStatementProperty(
                        statement=_starts_with("/api/console/")
                    )
                ),
            ]
        )
    )
    return wafv2.CfnWebACL.RuleProperty(
        name=RULE_NAME,
        priority=0,
        action=wafv2.CfnWebACL.RuleActionProperty(
            block=wafv2.CfnWebACL.BlockActionProperty(
                custom_response=wafv2.CfnWebACL.CustomResponseProperty(
                    response_code=429, custom_response_body_key=_REFUSAL
                )
            )
        ),
        statement=wafv2.CfnWebACL.StatementProperty(
            rate_based_statement=wafv2.CfnWebACL.RateBasedStatementProperty(
                aggregate_key_type="IP",
                limit=RATE_LIMIT,
                evaluation_window_sec=EVALUATION_SECONDS,
                scope_down_statement=counted,
            )
        ),
        visibility_config=_visibility(RULE_NAME),
    )


def web_acl_arn(stack: Stack, spec: StackSpec, log_group: logs.ILogGroup) -> str:
    """The ARN of the stack's web ACL, read at deploy time from its SSM parameter in
    us-east-1 (a token for the distribution's WebACLId)."""
    parameter = arn_parameter(spec)
    parameter_arn = f"arn:{Aws.PARTITION}:ssm:{WAF_REGION}:{Aws.ACCOUNT_ID}:parameter{parameter}"
    reader = custom.AwsCustomResource(
        stack,
        "WafWebAclArn",
        on_update=custom.AwsSdkCall(
            service="SSM",
            action="getParameter",
            parameters={"Name": parameter},
            region=WAF_REGION,
            physical_resource_id=custom.PhysicalResourceId.of(parameter),
        ),
        policy=custom.AwsCustomResourcePolicy.from_statements(
            [
                iam.PolicyStatement(
                    actions=["ssm:GetParameter"],
                    resources=[parameter_arn],
                )
            ]
        ),
        install_latest_aws_sdk=False,
        log_group=log_group,
    )
    _acknowledge_reader(stack)
    return reader.get_response_field("Parameter.Value")


def _acknowledge_reader(stack: Stack) -> None:
    """aws-cdk-lib's AwsCustomResource runs one function per stack, whose runtime, role and
    managed logging policy the library writes."""
    singleton = "AWS" + custom.AwsCustomResource.PROVIDER_FUNCTION_UUID.replace("-", "")
    provider = stack.node.find_child(singleton)
    nag.acknowledge(
        provider,
        "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
        "AWSLambdaBasicExecutionRole]",
        "aws-cdk-lib's AwsCustomResource function (it reads the WAF web ACL's ARN from SSM "
        "in us-east-1 at deploy time) logs with the AWS managed basic execution policy.",
    )
    nag.acknowledge(
        provider,
        "AwsSolutions-L1",
        "aws-cdk-lib's AwsCustomResource function: its runtime is the one the library ships "
        "and tests with.",
    )
