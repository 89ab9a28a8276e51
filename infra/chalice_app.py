"""The Chalice app (API, workers, WebSocket handlers) as a CDK construct.

`chalice.cdk.Chalice` runs `chalice package` and includes its SAM template. Three things
are adjusted here, before the template is included:

- `chalice package` refuses apps with `@on_s3_event` (CloudFormation cannot add a
  notification to an existing bucket). The bucket is ours, so the stack wires the mail
  bucket's notification itself: the packager is told to skip that one resource.
- Every function gets a known name (`<prefix>-<function>`), so that log groups, alarms and
  IAM resources can name it, and the REST API's integrations point at that name instead of
  `${APIHandler.Arn}`: the API then does not depend on the function, and the API handler's
  environment can name the CloudFront distribution that sits in front of the API.
- `chalice.out/` goes to a work directory outside the repository (the construct writes it
  in the current directory).

With CONCERTO_CHALICE_NO_DEPS=1 (the infra tests), the app is packaged from a shadow copy
without requirements: nothing is downloaded and the template is the same.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from chalice import package as chalice_package
from chalice.cdk import Chalice
from constructs import Construct

REPO = Path(__file__).resolve().parent.parent
NO_DEPS_ENV = "CONCERTO_CHALICE_NO_DEPS"
API_HANDLER = "APIHandler"
# Placeholder for Chalice (manage_iam_role: false needs one); the stack overrides each
# function's Role with its own role's ARN.
PLACEHOLDER_ROLE = "arn:aws:iam::000000000000:role/set-by-the-stack"


def function_name(prefix: str, logical_id: str) -> str:
    """`concerto-biot-detect-alerts` for `DetectAlerts`, `concerto-biot-api` for the API."""
    if logical_id == API_HANDLER:
        return f"{prefix}-api"
    words = re.findall(r"[A-Z][a-z0-9]*", logical_id)
    return f"{prefix}-{'-'.join(word.lower() for word in words)}"


@contextlib.contextmanager
def _working_directory(path: Path) -> Iterator[None]:
    previous = Path.cwd()
    path.mkdir(parents=True, exist_ok=True)
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(previous)


@contextlib.contextmanager
def _s3_events_wired_by_the_stack() -> Iterator[None]:
    generator = chalice_package.SAMTemplateGenerator
    original = generator._generate_s3bucketnotification
    generator._generate_s3bucketnotification = lambda self, resource, template: None  # type: ignore[method-assign]
    try:
        yield
    finally:
        generator._generate_s3bucketnotification = original  # type: ignore[method-assign]


def shadow_project(work_dir: Path) -> Path:
    """A copy of the Chalice project without requirements (links to app.py, chalicelib/)."""
    project = work_dir / "chalice-project"
    if project.exists():
        shutil.rmtree(project)
    (project / ".chalice").mkdir(parents=True)
    shutil.copy(REPO / ".chalice" / "config.json", project / ".chalice" / "config.json")
    (project / "app.py").symlink_to(REPO / "app.py")
    (project / "chalicelib").symlink_to(REPO / "chalicelib", target_is_directory=True)
    (project / "requirements.txt").write_text("", encoding="utf-8")
    return project


class ConcertoChalice(Chalice):
    """`chalice.cdk.Chalice` with named functions and the S3 event left to the stack."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        stage_config: dict[str, Any],
        function_prefix: str,
        work_dir: Path,
    ) -> None:
        self._function_prefix = function_prefix
        source = shadow_project(work_dir) if os.environ.get(NO_DEPS_ENV) == "1" else REPO
        with _working_directory(work_dir), _s3_events_wired_by_the_stack():
            super().__init__(scope, construct_id, source_dir=str(source), stage_config=stage_config)

    def _generate_sam_template_with_assets(self, chalice_out_dir: str, package_id: str) -> str:
        path: str = super()._generate_sam_template_with_assets(chalice_out_dir, package_id)
        template = json.loads(Path(path).read_text(encoding="utf-8"))
        self._function_ids = rewrite_template(template, self._function_prefix)
        self._api_routes = api_routes(template)
        Path(path).write_text(json.dumps(template, indent=1), encoding="utf-8")
        return path

    @property
    def function_ids(self) -> list[str]:
        """Logical ids of the app's functions (APIHandler, Analysis, WebsocketConnect, …)."""
        return list(self._function_ids)

    def function_name(self, logical_id: str) -> str:
        return function_name(self._function_prefix, logical_id)

    @property
    def api_routes(self) -> dict[str, list[str]]:
        """The REST API's paths and their methods, as Chalice wrote them."""
        return dict(self._api_routes)


_HTTP_METHODS = ("DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT")


def api_routes(template: dict[str, Any]) -> dict[str, list[str]]:
    """{path: [METHOD, …]} of the REST API's OpenAPI definition in the SAM template."""
    api = template["Resources"].get("RestAPI")
    if api is None:
        return {}
    paths = api["Properties"]["DefinitionBody"]["paths"]
    return {
        path: sorted(m.upper() for m in operations if m.upper() in _HTTP_METHODS)
        for path, operations in paths.items()
    }


def rewrite_template(template: dict[str, Any], prefix: str) -> list[str]:
    """Names the functions and points the REST API at the API handler's name; returns the
    functions' logical ids."""
    resources = template["Resources"]
    functions = [
        logical_id
        for logical_id, resource in resources.items()
        if resource["Type"] == "AWS::Serverless::Function"
    ]
    for logical_id in functions:
        resources[logical_id]["Properties"]["FunctionName"] = function_name(prefix, logical_id)
    handler_arn = (
        "arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:"
        + function_name(prefix, API_HANDLER)
    )
    api = resources.get("RestAPI")
    if api is not None:
        api["Properties"]["DefinitionBody"] = _replace_in_strings(
            api["Properties"]["DefinitionBody"], "${APIHandler.Arn}", handler_arn
        )
    return functions


def _replace_in_strings(value: Any, old: str, new: str) -> Any:
    if isinstance(value, str):
        return value.replace(old, new)
    if isinstance(value, list):
        return [_replace_in_strings(item, old, new) for item in value]
    if isinstance(value, dict):
        return {key: _replace_in_strings(item, old, new) for key, item in value.items()}
    return value
