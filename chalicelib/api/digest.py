"""The daily digest's subscription (staff) and the one-click unsubscribe its e-mails carry
(no login: the link's sealed token names the subscription)."""

from __future__ import annotations

from typing import Any

from chalice import Blueprint, Response  # type: ignore[attr-defined]

from chalicelib import bootstrap
from chalicelib.api import schemas
from chalicelib.api.http import Operation, operation, parse_body, staff
from chalicelib.services import digest

digest_api = Blueprint(__name__)


@operation(
    digest_api,
    Operation(
        "setDigestSubscription",
        "PUT",
        "/console/digest/subscription",
        "Receive (or stop receiving) the daily e-mail of one's open and overdue threads",
        "console",
        schemas.SubscriptionView,
        body=schemas.SubscriptionBody,
        staff=True,
        errors=(422,),
    ),
)
def set_digest_subscription() -> schemas.SubscriptionView:
    identity = staff()
    body = parse_body(schemas.SubscriptionBody)
    return schemas.SubscriptionView(
        subscribed=digest.subscribe(bootstrap.ports(), identity, body.subscribed)
    )


@operation(
    digest_api,
    Operation(
        "getDigestSubscription",
        "GET",
        "/console/digest/subscription",
        "Whether the caller receives the daily digest",
        "console",
        schemas.SubscriptionView,
        staff=True,
    ),
)
def get_digest_subscription() -> schemas.SubscriptionView:
    return schemas.SubscriptionView(subscribed=digest.is_subscribed(bootstrap.ports(), staff()))


@operation(
    digest_api,
    Operation(
        "unsubscribe",
        "POST",
        "/unsubscribe/{token}",
        "One-click unsubscribe (RFC 8058) from a staff e-mail",
        "platform",
        schemas.Unsubscribed,
        errors=(404,),
    ),
)
def unsubscribe(token: str) -> schemas.Unsubscribed:
    return schemas.Unsubscribed(topic=digest.unsubscribe(bootstrap.ports(), token))


@operation(
    digest_api,
    Operation(
        "unsubscribePage",
        "GET",
        "/unsubscribe/{token}",
        "The unsubscribe link of a staff e-mail, opened in a browser (an HTML page)",
        "platform",
        None,
        errors=(404,),
    ),
)
def unsubscribe_page(token: str) -> Any:
    """A confirmation button, not the unsubscription itself: mail scanners open links."""
    digest.check_unsubscribe_token(bootstrap.ports(), token)
    page = (
        '<!doctype html><html lang="fr"><head><meta charset="utf-8">'
        "<title>Désabonnement — Concerto</title></head><body><main>"
        "<h1>Ne plus recevoir le récapitulatif quotidien ?</h1>"
        # No action: the form posts to this very URL, whatever the API's stage prefix.
        '<form method="post"><button type="submit">'
        "Confirmer le désabonnement</button></form></main></body></html>"
    )
    return Response(
        body=page, status_code=200, headers={"Content-Type": "text/html; charset=utf-8"}
    )
