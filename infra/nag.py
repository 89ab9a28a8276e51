"""cdk-nag (AwsSolutions) acknowledgements: every one names its finding and says why.

cdk-nag 3 uses CDK's `Validations`: a finding with several causes (IAM5's wildcards) is
acknowledged cause by cause (`AwsSolutions-IAM5[Resource::…]`), with the resource written
as cdk-nag flattens it (`${X}` → `<X>`, `Fn::GetAtt` → `<Id.Attr>`, `Ref` → `<Id>`).
"""

from __future__ import annotations

import json
from typing import Any

from aws_cdk import Acknowledgment, Stack, Validations
from constructs import IConstruct


def flatten(value: Any) -> str:
    """A Python port of cdk-nag's flattenCfnReference (utils/flatten-cfn-reference)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.replace("${", "<").replace("}", ">")
    if isinstance(value, dict):
        if "Fn::Join" in value:
            delimiter, items = value["Fn::Join"]
            return str(delimiter).join(flatten(item) for item in items)
        if "Fn::Sub" in value:
            return flatten(value["Fn::Sub"])
        if "Fn::GetAtt" in value:
            resource, attribute = value["Fn::GetAtt"]
            return f"<{flatten(resource)}.{flatten(attribute)}>"
        if "Fn::ImportValue" in value:
            return flatten(value["Fn::ImportValue"])
        if "Ref" in value:
            return f"<{flatten(value['Ref'])}>"
    return json.dumps(value, separators=(",", ":"))


def wildcard_finding(scope: IConstruct, resource: str) -> str:
    """The IAM5 finding id of a policy resource (an ARN that may hold tokens)."""
    return f"AwsSolutions-IAM5[Resource::{flatten(Stack.of(scope).resolve(resource))}]"


def acknowledge(scope: IConstruct, rule: str, reason: str) -> None:
    if not reason.strip():
        raise ValueError(f"{rule}: an acknowledgement needs a reason")
    Validations.of(scope).acknowledge(Acknowledgment(id=rule, reason=reason))


def acknowledge_policy_wildcards(policy: IConstruct, reason: str) -> list[str]:
    """Acknowledges every wildcard (action or resource) of an IAM policy that a library
    construct wrote (its statements are not ours to narrow); returns the finding ids."""
    document = Stack.of(policy).resolve(policy.policy_document)  # type: ignore[attr-defined]
    findings: list[str] = []
    for statement in document.get("Statement", []):
        if statement.get("Effect") != "Allow":
            continue
        actions = statement.get("Action", [])
        resources = statement.get("Resource", [])
        for action in actions if isinstance(actions, list) else [actions]:
            if "*" in action:
                findings.append(f"AwsSolutions-IAM5[Action::{action}]")
        for resource in resources if isinstance(resources, list) else [resources]:
            flat = flatten(resource)
            if "*" in flat:
                findings.append(f"AwsSolutions-IAM5[Resource::{flat}]")
    for finding in dict.fromkeys(findings):
        acknowledge(policy, finding, reason)
    return findings
