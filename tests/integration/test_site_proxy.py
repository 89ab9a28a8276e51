"""The local site's /api proxy tells the API who the client is, as CloudFront does."""

from __future__ import annotations

import threading
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from local.site import start_site

pytestmark = pytest.mark.integration


class _RecordingApi(BaseHTTPRequestHandler):
    seen: list[str | None] = []  # noqa: RUF012 (one list per test, reset by the fixture)

    def do_GET(self) -> None:
        self.seen.append(self.headers.get("X-Forwarded-For"))
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args: Any) -> None:
        return


@pytest.fixture
def site() -> Iterator[str]:
    _RecordingApi.seen = []
    api = ThreadingHTTPServer(("127.0.0.1", 0), _RecordingApi)
    threading.Thread(target=api.serve_forever, daemon=True).start()
    server = start_site("127.0.0.1", 0, f"http://127.0.0.1:{api.server_port}", [])
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()
    api.shutdown()
    api.server_close()


def get(url: str, headers: dict[str, str]) -> None:
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers)) as answer:
        assert answer.status == 200


def test_the_proxy_appends_the_clients_address_to_x_forwarded_for(site):
    get(f"{site}/api/health", {})
    get(f"{site}/api/health", {"X-Forwarded-For": "203.0.113.9"})
    # What the client wrote is kept, the address the proxy saw comes last (the trusted one).
    assert _RecordingApi.seen == ["127.0.0.1", "203.0.113.9, 127.0.0.1"]
