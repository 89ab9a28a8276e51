"""`make clean-key-phrases`: removes, for every commune, the key phrases that name personal
data from the counters and the analyses recorded before the analysis dropped them — against
the running `make run`, or a stack with AWS credentials and its CONCERTO_* variables set."""

from __future__ import annotations

import argparse
import json
import os
import sys

from local.runtime import RUNTIME_FILE


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m local.clean_key_phrases")
    parser.add_argument("--commune", help="a slug (default: every commune of the stack)")
    args = parser.parse_args(argv)
    if RUNTIME_FILE.exists() and "CONCERTO_TABLE_THREADS" not in os.environ:
        os.environ.update(json.loads(RUNTIME_FILE.read_text()))

    from chalicelib import bootstrap
    from chalicelib.services.key_phrase_cleanup import clean_key_phrases

    ports = bootstrap.ports()
    communes = (
        [ports.communes.get_by_slug(args.commune)] if args.commune else ports.communes.list_all()
    )
    for commune in communes:
        cleaned = clean_key_phrases(ports, commune.commune_id)
        print(
            f"{commune.slug}: {cleaned.phrases} phrase(s) naming personal data removed from "
            f"{cleaned.messages} message(s); {cleaned.skipped} changed meanwhile (run again)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
