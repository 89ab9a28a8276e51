"""Alerts for elected officials: what the listening module flags without being asked.

Pure rules over the pre-aggregated counters and the overdue threads; the alerts service
stores what they find, once per episode, and mails it to the staff who subscribed.

- A negative surge: a theme or quartier whose negative verbatims over the last 7 days
  exceed `surge_ratio` × its weekly average over the 4 weeks before, with a minimum volume
  (so that 0 → 2 is not an alert).
- A barometer drop: a theme whose average 1–10 score over the last 7 days is
  `drop_points` below its average over the 4 weeks before, both on enough votes, cast
  from enough distinct client addresses (one household or one script cannot raise it).
- An overdue thread: a citizen awaits an answer past the commune's SLA.
- An emerging topic: a discovered topic whose verbatims over the last 7 days exceed
  `emerging_ratio` × its own weekly average over the 4 weeks before (with a minimum
  volume), or, without any verbatim in those 4 weeks, reach `new_topic_min` in 7 days.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum

from chalicelib.domain import indicators, sla
from chalicelib.domain.commune import Commune
from chalicelib.domain.ids import CommuneId
from chalicelib.domain.sla import PARIS
from chalicelib.domain.threads import Priority, Sentiment, Thread

# Alerts are kept a year and a month (last year's alerts, whatever the day).
RETENTION = timedelta(days=400)


class AlertKind(StrEnum):
    NEGATIVE_SURGE = "negative_surge"
    BAROMETER_DROP = "barometer_drop"
    OVERDUE_THREAD = "overdue_thread"
    ESCALATED_THREAD = "escalated_thread"
    EMERGING_TOPIC = "emerging_topic"


@dataclass(frozen=True)
class AlertRules:
    recent_days: int = 7
    baseline_weeks: int = 4
    surge_ratio: float = 3.0
    surge_min_negative: int = 5
    drop_points: float = 1.5
    drop_min_votes: int = 5
    # Distinct client addresses (networks) behind each side's votes. Three: a household
    # behind one box, or a script behind one address, cannot move the barometer into an
    # alert alone; a small commune's genuine drop still can (votes come from dozens).
    drop_min_voters: int = 3
    emerging_ratio: float = 3.0
    emerging_min: int = 6
    # A topic new this month has no baseline to jump from: it must grow fast on its own,
    # to as many verbatims as a reliable figure needs (certainty.MIN_VERBATIMS).
    new_topic_min: int = 10

    def days(self, today: date) -> tuple[list[str], list[str]]:
        """(baseline days, recent days), oldest first; the recent window ends today."""
        total = self.recent_days * (1 + self.baseline_weeks)
        every = [(today - timedelta(days=n)).isoformat() for n in range(total - 1, -1, -1)]
        return every[: -self.recent_days], every[-self.recent_days :]


@dataclass(frozen=True)
class Finding:
    """What a rule found: `episode` makes one alert per subject and week (or deadline)."""

    kind: AlertKind
    subject: str
    episode: str
    title: str
    figures: dict[str, float | int | str] = field(default_factory=dict)

    @property
    def alert_id(self) -> str:
        # Starts with the episode's date, so a commune's alerts list newest first by id.
        return f"{self.episode}.{self.kind.value}.{self.subject}"


@dataclass(frozen=True)
class Alert:
    commune_id: CommuneId
    alert_id: str
    kind: AlertKind
    subject: str
    title: str
    raised_at: datetime
    figures: dict[str, float | int | str] = field(default_factory=dict)
    acknowledged_by: str | None = None
    acknowledged_at: datetime | None = None
    # Set by the job when the cause went away (an overdue thread was answered).
    resolved_at: datetime | None = None
    notified_at: datetime | None = None

    @property
    def expires_at(self) -> datetime:
        return self.raised_at + RETENTION

    @property
    def active(self) -> bool:
        return self.acknowledged_at is None and self.resolved_at is None

    @staticmethod
    def of(commune_id: CommuneId, finding: Finding, at: datetime) -> Alert:
        return Alert(
            commune_id,
            finding.alert_id,
            finding.kind,
            finding.subject,
            finding.title,
            at,
            dict(finding.figures),
        )


def week_of(day: date) -> str:
    """The Monday of the day's week: an episode lasts a calendar week."""
    return (day - timedelta(days=day.weekday())).isoformat()


def negative_surges(
    counts: Mapping[str, Mapping[str, int]], commune: Commune, today: date, rules: AlertRules
) -> list[Finding]:
    baseline_days, recent_days = rules.days(today)
    before = _negatives(counts.get(day, {}) for day in baseline_days)
    recent = _negatives(counts.get(day, {}) for day in recent_days)
    findings = []
    for (facet, value), now in sorted(recent.items()):
        weekly = before[(facet, value)] / rules.baseline_weeks
        if now >= rules.surge_min_negative and now > rules.surge_ratio * weekly:
            label = _label(commune, facet, value)
            findings.append(
                Finding(
                    AlertKind.NEGATIVE_SURGE,
                    f"{facet}-{value}",
                    week_of(today),
                    f"Hausse des avis négatifs : {label} ({now} en 7 jours, "
                    f"{_number(weekly)} par semaine d'habitude)",
                    {facet: value, "negative": now, "weeklyBaseline": round(weekly, 2)},
                )
            )
    return findings


def barometer_drops(
    counts: Mapping[str, Mapping[str, int]], commune: Commune, today: date, rules: AlertRules
) -> list[Finding]:
    baseline_days, recent_days = rules.days(today)
    before = indicators.barometer_totals(counts.get(day, {}) for day in baseline_days)
    recent = indicators.barometer_totals(counts.get(day, {}) for day in recent_days)
    voters_before = indicators.barometer_voters((d, counts.get(d, {})) for d in baseline_days)
    voters_now = indicators.barometer_voters((d, counts.get(d, {})) for d in recent_days)
    findings = []
    for theme_id, (score_sum, votes) in sorted(recent.items()):
        old_sum, old_votes = before.get(theme_id, (0, 0))
        if min(votes, old_votes) < rules.drop_min_votes:
            continue
        voters = min(voters_now.get(theme_id, 0), voters_before.get(theme_id, 0))
        if voters < rules.drop_min_voters:
            continue
        now, usual = score_sum / votes, old_sum / old_votes
        if usual - now >= rules.drop_points:
            label = _label(commune, "theme", theme_id)
            findings.append(
                Finding(
                    AlertKind.BAROMETER_DROP,
                    f"theme-{theme_id}",
                    week_of(today),
                    f"Baromètre en baisse : {label} ({_number(now)}/10 cette semaine, "
                    f"{_number(usual)}/10 les 4 semaines précédentes)",
                    {"theme": theme_id, "average": round(now, 2), "baseline": round(usual, 2)},
                )
            )
    return findings


def emerging_topics(
    counts: Mapping[str, Mapping[str, int]],
    labels: Mapping[str, str],
    today: date,
    rules: AlertRules,
) -> list[Finding]:
    """`counts` holds each topic's verbatims per day ({topic id: {YYYY-MM-DD: n}});
    `labels` the current model's labels (a topic no longer in it raises nothing). The title
    names the topic by its label: a thing, a place or a service, never a person."""
    baseline_days, recent_days = rules.days(today)
    findings = []
    for topic_id, days in sorted(counts.items()):
        label = labels.get(topic_id)
        if label is None:
            continue
        before = sum(days.get(day, 0) for day in baseline_days)
        now = sum(days.get(day, 0) for day in recent_days)
        weekly = before / rules.baseline_weeks
        if before:
            jumped = now >= rules.emerging_min and now > rules.emerging_ratio * weekly
            title = (
                f"Sujet en hausse : « {label} » ({now} avis en 7 jours, "
                f"{_number(weekly)} par semaine d'habitude)"
            )
        else:
            jumped = now >= rules.new_topic_min
            title = f"Nouveau sujet : « {label} » ({now} avis en 7 jours)"
        if jumped:
            findings.append(
                Finding(
                    AlertKind.EMERGING_TOPIC,
                    f"topic-{topic_id}",
                    week_of(today),
                    title,
                    {"topic": topic_id, "verbatims": now, "weeklyBaseline": round(weekly, 2)},
                )
            )
    return findings


def overdue_threads(threads: Iterable[Thread], commune: Commune) -> list[Finding]:
    """One finding per late thread. Never the citizen's words: alerts are mailed and kept
    longer than a thread may be (its text can be erased on the citizen's request)."""
    findings = []
    for thread in threads:
        if thread.due_at is None:
            continue
        label = _label(commune, "theme", thread.theme)
        where = f", {_label(commune, 'quartier', thread.quartier)}" if thread.quartier else ""
        # The deadline is the end of a Paris day: that day is what staff know it by.
        last_day = (thread.due_at.astimezone(PARIS) - timedelta(seconds=1)).date()
        findings.append(
            Finding(
                AlertKind.OVERDUE_THREAD,
                f"thread-{thread.thread_id}",
                last_day.isoformat(),
                f"Réponse en retard : un avis ({label}{where}, reçu le "
                f"{_french_date(thread.created_at.astimezone(PARIS).date())}) attendait une "
                f"réponse au plus tard le {_french_date(last_day)}",
                {"thread": thread.thread_id, "dueAt": thread.due_at.isoformat()},
            )
        )
    return findings


_MONTHS = (
    "janvier", "février", "mars", "avril", "mai", "juin",
    "juillet", "août", "septembre", "octobre", "novembre", "décembre",
)  # fmt: skip


def _french_date(day: date) -> str:
    return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"


def due_for_escalation(thread: Thread, commune: Commune, now: datetime) -> bool:
    """A negative opinion still awaiting its first answer after the commune's shorter
    delay (`escalation_days` working days), not at high priority already."""
    result = thread.analysis.result
    negative = result is not None and result.sentiment is Sentiment.NEGATIVE
    waiting = thread.due_at is not None and thread.first_answer_at is None
    if not negative or not waiting or thread.priority is Priority.HIGH:
        return False
    return now > sla.answer_due(thread.created_at, commune.settings.escalation_days)


def escalated_thread(thread: Thread, commune: Commune) -> Finding:
    label = _label(commune, "theme", thread.theme)
    where = f", {_label(commune, 'quartier', thread.quartier)}" if thread.quartier else ""
    received = thread.created_at.astimezone(PARIS).date()
    days = commune.settings.escalation_days
    return Finding(
        AlertKind.ESCALATED_THREAD,
        f"thread-{thread.thread_id}",
        received.isoformat(),
        f"Avis négatif sans réponse depuis {days} jours ouvrés ({label}{where}, reçu le "
        f"{_french_date(received)}) : priorité haute",
        {"thread": thread.thread_id, "service": thread.service or ""},
    )


def _negatives(days: Iterable[Mapping[str, int]]) -> Counter[tuple[str, str]]:
    """Negative verbatims per ("theme", id) and ("quartier", id)."""
    found: Counter[tuple[str, str]] = Counter()
    for dimensions in days:
        for dimension, value in dimensions.items():
            counted = indicators.parse(dimension, value)
            if counted is None or counted.metric != indicators.VERBATIMS:
                continue
            if counted.sentiment != "NEGATIVE":
                continue
            found["theme", counted.theme] += value
            if counted.quartier:
                found["quartier", counted.quartier] += value
    return found


def _label(commune: Commune, facet: str, value: str) -> str:
    if facet == "theme":
        theme = commune.theme(value)
        return f"thème {theme.label if theme else value}"
    quartier = commune.quartier(value)
    return f"quartier {quartier.label if quartier else value}"


def _number(value: float) -> str:
    """French decimal notation, one decimal at most."""
    return f"{value:.1f}".replace(".", ",").removesuffix(",0")
