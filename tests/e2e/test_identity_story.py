"""A stranger who knows a citizen's e-mail address, on the runtime `make run` starts: their
opinion does not join the citizen's contact, their follow-up link shows and erases only what
they sent, and staff see their address as unproven."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.e2e.story import Citizen, Staff, call
from tests.e2e.test_channels_story import read_json, wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

ADDRESS = "paul.girard.e2e@example.org"


def verification_link(runtime, after: int) -> str | None:
    """The token of the first verification e-mail to ADDRESS past the `after` first ones."""
    sent = [m for m in read_json(f"{runtime.outbox_url}/messages.json") if m["to"] == ADDRESS]
    links = [re.search(r"/verification#(\S+)", m["text"]) for m in sent[after:]]
    return next((link.group(1) for link in links if link), None)


def test_a_stranger_with_a_citizens_address_reaches_nothing_of_theirs(runtime):
    paul = Citizen(runtime.api_url, "biot")
    opinion: dict[str, Any] = {"theme": "proprete", "email": ADDRESS, "consent": True}
    first = paul.submits(**opinion, name="Paul Girard", text="Les bacs de tri débordent.")
    assert first.status == 202
    token = wait_for(lambda: verification_link(runtime, 0))
    assert token, "the verification e-mail never reached the outbox"
    proven = call(runtime.api_url, "POST", "/contacts/verification", {"token": token})
    assert proven.body == {"verified": True}

    stranger = Citizen(runtime.api_url, "biot")
    sent = stranger.submits(**opinion, name="Toto", text="Avis d'un inconnu sur le tri.")
    assert sent.status == 202 and set(sent.body) == set(first.body)  # nothing tells

    agent = Staff(runtime.api_url, "agent@biot.demo", runtime.password)
    seen = agent.opens(sent.body["id"]).body
    assert (seen["contact"]["verified"], seen["contact"]["name"], seen["history"]) == (
        False,
        "Toto",
        [],
    )
    data = call(runtime.api_url, "GET", "/followup/data", headers=stranger.link).body
    assert data["contact"]["name"] == "Toto" and "Paul" not in str(data)
    erased = call(runtime.api_url, "DELETE", "/followup", headers=stranger.link)
    assert erased.body == {"erased": 1}
    kept = agent.opens(first.body["id"]).body["contact"]
    assert (kept["name"], kept["verified"]) == ("Paul Girard", True)
