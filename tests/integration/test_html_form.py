"""The citizen site's opinion form posted without JavaScript: HTML in, HTML out."""

from __future__ import annotations

import json
import re
from urllib.parse import urlencode

import pytest

from tests.integration.conftest import login

pytestmark = pytest.mark.integration
FORM = {"content-type": "application/x-www-form-urlencoded"}


def test_a_form_post_files_the_opinion_to_sort_and_answers_a_page_with_the_private_link(
    client, aws
):
    fields = {"text": "Le trottoir <b>rue du Portugon</b> est défoncé.", "rating": "2"}
    response = client.http.post("/communes/biot/feedback", headers=FORM, body=urlencode(fields))

    assert response.status_code == 201
    assert response.headers["Content-Type"].startswith("text/html")
    page = response.body.decode()
    assert '<html lang="fr">' in page
    token = re.search(r'href="/suivi#([^"]+)"', page).group(1)
    followup = json.loads(client.http.get(f"/followup/{token}").body)
    assert followup["messages"][0]["text"] == fields["text"]
    agent = login(aws, "agent@biot.demo")
    threads = json.loads(
        client.http.get(
            "/console/threads?theme=a-classer", headers={"authorization": f"Bearer {agent}"}
        ).body
    )
    [thread] = threads["items"]
    assert (thread["channel"], thread["rating"]) == ("web", 2)


@pytest.mark.parametrize(
    ("fields", "status", "message"),
    [
        ({"text": "ok"}, 422, "au moins 3 caractères"),
        ({"text": "Assez long", "email": "a@example.org"}, 422, "case de consentement"),
        ({"text": "Assez long", "rating": "cinq"}, 422, "entre 1 et 5"),
        ({"text": "Assez long", "theme": "inconnu"}, 422, "thème choisi"),
    ],
)
def test_a_refused_form_post_explains_why_in_french_and_stores_nothing(
    client, aws, fields, status, message
):
    response = client.http.post("/communes/biot/feedback", headers=FORM, body=urlencode(fields))
    assert response.status_code == status
    assert message in response.body.decode()
    agent = login(aws, "agent@biot.demo")
    listed = json.loads(
        client.http.get("/console/threads", headers={"authorization": f"Bearer {agent}"}).body
    )
    assert listed["items"] == []


def test_hostile_text_is_escaped_in_the_page(client, aws):
    response = client.http.post(
        "/communes/nowhere/feedback", headers=FORM, body=urlencode({"text": "<script>x</script>"})
    )
    assert response.status_code == 404
    assert "<script>" not in response.body.decode()
