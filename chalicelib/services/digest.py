"""The staff's daily digest: each subscribed member gets their open threads (assigned to
them), the overdue ones first, with a working one-click unsubscribe."""

from __future__ import annotations

import html
import json
import logging
from dataclasses import dataclass
from datetime import datetime

from chalicelib import config
from chalicelib.domain.commune import Commune
from chalicelib.domain.errors import DeliveryError, NotFoundError
from chalicelib.domain.ids import CommuneId
from chalicelib.domain.sla import PARIS
from chalicelib.domain.staff import Role, StaffIdentity
from chalicelib.domain.threads import Thread, ThreadFilter, ThreadStatus
from chalicelib.ports import OutboundEmail, Ports

logger = logging.getLogger(__name__)
TOPIC = "digest"
LISTED = 20


@dataclass(frozen=True)
class DigestReport:
    commune_id: str
    sent: int
    failed: int


def subscribe(ports: Ports, staff: StaffIdentity, subscribed: bool) -> bool:
    staff.require(Role.VIEWER)
    ports.subscriptions.set(staff.commune_id, staff.email, TOPIC, subscribed)
    return subscribed


def is_subscribed(ports: Ports, staff: StaffIdentity) -> bool:
    staff.require(Role.VIEWER)
    return staff.email in ports.subscriptions.subscribers(staff.commune_id, TOPIC)


def send_digests(ports: Ports, commune: Commune) -> DigestReport:
    sent = failed = 0
    for email in ports.subscriptions.subscribers(commune.commune_id, TOPIC):
        threads = _open_threads(ports, commune.commune_id, email)
        try:
            ports.mailer.send(digest_email(ports, commune, email, threads))
            sent += 1
        except DeliveryError as error:
            logger.warning("digest e-mail failed: %s", error.message)
            failed += 1
    return DigestReport(commune.commune_id, sent, failed)


def _open_threads(ports: Ports, commune_id: CommuneId, email: str) -> list[Thread]:
    found: list[Thread] = []
    for status in (ThreadStatus.NEW, ThreadStatus.IN_PROGRESS):
        wanted = ThreadFilter(assignee=email, status=status)
        found += ports.threads.list_page(commune_id, wanted, 100, None).items
    now = ports.clock()
    # The overdue first (the longest overdue first), then the newest activity.
    return sorted(
        found,
        key=lambda t: (not t.is_overdue(now), t.due_at or now, -t.last_activity_at.timestamp()),
    )


def unsubscribe_token(ports: Ports, commune_id: CommuneId, email: str, topic: str) -> str:
    return ports.sealer.seal(json.dumps({"c": commune_id, "e": email, "t": topic}))


def check_unsubscribe_token(ports: Ports, token: str) -> tuple[CommuneId, str, str]:
    """(commune, e-mail, topic) the token names. NotFoundError for a token this stack did
    not make."""
    try:
        data = json.loads(ports.sealer.unseal(token))
        return CommuneId(str(data["c"])), str(data["e"]), str(data["t"])
    except (ValueError, KeyError, TypeError) as error:
        raise NotFoundError("unknown unsubscribe link", code="unsubscribe_not_found") from error


def unsubscribe(ports: Ports, token: str) -> str:
    """Removes the subscription the token names; returns its topic."""
    commune_id, email, topic = check_unsubscribe_token(ports, token)
    ports.subscriptions.set(commune_id, email, topic, False)
    return topic


def digest_email(
    ports: Ports, commune: Commune, email: str, threads: list[Thread]
) -> OutboundEmail:
    now = ports.clock()
    late = sum(1 for t in threads if t.is_overdue(now))
    counts = f"{len(threads)} ouverts, {late} en retard"
    subject = f"[Concerto] Vos avis en attente — {commune.name} : {counts}"
    lines = [_line(commune, t, now) for t in threads[:LISTED]]
    more = len(threads) - LISTED
    if more > 0:
        lines.append(f"… et {more} autres dans la console.")
    if not threads:
        lines = ["Aucun avis ouvert ne vous est attribué. Bonne journée !"]
    token = unsubscribe_token(ports, commune.commune_id, email, TOPIC)
    # One-click (RFC 8058) posts to the API; the link in the text opens the site's page,
    # which asks to confirm (a mail scanner opening links unsubscribes nobody).
    url = f"{config.api_url()}/unsubscribe/{token}"
    site = config.site_url()
    page = f"{site}/desabonnement#{token}" if site else url
    footer = f"Ne plus recevoir ce récapitulatif : {page}"
    text = "\n".join(
        ["Bonjour,", "", f"Vos avis ouverts à {commune.name} :", "", *lines, "", footer]
    )
    items = "".join(f"<li>{html.escape(line)}</li>" for line in lines)
    body = (
        f'<!doctype html><html lang="fr"><body><p>Bonjour,</p>'
        f"<p>Vos avis ouverts à {html.escape(commune.name)} :</p><ul>{items}</ul>"
        f'<p><small><a href="{html.escape(page)}">Ne plus recevoir ce récapitulatif</a>'
        f"</small></p></body></html>"
    )
    return OutboundEmail(to=email, subject=subject, text=text, html=body, unsubscribe_url=url)


def _line(commune: Commune, thread: Thread, now: datetime) -> str:
    theme = commune.theme(thread.theme)
    label = theme.label if theme else thread.theme
    received = thread.created_at.astimezone(PARIS).strftime("%d/%m")
    late = " — EN RETARD" if thread.is_overdue(now) else ""
    return f"{label}, reçu le {received} (n° {thread.thread_id[-6:]}){late}"
