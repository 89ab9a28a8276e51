"""Outbound e-mail through Amazon SES (v2 API), built as MIME with the standard library:
plain text and HTML alternatives, French, UTF-8."""

from __future__ import annotations

import logging
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib import config
from chalicelib.adapters.aws import client
from chalicelib.domain.errors import DeliveryError
from chalicelib.ports import Mailer, OutboundEmail

logger = logging.getLogger(__name__)
# SES v2 errors that sending again cannot fix (the recipient, the sender or the account is
# refused). Throttling (TooManyRequestsException, LimitExceededException) and 5xx can be.
_REFUSALS = frozenset(
    {
        "MessageRejected",
        "MailFromDomainNotVerifiedException",
        "AccountSuspendedException",
        "SendingPausedException",
        "BadRequestException",
        "NotFoundException",
    }
)


def mime(email: OutboundEmail, sender: str) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = email.to
    message["Subject"] = email.subject
    message["Date"] = formatdate(localtime=False)
    domain = sender.rpartition("@")[2].rstrip(">") or None
    message["Message-ID"] = email.message_id or make_msgid(domain=domain)
    if email.in_reply_to:
        message["In-Reply-To"] = email.in_reply_to
    if email.references:
        message["References"] = " ".join(email.references)
    message["Content-Language"] = "fr"
    if email.unsubscribe_url:
        message["List-Unsubscribe"] = f"<{email.unsubscribe_url}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    # Quoted-printable keeps the accents intact through any 7-bit relay.
    message.set_content(email.text, cte="quoted-printable")
    message.add_alternative(email.html, subtype="html", cte="quoted-printable")
    return message.as_bytes()


class SesMailer(Mailer):
    def send(self, email: OutboundEmail) -> str:
        sender = email.sender or config.mail_from()
        ses = client("sesv2")
        try:
            extra = {}
            if config.ses_configuration_set():
                extra["ConfigurationSetName"] = config.ses_configuration_set()
            response = ses.send_email(
                FromEmailAddress=sender,
                Destination={"ToAddresses": [email.to]},
                Content={"Raw": {"Data": mime(email, sender)}},
                **extra,
            )
        except ClientError as error:
            code = str(error.response.get("Error", {}).get("Code", ""))
            failure = DeliveryError(f"SES did not take the e-mail: {error}", code=code or None)
            # Throttled or failing SES may take it later; a refusal stays a refusal, and
            # staff should see it now rather than after every retry.
            failure.retryable = code not in _REFUSALS
            raise failure from error
        except BotoCoreError as error:  # unreachable (timeouts, connection errors): retry
            raise DeliveryError(f"SES did not take the e-mail: {error}") from error
        message_id = str(response["MessageId"])
        logger.info("e-mail sent", extra={"messageId": message_id, "subject": email.subject})
        return message_id
