"""Turns the raw bytes of an inbound e-mail into a ParsedEmail: decoded headers, the body as
clean text, attachments checked against limits, auto-replies flagged. Standard library only,
and `parse` never raises: real-world mail is too messy to trust any of it."""

from __future__ import annotations

import base64
import codecs
import email
import email.policy
import hashlib
import quopri
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from email.header import decode_header
from email.message import Message
from email.utils import collapse_rfc2231_value, getaddresses, parsedate_to_datetime
from html import unescape
from html.parser import HTMLParser

from chalicelib.channels.email import verdicts as ses_verdicts
from chalicelib.channels.email.quotes import new_text as strip_quotes

# --------------------------------------------------------------------------------------------
# Public types
# --------------------------------------------------------------------------------------------

_ALLOWED_TYPES = frozenset(
    {
        "image/jpeg",
        "image/jpg",  # not a registered type, but common
        "image/pjpeg",
        "image/png",
        "image/gif",
        "image/webp",
        "image/heic",
        "image/heif",
        "application/pdf",
        "text/plain",
        "text/csv",
        "application/rtf",
        "text/rtf",
        "application/msword",
        "application/vnd.ms-excel",
        "application/vnd.ms-powerpoint",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "application/vnd.oasis.opendocument.text",
        "application/vnd.oasis.opendocument.spreadsheet",
        "application/vnd.oasis.opendocument.presentation",
        # Phone videos and voice memos of a problem in the street.
        "video/mp4",
        "video/quicktime",
        "audio/mpeg",
        "audio/mp4",
        "audio/x-m4a",
    }
)


@dataclass(frozen=True)
class AttachmentLimits:
    max_bytes: int = 10 * 1024 * 1024  # one attachment
    max_total_bytes: int = 25 * 1024 * 1024
    max_count: int = 10
    allowed_types: frozenset[str] = _ALLOWED_TYPES


@dataclass(frozen=True)
class Attachment:
    filename: str  # sanitised; "piece-jointe-N" when the part has none
    content_type: str
    size: int  # decoded bytes
    content: bytes  # b"" when rejected
    rejected: str = ""  # "", "too_large", "type_not_allowed", "too_many", "total_too_large"


@dataclass(frozen=True)
class ParsedEmail:
    subject: str
    sender: str  # bare address of From, domain lower-cased; "" if none
    sender_name: str
    date: datetime | None  # timezone-aware
    message_id: str
    in_reply_to: tuple[str, ...]
    references: tuple[str, ...]
    recipients: tuple[str, ...]
    text: str  # the whole body as clean text, forwarded messages inlined (see _forwarded)
    new_text: str  # `text` without quoted history and signature
    attachments: tuple[Attachment, ...]
    auto_reply: bool
    auto_reply_reason: str
    error: str | None
    # What SES concluded (spam, virus, SPF, DKIM, DMARC): see verdicts.py.
    verdicts: ses_verdicts.Verdicts = field(default_factory=ses_verdicts.Verdicts)


DEFAULT_LIMITS = AttachmentLimits()


def parse(raw: bytes, limits: AttachmentLimits = DEFAULT_LIMITS) -> ParsedEmail:
    """Never raises, whatever the bytes: problems are reported in `error`."""
    data = b""
    try:
        data = _as_bytes(raw)
        parsed = _parse(data, limits)
    except Exception as exc:  # the promise: any failure becomes a readable error
        parsed = _failed(f"unreadable MIME structure: {type(exc).__name__}")
    # Read apart from the body: a verdict holds even for a mail whose MIME is broken.
    return replace(parsed, verdicts=ses_verdicts.read(data))


# --------------------------------------------------------------------------------------------
# Bytes to text
# --------------------------------------------------------------------------------------------

# Charset labels mailers use that Python does not know, or knows as something narrower.
_CHARSET_ALIASES = {
    "x-mac-roman": "mac_roman",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "ks_c_5601-1987": "cp949",
    "x-sjis": "shift_jis",
    "windows-874": "cp874",
    "iso-8859-8-i": "iso-8859-8",
    "unicode-1-1-utf-7": "utf-7",
    "x-user-defined": "windows-1252",
}
_CHARSET_IN_LABEL = re.compile(
    r"utf-?8|iso[-_]?8859[-_]?\d{1,2}|windows-?125\d|cp-?125\d|us-ascii", re.IGNORECASE
)
# Text codecs that are not charsets; decoding with them would be wrong or unsafe.
_NOT_CHARSETS = frozenset({"unicode-escape", "raw-unicode-escape", "undefined", "idna", "punycode"})
# Labels that in practice mean windows-1252 (as browsers read them): Outlook writes
# "iso-8859-1" over curly quotes and "€" that only exist in windows-1252.
_WINDOWS_1252_LABELS = frozenset({"ascii", "iso8859-1", "cp1252"})
_UTF16_32 = re.compile(r"utf-(16|32)")
_C1_TO_WINDOWS_1252 = {
    code: bytes([code]).decode("cp1252")
    for code in range(0x80, 0xA0)
    if code not in (0x81, 0x8D, 0x8F, 0x90, 0x9D)
}


def decode_bytes(data: bytes, charset: str | None) -> str:
    """Text from bytes labelled `charset` (maybe wrongly, maybe unknown): the declared codec
    unless the bytes are obviously UTF-8, then UTF-8, then windows-1252/latin-1. Never fails."""
    codec = _codec(charset)
    if codec is not None and codec != "utf-8" and not _UTF16_32.match(codec):
        as_utf8 = _strict_utf8(data)
        if as_utf8 is not None and not as_utf8.isascii():
            return as_utf8  # mislabelled UTF-8: valid multi-byte sequences are no accident
    if codec in _WINDOWS_1252_LABELS:
        return _windows_1252(data)
    if codec is not None:
        try:
            return data.decode(codec)
        except (UnicodeError, LookupError):
            pass
    as_utf8 = _strict_utf8(data)
    if as_utf8 is not None:
        return as_utf8
    replaced = data.decode("utf-8", "replace")
    invalid = replaced.count("\ufffd")
    valid = sum(1 for char in replaced if ord(char) > 0x7F) - invalid
    # A stray bad byte in UTF-8 text, or latin-1 text labelled (or guessed) as UTF-8?
    return replaced if valid > invalid else _windows_1252(data)


def _codec(charset: str | None) -> str | None:
    if not charset:
        return None
    label = charset[:100].strip().strip("\"'").lower()
    label = _CHARSET_ALIASES.get(label, label)
    name = _lookup(label)
    if name is None:
        found = _CHARSET_IN_LABEL.search(label)  # "=3Dutf-8", "utf-8;format=flowed"
        name = _lookup(found.group()) if found else None
    return name


def _lookup(label: str) -> str | None:
    try:
        info = codecs.lookup(label)
    except (LookupError, ValueError, TypeError):
        return None
    if not getattr(info, "_is_text_encoding", True) or info.name in _NOT_CHARSETS:
        return None
    return info.name


def _strict_utf8(data: bytes) -> str | None:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _windows_1252(data: bytes) -> str:
    # latin-1 never fails; the C1 range is then read as windows-1252 where it defines a char.
    return data.decode("latin-1").translate(_C1_TO_WINDOWS_1252)


_SURROGATES = re.compile("[\ud800-\udfff]+")


def _fix_surrogates(text: str) -> str:
    """The email package keeps undecodable header bytes as lone surrogates; decode them."""

    def repair(match: re.Match[str]) -> str:
        try:
            raw = match.group().encode("utf-8", "surrogateescape")
        except UnicodeEncodeError:
            return "\ufffd"
        return decode_bytes(raw, None)

    return _SURROGATES.sub(repair, text)


# --------------------------------------------------------------------------------------------
# Clean text
# --------------------------------------------------------------------------------------------

_SPACES = str.maketrans(
    {"\xa0": " ", "\u202f": " ", "\u2007": " ", "\u3000": " ", "\u2028": "\n", "\u2029": "\n"}
)
# Control and invisible characters (zero-width spaces, soft hyphens, bidi controls, the
# "‌ ͏" padding newsletters put after their preheader); tab and newline are kept.
_INVISIBLE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u00ad\u034f\u061c\u180e\u200b\u200c\u200e\u200f"
    "\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff\ufff9-\ufffb]"
)
_BLANK_RUN = re.compile(r"\n{3,}")


def clean_text(text: str) -> str:
    """LF line ends, NBSP as space, invisible characters gone, no trailing spaces, at most
    one blank line in a row, no blank lines around."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").translate(_SPACES)
    text = _SURROGATES.sub("\ufffd", text)
    text = _INVISIBLE.sub("", unicodedata.normalize("NFC", text))
    text = "\n".join(line.rstrip(" \t") for line in text.split("\n"))
    return _BLANK_RUN.sub("\n\n", text).strip("\n")


def unflow(text: str, delsp: bool) -> str:
    """Undo RFC 3676 format=flowed (Thunderbird): a line ending with a space continues on the
    next line of the same quote depth; a leading space was added for stuffing."""
    out: list[str] = []
    pending = ""
    pending_depth = -1
    for line in text.replace("\r\n", "\n").split("\n"):
        depth = len(line) - len(line.lstrip(">"))
        content = line[depth:]
        content = content.removeprefix(" ")
        if pending_depth >= 0 and depth != pending_depth:
            out.append(_quote_prefix(pending_depth) + pending)
            pending, pending_depth = "", -1
        if content.endswith(" ") and content != "-- ":
            pending += content[:-1] if delsp else content
            pending_depth = depth
            continue
        out.append(_quote_prefix(depth) + pending + content)
        pending, pending_depth = "", -1
    if pending_depth >= 0:
        out.append(_quote_prefix(pending_depth) + pending)
    return "\n".join(out)


def _quote_prefix(depth: int) -> str:
    return ">" * depth + " " if depth else ""


# --------------------------------------------------------------------------------------------
# HTML to text
# --------------------------------------------------------------------------------------------

_VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param"}
    | {"source", "track", "wbr", "keygen"}
)
_SKIPPED = frozenset(
    {"head", "script", "style", "title", "noscript", "template", "xml", "svg", "object"}
)
_PARAGRAPHS = frozenset(
    {"p", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "dl", "table", "pre", "hr"}
    | {"blockquote", "figure", "address", "fieldset", "form"}
)
_BLOCKS = _PARAGRAPHS | frozenset(
    {"div", "li", "tr", "dt", "dd", "section", "article", "header", "footer", "main", "nav"}
    | {"aside", "center", "caption", "tbody", "thead", "tfoot", "body", "html", "details"}
    | {"summary", "option", "legend", "figcaption", "hgroup"}
)
_HIDDEN = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden|mso-hide\s*:\s*all", re.I)
_TIGHT_PARAGRAPH = re.compile(r"margin(-top|-bottom)?\s*:\s*0", re.I)
# Containers after which (or inside which) everything is the quoted history: Outlook on
# the web ("appendonsend", "divRplyFwdMsg", re-quoted with an "x_" prefix), the new Outlook,
# Outlook desktop's header rule, Yahoo.
_HISTORY_IDS = frozenset(
    {"appendonsend", "x_appendonsend", "divrplyfwdmsg", "x_divrplyfwdmsg"}
    | {"mail-editor-reference-message-container"}
)
_HISTORY_STYLE = re.compile(r"border-top\s*:\s*solid\s+#(e1e1e1|b5c4df)", re.I)
_QUOTE_CLASSES = frozenset({"yahoo_quoted", "protonmail_quote"})
# Outlook's "<![if !supportLists]>" marks make html.parser raise; they are short.
_HTML_MARKED_SECTION = re.compile(r"<!\[(?!CDATA\[)[^<>]{0,200}>")
_MAX_OPEN_ELEMENTS = 256
_MAX_QUOTE_DEPTH = 8
_HTML_TAG = re.compile(r"<[^<>]*>")
_TAG_OR_BRACKET = re.compile(r"<(?:/?[A-Za-z]|!|\?)[^<>]{0,3000}>|<")
_MAX_HTML_CHARS = 3_000_000
_HTML_WHITESPACE = " \t\n\r\f"
_HTML_SPACE = re.compile(f"[{_HTML_WHITESPACE}]+")


@dataclass
class _Open:
    tag: str
    quote: bool = False
    skip: bool = False
    pre: bool = False
    paragraph: bool = False  # leaves a blank line before and after


class _HtmlToText(HTMLParser):
    """Block elements end lines, <p> leaves a blank line, <li> starts "- ", blockquotes and
    quoted history get "> " so the quote stripper still sees them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self._current: list[str] = []
        self._stack: list[_Open] = []
        # Counts of open elements with each effect, kept in step with the stack so that each
        # callback costs O(1) even in tag soup.
        self._skips = self._quotes = self._pres = 0
        self._history = False
        self._blank_wanted = False
        self._last_depth = 0

    # State ---------------------------------------------------------------------------------

    def _skipping(self) -> bool:
        return self._skips > 0

    def _depth(self) -> int:
        return min(self._quotes + self._history, _MAX_QUOTE_DEPTH)

    def _in_pre(self) -> bool:
        return self._pres > 0

    def _push(self, opened: _Open) -> None:
        if len(self._stack) >= _MAX_OPEN_ELEMENTS:
            return  # hostile nesting: deeper elements lose their effects, text is kept
        self._stack.append(opened)
        self._count(opened, 1)

    def _close_from(self, index: int) -> None:
        for opened in self._stack[index:]:
            self._count(opened, -1)
        del self._stack[index:]

    def _count(self, opened: _Open, step: int) -> None:
        self._skips += step * opened.skip
        self._quotes += step * opened.quote
        self._pres += step * opened.pre

    # Output --------------------------------------------------------------------------------

    def _write(self, text: str) -> None:
        if not self._current and not text.strip(_HTML_WHITESPACE) and not self._in_pre():
            return  # whitespace between blocks (a no-break space is content: a blank line)
        # A paragraph gap, unless entering or leaving a quote already separates the lines.
        depth = self._depth()
        if self._blank_wanted and self.lines[-1:] != [""] and self._last_depth == depth:
            self.lines.append(_quoted("", depth))
        self._blank_wanted = False
        self._current.append(text)

    def _flush(self, force: bool = False) -> None:
        line = "".join(self._current)
        self._current = []
        if not self._in_pre():
            line = _HTML_SPACE.sub(" ", line).strip(_HTML_WHITESPACE)
        if not line and self.lines[-1:] == [_quoted("", self._depth())]:
            return  # one blank line is enough, quoted or not
        if line or force:
            self._last_depth = self._depth()
            self.lines.append(_quoted(line, self._last_depth))

    def _break(self, paragraph: bool = False) -> None:
        if not self._skipping():
            self._flush()
            self._blank_wanted = self._blank_wanted or paragraph

    # Parser callbacks ----------------------------------------------------------------------

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name.lower(): (value or "") for name, value in attrs}
        if tag == "body":
            # An unclosed <head> must not hide the whole message.
            head = next((i for i, opened in enumerate(self._stack) if opened.tag == "head"), -1)
            if head >= 0:
                self._close_from(head)
        if tag in _VOID:
            self._void(tag)
            return
        if _is_history(attributes):
            self._break()
            self._history = True
        opened = self._opened(tag, attributes)
        if tag in _BLOCKS or opened.quote:
            self._break(paragraph=opened.paragraph)
        self._push(opened)
        if self._skipping():
            return
        if tag == "li":
            self._write("- ")
        elif tag in ("td", "th") and self._current:
            self._write(" ")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _VOID:
            self._void(tag)
        else:  # <div/> and the like: an empty element
            self.handle_starttag(tag, attrs)
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        index = next(
            (i for i in range(len(self._stack) - 1, -1, -1) if self._stack[i].tag == tag), -1
        )
        if index < 0:  # a stray end tag
            if tag in _BLOCKS:
                self._break()
            return
        element = self._stack[index]
        if tag in _BLOCKS or element.quote:
            self._break(paragraph=element.paragraph)
        # Elements left open inside this one (<p>, <li> without end tags) close with it.
        self._close_from(index)

    def handle_data(self, data: str) -> None:
        if self._skipping():
            return
        if not self._in_pre():
            self._write(data)
            return
        first, *rest = data.split("\n")
        self._write(first)
        for piece in rest:
            self._flush(force=True)
            self._write(piece)

    def _void(self, tag: str) -> None:
        if self._skipping():
            return
        if tag == "br":
            self._flush(force=True)
        elif tag == "hr":
            self._break(paragraph=True)

    def _opened(self, tag: str, attributes: dict[str, str]) -> _Open:
        classes = set(attributes.get("class", "").lower().split())
        return _Open(
            tag=tag,
            quote=tag == "blockquote" or bool(classes & _QUOTE_CLASSES),
            skip=tag in _SKIPPED or bool(_HIDDEN.search(attributes.get("style", ""))),
            pre=tag in ("pre", "textarea", "plaintext"),
            paragraph=(tag in _PARAGRAPHS or tag == "blockquote") and not _tight(tag, attributes),
        )

    def close_all(self) -> None:
        self.close()
        self._close_from(0)
        self._flush()


def _tame(html: str) -> str:
    """HTML html.parser reads in linear time: it rescans to the end of the document for each
    unclosed comment or tag, so a hostile mail of "<!--" or "<a" repeated would take hours.
    Comments go, and a "<" that does not open a short, well-formed tag becomes "&lt;"."""
    without_comments: list[str] = []
    position = 0
    while (start := html.find("<!--", position)) >= 0:
        without_comments.append(html[position:start])
        end = html.find("-->", start + 4)
        position = len(html) if end < 0 else end + 3  # an unclosed comment runs to the end
    without_comments.append(html[position:])
    html = _HTML_MARKED_SECTION.sub("", "".join(without_comments))
    return _TAG_OR_BRACKET.sub(_tag_or_entity, html)


def _tag_or_entity(match: re.Match[str]) -> str:
    tag = match.group()
    if tag == "<":
        return "&lt;"
    # An unbalanced quote would make html.parser look for its end far beyond the tag.
    if tag.count('"') % 2 or tag.count("'") % 2:
        return tag.replace('"', "").replace("'", "")
    return tag


def _quoted(line: str, depth: int) -> str:
    return ("> " * depth + line) if line else ("> " * depth).rstrip()


def _is_history(attributes: dict[str, str]) -> bool:
    return (
        attributes.get("id", "").lower() in _HISTORY_IDS
        or bool(_HISTORY_STYLE.search(attributes.get("style", "")))
        or "outlookmessageheader" in attributes.get("class", "").lower()
    )


def _tight(tag: str, attributes: dict[str, str]) -> bool:
    # Outlook writes each line as <p class=MsoNormal> with no margin: one line, not a
    # paragraph (its blank lines are explicit empty paragraphs).
    if tag != "p":
        return False
    return "msonormal" in attributes.get("class", "").lower() or bool(
        _TIGHT_PARAGRAPH.search(attributes.get("style", ""))
    )


def html_to_text(html: str) -> str:
    """Readable text from an HTML body; falls back to stripping tags if the parser fails."""
    converter = _HtmlToText()
    try:
        converter.feed(_tame(html[:_MAX_HTML_CHARS]))
        converter.close_all()
    except Exception:  # html.parser raises AssertionError on some junk; be crude then
        return clean_text(unescape(_HTML_TAG.sub(" ", html)))
    return clean_text("\n".join(converter.lines))


# --------------------------------------------------------------------------------------------
# Headers
# --------------------------------------------------------------------------------------------

_UNFOLD = re.compile(r"\r?\n(?=[ \t])|\r?\n$")
_ENCODED_WORD = re.compile(r"=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?=")
_MESSAGE_ID = re.compile(r"<[^<>\s]+>")
_MAX_SALVAGED_HEADER = 2000
_MAX_HEADER_CHARS = 16_384
_ADDRESS = re.compile(r"[\w.!#$%&'*+/=?^`{|}~-]+@[\w-]+(?:\.[\w-]+)+")


def _header_values(message: Message, name: str) -> list[object]:
    """Every `name` header, parsed by the e-mail policy (address lists, dates, RFC 2047)
    after raw 8-bit bytes were decoded: the policy alone would turn them into U+FFFD."""
    values: list[object] = []
    for key, raw in message.raw_items():
        if key.lower() != name.lower():
            continue
        # The policy's header parser is slow (quadratic on some input): long headers are cut.
        text = _fix_surrogates(_UNFOLD.sub("", str(raw)[:_MAX_HEADER_CHARS]))
        try:
            values.append(email.policy.default.header_factory(key, text))
        except Exception:  # a header the policy's parser chokes on: decode it ourselves
            values.append(_decode_words(text))
    return values


def _header(message: Message, name: str) -> str:
    """The first `name` header as text, RFC 2047 decoded; "" if absent or unreadable."""
    values = _header_values(message, name)
    if not values:
        return ""
    try:
        text = str(values[0])
    except Exception:
        return ""
    return _SURROGATES.sub("\ufffd", _decode_leftover_words(_fix_surrogates(text)))


def _decode_words(value: str) -> str:
    try:
        chunks = decode_header(value)
    except Exception:
        return value
    return "".join(
        decode_bytes(chunk, charset) if isinstance(chunk, bytes) else chunk
        for chunk, charset in chunks
    )


def _decode_leftover_words(text: str) -> str:
    # Encoded words that RFC 2047 forbids where mailers still put them (inside quotes, glued
    # to text) survive the policy's decoding.
    if "=?" not in text:
        return text
    return _ENCODED_WORD.sub(_decode_word, text)


def _decode_word(match: re.Match[str]) -> str:
    charset, encoding, payload = match.groups()
    try:
        if encoding.lower() == "b":
            data = _b64decode(payload)
        else:
            data = quopri.decodestring(payload.replace("_", " ").encode("ascii", "replace"))
    except Exception:
        return match.group()
    return decode_bytes(data, charset.split("*", 1)[0])


def _b64decode(payload: str) -> bytes:
    padded = payload + "=" * (-len(payload) % 4)
    return base64.b64decode(padded.encode("ascii", "replace"), validate=False)


def _collapse(text: str) -> str:
    return " ".join(text.split())


def _addresses(message: Message, name: str) -> list[tuple[str, str]]:
    """(display name, bare address) pairs of every `name` header; malformed ones salvaged."""
    found: list[tuple[str, str]] = []
    for value in _header_values(message, name):
        try:
            pairs = [(a.display_name, a.addr_spec) for a in getattr(value, "addresses", ())]
        except Exception:
            pairs = []
        if not any("@" in address for _, address in pairs):
            pairs = _salvage_addresses(_fix_surrogates(str(value)))
        found.extend(pairs)
    names = (_SURROGATES.sub("\ufffd", _collapse(_fix_surrogates(name))) for name, _ in found)
    return [
        (name, _bare(address))
        for name, (_, address) in zip(names, found, strict=True)
        if _bare(address)
    ]


def _salvage_addresses(text: str) -> list[tuple[str, str]]:
    text = text[:_MAX_SALVAGED_HEADER]  # the address regex is quadratic on long junk
    try:
        pairs = [pair for pair in getaddresses([text]) if "@" in pair[1]]
    except Exception:
        pairs = []
    if pairs:
        return pairs
    match = _ADDRESS.search(text)
    if not match:
        return []
    name = text[: match.start()].strip(" \t<\"'")
    return [(name, match.group())]


def _bare(address: str) -> str:
    # An encoded word in an address decodes (with an unknown charset) to lone surrogates.
    address = _SURROGATES.sub("\ufffd", _fix_surrogates(address)).strip().strip("<>").strip()
    local, at, domain = address.rpartition("@")
    if not at or not local or not domain or any(char.isspace() for char in address):
        return ""
    return f"{local}@{domain.lower()}"


def _sender(message: Message) -> tuple[str, str]:
    pairs = _addresses(message, "From")
    if not pairs:
        return "", ""
    name, address = pairs[0]
    return address, _collapse(_encoded_display_name(message) or name).strip("\"' ")


def _encoded_display_name(message: Message) -> str:
    """The From display name decoded from the raw header when it is RFC 2047 encoded: the
    policy's address parser leaves a space between adjacent encoded words of a long name."""
    raw = next((str(v) for k, v in message.raw_items() if k.lower() == "from"), "")
    head, bracket, _ = _fix_surrogates(_UNFOLD.sub("", raw)).rpartition("<")
    if not bracket or "=?" not in head or "@" in head:
        return ""
    return _decode_words(head.strip())


def _recipients(message: Message) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for name in ("To", "Cc", "Delivered-To", "X-Original-To", "Envelope-To"):
        for _, address in _addresses(message, name):
            seen.setdefault(address.lower())
    return tuple(seen)


def _date(message: Message) -> datetime | None:
    value = _header(message, "Date")
    if not value:
        return None
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _message_ids(value: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(_MESSAGE_ID.findall(value)))


def _message_id(message: Message) -> str:
    value = _header(message, "Message-ID").strip()
    ids = _message_ids(value)
    if ids:
        return ids[0]
    return f"<{value}>" if "@" in value and " " not in value else ""


# --------------------------------------------------------------------------------------------
# Auto-replies
# --------------------------------------------------------------------------------------------

_OUT_OF_OFFICE_SUBJECT = re.compile(
    r"^\W*(r[ée]ponse\s+automatique|automatic\s+reply|auto(matic)?[- ]?reply|auto\s*:"
    r"|out\s+of\s+(the\s+)?office|message\s+d['’]absence|absen(ce|t|te)\s*(\]|:|$|du\s+bureau"
    r"|prolong[ée]e|jusqu)|abwesenheitsnotiz|respuesta\s+autom[áa]tica|autosvar|r[ée]ponse\s+auto\b)",
    re.IGNORECASE,
)
_BOUNCE_SUBJECT = re.compile(
    r"^\W*(undeliverable|undelivered\s+mail|non\s+remis|delivery\s+status\s+notification"
    r"|mail\s+delivery\s+(failed|failure|system)|returned\s+mail|delivery\s+failure"
    r"|failure\s+notice|[ée]chec\s+de\s+(la\s+)?(remise|distribution)"
    r"|notification\s+d['’][ée]tat\s+de\s+(la\s+)?(remise|distribution)"
    r"|message\s+non\s+distribu[ée])",
    re.IGNORECASE,
)
_DAEMON = re.compile(
    r"\b(mailer-?daemon|mail-daemon|postmaster)\b|\bmail\s+delivery\s+(sub)?system\b", re.I
)
_BULK_PRECEDENCE = frozenset({"bulk", "junk", "list", "auto_reply", "auto-reply"})
_AUTO_HEADERS = ("X-Autoreply", "X-Autorespond", "X-Auto-Reply", "X-Autogenerated")


def _auto_reply_reason(message: Message, subject: str) -> str:
    """Which family of automatic message this is ("" for a person's mail)."""
    content_type = _content_type(message)
    if content_type == "multipart/report":
        kind = _param(message, "report-type").lower()
        return "read-receipt" if kind == "disposition-notification" else "delivery-status"
    if _OUT_OF_OFFICE_SUBJECT.match(subject) or _autoreply_headers(message):
        return "out-of-office"
    if _BOUNCE_SUBJECT.match(subject) or _DAEMON.search(_header(message, "From")):
        return "bounce"
    if _header(message, "X-Failed-Recipients"):
        return "bounce"
    auto_submitted = _header(message, "Auto-Submitted").strip().lower()
    if auto_submitted and not auto_submitted.startswith("no"):
        return "auto-submitted"
    precedence = _header(message, "Precedence").strip().lower()
    if precedence in _BULK_PRECEDENCE or _header(message, "X-Precedence").lower() == "auto_reply":
        return "precedence"
    if _header(message, "Return-Path").strip() == "<>":
        return "bounce"  # the null sender is reserved for bounces and automatic notices
    return ""


def _autoreply_headers(message: Message) -> bool:
    for name in _AUTO_HEADERS:
        value = _header(message, name).strip().lower()
        if value and value not in ("no", "false", "0"):
            return True
    # Outlook sets X-Auto-Response-Suppress on ordinary mail too: only a loop marker left by
    # a mailbox rule (out-of-office) makes it automatic.
    suppress = _header(message, "X-Auto-Response-Suppress")
    return bool(suppress) and bool(_header(message, "X-MS-Exchange-Inbox-Rules-Loop"))


# --------------------------------------------------------------------------------------------
# MIME structure
# --------------------------------------------------------------------------------------------

_MAX_DEPTH = 25
_MAX_PARTS = 500  # real mail has a few dozen; each part costs the header parser ~0.5 ms
_IGNORED_PARTS = frozenset(
    {
        "application/pgp-signature",
        "application/pkcs7-signature",
        "application/x-pkcs7-signature",
        "message/delivery-status",
        "message/disposition-notification",
        "message/feedback-report",
        "text/rfc822-headers",
        "message/rfc822-headers",
        "application/pgp-encrypted",
    }
)
_BODY_TYPES = ("text/plain", "text/html")
_VALID_TYPE = re.compile(r"\s*[\w.+-]+/[\w.+-]+")
_STUB = re.compile(
    r"html|navigateur|browser|client de messagerie|logiciel de messagerie|e-?mail client"
    r"|mail client|view (this|it) (e-?mail|message|online)|afficher ce (message|mail|courriel)"
    r"|visualiser ce|version en ligne|version web",
    re.IGNORECASE,
)
_STUB_MAX_CHARS = 300
_MIME_HEADER_LINE = re.compile(rb"^content-(type|transfer-encoding|disposition)\s*:", re.I | re.M)
_BOUNDARY_LINE = re.compile(rb"^--([^\s]{1,200})[ \t]*\r?\n", re.M)
_BASE64_ALPHABET = re.compile(r"[^A-Za-z0-9+/=\s]")


@dataclass
class _RawAttachment:
    filename: str
    content_type: str
    content: bytes
    explicit: bool = True  # False for a named text part that could be the body instead
    charset: str = ""


@dataclass
class _Body:
    """What a walk over (part of) a MIME tree found."""

    texts: list[str] = field(default_factory=list)
    html: bool = False  # some text came from HTML
    attachments: list[_RawAttachment] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    encrypted: bool = False

    def text(self) -> str:
        return clean_text("\n".join(text for text in self.texts if text.strip()))

    def absorb(self, other: _Body) -> None:
        self.attachments.extend(other.attachments)
        self.failures.extend(other.failures)
        self.encrypted = self.encrypted or other.encrypted


def _content_type(part: Message) -> str:
    try:
        return part.get_content_type().lower()
    except Exception:
        return "text/plain"


def _param(part: Message, name: str, header: str = "content-type") -> str:
    try:
        value = part.get_param(name, header=header)
    except Exception:
        return ""
    if isinstance(value, tuple):
        value = collapse_rfc2231_value(value)
    return _fix_surrogates(str(value)) if value else ""


def _children(part: Message) -> list[Message]:
    payload = part.get_payload()
    if not isinstance(payload, list):
        return []
    return [child for child in payload if isinstance(child, Message)]


def _disposition(part: Message) -> str:
    try:
        return (part.get_content_disposition() or "").lower()
    except Exception:
        return ""


def _payload(part: Message) -> bytes:
    """The decoded content of a leaf part (transfer encoding undone)."""
    encoding = _header(part, "Content-Transfer-Encoding").strip().lower()
    # The undecoded payload as stored: get_payload(decode=False) may itself fail on odd
    # charset parameters.
    raw = getattr(part, "_payload", None)
    if encoding == "base64" and isinstance(raw, str) and _not_base64(raw):
        # Labelled base64 but plainly text: decoding would turn it into garbage.
        return _original_bytes(raw)
    decoded = part.get_payload(decode=True)
    return decoded if isinstance(decoded, bytes) else b""


def _original_bytes(text: str) -> bytes:
    # Parsed from bytes, the payload is ASCII plus surrogate-escaped bytes.
    try:
        return text.encode("ascii", "surrogateescape")
    except UnicodeEncodeError:
        return text.encode("utf-8", "replace")


def _not_base64(raw: str) -> bool:
    sample = raw[:4000]
    return len(_BASE64_ALPHABET.findall(sample)) > max(2, len(sample) // 50)


class _Walker:
    """Collects body text and attachments from a MIME tree."""

    def __init__(self) -> None:
        self._parts = 0

    def walk(self, part: Message, depth: int = 0, root: bool = False) -> _Body:
        body = _Body()
        self._parts += 1
        if depth > _MAX_DEPTH:
            body.failures.append("parts nested too deeply")
            return body
        if self._parts > _MAX_PARTS:
            body.failures.append("too many parts")
            return body
        try:
            self._dispatch(part, depth, root, body)
        except Exception as exc:  # one unreadable part must not lose the others
            body.failures.append(f"{_content_type(part)} part: {type(exc).__name__}")
        return body

    def _dispatch(self, part: Message, depth: int, root: bool, body: _Body) -> None:
        content_type = _content_type(part)
        if content_type in ("message/rfc822", "message/global"):
            self._forwarded(part, depth, body)
        elif content_type in _IGNORED_PARTS or content_type.startswith("message/"):
            return
        elif part.is_multipart():
            self._multipart(part, content_type, depth, body)
        elif content_type.startswith("multipart/"):
            self._broken_multipart(part, depth, body)
        elif content_type in _BODY_TYPES and (root or not self._is_attached(part)):
            self._body_text(part, content_type, body)
        else:
            self._attachment(part, content_type, body)

    def _multipart(self, part: Message, content_type: str, depth: int, body: _Body) -> None:
        children = _children(part)
        if content_type == "multipart/alternative":
            self._alternative(children, depth, body)
        elif content_type == "multipart/related":
            self._related(part, children, depth, body)
        elif content_type in ("multipart/report", "multipart/signed"):
            # The readable part comes first; the rest is machine data or a signature.
            for child in children[:1]:
                self._merge(body, self.walk(child, depth + 1))
        elif content_type == "multipart/encrypted":
            body.encrypted = True
        else:  # mixed, digest, parallel and unknown kinds: every part in order
            for child in children:
                self._merge(body, self.walk(child, depth + 1))

    @staticmethod
    def _merge(body: _Body, other: _Body) -> None:
        body.texts.extend(other.texts)
        body.html = body.html or other.html
        body.absorb(other)

    def _alternative(self, children: Sequence[Message], depth: int, body: _Body) -> None:
        versions = [self.walk(child, depth + 1) for child in children]
        for version in versions:
            body.absorb(version)  # an image inline in the HTML version is still a photo
        plain = [v for v in versions if not v.html and v.text()]
        html = [v for v in versions if v.html and v.text()]
        chosen: _Body | None = None
        if plain and not (html and _is_stub(plain[0].text(), html[-1].text())):
            chosen = plain[0]
        elif html:
            chosen = html[-1]  # the last alternative is the richest
        if chosen is not None:
            body.texts.append(chosen.text())
            body.html = chosen.html

    def _related(self, part: Message, children: Sequence[Message], depth: int, body: _Body) -> None:
        if not children:
            return
        start = _param(part, "start")
        root = next((c for c in children if start and _header(c, "Content-ID") == start), None)
        root = root or children[0]
        self._merge(body, self.walk(root, depth + 1))
        for child in children:
            if child is root or _content_type(child) == "text/css":
                continue
            if child.is_multipart():
                self._merge(body, self.walk(child, depth + 1))
            else:  # inline images referenced by cid: are attachments too
                self._attachment(child, _content_type(child), body)

    def _forwarded(self, part: Message, depth: int, body: _Body) -> None:
        """A forwarded message (message/rfc822) is inlined as text under a "---------- Message
        transféré ---------" line, which the quote stripper treats as history: `new_text`
        keeps what the citizen wrote above it. Its attachments are listed with the others."""
        inner = next(iter(_children(part)), None)
        if inner is None:
            return
        forwarded = self.walk(inner, depth + 1, root=True)
        fields = [("De", "From"), ("Date", "Date"), ("Objet", "Subject"), ("À", "To")]
        values = [(label, _collapse(_header(inner, name))) for label, name in fields]
        heading = [f"{label} : {value}" for label, value in values if value]
        lines = ["", "---------- Message transféré ---------", *heading, "", forwarded.text()]
        body.texts.append("\n".join(lines))
        body.absorb(forwarded)

    def _broken_multipart(self, part: Message, depth: int, body: _Body) -> None:
        """A multipart whose boundary is missing or wrong: find the one actually used."""
        raw = _payload(part)
        found = _BOUNDARY_LINE.search(raw)
        if found:
            boundary = found.group(1).removesuffix(b"--")
            header = b'Content-Type: multipart/mixed; boundary="' + boundary + b'"\r\n\r\n'
            rebuilt = email.message_from_bytes(header + raw, policy=email.policy.default)
            if rebuilt.is_multipart() and _children(rebuilt):
                self._multipart(rebuilt, "multipart/mixed", depth, body)
                return
        if not _MIME_HEADER_LINE.search(raw):
            body.texts.append(clean_text(decode_bytes(raw, _param(part, "charset") or None)))
            return
        body.failures.append("multipart boundary not found")

    def _body_text(self, part: Message, content_type: str, body: _Body) -> None:
        text = decode_bytes(_payload(part), _param(part, "charset") or None)
        if content_type == "text/html":
            body.texts.append(html_to_text(text))
            body.html = True
            return
        if _param(part, "format").lower() == "flowed":
            text = unflow(text, _param(part, "delsp").lower() == "yes")
        body.texts.append(clean_text(text))

    @staticmethod
    def _is_attached(part: Message) -> bool:
        return _disposition(part) == "attachment" or bool(_filename(part))

    def _attachment(self, part: Message, content_type: str, body: _Body) -> None:
        if content_type in _IGNORED_PARTS:
            return
        explicit = not (content_type in _BODY_TYPES and _disposition(part) != "attachment")
        if not _VALID_TYPE.match(_header(part, "Content-Type") or "text/plain"):
            # "Content-Type: jpeg" reads as text/plain; let the file name decide instead.
            content_type = "application/octet-stream"
        body.attachments.append(
            _RawAttachment(
                _filename(part), content_type, _payload(part), explicit, _param(part, "charset")
            )
        )


def _is_stub(plain: str, html: str) -> bool:
    """ "This message is in HTML format"-style plain versions, which hide the real text."""
    return len(plain) <= _STUB_MAX_CHARS and bool(_STUB.search(plain)) and len(html) > len(plain)


# --------------------------------------------------------------------------------------------
# Attachments
# --------------------------------------------------------------------------------------------

_MAX_FILENAME = 200
_UNSAFE_FILENAME_CHARS = re.compile(r'[<>:"|?*]')
_EXTENSION_TYPES = {
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "jpe": "image/jpeg",
    "jfif": "image/jpeg",
    "png": "image/png",
    "gif": "image/gif",
    "webp": "image/webp",
    "heic": "image/heic",
    "heif": "image/heif",
    "pdf": "application/pdf",
    "txt": "text/plain",
    "csv": "text/csv",
    "rtf": "application/rtf",
    "doc": "application/msword",
    "xls": "application/vnd.ms-excel",
    "ppt": "application/vnd.ms-powerpoint",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "odt": "application/vnd.oasis.opendocument.text",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
    "odp": "application/vnd.oasis.opendocument.presentation",
    "mp4": "video/mp4",
    "mov": "video/quicktime",
    "mp3": "audio/mpeg",
    "m4a": "audio/mp4",
    "zip": "application/zip",
    "exe": "application/x-msdownload",
    "html": "text/html",
    "htm": "text/html",
    "eml": "message/rfc822",
}
_MAGIC = (
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
)
# Executable or macro-carrying files are refused whatever type the sender declared.
_DANGEROUS_EXTENSIONS = frozenset(
    {"exe", "com", "bat", "cmd", "scr", "pif", "vbs", "vbe", "js", "jse", "wsf", "wsh", "msi"}
    | {"msp", "jar", "ps1", "psm1", "dll", "cpl", "hta", "lnk", "reg", "inf", "iso", "img"}
    | {"vhd", "vhdx", "docm", "xlsm", "pptm", "apk", "app", "sh", "scf", "url", "chm"}
)


def _filename(part: Message) -> str:
    """The part's file name, decoded (RFC 2231 or, against the rules, RFC 2047)."""
    try:
        name = part.get_filename() or _param(part, "name")
    except Exception:
        name = _param(part, "filename", "content-disposition") or _param(part, "name")
    return _decode_leftover_words(_fix_surrogates(name or ""))


def sanitize_filename(name: str, index: int) -> str:
    """A safe display name: no directories, control or bidi characters, at most 200 chars."""
    name = unicodedata.normalize("NFC", name).replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(" " if char.isspace() else char for char in name)
    name = "".join(char for char in name if unicodedata.category(char)[0] != "C")
    name = _collapse(_UNSAFE_FILENAME_CHARS.sub("_", name)).strip(" .")
    if len(name) > _MAX_FILENAME:
        stem, dot, extension = name.rpartition(".")
        if dot and stem and len(extension) <= 10:
            name = stem[: _MAX_FILENAME - len(extension) - 1].rstrip() + "." + extension
        else:
            name = name[:_MAX_FILENAME]
    return name or f"piece-jointe-{index}"


def _extension(filename: str) -> str:
    stem, dot, extension = filename.rpartition(".")
    return extension.lower() if dot and stem else ""


def _corrected_type(content_type: str, filename: str, content: bytes) -> str:
    if content_type != "application/octet-stream":
        return content_type
    by_extension = _EXTENSION_TYPES.get(_extension(filename))
    if by_extension:
        return by_extension
    for magic, sniffed in _MAGIC:
        if content.startswith(magic):
            return sniffed
    if content[:4] == b"RIFF" and content[8:12] == b"WEBP":
        return "image/webp"
    return content_type


def _rejection(attachment: Attachment, limits: AttachmentLimits, accepted: int, total: int) -> str:
    if attachment.size > limits.max_bytes:
        return "too_large"
    dangerous = _extension(attachment.filename) in _DANGEROUS_EXTENSIONS
    if dangerous or attachment.content_type not in limits.allowed_types:
        return "type_not_allowed"
    if accepted >= limits.max_count:
        return "too_many"
    if total + attachment.size > limits.max_total_bytes:
        return "total_too_large"
    return ""


def _checked(raws: Iterable[_RawAttachment], limits: AttachmentLimits) -> list[Attachment]:
    """Limits applied in order: a rejected attachment keeps its name and size, not content."""
    result: list[Attachment] = []
    accepted = total = 0
    seen: set[tuple[str, str]] = set()
    for raw in raws:
        key = (raw.filename, hashlib.sha256(raw.content).hexdigest())
        if key in seen:  # the same file in two alternative versions of the body
            continue
        seen.add(key)
        filename = sanitize_filename(raw.filename, len(result) + 1)
        candidate = Attachment(
            filename=filename,
            content_type=_corrected_type(raw.content_type, filename, raw.content),
            size=len(raw.content),
            content=raw.content,
        )
        reason = _rejection(candidate, limits, accepted, total)
        if reason:
            candidate = _with_reason(candidate, reason)
        else:
            accepted += 1
            total += candidate.size
        result.append(candidate)
    return result


def _with_reason(attachment: Attachment, reason: str) -> Attachment:
    return Attachment(
        attachment.filename, attachment.content_type, attachment.size, b"", rejected=reason
    )


# --------------------------------------------------------------------------------------------
# The whole message
# --------------------------------------------------------------------------------------------

# At least one of these must be present for bytes to count as an e-mail message.
_MAIL_HEADERS = frozenset(
    {
        "from",
        "to",
        "cc",
        "subject",
        "date",
        "message-id",
        "received",
        "return-path",
        "mime-version",
        "content-type",
        "delivered-to",
        "reply-to",
        "sender",
        "in-reply-to",
        "references",
        "x-mailer",
        "user-agent",
        "dkim-signature",
        "x-original-to",
        "envelope-to",
        "authentication-results",
        "content-transfer-encoding",
    }
)
_LEADING_JUNK = b"\xef\xbb\xbf \t\r\n"


def _as_bytes(raw: object) -> bytes:
    if isinstance(raw, bytes):
        return raw
    if isinstance(raw, bytearray | memoryview):
        return bytes(raw)
    if isinstance(raw, str):
        return raw.encode("utf-8", "surrogateescape")
    raise TypeError(f"expected bytes, got {type(raw).__name__}")


def _is_mail(message: Message) -> bool:
    try:
        names = {str(name).lower() for name in message}
    except Exception:
        return False
    return bool(names & _MAIL_HEADERS)


def _failed(error: str) -> ParsedEmail:
    return ParsedEmail(
        subject="",
        sender="",
        sender_name="",
        date=None,
        message_id="",
        in_reply_to=(),
        references=(),
        recipients=(),
        text="",
        new_text="",
        attachments=(),
        auto_reply=False,
        auto_reply_reason="",
        error=error,
    )


def _parse(raw: bytes, limits: AttachmentLimits) -> ParsedEmail:
    message = email.message_from_bytes(raw.lstrip(_LEADING_JUNK), policy=email.policy.default)
    if not raw.strip() or not _is_mail(message):
        return _failed("not an e-mail message")
    body = _Walker().walk(message, root=True)
    text = body.text()
    if not text:
        text = _text_from_named_part(body)
    attachments = _checked(body.attachments, limits)
    subject = _collapse(_header(message, "Subject"))
    sender, sender_name = _sender(message)
    reason = _auto_reply_reason(message, subject)
    return ParsedEmail(
        subject=subject,
        sender=sender,
        sender_name=sender_name,
        date=_date(message),
        message_id=_message_id(message),
        in_reply_to=_message_ids(_header(message, "In-Reply-To")),
        references=_message_ids(_header(message, "References")),
        recipients=_recipients(message),
        text=text,
        new_text=strip_quotes(text) if text else "",
        attachments=tuple(attachments),
        auto_reply=bool(reason),
        auto_reply_reason=reason,
        error=_error(sender, text, attachments, body),
    )


def _text_from_named_part(body: _Body) -> str:
    """No body found: a text part that only carried a file name is the body after all."""
    for index, attachment in enumerate(body.attachments):
        if not attachment.explicit:
            del body.attachments[index]
            text = decode_bytes(attachment.content, attachment.charset or None)
            if attachment.content_type == "text/html":
                return html_to_text(text)
            return clean_text(text)
    return ""


def _error(sender: str, text: str, attachments: Sequence[Attachment], body: _Body) -> str | None:
    if not sender:
        return "no sender address"
    if text or attachments:
        return None
    if body.failures:
        return f"unreadable MIME structure: {body.failures[0]}"
    if body.encrypted:
        return "encrypted message, cannot be read"
    return "no readable text"
