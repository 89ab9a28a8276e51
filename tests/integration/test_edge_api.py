"""Behind CloudFront (an origin secret configured, kept in Secrets Manager on moto): the
API answers only requests carrying the secret, and keys per-address limits on the viewer
address CloudFront forwards, never on one a client wrote."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from tests.integration.conftest import REGION, login

pytestmark = pytest.mark.integration

SECRET_ID = "concerto-test/origin-secret"
SECRET = "8c1f0b2e9d7a4c3b5e6f7a8b9c0d1e2f"
JSON = {"content-type": "application/json"}


@pytest.fixture
def behind_cloudfront(ports: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    secrets = boto3.client("secretsmanager", region_name=REGION)
    secrets.create_secret(Name=SECRET_ID, SecretString=SECRET)
    monkeypatch.setenv("CONCERTO_ORIGIN_SECRET_ID", SECRET_ID)
    yield secrets


def through_cloudfront(viewer: str, **headers: str) -> dict[str, str]:
    """What CloudFront adds: its origin secret and the viewer's address and port."""
    return {**JSON, "x-origin-verify": SECRET, "cloudfront-viewer-address": viewer, **headers}


def opinion(n: int) -> str:
    return json.dumps({"theme": "proprete", "text": f"Avis numéro {n} sur la propreté du village."})


def error(response: Any) -> tuple[int, str]:
    return response.status_code, json.loads(response.body)["error"]["code"]


def test_a_request_without_the_origin_secret_is_refused_on_every_route(
    client, aws, behind_cloudfront
):
    agent = login(aws, "agent@biot.demo")
    for method, path, headers in (
        ("GET", "/health", {}),
        ("GET", "/communes/biot", {}),
        ("POST", "/communes/biot/feedback", JSON),
        ("GET", "/console/threads", {"authorization": f"Bearer {agent}"}),
        ("OPTIONS", "/communes/biot/feedback", {"origin": "https://evil.example"}),
    ):
        direct = client.http.request(method, path, headers=headers, body=opinion(0))
        assert error(direct) == (403, "forbidden_origin"), path
        assert direct.headers["X-Content-Type-Options"] == "nosniff"
    wrong = client.http.get("/communes/biot", headers={"x-origin-verify": "guessed"})
    assert error(wrong) == (403, "forbidden_origin")

    allowed = client.http.get("/communes/biot", headers=through_cloudfront("203.0.113.1:4000"))
    assert allowed.status_code == 200
    threads = client.http.get(
        "/console/threads",
        headers=through_cloudfront("203.0.113.1:4000", authorization=f"Bearer {agent}"),
    )
    assert threads.status_code == 200


def test_two_citizens_behind_one_edge_have_their_own_limits(client, behind_cloudfront, monkeypatch):
    monkeypatch.setenv("CONCERTO_RATE_LIMIT_PER_IP", "1/600")

    def from_viewer(viewer: str, n: int) -> int:
        # API Gateway's sourceIp (the test client's) is the same edge for both.
        sent = client.http.post(
            "/communes/biot/feedback", headers=through_cloudfront(viewer), body=opinion(n)
        )
        return int(sent.status_code)

    assert from_viewer("203.0.113.1:51000", 1) == 202
    assert from_viewer("2a01:cb00:1234:5678::2:443", 2) == 202
    assert from_viewer("203.0.113.1:51001", 3) == 429  # another port, the same citizen
    assert from_viewer("2a01:cb00:1234:5678::99:443", 4) == 429  # the same /64
    assert from_viewer("203.0.113.2:51000", 5) == 202


def test_a_forged_viewer_address_is_not_trusted_without_the_secret(client, monkeypatch):
    """No origin secret configured (`make run`, tests): the header is anybody's writing."""
    monkeypatch.setenv("CONCERTO_RATE_LIMIT_PER_IP", "1/600")
    answers = [
        client.http.post(
            "/communes/biot/feedback",
            headers={**JSON, "cloudfront-viewer-address": f"203.0.113.{n}:443"},
            body=opinion(n),
        ).status_code
        for n in range(2)
    ]
    assert answers == [202, 429]


def test_a_forged_viewer_address_with_a_wrong_secret_is_refused(client, behind_cloudfront):
    forged = {**JSON, "x-origin-verify": "guessed", "cloudfront-viewer-address": "198.51.100.1:1"}
    sent = client.http.post("/communes/biot/feedback", headers=forged, body=opinion(1))
    assert error(sent) == (403, "forbidden_origin")


def test_a_rotated_secret_is_taken_while_cloudfront_still_sends_the_previous_one(
    client, behind_cloudfront
):
    behind_cloudfront.put_secret_value(SecretId=SECRET_ID, SecretString="the-new-origin-secret")
    new = {"x-origin-verify": "the-new-origin-secret"}
    assert client.http.get("/communes/biot", headers=new).status_code == 200
    previous = through_cloudfront("203.0.113.1:4000")
    assert client.http.get("/communes/biot", headers=previous).status_code == 200


def test_when_the_secret_cannot_be_read_nobody_gets_in(client, monkeypatch):
    monkeypatch.setenv("CONCERTO_ORIGIN_SECRET_ID", "concerto-test/never-created")
    refused = client.http.get("/communes/biot", headers=through_cloudfront("203.0.113.1:4000"))
    assert error(refused) == (503, "origin_check_unavailable")
