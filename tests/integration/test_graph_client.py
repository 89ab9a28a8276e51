"""The Graph API adapter over real HTTP against local.graph.FakeGraph: what each answer sends
and where, long texts cut between words, and Graph's errors mapped to what the caller does next
(reconnect the channel, retry later, give up)."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.adapters.graph import (
    MESSENGER_MAX_CHARS,
    WHATSAPP_MAX_CHARS,
    GraphClient,
    GraphError,
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
