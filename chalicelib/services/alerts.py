"""Alert use cases: the scheduled detection (raise, resolve, mail once) and what staff do
with alerts (list, acknowledge, subscribe to the e-mails)."""

from __future__ import annotations

import html
import logging
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from chalicelib.domain import activity
from chalicelib.domain import alerts as rules
from chalicelib.domain.activity import ActivityKind
from chalicelib.domain.alerts import Alert, AlertKind, AlertRules
from chalicelib.domain.commune import Commune
from chalicelib.domain.errors import ConflictError, DeliveryError, NotFoundError
from chalicelib.domain.sla import PARIS
from chalicelib.domain.staff import Role, StaffIdentity
from chalicelib.domain.threads import Priority, Thread
from chalicelib.ports import OutboundEmail, Ports
from chalicelib.services import topics, validation

logger = logging.getLogger(__name__)
TOPIC = "alerts"
# Bounds of one run, so a backlog never makes the job time out; the rest waits an hour.
MAX_OVERDUE = 200
MAX_ACTIVE = 500
MAX_AWAITING = 1000
# "Awaiting an answer" = due before this far ahead (any SLA a commune may set).
HORIZON = timedelta(days=400)
LOOKBACK = timedelta(days=31)
LIST_MAX = 100


@dataclass
class DetectionReport:
    commune_id: str
    raised: list[str] = field(default_factory=list)
    resolved: int = 0
    mailed: int = 0


def detect(
    ports: Ports, commune: Commune, alert_rules: AlertRules | None = None
) -> DetectionReport:
    """Raises what the rules find (each episode once), resolves overdue-thread alerts whose
    thread was answered, and mails the new alerts to the subscribed staff."""
    wanted = alert_rules or AlertRules()
    now = ports.clock()
    today = now.astimezone(PARIS).date()
    baseline, recent = wanted.days(today)
    counts = ports.indicators.counts(commune.commune_id, baseline + recent)
    late = ports.threads.overdue(commune.commune_id, now, MAX_OVERDUE)
    # One read spares a conditional write per finding already raised (most of them, hourly).
    known = {a.alert_id for a in ports.alerts.list(commune.commune_id, False, MAX_ACTIVE)}
    findings = (
        rules.negative_surges(counts, commune, today, wanted)
        + rules.barometer_drops(counts, commune, today, wanted)
        + rules.overdue_threads(late, commune)
        + [rules.escalated_thread(t, commune) for t in escalate(ports, commune, known)]
        + topics.emerging_findings(ports, commune, today, wanted)
    )
    report = DetectionReport(commune.commune_id)
    # One read spares a conditional write per finding already raised (most of them, hourly).
    raised = []
    for finding in findings:
        alert = Alert.of(commune.commune_id, finding, now)
        if finding.alert_id not in known and ports.alerts.add(alert):
            raised.append(alert)
    report.raised = [alert.alert_id for alert in raised]
    active = ports.alerts.list(commune.commune_id, active_only=True, limit=MAX_ACTIVE)
    report.resolved = _resolve_answered(ports, active, late)
    # The new alerts are passed as they are: the active index may not show them yet.
    unmailed = {a.alert_id: a for a in active if a.notified_at is None}
    unmailed.update({alert.alert_id: alert for alert in raised})
    report.mailed = notify(ports, commune, list(unmailed.values()))
    return report


def escalate(ports: Ports, commune: Commune, known: set[str]) -> list[Thread]:
    """Raises to high priority the negative opinions unanswered past the shorter delay,
    and tells their assignee and their service's mailbox. Each thread once: a thread whose
    escalation alert exists is skipped (even if staff lowered its priority since), and the
    priority change is versioned, so two overlapping runs cannot both escalate it."""
    now = ports.clock()
    # Threads awaiting an answer, due from a month ago on: older ones had their chance
    # (and a backlog of them must not hide the new ones from this bounded read).
    awaiting = ports.threads.overdue(
        commune.commune_id, now + HORIZON, MAX_AWAITING, after=now - LOOKBACK
    )
    escalated = []
    for thread in awaiting:
        already = rules.escalated_thread(thread, commune).alert_id in known
        if already or not rules.due_for_escalation(thread, commune, now):
            continue
        entry = activity.record(
            commune.commune_id,
            now,
            ActivityKind.THREAD_ESCALATED,
            activity.SYSTEM,
            thread.thread_id,
            priority=Priority.HIGH.value,
        )
        try:
            ports.threads.update(replace(thread, priority=Priority.HIGH), activity=[entry])
        except ConflictError:
            continue  # changed meanwhile (answered, or escalated by another run)
        ports.events.publish([entry])
        _tell_owners(ports, commune, thread)
        escalated.append(thread)
    return escalated


def _tell_owners(ports: Ports, commune: Commune, thread: Thread) -> None:
    service = commune.service(thread.service) if thread.service else None
    owners = {thread.assignee or "", service.email if service else ""} - {""}
    alert = Alert.of(commune.commune_id, rules.escalated_thread(thread, commune), ports.clock())
    for address in sorted(owners):
        try:
            ports.mailer.send(digest(commune, [alert], address))
        except DeliveryError as error:  # the alert itself is still raised and mailed
            logger.warning("escalation e-mail failed: %s", error.message)


def _resolve_answered(ports: Ports, active: list[Alert], late: list[Thread]) -> int:
    """Resolves the overdue-thread alerts whose thread is no longer late. `late` is the
    job's list of overdue threads: when it is complete, a thread missing from it is not
    late; past its cap, the thread itself is read."""
    now = ports.clock()
    still_late = {thread.thread_id for thread in late}
    complete = len(late) < MAX_OVERDUE
    resolved = 0
    for alert in active:
        thread_id = str(alert.figures.get("thread", ""))
        if alert.kind is AlertKind.ESCALATED_THREAD:
            settled = not _awaits(ports, alert, thread_id)
        elif alert.kind is AlertKind.OVERDUE_THREAD and thread_id not in still_late:
            settled = complete or not _is_late(ports, alert, thread_id, now)
        else:
            continue
        if settled:
            ports.alerts.resolve(alert.commune_id, alert.alert_id, now)
            resolved += 1
    return resolved


def _awaits(ports: Ports, alert: Alert, thread_id: str) -> bool:
    try:
        return ports.threads.get(alert.commune_id, thread_id).due_at is not None
    except NotFoundError:
        return False


def _is_late(ports: Ports, alert: Alert, thread_id: str, now: datetime) -> bool:
    try:
        return ports.threads.get(alert.commune_id, thread_id).is_overdue(now)
    except NotFoundError:
        return False


def notify(ports: Ports, commune: Commune, pending: list[Alert]) -> int:
    """Mails the alerts not mailed yet, one message per subscriber. Returns how many alerts
    were mailed. With nobody subscribed, nothing is claimed: the alerts wait for the first
    subscriber. An alert is claimed before sending, so it is mailed once; if no message at
    all could be sent (the provider is down), the claims are released for the next run."""
    subscribers = ports.subscriptions.subscribers(commune.commune_id, TOPIC)
    if not pending or not subscribers:
        return 0
    now = ports.clock()
    claimed = [a for a in pending if ports.alerts.claim_notification(a.commune_id, a.alert_id, now)]
    if not claimed:
        return 0
    sent = 0
    try:
        for email in subscribers:
            try:
                ports.mailer.send(digest(commune, claimed, email))
                sent += 1
            except DeliveryError as error:
                logger.warning("alert e-mail to a subscriber failed: %s", error.message)
    finally:
        if not sent:
            for alert in claimed:
                ports.alerts.release_notification(alert.commune_id, alert.alert_id)
    return len(claimed) if sent else 0


def digest(commune: Commune, alerts: list[Alert], to: str) -> OutboundEmail:
    """The French e-mail listing new alerts, as plain text and HTML."""
    count = len(alerts)
    plural = "s" if count > 1 else ""
    subject = f"[Concerto] {count} nouvelle{plural} alerte{plural} — {commune.name}"
    lines = [f"- {alert.title}" for alert in alerts]
    footer = (
        "Vous recevez ce message car vous êtes abonné(e) aux alertes de Concerto. "
        "Pour vous désabonner : console Concerto, Tableau de bord, Alertes, "
        "« Ne plus recevoir les alertes »."
    )
    text = "\n".join(
        [f"Bonjour,\n\nConcerto a détecté pour {commune.name} :\n", *lines, "", footer]
    )
    items = "".join(f"<li>{html.escape(alert.title)}</li>" for alert in alerts)
    body = (
        f'<!doctype html><html lang="fr"><body><p>Bonjour,</p>'
        f"<p>Concerto a détecté pour {html.escape(commune.name)} :</p><ul>{items}</ul>"
        f"<p><small>{html.escape(footer)}</small></p></body></html>"
    )
    return OutboundEmail(to=to, subject=subject, text=text, html=body)


def list_alerts(ports: Ports, staff: StaffIdentity, active_only: bool, limit: int) -> list[Alert]:
    staff.require(Role.VIEWER)
    validation.check_limit(limit, LIST_MAX)
    return ports.alerts.list(staff.commune_id, active_only, limit)


def acknowledge(ports: Ports, staff: StaffIdentity, alert_id: str) -> Alert:
    """Staff (agents and admins) take the alert in hand; it leaves the active list."""
    staff.require(Role.AGENT)
    done = ports.alerts.acknowledge(staff.commune_id, alert_id, staff.email, ports.clock())
    activity.audit(
        ports.activity,
        staff.commune_id,
        ports.clock(),
        ActivityKind.ALERT_ACKNOWLEDGED,
        staff.email,
        alert=alert_id,
    )
    return done


def subscribe(ports: Ports, staff: StaffIdentity, subscribed: bool) -> bool:
    """Any staff member, elected officials included, chooses whether to get alert e-mails."""
    staff.require(Role.VIEWER)
    ports.subscriptions.set(staff.commune_id, staff.email, TOPIC, subscribed)
    return subscribed


def is_subscribed(ports: Ports, staff: StaffIdentity) -> bool:
    staff.require(Role.VIEWER)
    return staff.email in ports.subscriptions.subscribers(staff.commune_id, TOPIC)
