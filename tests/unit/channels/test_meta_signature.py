"""X-Hub-Signature-256 and the subscription handshake: known answers, the refusals, and
properties over arbitrary secrets, bodies and headers (any change refuses, nothing raises)."""

from __future__ import annotations

import json
import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.channels.meta.signature import MAX_CHALLENGE_CHARS, handshake, sign, verify

pytestmark = pytest.mark.unit

SECRET = "8f2c1e0d9b7a6c5e4d3f2a1b0c9d8e7f"
BODY = json.dumps({"object": "page", "entry": [{"id": "104539118295461"}]}).encode()
EXAMPLES = settings(max_examples=200, deadline=None)
secrets_ = st.text(min_size=1, max_size=64)
bodies = st.binary(max_size=2048)


def test_the_published_hmac_sha256_test_vector() -> None:
    # The same X-Hub-Signature-256 scheme, with the example GitHub publishes for it.
    expected = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
    assert sign("It's a Secret to Everybody", b"Hello, World!") == expected
    assert verify("It's a Secret to Everybody", b"Hello, World!", expected)


def test_only_the_raw_body_s_signature_is_accepted() -> None:
    header = sign(SECRET, BODY)
    assert verify(SECRET, BODY, header)
    # Re-serialised JSON is the same data but other bytes: refused.
    reserialised = json.dumps(json.loads(BODY), indent=1).encode()
    assert not verify(SECRET, reserialised, header)
    assert not verify("another-app-secret", BODY, header)
    assert not verify("", BODY, header)
    assert not verify(SECRET, BODY, None)
    assert not verify(SECRET, BODY, "")
    assert not verify(SECRET, BODY, header.removeprefix("sha256="))
    assert not verify(SECRET, BODY, header.replace("sha256=", "sha1="))
    assert not verify(SECRET, BODY, header.upper())
    assert not verify(SECRET, BODY, "sha256=" + header[7:].upper())
    assert not verify(SECRET, BODY, header + "0")
    assert not verify(SECRET, BODY, header[:-1])
    assert not verify(SECRET, BODY, header + " ")
    assert not verify(SECRET, BODY, "sha256=" + "g" * 64)


def test_odd_inputs_are_refused_without_raising() -> None:
    header = sign(SECRET, BODY)
    assert not verify(SECRET, BODY, "sha256=" + "é" * 64)
    assert not verify(SECRET, BODY, "sha256=\ud800" + header[8:])
    assert verify("sécret-\ud800", BODY, sign("sécret-\ud800", BODY))
    assert not verify(SECRET, BODY, 42)  # type: ignore[arg-type]
    assert not verify(SECRET, "not bytes", header)  # type: ignore[arg-type]


@EXAMPLES
@given(secret=secrets_, body=bodies)
def test_a_signature_made_with_the_secret_verifies(secret: str, body: bytes) -> None:
    header = sign(secret, body)
    assert header.startswith("sha256=") and len(header) == 7 + 64
    assert verify(secret, body, header)


@EXAMPLES
@given(secret=secrets_, body=st.binary(min_size=1, max_size=2048), data=st.data())
def test_any_single_byte_changed_in_the_body_is_refused(
    secret: str, body: bytes, data: st.DataObject
) -> None:
    index = data.draw(st.integers(0, len(body) - 1), label="index")
    delta = data.draw(st.integers(1, 255), label="delta")
    changed = bytearray(body)
    changed[index] = (changed[index] + delta) % 256
    assert not verify(secret, bytes(changed), sign(secret, body))


@EXAMPLES
@given(secret=secrets_, body=bodies, data=st.data())
def test_any_single_character_changed_in_the_signature_is_refused(
    secret: str, body: bytes, data: st.DataObject
) -> None:
    header = sign(secret, body)
    index = data.draw(st.integers(0, len(header) - 1), label="index")
    replacement = data.draw(
        st.characters(codec="utf-8").filter(lambda char: char != header[index]), label="char"
    )
    changed = header[:index] + replacement + header[index + 1 :]
    assert not verify(secret, body, changed)


@EXAMPLES
@given(secret=st.text(max_size=64), body=bodies, header=st.none() | st.text(max_size=200))
def test_arbitrary_headers_never_raise_and_are_refused(
    secret: str, body: bytes, header: str | None
) -> None:
    assert verify(secret, body, header) is False


@EXAMPLES
@given(
    token=st.text(min_size=1, max_size=64),
    challenge=st.text(alphabet=string.ascii_letters + string.digits + "-_. ", min_size=1),
)
def test_the_handshake_echoes_the_challenge_to_the_right_token_only(
    token: str, challenge: str
) -> None:
    challenge = challenge[:MAX_CHALLENGE_CHARS]
    assert handshake("subscribe", token, challenge, token) == challenge
    assert handshake("unsubscribe", token, challenge, token) is None
    assert handshake(None, token, challenge, token) is None
    assert handshake("subscribe", token + "x", challenge, token) is None
    assert handshake("subscribe", None, challenge, token) is None
    assert handshake("subscribe", token, challenge, "") is None


@EXAMPLES
@given(
    mode=st.none() | st.text(max_size=20),
    verify_token=st.none() | st.text(max_size=64),
    challenge=st.none() | st.text(max_size=300),
    expected=st.text(max_size=64),
)
def test_the_handshake_never_raises_and_only_echoes_short_printable_challenges(
    mode: str | None, verify_token: str | None, challenge: str | None, expected: str
) -> None:
    answer = handshake(mode, verify_token, challenge, expected)
    if answer is not None:
        assert mode == "subscribe" and verify_token == expected and expected
        assert answer == challenge
        assert 0 < len(answer) <= MAX_CHALLENGE_CHARS and answer.isprintable()


def test_the_handshake_refuses_empty_long_and_unprintable_challenges() -> None:
    token = "concerto-verify-token"
    assert handshake("subscribe", token, "1158201444", token) == "1158201444"
    assert handshake("subscribe", token, "", token) is None
    assert handshake("subscribe", token, None, token) is None
    assert handshake("subscribe", token, "9" * MAX_CHALLENGE_CHARS, token) == "9" * 200
    assert handshake("subscribe", token, "9" * (MAX_CHALLENGE_CHARS + 1), token) is None
    assert handshake("subscribe", token, "<script>\n", token) is None
    assert handshake("subscribe", token, "défi", token) is None
    assert handshake("subscribe", "\ud800", "1", token) is None
