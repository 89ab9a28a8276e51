"""The local site's /api proxy tells the API who the client is, as CloudFront does, and
with an origin secret sends it and the viewer's address as CloudFront's API behaviours do:
checked over HTTP against the API on Chalice's local server."""

from __future__ import annotations

import json
import socket
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import boto3
import pytest

from local.site import start_site

REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


pytestmark = pytest.mark.integration


class _RecordingApi(BaseHTTPRequestHandler):
    seen: list[str | None] = []  # noqa: RUF012 (one list per test, reset by the fixture)
    edge: list[tuple[str | None, str | None]] = []  # noqa: RUF012

    def do_GET(self) -> None:
        self.seen.append(self.headers.get("X-Forwarded-For"))
        self.edge.append((self.headers.get("X-Origin-Verify"), self.headers.get(VIEWER)))
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args: Any) -> None:
        return


VIEWER = "CloudFront-Viewer-Address"
SECRET = "a-local-origin-secret"


def serve(secret: str | None) -> Iterator[str]:
    _RecordingApi.seen, _RecordingApi.edge = [], []
    api = ThreadingHTTPServer(("127.0.0.1", 0), _RecordingApi)
    threading.Thread(target=api.serve_forever, daemon=True).start()
    server = start_site("127.0.0.1", 0, f"http://127.0.0.1:{api.server_port}", [], secret)
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()
    api.shutdown()
    api.server_close()


@pytest.fixture
def site() -> Iterator[str]:
    yield from serve(None)


@pytest.fixture
def edge_site() -> Iterator[str]:
    yield from serve(SECRET)


def get(url: str, headers: dict[str, str]) -> None:
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers)) as answer:
        assert answer.status == 200


def test_the_proxy_appends_the_clients_address_to_x_forwarded_for(site):
    get(f"{site}/api/health", {})
    get(f"{site}/api/health", {"X-Forwarded-For": "203.0.113.9"})
    # What the client wrote is kept, the address the proxy saw comes last (the trusted one).
    assert _RecordingApi.seen == ["127.0.0.1", "203.0.113.9, 127.0.0.1"]


def test_without_an_origin_secret_the_proxy_adds_neither_header(site):
    get(f"{site}/api/health", {VIEWER: "203.0.113.9:1", "X-Origin-Verify": "guessed"})
    assert _RecordingApi.edge == [(None, None)]


def test_with_an_origin_secret_the_proxy_sends_it_and_the_viewers_address(edge_site):
    # What a client writes under these names never reaches the API, as with CloudFront.
    get(f"{edge_site}/api/health", {VIEWER: "203.0.113.9:1", "X-Origin-Verify": "guessed"})
    [(secret, viewer)] = _RecordingApi.edge
    assert secret == SECRET
    address, _, port = (viewer or "").rpartition(":")
    assert address == "127.0.0.1" and port.isdigit() and port != "1"


# ---- The whole path: the site's proxy in front of the API, an origin secret configured ----


@pytest.fixture
def api_behind_the_site(ports: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, str]]:
    from chalice.cli.factory import CLIFactory
    from chalice.local import create_local_server

    from app import app
    from local.provision import create_origin_secret
    from tests.integration.conftest import REGION

    monkeypatch.setenv("CONCERTO_ORIGIN_SECRET_ID", "concerto-local/origin-secret")
    secret = create_origin_secret(REGION, "concerto-local/origin-secret")
    config = CLIFactory(str(REPO)).create_config_obj(chalice_stage_name="dev")
    api = create_local_server(app, config, "127.0.0.1", free_port())
    threading.Thread(target=api.serve_forever, daemon=True).start()
    api_url = f"http://127.0.0.1:{api.server.server_port}"
    site = start_site("127.0.0.1", 0, api_url, [], secret)
    yield f"http://127.0.0.1:{site.server_port}", api_url
    site.shutdown()
    site.server_close()
    api.shutdown()
    api.server.server_close()


def fetch(url: str, data: bytes | None = None) -> tuple[int, dict[str, Any]]:
    headers = {"Content-Type": "application/json"} if data else {}
    request = urllib.request.Request(url, data=data, headers=headers)
    try:
        with urllib.request.urlopen(request) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as refused:
        return refused.code, json.loads(refused.read())


def test_through_the_site_the_api_answers_and_called_directly_it_refuses(
    api_behind_the_site, monkeypatch
):
    """One test: Chalice's local server can be created once per process."""
    from local import runtime

    site, api = api_behind_the_site
    status, commune = fetch(f"{site}/api/communes/biot")
    assert (status, commune["slug"]) == (200, "biot")
    status, refused = fetch(f"{api}/communes/biot")
    assert (status, refused["error"]["code"]) == (403, "forbidden_origin")
    # `make run` waits for the API as CloudFront would ask it.
    secrets = boto3.client("secretsmanager", region_name="eu-west-1")
    secret = secrets.get_secret_value(SecretId="concerto-local/origin-secret")["SecretString"]
    runtime._wait_healthy(api, secret, timeout=5)
    with pytest.raises(RuntimeError, match="did not become healthy"):
        runtime._wait_healthy(api, None, timeout=0.5)

    # Per-address limits key on the viewer address the proxy gave (here, this machine).
    monkeypatch.setenv("CONCERTO_RATE_LIMIT_PER_IP", "1/600")
    text = {"theme": "proprete", "text": "Les poubelles débordent avenue Saint-Philippe."}
    body = json.dumps(text).encode()
    assert fetch(f"{site}/api/communes/biot/feedback", body)[0] == 202
    status, limited = fetch(f"{site}/api/communes/biot/feedback", body.replace(b"Saint", b"Notre"))
    assert (status, limited["error"]["code"]) == (429, "rate_limited")
