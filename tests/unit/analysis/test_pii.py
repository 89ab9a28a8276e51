"""PII detection and masking on French citizen feedback: one block of realistic fixtures per
type, the false-positive traps met in real feedback, and properties over arbitrary text."""

from __future__ import annotations

from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.analysis.pii import PLACEHOLDERS, PiiSpan, PiiType, find_pii, mask

pytestmark = pytest.mark.unit


def found(text: str) -> list[tuple[str, str]]:
    return [(span.type, text[span.start : span.end]) for span in find_pii(text)]


def assert_single(text: str, pii_type: str, expected: str) -> None:
    assert found(text) == [(pii_type, expected)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Contactez-moi à jean.dupont@orange.fr merci", "jean.dupont@orange.fr"),
        (
            "mon mail : marie-claire.durand+mairie@gmail.com.",
            "marie-claire.durand+mairie@gmail.com",
        ),
        ("écrire à j.martin06@wanadoo.fr, svp", "j.martin06@wanadoo.fr"),
        ("Répondez sur JEAN.DUPONT@LAPOSTE.NET !", "JEAN.DUPONT@LAPOSTE.NET"),
        ("adresse: amelie_roux@mairie-biot.fr", "amelie_roux@mairie-biot.fr"),
        ("écrivez à jean.dupont (at) orange.fr", "jean.dupont (at) orange.fr"),
        ("jean.dupont [at] orange [dot] fr pour me répondre", "jean.dupont [at] orange [dot] fr"),
        ("mail : jean.dupont arobase orange.fr", "jean.dupont arobase orange.fr"),
        ("Écrivez-moi: paul.durand @ gmail.com", "paul.durand @ gmail.com"),
    ],
)
def test_emails(text: str, expected: str) -> None:
    assert_single(text, PiiType.EMAIL, expected)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Appelez-moi au 06 12 34 56 78 le matin", "06 12 34 56 78"),
        ("tel 06.12.34.56.78", "06.12.34.56.78"),
        ("mon portable 0612345678.", "0612345678"),
        ("depuis l'étranger : +33 6 12 34 56 78", "+33 6 12 34 56 78"),
        ("+33 (0)6 12 34 56 78 après 18h", "+33 (0)6 12 34 56 78"),
        ("0033 6 12 34 56 78", "0033 6 12 34 56 78"),
        ("+33612345678", "+33612345678"),
        ("le fixe : 04 93 65 12 34", "04 93 65 12 34"),
        ("box 09-87-65-43-21", "09-87-65-43-21"),
        ("numéro vert 0800 12 34 56", "0800 12 34 56"),
    ],
)
def test_phones(text: str, expected: str) -> None:
    assert_single(text, PiiType.PHONE, expected)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("J'habite au 12 rue des Lilas depuis dix ans.", "12 rue des Lilas"),
        ("au 3 bis, avenue de la République il y a un trou", "3 bis, avenue de la République"),
        ("12, impasse des Oliviers 06410 Biot", "12, impasse des Oliviers 06410 Biot"),
        ("je suis chemin de la Bourgade 45, merci", "chemin de la Bourgade 45"),
        ("devant le 45 bd Gambetta", "45 bd Gambetta"),
        ("8 av. Jean Jaurès", "8 av. Jean Jaurès"),
        ("27 route de Valbonne, 06410 Biot.", "27 route de Valbonne, 06410 Biot"),
        ("5 place du Général de Gaulle", "5 place du Général de Gaulle"),
        ("14 allée des Mimosas, les voisins...", "14 allée des Mimosas"),
        ("2 quai Saint-Pierre 06600 Antibes", "2 quai Saint-Pierre 06600 Antibes"),
        ("7 lotissement Les Oliviers", "7 lotissement Les Oliviers"),
        ("j'habite 12 rue des lilas et la rue est sale", "12 rue des lilas"),
        ("au 4 boulevard de l'Église", "4 boulevard de l'Église"),
    ],
)
def test_addresses(text: str, expected: str) -> None:
    assert_single(text, PiiType.ADDRESS, expected)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("RIB : FR76 3000 6000 0112 3456 7890 189 merci", "FR76 3000 6000 0112 3456 7890 189"),
        ("FR7630006000011234567890189", "FR7630006000011234567890189"),
        ("iban FR14 2004 1010 0505 0001 3M02 606.", "FR14 2004 1010 0505 0001 3M02 606"),
        ("compte allemand DE89 3704 0044 0532 0130 00", "DE89 3704 0044 0532 0130 00"),
        ("BE68 5390 0754 7034", "BE68 5390 0754 7034"),
        (
            "IBAN FR76 3000 6000 0112 3456 7890 189 1234 à rembourser",
            "FR76 3000 6000 0112 3456 7890 189",
        ),
    ],
)
def test_ibans(text: str, expected: str) -> None:
    assert_single(text, PiiType.IBAN, expected)


def test_iban_with_a_wrong_checksum_is_not_an_iban() -> None:
    types = {span.type for span in find_pii("FR76 3000 6000 0112 3456 7890 188")}
    assert PiiType.IBAN not in types


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("voiture AB-123-CD garée sur le trottoir", "AB-123-CD"),
        ("immatriculée GH 456 JK", "GH 456 JK"),
        ("la EF789GH stationne tous les jours", "EF789GH"),
        ("plaque fk-456-gh", "fk-456-gh"),
        ("une vieille 1234 AB 06 abandonnée", "1234 AB 06"),
        ("567 ABC 75", "567 ABC 75"),
        ("camionnette 12 XY 2A", "12 XY 2A"),
    ],
)
def test_license_plates(text: str, expected: str) -> None:
    assert_single(text, PiiType.LICENSE_PLATE, expected)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("n° sécu 1 85 05 06 088 042 05", "1 85 05 06 088 042 05"),
        ("mon NIR : 185050608804205.", "185050608804205"),
        ("2 91 12 2A 004 123 18 (Ajaccio)", "2 91 12 2A 004 123 18"),
        ("29901 2B 03345620", "29901 2B 03345620"),
        ("sécurité sociale 1.70.03.75.112.005.05", "1.70.03.75.112.005.05"),
    ],
)
def test_social_security_numbers(text: str, expected: str) -> None:
    assert_single(text, PiiType.SSN, expected)


def test_social_security_number_with_a_wrong_key_is_not_detected() -> None:
    assert all(span.type != PiiType.SSN for span in find_pii("1 85 05 06 088 042 06"))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Bonjour, je m'appelle Jean Dupont et j'habite ici.", ["Jean Dupont"]),
        ("je m'appelle jean dupont et je suis en colère", ["jean dupont"]),
        ("Je suis Mme Durand, habitante du quartier.", ["Durand"]),
        ("Mon nom est Pierre Martin.", ["Pierre Martin"]),
        ("Signé : Sophie Bernard", ["Sophie Bernard"]),
        ("Merci de votre aide.\nCordialement,\nJean-Pierre Lefèvre", ["Jean-Pierre Lefèvre"]),
        ("Bien cordialement, Marie", ["Marie"]),
        ("M. Martin gare sa voiture devant chez moi", ["Martin"]),
        ("Madame Nguyen a appelé la mairie", ["Nguyen"]),
        ("voir avec Monsieur DUBOIS", ["DUBOIS"]),
        ("Mme Marie-Claire de La Fontaine est passée", ["Marie-Claire de La Fontaine"]),
    ],
)
def test_names(text: str, expected: list[str]) -> None:
    assert [value for kind, value in found(text) if kind == PiiType.NAME] == expected
    assert all(kind == PiiType.NAME for kind, _ in found(text))


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Merci d'avance.\nCordialement,\nMarie Dupont, 06 12 34 56 78", "Marie Dupont"),
        ("Cordialement,\nPaul Martin\nTél. : 04 93 65 00 00", "Paul Martin"),
    ],
)
def test_a_signed_name_followed_by_contact_details(text: str, name: str) -> None:
    assert [kind for kind, _ in found(text)] == [PiiType.NAME, PiiType.PHONE]
    assert found(text)[0] == (PiiType.NAME, name)


@pytest.mark.parametrize(
    "text",
    [
        "Le marché du 12/05/2026 a été annulé.",
        "Réunion le 12.05.2026 à 14h30 ou 14:30.",
        "La ligne 10 passe toutes les 20 minutes, la ligne 230 jamais.",
        "Code INSEE 06018, code postal 06410.",
        "Le ticket coûte 1 250,50 € soit 2,10 € par jour.",
        "En 2026, 1 500 habitants ont signé la pétition.",
        "La rue est sale depuis des semaines.",
        "La rue des Lilas est sale et l'avenue Foch aussi.",
        "Il reste 1 place de parking pour 3 cours de tennis.",
        "Les 2 rues et les 3 routes sont fermées.",
        "Monsieur le Maire, Madame la Maire adjointe,",
        "Madame, Monsieur, je vous écris au sujet du parc.",
        "Bonjour Monsieur Le Maire, merci pour la fête.",
        "Cordialement, un habitant du quartier",
        "Cordialement, Le Comité, et merci encore pour la fête.",
        "Cordialement.",
        "Dossier n° 123456789 reçu le 01/02/2025 à 08h15.",
        "Le COVID-19 et la route D2085 au km 12.",
        "la rue est sale, 3 fois par semaine",
        "Score 06 sur 10, budget 2026-2027.",
        "Visitez https://www.mairie-biot.fr/agenda pour le programme.",
    ],
)
def test_false_positive_traps_are_left_alone(text: str) -> None:
    assert find_pii(text) == []
    assert mask(text) == text


def test_mask_replaces_each_kind_and_keeps_the_rest_of_the_text() -> None:
    text = (
        "Je m'appelle Jean Dupont, j'habite 12 rue des Lilas 06410 Biot, "
        "tél 06 12 34 56 78, mail jean.dupont@orange.fr, "
        "voiture AB-123-CD, RIB FR76 3000 6000 0112 3456 7890 189, "
        "sécu 1 85 05 06 088 042 05."
    )
    assert mask(text) == (
        "Je m'appelle [nom], j'habite [adresse], tél [téléphone], mail [courriel], "
        "voiture [plaque], RIB [IBAN], sécu [n° sécu]."
    )


def test_spans_are_sorted_non_overlapping_and_within_the_text() -> None:
    text = "Mme Durand, 06 12 34 56 78, 3 rue Victor Hugo, durand@free.fr, Mme Martin"
    spans = find_pii(text)
    assert [span.type for span in spans] == [
        PiiType.NAME,
        PiiType.PHONE,
        PiiType.ADDRESS,
        PiiType.EMAIL,
        PiiType.NAME,
    ]
    for previous, current in pairwise(spans):
        assert previous.end <= current.start
    assert all(0 <= span.start < span.end <= len(text) for span in spans)


def test_email_wins_over_the_phone_number_inside_it() -> None:
    assert found("écrire à 0612345678@free.fr") == [(PiiType.EMAIL, "0612345678@free.fr")]


def test_mask_uses_the_given_spans_and_merges_overlaps() -> None:
    text = "abcdefghij"
    spans = [PiiSpan(PiiType.NAME, 6, 8), PiiSpan(PiiType.PHONE, 1, 3), PiiSpan("EMAIL", 2, 4)]
    assert mask(text, spans) == "a[téléphone]ef[nom]ij"
    assert mask(text, []) == text


def test_mask_rejects_spans_outside_the_text() -> None:
    with pytest.raises(ValueError, match="outside"):
        mask("abc", [PiiSpan(PiiType.NAME, 1, 9)])


def test_every_type_has_a_french_placeholder() -> None:
    assert set(PLACEHOLDERS) == set(PiiType)
    assert PLACEHOLDERS[PiiType.SSN] == "[n° sécu]"


def test_adversarial_inputs_finish() -> None:
    # Long runs that make naive patterns backtrack quadratically; timing is not asserted.
    samples = [
        "a" * 50_000,
        "a." * 25_000,
        "1 " * 25_000,
        "12 rue " * 7_000,
        "Mme " * 12_000,
        "FR76 " + "3000 " * 10_000,
        "@" + "a-" * 25_000,
        "jean.dupont (at) " * 3_000,
    ]
    for sample in samples:
        spans = find_pii(sample)
        masked = mask(sample, spans)
        assert isinstance(masked, str)


_FIXTURE_PII = [
    "jean.dupont@orange.fr",
    "06 12 34 56 78",
    "+33 (0)6 12 34 56 78",
    "12 rue des Lilas",
    "FR76 3000 6000 0112 3456 7890 189",
    "AB-123-CD",
    "1 85 05 06 088 042 05",
    "Mme Durand",
]

_noise = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=60)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=300))
def test_find_pii_and_mask_never_crash_on_arbitrary_text(text: str) -> None:
    spans = find_pii(text)
    masked = mask(text, spans)
    assert all(0 <= span.start < span.end <= len(text) for span in spans)
    assert all(a.end <= b.start for a, b in pairwise(spans))
    if not spans:
        assert masked == text


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(_noise, st.sampled_from(_FIXTURE_PII)), max_size=8))
def test_masked_text_contains_none_of_the_detected_values(parts: list[str]) -> None:
    text = " ".join(parts)
    spans = find_pii(text)
    masked = mask(text, spans)
    for span in spans:
        value = text[span.start : span.end]
        # A value may legitimately survive when the same characters also occur outside
        # any detected span (or inside a placeholder): only a leak of the span itself fails.
        survives = value in masked
        elsewhere = text.count(value) > 1 or any(value in p for p in PLACEHOLDERS.values())
        assert not survives or elsewhere
