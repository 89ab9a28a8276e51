"""The town barometer: anonymous 1–10 ratings, once per theme, month and browser; ballots
capped per client address and month; distinct addresses counted per theme."""

from datetime import UTC, date, datetime

import pytest

from chalicelib.domain import indicators
from chalicelib.domain.abuse import VotesCappedError
from chalicelib.domain.errors import ConflictError, ValidationError
from chalicelib.services import barometer
from chalicelib.services.abuse import Submitter
from tests.fakes import BIOT, TEST_SEAL_KEY, VALBONNE, Clock, commune, memory_ports

pytestmark = pytest.mark.unit

TODAY = date(2026, 11, 29)
ALICE, BOB = "browser-token-alice-0001", "browser-token-bob-00002"


def test_ratings_count_once_per_theme_per_month_per_browser():
    ports = memory_ports()
    first = barometer.rate_commune(ports, "biot", {"proprete": 8}, ALICE, TODAY)
    assert (first.counted, first.already_rated) == (["proprete"], [])
    with pytest.raises(ConflictError):
        barometer.rate_commune(ports, "biot", {"proprete": 2}, ALICE, TODAY)
    mixed = barometer.rate_commune(ports, "biot", {"proprete": 2, "voirie": 5}, ALICE, TODAY)
    assert (mixed.counted, mixed.already_rated) == (["voirie"], ["proprete"])
    barometer.rate_commune(ports, "biot", {"proprete": 4}, BOB, TODAY)
    next_month = barometer.rate_commune(ports, "biot", {"proprete": 10}, ALICE, date(2026, 12, 1))
    assert next_month.counted == ["proprete"]

    november = {s.theme: s for s in barometer.scores(ports, commune(), TODAY)}
    assert (november["proprete"].average, november["proprete"].votes) == (6.0, 2)
    assert november["voirie"].average == 5.0
    december = {s.theme: s for s in barometer.scores(ports, commune(), date(2026, 12, 5))}
    assert (december["proprete"].average, december["proprete"].previous_average) == (10.0, 6.0)


def test_another_commune_has_its_own_barometer():
    ports = memory_ports()
    barometer.rate_commune(ports, "biot", {"proprete": 8}, ALICE, TODAY)
    assert barometer.rate_commune(ports, "valbonne", {"proprete": 3}, ALICE, TODAY).counted
    valbonne = barometer.scores(ports, commune(VALBONNE, "valbonne", "Valbonne"), TODAY)
    assert {s.theme: s.average for s in valbonne}["proprete"] == 3.0


@pytest.mark.parametrize(
    ("ratings", "voter", "code"),
    [
        ({"proprete": 11}, ALICE, "invalid_score"),
        ({"proprete": 0}, ALICE, "invalid_score"),
        ({"fiscalite": 5}, ALICE, "unknown_theme"),
        ({}, ALICE, "no_rating"),
        ({"proprete": 5}, "short", "invalid_voter"),
    ],
)
def test_invalid_ratings_are_refused_and_nothing_counts(ratings, voter, code):
    ports = memory_ports()
    with pytest.raises(ValidationError) as raised:
        barometer.rate_commune(ports, "biot", ratings, voter, TODAY)
    assert raised.value.code == code
    assert all(s.votes == 0 for s in barometer.scores(ports, commune(), TODAY))


def token(n: int) -> str:
    return f"browser-token-{n:08}"


@pytest.fixture
def capped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONCERTO_SEAL_KEY", TEST_SEAL_KEY)
    monkeypatch.setenv("CONCERTO_BAROMETER_BALLOTS_PER_ADDRESS", "3")


def test_one_address_casts_at_most_its_ballots_a_month_whatever_the_browser_tokens(capped):
    # Sunday 29 Nov 2026, 23:00 in Paris: 25 hours before December.
    ports = memory_ports(Clock(datetime(2026, 11, 29, 22, 0, tzinfo=UTC)))
    box = Submitter("203.0.113.7")
    for n in range(3):
        barometer.rate_commune(ports, "biot", {"proprete": 7}, token(n), TODAY, box)
    with pytest.raises(VotesCappedError) as refused:
        barometer.rate_commune(ports, "biot", {"proprete": 1}, token(9), TODAY, box)
    assert refused.value.code == "votes_capped"
    assert refused.value.retry_after == 25 * 3600
    assert {s.theme: s.votes for s in barometer.scores(ports, commune(), TODAY)}["proprete"] == 3
    # Another connection, another commune, next month: counted.
    barometer.rate_commune(
        ports, "biot", {"proprete": 1}, token(9), TODAY, Submitter("198.51.100.1")
    )
    barometer.rate_commune(ports, "valbonne", {"proprete": 1}, token(9), TODAY, box)
    barometer.rate_commune(ports, "biot", {"proprete": 1}, token(9), date(2026, 12, 1), box)
    # An unknown address (a test client, a commune's own server) is not capped.
    barometer.rate_commune(ports, "biot", {"voirie": 5}, token(10), TODAY, Submitter())


def test_each_theme_counts_the_distinct_addresses_that_rated_it_once_a_month(capped):
    ports = memory_ports()
    household = Submitter("2a01:cb00:1234:5678::10")
    barometer.rate_commune(ports, "biot", {"proprete": 7, "voirie": 4}, token(1), TODAY, household)
    # Another browser of the same household (its /64): no new address.
    phone = Submitter("2a01:cb00:1234:5678::22")
    barometer.rate_commune(ports, "biot", {"proprete": 6}, token(2), TODAY, phone)
    barometer.rate_commune(
        ports, "biot", {"proprete": 3}, token(3), TODAY, Submitter("203.0.113.9")
    )
    day = TODAY.isoformat()
    counts = ports.indicators.counts(BIOT, [day])
    assert indicators.barometer_voters([(day, counts[day])]) == {"proprete": 2, "voirie": 1}
    assert {s.theme: s.votes for s in barometer.scores(ports, commune(), TODAY)}["proprete"] == 3
    # The markers name the address by its keyed digest only.
    kept = " ".join(key for _, key in ports.indicators.votes)  # type: ignore[attr-defined]
    assert "2a01" not in kept and "203.0.113.9" not in kept
