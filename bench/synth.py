"""`cdk synth` of two communes (the silo stacks of Biot and Valbonne from infra/communes.json),
timed, with cdk-nag's verdict: what issue #8 asks to show.

    .venv/bin/python bench/synth.py

Node.js is needed (jsii); no docker, no AWS account. The first run also packages the
Chalice app and builds the e5 layer (slower); later runs reuse them."""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("AWS_DEFAULT_REGION", "eu-west-1")
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
os.environ.setdefault(
    "JSII_RUNTIME_PACKAGE_CACHE_ROOT", str(Path(tempfile.gettempdir()) / "concerto-jsii-cache")
)
COMMUNES = ("biot", "valbonne")


def main() -> int:
    started = time.perf_counter()
    from infra import app as infra_app
    from infra import config as communes_config
    from infra import e5_layer

    raw = json.loads(communes_config.CONFIG_FILE.read_text(encoding="utf-8"))
    raw["communes"] = [c for c in raw["communes"] if c["slug"] in COMMUNES]
    config = communes_config.parse(raw)
    layer = e5_layer.build()
    ready = time.perf_counter()
    with tempfile.TemporaryDirectory() as work, tempfile.TemporaryDirectory() as out:
        app = infra_app.build(config, outdir=out, work_dir=Path(work), e5_layer_dir=layer)
        try:
            app.synth()
            error = None
        except Exception as failure:  # cdk-nag stops the synth on an unacknowledged finding
            error = str(failure)
        done = time.perf_counter()
        stacks = sorted(
            p.name.removesuffix(".template.json") for p in Path(out).glob("*.template.json")
        )
        acknowledged = 0
        for template in Path(out).glob("*.template.json"):
            for resource in json.loads(template.read_text())["Resources"].values():
                metadata = resource.get("Metadata", {}).get("cdk_nag", {})
                acknowledged += len(metadata.get("rules_to_suppress", []))
        report = Path(out, "validation-report.json")
        plugins = json.loads(report.read_text())["pluginReports"] if report.exists() else []
    print(f"communes       {', '.join(COMMUNES)} -> stacks {', '.join(stacks)}")
    print(f"synth          {done - ready:.1f} s (imports and e5 layer {ready - started:.1f} s)")
    for plugin in plugins:
        print(
            f"validation     {plugin['pluginName']}: {plugin['conclusion']}, "
            f"{len(plugin['violations'])} violations"
        )
    print(
        f"cdk-nag        {acknowledged} acknowledged findings, each with a reason; "
        f"unacknowledged: {'none' if error is None else error}"
    )
    return 0 if error is None else 1


if __name__ == "__main__":
    sys.exit(main())
