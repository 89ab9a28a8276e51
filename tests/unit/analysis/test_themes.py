"""Theme classification: zero-shot from the commune's own themes, corrections, abstention."""

from __future__ import annotations

import pytest

from chalicelib.analysis.themes import ABSTAIN_BELOW, ThemeClassifier, _synonym_groups, stem
from chalicelib.domain.commune import Theme

pytestmark = pytest.mark.unit

# A demo-like commune: labels, keywords and descriptions as an admin would write them.
DEMO_THEMES: tuple[Theme, ...] = (
    Theme(
        "cadre-de-vie",
        "Cadre de vie",
        ("bruit", "banc", "fontaine", "fleurissement", "terrasse", "aire de jeux", "ombre"),
        "Qualité de vie au quotidien : nuisances, mobilier urbain, embellissement.",
    ),
    Theme(
        "proprete",
        "Propreté",
        ("poubelle", "déchet", "encombrant", "tag", "crotte", "dépôt sauvage", "collecte"),
        "Collecte et tri des déchets, nettoyage des rues.",
    ),
    Theme(
        "voirie-stationnement",
        "Voirie et stationnement",
        ("nid-de-poule", "chaussée", "trottoir", "parking", "éclairage", "travaux"),
        "État des routes et trottoirs, éclairage public, offre de stationnement.",
    ),
    Theme(
        "transports",
        "Transports et mobilités",
        ("bus", "navette", "gare", "vélo", "piste cyclable", "covoiturage"),
        "Transports en commun, vélo, circulation.",
    ),
    Theme(
        "securite",
        "Sécurité et tranquillité",
        ("police municipale", "cambriolage", "vitesse", "incivilité", "caméra"),
        "Sécurité des personnes et des biens.",
    ),
    Theme(
        "environnement",
        "Environnement et espaces verts",
        ("arbre", "parc", "forêt", "biodiversité", "pollution", "inondation"),
        "Espaces verts, cours d'eau, risques naturels.",
    ),
    Theme(
        "culture-sport",
        "Culture, sport et loisirs",
        ("médiathèque", "concert", "stade", "gymnase", "piscine", "association"),
        "Équipements et événements culturels et sportifs.",
    ),
    Theme(
        "education-jeunesse",
        "Éducation et jeunesse",
        ("école", "cantine", "crèche", "périscolaire", "jeune"),
        "Écoles, restauration scolaire, petite enfance.",
    ),
    Theme(
        "urbanisme-logement",
        "Urbanisme et logement",
        ("permis de construire", "plu", "logement", "immeuble", "lotissement"),
        "Projets de construction, plan local d'urbanisme.",
    ),
    Theme(
        "services-municipaux",
        "Services municipaux",
        ("mairie", "accueil", "état civil", "passeport", "démarche"),
        "Accueil et démarches administratives en mairie.",
    ),
)

# Another commune: its own ids, labels only, no keywords or descriptions.
OTHER_THEMES: tuple[Theme, ...] = (
    Theme("dechets", "Déchets et tri"),
    Theme("routes", "Routes et parkings"),
    Theme("mobilite", "Bus et vélo"),
    Theme("tranquillite", "Tranquillité publique"),
    Theme("nature", "Nature et jardins"),
    Theme("ecoles", "Écoles"),
    Theme("mairie", "La mairie et vos démarches"),
)


@pytest.fixture(scope="module")
def demo() -> ThemeClassifier:
    return ThemeClassifier.build(DEMO_THEMES)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Les poubelles débordent rue Pasteur depuis lundi.", "proprete"),
        ("Un énorme nid-de-poule sur la chaussée, impossible de rouler.", "voirie-stationnement"),
        ("La navette ne passe plus le dimanche, il faudrait plus de bus.", "transports"),
        ("Encore un cambriolage cette nuit, que fait la police ?", "securite"),
        ("Les arbres du parc ont été coupés, quelle tristesse.", "environnement"),
        ("La cantine de l'école sert des repas froids à nos enfants.", "education-jeunesse"),
        ("Mon permis de construire est bloqué depuis six mois.", "urbanisme-logement"),
        ("L'accueil de la mairie est fermé le samedi matin.", "services-municipaux"),
        ("Le concert à la médiathèque était génial, bravo !", "culture-sport"),
        ("Des bancs et un peu d'ombre sur la placette, ce serait agréable.", "cadre-de-vie"),
    ],
)
def test_obvious_feedback_goes_to_its_theme(
    demo: ThemeClassifier, text: str, expected: str
) -> None:
    assert demo.classify(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Des ordures et des crottes partout dans la ruelle.", "proprete"),
        ("Les tags sur le mur de la salle ne sont jamais effacés.", "proprete"),
        ("On ne trouve jamais de place de stationnement le samedi.", "voirie-stationnement"),
        ("Il manque une piste cyclable pour aller au collège à vélo.", "transports"),
        ("Les voitures roulent à une vitesse folle devant chez moi.", "securite"),
        ("La pollution de la rivière inquiète les riverains.", "environnement"),
    ],
)
def test_synonyms_and_keywords_from_general_vocabulary(
    demo: ThemeClassifier, text: str, expected: str
) -> None:
    assert demo.classify(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Bonjour",
        "Bonjour, merci beaucoup !",
        "Quel temps fera-t-il demain ?",
        "J'ai perdu mon chat, il est roux.",
        "",
    ],
)
def test_abstains_when_nothing_fits(demo: ThemeClassifier, text: str) -> None:
    assert demo.classify(text) is None
    assert max(demo.scores(text).values()) < ABSTAIN_BELOW


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Les ordures ne sont plus ramassées le lundi.", "dechets"),
        ("Le conteneur de tri sélectif est plein.", "dechets"),
        ("Trop de trous sur la chaussée de l'avenue.", "routes"),
        ("Il faudrait un garage à vélos près de l'arrêt.", "mobilite"),
        ("Les cambriolages se multiplient, on a peur.", "tranquillite"),
        ("Il faudrait planter des arbres et fleurir les jardins.", "nature"),
        ("La cantine est trop chère pour les familles.", "ecoles"),
        ("Impossible d'avoir un rendez-vous pour un passeport.", "mairie"),
    ],
)
def test_works_with_a_commune_naming_its_themes_differently(text: str, expected: str) -> None:
    classifier = ThemeClassifier.build(OTHER_THEMES)
    assert classifier.classify(text) == expected


def test_accents_and_plurals_do_not_matter(demo: ThemeClassifier) -> None:
    plain = demo.scores("poubelle dechet ecole")
    inflected = demo.scores("Poubelles DÉCHETS écoles")
    assert plain == pytest.approx(inflected)


@pytest.mark.parametrize(
    "family",
    [
        ("stationner", "stationnement", "stationné", "stationnées"),
        ("poubelle", "poubelles"),
        ("éclairage", "éclairer", "éclairé"),
        ("circulation", "circuler"),
        ("dangereux", "dangereuse", "danger"),
        ("sportif", "sportive"),
        ("policier", "policière"),
        ("trou", "trous"),
        ("municipal", "municipaux", "municipale"),
    ],
)
def test_stem_joins_a_word_family(family: tuple[str, ...]) -> None:
    assert len({stem(word) for word in family}) == 1


def test_stem_keeps_short_words_apart() -> None:
    assert stem("garage") != stem("gare")


def test_each_synonym_sits_in_one_group_so_groups_do_not_leak_into_each_other() -> None:
    seen: set[tuple[str, ...]] = set()
    for group in _synonym_groups():
        assert not (group & seen)
        seen |= group


def test_multi_word_keywords_match_whatever_the_spelling(demo: ThemeClassifier) -> None:
    for text in ("nids-de-poule", "nid de poule", "Nids de poule !"):
        assert demo.classify(text) == "voirie-stationnement"
    assert demo.classify("dépôts sauvages") == "proprete"
    assert demo.classify("l'aire de jeux") == "cadre-de-vie"


def test_a_word_shared_by_many_themes_counts_less() -> None:
    themes = (
        Theme("a", "Alpha", ("route", "commerce")),
        Theme("b", "Beta", ("route", "fontaine")),
        Theme("c", "Gamma", ("route", "piscine")),
    )
    scores = ThemeClassifier.build(themes).scores("route commerce")
    assert scores["a"] > scores["b"] == scores["c"]


def test_corrections_fix_what_zero_shot_got_wrong() -> None:
    text = "Les chenilles processionnaires envahissent les pins du lotissement."
    assert ThemeClassifier.build(DEMO_THEMES).classify(text) == "urbanisme-logement"
    corrections = [
        ("Des chenilles processionnaires sur les pins de l'allée.", "environnement"),
        ("Les chenilles descendent des pins jusqu'aux maisons.", "environnement"),
        ("Que fait-on contre les chenilles processionnaires ?", "environnement"),
        ("Encore des chenilles processionnaires dans les pins.", "environnement"),
        ("Chenilles processionnaires : les pins du chemin sont envahis.", "environnement"),
        ("Il faut traiter les pins contre les chenilles.", "environnement"),
        ("Les poubelles débordent rue Pasteur.", "proprete"),
    ]
    corrected = ThemeClassifier.build(DEMO_THEMES, corrections)
    assert corrected.classify(text) == "environnement"
    # What zero-shot already got right stays right.
    assert corrected.classify("Un nid-de-poule sur la chaussée.") == "voirie-stationnement"
    assert corrected.classify("Bonjour") is None


def test_corrections_teach_local_words_zero_shot_cannot_know() -> None:
    text = "La Brague a encore débordé près du pont."
    assert ThemeClassifier.build(DEMO_THEMES).classify(text) is None
    corrections = [
        ("La Brague déborde à chaque orage, le pont est sous l'eau.", "environnement"),
        ("Crue de la Brague : le pont a encore été fermé.", "environnement"),
        ("Il faudrait entretenir les berges de la Brague avant l'hiver.", "environnement"),
    ]
    assert ThemeClassifier.build(DEMO_THEMES, corrections).classify(text) == "environnement"


def test_corrections_for_unknown_themes_are_ignored() -> None:
    classifier = ThemeClassifier.build(DEMO_THEMES, [("texte quelconque", "ancien-theme")])
    assert set(classifier.scores("texte quelconque")) == {theme.id for theme in DEMO_THEMES}


def test_is_deterministic() -> None:
    text = "Les poubelles débordent près du parking de l'école, et les bus sont en retard."
    runs = {
        tuple(sorted(ThemeClassifier.build(DEMO_THEMES).scores(text).items())) for _ in range(3)
    }
    assert len(runs) == 1


def test_near_tie_between_weak_themes_abstains() -> None:
    themes = (Theme("a", "Alpha", ("fontaine",)), Theme("b", "Beta", ("piscine",)))
    classifier = ThemeClassifier.build(themes)
    filler = "le conseil a longuement discuté de ce sujet lors de la dernière réunion publique "
    long_text = "fontaine piscine " + filler * 4
    assert classifier.classify("fontaine") == "a"
    assert classifier.classify(long_text) is None
