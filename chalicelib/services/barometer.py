"""The town barometer (MonAvisCitoyen's original hook): citizens rate the commune 1–10 on
each of its themes, anonymously, once per theme per month per browser, and a capped number
of ballots per client address."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta

from chalicelib.domain import indicators
from chalicelib.domain.commune import Commune
from chalicelib.domain.errors import ConflictError, ValidationError
from chalicelib.ports import Ports
from chalicelib.services import abuse, validation
from chalicelib.services.abuse import Submitter

SCORE_MIN, SCORE_MAX = 1, 10


@dataclass(frozen=True)
class VoteOutcome:
    counted: list[str]
    already_rated: list[str]


@dataclass(frozen=True)
class ThemeScore:
    theme: str
    average: float | None
    votes: int
    previous_average: float | None


def rate_commune(
    ports: Ports,
    slug: str,
    ratings: dict[str, int],
    voter: str,
    today: date,
    submitter: Submitter | None = None,
) -> VoteOutcome:
    """Counts each theme's rating unless this browser (`voter`, a random token the page
    keeps) already rated that theme this month. A browser's token is all a script needs
    to change, so the ballots of one client address are capped per month too, and each
    theme counts the distinct addresses that rated it (what a barometer alert needs).
    Raises ValidationError, VotesCappedError (429) past the address's cap, ConflictError
    if nothing counted."""
    commune = validation.find_commune(ports, slug)
    if not ratings:
        raise ValidationError("rate at least one theme", code="no_rating")
    for theme, score in ratings.items():
        validation.check_theme(commune, theme)
        if not SCORE_MIN <= score <= SCORE_MAX:
            raise ValidationError("scores go from 1 to 10", code="invalid_score")
    voter_hash = validation.voter_hash(commune, voter)
    submitter = submitter or Submitter()
    abuse.cap_ballots(ports, commune.commune_id, submitter, today)
    period, day = today.strftime("%Y-%m"), today.isoformat()
    counted, repeated = [], []
    for theme, score in sorted(ratings.items()):
        increments = [
            replace(increment, spread=voter_hash)
            for increment in indicators.barometer_vote(day, theme, score)
        ]
        key = f"{period}#{theme}#{voter_hash}"
        if ports.indicators.record_vote(commune.commune_id, key, increments):
            counted.append(theme)
        else:
            repeated.append(theme)
    if not counted:
        raise ConflictError(
            "this browser already rated these themes this month", code="already_rated"
        )
    _count_voters(ports, commune, counted, today, abuse.address_key(submitter))
    return VoteOutcome(counted, repeated)


def _count_voters(
    ports: Ports, commune: Commune, themes: list[str], today: date, address: str | None
) -> None:
    """One more distinct voter on each theme the address had not rated yet this month: a
    marker per (month, theme, address digest) written with its counter in one conditional
    transaction, so concurrent ballots from one address count it once. After the votes:
    a failure here leaves the address uncounted, which can only hold an alert back."""
    if address is None:
        return
    period, day = today.strftime("%Y-%m"), today.isoformat()
    for theme in themes:
        increments = [
            replace(increment, spread=address)
            for increment in indicators.barometer_voter(day, theme)
        ]
        ports.indicators.record_vote(
            commune.commune_id, f"{period}#{theme}#address#{address}", increments
        )


def scores(ports: Ports, commune: Commune, today: date) -> list[ThemeScore]:
    """This month's average per theme, with last month's for comparison."""
    first = today.replace(day=1)
    previous_first = (first - timedelta(days=1)).replace(day=1)
    days = [
        (previous_first + timedelta(days=n)).isoformat()
        for n in range((today - previous_first).days + 1)
    ]
    counts = ports.indicators.counts(commune.commune_id, days)
    current = indicators.barometer_totals(counts[d] for d in days if d >= first.isoformat())
    previous = indicators.barometer_totals(counts[d] for d in days if d < first.isoformat())
    return [
        ThemeScore(
            theme.id,
            average(current.get(theme.id)),
            current.get(theme.id, (0, 0))[1],
            average(previous.get(theme.id)),
        )
        for theme in commune.themes
    ]


def average(totals: tuple[int, int] | None) -> float | None:
    return round(totals[0] / totals[1], 2) if totals and totals[1] else None
