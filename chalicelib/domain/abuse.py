"""Abuse protection rules for public submissions: fixed-window rate limits, the honeypot
field, the fingerprint that makes near-identical texts count as one (flood detection), and
the caps on votes (barometer ballots, consultation answers) from one client address."""

from __future__ import annotations

import hashlib
import ipaddress
import re
from dataclasses import dataclass
from datetime import date

from chalicelib.domain.commune import fold
from chalicelib.domain.errors import TooManyRequestsError, ValidationError

_LIMIT = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*$")
# Short reactions ("Bravo !", "Très bien merci") legitimately repeat across citizens during
# a local event; flooding with them costs little: only longer texts are fingerprinted.
FLOOD_MIN_WORDS = 4


@dataclass(frozen=True)
class Limit:
    """At most `count` hits per fixed window of `seconds`."""

    count: int
    seconds: int

    @classmethod
    def parse(cls, raw: str) -> Limit:
        """ "COUNT/SECONDS", both positive integers. Raises ValueError otherwise."""
        match = _LIMIT.match(raw)
        if not match or int(match.group(1)) < 1 or int(match.group(2)) < 1:
            raise ValueError(
                f"expected COUNT/SECONDS with positive integers (e.g. 20/600), not {raw!r}"
            )
        return cls(int(match.group(1)), int(match.group(2)))

    def window(self, now: float) -> Window:
        """The window `now` (epoch seconds) falls in."""
        start = int(now) // self.seconds * self.seconds
        return Window(start, start + self.seconds)


@dataclass(frozen=True)
class Window:
    start: int
    end: int

    def retry_after(self, now: float) -> int:
        """Whole seconds until the window closes (at least 1: `Retry-After: 0` invites a
        client to hammer)."""
        return max(1, self.end - int(now))


class RateLimitedError(TooManyRequestsError):
    """429 with the seconds to wait, sent as `Retry-After`."""

    def __init__(self, message: str, retry_after: int, *, code: str = "rate_limited") -> None:
        super().__init__(message, code=code)
        self.retry_after = retry_after


_REFUSALS = {
    "rate_limited": "too many submissions (at most {count} per {seconds} s): retry in {wait} s",
    "duplicate_flood": "this text was already sent {count} times in {seconds} s: retry in {wait} s",
}


def check(limit: Limit, hits: int, window: Window, now: float, code: str = "rate_limited") -> None:
    """Raises RateLimitedError (`code`: rate_limited or duplicate_flood) when `hits`, this
    one included, go past `limit`."""
    if hits > limit.count:
        wait = window.retry_after(now)
        message = _REFUSALS[code].format(count=limit.count, seconds=limit.seconds, wait=wait)
        raise RateLimitedError(message, wait, code=code)


def check_honeypot(value: str | None) -> None:
    """The hidden field humans never see: anything in it means a robot filled the form.
    The message is French: a person whose browser autofilled it reads it."""
    if value is not None and value.strip():
        raise ValidationError(
            "Ce formulaire semble avoir été rempli automatiquement : votre avis n'a pas été "
            "envoyé. Laissez vide le champ « Ne pas remplir » et réessayez.",
            code="spam_suspected",
        )


def text_fingerprint(text: str) -> str | None:
    """The same digest for texts that differ only by case, accents, spacing or punctuation;
    None for a text too short to be worth comparing (FLOOD_MIN_WORDS)."""
    words = fold(text).split()
    if len(words) < FLOOD_MIN_WORDS:
        return None
    return hashlib.sha256(" ".join(words).encode()).hexdigest()[:32]


# An IPv6 client is counted by its /64: one subscriber's line or one site's network (RFC
# 6177; French ISPs hand out a /56 or a /60 to each box, mobile networks a /64 to each
# device), whose 2^64 addresses a script can rotate through at will. An IPv4 address is
# one box, or a carrier-grade NAT shared by many subscribers: hence generous caps.
IPV6_PREFIX = 64


def network_of(address: str) -> str:
    """What per-address limits count by: an IPv4 address as it is, an IPv6 address's /64
    network. A string that is no IP address (it came from our own proxy) is kept as it is."""
    try:
        parsed = ipaddress.ip_address(address.strip())
    except ValueError:
        return address
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.IPv6Network((parsed, IPV6_PREFIX), strict=False))
    return str(parsed)


class VotesCappedError(TooManyRequestsError):
    """429 `votes_capped`: one client address cast as many votes as a period allows.
    `retry_after` (seconds, sent as Retry-After) when the period ends (the month of a
    barometer), None when it does not (the whole of a consultation)."""

    def __init__(self, message: str, retry_after: int | None) -> None:
        super().__init__(message, code="votes_capped")
        self.retry_after = retry_after


def check_votes(cap: int, votes: int, what: str, retry_after: int | None = None) -> None:
    """Raises VotesCappedError when `votes` from one address, this one included, go past
    `cap` (`what`: "barometer ballots this month", "answers to this consultation")."""
    if votes > cap:
        raise VotesCappedError(
            f"this connection already sent {cap} {what}: other votes from it are not counted",
            retry_after,
        )


def next_month(day: date) -> date:
    """The first day of the month after `day`'s."""
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)
