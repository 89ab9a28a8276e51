"""Topics on the hashed embedder (deterministic, no model): clusters, opinions left outside,
labels without names, quotes, stable ids across rebuilds, assignment at ingest, the CLI."""

from __future__ import annotations

import json

import numpy as np
import pytest

from chalicelib.analysis.embeddings import HashedEmbedder
from chalicelib.analysis.pii import mask
from chalicelib.analysis.topic_labels import describe
from chalicelib.analysis.topics import TopicParams, build_topics, params_for
from chalicelib.analysis.topics_cli import run_topics

pytestmark = pytest.mark.unit

PARKING = [
    "Le stationnement rue de la gare est impossible le matin",
    "Impossible de trouver une place de stationnement près de la gare",
    "Stationnement sauvage devant la gare, les voitures bloquent tout",
    "Il manque des places de stationnement autour de la gare",
    "Le parking de la gare est plein, le stationnement déborde",
    "Stationnement gênant près de la gare tous les soirs",
    "Pourquoi le stationnement à la gare est-il payant ?",
]
CANTEEN = [
    "La cantine scolaire sert des repas froids aux enfants",
    "Les repas de la cantine scolaire sont trop chers",
    "Cantine scolaire : les repas manquent de légumes bio",
    "Mon fils trouve les repas de la cantine scolaire immangeables",
    "La cantine scolaire devrait proposer un repas végétarien",
    "Attente trop longue à la cantine scolaire, repas bâclé",
    "Bravo pour les nouveaux repas de la cantine scolaire",
]
LIGHTS = [
    "L'éclairage public du lotissement est en panne, lampadaire éteint",
    "Lampadaire éteint depuis une semaine, éclairage public à réparer",
    "L'éclairage public clignote, le lampadaire grésille",
    "Plus d'éclairage public dans l'impasse, lampadaire cassé",
    "Un lampadaire reste allumé en plein jour, éclairage public mal réglé",
    "Éclairage public trop faible, il faudrait un lampadaire de plus",
]
STRAY = ["Le concert de jazz de samedi était magnifique"]


def _build(texts: list[str], previous=None, min_size: int = 4):
    embedder = HashedEmbedder()
    params = params_for(embedder.name, min_size)
    keys = [f"m{i}" for i in range(len(texts))]
    return build_topics(
        embedder.embed(texts),
        texts,
        keys,
        embedder=embedder.name,
        params=params,
        previous=previous,
    )


def test_three_subjects_give_three_pure_topics_and_a_stray_opinion_stays_outside() -> None:
    texts = PARKING + CANTEEN + LIGHTS + STRAY
    clustering = _build(texts)
    groups = [
        set(clustering.assignments[: len(PARKING)]),
        set(clustering.assignments[len(PARKING) : len(PARKING) + len(CANTEEN)]),
        set(clustering.assignments[len(PARKING) + len(CANTEEN) : -1]),
    ]
    assert all(len(group) == 1 and None not in group for group in groups)
    assert len(set.union(*groups)) == 3
    assert clustering.assignments[-1] is None
    sizes = sorted(topic.size for topic in clustering.model.topics)
    assert sizes == [len(LIGHTS), len(PARKING), len(CANTEEN)]


def test_labels_name_the_subject_and_quotes_are_three_member_texts() -> None:
    clustering = _build(PARKING + CANTEEN + LIGHTS)
    labels = {topic.id: topic.label.lower() for topic in clustering.model.topics}
    assert {"stationnement", "gare"} & set(labels[clustering.assignments[0]].split(", "))
    assert "cantine" in labels[clustering.assignments[len(PARKING)]]
    assert "éclairage" in labels[clustering.assignments[-1]]
    parking = next(t for t in clustering.model.topics if t.id == clustering.assignments[0])
    assert len(parking.quotes) == 3
    assert set(parking.quotes) <= set(PARKING)


def test_a_word_of_one_opinion_never_labels_a_topic_of_many() -> None:
    # "tapage nocturne" is shared by two of the topic's four opinions but common elsewhere
    # too; each other phrase is one opinion's own, hence rarer, hence more "distinctive".
    members = [
        "Tapage nocturne tous les soirs, kiosque zanzibar",
        "Tapage nocturne après minuit, guinguette flottante",
        "Les scooters pétaradent, trottinette débridée",
        "Une sono de camion, karaoké géant",
    ]
    others = [f"Tapage nocturne signalé au commissariat {n}" for n in range(10)]
    others += [f"La cantine scolaire sert des repas froids {n}" for n in range(26)]
    texts = members + others
    unit = HashedEmbedder().embed(texts)
    [description] = describe(texts, [[0, 1, 2, 3]], [unit[:4].mean(axis=0)], unit)
    assert description.label == "Tapage nocturne"


def test_a_name_never_reaches_a_label() -> None:
    named = [f"{text}. Cordialement, Martin Gaspard" for text in PARKING]
    named += ["Martin Gaspard a encore bloqué le stationnement de la gare"]
    texts = [mask(text) for text in named] + CANTEEN
    clustering = _build(texts)
    for topic in clustering.model.topics:
        assert "martin" not in topic.label.lower()
        assert "gaspard" not in topic.label.lower()
        assert "nom" not in topic.label.lower().split()
    assert all("Martin Gaspard" not in quote for t in clustering.model.topics for quote in t.quotes)


def test_a_subject_below_the_minimum_size_is_left_outside() -> None:
    clustering = _build(PARKING + CANTEEN[:2], min_size=4)
    assert clustering.assignments[len(PARKING) :] == (None, None)
    assert len(clustering.model.topics) == 1


def test_too_few_opinions_give_no_topic() -> None:
    clustering = _build(PARKING[:2])
    assert clustering.model.topics == ()
    assert clustering.assignments == (None, None)


def test_a_rebuild_keeps_ids_and_labels_of_topics_that_still_fit() -> None:
    first = _build(PARKING[:5] + CANTEEN[:5] + LIGHTS[:5])
    second = _build(PARKING + CANTEEN + LIGHTS, previous=first.model)
    before = {t.id: t.label for t in first.model.topics}
    after = {t.id: t.label for t in second.model.topics}
    assert before == after
    assert second.assignments[0] == first.assignments[0]
    assert {t.size for t in second.model.topics} == {7, 6}


def test_new_ids_are_deterministic() -> None:
    texts = PARKING + CANTEEN
    assert _build(texts).assignments == _build(texts).assignments


def test_a_new_opinion_joins_its_nearest_topic_or_none() -> None:
    clustering = _build(PARKING + CANTEEN + LIGHTS)
    embedder = HashedEmbedder()
    vectors = embedder.embed(
        ["Aucune place de stationnement libre à la gare", "Une recette de gâteau au chocolat"]
    )
    parking, unrelated = clustering.model.assign(vectors)
    assert parking == clustering.assignments[0]
    assert unrelated is None


def test_an_empty_model_assigns_nothing() -> None:
    model = _build([]).model
    assert model.assign(HashedEmbedder().embed(["stationnement"])) == [None]


def test_the_hashed_embedder_is_deterministic_and_unit_length() -> None:
    embedder = HashedEmbedder()
    first = embedder.embed(["Stationner à la gare", ""])
    second = embedder.embed(["Stationner à la gare", ""])
    assert np.array_equal(first, second)
    assert np.linalg.norm(first[0]) == pytest.approx(1.0)
    assert not first[1].any()


def test_params_keep_the_engine_thresholds_and_take_a_minimum_size() -> None:
    params = params_for("hashed", 2)
    assert isinstance(params, TopicParams)
    assert params.min_size == 2
    assert params.merge == params_for("hashed").merge


def test_cli_answers_one_line_per_input_in_order() -> None:
    lines = [json.dumps({"id": i, "text": text}) for i, text in enumerate(PARKING + CANTEEN)]
    lines.insert(3, "not json")
    lines.insert(5, json.dumps({"id": "x"}))
    out = [json.loads(line) for line in run_topics(lines, min_size=4, embedder=HashedEmbedder())]
    assert len(out) == len(lines)
    assert out[3]["topic"] is None and "error" in out[3]
    assert out[5]["id"] == "x" and out[5]["topic"] is None
    good = [o for o in out if "error" not in o]
    assert [o["id"] for o in good] == list(range(len(PARKING + CANTEEN)))
    assert len({o["topic"] for o in good}) == 2
    assert all(o["label"] for o in good)
