"""The static frontend under `make run`, served as CloudFront serves it in AWS: the pages of
frontend/ by the routes of frontend/routes.json, the API proxied under /api (same origin:
no CORS for the pages, and the opinion form posts without JavaScript), the security
headers (a strict Content-Security-Policy: no inline script, no third-party origin) and,
when the runtime has an origin secret, CloudFront's origin secret and viewer address."""

from __future__ import annotations

import json
import mimetypes
import re
import threading
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from chalicelib.api import edge

ROOT = Path(__file__).resolve().parent.parent / "frontend"
# The API behind /api: what the pages fetch, and where the no-JavaScript form posts.
API_PREFIX = "/api"
MAX_BODY = 1024 * 1024


def routes() -> list[tuple[re.Pattern[str], str]]:
    """(path pattern, file) pairs, in order; the first match wins."""
    table = json.loads((ROOT / "routes.json").read_text(encoding="utf-8"))
    return [(re.compile(f"^{item['pattern']}$"), item["file"]) for item in table["routes"]]


def security_headers(connect: list[str]) -> dict[str, str]:
    sources = " ".join(["'self'", *connect])
    return {
        "Content-Security-Policy": (
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            f"connect-src {sources}; font-src 'self'; object-src 'none'; base-uri 'self'; "
            "form-action 'self'; frame-ancestors 'none'"
        ),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "strict-origin-when-cross-origin",
        "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
    }


class _KeepRedirects(urllib.request.HTTPRedirectHandler):
    """The browser follows the API's redirects itself, to the URL the API chose."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_OPENER = urllib.request.build_opener(_KeepRedirects)


class _SiteHandler(BaseHTTPRequestHandler):
    api_url = ""
    origin_secret: str | None = None
    headers_out: dict[str, str] = {}  # noqa: RUF012 (set once per server class)
    table: list[tuple[re.Pattern[str], str]] = []  # noqa: RUF012

    def do_GET(self) -> None:
        path = self.path.split("?")[0].split("#")[0]
        if path.startswith(API_PREFIX + "/") or path == API_PREFIX:
            self._proxy("GET", self.path[len(API_PREFIX) :] or "/")
            return
        self._static(path)

    def do_HEAD(self) -> None:
        self.do_GET()

    def do_POST(self) -> None:
        path = self.path.split("?")[0]
        if path.startswith(API_PREFIX + "/"):
            self._proxy("POST", self.path[len(API_PREFIX) :])
            return
        form = re.match(r"^/([a-z0-9][a-z0-9-]{0,62})/avis$", path)
        if form:  # the opinion form without JavaScript
            self._proxy("POST", f"/communes/{form.group(1)}/feedback")
            return
        self._send(405, "text/plain; charset=utf-8", b"method not allowed")

    def do_PUT(self) -> None:
        self._api_only("PUT")

    def do_PATCH(self) -> None:
        self._api_only("PATCH")

    def do_DELETE(self) -> None:
        self._api_only("DELETE")

    def _api_only(self, method: str) -> None:
        if self.path.startswith(API_PREFIX + "/"):
            self._proxy(method, self.path[len(API_PREFIX) :])
        else:
            self._send(405, "text/plain; charset=utf-8", b"method not allowed")

    def _static(self, path: str) -> None:
        target = self._resolve(path)
        if target is None:
            target = ROOT / "site" / "404.html"
            status = 404
        else:
            status = 200
        if not target.is_file():
            self._send(404, "text/plain; charset=utf-8", b"not found")
            return
        content_type = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        if content_type.startswith("text/") or content_type.endswith("javascript"):
            content_type += "; charset=utf-8"
        cache = "no-cache" if target.suffix == ".html" else "public, max-age=300"
        self._send(status, content_type, target.read_bytes(), {"Cache-Control": cache})

    def _resolve(self, path: str) -> Path | None:
        for pattern, file in self.table:
            if pattern.match(path):
                return ROOT / file
        candidate = (ROOT / path.lstrip("/")).resolve()
        # Never outside frontend/ (../ in a path), never a directory listing.
        if ROOT in candidate.parents and candidate.is_file():
            return candidate
        return None

    # What CloudFront's origin request policy forwards to the API (the links' tokens too).
    _FORWARDED_HEADERS = (
        "Content-Type",
        "Authorization",
        "Idempotency-Key",
        "Accept",
        "X-Followup-Token",
        "X-Rights-Token",
    )

    def _proxy(self, method: str, path: str) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            self._send(413, "text/plain; charset=utf-8", b"too large")
            return
        body = self.rfile.read(length) if length else None
        # api_url is the local API (http://127.0.0.1:…), set by the runtime, never a request.
        request = urllib.request.Request(self.api_url + path, data=body, method=method)  # noqa: S310
        for name in self._FORWARDED_HEADERS:
            if self.headers.get(name):
                request.add_header(name, self.headers[name])
        # As CloudFront does: the client's address appended to what it sent, for the API's
        # per-address limits when it trusts this proxy (CONCERTO_TRUSTED_PROXY_HOPS=1).
        forwarded = self.headers.get("X-Forwarded-For")
        client, port = self.client_address[:2]
        request.add_header("X-Forwarded-For", f"{forwarded}, {client}" if forwarded else client)
        if self.origin_secret:
            # As the API's CloudFront behaviours do: the origin secret, and the viewer's
            # address and port written by the proxy (what the client sent under these
            # names was never copied above).
            request.add_header(edge.ORIGIN_SECRET_HEADER, self.origin_secret)
            request.add_header(edge.VIEWER_ADDRESS_HEADER, f"{client}:{port}")
        try:
            with _OPENER.open(request, timeout=30) as response:
                self._relay(response.status, response.headers, response.read())
        except urllib.error.HTTPError as error:
            self._relay(error.code, error.headers, error.read())
        except OSError:
            self._send(502, "application/json", b'{"error":{"code":"api_unreachable"}}')

    def _relay(self, status: int, headers: Any, body: bytes) -> None:
        kept = {
            name: headers[name]
            for name in ("Location", "Retry-After", "WWW-Authenticate")
            if headers.get(name)
        }
        self._send(status, headers.get("Content-Type", "application/json"), body, kept)

    def _send(
        self, status: int, content_type: str, body: bytes, extra: dict[str, str] | None = None
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in {**self.headers_out, **(extra or {})}.items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        return


def start_site(
    host: str, port: int, api_url: str, connect: list[str], origin_secret: str | None = None
) -> ThreadingHTTPServer:
    """Serves frontend/ on host:port; `connect` lists the origins the pages may call beyond
    their own (Cognito, the WebSocket gateway); with `origin_secret`, /api requests carry
    it and the viewer's address as CloudFront's do."""
    handler = type(
        "SiteHandler",
        (_SiteHandler,),
        {
            "api_url": api_url,
            "headers_out": security_headers(connect),
            "table": routes(),
            "origin_secret": origin_secret,
        },
    )
    server = ThreadingHTTPServer((host, port), handler)
    threading.Thread(target=server.serve_forever, name="site", daemon=True).start()
    return server
