"""E-mail in the embedded runtime: an SMTP server (aiosmtpd) that does what SES receiving
does in AWS — store the raw e-mail in the mail bucket, then call the same S3-event handler —
and an outbox page showing what Concerto sent (moto's SES keeps every sent e-mail)."""

from __future__ import annotations

import email
import email.policy
import html
import json
import logging
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

logger = logging.getLogger("concerto.local.mailbox")
# SES refuses messages over 40 MB (receiving); the local server does the same.
MAX_MESSAGE_BYTES = 40 * 1024 * 1024


def s3_event(bucket: str, key: str, region: str) -> dict[str, Any]:
    """The event S3 sends for one new object in the bucket."""
    return {
        "Records": [
            {
                "eventVersion": "2.1",
                "eventSource": "aws:s3",
                "awsRegion": region,
                "eventName": "ObjectCreated:Put",
                "s3": {"bucket": {"name": bucket}, "object": {"key": key}},
            }
        ]
    }


class InboundHandler:
    """aiosmtpd's handler: accepts mail for the communes' domain only (like SES's receipt
    rule), stores it, and hands it to the Lambda handler in the background."""

    def __init__(self, domain: str, region: str) -> None:
        self.domain = domain.lower()
        self.region = region

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if address.rpartition("@")[2].lower() != self.domain:
            return "550 5.1.1 not a Concerto address"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        key = self.store(raw, envelope.rcpt_tos)
        threading.Thread(target=self.deliver, args=(key,), name="inbound-email").start()
        return "250 2.0.0 Message accepted"

    def store(self, raw: bytes, recipients: list[str]) -> str:
        import boto3

        from chalicelib import config, resources
        from chalicelib.workers.mail import INBOUND_PREFIX

        key = f"{INBOUND_PREFIX}{uuid.uuid4().hex}"
        # The bytes stay as the client sent them: no verdict of our own on top, so a client
        # that writes X-SES-Virus-Verdict / Authentication-Results plays SES's part (the
        # handler reads the topmost ones, where SES writes its own in AWS).
        # SES adds the envelope recipients as a header; the handler reads them like To.
        stamped = b"".join(f"X-Original-To: {r}\r\n".encode() for r in recipients) + raw
        boto3.client("s3", region_name=self.region).put_object(
            Bucket=config.bucket_name(resources.MAIL_BUCKET), Key=key, Body=stamped
        )
        return key

    def deliver(self, key: str) -> None:
        from chalicelib import config, resources
        from chalicelib.workers.mail import process_event

        bucket = config.bucket_name(resources.MAIL_BUCKET)
        try:
            process_event(s3_event(bucket, key, self.region))
        except Exception:  # Lambda would retry; locally the e-mail stays in the bucket
            logger.exception("the inbound e-mail handler failed for %s", key)


def start_smtp(host: str, port: int, domain: str, region: str) -> Controller:
    controller = Controller(
        InboundHandler(domain, region),
        hostname=host,
        port=port,
        data_size_limit=MAX_MESSAGE_BYTES,
        server_hostname="concerto.local",
    )
    controller.start()
    return controller


def sent_messages(region: str) -> list[dict[str, Any]]:
    """What Concerto sent through SES, newest first: moto's server runs in this process,
    and its SES backend keeps every raw e-mail sent."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.ses.models import ses_backends

    messages = []
    for raw in list(ses_backends[DEFAULT_ACCOUNT_ID][region].sent_messages):
        parsed = email.message_from_string(raw.raw_data, policy=email.policy.default)
        body = parsed.get_body(preferencelist=("plain",))
        messages.append(
            {
                "id": raw.id,
                "from": str(parsed.get("From", "")),
                "to": str(parsed.get("To", "")),
                "subject": str(parsed.get("Subject", "")),
                "date": str(parsed.get("Date", "")),
                "messageId": str(parsed.get("Message-ID", "")),
                "inReplyTo": str(parsed.get("In-Reply-To", "")),
                "references": str(parsed.get("References", "")),
                "text": body.get_content() if body is not None else "",  # type: ignore[attr-defined]
            }
        )
    return list(reversed(messages))


class _OutboxHandler(BaseHTTPRequestHandler):
    region = ""

    def do_GET(self) -> None:
        messages = sent_messages(self.region)
        if self.path.startswith("/messages.json"):
            body = json.dumps(messages, ensure_ascii=False, indent=2).encode()
            self._send(200, "application/json; charset=utf-8", body)
        elif self.path in ("/", "/index.html"):
            self._send(200, "text/html; charset=utf-8", _page(messages).encode())
        else:
            self._send(404, "text/plain; charset=utf-8", b"not found")

    def _send(self, status: int, content_type: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        return


def _page(messages: list[dict[str, Any]]) -> str:
    rows = []
    for m in messages:
        headers = "".join(
            f"<dt>{label}</dt><dd>{html.escape(m[key])}</dd>"
            for label, key in (
                ("De", "from"),
                ("À", "to"),
                ("Date", "date"),
                ("Message-ID", "messageId"),
                ("In-Reply-To", "inReplyTo"),
                ("References", "references"),
            )
            if m[key]
        )
        rows.append(
            f"<article><h2>{html.escape(m['subject'])}</h2><dl>{headers}</dl>"
            f"<pre>{html.escape(m['text'])}</pre></article>"
        )
    empty = "<p>Aucun e-mail envoyé pour l'instant.</p>"
    return (
        '<!doctype html><html lang="fr"><head><meta charset="utf-8">'
        "<title>Boîte d'envoi locale — Concerto</title>"
        "<style>body{font:16px system-ui;max-width:60rem;margin:auto;padding:1rem}"
        "article{border-top:1px solid #888;padding:.5rem 0}dt{font-weight:bold}"
        "pre{white-space:pre-wrap}</style></head><body>"
        f"<h1>Boîte d'envoi locale ({len(messages)})</h1>"
        f"{''.join(rows) or empty}</body></html>"
    )


def start_outbox(host: str, port: int, region: str) -> ThreadingHTTPServer:
    handler = type("OutboxHandler", (_OutboxHandler,), {"region": region})
    server = ThreadingHTTPServer((host, port), handler)
    threading.Thread(target=server.serve_forever, name="outbox", daemon=True).start()
    return server
