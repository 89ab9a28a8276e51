"""Reports of the same problem: the same place (or none named), a time window, close words;
two places are never one problem, whatever their words."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from chalicelib.analysis.places import places_in
from chalicelib.analysis.problem_objects import objects_in
from chalicelib.analysis.similar import Report, same_problem, similar_to

pytestmark = pytest.mark.unit

AT = datetime(2026, 12, 1, tzinfo=UTC)
PAIRS = [
    json.loads(line)
    for line in (Path(__file__).parent / "similar_pairs.jsonl").read_text().splitlines()
]


@pytest.mark.parametrize(
    ("text", "places"),
    [
        ("Le lampadaire de la rue Victor Hugo est en panne depuis lundi.", {"rue victor hugo"}),
        ("Les poubelles débordent au 12 chemin des Aspres.", {"chemin aspres"}),
        ("Le parking de la poste est plein de gravats", {"poste"}),
        (
            "Il faut des bancs place des Arcades et rue du Portugon.",
            {"place arcades", "rue portugon"},
        ),
        ("Au croisement du chemin de la Bourgade, le stop est tombé.", {"chemin bourgade"}),
        ("La médiathèque ferme trop tôt", {"mediatheque"}),
        ("La place de parking est trop petite", set()),
        ("Le bus ne marche plus le dimanche", set()),
        ("Merci pour le parc, c'est magnifique", set()),
    ],
)
def test_the_places_a_text_names(text, places):
    assert places_in(text) == places


def report(thread_id, vector, text="", quartier=None, days=0):
    unit = np.asarray(vector, dtype=np.float64)
    return Report(
        thread_id, unit / np.linalg.norm(unit), places_in(text), quartier, AT + timedelta(days=days)
    )


def test_two_places_are_never_the_same_problem_however_close_the_words():
    a = report("a", [1, 0], "Lampadaire en panne rue Victor Hugo")
    b = report("b", [1, 0], "Lampadaire en panne rue Pasteur")
    assert not same_problem(a, b)
    assert same_problem(a, report("c", [1, 0.1], "rue Victor Hugo, le réverbère est éteint"))


def test_outside_the_window_or_another_quartier_it_is_another_occurrence():
    a = report("a", [1, 0], "Lampadaire en panne rue Victor Hugo")
    assert not same_problem(a, report("b", [1, 0], "Lampadaire rue Victor Hugo", days=45))
    without_place = report("c", [1, 0], "Lampadaire en panne", quartier="village")
    assert not same_problem(without_place, report("d", [1, 0], "Lampadaire", quartier="brague"))


def test_without_a_place_the_words_must_be_closer_than_with_one():
    close = [1, 0.45]  # cosine ≈ 0.91: enough at a same place, not without one
    assert same_problem(
        report("a", [1, 0], "Fuite place des Arcades"), report("b", close, "place des Arcades")
    )
    assert not same_problem(report("a", [1, 0], "Une fuite"), report("b", close, "Fuite d'eau"))


def test_similar_reports_come_closest_first_and_never_the_report_itself():
    new = report("new", [1, 0], "Dépôt de gravats chemin des Aspres")
    candidates = [
        new,
        report("far", [1, 0.3], "Gravats chemin des Aspres"),
        report("near", [1, 0.05], "chemin des Aspres : encore des gravats"),
        report("elsewhere", [1, 0], "Dépôt de gravats chemin des Combes"),
    ]
    assert similar_to(new, candidates) == ["near", "far"]


def test_no_labelled_pair_at_two_different_places_is_linked():
    for pair in PAIRS:
        a, b = places_in(pair["a"]), places_in(pair["b"])
        if a and b and not a & b:
            assert not pair["same"], pair
            assert not same_problem(report("a", [1, 0], pair["a"]), report("b", [1, 0], pair["b"]))


def test_vectors_are_compared_by_their_embedders_thresholds_and_never_across_embedders():
    from chalicelib.analysis.similar import HASHED_SAME_PLACE, NO_PLACE, SAME_PLACE, thresholds

    assert thresholds("e5", "e5") == (SAME_PLACE, NO_PLACE)
    same_place, no_place = thresholds("hashed", "hashed")
    assert same_place == HASHED_SAME_PLACE and no_place > 1  # no shared place: never
    assert thresholds("e5", "hashed") is None and thresholds("other", "other") is None
    a = report("a", [1, 0.5], "Lampadaire en panne")
    b = report("b", [1, 0.5], "Le lampadaire est en panne")
    assert same_problem(a, b) and not same_problem(a, b, same_place, no_place)


@pytest.mark.parametrize(
    ("text", "objects"),
    [
        ("Le lampadaire de la rue Victor Hugo est en panne.", {"eclairage"}),
        ("Il fait tout noir, le réverbère est mort.", {"eclairage"}),
        ("Les poubelles débordent rue Victor Hugo.", {"dechets"}),
        # A place's name names no thing: no tree in « avenue des Pins ».
        ("Un nid de poule énorme avenue des Pins.", {"chaussee"}),
        ("Fuite d'eau chemin de la Fontaine.", {"eau"}),
        ("Les horaires de la médiathèque ne conviennent pas.", set()),
    ],
)
def test_the_things_a_report_is_about(text, objects):
    assert objects_in(text) == objects


def test_two_things_at_one_place_are_two_problems_however_close_the_words():
    lamp = "Le lampadaire de la rue Victor Hugo est en panne."
    bins = "Les poubelles débordent rue Victor Hugo."
    a = replace(report("a", [1, 0], lamp), objects=objects_in(lamp))
    b = replace(report("b", [1, 0.01], bins), objects=objects_in(bins))
    assert not same_problem(a, b)
    # A report naming no known thing is left to the place and the words.
    assert same_problem(a, report("b", [1, 0.01], bins))
