"""GET /console/summaries on moto: a viewer reads a theme's summary with masked quotes that
link to their threads; another commune's viewer reads nothing of it."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import pytest

from chalicelib.analysis.summaries import ExtractiveSummarizer
from chalicelib.ports import AnalysisJob, Ports
from chalicelib.services import analysis as analysis_service
from tests.fakes import BIOT
from tests.integration.conftest import login

pytestmark = pytest.mark.integration

TEXTS = (
    "Le parking de la gare est plein dès sept heures, écrivez-moi à paul.martin@free.fr.",
    "Impossible de se garer au parking de la gare après huit heures du matin.",
    "Le parking de la gare déborde tous les matins de la semaine.",
)


def get(client: Any, path: str, token: str | None = None) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.http.get(path, headers=headers)


def submitted(client: Any, ports: Ports, text: str) -> str:
    response = client.http.post(
        "/communes/biot/feedback",
        headers={"content-type": "application/json"},
        body=json.dumps({"theme": "voirie-stationnement", "text": text}),
    )
    assert response.status_code == 202, response.body
    thread_id = str(json.loads(response.body)["id"])
    job = AnalysisJob(BIOT, thread_id, thread_id)
    analysis_service.record(ports, analysis_service.prepare(ports, [job])[job])
    return thread_id


def test_a_viewer_reads_a_theme_summary_with_masked_quotes(client, aws, ports) -> None:
    ports.summarizer = ExtractiveSummarizer(embedder=lambda: None)
    ids = {submitted(client, ports, text) for text in TEXTS}
    viewer = login(aws, "viewer@biot.demo")

    response = get(client, "/console/summaries?theme=voirie-stationnement", viewer)
    assert response.status_code == 200, response.body
    summary = json.loads(response.body)
    assert summary["engine"] == "extractive" and summary["costUsd"] is None
    assert summary["opinions"] == 3 and summary["theme"] == "voirie-stationnement"
    assert 1 <= len(summary["quotes"]) <= 3
    assert {quote["id"] for quote in summary["quotes"]} <= ids
    assert "paul.martin" not in response.body.decode()

    other = json.loads(get(client, "/console/summaries", login(aws, "viewer@valbonne.demo")).body)
    assert other["opinions"] == 0 and other["quotes"] == []
    assert get(client, "/console/summaries?theme=nope", viewer).status_code == 422
    assert get(client, "/console/summaries?from=2026-13-01", viewer).status_code == 422
    assert get(client, "/console/summaries").status_code == 401


class Primary(ExtractiveSummarizer):
    """Stands for Bedrock: writes like the extractive engine but names itself, and counts."""

    def __init__(self) -> None:
        super().__init__(embedder=lambda: None)
        self.calls = 0

    def summarize(self, opinions, commune):  # type: ignore[no-untyped-def]
        from dataclasses import replace

        self.calls += 1
        return replace(super().summarize(opinions, commune), engine="bedrock", cost_usd=0.0004)


def days_ago(days: int) -> str:
    return (date.today() - timedelta(days=days)).isoformat()


def test_an_admin_opts_the_commune_out_of_bedrock(client, aws, ports) -> None:
    from chalicelib.analysis.summary_fallback import FallbackSummarizer

    primary = Primary()
    ports.summarizer = FallbackSummarizer(primary, ExtractiveSummarizer(embedder=lambda: None))
    submitted(client, ports, TEXTS[1])
    viewer = login(aws, "viewer@biot.demo")
    response = get(client, f"/console/summaries?from={days_ago(20)}", viewer)
    assert response.status_code == 200, response.body
    before = json.loads(response.body)
    assert (before["engine"], before["costUsd"], primary.calls) == ("bedrock", 0.0004, 1)

    admin = login(aws, "admin@biot.demo")
    headers = {"content-type": "application/json", "authorization": f"Bearer {admin}"}
    changed = client.http.patch(
        "/console/settings", headers=headers, body=json.dumps({"bedrockEnabled": False})
    )
    assert changed.status_code == 200 and json.loads(changed.body)["bedrockEnabled"] is False
    assert ports.communes.get(BIOT).settings.bedrock_enabled is False

    # Another period: the cached summary of the first is not what is asked.
    after = json.loads(get(client, f"/console/summaries?from={days_ago(21)}", viewer).body)
    assert after["engine"] == "extractive" and after["costUsd"] is None
    assert primary.calls == 1


@pytest.mark.parametrize(
    "query",
    ["to=0001-01-05", "from=9999-12-01&to=9999-12-31", "from=2026-11-30&to=2026-11-01"],
)
def test_dates_at_the_edges_get_an_answer_not_a_crash(client, aws, query) -> None:
    response = get(client, f"/console/summaries?{query}", login(aws, "viewer@biot.demo"))
    assert response.status_code in (200, 422), response.body


def test_the_dashboard_too_refuses_a_default_start_before_year_one(client, aws) -> None:
    response = get(client, "/console/dashboard?to=0001-01-05", login(aws, "viewer@biot.demo"))
    assert response.status_code == 422
    assert json.loads(response.body)["error"]["code"] == "invalid_period"
