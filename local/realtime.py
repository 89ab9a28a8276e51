"""Stands in for API Gateway's WebSocket API under `make run` (`chalice local` has none): it
serves the consoles' WebSocket connections and the `@connections` management API on one
port, and calls the SAME websocket handlers with Lambda-shaped events."""

from __future__ import annotations

import base64
import contextlib
import http
import json
import logging
import secrets
import socket
import socketserver
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler
from typing import Any, NamedTuple
from urllib.parse import parse_qsl, unquote, urlsplit

from websockets.datastructures import Headers
from websockets.exceptions import ConnectionClosed
from websockets.frames import CloseCode
from websockets.http11 import Request, Response
from websockets.sync.server import Server, ServerConnection, serve

from local.worker import Handler, LambdaContext

logger = logging.getLogger("concerto.local.realtime")

# API Gateway's quotas: 128 KB per message, either way.
# https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html
MAX_MESSAGE_BYTES = 128 * 1024
# How long a push waits for a handshake that $connect approved to complete.
HANDSHAKE_WAIT_SECONDS = 2.0
# Time a new TCP connection gets to send its request head before it is closed.
HEAD_TIMEOUT_SECONDS = 10.0
MAX_HEAD_BYTES = 64 * 1024
HANDLER_TIMEOUT_SECONDS = 30
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass
class _Connection:
    connection_id: str
    websocket: ServerConnection
    connected_at: float
    source_ip: str
    user_agent: str
    last_active_at: float
    # Set once the 101 has gone out (or the handshake failed): until then a push waits.
    settled: threading.Event = field(default_factory=threading.Event)
    disconnected: bool = False


@dataclass(frozen=True)
class _Endpoint:
    api_id: str
    stage: str
    domain_name: str


class _Reply(NamedTuple):
    status: int
    payload: dict[str, Any] | None = None
    error_type: str | None = None


def _gone(connection_id: str) -> _Reply:
    return _Reply(410, {"message": f"Connection {connection_id} is gone"}, "GoneException")


def new_id() -> str:
    """An id shaped like API Gateway's connection and request ids ("L0SM9cOFvHcCIhw="):
    base64 of 11 random bytes, so it ends with '=' and may hold '+' or '/'."""
    return base64.b64encode(secrets.token_bytes(11)).decode("ascii")


def _epoch_ms(moment: float) -> int:
    return int(moment * 1000)


def _iso8601(moment: float) -> str:
    stamp = datetime.fromtimestamp(moment, UTC).isoformat(timespec="milliseconds")
    return stamp.replace("+00:00", "Z")


def _request_time(moment: float) -> str:
    """Common Log Format, as API Gateway writes `requestTime` (English months whatever the
    locale)."""
    utc = time.gmtime(moment)
    return time.strftime(f"%d/{MONTHS[utc.tm_mon - 1]}/%Y:%H:%M:%S +0000", utc)


def _request_context(
    endpoint: _Endpoint, connection: _Connection, route_key: str, event_type: str
) -> dict[str, Any]:
    now = time.time()
    request_id = new_id()
    return {
        "routeKey": route_key,
        "eventType": event_type,
        "extendedRequestId": request_id,
        "requestTime": _request_time(now),
        "messageDirection": "IN",
        "stage": endpoint.stage,
        "connectedAt": _epoch_ms(connection.connected_at),
        "requestTimeEpoch": _epoch_ms(now),
        "identity": {"sourceIp": connection.source_ip, "userAgent": connection.user_agent},
        "requestId": request_id,
        "domainName": endpoint.domain_name,
        "connectionId": connection.connection_id,
        "apiId": endpoint.api_id,
    }


def _single_and_multi(
    pairs: list[tuple[str, str]],
) -> tuple[dict[str, str], dict[str, list[str]]]:
    """Lambda proxy events carry both views; the single-value one keeps the last value."""
    single: dict[str, str] = {}
    multi: dict[str, list[str]] = {}
    for name, value in pairs:
        single[name] = value
        multi.setdefault(name, []).append(value)
    return single, multi


def _connect_event(
    endpoint: _Endpoint, connection: _Connection, request: Request, server_port: int
) -> dict[str, Any]:
    header_pairs = [*request.headers.raw_items()]
    # API Gateway adds these as the proxy in front of the integration.
    header_pairs += [
        ("X-Forwarded-For", connection.source_ip),
        ("X-Forwarded-Port", str(server_port)),
        ("X-Forwarded-Proto", "http"),
    ]
    headers, multi_headers = _single_and_multi(header_pairs)
    query = parse_qsl(urlsplit(request.path).query, keep_blank_values=True)
    params, multi_params = _single_and_multi(query)
    return {
        "headers": headers,
        "multiValueHeaders": multi_headers,
        "queryStringParameters": params or None,
        "multiValueQueryStringParameters": multi_params or None,
        "requestContext": _request_context(endpoint, connection, "$connect", "CONNECT"),
        "isBase64Encoded": False,
    }


def _message_event(endpoint: _Endpoint, connection: _Connection, body: str) -> dict[str, Any]:
    context = _request_context(endpoint, connection, "$default", "MESSAGE")
    context["messageId"] = new_id()
    return {"requestContext": context, "body": body, "isBase64Encoded": False}


def _disconnect_event(
    endpoint: _Endpoint, connection: _Connection, code: int, reason: str
) -> dict[str, Any]:
    context = _request_context(endpoint, connection, "$disconnect", "DISCONNECT")
    context["disconnectStatusCode"] = code
    context["disconnectReason"] = reason
    # The only headers API Gateway sends with $disconnect: the handshake's are long gone.
    headers = {
        "Host": endpoint.domain_name,
        "x-api-key": "",
        "X-Forwarded-For": "",
        "x-restapi": "",
    }
    return {
        "headers": headers,
        "multiValueHeaders": {name: [value] for name, value in headers.items()},
        "requestContext": context,
        "isBase64Encoded": False,
    }


def _status_and_body(result: Any) -> tuple[int, str | None]:
    """A proxy integration's answer; Chalice always sets statusCode, a bare None means 200."""
    if not isinstance(result, Mapping):
        return 200, None
    try:
        status = int(result.get("statusCode", 200))
    except (TypeError, ValueError):
        return 502, None
    body = result.get("body")
    return status, body if isinstance(body, str) else None


def _refusal(status: int, body: str | None) -> Response:
    """Builds the HTTP answer itself: websockets' `respond` only takes standard statuses."""
    try:
        phrase = http.HTTPStatus(status).phrase
    except ValueError:
        phrase = "Refused"
    content = (body if body is not None else phrase).encode()
    headers = Headers(
        [
            ("Date", formatdate(usegmt=True)),
            ("Connection", "close"),
            ("Content-Length", str(len(content))),
            ("Content-Type", "text/plain; charset=utf-8"),
        ]
    )
    return Response(status, phrase, headers, content)


def _source_ip(address: Any) -> str:
    return str(address[0]) if isinstance(address, tuple) else "127.0.0.1"


def _peek_head(sock: socket.socket) -> bytes:
    """The request head, read with MSG_PEEK so that websockets can still parse it itself;
    empty if the client closed or stayed silent."""
    deadline = time.monotonic() + HEAD_TIMEOUT_SECONDS
    try:
        while True:
            sock.settimeout(max(deadline - time.monotonic(), 0.001))
            head = sock.recv(MAX_HEAD_BYTES, socket.MSG_PEEK)
            if not head or b"\r\n\r\n" in head or len(head) >= MAX_HEAD_BYTES:
                return head
            if time.monotonic() > deadline:
                return b""
            # The rest of the head is in flight; peeking again now would return at once.
            time.sleep(0.001)
    except OSError:
        return b""
    finally:
        with contextlib.suppress(OSError):
            sock.settimeout(None)


def _is_upgrade(head: bytes) -> bool:
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"upgrade":
            return b"websocket" in value.lower()
    return False


class LocalWebSocketGateway:
    """API Gateway's WebSocket API on one local port: `ws://host:port` for browsers and
    `http://host:port/<stage>` as boto3's `apigatewaymanagementapi` endpoint_url.

    Handlers run in the connection's thread ($connect during the handshake, $default for
    each text frame, $disconnect once when the connection ends, whichever side closed it);
    pushes may come from any thread."""

    def __init__(
        self,
        host: str,
        port: int,
        handlers: Mapping[str, Handler],
        stage: str = "local",
        api_id: str = "local",
    ) -> None:
        self._host = host
        self._port = port
        self._handlers = dict(handlers)
        self._stage = stage
        self._api_id = api_id
        self._lock = threading.Lock()
        self._connections: dict[str, _Connection] = {}
        # Approved by $connect, handshake not finished yet; keyed by the TCP socket. These
        # are in _connections too: a push may arrive as soon as the client has its 101.
        self._pending: dict[socket.socket, _Connection] = {}
        # Sockets not handed to websockets (being peeked at, or serving HTTP): stop()
        # shuts them down, as websockets' shutdown() waits for their threads.
        self._raw_sockets: set[socket.socket] = set()
        self._stopping = False
        self._server: Server | None = None
        self._websocket_handler: Callable[[socket.socket, Any], None]
        self._thread: threading.Thread | None = None
        self._management = _ManagementServer(self)

    @property
    def stage(self) -> str:
        return self._stage

    @property
    def url(self) -> str:
        return f"ws://{self._host}:{self._port}"

    @property
    def management_url(self) -> str:
        return f"http://{self._host}:{self._port}/{self._stage}"

    @property
    def _endpoint(self) -> _Endpoint:
        return _Endpoint(self._api_id, self._stage, f"{self._host}:{self._port}")

    def start(self) -> None:
        if self._server is not None:
            raise RuntimeError("the gateway is already started")
        server = serve(
            self._serve_connection,
            self._host,
            self._port,
            process_response=self._authorize,
            compression=None,  # pushes are small; latency matters more than bytes
            max_size=MAX_MESSAGE_BYTES,
            close_timeout=2,
        )
        self._port = server.socket.getsockname()[1]
        # One port for both protocols: the accepted socket goes to our dispatcher first,
        # which hands WebSocket upgrades on to websockets' own per-connection handler.
        self._websocket_handler = server.handler
        server.handler = self._dispatch
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, name="realtime-gateway", daemon=True
        )
        self._thread.start()
        logger.info("websocket gateway on %s, management API on %s", self.url, self.management_url)

    def stop(self) -> None:
        """Closes every connection (each one's $disconnect has run when this returns), then
        the server. Idempotent."""
        server, thread = self._server, self._thread
        with self._lock:
            if server is None or thread is None or self._stopping:
                return
            self._stopping = True
            raw = list(self._raw_sockets)
        for sock in raw:
            # Only the read side: an idle keep-alive connection reads EOF and ends, while a
            # request in flight (a handler's own push, say) still gets its response.
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RD)
        # Refuses handshakes in flight, closes open connections with 1001 (going away) and
        # waits for every connection thread, hence for their $disconnect.
        server.shutdown()
        thread.join()
        with self._lock:
            unopened = list(self._pending.values())
            self._pending.clear()
        for connection in unopened:
            self._disconnect(connection, CloseCode.ABNORMAL_CLOSURE, "Server is shutting down")

    # -- routing an accepted TCP connection ---------------------------------------------

    def _dispatch(self, sock: socket.socket, address: Any) -> None:
        head = _peek_head(sock) if self._track(sock) else b""
        if _is_upgrade(head):
            self._untrack(sock)
            self._serve_websocket(sock, address)
            return
        try:
            if head:  # else the client closed, stayed silent, or the gateway is stopping
                self._management.finish_request(sock, address)
        except OSError:
            pass  # the client went away; nothing to answer
        finally:
            self._untrack(sock)
            sock.close()
            self._release_thread()

    def _track(self, sock: socket.socket) -> bool:
        with self._lock:
            if not self._stopping:
                self._raw_sockets.add(sock)
                return True
        return False

    def _untrack(self, sock: socket.socket) -> None:
        with self._lock:
            self._raw_sockets.discard(sock)

    def _release_thread(self) -> None:
        """websockets' handler deregisters its thread itself; ours must, or shutdown() waits
        for it forever."""
        server = self._server
        if server is not None:
            with server.lock:
                server.handler_threads.discard(threading.current_thread())

    def _serve_websocket(self, sock: socket.socket, address: Any) -> None:
        try:
            self._websocket_handler(sock, address)
        finally:
            # $connect said yes but the handshake never completed (client gone, or the
            # server stopping): the connection existed for the app, so it gets $disconnect.
            with self._lock:
                unopened = self._pending.pop(sock, None)
            if unopened is not None:
                self._disconnect(unopened, CloseCode.ABNORMAL_CLOSURE, "Handshake not completed")

    # -- the WebSocket side ---------------------------------------------------------------

    def _authorize(
        self, websocket: ServerConnection, request: Request, response: Response
    ) -> Response | None:
        """Runs $connect once websockets has validated the handshake; refuses it with the
        handler's status, as API Gateway does."""
        if response.status_code != http.HTTPStatus.SWITCHING_PROTOCOLS:
            return None
        now = time.time()
        connection = _Connection(
            connection_id=new_id(),
            websocket=websocket,
            connected_at=now,
            source_ip=_source_ip(websocket.remote_address),
            user_agent=request.headers.get("User-Agent", ""),
            last_active_at=now,
        )
        event = _connect_event(self._endpoint, connection, request, self._port)
        status, body = self._invoke("$connect", event, "websocket-connect") or (500, None)
        if not 200 <= status < 300:
            return _refusal(status, body)
        with self._lock:
            self._pending[websocket.socket] = connection
            self._connections[connection.connection_id] = connection
        return None

    def _invoke(
        self, route_key: str, event: dict[str, Any], name: str
    ) -> tuple[int, str | None] | None:
        """The handler's status and body; None if it raised (the integration failed)."""
        handler = self._handlers.get(route_key)
        if handler is None:
            return 200, None
        try:
            result = handler(event, LambdaContext(name, HANDLER_TIMEOUT_SECONDS))
        except Exception:  # a failing Lambda is an error for the client, not a dead gateway
            logger.exception("websocket %s handler raised", route_key)
            return None
        return _status_and_body(result)

    def _serve_connection(self, websocket: ServerConnection) -> None:
        with self._lock:
            connection = self._pending.pop(websocket.socket, None)
        if connection is None:
            return
        connection.settled.set()
        try:
            self._relay_messages(websocket, connection)
        finally:
            self._disconnect(
                connection,
                websocket.close_code or CloseCode.ABNORMAL_CLOSURE,
                websocket.close_reason or "",
            )

    def _relay_messages(self, websocket: ServerConnection, connection: _Connection) -> None:
        while True:
            try:
                message = websocket.recv()
            except ConnectionClosed:
                return
            connection.last_active_at = time.time()
            if isinstance(message, bytes):
                # API Gateway refuses binary frames and disconnects with 1003.
                # https://docs.aws.amazon.com/apigateway/latest/developerguide/websocket-api-develop-binary-media-types.html
                websocket.close(CloseCode.UNSUPPORTED_DATA, "Binary frames are not supported")
                return
            self._route_message(websocket, connection, message)

    def _route_message(
        self, websocket: ServerConnection, connection: _Connection, body: str
    ) -> None:
        event = _message_event(self._endpoint, connection, body)
        outcome = self._invoke("$default", event, "websocket-message")
        if outcome is not None:
            answer = outcome[1]
        else:
            # What API Gateway sends the client when the integration fails.
            answer = json.dumps(
                {
                    "message": "Internal server error",
                    "connectionId": connection.connection_id,
                    "requestId": event["requestContext"]["requestId"],
                }
            )
        if answer is not None:
            with contextlib.suppress(ConnectionClosed):
                websocket.send(answer)

    def _disconnect(self, connection: _Connection, code: int, reason: str) -> None:
        with self._lock:
            if connection.disconnected:
                return
            connection.disconnected = True
            self._connections.pop(connection.connection_id, None)
        connection.settled.set()  # a push waiting for the handshake now gets its 410
        event = _disconnect_event(self._endpoint, connection, int(code), reason)
        self._invoke("$disconnect", event, "websocket-disconnect")

    # -- the management API (@connections) ------------------------------------------------

    def _known_connection(self, connection_id: str) -> _Connection | None:
        with self._lock:
            return self._connections.get(connection_id)

    def _open_connection(self, connection_id: str) -> _Connection | None:
        """The connection once its handshake is over; None if it is gone (or never was)."""
        connection = self._known_connection(connection_id)
        if connection is None or not connection.settled.wait(HANDSHAKE_WAIT_SECONDS):
            return None
        return None if connection.disconnected else connection

    def _post(self, connection_id: str, data: bytes) -> _Reply:
        connection = self._open_connection(connection_id)
        if connection is None:
            return _gone(connection_id)
        if len(data) > MAX_MESSAGE_BYTES:
            return _Reply(413, {"message": "Message too long"}, "PayloadTooLargeException")
        try:
            message: str | bytes = data.decode("utf-8")
        except UnicodeDecodeError:
            message = data  # a text frame must be UTF-8; anything else goes as binary
        try:
            connection.websocket.send(message)
        except ConnectionClosed:
            return _gone(connection_id)
        connection.last_active_at = time.time()
        return _Reply(200)

    def _delete(self, connection_id: str) -> _Reply:
        connection = self._open_connection(connection_id)
        if connection is None:
            return _gone(connection_id)
        # Waits for the client's close frame (at most close_timeout); the connection's own
        # thread then sees the close and runs $disconnect.
        connection.websocket.close()
        return _Reply(204)

    def _describe(self, connection_id: str) -> _Reply:
        connection = self._known_connection(connection_id)
        if connection is None:
            return _gone(connection_id)
        return _Reply(
            200,
            {
                "connectedAt": _iso8601(connection.connected_at),
                "identity": {"sourceIp": connection.source_ip, "userAgent": connection.user_agent},
                "lastActiveAt": _iso8601(connection.last_active_at),
            },
        )


class _ManagementServer(socketserver.BaseServer):
    """http.server's handler wants a server object; this one never listens: the gateway
    feeds it the sockets it accepted."""

    def __init__(self, gateway: LocalWebSocketGateway) -> None:
        super().__init__(("", 0), _ManagementRequestHandler)
        self.gateway = gateway


class _ManagementRequestHandler(BaseHTTPRequestHandler):
    """`/{stage}/@connections/{id}` as API Gateway serves it. SigV4 signatures are not
    checked. Errors carry `x-amzn-ErrorType`: botocore's rest-json parser takes the error
    code from that header (else from a `code` field), and only then raises the modelled
    exception, e.g. `client.exceptions.GoneException`."""

    server: _ManagementServer
    protocol_version = "HTTP/1.1"  # keep-alive: botocore reuses its pooled connections
    # Headers and body leave in two small writes: let neither wait on Nagle's algorithm.
    disable_nagle_algorithm = True
    timeout = 300

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        data = self.rfile.read(length)
        connection_id = self._connection_id()
        if connection_id is not None:
            self._answer(self.server.gateway._post(connection_id, data))

    def do_DELETE(self) -> None:
        connection_id = self._connection_id()
        if connection_id is not None:
            self._answer(self.server.gateway._delete(connection_id))

    def do_GET(self) -> None:
        connection_id = self._connection_id()
        if connection_id is not None:
            self._answer(self.server.gateway._describe(connection_id))

    def _connection_id(self) -> str | None:
        """The id from the path (botocore percent-encodes its '=', '+' and '/'), or None
        once a 403 has been sent, as API Gateway answers any other path."""
        prefix = f"/{self.server.gateway.stage}/@connections/"
        path = urlsplit(self.path).path
        if path.startswith(prefix) and len(path) > len(prefix):
            return unquote(path[len(prefix) :])
        self._answer(_Reply(403, {"message": "Forbidden"}, "ForbiddenException"))
        return None

    def _answer(self, reply: _Reply) -> None:
        body = b"" if reply.payload is None else json.dumps(reply.payload).encode()
        self.send_response(reply.status)
        self.send_header("x-amzn-RequestId", str(uuid.uuid4()))
        if reply.error_type is not None:
            self.send_header("x-amzn-ErrorType", reply.error_type)
        if reply.status != http.HTTPStatus.NO_CONTENT:
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("management API: " + format, *args)
