"""The local WebSocket gateway against real clients: a `websockets` browser stand-in and
boto3's `apigatewaymanagementapi`, as the API and the workers will push in AWS."""

from __future__ import annotations

import contextlib
import json
import re
import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import ClientConnection, connect
from websockets.typing import Origin

from local.realtime import LocalWebSocketGateway

pytestmark = pytest.mark.integration

ORIGIN = Origin("http://localhost:5173")
API_GATEWAY_ID = re.compile(r"^[A-Za-z0-9+/]{15}=$")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until(condition: Callable[[], bool], timeout: float = 2.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.002)


class Recorder:
    """Fake handlers that keep what API Gateway would have sent the Lambdas."""

    def __init__(self) -> None:
        self.connects: list[dict[str, Any]] = []
        self.messages: list[dict[str, Any]] = []
        self.disconnects: list[dict[str, Any]] = []
        self.contexts: list[Any] = []

    def connect(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        self.connects.append(event)
        self.contexts.append(context)
        token = (event["queryStringParameters"] or {}).get("token")
        if token == "boom":
            raise RuntimeError("the $connect Lambda failed")
        return {"statusCode": 401 if token == "bad" else 200}

    def default(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        self.messages.append(event)
        if event["body"] == "boom":
            raise RuntimeError("the $default Lambda failed")
        return {"statusCode": 200, "body": f"echo:{event['body']}"}

    def disconnect(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        self.disconnects.append(event)
        return {"statusCode": 200}

    def connection_id(self, index: int = -1) -> str:
        return str(self.connects[index]["requestContext"]["connectionId"])

    def disconnected(self, connection_id: str) -> list[dict[str, Any]]:
        return [
            event
            for event in self.disconnects
            if event["requestContext"]["connectionId"] == connection_id
        ]


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def gateway(recorder: Recorder) -> Iterator[LocalWebSocketGateway]:
    handlers = {
        "$connect": recorder.connect,
        "$default": recorder.default,
        "$disconnect": recorder.disconnect,
    }
    gateway = LocalWebSocketGateway("127.0.0.1", free_port(), handlers)
    gateway.start()
    yield gateway
    gateway.stop()


@pytest.fixture
def management(gateway: LocalWebSocketGateway) -> Iterator[Any]:
    client = boto3.client(
        "apigatewaymanagementapi",
        endpoint_url=gateway.management_url,
        region_name="eu-west-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    yield client
    client.close()


def open_console(gateway: LocalWebSocketGateway, query: str = "?token=abc") -> ClientConnection:
    return connect(f"{gateway.url}/{query}", origin=ORIGIN, open_timeout=2, close_timeout=2)


def test_the_connect_event_has_api_gateway_s_shape(
    gateway: LocalWebSocketGateway, recorder: Recorder
) -> None:
    with open_console(gateway, "?token=abc&commune=06018"):
        [event] = recorder.connects
    context = event["requestContext"]
    host = gateway.url.removeprefix("ws://")
    assert context["routeKey"] == "$connect"
    assert context["eventType"] == "CONNECT"
    assert API_GATEWAY_ID.match(context["connectionId"])
    assert API_GATEWAY_ID.match(context["requestId"])
    assert context["domainName"] == host
    assert context["stage"] == "local"
    assert context["apiId"] == "local"
    assert context["identity"]["sourceIp"] == "127.0.0.1"
    assert isinstance(context["connectedAt"], int)
    assert abs(context["connectedAt"] / 1000 - time.time()) < 5
    assert event["queryStringParameters"] == {"token": "abc", "commune": "06018"}
    assert event["multiValueQueryStringParameters"] == {"token": ["abc"], "commune": ["06018"]}
    assert event["headers"]["Origin"] == ORIGIN
    assert event["headers"]["Host"] == host
    assert event["multiValueHeaders"]["Origin"] == [ORIGIN]
    assert event["isBase64Encoded"] is False
    assert recorder.contexts[0].function_name == "websocket-connect"
    assert recorder.contexts[0].get_remaining_time_in_millis() > 0


def test_a_connection_without_query_string_has_none(
    gateway: LocalWebSocketGateway, recorder: Recorder
) -> None:
    with open_console(gateway, query=""):
        pass
    assert recorder.connects[0]["queryStringParameters"] is None


def test_a_401_from_connect_refuses_the_handshake(
    gateway: LocalWebSocketGateway, recorder: Recorder, management: Any
) -> None:
    with pytest.raises(InvalidStatus) as refused:
        open_console(gateway, "?token=bad")
    assert refused.value.response.status_code == 401
    refused_id = recorder.connection_id()
    with pytest.raises(management.exceptions.GoneException):
        management.get_connection(ConnectionId=refused_id)
    assert recorder.disconnects == []


def test_a_connect_handler_that_raises_refuses_with_500(
    gateway: LocalWebSocketGateway,
) -> None:
    with pytest.raises(InvalidStatus) as refused:
        open_console(gateway, "?token=boom")
    assert refused.value.response.status_code == 500


def test_post_to_connection_delivers_the_exact_bytes_as_a_text_frame(
    gateway: LocalWebSocketGateway, recorder: Recorder, management: Any
) -> None:
    data = '{"type": "thread.updated", "theme": "Propreté", "id": "06018#t1"}'.encode()
    with open_console(gateway) as console:
        management.post_to_connection(ConnectionId=recorder.connection_id(), Data=data)
        received = console.recv(timeout=2)
    assert isinstance(received, str)  # a text frame
    assert received.encode() == data


def test_a_message_reaches_default_and_its_body_comes_back(
    gateway: LocalWebSocketGateway, recorder: Recorder
) -> None:
    with open_console(gateway) as console:
        console.send('{"action": "ping"}')
        assert console.recv(timeout=2) == 'echo:{"action": "ping"}'
        [event] = recorder.messages
    context = event["requestContext"]
    assert event["body"] == '{"action": "ping"}'
    assert context["routeKey"] == "$default"
    assert context["eventType"] == "MESSAGE"
    assert context["connectionId"] == recorder.connection_id()
    assert API_GATEWAY_ID.match(context["messageId"])
    assert event["isBase64Encoded"] is False


def test_a_failing_default_handler_gets_api_gateway_s_error_message(
    gateway: LocalWebSocketGateway, recorder: Recorder
) -> None:
    with open_console(gateway) as console:
        console.send("boom")
        error = json.loads(console.recv(timeout=2))
        console.send("still there")
        assert console.recv(timeout=2) == "echo:still there"
    assert error == {
        "message": "Internal server error",
        "connectionId": recorder.connection_id(),
        "requestId": recorder.messages[0]["requestContext"]["requestId"],
    }


def test_a_wrong_stage_is_forbidden(gateway: LocalWebSocketGateway, recorder: Recorder) -> None:
    client = boto3.client(
        "apigatewaymanagementapi",
        endpoint_url=gateway.management_url.replace("/local", "/prod"),
        region_name="eu-west-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    with open_console(gateway), pytest.raises(client.exceptions.ForbiddenException):
        client.post_to_connection(ConnectionId=recorder.connection_id(), Data=b"{}")
    client.close()


def test_delete_connection_closes_the_socket_and_disconnects_once(
    gateway: LocalWebSocketGateway, recorder: Recorder, management: Any
) -> None:
    with open_console(gateway) as console:
        connection_id = recorder.connection_id()
        management.delete_connection(ConnectionId=connection_id)
        with pytest.raises(ConnectionClosed):
            console.recv(timeout=2)
    wait_until(lambda: len(recorder.disconnects) == 1)
    time.sleep(0.05)  # a second $disconnect would come now, if ever
    [event] = recorder.disconnected(connection_id)
    assert event["requestContext"]["routeKey"] == "$disconnect"
    assert event["requestContext"]["eventType"] == "DISCONNECT"
    assert len(recorder.disconnects) == 1
    with pytest.raises(management.exceptions.GoneException):
        management.delete_connection(ConnectionId=connection_id)


def test_a_client_that_closes_fires_disconnect_once(
    gateway: LocalWebSocketGateway, recorder: Recorder
) -> None:
    with open_console(gateway):
        connection_id = recorder.connection_id()
    wait_until(lambda: len(recorder.disconnects) == 1)
    [event] = recorder.disconnected(connection_id)
    assert event["requestContext"]["disconnectStatusCode"] == 1000


def test_post_to_a_gone_connection_raises_gone_exception(
    gateway: LocalWebSocketGateway, recorder: Recorder, management: Any
) -> None:
    with open_console(gateway):
        connection_id = recorder.connection_id()
    wait_until(lambda: len(recorder.disconnects) == 1)
    with pytest.raises(management.exceptions.GoneException) as gone:
        management.post_to_connection(ConnectionId=connection_id, Data=b"{}")
    assert gone.value.response["ResponseMetadata"]["HTTPStatusCode"] == 410
    with pytest.raises(management.exceptions.GoneException):
        management.post_to_connection(ConnectionId="never+seen/id=", Data=b"{}")


def test_get_connection_returns_connected_at(
    gateway: LocalWebSocketGateway, recorder: Recorder, management: Any
) -> None:
    with open_console(gateway):
        connection = management.get_connection(ConnectionId=recorder.connection_id())
    connected_at = recorder.connects[0]["requestContext"]["connectedAt"]
    assert abs(connection["ConnectedAt"].timestamp() * 1000 - connected_at) < 1
    assert connection["Identity"]["SourceIp"] == "127.0.0.1"
    assert connection["LastActiveAt"] >= connection["ConnectedAt"]


def test_a_binary_frame_is_refused_with_1003_as_api_gateway_does(
    gateway: LocalWebSocketGateway, recorder: Recorder
) -> None:
    with open_console(gateway) as console:
        console.send(b"\x00\x01")
        with pytest.raises(ConnectionClosed) as closed:
            console.recv(timeout=2)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1003
    assert recorder.messages == []


def test_stop_disconnects_everyone(
    gateway: LocalWebSocketGateway, recorder: Recorder, management: Any
) -> None:
    with contextlib.ExitStack() as stack:
        consoles = [stack.enter_context(open_console(gateway)) for _ in range(3)]
        ids = {recorder.connection_id(index) for index in range(3)}
        # leaves an idle keep-alive HTTP connection that stop() must not wait for
        management.get_connection(ConnectionId=recorder.connection_id())
        # ...and a TCP connection that never sends its request head
        host, port = gateway.url.removeprefix("ws://").split(":")
        stack.enter_context(socket.create_connection((host, int(port))))
        gateway.stop()
        # stop() returns once every $disconnect has run: no waiting here.
        assert {event["requestContext"]["connectionId"] for event in recorder.disconnects} == ids
        assert len(recorder.disconnects) == 3
        for console in consoles:
            with pytest.raises(ConnectionClosed) as closed:
                console.recv(timeout=2)
            assert closed.value.rcvd is not None and closed.value.rcvd.code == 1001
    with pytest.raises(OSError):
        open_console(gateway).close()


def test_pushes_from_many_threads_arrive_whole(
    gateway: LocalWebSocketGateway, recorder: Recorder, management: Any
) -> None:
    with open_console(gateway) as console:
        connection_id = recorder.connection_id()
        management.post_to_connection(ConnectionId=connection_id, Data=b"warm-up")
        assert console.recv(timeout=2) == "warm-up"

        for index in range(20):
            management.post_to_connection(ConnectionId=connection_id, Data=f"n{index}".encode())
            assert console.recv(timeout=2) == f"n{index}"

        def push(worker: int) -> None:
            for index in range(25):
                message = f"worker{worker}-{index}-" + "x" * 500
                management.post_to_connection(ConnectionId=connection_id, Data=message.encode())

        workers = [threading.Thread(target=push, args=(worker,)) for worker in range(4)]
        for worker in workers:
            worker.start()
        console.send("while pushes arrive")
        received = [console.recv(timeout=2) for _ in range(101)]
        for worker in workers:
            worker.join()
    # Latency is measured by bench/realtime.py, never asserted in a test.
    assert "echo:while pushes arrive" in received
    pushed = sorted(message for message in received if str(message).startswith("worker"))
    assert pushed == sorted(f"worker{w}-{i}-" + "x" * 500 for w in range(4) for i in range(25))
