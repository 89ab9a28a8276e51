"""`python -m chalicelib.analysis predict`: analyse JSON lines from stdin, one JSON line out
per line in, in order (the contract benchmarks and held-out evaluation use); `summarize`:
JSON lines {"id", "text"} in, one JSON object {"summary", "quotes", "engine"} out.

    python -m chalicelib.analysis predict [--engine local|comprehend|auto] [--themes FILE.json]
    python -m chalicelib.analysis summarize [--engine extractive|bedrock|auto]
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

from chalicelib.analysis.pii import mask
from chalicelib.analysis.pipeline import CompositeAnalyzer
from chalicelib.analysis.themes import default_themes
from chalicelib.domain.commune import Commune, Theme
from chalicelib.domain.ids import CommuneId
from chalicelib.domain.summaries import QuotedText, Summary
from chalicelib.domain.threads import TextAnalysis
from chalicelib.ports import Analyzer, Summarizer

CHUNK = 200


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m chalicelib.analysis")
    commands = parser.add_subparsers(dest="command", required=True)
    predict = commands.add_parser("predict", help="analyse JSON lines {'text': ...} from stdin")
    predict.add_argument("--engine", choices=["local", "comprehend", "auto"], default="local")
    predict.add_argument("--themes", type=Path, help='JSON list of {"id","label","keywords"?}')
    summarize = commands.add_parser("summarize", help="summarise JSON lines {'id', 'text'}")
    summarize.add_argument(
        "--engine", choices=["extractive", "bedrock", "auto"], default="extractive"
    )
    topics = commands.add_parser("topics", help='group JSON lines {"id", "text"} into topics')
    topics.add_argument("--min-size", type=int, default=None, help="smallest topic kept")
    args = parser.parse_args(argv)
    if args.command == "summarize":
        return _summarize(args.engine)
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


def _summarize(engine: str) -> int:
    try:
        opinions = read_opinions(sys.stdin)
    except ValueError as error:
        sys.stderr.write(f"{error}\n")
        return 2
    commune = Commune(CommuneId("00000"), "cli", "CLI")
    summary = _summarizer(engine).summarize(opinions, commune)
    sys.stdout.write(json.dumps(summary_json(summary), ensure_ascii=False) + "\n")
    return 0


def read_opinions(lines: Iterable[str]) -> list[QuotedText]:
    """Opinions from JSON lines {"id": str, "text": str}, masked as the analysis masks them:
    a summary never carries personal data, whatever it is given. Raises ValueError naming
    the first bad line."""
    opinions = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except json.JSONDecodeError:
            data = None
        if not (
            isinstance(data, dict)
            and isinstance(data.get("id"), str)
            and isinstance(data.get("text"), str)
        ):
            raise ValueError(f'line {number}: expected {{"id": "...", "text": "..."}}')
        opinions.append(QuotedText(data["id"], mask(data["text"])))
    return opinions


def summary_json(summary: Summary) -> dict[str, Any]:
    return {"summary": summary.text, "quotes": list(summary.quotes), "engine": summary.engine}


def _summarizer(name: str) -> Summarizer:
    from chalicelib.analysis.summaries import ExtractiveSummarizer

    if name == "extractive":
        return ExtractiveSummarizer()
    from chalicelib.adapters.bedrock import BedrockSummarizer
    from chalicelib.analysis.summary_fallback import FallbackSummarizer

    if name == "bedrock":
        return BedrockSummarizer()
    return FallbackSummarizer(BedrockSummarizer(), ExtractiveSummarizer())


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
