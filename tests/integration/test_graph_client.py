"""The Graph API adapter over real HTTP against local.graph.FakeGraph: what each answer sends
and where, long texts cut between words, and Graph's errors mapped to what the caller does next
(reconnect the channel, retry later, give up)."""

from __future__ import annotations

import http.server
import json
import threading
import urllib.request
from collections.abc import Iterator
from typing import Any, ClassVar

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.adapters.graph import (
    MESSENGER_MAX_CHARS,
    WHATSAPP_MAX_CHARS,
    GraphClient,
    GraphError,
    MediaTooLargeError,
    split_text,
)
from chalicelib.channels.meta.events import Platform
from chalicelib.domain.errors import DeliveryError
from local.graph import FakeGraph

pytestmark = pytest.mark.integration

TOKEN = "EAAGm0PX4ZCpsBAKZCZAfakePageAccessToken123"
PAGE = "104539118295461"
IGID = "17841405822304914"
PHONE_ID = "106540352242922"


@pytest.fixture
def graph() -> Iterator[FakeGraph]:
    fake = FakeGraph()
    fake.start()
    yield fake
    fake.stop()


@pytest.fixture
def client(graph: FakeGraph) -> GraphClient:
    return GraphClient(base_url=graph.base_url, timeout=5)


def test_a_messenger_answer(graph: FakeGraph, client: GraphClient) -> None:
    message_id = client.send_message(Platform.FACEBOOK, PAGE, "7381924650129384", "Merci !", TOKEN)
    assert message_id.startswith("m_")
    [call] = graph.sent
    assert call["path"] == f"/v21.0/{PAGE}/messages"
    assert call["token"] == TOKEN
    assert call["status"] == 200
    assert call["json"] == {
        "recipient": {"id": "7381924650129384"},
        "message": {"text": "Merci !"},
        "messaging_type": "RESPONSE",
    }


def test_an_instagram_direct_answer(graph: FakeGraph, client: GraphClient) -> None:
    message_id = client.send_message(Platform.INSTAGRAM, IGID, "1258469903274515", "Oui.", TOKEN)
    assert message_id.startswith("m_")
    assert graph.sent[0]["path"] == f"/v21.0/{IGID}/messages"
    assert graph.sent[0]["json"]["recipient"] == {"id": "1258469903274515"}


def test_a_whatsapp_answer(graph: FakeGraph, client: GraphClient) -> None:
    text = "Bonjour Camille, l'équipe des espaces verts passe demain."
    message_id = client.send_message(Platform.WHATSAPP, PHONE_ID, "33612345678", text, TOKEN)
    assert message_id.startswith("wamid.")
    [call] = graph.sent
    assert call["path"] == f"/v21.0/{PHONE_ID}/messages"
    assert call["json"] == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": "33612345678",
        "type": "text",
        "text": {"body": text},
    }


def test_public_replies_to_facebook_and_instagram_comments(
    graph: FakeGraph, client: GraphClient
) -> None:
    comment = "122145678901234567_1187654321098765"
    reply_id = client.reply_to_comment(Platform.FACEBOOK, comment, "Fin avril.", TOKEN)
    assert reply_id.startswith(f"{comment}_")
    ig_reply = client.reply_to_comment(Platform.INSTAGRAM, "17887766554433221", "Merci !", TOKEN)
    assert ig_reply.isdigit()
    assert [(call["path"], call["json"]) for call in graph.sent] == [
        (f"/v21.0/{comment}/comments", {"message": "Fin avril."}),
        ("/v21.0/17887766554433221/replies", {"message": "Merci !"}),
    ]
    with pytest.raises(GraphError, match="no comments"):
        client.reply_to_comment(Platform.WHATSAPP, comment, "x", TOKEN)


def test_a_long_answer_goes_as_several_messages_cut_between_words(
    graph: FakeGraph, client: GraphClient
) -> None:
    words = [f"mot{index}" for index in range(1100)]  # about 6,000 characters
    text = " ".join(words)
    last = client.send_message(Platform.FACEBOOK, PAGE, "7381924650129384", text, TOKEN)
    parts = [call["json"]["message"]["text"] for call in graph.sent]
    assert len(parts) == 4
    assert all(0 < len(part) <= MESSENGER_MAX_CHARS for part in parts)
    assert " ".join(parts).split() == words  # no word cut, lost or repeated
    assert all(call["status"] == 200 for call in graph.sent)
    assert last == graph.sent[-1]["answer"]["message_id"]  # the id of the last part

    graph.reset()
    client.send_message(Platform.WHATSAPP, PHONE_ID, "33612345678", text, TOKEN)
    bodies = [call["json"]["text"]["body"] for call in graph.sent]
    assert len(bodies) == 2 and all(len(body) <= WHATSAPP_MAX_CHARS for body in bodies)
    assert " ".join(bodies).split() == words


def test_an_expired_token_asks_for_the_channel_to_be_reconnected(
    graph: FakeGraph, client: GraphClient
) -> None:
    with pytest.raises(GraphError) as refused:
        client.send_message(Platform.FACEBOOK, PAGE, "7381924650129384", "Bonjour", "expired")
    error = refused.value
    assert isinstance(error, DeliveryError)
    assert (error.status, error.graph_code, error.graph_subcode) == (400, 190, 463)
    assert error.token_expired and not error.retryable
    assert "Session has expired" in error.message
    with pytest.raises(GraphError) as health:
        client.check(PAGE, "expired")
    assert health.value.token_expired


def test_graph_down_or_throttling_is_worth_a_retry(graph: FakeGraph, client: GraphClient) -> None:
    with pytest.raises(GraphError) as down:
        client.send_message(Platform.WHATSAPP, PHONE_ID, "33612345678", "Bonjour", "down")
    # A 503 whose body is not JSON at all.
    assert (down.value.status, down.value.graph_code) == (503, None)
    assert down.value.retryable and not down.value.token_expired
    with pytest.raises(GraphError) as throttled:
        client.reply_to_comment(Platform.INSTAGRAM, "17887766554433221", "Merci", "throttled")
    assert (throttled.value.status, throttled.value.graph_code) == (400, 4)
    assert throttled.value.retryable


def test_an_unreachable_graph_is_worth_a_retry() -> None:
    stopped = FakeGraph()
    base_url = stopped.start()
    stopped.stop()
    with pytest.raises(GraphError) as unreachable:
        GraphClient(base_url=base_url, timeout=2).check(PAGE, TOKEN)
    assert unreachable.value.retryable and unreachable.value.status == 0


def test_other_refusals_are_final(graph: FakeGraph, client: GraphClient) -> None:
    with pytest.raises(GraphError) as refused:
        client.reply_to_comment(Platform.FACEBOOK, "122145678901234567_1", "   ", TOKEN)
    assert not refused.value.retryable and not refused.value.token_expired
    assert graph.sent == []  # refused before any call
    with pytest.raises(GraphError, match="empty"):
        client.send_message(Platform.FACEBOOK, PAGE, "7381924650129384", " \n ", TOKEN)


def test_the_health_check_reads_the_account(graph: FakeGraph, client: GraphClient) -> None:
    client.check(PAGE, TOKEN)
    assert graph.sent == []  # a GET: nothing sent to anyone


def test_the_token_travels_in_a_header_never_in_the_url(
    graph: FakeGraph, client: GraphClient
) -> None:
    client.send_message(Platform.FACEBOOK, PAGE, "7381924650129384", "Bonjour", TOKEN)
    client.send_message(Platform.WHATSAPP, PHONE_ID, "33612345678", "Bonjour", TOKEN)
    client.reply_to_comment(Platform.INSTAGRAM, "17887766554433221", "Bonjour", TOKEN)
    with pytest.raises(GraphError):
        client.send_message(Platform.FACEBOOK, PAGE, "7381924650129384", "Bonjour", "expired")
    assert len(graph.sent) == 4
    for call in graph.sent:
        assert call["token"] in (TOKEN, "expired")
        assert call["token"] not in call["path"] and "access_token" not in call["path"]


@pytest.mark.parametrize("token", ["", "two words", "line\nbreak", "jeton-é"])
def test_an_unusable_token_is_refused_before_any_call(
    graph: FakeGraph, client: GraphClient, token: str
) -> None:
    with pytest.raises(GraphError) as refused:
        client.send_message(Platform.FACEBOOK, PAGE, "7381924650129384", "Bonjour", token)
    assert refused.value.token_expired
    assert graph.sent == []


@pytest.mark.parametrize("object_id", ["../me", "", "1/comments", "1?fields=x", "a b", "é"])
def test_ids_that_would_change_the_path_are_refused(
    graph: FakeGraph, client: GraphClient, object_id: str
) -> None:
    with pytest.raises(GraphError, match="not a Graph object id"):
        client.reply_to_comment(Platform.FACEBOOK, object_id, "Bonjour", TOKEN)
    with pytest.raises(GraphError, match="not a Graph object id"):
        client.send_message(Platform.WHATSAPP, object_id, "33612345678", "Bonjour", TOKEN)
    assert graph.sent == []


@pytest.mark.parametrize(
    ("base_url", "version"),
    [
        ("ftp://graph.facebook.com", "v21.0"),
        ("file:///etc/passwd", "v21.0"),
        ("graph.facebook.com", "v21.0"),
        ("https://graph.facebook.com?access_token=x", "v21.0"),
        ("https://user:pass@graph.facebook.com", "v21.0"),
        ("https://graph.facebook.com", "21"),
        ("https://graph.facebook.com", "v21.0/../x"),
    ],
)
def test_the_base_url_must_be_http_and_the_version_graph_s(base_url: str, version: str) -> None:
    with pytest.raises(ValueError):
        GraphClient(base_url=base_url, version=version)


def test_the_fake_serves_its_record_and_resets(graph: FakeGraph, client: GraphClient) -> None:
    client.send_message(Platform.FACEBOOK, PAGE, "7381924650129384", "Bonjour", TOKEN)
    with urllib.request.urlopen(f"{graph.base_url}/_sent", timeout=5) as response:
        recorded: list[dict[str, Any]] = json.loads(response.read())
    assert [call["path"] for call in recorded] == [f"/v21.0/{PAGE}/messages"]
    assert recorded[0]["at"].endswith("+00:00")
    reset = urllib.request.Request(f"{graph.base_url}/_reset", data=b"", method="POST")
    with urllib.request.urlopen(reset, timeout=5) as response:
        assert json.loads(response.read()) == {"ok": True}
    assert graph.sent == []


def test_split_text_prefers_line_breaks_and_cuts_words_longer_than_the_limit() -> None:
    assert split_text("  Bonjour  ", 10) == ["Bonjour"]
    assert split_text("", 10) == [] and split_text(" \n ", 10) == []
    assert split_text("aaaa bbbb\ncccc dddd", 15) == ["aaaa bbbb", "cccc dddd"]
    assert split_text("x" * 25, 10) == ["x" * 10, "x" * 10, "x" * 5]
    # An emoji is two UTF-16 units, as Meta may count it.
    assert split_text("😀" * 6, 4) == ["😀😀", "😀😀", "😀😀"]


@settings(max_examples=200, deadline=None)
@given(
    text=st.text(alphabet=st.sampled_from("ab é😀\n\t"), max_size=400),
    limit=st.integers(2, 40),
)
def test_split_text_keeps_every_word_within_the_limit(text: str, limit: int) -> None:
    parts = split_text(text, limit)
    assert all(part and part == part.strip() for part in parts)
    assert all(len(part.encode("utf-16-le")) // 2 <= limit for part in parts)
    assert "".join("".join(parts).split()) == "".join(text.split())


# --- The files citizens send ---------------------------------------------------------------

LIMIT = 10 * 1024 * 1024


def test_a_cdn_link_is_downloaded_without_the_token(graph: FakeGraph, client: GraphClient) -> None:
    photo = graph.add_media(b"\x89PNG photo", "image/png")
    content = client.download_media(graph.media_url(photo), "", TOKEN, LIMIT)
    assert content == (b"\x89PNG photo", "image/png")
    assert graph.downloaded() == [{"id": photo, "token": ""}]


def test_a_whatsapp_media_id_is_looked_up_and_fetched_with_the_token(
    graph: FakeGraph, client: GraphClient
) -> None:
    voice = graph.add_media(b"OggS voice", "audio/ogg; codecs=opus")
    assert client.download_media("", voice, TOKEN, LIMIT) == (b"OggS voice", "audio/ogg")
    assert graph.downloaded() == [{"id": voice, "token": TOKEN}]
    with pytest.raises(GraphError) as expired:
        client.download_media("", voice, "expired", LIMIT)
    assert expired.value.token_expired


def test_a_file_larger_than_kept_is_refused_as_too_large(
    graph: FakeGraph, client: GraphClient
) -> None:
    video = graph.add_media(b"v" * 2048, "video/mp4")
    # WhatsApp announces the size: nothing is downloaded.
    with pytest.raises(MediaTooLargeError) as announced:
        client.download_media("", video, TOKEN, 1024)
    assert announced.value.code == "too_large"
    assert graph.downloaded() == []
    with pytest.raises(MediaTooLargeError):
        client.download_media(graph.media_url(video), "", TOKEN, 1024)


@pytest.mark.parametrize(
    "url",
    [
        "",
        "https://evil.example.org/photo.jpg",
        "http://scontent.xx.fbcdn.net/photo.jpg",
        "https://user@scontent.xx.fbcdn.net/photo.jpg",
        "https://fbcdn.net.example.org/photo.jpg",
        "file:///etc/passwd",
        "http://169.254.169.254/latest/meta-data/",
    ],
)
def test_links_outside_meta_s_hosts_are_never_fetched(client: GraphClient, url: str) -> None:
    with pytest.raises(GraphError, match="outside Meta"):
        client.download_media(url, "", TOKEN, LIMIT)


class _Redirector(http.server.BaseHTTPRequestHandler):
    """A CDN that moved its files: every GET but /final (a photo) and the WhatsApp media
    id 42 (whose link is /moved) is redirected to `target`."""

    target = ""
    seen: ClassVar[list[tuple[str, str]]] = []

    def do_GET(self) -> None:
        self.seen.append((self.path, self.headers.get("Authorization", "")))
        if self.path == "/final":
            self._answer(200, b"jpeg", "image/jpeg")
        elif self.path == "/v21.0/42":
            port = self.server.server_address[1]
            link = {"url": f"http://127.0.0.1:{port}/moved", "mime_type": "image/jpeg"}
            self._answer(200, json.dumps(link).encode(), "application/json")
        else:
            self.send_response(302)
            self.send_header("Location", self.target)
            self.send_header("Content-Length", "0")
            self.end_headers()

    def _answer(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        return


@pytest.fixture
def redirector() -> Iterator[tuple[str, type[_Redirector]]]:
    handler = type("Redirector", (_Redirector,), {"seen": []})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", handler
    server.shutdown()
    server.server_close()


def test_a_cdn_redirect_is_followed_only_to_a_link_that_would_be_fetched(
    graph: FakeGraph, redirector: tuple[str, type[_Redirector]]
) -> None:
    base, handler = redirector
    client = GraphClient(base_url=base, timeout=5)
    handler.target = f"{base}/final"
    assert client.download_media(f"{base}/photo", "", TOKEN, LIMIT) == (b"jpeg", "image/jpeg")
    handler.target = graph.media_url(graph.add_media(b"elsewhere", "image/jpeg"))
    with pytest.raises(GraphError):
        client.download_media(f"{base}/photo", "", TOKEN, LIMIT)
    assert graph.downloaded() == []
    assert {token for _, token in handler.seen} == {""}  # no token, ever, to a CDN link


def test_a_link_fetched_with_the_token_never_follows_a_redirect(
    redirector: tuple[str, type[_Redirector]],
) -> None:
    base, handler = redirector
    handler.target = f"{base}/final"
    client = GraphClient(base_url=base, timeout=5)
    with pytest.raises(GraphError) as refused:
        client.download_media("", "42", TOKEN, LIMIT)
    assert refused.value.status == 302
    # The token went to Graph and to the media link it gave, and nowhere after.
    assert handler.seen == [("/v21.0/42", f"Bearer {TOKEN}"), ("/moved", f"Bearer {TOKEN}")]
