"""Admission of public submissions: rate limits per client address and per commune,
flood detection of near-identical texts, and caps on the votes of one client address,
counted through the RateLimiter port."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import date, datetime, time

from chalicelib import config
from chalicelib.domain import abuse
from chalicelib.domain.abuse import Limit
from chalicelib.domain.ids import CommuneId
from chalicelib.domain.sla import PARIS
from chalicelib.ports import Ports, RateLimiter


@dataclass(frozen=True)
class Submitter:
    """Who submits, as far as limits care: the client's address (None when unknown, or for
    a commune's own server, which only the commune's limit applies to)."""

    address: str | None = None


def client_key(address: str) -> str:
    """A keyed digest of the address: counters never hold a raw IP (personal data), and
    without the stack's secret nobody can test which addresses submitted."""
    digest = hmac.new(config.seal_key().encode(), address.encode(), hashlib.sha256)
    return digest.hexdigest()[:32]


def address_key(submitter: Submitter) -> str | None:
    """The keyed digest of the submitter's network (an IPv6 address's /64), None for an
    unknown address: what per-address counters and markers are named by."""
    if submitter.address is None:
        return None
    return client_key(abuse.network_of(submitter.address))


def admit(
    ports: Ports, commune_id: CommuneId, submitter: Submitter, text: str | None = None
) -> None:
    """Counts one submission to the commune, then raises RateLimitedError (429) when the
    client, the commune, or (with `text`) copies of the same text went past their limit.
    A client already over its own limit is refused before it counts against the commune."""
    limiter = ports.rate_limiter
    now = ports.clock().timestamp()
    address = address_key(submitter)
    if address is not None:
        _count(limiter, commune_id, f"ip:{address}", config.rate_limit_per_ip(), now)
    _count(limiter, commune_id, "commune", config.rate_limit_per_commune(), now)
    fingerprint = abuse.text_fingerprint(text) if text is not None else None
    if fingerprint is not None:
        _count(
            limiter, commune_id, f"text:{fingerprint}", config.flood_limit(), now, "duplicate_flood"
        )


# Links to one's data asked for one address: enough to retry a lost e-mail, too few to
# flood someone's inbox with the commune's messages.
RIGHTS_REQUESTS_PER_ADDRESS = Limit(3, 3600)


def admit_rights_request(
    ports: Ports, commune_id: CommuneId, submitter: Submitter, email: str
) -> None:
    """As `admit`, and at most RIGHTS_REQUESTS_PER_ADDRESS per e-mail address. Raises
    RateLimitedError."""
    admit(ports, commune_id, submitter)
    limiter, now = ports.rate_limiter, ports.clock().timestamp()
    _count(limiter, commune_id, f"rights:{client_key(email)}", RIGHTS_REQUESTS_PER_ADDRESS, now)


# Verification links sent to one address: a citizen gives a few opinions a day; a stranger
# typing someone's address cannot make the commune flood that mailbox. Past it the opinion
# is filed as usual and stays unjoined: the submitter sees no difference.
VERIFICATIONS_PER_ADDRESS = Limit(3, 86400)


def admit_verification(ports: Ports, commune_id: CommuneId, email: str) -> bool:
    """Counts one verification link for `email`; False past VERIFICATIONS_PER_ADDRESS."""
    window = VERIFICATIONS_PER_ADDRESS.window(ports.clock().timestamp())
    name = f"verify:{client_key(email.strip().lower())}:{window.start}"
    return ports.rate_limiter.hit(commune_id, name, window.end) <= VERIFICATIONS_PER_ADDRESS.count


def cap_ballots(ports: Ports, commune_id: CommuneId, submitter: Submitter, today: date) -> None:
    """Counts one barometer ballot from the submitter's address this month (Paris time);
    raises VotesCappedError (with the seconds until next month) past
    CONCERTO_BAROMETER_BALLOTS_PER_ADDRESS. An unknown address is not capped."""
    address = address_key(submitter)
    if address is None:
        return
    month_end = datetime.combine(abuse.next_month(today), time(), PARIS).timestamp()
    now = ports.clock().timestamp()
    votes = ports.rate_limiter.hit(
        commune_id, f"ballots:{today:%Y-%m}:{address}", int(month_end) + _KEEP_SECONDS
    )
    cap = config.barometer_ballots_per_address()
    abuse.check_votes(cap, votes, "barometer ballots this month", max(1, int(month_end - now)))


def cap_answers(
    ports: Ports,
    commune_id: CommuneId,
    submitter: Submitter,
    consultation_id: str,
    closes_on: date,
) -> None:
    """Counts one answer to the consultation from the submitter's address; raises
    VotesCappedError past CONCERTO_CONSULTATION_ANSWERS_PER_ADDRESS (for the whole
    consultation: no Retry-After). An unknown address is not capped."""
    address = address_key(submitter)
    if address is None:
        return
    closed = datetime.combine(closes_on, time(), PARIS).timestamp() + 86400
    votes = ports.rate_limiter.hit(
        commune_id, f"answers:{consultation_id}:{address}", int(closed) + _KEEP_SECONDS
    )
    cap = config.consultation_answers_per_address()
    abuse.check_votes(cap, votes, "answers to this consultation")


# Vote counters outlive their period by a day (clocks of API containers differ by less);
# DynamoDB's TTL then removes them within days.
_KEEP_SECONDS = 86400


def _count(
    limiter: RateLimiter,
    commune_id: CommuneId,
    name: str,
    limit: Limit,
    now: float,
    code: str = "rate_limited",
) -> None:
    window = limit.window(now)
    hits = limiter.hit(commune_id, f"{name}:{window.start}", window.end)
    abuse.check(limit, hits, window, now, code)
