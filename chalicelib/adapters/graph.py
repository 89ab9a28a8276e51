"""Meta's Graph API for outbound answers: Messenger and Instagram Direct messages, WhatsApp
Cloud API messages, public replies to Facebook and Instagram comments, a token check for
channel health, and the files citizens send (photos, voice notes, videos, documents).
Standard library only (urllib), so the Lambda bundle gains no dependency."""

from __future__ import annotations

import http.client
import json
import logging
import re
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

from chalicelib.channels.meta.events import Platform
from chalicelib.domain.errors import DeliveryError
from chalicelib.ports import SocialNetwork

logger = logging.getLogger(__name__)

# Longest text one message may carry: Messenger's Send API (also Instagram Direct) and the
# WhatsApp Cloud API. Counted in UTF-16 code units, which is never less than Python's count of
# code points, so a chunk that fits here fits Meta's limit whichever way Meta counts.
MESSENGER_MAX_CHARS = 2000
WHATSAPP_MAX_CHARS = 4096
MAX_RESPONSE_BYTES = 1024 * 1024
# Graph codes: https://developers.facebook.com/docs/graph-api/guides/error-handling
_TOKEN_CODES = frozenset({190, 102})
_TOKEN_SUBCODES = frozenset({458, 460, 463, 467})
# 1/2 transient, 4/17/32/613 throttling, 341 application limit, 80007 Instagram messaging
# rate limit, 130429 WhatsApp throughput limit.
_RETRYABLE_CODES = frozenset({1, 2, 4, 17, 32, 341, 613, 80007, 130429})
# Graph object ids are digits, sometimes joined with "_" (a comment id is "post_comment"):
# nothing that could change the path of the request.
_GRAPH_ID = re.compile(r"[0-9A-Za-z_-]{1,128}")
_VERSION = re.compile(r"v\d{1,3}\.\d{1,3}")
# Where Meta serves the files of messages and comments (Messenger and Page photos on
# fbcdn.net, Instagram's and WhatsApp's on lookaside.fbsbx.com, cdninstagram.com…). A link
# elsewhere is not fetched: the event names it, and the worker must not be made to call
# whatever host a payload says (the Graph API's own host is allowed too: the fake one).
MEDIA_HOSTS = ("fbcdn.net", "fbsbx.com", "cdninstagram.com", "facebook.com", "whatsapp.net")
_MEDIA_REDIRECTS = 3


class GraphError(DeliveryError):
    """The Graph API refused or could not be reached. `token_expired`: the commune must
    reconnect the channel; `retryable`: the same call may succeed later."""

    code = "graph_error"

    def __init__(
        self,
        message: str,
        *,
        status: int = 0,
        graph_code: int | None = None,
        graph_subcode: int | None = None,
        token_expired: bool = False,
        retryable: bool = False,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.graph_code = graph_code
        self.graph_subcode = graph_subcode
        self.token_expired = token_expired
        self.retryable = retryable and not token_expired


class MediaTooLargeError(GraphError):
    """The file is larger than the caller keeps: listed refused, not retried."""

    code = "too_large"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Graph never redirects an API call; following one would hand the bearer token to
    whatever host the Location header names."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class GraphClient:
    def __init__(
        self,
        base_url: str = "https://graph.facebook.com",
        version: str = "v21.0",
        timeout: float = 10.0,
    ) -> None:
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"the Graph API base URL must be http(s)://host, not {base_url!r}")
        if parts.query or parts.fragment or parts.username or parts.password:
            raise ValueError("the Graph API base URL takes no query, fragment or credentials")
        if not _VERSION.fullmatch(version):
            raise ValueError(f"a Graph API version looks like v21.0, not {version!r}")
        if not timeout > 0:
            raise ValueError("the timeout must be positive")
        self._root = f"{base_url.rstrip('/')}/{version}"
        self._origin = (parts.scheme, parts.netloc.lower())
        self._timeout = timeout
        self._opener = urllib.request.build_opener(_NoRedirect)
        self._media_opener = urllib.request.build_opener(_MediaRedirect(self._media_url))

    def send_message(
        self, platform: Platform, account_id: str, recipient_id: str, text: str, token: str
    ) -> str:
        """Sends `text` to a citizen in a private conversation; a text longer than one message
        allows goes as several, cut between words. Returns the id of the last one."""
        if not recipient_id:
            raise GraphError("no recipient for the message")
        whatsapp = platform is Platform.WHATSAPP
        chunks = split_text(text, WHATSAPP_MAX_CHARS if whatsapp else MESSENGER_MAX_CHARS)
        if not chunks:
            raise GraphError("an empty message cannot be sent")
        path = f"{_graph_id(account_id)}/messages"
        message_id = ""
        for chunk in chunks:
            if whatsapp:
                answer = self._call("POST", path, token, _whatsapp_text(recipient_id, chunk))
                message_id = _string(_first(answer.get("messages")).get("id"))
            else:
                answer = self._call("POST", path, token, _messenger_text(recipient_id, chunk))
                message_id = _string(answer.get("message_id"))
            if not message_id:
                raise GraphError("the Graph API accepted the message but returned no id")
        logger.info(
            "social message sent",
            extra={"platform": str(platform), "messageId": message_id, "parts": len(chunks)},
        )
        return message_id

    def reply_to_comment(self, platform: Platform, comment_id: str, text: str, token: str) -> str:
        """Publishes a public reply under a comment; returns the reply's comment id."""
        if platform is Platform.WHATSAPP:
            raise GraphError("WhatsApp has no comments")
        if not text.strip():
            raise GraphError("an empty reply cannot be published")
        edge = "replies" if platform is Platform.INSTAGRAM else "comments"
        answer = self._call("POST", f"{_graph_id(comment_id)}/{edge}", token, {"message": text})
        reply_id = _string(answer.get("id"))
        if not reply_id:
            raise GraphError("the Graph API accepted the reply but returned no id")
        logger.info("comment reply sent", extra={"platform": str(platform), "replyId": reply_id})
        return reply_id

    def check(self, account_id: str, token: str) -> None:
        """Raises GraphError (token_expired, retryable...) unless the token can read the
        account: what channel health shows to the commune."""
        self._call("GET", f"{_graph_id(account_id)}?fields=id", token, None)

    def download_media(
        self, url: str, media_id: str, token: str, max_bytes: int
    ) -> tuple[bytes, str]:
        """(content, content type) of a citizen's file: a CDN link from the event, fetched
        without the token, or a WhatsApp media id, whose short-lived link Graph gives and
        which is fetched with it (https://developers.facebook.com/docs/whatsapp/cloud-api/
        reference/media). Raises MediaTooLargeError past `max_bytes`, GraphError otherwise."""
        declared = ""
        if media_id:
            info = self._call("GET", _graph_id(media_id), token, None)
            url, declared = _string(info.get("url")), _string(info.get("mime_type"))
            size = _int(info.get("file_size")) or _digits(info.get("file_size"))
            if size is not None and size > max_bytes:
                raise MediaTooLargeError(f"the file has {size} bytes, more than {max_bytes}")
        target = self._media_url(url)
        if target is None:
            raise GraphError("no link to the file, or a link outside Meta's hosts")
        headers = {"Accept": "*/*"}
        if media_id:
            headers["Authorization"] = f"Bearer {_usable_token(token)}"
        request = urllib.request.Request(target, method="GET", headers=headers)  # noqa: S310
        # With the token, no redirect is followed (it would carry the token along); without
        # it, only to Meta's hosts.
        opener = self._opener if media_id else self._media_opener
        content, content_type = self._fetch(opener, request, max_bytes)
        return content, content_type or declared

    def _media_url(self, url: str) -> str | None:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        if (parts.scheme, parts.netloc.lower()) == self._origin:
            return url
        meta = any(host == known or host.endswith("." + known) for known in MEDIA_HOSTS)
        return url if parts.scheme == "https" and meta and not parts.username else None

    def _fetch(
        self, opener: urllib.request.OpenerDirector, request: urllib.request.Request, limit: int
    ) -> tuple[bytes, str]:
        try:
            with opener.open(request, timeout=self._timeout) as response:
                length = _digits(response.headers.get("Content-Length"))
                if length is not None and length > limit:
                    raise MediaTooLargeError(f"the file has {length} bytes, more than {limit}")
                content = response.read(limit + 1)
                content_type = response.headers.get("Content-Type", "")
        except urllib.error.HTTPError as error:
            try:
                raise _graph_error(error.code, _read_quietly(error)) from None
            finally:
                error.close()
        except (urllib.error.URLError, OSError, http.client.HTTPException) as error:
            raise GraphError(
                f"the file could not be downloaded: {type(error).__name__}", retryable=True
            ) from error
        if len(content) > limit:
            raise MediaTooLargeError(f"the file has more than {limit} bytes")
        return content, content_type.partition(";")[0].strip().lower()

    def _call(
        self, method: str, path: str, token: str, body: Mapping[str, Any] | None
    ) -> Mapping[str, Any]:
        request = urllib.request.Request(  # noqa: S310 - the scheme was checked in __init__
            f"{self._root}/{path}",
            data=None if body is None else json.dumps(body).encode("utf-8"),
            method=method,
            headers={
                # In a header, never in the URL: URLs end up in access logs and traces.
                "Authorization": f"Bearer {_usable_token(token)}",
                "Content-Type": "application/json",
                "Accept": "application/json",
            },
        )
        try:
            with self._opener.open(request, timeout=self._timeout) as response:
                raw = response.read(MAX_RESPONSE_BYTES)
        except urllib.error.HTTPError as error:
            try:
                raise _graph_error(error.code, _read_quietly(error)) from None
            finally:
                error.close()
        except (urllib.error.URLError, OSError, http.client.HTTPException) as error:
            # Refused, reset, timed out, cut mid-answer: Meta may well answer later.
            raise GraphError(
                f"the Graph API could not be reached: {type(error).__name__}", retryable=True
            ) from error
        return _json_object(raw)


def split_text(text: str, limit: int) -> list[str]:
    """Cuts `text` into chunks of at most `limit` UTF-16 units, between words where possible
    (a single word longer than the limit is cut inside). Blank chunks are dropped."""
    if limit < 2:
        raise ValueError("limit must be at least 2")
    chunks: list[str] = []
    rest = text.strip()
    while rest:
        if _units(rest) <= limit:
            chunks.append(rest)
            break
        head = _fit(rest, limit)
        cut = _last_space(head)
        if cut > 0:
            head = head[:cut]
        chunks.append(head.rstrip())
        rest = rest[len(head) :].lstrip()
    return [chunk for chunk in chunks if chunk]


def _fit(text: str, limit: int) -> str:
    """The longest prefix of `text` within `limit` UTF-16 units."""
    size = 0
    for index, char in enumerate(text):
        size += 2 if ord(char) > 0xFFFF else 1
        if size > limit:
            return text[:index]
    return text


def _last_space(text: str) -> int:
    """Where to cut `text`: a line break in its second half, else its last whitespace; 0 when
    it has none (the word is then cut inside)."""
    newline = text.rfind("\n")
    if newline > len(text) // 2:
        return newline
    return max(text.rfind(" "), newline, text.rfind("\t"), 0)


def _units(text: str) -> int:
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def _messenger_text(recipient_id: str, text: str) -> dict[str, Any]:
    return {
        "recipient": {"id": recipient_id},
        "message": {"text": text},
        # An answer to the citizen's own message, within Messenger's 24-hour window.
        "messaging_type": "RESPONSE",
    }


def _whatsapp_text(recipient_id: str, text: str) -> dict[str, Any]:
    return {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": recipient_id,
        "type": "text",
        "text": {"body": text},
    }


def _graph_id(value: str) -> str:
    if not isinstance(value, str) or not _GRAPH_ID.fullmatch(value):
        raise GraphError(f"not a Graph object id: {str(value)[:40]!r}")
    return value


def _usable_token(token: str) -> str:
    # Missing, or unfit for a header (a line break would split it, non-ASCII cannot be sent):
    # the channel needs a new token, which is what token_expired tells the commune.
    usable = isinstance(token, str) and token.isascii() and token.isprintable()
    if not usable or not token or " " in token:
        raise GraphError("no usable access token for this channel", token_expired=True)
    return token


def _read_quietly(error: urllib.error.HTTPError) -> bytes:
    try:
        return error.read(MAX_RESPONSE_BYTES)
    except (OSError, http.client.HTTPException):
        return b""


def _graph_error(status: int, raw: bytes) -> GraphError:
    """Maps an HTTP error and Graph's `{"error": {...}}` body (when it is one) to GraphError."""
    details = _map(_parse(raw).get("error"))
    code = _int(details.get("code"))
    subcode = _int(details.get("error_subcode"))
    token_expired = code in _TOKEN_CODES or subcode in _TOKEN_SUBCODES
    retryable = (
        status >= 500
        or status == 429
        or code in _RETRYABLE_CODES
        or details.get("is_transient") is True
    )
    message = _string(details.get("message"))[:300] or f"HTTP {status}"
    return GraphError(
        f"the Graph API refused the call: {message}",
        status=status,
        graph_code=code,
        graph_subcode=subcode,
        token_expired=token_expired,
        retryable=retryable,
    )


def _json_object(raw: bytes) -> Mapping[str, Any]:
    answer = _parse(raw)
    if not answer:
        raise GraphError("the Graph API answered with something other than a JSON object")
    return answer


def _parse(raw: bytes) -> Mapping[str, Any]:
    try:
        value = json.loads(raw)
    except (ValueError, RecursionError):
        return {}
    return _map(value)


def _map(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _first(value: Any) -> Mapping[str, Any]:
    return _map(value[0]) if isinstance(value, list) and value else {}


def _string(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _digits(value: Any) -> int | None:
    """A size Meta or a server wrote as a string of digits ("303833")."""
    text = value.strip() if isinstance(value, str) else ""
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 18 else None


class _MediaRedirect(urllib.request.HTTPRedirectHandler):
    """Follows a CDN's redirect only to a link the client would fetch itself."""

    max_redirections = _MEDIA_REDIRECTS

    def __init__(self, allowed: Callable[[str], str | None]) -> None:
        super().__init__()
        self._allowed = allowed

    def redirect_request(
        self,
        req: urllib.request.Request,
        fp: Any,
        code: int,
        msg: str,
        headers: Any,
        newurl: str,
    ) -> urllib.request.Request | None:
        if self._allowed(newurl) is None:
            return None
        return super().redirect_request(req, fp, code, msg, headers, newurl)


class GraphSocialNetwork(SocialNetwork):
    """The SocialNetwork port on the Graph API (its base URL from the environment)."""

    def __init__(self, client: GraphClient) -> None:
        self._client = client

    def send_message(
        self, platform: str, account_id: str, recipient_id: str, text: str, token: str
    ) -> str:
        return self._client.send_message(Platform(platform), account_id, recipient_id, text, token)

    def reply_to_comment(self, platform: str, comment_id: str, text: str, token: str) -> str:
        return self._client.reply_to_comment(Platform(platform), comment_id, text, token)

    def check(self, account_id: str, token: str) -> None:
        self._client.check(account_id, token)

    def download_media(
        self, url: str, media_id: str, token: str, max_bytes: int
    ) -> tuple[bytes, str]:
        return self._client.download_media(url, media_id, token, max_bytes)
