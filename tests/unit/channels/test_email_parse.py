"""The inbound e-mail parser on real-world client formats (tests/fixtures/email) and on the
malformed input it must survive: charsets, HTML bodies, attachments, auto-replies."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from chalicelib.channels.email import AttachmentLimits, ParsedEmail, parse
from chalicelib.channels.email.parse import (
    decode_bytes,
    html_to_text,
    sanitize_filename,
    unflow,
)

pytestmark = pytest.mark.unit

FIXTURES = Path(__file__).parents[2] / "fixtures" / "email"
MAIRIE = "contact@mairie-saint-martin.fr"
PARIS_WINTER = timezone(timedelta(hours=1))


def load(name: str, limits: AttachmentLimits | None = None) -> ParsedEmail:
    raw = (FIXTURES / name).read_bytes()
    return parse(raw) if limits is None else parse(raw, limits)


@dataclass(frozen=True)
class Expected:
    subject: str
    sender: str
    new_text: str
    text_contains: tuple[str, ...] = ()
    text_lacks: tuple[str, ...] = ()
    attachments: tuple[tuple[str, str, str], ...] = ()  # filename, content type, rejected
    auto_reply: str = ""
    error: str | None = None


CASES = {
    "gmail_fr_reply.eml": Expected(
        subject="Re: Votre signalement n°2026-0142",
        sender="camille.martin@gmail.com",
        new_text="Bonjour,\n\nMerci pour votre réponse rapide. Le lampadaire devant le 14 rue"
        " des Écoles\nest toujours éteint ce soir, et la rue est très sombre.\n\nBonne soirée,"
        "\nCamille",
        text_contains=("> Nous avons bien reçu votre signalement",),
    ),
    "outlook_desktop_fr_reply.eml": Expected(
        subject="RE : Arbre tombé chemin des Vignes",
        sender="p.lefevre@orange.fr",
        new_text="Bonjour,\n\nJe vous confirme que l’arbre tombé bloque toujours le trottoir du"
        " chemin des Vignes. Coût estimé par l’élagueur : 450 €.\nPourriez-vous intervenir"
        " rapidement ? Œuvre de salubrité publique…\n\nCordialement,\n\nPierre Lefèvre",
        text_contains=("Envoyé : mercredi 11 mars 2026 16:45", "Nous transmettons"),
    ),
    "outlook_web_html_only.eml": Expected(
        subject="RE: Marché du samedi",
        sender="sophie.bernard@outlook.fr",
        new_text="Bonjour,\n\nLe marché du samedi bloque l’accès au parking de la résidence"
        " des Tilleuls : impossible de sortir avant 14 h.\n\nBien à vous,\nSophie Bernard",
        text_contains=("> De : Mairie de Saint-Martin", "> Le marché se tient chaque samedi"),
        text_lacks=("<div", "&nbsp;", "\xa0", "P {margin"),
    ),
    "apple_iphone_fr_reply.eml": Expected(
        subject="Re : Ramassage des encombrants",
        sender="nadia.haddad@icloud.com",
        new_text="Bonjour,\n\nLes encombrants n’ont pas été ramassés ce matin avenue"
        " Jean-Jaurès, malgré le passage prévu.\n\nMerci de faire le nécessaire.",
        text_contains=("Envoyé de mon iPhone", "> Le ramassage des encombrants"),
    ),
    "thunderbird_fr_flowed.eml": Expected(
        subject="Re: Banc cassé",
        sender="helene.moreau@laposte.net",
        # format=flowed: the soft line breaks are joined back into one paragraph.
        new_text="Bonjour,\n\nSuite à votre message, je vous précise que le banc cassé se trouve"
        " dans le square Victor-Hugo, près de l'aire de jeux. Deux lattes manquent et des"
        " enfants risquent de se blesser.\n\nBien cordialement,\nHélène Moreau",
        text_contains=("> Pouvez-vous nous indiquer l'emplacement exact du banc ? Nous trans",),
    ),
    "yahoo_fr_reply.eml": Expected(
        subject="Re: Chantier rue Pasteur",
        sender="gerard.petit@yahoo.fr",
        new_text="Bonjour,\nLe bruit du chantier de la rue Pasteur commence à 6h du matin, bien"
        " avant l'heure autorisée.\nMerci d'intervenir.\nGérard Petit",
        text_contains=("Les travaux sont autorisés de 7h à 19h.",),
    ),
    "orange_webmail_latin1.eml": Expected(
        subject="Re: Conteneur à verre",
        sender="jacqueline.roux@orange.fr",
        new_text="Bonjour,\n\nLe conteneur à verre de la place du Marché déborde depuis une"
        " semaine. Les bouteilles s'entassent au pied.\n\nCordialement,\nJacqueline Roux",
        text_contains=("> Message du 11/03/26 17:20", "préciser l'emplacement"),
    ),
    "free_zimbra_iso885915.eml": Expected(
        subject="Re: Facture cantine",
        sender="marc.garnier@free.fr",
        new_text="Bonjour,\n\nLa cantine facture 4,20 € le repas alors que le tarif voté est de"
        " 3,90 €. Pouvez-vous vérifier ? Mon cœur de parent s'inquiète !\n\nMarc et Élise"
        " Garnier",
        text_contains=("----- Mail original -----", "facture de février"),
    ),
    "html_only_newsletter.eml": Expected(
        subject="L’agenda de mars 🌷",
        sender="newsletter@gazette-quartier.fr",
        new_text="La Gazette du Quartier\n\nChers voisins & voisines,\n\nVoici l’agenda du mois"
        " :\n\n- Samedi 14 mars : vide-grenier place de léglise\n- Mardi 17 mars : réunion du"
        " conseil de quartier\n\nVoir tout l'agenda\n\nVous recevez ce message car vous êtes"
        " inscrit.\nSe désinscrire",
        text_lacks=("tracking", "Texte d'aperçu", "@media", "mars 2026"),
    ),
    "attachments_pdf_jpeg.eml": Expected(
        subject="Mur de soutenement chemin du Moulin",
        sender="antoine.girard@gmail.com",
        new_text="Bonjour,\n\nVoici le plan cadastral et une photo du mur de soutènement qui"
        " s'effondre.\n\nCordialement,\nAntoine Girard",
        attachments=(
            ("Plan cadastral.pdf", "application/pdf", ""),
            ("IMG_2041.JPG", "image/jpeg", ""),
        ),
    ),
    "forbidden_attachment_exe.eml": Expected(
        subject="Votre facture en attente",
        sender="factures@example-livraisons.com",
        new_text="Bonjour, veuillez ouvrir la facture jointe et la photo du colis.",
        attachments=(
            ("facture.pdf.exe", "application/x-msdownload", "type_not_allowed"),
            # Declared a PDF, named .exe: refused on the extension.
            ("releve.exe", "application/pdf", "type_not_allowed"),
            # application/octet-stream corrected from the extension.
            ("bon-de-livraison.pdf", "application/pdf", ""),
            ("colis.jpg", "image/jpeg", ""),
        ),
    ),
    "rfc2047_subject_name.eml": Expected(
        subject="Problème de stationnement gênant devant l’école",
        sender="Francois.Leger@laposte.net",
        new_text="Bonjour,\n\nChaque matin, une voiture est garée sur le passage piéton devant"
        " l’école Jules-Ferry.\nPhoto jointe.\n\nFrançois",
        attachments=(("photo voiture garée.jpg", "image/jpeg", ""),),
    ),
    "out_of_office_fr.eml": Expected(
        subject="Réponse automatique : Votre demande n°2026-0150",
        sender="isabelle.durand@ville-voisine.fr",
        new_text="Bonjour,\n\nJe suis absente du bureau jusqu'au lundi 23 mars 2026 inclus. En"
        " cas d'urgence, contactez l'accueil au 01 23 45 67 89.\n\nIsabelle Durand",
        auto_reply="out-of-office",
    ),
    "bounce_mailer_daemon.eml": Expected(
        subject="Undelivered Mail Returned to Sender",
        sender="MAILER-DAEMON@mx.mairie-saint-martin.fr",
        new_text="This is the mail system at host mx.mairie-saint-martin.fr.\n\nI'm sorry to"
        " have to inform you that your message could not\nbe delivered to one or more"
        " recipients.\n\n<jean.inconnu@example.fr>: host mx.example.fr[203.0.113.5] said: 550"
        " 5.1.1\n    <jean.inconnu@example.fr>: Recipient address rejected: User unknown",
        text_lacks=("Reporting-MTA", "Final-Recipient", "Subject: Votre demande"),
        auto_reply="delivery-status",
    ),
    "precedence_bulk.eml": Expected(
        subject="Coupure d'eau programmee le 18 mars",
        sender="noreply@infos-travaux.example.fr",
        new_text="Une coupure d'eau est programmee le 18 mars de 8h a 12h dans le secteur nord.",
        auto_reply="precedence",
    ),
    "malformed_boundary.eml": Expected(
        subject="Trottoir abime",
        sender="lucie.fabre@sfr.fr",
        # The declared boundary is never used: the one actually used is found.
        new_text="Bonjour, le trottoir de la rue Voltaire est défoncé devant le n°8.",
        attachments=(("trottoir.png", "image/png", ""),),
    ),
    "missing_from.eml": Expected(
        subject="Sans expediteur",
        sender="",
        new_text="Ce message n'a pas d'expediteur.",
        error="no sender address",
    ),
    "binary_junk.eml": Expected(subject="", sender="", new_text="", error="not an e-mail message"),
    "forwarded_rfc822.eml": Expected(
        subject="Fwd: Haie non taillee",
        sender="paul.mercier@wanadoo.fr",
        new_text="Bonjour,\n\nJe vous transfere le message de mon voisin au sujet de la haie"
        " qui deborde sur le trottoir.\n\nPaul Mercier",
        text_contains=(
            "---------- Message transféré ---------\nDe : Robert Noel <robert.noel@free.fr>",
            "Objet : Haie non taillee",
            "la haie du 3 impasse des Lilas",
        ),
        attachments=(("haie.png", "image/png", ""),),
    ),
    "signature_dashes.eml": Expected(
        subject="Composteur collectif",
        sender="jm.blanc@riseup.net",
        new_text="Bonjour,\n\nLe conseil de quartier souhaite installer un composteur collectif"
        "\nsquare Colette. Qui faut-il contacter ?\n\nCordialement,\nJean-Marc",
        text_contains=("Conseil de quartier Nord",),
    ),
    "gmail_en_reply.eml": Expected(
        subject="Re: Bus shelter",
        sender="oliver.smith@gmail.com",
        new_text="Hello,\n\nI am a British resident of Saint-Martin. The bus shelter on Avenue"
        " de la Gare\nhas a broken glass panel, which is dangerous for children.\n\nKind"
        " regards,\nOliver Smith",
    ),
    "unknown_charset.eml": Expected(
        subject="Fontaine en panne",
        sender="yves.caron@numericable.fr",
        new_text="Bonjour, la fontaine du parc ne fonctionne plus depuis février. Très dommage.",
    ),
    "mislabeled_utf8_as_latin1.eml": Expected(
        subject="Eclairage stade",
        sender="chantal.vidal@bbox.fr",
        new_text="L’éclairage du stade reste allumé toute la nuit, quel gâchis !",
    ),
    "outlook_mobile_fr.eml": Expected(
        subject="Re : Passage piéton",
        sender="luc.fontaine@outlook.fr",
        new_text="Bonjour, le marquage du passage piéton devant la boulangerie a complètement"
        " disparu.",
        text_contains=("Télécharger Outlook pour Android", "Objet : Passage piéton"),
    ),
    "samsung_android.eml": Expected(
        subject="RE : Animaux errants",
        sender="julie.perrin@sfr.fr",
        new_text="Bonjour,\nUn chien errant tourne depuis ce matin autour de l'école maternelle."
        "\nMerci de prévenir la fourrière.",
        text_contains=("-------- Message d'origine --------",),
    ),
    "apple_mail_inline_image.eml": Expected(
        subject="Arrêt de bus supprimé",
        sender="thomas.roy@me.com",
        new_text="Bonjour,\n\nVoici la capture de l’application qui affiche un arrêt de bus"
        " supprimé :\n\nBien à vous,\nThomas Roy",
        # Images inline in the HTML version (cid:) are attachments; one has no name.
        attachments=(
            ("Capture d’écran 2026-03-16.png", "image/png", ""),
            ("piece-jointe-2", "image/png", ""),
        ),
    ),
    "courrier_windows.eml": Expected(
        subject="RE: Stationnement vélos",
        sender="remi.collet@hotmail.fr",
        new_text="Bonjour,\n\nLe parc à vélos de la gare est plein tous les matins, faut-il en"
        " prévoir un second ?",
        text_contains=("Envoyé à partir de Courrier pour Windows",),
    ),
}


def test_every_fixture_has_expectations() -> None:
    assert sorted(CASES) == sorted(path.name for path in FIXTURES.glob("*.eml"))
    assert len(CASES) >= 20
    assert all((FIXTURES / name).stat().st_size < 20_000 for name in CASES)


@pytest.mark.parametrize("name", sorted(CASES))
def test_fixture(name: str) -> None:
    expected = CASES[name]
    parsed = load(name)
    assert parsed.subject == expected.subject
    assert parsed.sender == expected.sender
    assert parsed.new_text == expected.new_text
    assert parsed.text.startswith(expected.new_text)
    for fragment in expected.text_contains:
        assert fragment in parsed.text
    for fragment in expected.text_lacks:
        assert fragment not in parsed.text
    attachments = [(a.filename, a.content_type, a.rejected) for a in parsed.attachments]
    assert attachments == list(expected.attachments)
    assert parsed.auto_reply_reason == expected.auto_reply
    assert parsed.auto_reply is bool(expected.auto_reply)
    assert parsed.error == expected.error


@pytest.mark.parametrize("name", sorted(CASES))
def test_text_is_clean(name: str) -> None:
    text = load(name).text
    assert "\r" not in text and "\xa0" not in text and "\n\n\n" not in text
    assert all(line == line.rstrip() for line in text.split("\n"))
    assert text == text.strip("\n")


def test_headers_of_a_gmail_reply() -> None:
    parsed = load("gmail_fr_reply.eml")
    assert parsed.sender_name == "Camille Martin"
    assert parsed.date == datetime(2026, 3, 12, 10, 15, 31, tzinfo=PARIS_WINTER)
    assert parsed.message_id == "<CAGq7v+1xYzQ9w3=Lk2pR8sT@mail.gmail.com>"
    assert parsed.in_reply_to == ("<20260312083000.4F2A1C0@mairie-saint-martin.fr>",)
    assert parsed.references == ("<20260312083000.4F2A1C0@mairie-saint-martin.fr>",)
    assert parsed.recipients == (MAIRIE,)


def test_encoded_display_names_and_recipients() -> None:
    parsed = load("rfc2047_subject_name.eml")
    assert parsed.sender_name == "François Léger"
    assert load("thunderbird_fr_flowed.eml").sender_name == "Hélène Moreau"
    assert load("attachments_pdf_jpeg.eml").recipients == (
        MAIRIE,
        "quartier.nord@mairie-saint-martin.fr",
    )


def test_attachment_content_is_kept_only_when_accepted() -> None:
    parsed = load("forbidden_attachment_exe.eml")
    exe, _, pdf, jpeg = parsed.attachments
    assert exe.content == b"" and exe.size == 140
    assert pdf.content.startswith(b"%PDF-") and pdf.size == len(pdf.content)
    assert jpeg.content.startswith(b"\xff\xd8\xff") and jpeg.size == 534


def test_attachment_limits_apply_in_order() -> None:
    limits = AttachmentLimits(max_bytes=500, max_total_bytes=10_000, max_count=10)
    photo = load("forbidden_attachment_exe.eml", limits).attachments[-1]
    assert (photo.filename, photo.rejected, photo.content) == ("colis.jpg", "too_large", b"")
    assert photo.size == 534

    one = AttachmentLimits(max_count=1)
    pdf, jpeg = load("attachments_pdf_jpeg.eml", one).attachments
    assert (pdf.rejected, jpeg.rejected) == ("", "too_many")

    small_total = AttachmentLimits(max_total_bytes=600)
    pdf, jpeg = load("attachments_pdf_jpeg.eml", small_total).attachments
    assert (pdf.rejected, jpeg.rejected) == ("", "total_too_large")

    no_images = AttachmentLimits(allowed_types=frozenset({"application/pdf"}))
    pdf, jpeg = load("attachments_pdf_jpeg.eml", no_images).attachments
    assert (pdf.rejected, jpeg.rejected) == ("", "type_not_allowed")


def mail(headers: str, body: bytes = b"Bonjour.\n") -> bytes:
    base = "From: Jean <jean@example.fr>\nTo: contact@mairie.fr\nSubject: Test\n"
    return (base + headers).encode("utf-8") + b"\n" + body


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        ("Auto-Submitted: auto-generated\n", "auto-submitted"),
        ("Auto-Submitted: auto-replied\n", "auto-submitted"),
        ("Precedence: junk\n", "precedence"),
        ("Precedence: list\n", "precedence"),
        ("Precedence: auto_reply\n", "precedence"),
        ("X-Autoreply: yes\n", "out-of-office"),
        ("X-Autorespond: Vacances\n", "out-of-office"),
        (
            "X-Auto-Response-Suppress: All\nX-MS-Exchange-Inbox-Rules-Loop: jean@example.fr\n",
            "out-of-office",
        ),
        ("Return-Path: <>\n", "bounce"),
        ("X-Failed-Recipients: nobody@example.fr\n", "bounce"),
        (
            'Content-Type: multipart/report; report-type=disposition-notification; boundary="b"\n',
            "read-receipt",
        ),
    ],
)
def test_auto_reply_headers(headers: str, reason: str) -> None:
    parsed = parse(mail(headers))
    assert (parsed.auto_reply, parsed.auto_reply_reason) == (True, reason)


@pytest.mark.parametrize(
    ("subject", "reason"),
    [
        ("Réponse automatique : Votre demande", "out-of-office"),
        ("Absence du bureau", "out-of-office"),
        ("[Absence] Re: banc", "out-of-office"),
        ("Out of Office: Street light", "out-of-office"),
        ("Automatic reply: Street light", "out-of-office"),
        ("Auto: Votre demande", "out-of-office"),
        ("Message d'absence", "out-of-office"),
        ("Undeliverable: Votre demande", "bounce"),
        ("Non remis : Votre demande", "bounce"),
        ("Delivery Status Notification (Failure)", "bounce"),
        ("Mail delivery failed: returning message to sender", "bounce"),
    ],
)
def test_auto_reply_subjects(subject: str, reason: str) -> None:
    parsed = parse(mail("").replace(b"Subject: Test", f"Subject: {subject}".encode()))
    assert parsed.auto_reply_reason == reason


@pytest.mark.parametrize(
    "headers",
    [
        # Outlook sets this on ordinary mail; alone it means nothing.
        "X-Auto-Response-Suppress: All\n",
        "Auto-Submitted: no\n",
        "Precedence: normal\n",
        "Subject: Absence de ramassage des poubelles\n",
    ],
)
def test_ordinary_mail_is_not_an_auto_reply(headers: str) -> None:
    raw = mail(headers)
    if headers.startswith("Subject"):
        raw = raw.replace(b"Subject: Test\n", b"")
    parsed = parse(raw)
    assert (parsed.auto_reply, parsed.auto_reply_reason, parsed.error) == (False, "", None)


@pytest.mark.parametrize(
    "sender", ["MAILER-DAEMON@mx.example.fr", "postmaster@example.fr", "Mailer-Daemon@x.org"]
)
def test_mail_daemons_are_bounces(sender: str) -> None:
    parsed = parse(mail("").replace(b"jean@example.fr", sender.encode()))
    assert parsed.auto_reply_reason == "bounce"


@pytest.mark.parametrize(
    ("data", "charset", "expected"),
    [
        ("é".encode(), "utf-8", "é"),
        ("é".encode("latin-1"), "iso-8859-1", "é"),
        ("œ €".encode("iso-8859-15"), "iso-8859-15", "œ €"),
        # Outlook labels windows-1252 text "iso-8859-1": curly quotes and € are kept.
        ("l’été 5 €".encode("cp1252"), "iso-8859-1", "l’été 5 €"),
        ("l’été".encode("cp1252"), "us-ascii", "l’été"),
        # UTF-8 labelled latin-1: valid multi-byte sequences are no accident.
        ("l’été".encode(), "iso-8859-1", "l’été"),
        ("l’été".encode(), "windows-1252", "l’été"),
        # Latin-1 labelled UTF-8, or unlabelled, or labelled with an unknown name.
        ("février".encode("latin-1"), "utf-8", "février"),
        ("février".encode("latin-1"), None, "février"),
        ("février".encode("latin-1"), "x-unknown", "février"),
        ("février".encode(), "x-unknown", "février"),
        ("février".encode(), "=3Dutf-8", "février"),
        # A stray bad byte in UTF-8 text does not turn the whole text into mojibake.
        ("déjà vu, été, ".encode() + b"\xff", "utf-8", "déjà vu, été, \ufffd"),
        # Codecs that are not charsets are ignored.
        (b"caf\\u00e9", "unicode_escape", "caf\\u00e9"),
        (b"caf\xc3\xa9", "base64", "café"),
        ("Привет".encode("koi8-r"), "koi8-r", "Привет"),
        ("日本".encode("shift_jis"), "shift_jis", "日本"),
    ],
)
def test_decode_bytes(data: bytes, charset: str | None, expected: str) -> None:
    assert decode_bytes(data, charset) == expected


def test_html_to_text_structure() -> None:
    html = (
        "<html><head><title>Titre</title><style>p{color:red}</style></head><body>"
        "<h1>Titre visible</h1><p>Premier&nbsp;paragraphe avec un <a href='https://x.fr'>lien"
        "</a> et  des   espaces.</p><p>Second<br>avec saut</p>"
        "<ul><li>un</li><li>deux</li></ul><script>alert('x')</script>"
        "<table><tr><td>A1</td><td>B1</td></tr><tr><td>A2</td><td>B2</td></tr></table>"
        "<div style='display:none'>caché</div><pre>  code\n    indenté</pre>"
        "&lt;balise&gt; &amp; &eacute;t&#233; &#x2014; fin</body></html>"
    )
    assert html_to_text(html) == (
        "Titre visible\n\nPremier paragraphe avec un lien et des espaces.\n\nSecond\navec saut"
        "\n\n- un\n- deux\n\nA1 B1\nA2 B2\n\n  code\n    indenté\n\n<balise> & été — fin"
    )


def test_html_quotes_stay_recognisable() -> None:
    html = (
        "<div>Ma réponse.</div><div class='gmail_quote'><div class='gmail_attr'>Le 12 mars 2026"
        " à 10:02, Mairie a écrit :</div><blockquote type='cite'>Question ?<blockquote>Plus"
        " ancien</blockquote></blockquote></div>"
    )
    assert html_to_text(html) == (
        "Ma réponse.\nLe 12 mars 2026 à 10:02, Mairie a écrit :\n> Question ?\n> > Plus ancien"
    )


@pytest.mark.parametrize(
    "container",
    [
        '<div id="appendonsend"></div><hr>',
        '<div id="divRplyFwdMsg">De : Mairie</div>',
        '<div id="x_divRplyFwdMsg">De : Mairie</div>',
        "<div style='border:none;border-top:solid #E1E1E1 1.0pt'>De : Mairie</div>",
        '<div class="yahoo_quoted">',
    ],
)
def test_html_history_containers_quote_what_follows(container: str) -> None:
    text = html_to_text(f"<p>Ma réponse.</p>{container}<div>Ancien message</div>")
    assert text.startswith("Ma réponse.\n")
    assert "> Ancien message" in text


def test_outlook_paragraphs_are_lines() -> None:
    html = (
        "<p class=MsoNormal>Ligne 1<o:p></o:p></p><p class=MsoNormal>Ligne 2</p>"
        "<p class=MsoNormal><o:p>&nbsp;</o:p></p><p class=MsoNormal>Ligne 3</p>"
    )
    assert html_to_text(html) == "Ligne 1\nLigne 2\n\nLigne 3"


@pytest.mark.parametrize(
    "html",
    ["<![if !supportLists]>x", "<div><![foo bar", "<p>unclosed <b>bold", "</div></p>text<br/>"],
)
def test_broken_html_still_gives_text(html: str) -> None:
    assert html_to_text(html).strip()


def test_unflow_joins_soft_breaks_per_quote_depth() -> None:
    flowed = "Une phrase \ncoupée en deux.\n> Citée \n> aussi.\n-- \nSignature"
    assert unflow(flowed, delsp=False) == "Une phrase coupée en deux.\n> Citée aussi.\n-- \nSig" + (
        "nature"
    )
    assert unflow("Un mot cou \npé", delsp=True) == "Un mot coupé"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\jean\\photo.jpg", "photo.jpg"),
        ("photo\u202egpj.exe", "photogpj.exe"),  # a bidi override hides the real extension
        ("fi\x00chier\n.pdf", "fichier .pdf"),
        ("  .cache ", "cache"),
        ("", "piece-jointe-3"),
        ("a" * 300 + ".pdf", "a" * 196 + ".pdf"),
        ('rapport "final"?.docx', "rapport _final__.docx"),
    ],
)
def test_sanitize_filename(name: str, expected: str) -> None:
    assert sanitize_filename(name, 3) == expected


def test_html_only_mail_and_html_stub_plain_versions() -> None:
    stub = (
        b"From: Jean <jean@example.fr>\nSubject: x\nContent-Type: multipart/alternative;"
        b' boundary="b"\n\n--b\nContent-Type: text/plain\n\nThis message is in HTML format.\n'
        b"--b\nContent-Type: text/html\n\n<p>Le vrai texte du message, bien plus long que"
        b" l'avertissement.</p>\n--b--\n"
    )
    assert parse(stub).text == "Le vrai texte du message, bien plus long que l'avertissement."


def test_empty_plain_version_falls_back_to_html() -> None:
    raw = (
        b'From: Jean <jean@example.fr>\nContent-Type: multipart/alternative; boundary="b"\n\n'
        b"--b\nContent-Type: text/plain\n\n \n--b\nContent-Type: text/html\n\n<b>Gras</b>\n--b--\n"
    )
    assert parse(raw).text == "Gras"


def test_no_readable_text() -> None:
    raw = b"From: Jean <jean@example.fr>\nSubject: vide\nContent-Type: text/plain\n\n \n\n"
    parsed = parse(raw)
    assert (parsed.text, parsed.error) == ("", "no readable text")


def test_an_attachment_alone_is_not_an_error() -> None:
    raw = (
        b'From: Jean <jean@example.fr>\nContent-Type: multipart/mixed; boundary="b"\n\n'
        b"--b\nContent-Type: application/pdf; name=a.pdf\nContent-Transfer-Encoding: base64\n\n"
        b"JVBERi0xLjQK\n--b--\n"
    )
    parsed = parse(raw)
    assert parsed.error is None and parsed.text == ""
    assert [(a.filename, a.size) for a in parsed.attachments] == [("a.pdf", 9)]


def test_a_named_text_part_is_the_body_when_there_is_no_other() -> None:
    raw = (
        b'From: Jean <jean@example.fr>\nContent-Type: multipart/mixed; boundary="b"\n\n'
        b'--b\nContent-Type: text/plain; charset=utf-8; name="message.txt"\n'
        b'Content-Disposition: inline; filename="message.txt"\n\nLe texte.\n--b--\n'
    )
    parsed = parse(raw)
    assert (parsed.text, parsed.attachments) == ("Le texte.", ())


def test_a_single_part_body_is_never_an_attachment() -> None:
    raw = (
        b"From: Jean <jean@example.fr>\nContent-Type: text/plain; charset=utf-8\n"
        b'Content-Disposition: attachment; filename="body.txt"\n\nLe texte.\n'
    )
    parsed = parse(raw)
    assert (parsed.text, parsed.attachments) == ("Le texte.", ())


def test_a_text_file_attached_next_to_the_body_is_an_attachment() -> None:
    raw = (
        b'From: Jean <jean@example.fr>\nContent-Type: multipart/mixed; boundary="b"\n\n'
        b"--b\nContent-Type: text/plain\n\nLe corps.\n--b\nContent-Type: text/plain\n"
        b'Content-Disposition: attachment; filename="notes.txt"\n\nDes notes.\n--b--\n'
    )
    parsed = parse(raw)
    assert parsed.text == "Le corps."
    assert [(a.filename, a.content_type, a.content) for a in parsed.attachments] == [
        ("notes.txt", "text/plain", b"Des notes.")
    ]


def test_an_invalid_attachment_type_is_read_from_the_file_name() -> None:
    raw = (
        b'From: Jean <jean@example.fr>\nContent-Type: multipart/mixed; boundary="b"\n\n'
        b"--b\nContent-Type: text/plain\n\nVoir photo.\n--b\nContent-Type: jpeg\n"
        b'Content-Disposition: attachment; filename="trou.jpg"\n\n\xff\xd8\xff\n--b\n'
        b'Content-Type: image\nContent-Disposition: attachment; filename="x.exe"\n\nMZ\n--b--\n'
    )
    attachments = parse(raw).attachments
    assert [(a.filename, a.content_type, a.rejected) for a in attachments] == [
        ("trou.jpg", "image/jpeg", ""),
        ("x.exe", "application/x-msdownload", "type_not_allowed"),
    ]


def test_encrypted_mail_says_so() -> None:
    raw = (
        b"From: Jean <jean@example.fr>\nContent-Type: multipart/encrypted;"
        b' protocol="application/pgp-encrypted"; boundary="b"\n\n--b\n'
        b"Content-Type: application/pgp-encrypted\n\nVersion: 1\n--b\n"
        b"Content-Type: application/octet-stream\n\n-----BEGIN PGP MESSAGE-----\n--b--\n"
    )
    assert parse(raw).error == "encrypted message, cannot be read"


def test_signed_mail_keeps_the_text_and_drops_the_signature() -> None:
    raw = (
        b"From: Jean <jean@example.fr>\nContent-Type: multipart/signed;"
        b' protocol="application/pgp-signature"; boundary="b"\n\n--b\n'
        b"Content-Type: text/plain\n\nSigned text.\n--b\n"
        b"Content-Type: application/pgp-signature; name=signature.asc\n\nSIG\n--b--\n"
    )
    parsed = parse(raw)
    assert (parsed.text, parsed.attachments) == ("Signed text.", ())


def test_a_multipart_without_any_boundary_is_read_as_text() -> None:
    raw = b"From: Jean <jean@example.fr>\nContent-Type: multipart/mixed\n\nJuste du texte.\n"
    assert parse(raw).text == "Juste du texte."


def test_an_unsalvageable_multipart_is_reported() -> None:
    raw = (
        b'From: Jean <jean@example.fr>\nContent-Type: multipart/mixed; boundary="b"\n\n'
        b"Content-Type: text/plain\n\nNo boundary line anywhere.\n"
    )
    parsed = parse(raw)
    assert parsed.error == "unreadable MIME structure: multipart boundary not found"


def test_base64_label_on_plain_text_is_ignored() -> None:
    raw = (
        b"From: Jean <jean@example.fr>\nContent-Type: text/plain; charset=utf-8\n"
        b"Content-Transfer-Encoding: base64\n\nCeci n'est pas du base64, c'est du texte !\n"
    )
    assert parse(raw).text == "Ceci n'est pas du base64, c'est du texte !"


@pytest.mark.parametrize(
    "raw",
    [b"", b"   \r\n  ", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n", b"\x00\x01\x02\x03" * 50, b"{'a': 1}"],
)
def test_not_an_email(raw: bytes) -> None:
    parsed = parse(raw)
    assert parsed.error == "not an e-mail message"
    assert (parsed.text, parsed.sender, parsed.attachments) == ("", "", ())


def test_raw_8bit_headers_and_odd_addresses() -> None:
    raw = (
        "From: Jérôme Dupré <JEROME@Example.FR>\n"
        'To: undisclosed-recipients:;\nCc: a@x.fr, "Dupont, Jean" <B@X.FR>, a@x.fr\n'
        "Delivered-To: contact@mairie.fr\nX-Original-To: Contact@Mairie.fr\n"
        "Subject: Été   chaud\n\tet sec\nDate: not a date\n\ntexte\n"
    ).encode()
    parsed = parse(raw)
    assert (parsed.sender, parsed.sender_name) == ("JEROME@example.fr", "Jérôme Dupré")
    assert parsed.subject == "Été chaud et sec"
    assert parsed.recipients == ("a@x.fr", "b@x.fr", "contact@mairie.fr")
    assert parsed.date is None


def test_latin1_raw_header_and_naive_date() -> None:
    raw = b"From: jean@example.fr (Jean)\nSubject: caf\xe9\nDate: 12 Mar 2026 10:02:00 -0000\n\nx\n"
    parsed = parse(raw)
    assert (parsed.sender, parsed.subject) == ("jean@example.fr", "café")
    assert parsed.date == datetime(2026, 3, 12, 10, 2, tzinfo=UTC)


def test_encoded_words_where_rfc_2047_forbids_them() -> None:
    raw = (
        b'From: "=?utf-8?Q?Jos=C3=A9?=" <jose@example.fr>\nSubject: Re:=?utf-8?B?w6l0w6k=?=\n\nx\n'
    )
    parsed = parse(raw)
    assert parsed.sender_name == "José"
    assert parsed.subject.endswith("été")


def test_crlf_bom_and_leading_blank_lines() -> None:
    raw = b"\xef\xbb\xbf\r\n\r\nFrom: jean@example.fr\r\nSubject: ok\r\n\r\nLigne 1\r\nLigne 2\r\n"
    parsed = parse(raw)
    assert (parsed.subject, parsed.text) == ("ok", "Ligne 1\nLigne 2")


def test_parse_accepts_bytearray_and_never_raises_on_the_wrong_type() -> None:
    assert parse(bytearray(b"From: jean@example.fr\n\nx\n")).text == "x"
    wrong = parse(None)  # type: ignore[arg-type]
    assert wrong.error is not None and wrong.error.startswith("unreadable MIME structure")
