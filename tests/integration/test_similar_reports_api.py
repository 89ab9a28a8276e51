"""Reports of the same problem over HTTP, on the real adapters: the thread lists its similar
reports (masked for viewers), an agent answers them all (each citizen their own answer),
and the dashboard counts distinct problems as well as reports. The analysis worker keeps the
verbatims and links them (`similar_reports.link`), on the local e5 model."""

from __future__ import annotations

import json
from typing import Any

import pytest

from chalicelib.domain.ids import CommuneId
from chalicelib.domain.threads import Author
from tests.integration.conftest import login
from tests.integration.test_viewer_masking import analyse_queued

pytestmark = pytest.mark.integration

BIOT = CommuneId("06018")
LAMP = "Le lampadaire de la rue Victor Hugo est en panne, appelez-moi au 06 12 34 56 78."
LAMP_AGAIN = "Rue Victor Hugo, l'éclairage public ne marche plus le soir."
BINS = "Les poubelles débordent rue Victor Hugo."


def call(client: Any, method: str, path: str, token: str | None, body: Any = None) -> Any:
    headers = {"content-type": "application/json"}
    if token:
        headers["authorization"] = f"Bearer {token}"
    raw = json.dumps(body) if body is not None else None
    return getattr(client.http, method)(path, headers=headers, body=raw)


def submit(client: Any, text: str, name: str, email: str) -> str:
    opinion = {"theme": "proprete", "text": text, "name": name, "email": email, "consent": True}
    answer = call(client, "post", "/communes/biot/feedback", None, opinion)
    assert answer.status_code == 202, answer.body
    return str(json.loads(answer.body)["id"])


def test_similar_reports_are_listed_answered_at_once_and_counted(client, aws, ports):
    agent, viewer = login(aws, "agent@biot.demo"), login(aws, "viewer@biot.demo")
    marie = submit(client, LAMP, "Marie Curie", "marie@citoyens.test")
    paul = submit(client, LAMP_AGAIN, "Paul Valéry", "paul@citoyens.test")
    bins = submit(client, BINS, "Jean Moulin", "jean@citoyens.test")
    analyse_queued()  # the worker keeps each verbatim and links the same problem's reports
    assert [v.problem for v in ports.topics.of_thread(BIOT, paul)] == [marie]
    # The bins of the same street are another problem, however close e5 puts the words.
    assert [v.problem for v in ports.topics.of_thread(BIOT, bins)] == [None]

    seen = json.loads(call(client, "get", f"/console/threads/{paul}", agent).body)
    assert [(s["threadId"], s["status"]) for s in seen["similar"]] == [(marie, "new")]
    assert "06 12 34 56 78" in seen["similar"][0]["preview"]
    masked = json.loads(call(client, "get", f"/console/threads/{paul}", viewer).body)
    assert [s["threadId"] for s in masked["similar"]] == [marie]
    assert "06 12 34 56 78" not in masked["similar"][0]["preview"]
    alone = json.loads(call(client, "get", f"/console/threads/{bins}", agent).body)
    assert alone["similar"] == []

    text = {"text": "Bonjour Marie Curie, le lampadaire sera réparé jeudi."}
    path = f"/console/threads/{marie}/similar/replies"
    assert call(client, "post", path, viewer, text).status_code == 403
    other = login(aws, "agent@valbonne.demo")
    assert call(client, "post", path, other, text).status_code == 404
    done = call(client, "post", path, agent, text)
    assert done.status_code == 200, done.body
    results = json.loads(done.body)["results"]
    assert [(r["id"], r["ok"]) for r in results] == [(marie, True), (paul, True)]
    answers = {
        thread_id: [
            m.text for m in ports.threads.messages(BIOT, thread_id) if m.author is Author.COMMUNE
        ]
        for thread_id in (marie, paul, bins)
    }
    assert answers == {
        marie: ["Bonjour Marie Curie, le lampadaire sera réparé jeudi."],
        paul: ["Bonjour Paul Valéry, le lampadaire sera réparé jeudi."],
        bins: [],
    }
    assert call(client, "post", path, agent, {"visibility": "private"}).status_code == 422

    board = json.loads(call(client, "get", "/console/dashboard", viewer).body)
    assert board["problems"] == {"reports": 3, "distinct": 2}
