"""`python -m chalicelib.channels.email parse FILE.eml ...`: one JSON line per file, in order,
{"subject", "from", "date", "text", "newText", "attachments": [{"filename", "contentType",
"size"}], "autoReply", "error"}: the contract held-out evaluation scores the parser with."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from chalicelib.channels.email.parse import ParsedEmail, parse


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m chalicelib.channels.email")
    commands = parser.add_subparsers(dest="command", required=True)
    command = commands.add_parser("parse", help="parse .eml files, one JSON line out per file")
    command.add_argument("files", nargs="+", type=Path, metavar="FILE.eml")
    args = parser.parse_args(argv)
    out = sys.stdout.buffer
    for line in run(args.files):
        # Bytes, not text: the output is UTF-8 whatever the locale.
        out.write(line.encode("utf-8", "replace") + b"\n")
        out.flush()
    return 0


def run(files: Iterable[Path]) -> Iterator[str]:
    """One JSON line per file; a file that cannot be read gets an empty record and an error."""
    for path in files:
        try:
            raw = path.read_bytes()
        except OSError as exc:
            yield json.dumps(unreadable(f"cannot read file: {exc}"), ensure_ascii=False)
            continue
        yield json.dumps(as_json(parse(raw)), ensure_ascii=False)


def as_json(parsed: ParsedEmail) -> dict[str, Any]:
    return {
        "subject": parsed.subject,
        "from": parsed.sender,
        "date": parsed.date.isoformat() if parsed.date else None,
        "text": parsed.text,
        "newText": parsed.new_text,
        "attachments": [
            {"filename": item.filename, "contentType": item.content_type, "size": item.size}
            for item in parsed.attachments
        ],
        "autoReply": parsed.auto_reply,
        "error": parsed.error,
    }


def unreadable(error: str) -> dict[str, Any]:
    return {
        "subject": "",
        "from": "",
        "date": None,
        "text": "",
        "newText": "",
        "attachments": [],
        "autoReply": False,
        "error": error,
    }


if __name__ == "__main__":
    sys.exit(main())
