"""The quote and signature stripper: staff must see what the citizen newly wrote, and never
lose it (a citizen's "Cordialement, Jean" stays; stripping everything returns everything)."""

from __future__ import annotations

import pytest

from chalicelib.channels.email import new_text

pytestmark = pytest.mark.unit

ANSWER = "Bonjour,\n\nLe lampadaire est toujours éteint.\n\nCordialement,\nJean Dupont"


@pytest.mark.parametrize(
    ("history", "case"),
    [
        (
            "Le 12 mars 2026 à 10:02, Mairie <contact@mairie.fr> a écrit :\n> Bonjour,\n> Merci.",
            "french attribution",
        ),
        (
            "Le lun. 12 mars 2026 à 10:02, Mairie de Saint-Martin <contact@mairie.fr> a écrit :\n"
            "\n> Bonjour,\n>\n> Merci.\n",
            "gmail french attribution with a weekday",
        ),
        (
            "Le lun. 12 mars 2026 à 10:02, Mairie de Saint-Martin <\ncontact@mairie.fr> a écrit :"
            "\n> Bonjour",
            "gmail attribution wrapped inside the address",
        ),
        (
            "Le mer. 11 mars 2026 à 12:32, Mairie de Saint-Martin <contact@mairie.fr\n"
            "> a écrit :\n\n> Bonjour",
            "gmail wrap leaving the address's '>' at the start of a line",
        ),
        (
            "Le lundi 12 mars 2026 à 10:02:05 UTC+1, Mairie de Saint-Martin\n"
            "<contact@mairie.fr> a\nécrit :\n\nBonjour (unquoted history)",
            "attribution wrapped over three lines",
        ),
        (
            "Le 12/03/2026 à 10:02, Mairie de Saint-Martin a écrit :\n> Bonjour",
            "thunderbird attribution",
        ),
        (
            "Le 12 mars 2026 à 10:02, Mairie a écrit :\n\nBonjour, this history is not quoted",
            "attribution followed by unquoted history",
        ),
        (
            "Le 2026-03-12 10:02, contact@mairie.fr a ecrit :\n> Bonjour",
            "roundcube attribution without accents",
        ),
        (
            "On Mon, Mar 12, 2026 at 10:02 AM John Smith <john@example.com> wrote:\n> Hello",
            "english gmail attribution",
        ),
        (
            "On Mon, Mar 12, 2026 at 10:02 AM John Smith <\njohn@example.com> wrote:\n\n> Hello",
            "english attribution wrapped",
        ),
        ("On 12/03/2026 10:02, John wrote:\n> Hello", "english thunderbird attribution"),
        ("Jean Dupont <jean@example.fr> a écrit :\n> Bonjour", "attribution without a date"),
        (
            "Am 12.03.2026 um 10:02 schrieb Hans Müller <hans@example.de>:\n> Hallo",
            "german attribution",
        ),
        (
            "De : Mairie de Saint-Martin <contact@mairie.fr>\nEnvoyé : lundi 12 mars 2026 10:02\n"
            "À : Jean Dupont <jean@example.fr>\nObjet : RE: Lampadaire\n\nBonjour Monsieur,",
            "outlook french header block",
        ),
        (
            "From: Town Hall <contact@mairie.fr>\nSent: Monday, March 12, 2026 10:02 AM\n"
            "To: Jean <jean@example.fr>\nSubject: RE: Street light\n\nDear Sir,",
            "outlook english header block",
        ),
        (
            "*De :* Mairie <contact@mairie.fr>\n*Envoyé :* lundi 12 mars 2026 10:02\n"
            "*À :* Jean\n*Objet :* Lampadaire",
            "outlook block with bold labels",
        ),
        (
            "From: Town Hall <contact@mairie.fr> Sent: Monday, March 12, 2026 10:02 AM "
            "To: Jean Subject: Street light",
            "outlook header on a single line",
        ),
        (
            "________________________________\nDe : Mairie <contact@mairie.fr>\n"
            "Envoyé : lundi 12 mars 2026 10:02\nÀ : Jean\nObjet : Lampadaire\n\nBonjour",
            "outlook separator line",
        ),
        (
            "-----Message d'origine-----\nDe : Mairie\nEnvoyé : lundi\nÀ : Jean\nObjet : x",
            "message d'origine",
        ),
        ("-----Original Message-----\nFrom: Town Hall\nSent: Monday", "original message"),
        (
            "----- Mail original -----\nDe: Mairie\nÀ: Jean\nEnvoyé: Lundi 12 Mars 2026\nObjet: x",
            "zimbra (free.fr)",
        ),
        (
            "-------- Message d'origine --------\nDe : Mairie\nDate : 12/03/2026 10:02 (GMT+01:00)"
            "\nÀ : jean@example.fr\nObjet : x",
            "samsung email",
        ),
        (
            "> Message du 12/03/26 10:02\n> De : Mairie\n> A : jean@orange.fr\n> Objet : x\n>\n"
            "> Bonjour",
            "orange webmail",
        ),
        (
            "Message du 12/03/26 10:02\nDe : Mairie\nA : jean@orange.fr\nObjet : x\n\nBonjour",
            "orange webmail without quote marks",
        ),
        (
            "De : Mairie de Saint-Martin\nEnvoyé le :lundi 12 mars 2026 10:02\nÀ : Jean\n"
            "Objet : Lampadaire",
            "courrier pour windows block",
        ),
        ("> Bonjour,\n> Merci pour votre message.\n>\n> La mairie", "quoted rest"),
        (">> Deeply\n>> quoted\n> history", "nested quotes"),
        ("-- \nJean Dupont\n06 12 34 56 78", "rfc 3676 signature delimiter"),
        ("--\nJean Dupont\nConseil de quartier", "signature delimiter without its space"),
        ("Envoyé de mon iPhone", "iphone"),
        ("Envoyé de mon iPad\n\n> Le 12 mars 2026 à 10:02, Mairie a écrit :", "ipad"),
        ("Sent from my iPhone\n\n> On Mar 12, 2026, at 10:02, Town Hall wrote:", "iphone en"),
        ("Envoyé depuis mon appareil Galaxy", "samsung galaxy"),
        ("Envoyé depuis mon smartphone Samsung Galaxy.", "samsung smartphone"),
        ("Envoyé de mon appareil Android", "android"),
        ("Télécharger Outlook pour Android<https://aka.ms/AAb9ysg>", "outlook android"),
        ("Télécharger Outlook pour iOS", "outlook ios"),
        ("Get Outlook for iOS<https://aka.ms/o0ukef>", "outlook ios en"),
        ("Get Outlook for Android", "outlook android en"),
        ("Envoyé depuis Yahoo Mail pour Android", "yahoo android"),
        ("Envoyé depuis Yahoo Mail pour iPhone", "yahoo iphone"),
        ("Envoyé à partir de Courrier pour Windows", "windows mail"),
        ("Sent from Mail for Windows", "windows mail en"),
        ("Envoyé avec la messagerie sécurisée Proton Mail.", "proton"),
        (
            "---------- Forwarded message ---------\nDe : Voisin <voisin@example.fr>\n"
            "Date: lun. 12 mars 2026 à 10:02\nSubject: Haie\nTo: <jean@example.fr>\n\nSalut",
            "gmail forward",
        ),
        (
            "---------- Message transféré ---------\nDe : Voisin <voisin@example.fr>\n\nSalut",
            "gmail forward in french",
        ),
        (
            "-------- Message transféré --------\nSujet : Haie\nDate : 12/03/2026\n\nSalut",
            "thunderbird forward",
        ),
        ("Début du message réexpédié :\n\nDe: Voisin <voisin@example.fr>", "apple forward"),
        ("Begin forwarded message:\n\nFrom: Neighbour", "apple forward en"),
    ],
)
def test_the_history_below_the_answer_is_cut(history: str, case: str) -> None:
    assert new_text(f"{ANSWER}\n\n{history}") == ANSWER, case


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Inline answers: the quoted lines go, the answers stay.
        (
            "Le 12 mars 2026 à 10:02, Mairie <contact@mairie.fr> a écrit :\n"
            "> Quelle rue ?\nRue des Écoles.\n> Depuis quand ?\nDepuis lundi.",
            "Rue des Écoles.\nDepuis lundi.",
        ),
        (
            "Bonjour,\n\n> Quelle rue ?\n\nRue des Écoles.\n\n> Depuis quand ?\n\nDepuis lundi."
            "\n\nJean",
            "Bonjour,\n\nRue des Écoles.\n\nDepuis lundi.\n\nJean",
        ),
        # Bottom-posting: the answer below the quote is kept.
        ("> Votre demande ?\n\nUn banc cassé square Colette.", "Un banc cassé square Colette."),
        # A quote followed only by a signature is not an inline answer.
        (
            "Merci.\n\nLe 12 mars 2026 à 10:02, Mairie <c@mairie.fr> a écrit :\n> Bonjour\n"
            "-- \nJean",
            "Merci.",
        ),
        # Interleaved answers, then a mobile signature and the rest of the history.
        (
            "> Quelle rue ?\nRue Pasteur.\n\nEnvoyé de mon iPhone\n\n> Le 12 mars 2026 à 10:02, "
            "Mairie a écrit :\n> Bonjour",
            "Rue Pasteur.",
        ),
    ],
)
def test_inline_answers_are_kept_and_quotes_dropped(text: str, expected: str) -> None:
    assert new_text(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        # French closings are the citizen's words, not a signature to cut.
        "Bonjour,\nLa fontaine fuit.\nCordialement,\nJean Dupont\n06 12 34 56 78",
        "Merci d'avance.\n\nBien à vous,\nMarie\nPrésidente de l'association des Lilas",
        # "Le maire a écrit :" without a date is a citizen quoting the mayor.
        "Le maire a écrit :\nnous allons refaire la rue.\nC'est faux, rien n'a bougé.",
        # A letter written in the mail, with its own "De / À / Objet" lines but no date.
        "Bonjour,\n\nDe : Jean Dupont\nÀ : Monsieur le Maire\nObjet : demande de banc\n\nMerci",
        # "Absence" and "envoyé" in ordinary sentences.
        "Envoyé par la poste la semaine dernière, mon courrier est resté sans réponse.",
        "Le 12 mars à 10h, le camion n'est pas passé.\nMerci de vérifier.",
        # A line of underscores not followed by a header block is only a rule.
        "Première partie\n____________________\nSeconde partie",
        # Dashes that are not a signature delimiter.
        "Horaires :\n--- matin : 8h\n--- soir : 18h",
    ],
)
def test_ordinary_text_is_left_alone(text: str) -> None:
    assert new_text(text) == text


@pytest.mark.parametrize(
    "text",
    [
        "> Tout est cité.\n> Rien de neuf.",
        "Le 12 mars 2026 à 10:02, Mairie <contact@mairie.fr> a écrit :\n> Bonjour",
        "Envoyé de mon iPhone",
        "-- \nJean Dupont",
    ],
)
def test_when_everything_would_go_the_whole_text_is_kept(text: str) -> None:
    assert new_text(f"\n{text}\n\n") == text


def test_line_endings_and_blank_runs_are_tidied() -> None:
    text = "Bonjour,\r\n\r\n> cité\r\n\r\n\r\nSuite.\r\nJean\r\n"
    assert new_text(text) == "Bonjour,\n\nSuite.\nJean"


def test_an_empty_text_stays_empty() -> None:
    assert new_text("") == ""
    assert new_text(" \n\n ") == ""


def test_a_reply_header_in_the_middle_cuts_only_below_it() -> None:
    text = (
        "Premier paragraphe.\n\nDeuxième paragraphe.\n\n"
        "De : Mairie\nEnvoyé : lundi 12 mars 2026\nÀ : Jean\nObjet : x\n\nAncien texte."
    )
    assert new_text(text) == "Premier paragraphe.\n\nDeuxième paragraphe."
