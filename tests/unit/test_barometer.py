"""The town barometer: anonymous 1–10 ratings, once per theme, month and browser."""

from datetime import date

import pytest

from chalicelib.domain.errors import ConflictError, ValidationError
from chalicelib.services import barometer
from tests.fakes import VALBONNE, commune, memory_ports

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
