"""`python -m chalicelib.analysis predict`: analyse JSON lines from stdin, one JSON line out
per line in, in order (the contract benchmarks and held-out evaluation use).

    python -m chalicelib.analysis predict [--engine local|comprehend|auto] [--themes FILE.json]
    python -m chalicelib.analysis topics [--min-size N]
        ({"id", "text"} lines in, {"id", "topic", "label"} lines out)
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, TextIO

from chalicelib.analysis.pipeline import CompositeAnalyzer
from chalicelib.analysis.themes import default_themes
from chalicelib.domain.commune import Commune, Theme
from chalicelib.domain.ids import CommuneId
from chalicelib.domain.threads import TextAnalysis
from chalicelib.ports import Analyzer

CHUNK = 200


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m chalicelib.analysis")
    commands = parser.add_subparsers(dest="command", required=True)
    predict = commands.add_parser("predict", help="analyse JSON lines {'text': ...} from stdin")
    predict.add_argument("--engine", choices=["local", "comprehend", "auto"], default="local")
    predict.add_argument("--themes", type=Path, help='JSON list of {"id","label","keywords"?}')
    topics = commands.add_parser("topics", help='group JSON lines {"id", "text"} into topics')
    topics.add_argument("--min-size", type=int, default=None, help="smallest topic kept")
    args = parser.parse_args(argv)
    if args.command == "topics":
        from chalicelib.analysis.topics_cli import run_topics

        for line in run_topics(sys.stdin, min_size=args.min_size):
            sys.stdout.write(line + "\n")
        sys.stdout.flush()
        return 0
    commune = Commune(
        CommuneId("00000"),
        "cli",
        "CLI",
        themes=_themes(args.themes) if args.themes else default_themes(),
    )
    analyzer = CompositeAnalyzer(_engine(args.engine))
    for line in run(analyzer, commune, sys.stdin):
        sys.stdout.write(line + "\n")
    sys.stdout.flush()
    return 0


def run(analyzer: Analyzer, commune: Commune, lines: TextIO | Iterable[str]) -> Iterator[str]:
    """One output line per input line; a line that is not {"text": str} gets {"error"}."""
    iterator = iter(lines)
    while chunk := list(itertools.islice(iterator, CHUNK)):
        parsed = [_text_of(line) for line in chunk]
        texts = [text for text in parsed if isinstance(text, str)]
        results = iter(analyzer.analyze(texts, commune) if texts else [])
        for text in parsed:
            if isinstance(text, str):
                yield json.dumps(as_json(next(results)), ensure_ascii=False)
            else:
                yield json.dumps({"error": text.args[0]}, ensure_ascii=False)


def as_json(result: TextAnalysis) -> dict[str, Any]:
    return {
        "language": result.language,
        "sentiment": result.sentiment.value,
        "scores": {key: round(value, 6) for key, value in result.scores.items()},
        "keyPhrases": list(result.key_phrases),
        "theme": result.theme,
        "pii": [{"type": span.type, "start": span.start, "end": span.end} for span in result.pii],
        "maskedText": result.masked_text,
        "toxic": result.toxic,
        "engine": result.engine,
    }


def _text_of(line: str) -> str | ValueError:
    try:
        data = json.loads(line)
    except json.JSONDecodeError:
        return ValueError("not a JSON line")
    if not isinstance(data, dict) or not isinstance(data.get("text"), str):
        return ValueError('expected {"text": "..."}')
    return str(data["text"])


def _themes(path: Path) -> tuple[Theme, ...]:
    data = json.loads(path.read_text(encoding="utf-8"))
    return tuple(
        Theme(
            str(t["id"]),
            str(t["label"]),
            tuple(t.get("keywords") or ()),
            t.get("description") or "",
        )
        for t in data
    )


def _engine(name: str) -> Analyzer:
    from chalicelib.analysis.local import LocalAnalyzer

    if name == "local":
        return LocalAnalyzer()
    from chalicelib.analysis.comprehend import ComprehendAnalyzer
    from chalicelib.analysis.fallback import FallbackAnalyzer

    if name == "comprehend":
        return ComprehendAnalyzer()
    return FallbackAnalyzer(ComprehendAnalyzer(), LocalAnalyzer())


if __name__ == "__main__":
    sys.exit(main())
