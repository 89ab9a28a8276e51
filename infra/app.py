"""The CDK app: `cd infra && cdk synth` / `cdk deploy Concerto-biot` (see infra/README.md).

Builds one stack per silo commune or pool group of infra/communes.json, one shared stack
per region, a WAF stack in us-east-1 for each commune stack that wants one, and runs
cdk-nag's AwsSolutions checks on all of them.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

# `cdk` runs this file from infra/: the repository root holds chalicelib/ and local/.
HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:] = [str(ROOT), *(p for p in sys.path if Path(p or ".").resolve() != HERE)]

from aws_cdk import App, Environment, Validations  # noqa: E402
from cdk_nag import AwsSolutionsChecks  # noqa: E402

from infra import config as communes_config  # noqa: E402
from infra import e5_layer  # noqa: E402
from infra.config import Config  # noqa: E402
from infra.shared import SharedStack  # noqa: E402
from infra.stack import ConcertoStack  # noqa: E402
from infra.waf import WafStack  # noqa: E402


def build(
    config: Config,
    outdir: str | None = None,
    work_dir: Path | None = None,
    e5_layer_dir: Path | None = None,
    account: str | None = None,
) -> App:
    """The app with every stack of `config` (not synthesised yet). `work_dir` receives
    Chalice's packaging output (a temporary directory by default)."""
    app = App(outdir=outdir) if outdir else App()
    work = work_dir or Path(tempfile.mkdtemp(prefix="concerto-chalice-"))
    account = account or os.environ.get("CDK_DEFAULT_ACCOUNT")
    shared = {}
    for region in config.regions:
        env = Environment(account=account, region=region)
        shared[region] = SharedStack(app, region, config.mail_domains(region), env=env)
    for spec in config.stacks:
        stack = ConcertoStack(
            app,
            spec,
            work_dir=work,
            e5_layer_dir=e5_layer_dir,
            env=Environment(account=account, region=spec.region),
        )
        stack.add_stack_dependency(shared[spec.region])
        if spec.waf:  # its web ACL, in us-east-1, deployed first (infra/waf.py)
            stack.add_stack_dependency(WafStack(app, spec, account))
    # The acknowledgements also go into the templates' metadata (cdk_nag.rules_to_suppress).
    Validations.of(app).add_plugins(
        AwsSolutionsChecks(app, write_suppressions_to_cloud_formation=True)
    )
    return app


def main() -> None:
    # Chalice imports app.py to package it: a region, and nothing read at import time.
    os.environ.setdefault("AWS_DEFAULT_REGION", "eu-west-1")
    with tempfile.TemporaryDirectory(prefix="concerto-chalice-") as work:
        app = build(communes_config.load(), work_dir=Path(work), e5_layer_dir=e5_layer.build())
        app.synth()


if __name__ == "__main__":
    main()
