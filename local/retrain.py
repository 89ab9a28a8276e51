"""`make retrain COMMUNE=biot`: retrain a commune's sentiment model on the shared data plus
its staff's corrections, against the running embedded runtime (`make run`)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from local.runtime import RUNTIME_FILE


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m local.retrain")
    parser.add_argument("--commune", required=True, help="slug, e.g. biot")
    parser.add_argument("--data", type=Path, help="folder with the shared sentiment data")
    args = parser.parse_args(argv)
    if not RUNTIME_FILE.exists():
        print("Start the product first with `make run` (in another terminal).", file=sys.stderr)
        return 2
    os.environ.update(json.loads(RUNTIME_FILE.read_text()))

    from chalicelib import bootstrap
    from chalicelib.analysis.train import DEFAULT_DATA_DIR, load_examples
    from chalicelib.workers.retraining import retrain_commune

    ports = bootstrap.ports()
    commune = ports.communes.get_by_slug(args.commune)
    report = retrain_commune(
        ports, commune.commune_id, load_examples(args.data or DEFAULT_DATA_DIR)
    )
    print(json.dumps(report.__dict__, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
