"""The `topics` command as benchmarks call it: a real process, the venv's own embedder."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.unit.analysis.test_topics import CANTEEN, PARKING

pytestmark = [pytest.mark.unit, pytest.mark.slow]


def test_the_command_answers_each_line_in_order_with_a_topic_or_null() -> None:
    texts = [*PARKING, *CANTEEN]
    lines = [json.dumps({"id": f"m{i}", "text": text}) for i, text in enumerate(texts)]
    done = subprocess.run(
        [sys.executable, "-m", "chalicelib.analysis", "topics", "--min-size", "3"],
        input="\n".join(lines) + "\n",
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    out = [json.loads(line) for line in done.stdout.splitlines()]
    assert [item["id"] for item in out] == [f"m{i}" for i in range(len(texts))]
    assert all(set(item) == {"id", "topic", "label"} for item in out)
    for item in out:
        assert (item["topic"] is None) == (item["label"] is None)
        assert item["topic"] is None or isinstance(item["topic"], str)
    assert any(item["topic"] for item in out)
