"""A stand-in for Meta's Graph API (tests and `make run`): records every call, answers like
Graph with generated ids, and fails on demand — token "expired" gets Graph's OAuth error 190,
"throttled" its rate-limit error 4, "down" a bare 503. It also serves the files citizens
send: `POST /_media` (the file as body, its Content-Type) gives an id and a link, to use as
a Messenger attachment's `payload.url` or a WhatsApp message's media `id`."""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import secrets
import threading
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

MAX_BODY_BYTES = 1024 * 1024
# Files may be larger than Concerto keeps (10 MB each), to try its limit.
MAX_MEDIA_BYTES = 32 * 1024 * 1024
MESSENGER_MAX_CHARS = 2000
WHATSAPP_MAX_CHARS = 4096
_OBJECT_PATH = re.compile(r"/(v\d+\.\d+)/([0-9A-Za-z_-]+)(?:/([a-z_]+))?")

EXPIRED = {
    "message": "Error validating access token: Session has expired",
    "type": "OAuthException",
    "code": 190,
    "error_subcode": 463,
    "fbtrace_id": "AfakeTraceId",
}
THROTTLED = {
    "message": "(#4) Application request limit reached",
    "type": "OAuthException",
    "is_transient": True,
    "code": 4,
    "fbtrace_id": "AfakeTraceId",
}
NO_TOKEN = {
    "message": "An active access token must be used to query information about the current user.",
    "type": "OAuthException",
    "code": 2500,
    "fbtrace_id": "AfakeTraceId",
}


class GraphRefusal(Exception):
    """An error answer, in Graph's shape."""

    def __init__(self, status: int, error: Mapping[str, Any]) -> None:
        super().__init__(error.get("message", ""))
        self.status = status
        self.error = dict(error)


def invalid(message: str) -> GraphRefusal:
    return GraphRefusal(400, {"message": message, "type": "OAuthException", "code": 100})


class FakeGraph:
    """A Graph API on 127.0.0.1 (a free port unless told), served from a daemon thread."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.host = host
        self.port = port
        self.sent: list[dict[str, Any]] = []
        # Files by media id: (content, content type); and who downloaded which (with the
        # token they sent, "" for none: CDN links must not get one).
        self.media: dict[str, tuple[bytes, str]] = {}
        self.downloads: list[dict[str, str]] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("the fake Graph API is not started")
        return f"http://{self.host}:{self._server.server_address[1]}"

    def start(self) -> str:
        if self._server is None:
            self._server = ThreadingHTTPServer((self.host, self.port), _handler_for(self))
            self._server.daemon_threads = True
            # A short poll so stop() (shutdown waits for the next poll) takes milliseconds.
            self._thread = threading.Thread(
                target=self._server.serve_forever,
                kwargs={"poll_interval": 0.02},
                name="fake-graph",
                daemon=True,
            )
            self._thread.start()
        return self.base_url

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None
        self._thread = None

    def __enter__(self) -> FakeGraph:
        self.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()

    def record(self, call: dict[str, Any]) -> None:
        with self._lock:
            self.sent.append(call)

    def snapshot(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self.sent)

    def reset(self) -> None:
        with self._lock:
            self.sent.clear()
            self.downloads.clear()

    def add_media(self, content: bytes, content_type: str, media_id: str | None = None) -> str:
        """Serves `content` as a citizen's file; returns its media id (see media_url)."""
        media_id = media_id or str(10**15 + secrets.randbelow(10**15))
        with self._lock:
            self.media[media_id] = (content, content_type)
        return media_id

    def media_url(self, media_id: str) -> str:
        """The link Meta's CDN would give (Messenger's payload.url, WhatsApp's media url)."""
        return f"{self.base_url}/_media/{media_id}"

    def downloaded(self) -> list[dict[str, str]]:
        with self._lock:
            return list(self.downloads)

    def download(self, media_id: str, token: str) -> tuple[bytes, str] | None:
        with self._lock:
            self.downloads.append({"id": media_id, "token": token})
            return self.media.get(media_id)

    # --- What Graph answers -----------------------------------------------------------------

    def answer_post(self, path: str, token: str, body: Any) -> dict[str, Any]:
        _, object_id, edge = _object_path(path)
        _check_token(token)
        body = body if isinstance(body, dict) else {}
        if edge == "messages" and body.get("messaging_product") == "whatsapp":
            return _whatsapp_message(body)
        if edge == "messages":
            return _messenger_message(body)
        if edge in ("comments", "replies"):
            message = body.get("message")
            if not isinstance(message, str) or not message.strip():
                raise invalid("(#100) The parameter message is required")
            suffix = secrets.randbelow(10**15)
            return {"id": f"{object_id}_{suffix}" if edge == "comments" else str(suffix)}
        raise invalid(f"Unsupported post request. Object with ID '{object_id}' does not exist")

    def answer_get(self, path: str, token: str) -> dict[str, Any]:
        _, object_id, edge = _object_path(path)
        _check_token(token)
        if edge:
            raise invalid(f"(#100) Tried accessing nonexisting field ({edge})")
        with self._lock:
            media = self.media.get(object_id)
        if media is not None:
            # WhatsApp's GET /{media-id}: a short-lived link, fetched with the same token.
            content, content_type = media
            return {
                "messaging_product": "whatsapp",
                "url": self.media_url(object_id),
                "mime_type": content_type,
                "sha256": hashlib.sha256(content).hexdigest(),
                "file_size": str(len(content)),
                "id": object_id,
            }
        return {"id": object_id}


def _object_path(path: str) -> tuple[str, str, str]:
    match = _OBJECT_PATH.fullmatch(path)
    if match is None:
        raise GraphRefusal(404, {"message": "Unknown path components", "code": 2500})
    version, object_id, edge = match.groups()
    return version, object_id, edge or ""


def _check_token(token: str) -> None:
    if not token:
        raise GraphRefusal(400, NO_TOKEN)
    if token == "expired":
        raise GraphRefusal(400, EXPIRED)
    if token == "throttled":
        raise GraphRefusal(400, THROTTLED)


def _messenger_message(body: Mapping[str, Any]) -> dict[str, Any]:
    recipient = body.get("recipient")
    recipient_id = recipient.get("id") if isinstance(recipient, dict) else None
    message = body.get("message")
    text = message.get("text") if isinstance(message, dict) else None
    if not isinstance(recipient_id, str) or not recipient_id:
        raise invalid("(#100) The parameter recipient is required")
    if not isinstance(text, str) or not text:
        raise invalid("(#100) The parameter message is required")
    if len(text) > MESSENGER_MAX_CHARS:
        raise invalid(
            f"(#100) Length of param message[text] must be less than or equal to "
            f"{MESSENGER_MAX_CHARS}"
        )
    return {"recipient_id": recipient_id, "message_id": f"m_{secrets.token_urlsafe(32)}"}


def _whatsapp_message(body: Mapping[str, Any]) -> dict[str, Any]:
    to = body.get("to")
    text = body.get("text")
    text_body = text.get("body") if isinstance(text, dict) else None
    if not isinstance(to, str) or not to:
        raise invalid("(#100) The parameter to is required.")
    if not isinstance(text_body, str) or not text_body or len(text_body) > WHATSAPP_MAX_CHARS:
        raise invalid("(#100) Param text['body'] must be between 1 and 4096 characters long.")
    return {
        "messaging_product": "whatsapp",
        "contacts": [{"input": to, "wa_id": to}],
        "messages": [{"id": f"wamid.{secrets.token_urlsafe(36)}"}],
    }


class _GraphHandler(BaseHTTPRequestHandler):
    """Serves one FakeGraph: `_handler_for` makes a subclass bound to it."""

    server_version = "FakeGraph/1.0"
    graph: FakeGraph

    def do_GET(self) -> None:
        path = urlsplit(self.path).path
        if path == "/_sent":
            self._reply(200, self.graph.snapshot())
            return
        if path == "/_downloads":
            self._reply(200, self.graph.downloaded())
            return
        if path.startswith("/_media/"):
            found = self.graph.download(path.removeprefix("/_media/"), self._token())
            if found is None:
                self._reply_raw(404, b"Not Found", "text/plain")
            else:
                self._reply_raw(200, found[0], found[1])
            return
        self._serve(lambda token: self.graph.answer_get(path, token), body=None)

    def do_POST(self) -> None:
        path = urlsplit(self.path).path
        if path == "/_media":
            content = self._raw_body(MAX_MEDIA_BYTES)
            content_type = self.headers.get("Content-Type", "application/octet-stream")
            media_id = self.graph.add_media(content, content_type)
            self._reply(200, {"id": media_id, "url": self.graph.media_url(media_id)})
            return
        body = self._body()
        if path == "/_reset":
            self.graph.reset()
            self._reply(200, {"ok": True})
            return
        self._serve(lambda token: self.graph.answer_post(path, token, body), body=body)

    def _serve(self, answer: Callable[[str], Any], *, body: Any) -> None:
        token = self._token()
        status, payload = self._answer(answer, token)
        if self.command == "POST":
            self.graph.record(
                {
                    "path": self.path,
                    "json": body,
                    "token": token,
                    "status": status,
                    "answer": payload,
                    "at": datetime.now(UTC).isoformat(),
                }
            )
        if status == 503:
            # What a load balancer in front of Graph sends: not JSON at all.
            self._reply_raw(503, b"Service Unavailable", "text/plain")
        else:
            self._reply(status, payload)

    @staticmethod
    def _answer(answer: Callable[[str], Any], token: str) -> tuple[int, Any]:
        if token == "down":
            return 503, None
        try:
            return 200, answer(token)
        except GraphRefusal as refusal:
            return refusal.status, {"error": refusal.error}

    def _token(self) -> str:
        header = self.headers.get("Authorization", "")
        if header.startswith("Bearer "):
            return header.removeprefix("Bearer ").strip()
        # Graph also takes ?access_token=: accepted here so a client that leaks its token into
        # the URL still works, and the recorded path shows the leak.
        query = parse_qs(urlsplit(self.path).query)
        return query.get("access_token", [""])[0]

    def _raw_body(self, limit: int) -> bytes:
        try:
            length = int(self.headers.get("Content-Length", "0"))
        except ValueError:
            length = 0
        return self.rfile.read(min(length, limit)) if length > 0 else b""

    def _body(self) -> Any:
        raw = self._raw_body(MAX_BODY_BYTES)
        try:
            return json.loads(raw) if raw else None
        except ValueError:
            return None

    def _reply(self, status: int, payload: Any) -> None:
        self._reply_raw(status, json.dumps(payload).encode("utf-8"), "application/json")

    def _reply_raw(self, status: int, raw: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def log_message(self, format: str, *args: Any) -> None:
        return  # tests and `make run` read /_sent, not stderr


def _handler_for(graph: FakeGraph) -> type[_GraphHandler]:
    return type("FakeGraphHandler", (_GraphHandler,), {"graph": graph})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m local.graph", description="A fake Meta Graph API for local runs."
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8025)
    args = parser.parse_args(argv)
    graph = FakeGraph(args.host, args.port)
    print(f"fake Graph API on {graph.start()} (GET /_sent, POST /_reset); Ctrl-C to stop")
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        graph.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
