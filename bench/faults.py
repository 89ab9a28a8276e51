"""The "nothing lost" figures of issue #9: runs the fault-injection tests and prints, per
scenario, what became of the accepted messages (analysed once, failed visibly in the DLQ,
lost, counted twice) and how many indicator counters drifted from a recount.

    .venv/bin/python bench/faults.py
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MODULE = "tests/integration/test_faults.py"
LINE = re.compile(r"\[faults\] (?P<scenario>.*?)\s+(?P<figures>\w+=\s*\d+.*)$")
FIGURE = re.compile(r"(\w+)=\s*(\d+)")


def main() -> int:
    run = subprocess.run(  # noqa: S603 (this interpreter, fixed arguments)
        [sys.executable, "-m", "pytest", MODULE, "-q", "-s", "-p", "no:cacheprovider"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    # pytest's progress dots may precede a line: search, do not match from the start.
    for found in filter(None, map(LINE.search, run.stdout.splitlines())):
        figures = FIGURE.findall(found["figures"])
        cells = "  ".join(f"{name} {value:>3}" for name, value in figures)
        print(f"{found['scenario']:<40} {cells}")
    print(run.stdout.splitlines()[-1] if run.stdout else run.stderr[-2000:])
    return run.returncode


if __name__ == "__main__":
    raise SystemExit(main())
