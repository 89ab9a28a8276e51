"""What every commune stack of a region shares, deployed once per account and region:
the SES receipt rule set (one is active per region), the SES identities of the mail
domains, and API Gateway's CloudWatch role (needed for the APIs' access logs)."""

from __future__ import annotations

from aws_cdk import CfnOutput, Environment, Stack
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_iam as iam
from aws_cdk import aws_ses as ses
from constructs import Construct

from infra import nag
from infra.stack import RECEIPT_RULE_SET


def shared_stack_name(region: str) -> str:
    return f"Concerto-shared-{region}"


class SharedStack(Stack):
    def __init__(
        self,
        scope: Construct,
        region: str,
        mail_domains: tuple[str, ...],
        env: Environment | None = None,
    ) -> None:
        super().__init__(
            scope,
            shared_stack_name(region),
            env=env,
            description="Concerto: SES receiving and identities, API Gateway logging role",
            termination_protection=True,
        )
        rule_set = ses.ReceiptRuleSet(
            self, "ReceiptRuleSet", receipt_rule_set_name=RECEIPT_RULE_SET
        )
        CfnOutput(
            self,
            "ActivateReceiptRuleSet",
            value=(
                "aws ses set-active-receipt-rule-set --rule-set-name "
                f"{rule_set.receipt_rule_set_name} --region {region}"
            ),
        )
        for index, domain in enumerate(mail_domains):
            identity = ses.EmailIdentity(
                self, f"Domain{index}", identity=ses.Identity.domain(domain)
            )
            for n, (name, value) in enumerate(
                (
                    (identity.dkim_dns_token_name1, identity.dkim_dns_token_value1),
                    (identity.dkim_dns_token_name2, identity.dkim_dns_token_value2),
                    (identity.dkim_dns_token_name3, identity.dkim_dns_token_value3),
                ),
                start=1,
            ):
                CfnOutput(self, f"Domain{index}Dkim{n}", value=f"{name} CNAME {value}")
            CfnOutput(
                self,
                f"Domain{index}Mx",
                value=f"{domain} MX 10 inbound-smtp.{region}.amazonaws.com",
            )
        role = iam.Role(
            self,
            "ApiGatewayLogsRole",
            assumed_by=iam.ServicePrincipal("apigateway.amazonaws.com"),
            managed_policies=[
                iam.ManagedPolicy.from_aws_managed_policy_name(
                    "service-role/AmazonAPIGatewayPushToCloudWatchLogs"
                )
            ],
        )
        nag.acknowledge(
            role,
            "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
            "AmazonAPIGatewayPushToCloudWatchLogs]",
            "API Gateway's account-wide logging role: AWS maintains this policy for exactly "
            "this use (it names no resource of ours).",
        )
        account = apigateway.CfnAccount(
            self, "ApiGatewayAccount", cloud_watch_role_arn=role.role_arn
        )
        account.node.add_dependency(role)
