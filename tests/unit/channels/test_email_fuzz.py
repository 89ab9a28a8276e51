"""Property tests: the e-mail parser and quote stripper never raise, whatever arrives (random
bytes, damaged real mails, generated MIME), and what they return keeps its invariants."""

from __future__ import annotations

import json
from email.headerregistry import Address
from email.message import EmailMessage
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from chalicelib.channels.email import ParsedEmail, new_text, parse
from chalicelib.channels.email.__main__ import as_json
from chalicelib.channels.email.parse import clean_text, html_to_text

pytestmark = pytest.mark.unit

FIXTURES = Path(__file__).parents[2] / "fixtures" / "email"
FIXTURE_BYTES = [path.read_bytes() for path in sorted(FIXTURES.glob("*.eml"))]
REASONS = {"", "too_large", "type_not_allowed", "too_many", "total_too_large"}
# Byte sequences that steer a damaged mail into the parser's harder paths.
TOKENS = [
    b"\r\n--",
    b"\r\n\r\n",
    b"=?utf-8?b?",
    b"=?x-bogus?q?=E9?=",
    b"?=",
    b"Content-Type: multipart/mixed; boundary=x\r\n",
    b"Content-Type: message/rfc822\r\n",
    b"Content-Transfer-Encoding: base64\r\n",
    b"charset=x-unknown",
    b"format=flowed",
    b"=\r\n",
    b"\x00",
    b"\xff\xfe",
    b"<blockquote>",
    b"<![if !mso]>",
    b"<div id=divRplyFwdMsg>",
    b"> ",
    b"-- \r\n",
]
CHARSETS = [
    "utf-8",
    "iso-8859-1",
    "iso-8859-15",
    "windows-1252",
    "us-ascii",
    "utf-16",
    "koi8-r",
    "shift_jis",
    "x-unknown-charset",
    "unicode_escape",
    "base64",
    "",
]


def fuzz_settings(examples: int) -> settings:
    # No example database: the fuzz tests leave no files behind in the repository.
    return settings(
        max_examples=examples,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow],
    )


def check_invariants(parsed: ParsedEmail) -> None:
    assert isinstance(parsed, ParsedEmail)
    strings = [parsed.subject, parsed.sender, parsed.sender_name, parsed.message_id, parsed.text]
    strings += [parsed.new_text, parsed.auto_reply_reason, parsed.error or ""]
    strings += [*parsed.recipients, *parsed.in_reply_to, *parsed.references]
    strings += [attachment.filename for attachment in parsed.attachments]
    for value in strings:
        value.encode("utf-8")  # no lone surrogates anywhere
    assert parsed.error is None or parsed.error
    assert parsed.auto_reply is bool(parsed.auto_reply_reason)
    assert parsed.date is None or parsed.date.tzinfo is not None
    assert parsed.sender == "" or "@" in parsed.sender
    for attachment in parsed.attachments:
        assert attachment.rejected in REASONS
        assert attachment.filename and len(attachment.filename) <= 200
        assert "/" not in attachment.filename and "\\" not in attachment.filename
        expected = b"" if attachment.rejected else attachment.content
        assert attachment.content == expected
        assert attachment.rejected or len(attachment.content) == attachment.size
    assert all(line in parsed.text for line in parsed.new_text.split("\n") if line.strip())
    # The CLI contract must be able to print it.
    json.dumps(as_json(parsed), ensure_ascii=False).encode("utf-8")


# Random bytes behind a few plausible headers reach the MIME walker, not just the
# "not an e-mail" exit.
HEADED_BYTES = st.builds(
    lambda content_type, encoding, body: (
        b"From: x@example.fr\r\nContent-Type: " + content_type + b"\r\n"
        b"Content-Transfer-Encoding: " + encoding + b"\r\n\r\n" + body
    ),
    st.sampled_from(
        [
            b"text/plain",
            b"text/html",
            b"text/plain; format=flowed",
            b"multipart/mixed; boundary=b",
            b"multipart/alternative",
            b"message/rfc822",
            b"image/png; name=x.png",
        ]
    ),
    st.sampled_from([b"base64", b"quoted-printable", b"8bit", b"x-uuencode", b"bogus"]),
    st.binary(max_size=2000),
)


@fuzz_settings(1000)
@given(st.one_of(st.binary(max_size=3000), HEADED_BYTES))
def test_parse_never_raises_on_arbitrary_bytes(raw: bytes) -> None:
    check_invariants(parse(raw))


@st.composite
def damaged_fixtures(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(FIXTURE_BYTES)))
    for _ in range(draw(st.integers(1, 6))):
        kind = draw(st.sampled_from(["flip", "truncate", "insert", "delete", "splice", "token"]))
        position = draw(st.integers(0, len(data)))
        if kind == "flip" and data:
            data[min(position, len(data) - 1)] ^= 1 << draw(st.integers(0, 7))
        elif kind == "truncate":
            del data[position:]
        elif kind == "insert":
            data[position:position] = draw(st.binary(min_size=1, max_size=40))
        elif kind == "delete":
            del data[position : position + draw(st.integers(1, 300))]
        elif kind == "splice":  # a piece of another mail: headers, boundaries, base64
            other = draw(st.sampled_from(FIXTURE_BYTES))
            start = draw(st.integers(0, len(other)))
            data[position:position] = other[start : start + draw(st.integers(1, 400))]
        else:
            data[position:position] = draw(st.sampled_from(TOKENS))
    return bytes(data)


@fuzz_settings(1000)
@given(damaged_fixtures())
def test_parse_never_raises_on_damaged_real_mails(raw: bytes) -> None:
    check_invariants(parse(raw))


HEADER_TEXT = st.text(
    st.characters(exclude_categories=("Cs",), exclude_characters="\r\n"), max_size=80
)


@st.composite
def generated_messages(draw: st.DrawFn) -> EmailMessage:
    message = EmailMessage()
    try:
        message["From"] = draw(HEADER_TEXT)
        message["Subject"] = draw(HEADER_TEXT)
        message["To"] = draw(HEADER_TEXT)
        message["Date"] = draw(st.sampled_from(["Mon, 9 Mar 2026 10:00:00 +0100", "junk", ""]))
        for name in draw(st.lists(st.sampled_from(["Auto-Submitted", "Precedence"]), max_size=2)):
            message[name] = draw(HEADER_TEXT)
        _add_body(draw, message)
    except Exception:
        # The email package refuses some headers; those are not the parser's input.
        assume(False)
    return message


def _add_body(draw: st.DrawFn, message: EmailMessage) -> None:
    subtype = draw(st.sampled_from(["plain", "html"]))
    charset = draw(st.sampled_from(CHARSETS))
    body = draw(st.text(max_size=400)).encode(_python_codec(charset), "replace")
    cte = draw(st.sampled_from(["base64", "quoted-printable", "8bit"]))
    params = {"charset": charset} if charset else {}
    message.set_content(body, "text", subtype, cte=cte, params=params)
    if draw(st.booleans()):
        message.add_alternative(draw(st.text(max_size=200)), subtype="html")
    for _ in range(draw(st.integers(0, 2))):
        message.add_attachment(
            draw(st.binary(max_size=300)),
            maintype=draw(st.sampled_from(["image", "application", "text"])),
            subtype=draw(st.sampled_from(["jpeg", "pdf", "octet-stream", "plain"])),
            filename=draw(HEADER_TEXT) or None,
        )
    if draw(st.booleans()):
        inner = EmailMessage()
        inner["Subject"] = draw(HEADER_TEXT)
        inner.set_content(draw(st.text(max_size=200)))
        message.add_attachment(inner)


def _python_codec(charset: str) -> str:
    known = {"x-unknown-charset": "latin-1", "unicode_escape": "latin-1", "base64": "utf-8"}
    return known.get(charset, charset or "utf-8")


@fuzz_settings(300)
@given(generated_messages())
def test_parse_never_raises_on_generated_mime(message: EmailMessage) -> None:
    # Serialised here, not in the strategy: the generator draws boundaries from `random`.
    try:
        raw = message.as_bytes()
    except Exception:
        assume(False)
    check_invariants(parse(raw))


WORDS = st.text(
    st.characters(categories=("L", "N"), include_characters=" ,.;!-'’"), min_size=1, max_size=60
)


@fuzz_settings(200)
@given(
    name=st.text(st.characters(categories=("L",), include_characters=" "), max_size=30),
    subject=WORDS,
    lines=st.lists(WORDS, min_size=1, max_size=8),
    cte=st.sampled_from(["base64", "quoted-printable", "8bit"]),
)
def test_a_plain_utf8_mail_round_trips(name: str, subject: str, lines: list[str], cte: str) -> None:
    body = "\n".join(lines)
    message = EmailMessage()
    message["From"] = Address(display_name=name, username="Jean.Dupont", domain="Example.FR")
    message["Subject"] = subject
    message.set_content(body.encode(), "text", "plain", cte=cte, params={"charset": "utf-8"})
    parsed = parse(message.as_bytes())
    assert parsed.sender == "Jean.Dupont@example.fr"
    assert parsed.sender_name == " ".join(name.split())
    assert parsed.subject == " ".join(subject.split())
    assert parsed.text == clean_text(body)
    assert parsed.error == (None if parsed.text else "no readable text")


BLOCKS = [
    "> cité",
    ">",
    "Le 12 mars 2026 à 10:02, Mairie <c@m.fr> a écrit :",
    "Le lun. 12 mars 2026 à 10:02, Mairie <",
    "c@m.fr> a écrit :",
    "On Mon, Mar 12, 2026 at 10:02 AM X <x@y.com> wrote:",
    "De : Mairie",
    "Envoyé : lundi 12 mars 2026",
    "Objet : x",
    "À : Jean",
    "________________________________",
    "-----Message d'origine-----",
    "---------- Forwarded message ---------",
    "Envoyé de mon iPhone",
    "Télécharger Outlook pour Android",
    "-- ",
    "--",
    "",
    "Cordialement,",
]
QUOTE_TEXT = st.lists(
    st.one_of(st.sampled_from(BLOCKS), st.text(max_size=40)), max_size=25
).flatmap(lambda lines: st.sampled_from(["\n", "\r\n", "\r"]).map(lambda sep: sep.join(lines)))


@fuzz_settings(600)
@given(st.one_of(st.text(max_size=500), QUOTE_TEXT))
def test_new_text_never_raises_and_only_keeps_lines_of_the_input(text: str) -> None:
    result = new_text(text)
    assert isinstance(result, str)
    assert all(line in text for line in result.split("\n") if line.strip())
    assert result or not text.strip()


HTML_PIECES = [
    "<p>",
    "</p>",
    "<div>",
    "</div>",
    "<br>",
    "<blockquote>",
    "</blockquote>",
    "<li>",
    "<head>",
    "<style>",
    "</style>",
    "<pre>",
    "</pre>",
    "<![if !mso]>",
    "<![endif]>",
    "<div id='appendonsend'>",
    "<td>",
    "<!--",
    "-->",
    "&nbsp;",
    "&#x110000;",
    "<",
    "<p x='>",
    "<a",
]
TAG_SOUP = st.lists(
    st.one_of(
        st.sampled_from(HTML_PIECES),
        st.text(max_size=20),
    ),
    max_size=30,
).map("".join)


@fuzz_settings(400)
@given(st.one_of(TAG_SOUP, st.text(max_size=300)))
def test_html_to_text_never_raises(html: str) -> None:
    text = html_to_text(html)
    assert "\r" not in text and "\n\n\n" not in text
