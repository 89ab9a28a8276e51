"""The analysis CLI contract: JSON lines in, one JSON line out per line, in order."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
FIELDS = {
    "language",
    "sentiment",
    "scores",
    "keyPhrases",
    "theme",
    "pii",
    "maskedText",
    "toxic",
    "engine",
}


def predict(lines: list[str], *args: str) -> list[dict]:
    completed = subprocess.run(
        [sys.executable, "-m", "chalicelib.analysis", "predict", *args],
        input="\n".join(lines) + "\n",
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
        timeout=120,
    )
    return [json.loads(line) for line in completed.stdout.splitlines()]


def test_each_line_gets_its_analysis_in_order():
    inputs = [
        {"text": "C'est inadmissible, personne ne fait rien"},
        {"text": "Merci pour ce magnifique parc"},
        {"text": "Je m'appelle Jeanne Martin, appelez-moi au 06 12 34 56 78 pour les poubelles."},
    ]
    outputs = predict([json.dumps(item, ensure_ascii=False) for item in inputs])
    assert len(outputs) == 3
    assert all(set(output) == FIELDS for output in outputs)
    assert [o["sentiment"] for o in outputs[:2]] == ["NEGATIVE", "POSITIVE"]
    assert all(o["engine"] == "local" for o in outputs)
    assert abs(sum(outputs[0]["scores"].values()) - 1) < 1e-3
    assert set(outputs[0]["scores"]) == {"positive", "negative", "neutral", "mixed"}
    masked = outputs[2]["maskedText"]
    assert "06 12 34 56 78" not in masked and "Jeanne" not in masked
    assert {span["type"] for span in outputs[2]["pii"]} >= {"PHONE", "NAME"}
    assert outputs[2]["theme"] == "proprete"


def test_bad_lines_get_an_error_line_and_the_rest_goes_on():
    outputs = predict(
        [
            '{"text": "Bravo pour la fête"}',
            "not json",
            '{"txt": 1}',
            "[]",
            '{"text": "Les bus sont en retard"}',
        ]
    )
    assert [("error" in o) for o in outputs] == [False, True, True, True, False]


def test_a_themes_file_replaces_the_demo_themes(tmp_path):
    themes = tmp_path / "themes.json"
    themes.write_text(
        json.dumps(
            [
                {
                    "id": "dechets",
                    "label": "Déchets et tri",
                    "keywords": ["poubelle", "encombrant"],
                },
                {"id": "mobilite", "label": "Mobilité"},
            ]
        ),
        encoding="utf-8",
    )
    [output] = predict(['{"text": "Les poubelles débordent encore"}'], "--themes", str(themes))
    assert output["theme"] == "dechets"


def summarize(lines: list[str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "chalicelib.analysis", "summarize", *args],
        input="\n".join(lines) + "\n",
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )


def test_summarize_gives_one_object_citing_masked_opinions() -> None:
    opinions = [
        {"id": "a1", "text": "Le parking de la gare est plein dès sept heures du matin."},
        {
            "id": "a2",
            "text": "Plus une place au parking de la gare, écrivez à jean.dupont@free.fr.",
        },
        {"id": "a3", "text": "Le parking de la gare déborde tous les matins de la semaine."},
    ]
    completed = summarize([json.dumps(o, ensure_ascii=False) for o in opinions])
    assert completed.returncode == 0, completed.stderr
    [line] = completed.stdout.splitlines()
    result = json.loads(line)
    assert set(result) == {"summary", "quotes", "engine"}
    assert result["engine"] == "extractive"
    assert 1 <= len(result["quotes"]) <= 3 and set(result["quotes"]) <= {"a1", "a2", "a3"}
    assert "jean.dupont" not in result["summary"]


def test_summarize_refuses_a_line_without_id() -> None:
    completed = summarize(['{"text": "Le parking est plein."}'])
    assert completed.returncode == 2
    assert completed.stdout == "" and "line 1" in completed.stderr
