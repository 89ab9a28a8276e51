"""The topics panel on in-memory ports: quotes come from the newest quoted verbatims only,
and a viewer is served like an agent (quotes are masked previews)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from chalicelib.domain.indicators import Filter
from chalicelib.domain.staff import Role
from chalicelib.services import topics
from chalicelib.services.dashboard import Period
from tests.fakes import BIOT, memory_ports, staff
from tests.unit.test_topic_threads import TOPIC, verbatim, with_model

pytestmark = pytest.mark.unit


def test_quotes_are_picked_among_the_newest_quoted_verbatims(monkeypatch) -> None:
    monkeypatch.setattr(topics, "QUOTE_CANDIDATES", 2)
    ports = memory_ports()
    with_model(ports)
    start = datetime(2026, 10, 5, 12, tzinfo=UTC)
    for n in range(5):
        quote = "" if n == 4 else f"Avis {n}"  # the newest is toxic: never quoted
        ports.topics.add(replace(verbatim(f"m{n}", start + timedelta(days=n)), quote=quote))
    wanted = Period(date(2026, 10, 1), date(2026, 10, 31))
    for role in (Role.VIEWER, Role.AGENT):
        found = topics.overview(ports, staff(BIOT, role), wanted, Filter())
        [row] = found.topics
        assert (row.id, row.figures.verbatims, found.outside) == (TOPIC, 5, 0)
        assert sorted(row.quotes) == ["Avis 2", "Avis 3"]
