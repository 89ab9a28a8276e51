"""Behaviour of the committed local sentiment model on citizen feedback, and of train()."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from chalicelib.analysis.sentiment_model import SentimentModel, SentimentPrediction, raw_features
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


@pytest.fixture(scope="module")
def model() -> SentimentModel:
    return SentimentModel.load()


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
    assert model.predict(texts) == SentimentModel.load().predict(texts)


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
