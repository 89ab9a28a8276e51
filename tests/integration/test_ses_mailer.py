"""The SES adapter against moto: a MIME message with text and HTML, and clear failures."""

from __future__ import annotations

import email
from email.message import EmailMessage
from email.policy import default

import pytest
from moto.core import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends

from chalicelib.adapters.ses import SesMailer
from chalicelib.domain.errors import DeliveryError
from chalicelib.ports import OutboundEmail

pytestmark = pytest.mark.integration

MAIL = OutboundEmail(
    to="maire@biot.fr",
    subject="[Concerto] 1 nouvelle alerte — Biot",
    text="Bonjour,\n- Hausse des avis négatifs : thème Propreté",
    html="<p>Bonjour,</p><ul><li>Hausse des avis négatifs : thème Propreté</li></ul>",
)


def test_an_email_leaves_as_french_text_and_html_alternatives(aws):
    message_id = SesMailer().send(MAIL)
    [sent] = ses_backends[DEFAULT_ACCOUNT_ID]["eu-west-1"].sent_messages
    assert message_id == sent.id
    parsed = email.message_from_string(sent.raw_data, policy=default)
    assert isinstance(parsed, EmailMessage)
    assert parsed["To"] == "maire@biot.fr"
    assert parsed["Subject"] == MAIL.subject
    assert parsed["From"] == "Concerto <alertes@concerto.local>"
    text = parsed.get_body(("plain",))
    html = parsed.get_body(("html",))
    assert text is not None and "thème Propreté" in text.get_content()
    assert html is not None and "<li>Hausse" in html.get_content()


def test_a_sender_ses_does_not_know_is_a_delivery_error(aws, monkeypatch):
    monkeypatch.setenv("CONCERTO_MAIL_FROM", "someone@unverified.example")
    with pytest.raises(DeliveryError):
        SesMailer().send(MAIL)


def test_an_unreachable_ses_is_a_delivery_error_too(aws, monkeypatch):
    from botocore.exceptions import EndpointConnectionError

    from chalicelib.adapters.aws import client

    def unreachable(**_: object) -> None:
        raise EndpointConnectionError(endpoint_url="https://email.eu-west-1.amazonaws.com")

    monkeypatch.setattr(client("sesv2"), "send_email", unreachable)
    with pytest.raises(DeliveryError):
        SesMailer().send(MAIL)


def test_mail_goes_through_the_stacks_configuration_set_for_bounce_alarms(aws, monkeypatch):
    from chalicelib.adapters.aws import client

    ses = client("sesv2")
    ses.create_configuration_set(ConfigurationSetName="concerto-biot")
    monkeypatch.setenv("CONCERTO_SES_CONFIGURATION_SET", "concerto-biot")
    seen: list[dict] = []
    ses.meta.events.register(
        "provide-client-params.sesv2.SendEmail", lambda params, **_: seen.append(dict(params))
    )
    SesMailer().send(MAIL)
    assert seen[0]["ConfigurationSetName"] == "concerto-biot"
