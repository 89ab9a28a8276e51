"""Alerts: the detection rules on counters, and the job that raises, resolves and mails."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from chalicelib.domain import alerts, indicators
from chalicelib.domain.alerts import AlertKind, AlertRules
from chalicelib.domain.errors import DeliveryError, ForbiddenError, NotFoundError
from chalicelib.domain.indicators import Facets
from chalicelib.domain.staff import Role
from chalicelib.domain.threads import Channel, CounterIncrement, Sentiment, Visibility
from chalicelib.ports import Mailer, OutboundEmail
from chalicelib.services import alerts as service
from chalicelib.services import feedback
from chalicelib.services.feedback import SubmitFeedback
from tests.fakes import BIOT, VALBONNE, Clock, commune, memory_ports, staff

TODAY = date(2026, 11, 2)  # Clock() starts on Monday 2 Nov 2026, 09:00 UTC
RULES = AlertRules()


def negatives(day: date, theme: str, count: int, quartier: str | None = None):
    facets = Facets(theme, quartier, Channel.WEB)
    key = f"{indicators.VERBATIMS}|{facets.key(Sentiment.NEGATIVE)}"
    return day.isoformat(), key, count


def counts_of(*entries):
    found: dict[str, dict[str, int]] = {}
    for day, key, value in entries:
        found.setdefault(day, {})
        found[day][key] = found[day].get(key, 0) + value
    return found


def weekly(theme: str, per_week: int, quartier: str | None = None):
    """`per_week` negatives in each of the 4 baseline weeks."""
    return [
        negatives(TODAY - timedelta(days=7 + 7 * w), theme, per_week, quartier) for w in range(4)
    ]


def test_a_theme_whose_negatives_triple_its_baseline_raises_a_surge():
    counts = counts_of(*weekly("proprete", 2), negatives(TODAY, "proprete", 7))
    [found] = alerts.negative_surges(counts, commune(), TODAY, RULES)
    assert found.kind is AlertKind.NEGATIVE_SURGE
    assert found.subject == "theme-proprete"
    assert found.alert_id == "2026-11-02.negative_surge.theme-proprete"
    assert found.figures == {"theme": "proprete", "negative": 7, "weeklyBaseline": 2.0}
    assert "Propreté" in found.title and "7 en 7 jours" in found.title


def test_no_surge_at_exactly_three_times_or_below_the_minimum_volume():
    at_ratio = counts_of(*weekly("proprete", 2), negatives(TODAY, "proprete", 6))
    assert alerts.negative_surges(at_ratio, commune(), TODAY, RULES) == []
    from_nothing = counts_of(negatives(TODAY, "proprete", 4))
    assert alerts.negative_surges(from_nothing, commune(), TODAY, RULES) == []
    enough = counts_of(negatives(TODAY, "proprete", 5))
    assert len(alerts.negative_surges(enough, commune(), TODAY, RULES)) == 1


def test_a_quartier_surge_is_found_across_themes_and_old_counters_are_ignored():
    counts = counts_of(
        negatives(TODAY, "proprete", 3, "village"),
        negatives(TODAY - timedelta(days=6), "voirie", 3, "village"),
        # Older than the 5 weeks the rule reads: not part of the baseline.
        negatives(TODAY - timedelta(days=40), "voirie", 50, "village"),
    )
    # Each theme has 3 negatives (under the minimum); the quartier has 6 across them.
    found = {f.subject for f in alerts.negative_surges(counts, commune(), TODAY, RULES)}
    assert found == {"quartier-village"}


def votes(day: date, theme: str, scores: list[int], addresses: int | None = None):
    """The counters of `scores` on `day`, cast from `addresses` distinct client addresses
    (as many as votes unless said)."""
    voters = len(scores) if addresses is None else addresses
    return [
        (day.isoformat(), inc.dimension, inc.amount)
        for score in scores
        for inc in indicators.barometer_vote(day.isoformat(), theme, score)
    ] + [
        (day.isoformat(), inc.dimension, inc.amount)
        for _ in range(voters)
        for inc in indicators.barometer_voter(day.isoformat(), theme)
    ]


def test_a_barometer_drop_needs_enough_votes_on_both_sides():
    before = votes(TODAY - timedelta(days=10), "voirie", [8] * 6)
    after = votes(TODAY, "voirie", [6, 6, 6, 6, 6])
    [found] = alerts.barometer_drops(counts_of(*before, *after), commune(), TODAY, RULES)
    assert found.kind is AlertKind.BAROMETER_DROP
    assert found.figures == {"theme": "voirie", "average": 6.0, "baseline": 8.0}
    assert "6/10" in found.title and "8/10" in found.title
    few = votes(TODAY, "voirie", [2, 2, 2, 2])
    assert alerts.barometer_drops(counts_of(*before, *few), commune(), TODAY, RULES) == []
    slight = votes(TODAY, "voirie", [7] * 5)
    assert alerts.barometer_drops(counts_of(*before, *slight), commune(), TODAY, RULES) == []


def test_a_barometer_drop_needs_votes_from_several_addresses_on_both_sides():
    before = votes(TODAY - timedelta(days=10), "voirie", [8] * 6)
    # Five low ballots from two connections (a household, or a script behind one box).
    scripted = votes(TODAY, "voirie", [2] * 5, addresses=2)
    assert alerts.barometer_drops(counts_of(*before, *scripted), commune(), TODAY, RULES) == []
    three = votes(TODAY, "voirie", [2] * 5, addresses=3)
    assert len(alerts.barometer_drops(counts_of(*before, *three), commune(), TODAY, RULES)) == 1
    # The baseline too: usual scores from two addresses are no baseline.
    narrow = votes(TODAY - timedelta(days=10), "voirie", [8] * 6, addresses=2)
    assert alerts.barometer_drops(counts_of(*narrow, *three), commune(), TODAY, RULES) == []


def test_an_address_counts_once_a_month_and_a_window_over_two_months_takes_the_larger():
    counts = counts_of(
        # One address a day for three days of November, two more in December.
        *votes(date(2026, 11, 28), "voirie", [5]),
        *votes(date(2026, 11, 29), "voirie", [5]),
        *votes(date(2026, 11, 30), "voirie", [5]),
        *votes(date(2026, 12, 1), "voirie", [5]),
        *votes(date(2026, 12, 2), "voirie", [5]),
    )
    days = [(day, counts.get(day, {})) for day in sorted(counts)]
    # The December addresses may be November's again: three is all that is certain.
    assert indicators.barometer_voters(days) == {"voirie": 3}
    assert indicators.barometer_voters(days[3:]) == {"voirie": 2}
    assert indicators.barometer_voters([]) == {}


def opinion(ports, text="Les poubelles débordent rue du Portugon.", slug="biot"):
    return feedback.submit_feedback(ports, slug, SubmitFeedback(theme="proprete", text=text))


class BrokenMailer(Mailer):
    def send(self, email: OutboundEmail) -> str:
        raise DeliveryError("SES is down")


def test_the_job_raises_an_overdue_alert_once_mails_it_once_and_resolves_it():
    clock = Clock()
    ports = memory_ports(clock)
    service.subscribe(ports, staff(role=Role.VIEWER), True)
    receipt = opinion(ports)
    opinion(ports, slug="valbonne")
    clock.advance(days=10)

    first = service.detect(ports, commune())
    assert first.raised == [f"2026-11-09.overdue_thread.thread-{receipt.thread_id}"]
    [mail] = ports.mailer.sent
    assert mail.to == "viewer@example.org"
    assert mail.subject == "[Concerto] 1 nouvelle alerte — Biot"
    assert "Réponse en retard" in mail.text and "<li>Réponse en retard" in mail.html

    again = service.detect(ports, commune())
    assert (again.raised, again.mailed, len(ports.mailer.sent)) == ([], 0, 1)
    assert ports.alerts.list(VALBONNE, active_only=True, limit=10) == []

    thread = ports.threads.get(BIOT, receipt.thread_id)
    ports.threads.update(thread.after_staff_reply(clock()))
    assert service.detect(ports, commune()).resolved == 1
    assert ports.alerts.list(BIOT, active_only=True, limit=10) == []
    [history] = ports.alerts.list(BIOT, active_only=False, limit=10)
    assert history.resolved_at == clock()


def test_alerts_claimed_while_the_mailer_is_down_are_mailed_on_the_next_run():
    clock = Clock()
    ports = memory_ports(clock)
    service.subscribe(ports, staff(role=Role.ADMIN), True)
    opinion(ports)
    clock.advance(days=10)
    outbox = ports.mailer
    ports.mailer = BrokenMailer()
    assert service.detect(ports, commune()).mailed == 0
    ports.mailer = outbox
    assert service.detect(ports, commune()).mailed == 1
    assert len(outbox.sent) == 1


def test_staff_acknowledge_alerts_of_their_own_commune_only():
    clock = Clock()
    ports = memory_ports(clock)
    opinion(ports)
    clock.advance(days=10)
    [alert_id] = service.detect(ports, commune()).raised
    with pytest.raises(ForbiddenError):
        service.acknowledge(ports, staff(role=Role.VIEWER), alert_id)
    with pytest.raises(NotFoundError):
        service.acknowledge(ports, staff(VALBONNE), alert_id)
    done = service.acknowledge(ports, staff(), alert_id)
    assert (done.acknowledged_by, done.active) == ("agent@example.org", False)
    assert service.list_alerts(ports, staff(role=Role.VIEWER), True, 10) == []


def test_subscriptions_are_per_member_and_commune():
    ports = memory_ports()
    viewer = staff(role=Role.VIEWER)
    assert service.is_subscribed(ports, viewer) is False
    service.subscribe(ports, viewer, True)
    assert service.is_subscribed(ports, viewer) is True
    assert service.is_subscribed(ports, staff(VALBONNE, Role.VIEWER)) is False
    service.subscribe(ports, viewer, False)
    assert ports.subscriptions.subscribers(BIOT, service.TOPIC) == []


def test_a_surge_from_real_counters_is_raised_for_the_theme():
    clock = Clock()
    ports = memory_ports(clock)
    today = clock().date().isoformat()
    facets = Facets("voirie", None, Channel.WEB)
    key = f"{indicators.VERBATIMS}|{facets.key(Sentiment.NEGATIVE)}"
    ports.indicators.add(BIOT, [CounterIncrement(today, key, 6)])
    report = service.detect(ports, commune())
    assert report.raised == ["2026-11-02.negative_surge.theme-voirie"]


def test_alerts_never_carry_the_citizens_words():
    clock = Clock()
    ports = memory_ports(clock)
    service.subscribe(ports, staff(role=Role.VIEWER), True)
    words = "Je suis Marie Dupont, 06 12 34 56 78, marie.dupont@example.org : poubelles !"
    opinion(ports, text=words)
    clock.advance(days=10)
    service.detect(ports, commune())
    [alert] = ports.alerts.list(BIOT, active_only=True, limit=5)
    [mail] = ports.mailer.sent
    for leak in ("Dupont", "06 12", "example.org", "poubelles"):
        assert leak not in alert.title + repr(alert.figures) + mail.text + mail.html
    assert "au plus tard le 9 novembre 2026" in alert.title and "Propreté" in alert.title


def test_alerts_raised_before_anyone_subscribed_reach_the_first_subscriber():
    clock = Clock()
    ports = memory_ports(clock)
    opinion(ports)
    clock.advance(days=10)
    assert service.detect(ports, commune()).mailed == 0
    service.subscribe(ports, staff(role=Role.VIEWER), True)
    assert service.detect(ports, commune()).mailed == 1
    assert [m.to for m in ports.mailer.sent] == ["viewer@example.org"]


class CrashingMailer(Mailer):
    def send(self, email: OutboundEmail) -> str:
        raise RuntimeError("connection reset")


def test_an_unexpected_mailer_failure_releases_the_claims_for_the_next_run():
    clock = Clock()
    ports = memory_ports(clock)
    service.subscribe(ports, staff(role=Role.VIEWER), True)
    opinion(ports)
    clock.advance(days=10)
    outbox, ports.mailer = ports.mailer, CrashingMailer()
    with pytest.raises(RuntimeError):
        service.detect(ports, commune())
    ports.mailer = outbox
    assert service.detect(ports, commune()).mailed == 1


def analysed(ports, thread_id, sentiment):
    from chalicelib.domain.threads import Sentiment as S
    from chalicelib.domain.threads import TextAnalysis

    message = ports.threads.get_message(BIOT, thread_id, thread_id)
    result = TextAnalysis("fr", S(sentiment), {}, (), "local", masked_text=message.text)
    ports.threads.record_analysis(message, result, [], on_thread=True)


def test_a_negative_opinion_left_unanswered_is_escalated_once_and_its_owners_told():
    from chalicelib.domain.commune import Service
    from chalicelib.domain.threads import Priority, ThreadChanges
    from chalicelib.services import inbox, settings

    clock = Clock()  # Monday 2 November 2026
    ports = memory_ports(clock)
    proprete = Service("proprete", "Propreté", "proprete@mairie.fr")
    settings.replace_services(ports, staff(role=Role.ADMIN), [proprete])
    angry = opinion(ports, text="C'est une honte, personne ne ramasse rien.").thread_id
    calm = opinion(ports, text="Les poubelles sont un peu pleines.").thread_id
    analysed(ports, angry, "NEGATIVE")
    analysed(ports, calm, "NEUTRAL")
    inbox.update_thread(
        ports, staff(), angry, ThreadChanges(assignee="agent@biot.fr", service="proprete")
    )
    service.subscribe(ports, staff(role=Role.VIEWER), True)

    clock.advance(days=2)  # Wednesday: within 2 working days
    assert service.detect(ports, ports.communes.get(BIOT)).raised == []
    clock.advance(days=1)  # Thursday, past the end of Wednesday
    report = service.detect(ports, ports.communes.get(BIOT))
    assert report.raised == [f"2026-11-02.escalated_thread.thread-{angry}"]
    assert ports.threads.get(BIOT, angry).priority is Priority.HIGH
    assert ports.threads.get(BIOT, calm).priority is Priority.NORMAL
    assert sorted(m.to for m in ports.mailer.sent) == [
        "agent@biot.fr",
        "proprete@mairie.fr",
        "viewer@example.org",
    ]
    assert "priorité haute" in ports.mailer.sent[0].text
    assert service.detect(ports, ports.communes.get(BIOT)).raised == []
    assert len(ports.mailer.sent) == 3

    inbox.reply_to_thread(ports, staff(), angry, "Nous intervenons demain.", Visibility.PRIVATE)
    assert service.detect(ports, ports.communes.get(BIOT)).resolved == 1


def test_escalation_happens_once_even_if_staff_lower_the_priority_and_not_after_an_answer():
    from chalicelib.domain.threads import Priority, ThreadChanges
    from chalicelib.services import feedback as citizen
    from chalicelib.services import inbox

    clock = Clock()
    ports = memory_ports(clock)
    angry = opinion(ports, text="C'est une honte, personne ne ramasse rien.")
    answered = opinion(ports, text="Toujours rien, c'est lamentable.")
    for thread_id in (angry.thread_id, answered.thread_id):
        analysed(ports, thread_id, "NEGATIVE")
    inbox.reply_to_thread(ports, staff(), answered.thread_id, "C'est noté.", Visibility.PRIVATE)
    clock.advance(days=6)
    citizen.post_follow_up(ports, answered.followup_token, "Merci, c'est réglé.")
    clock.advance(hours=1)

    first = service.detect(ports, ports.communes.get(BIOT))
    assert first.raised == [f"2026-11-02.escalated_thread.thread-{angry.thread_id}"]
    inbox.update_thread(ports, staff(), angry.thread_id, ThreadChanges(priority=Priority.NORMAL))
    sent = len(ports.mailer.sent)
    clock.advance(hours=1)
    assert service.detect(ports, ports.communes.get(BIOT)).raised == []
    assert ports.threads.get(BIOT, angry.thread_id).priority is Priority.NORMAL
    assert len(ports.mailer.sent) == sent


def topic_days(recent: int, per_baseline_week: int = 0) -> dict[str, int]:
    """`recent` verbatims yesterday, `per_baseline_week` in each of the 4 weeks before."""
    days = {(TODAY - timedelta(days=1)).isoformat(): recent}
    for week in range(4):
        days[(TODAY - timedelta(days=8 + 7 * week)).isoformat()] = per_baseline_week
    return days


def test_a_topic_whose_week_jumps_against_its_own_baseline_is_emerging():
    labels = {"tp1": "parking de la gare", "tp2": "éclairage public"}
    counts = {"tp1": topic_days(7, per_baseline_week=2), "tp2": topic_days(6, per_baseline_week=2)}
    [found] = alerts.emerging_topics(counts, labels, TODAY, RULES)
    assert (found.kind, found.subject, found.episode) == (
        AlertKind.EMERGING_TOPIC,
        "topic-tp1",
        "2026-11-02",
    )
    assert found.title == (
        "Sujet en hausse : « parking de la gare » (7 avis en 7 jours, 2 par semaine d'habitude)"
    )
    assert found.figures == {"topic": "tp1", "verbatims": 7, "weeklyBaseline": 2.0}


def test_an_emerging_topic_needs_a_minimum_volume_and_a_new_one_more():
    labels = {"tp1": "parking", "tp2": "marché", "tp3": "piscine"}
    counts = {
        "tp1": topic_days(5, per_baseline_week=0) | {"2026-10-06": 1},  # 5 < emerging_min
        "tp2": topic_days(9),  # no baseline: 9 < new_topic_min
        "tp3": topic_days(10),  # no baseline, 10 in a week: a new topic growing fast
    }
    found = alerts.emerging_topics(counts, labels, TODAY, RULES)
    assert [(f.subject, f.title) for f in found] == [
        ("topic-tp3", "Nouveau sujet : « piscine » (10 avis en 7 jours)")
    ]


def test_a_topic_no_longer_in_the_model_raises_nothing():
    assert alerts.emerging_topics({"gone": topic_days(50)}, {}, TODAY, RULES) == []
