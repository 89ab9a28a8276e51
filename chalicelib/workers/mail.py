"""The inbound e-mail handler: SES's receipt rule stores each e-mail in the mail bucket
under `inbound/`, and the bucket's event calls this (locally the SMTP server does, with
the same event). A failure raises: Lambda retries the event, then keeps it for replay."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote_plus

from chalice import Blueprint  # type: ignore[attr-defined]

from chalicelib import bootstrap, resources

if TYPE_CHECKING:
    from chalicelib.services.mail import Outcome

logger = logging.getLogger(__name__)
mail_worker = Blueprint(__name__)
INBOUND_PREFIX = "inbound/"


@mail_worker.on_s3_event(
    bucket=resources.MAIL_BUCKET.name,
    events=["s3:ObjectCreated:*"],
    prefix=INBOUND_PREFIX,
    name="inbound_email",
)
def handle_inbound_email(event: Any) -> None:
    process_event(event.to_dict())


def process_event(event: dict[str, Any]) -> list[Outcome]:
    # Imported here: the MIME parser (stdlib email included) costs ~30 ms, and app.py's
    # import is every function's cold start, the API's too.
    from chalicelib.services.mail import receive_email

    ports = bootstrap.ports()
    outcomes = []
    for record in event.get("Records", []):
        # S3 event keys are URL-encoded (a space arrives as "+").
        key = unquote_plus(record["s3"]["object"]["key"])
        outcome = receive_email(ports, key)
        logger.info("inbound e-mail", extra={"rawKey": key, "outcome": outcome.status})
        outcomes.append(outcome)
    return outcomes
