"""The dashboard, computed from the counters the workers keep."""

from datetime import date

import pytest

from chalicelib.domain.errors import ValidationError
from chalicelib.domain.indicators import Filter
from chalicelib.domain.staff import Role
from chalicelib.domain.threads import Sentiment, ThreadChanges, Visibility
from chalicelib.services import analysis, dashboard, feedback, inbox
from chalicelib.services.feedback import SubmitFeedback
from tests.fakes import BIOT, VALBONNE, Clock, memory_ports, staff

pytestmark = pytest.mark.unit

NOVEMBER = dashboard.period(date(2026, 11, 1), date(2026, 11, 30))


def opinion(ports, text, theme="proprete", quartier=None, rating=None):
    command = SubmitFeedback(theme=theme, text=text, quartier=quartier, rating=rating)
    receipt = feedback.submit_feedback(ports, "biot", command)
    job = ports.analysis_queue.jobs[-1]
    analysis.record(ports, analysis.prepare(ports, [job])[job])
    return receipt.thread_id


@pytest.fixture
def biot():
    clock = Clock()  # 2 November 2026, 09:00 UTC
    ports = memory_ports(clock)
    first = opinion(
        ports, "C'est inadmissible, personne ne fait rien", rating=1, quartier="village"
    )
    opinion(ports, "Merci pour ce magnifique parc", theme="voirie", rating=5)
    clock.advance(days=7)
    opinion(ports, "Les poubelles débordent, c'est une honte", quartier="village")
    clock.advance(hours=3)
    inbox.reply_to_thread(ports, staff(), first, "Nous intervenons.", Visibility.PRIVATE)
    return ports, first


def test_totals_split_and_ratings(biot):
    ports, _ = biot
    board = dashboard.dashboard(ports, staff(BIOT, Role.VIEWER), NOVEMBER, "day", Filter())
    assert board.totals.verbatims == 3
    assert board.totals.sentiments["NEGATIVE"] == 2 and board.totals.sentiments["POSITIVE"] == 1
    assert board.totals.net_sentiment == round(100 * (1 - 2) / 3, 1)
    assert board.totals.average_rating == 3.0
    assert board.by_theme["proprete"].verbatims == 2
    assert board.by_quartier["village"].verbatims == 2 and board.by_quartier["-"].verbatims == 1
    assert board.by_channel["web"].verbatims == 3
    assert dict(board.key_phrases)  # key phrases were counted


def test_dialogue_figures(biot):
    ports, _ = biot
    dialogue = dashboard.dashboard(ports, staff(), NOVEMBER, "day", Filter()).dialogue
    assert (dialogue.opinions, dialogue.first_answers) == (3, 1)
    assert dialogue.open_threads == 2  # the answered one no longer waits
    assert dialogue.answered_share == round(1 / 3, 3)
    assert dialogue.average_hours == 7 * 24 + 3
    assert dialogue.median_hours == 336.0  # 171 h falls in the "≤ 14 days" bucket


def test_series_by_week_and_filters(biot):
    ports, _ = biot
    board = dashboard.dashboard(ports, staff(), NOVEMBER, "week", Filter(theme="proprete"))
    by_week = {start: figures.verbatims for start, figures in board.series}
    assert next(iter(by_week)) == "2026-10-26"  # 1 November is a Sunday: its week began in October
    assert (by_week["2026-10-26"], by_week["2026-11-02"], by_week["2026-11-09"]) == (0, 1, 1)
    assert board.totals.verbatims == 2
    assert list(board.by_theme) == ["proprete"]


def test_the_previous_period_and_another_commune(biot):
    ports, _ = biot
    december = dashboard.period(date(2026, 12, 1), date(2026, 12, 30))
    board = dashboard.dashboard(ports, staff(), december, "month", Filter())
    assert board.totals.verbatims == 0 and board.previous.verbatims == 3
    valbonne = dashboard.dashboard(ports, staff(VALBONNE), NOVEMBER, "day", Filter())
    assert valbonne.totals.verbatims == 0 and valbonne.dialogue.opinions == 0


def test_a_correction_moves_the_figures(biot):
    ports, first = biot
    inbox.update_thread(
        ports, staff(), first, ThreadChanges(sentiment=Sentiment.MIXED, theme="voirie")
    )
    board = dashboard.dashboard(ports, staff(), NOVEMBER, "day", Filter())
    assert board.totals.verbatims == 3
    assert board.totals.sentiments["MIXED"] == 1 and board.totals.sentiments["NEGATIVE"] == 1
    assert board.by_theme["voirie"].verbatims == 2
    assert board.by_theme["voirie"].average_rating == 3.0
    assert board.dialogue.opinions == 3


@pytest.mark.parametrize(
    ("start", "end"), [(date(2026, 11, 2), date(2026, 11, 1)), (date(2025, 1, 1), date(2026, 6, 1))]
)
def test_invalid_periods_are_refused(start, end):
    with pytest.raises(ValidationError):
        dashboard.period(start, end)


def test_an_unknown_granularity_is_refused():
    with pytest.raises(ValidationError):
        dashboard.dashboard(memory_ports(), staff(), NOVEMBER, "year", Filter())


def test_the_barometer_shows_in_the_dashboard(biot):
    from chalicelib.services import barometer

    ports, _ = biot
    for n, score in enumerate((8, 4)):
        barometer.rate_commune(
            ports, "biot", {"proprete": score}, f"browser-{n:016}", date(2026, 11, 3)
        )
    board = dashboard.dashboard(ports, staff(), NOVEMBER, "day", Filter())
    assert board.barometer == {"proprete": (12, 2)}
    assert board.previous_barometer == {}


def test_key_phrases_come_with_masked_quotes_and_never_toxic_ones():
    from chalicelib.analysis.local import LocalAnalyzer
    from chalicelib.analysis.pipeline import CompositeAnalyzer

    ports = memory_ports(Clock())
    ports.analyzer = CompositeAnalyzer(LocalAnalyzer())
    opinion(ports, "Les poubelles débordent rue du Four, appelez-moi au 06 12 34 56 78")
    opinion(ports, "Les poubelles, bande de connards, vous êtes des incapables")
    board = dashboard.dashboard(ports, staff(), NOVEMBER, "day", Filter())
    quotes = dict(board.quotes)
    assert quotes, board.key_phrases
    every_quote = [quote for listed in quotes.values() for quote in listed]
    assert all("06 12 34 56 78" not in quote for quote in every_quote)
    assert any("[téléphone]" in quote for quote in every_quote)
    assert all("connards" not in quote for quote in every_quote)


def test_the_answered_share_never_passes_one_while_analyses_catch_up():
    from chalicelib.services.dashboard import Dialogue

    assert Dialogue(opinions=2, first_answers=3).answered_share == 1.0
    assert Dialogue(opinions=4, first_answers=1).answered_share == 0.25
    assert Dialogue().answered_share is None


def test_key_phrases_group_by_lemma_and_older_non_phrases_are_left_out():
    ports = memory_ports(Clock())
    ports.indicators.replace_totals(
        BIOT,
        {
            "2026-11-03": {
                "kp|t=proprete|p=poubelle": 3,
                "kp|t=proprete|p=poubelles": 2,
                "kp|t=proprete|p=franchement": 9,
                "kp|t=proprete|p=deux": 8,
                "kp|t=voirie|p=ecole": 1,
                "kp|t=voirie|p=école": 1,
            }
        },
    )
    ports.indicators.add_quote(BIOT, "2026-11", "poubelles", "Les poubelles débordent.")
    ports.indicators.add_quote(BIOT, "2026-11", "poubelle", "La poubelle jaune est pleine.")
    board = dashboard.dashboard(ports, staff(), NOVEMBER, "day", Filter())
    assert board.key_phrases == [("poubelle", 5), ("école", 2)]
    assert sorted(board.quotes["poubelle"]) == [
        "La poubelle jaune est pleine.",
        "Les poubelles débordent.",
    ]


def test_figures_say_how_sure_they_are():
    ports = memory_ports(Clock())  # 2 November 2026, a Monday
    opinion(ports, "C'est inadmissible, personne ne fait rien")
    board = dashboard.dashboard(ports, staff(), NOVEMBER, "week", Filter())
    assert board.totals.too_few and board.totals.net_sentiment == -100.0
    low, high = board.totals.net_sentiment_interval or (0, 0)
    assert low == -100.0 and high > 0
    # The week of 2 November is not over; the one of 26 October is cut by the period.
    assert board.complete_buckets == frozenset()
    assert not board.complete

    october = dashboard.period(date(2026, 10, 5), date(2026, 10, 25))
    past = dashboard.dashboard(ports, staff(), october, "week", Filter())
    assert past.complete and past.complete_buckets == {"2026-10-05", "2026-10-12", "2026-10-19"}
