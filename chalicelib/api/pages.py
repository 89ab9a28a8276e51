"""The few HTML pages the API itself serves: the answer to the citizen site's opinion form
when it is posted without JavaScript (a plain HTML form cannot read JSON). French text."""

from __future__ import annotations

import html

from chalicelib.domain.errors import ConcertoError

# What citizens read for each error a form post may meet.
FORM_ERRORS = {
    "text_too_short": "Votre avis doit compter au moins 3 caractères.",
    "text_too_long": "Votre avis ne doit pas dépasser 5 000 caractères.",
    "unknown_theme": "Le thème choisi n'existe pas pour cette commune.",
    "unknown_quartier": "Le quartier choisi n'existe pas pour cette commune.",
    "invalid_rating": "La note doit être comprise entre 1 et 5.",
    "consent_required": "Pour laisser votre adresse e-mail, cochez la case de consentement.",
    "invalid_email": "L'adresse e-mail n'est pas valide.",
    "name_too_long": "Le nom est trop long.",
    "commune_not_found": "Cette commune n'est pas sur Concerto.",
    "payload_too_large": "Votre message est trop long.",
    "too_many_requests": "Trop d'envois en peu de temps : réessayez dans quelques minutes.",
    "rate_limited": "Trop d'avis ont été envoyés en peu de temps depuis votre connexion.",
    "duplicate_flood": (
        "Ce même avis vient d'être envoyé plusieurs fois à la mairie : il n'a pas été "
        "enregistré une nouvelle fois."
    ),
    "spam_suspected": (
        "Ce formulaire semble avoir été rempli automatiquement. Laissez vide le champ "
        "« Ne pas remplir » et envoyez à nouveau votre avis."
    ),
}
GENERIC_ERROR = "Votre avis n'a pas pu être envoyé. Réessayez dans un instant."


def _page(title: str, body: str) -> str:
    return (
        '<!doctype html><html lang="fr"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)} — Concerto</title>"
        '<link rel="stylesheet" href="/assets/site.css"></head><body>'
        '<a class="skip-link" href="#contenu">Aller au contenu</a>'
        f'<main id="contenu" tabindex="-1">{body}</main></body></html>'
    )


def opinion_received(slug: str, commune_name: str, token: str) -> str:
    link = f"/suivi#{token}"
    return _page(
        f"Merci — {commune_name}",
        "<h1>Merci, votre avis a bien été envoyé</h1>"
        f"<p>La mairie de {html.escape(commune_name)} l'a reçu.</p>"
        "<p>Gardez ce lien privé : il permet de suivre la réponse de la mairie et de lui "
        "répondre.</p>"
        f'<p><a href="{html.escape(link)}">Suivre mon avis</a></p>'
        f"<p><code>{html.escape(link)}</code></p>"
        f'<p><a href="/{html.escape(slug)}">Retour à la page de la commune</a></p>',
    )


def opinion_refused(slug: str, error: ConcertoError) -> str:
    message = FORM_ERRORS.get(error.code, GENERIC_ERROR)
    retry_after = getattr(error, "retry_after", None)
    if retry_after:
        message += f" Vous pourrez réessayer {_wait(int(retry_after))}."
    return _page(
        "Avis non envoyé",
        "<h1>Votre avis n'a pas été envoyé</h1>"
        f'<p role="alert">{html.escape(message)}</p>'
        f'<p><a href="/{html.escape(slug)}/avis">Revenir au formulaire</a></p>',
    )


def _wait(seconds: int) -> str:
    minutes = max(1, -(-seconds // 60))
    return "dans une minute environ" if minutes == 1 else f"dans {minutes} minutes environ"
