"""Runs after the stories, before the shutdown: what the runtime logged (API, workers,
SMTP, realtime) holds no citizen's address, phone number or words."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

# Personal data the stories sent through every channel (the web form, e-mail, forms).
CITIZEN_DATA = [
    "habitant@example.org",
    "jeanne.e2e@example.org",
    "elu.test@example.org",
    "06 12 34 56 78",
    "dépôts sauvages",
    "Dépôt sauvage chemin des Aspres",
    "Merci beaucoup",
    "le banc du square est cassé",
    "Les horaires de la médiathèque",
]


def test_the_logs_hold_no_citizen_data(runtime):
    logged = runtime.log_path.read_text(encoding="utf-8", errors="replace")
    assert "request" in logged or "Serving" in logged  # the log is the runtime's, not empty
    found = [data for data in CITIZEN_DATA if data.lower() in logged.lower()]
    assert found == []


def test_the_logs_hold_no_private_link(runtime):
    """Follow-up links (`<INSEE>.<43 characters>`) and sealed links (Fernet, `gAAAA…`) open
    a citizen's thread or data: the site sends them in headers, which nothing logs."""
    import re

    logged = runtime.log_path.read_text(encoding="utf-8", errors="replace")
    links = re.findall(
        r"\b\d[0-9AB]\d{3}\.[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])|gAAAAA[\w-]{40,}", logged
    )
    assert links == []
