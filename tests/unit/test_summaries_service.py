"""The period summary: the newest masked, non-toxic opinions of a theme and period, a summary
citing them, cached an hour, for staff and viewers only."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from chalicelib.analysis.pipeline import CompositeAnalyzer
from chalicelib.analysis.summaries import ExtractiveSummarizer
from chalicelib.domain.commune import Commune
from chalicelib.domain.errors import ValidationError
from chalicelib.domain.staff import Role
from chalicelib.domain.summaries import QuotedText, Summary
from chalicelib.ports import Ports, Summarizer
from chalicelib.services import analysis, feedback, summaries
from chalicelib.services.feedback import SubmitFeedback
from tests.fakes import BIOT, VALBONNE, Clock, KeywordAnalyzer, memory_ports, staff

pytestmark = pytest.mark.unit

NOVEMBER = (date(2026, 11, 1), date(2026, 11, 30))


class Recording(Summarizer):
    """Records what it was given; cites every opinion it was given."""

    def __init__(self) -> None:
        self.given: list[list[QuotedText]] = []

    def summarize(self, opinions, commune: Commune) -> Summary:
        self.given.append(list(opinions))
        return Summary("Résumé.", tuple(o.id for o in opinions), "recording", 0.0002)


def opinion(ports: Ports, text: str, theme: str = "voirie", slug: str = "biot") -> str:
    receipt = feedback.submit_feedback(ports, slug, SubmitFeedback(theme=theme, text=text))
    job = ports.analysis_queue.jobs[-1]
    analysis.record(ports, analysis.prepare(ports, [job])[job])
    return receipt.thread_id


@pytest.fixture
def ports() -> Ports:
    clock = Clock()  # 2 November 2026
    ports = memory_ports(clock)
    ports.analyzer = CompositeAnalyzer(KeywordAnalyzer())
    ports.summarizer = ExtractiveSummarizer(embedder=lambda: None)
    return ports


def test_a_theme_summary_quotes_its_masked_opinions(ports: Ports) -> None:
    ids = [
        opinion(
            ports, "Le parking de la gare est plein dès sept heures, appelez le 06 12 34 56 78."
        ),
        opinion(ports, "Impossible de se garer au parking de la gare après huit heures du matin."),
        opinion(ports, "Le parking de la gare déborde tous les matins de la semaine."),
    ]
    opinion(ports, "Les poubelles de la place débordent tous les week-ends.", theme="proprete")
    result = summaries.period_summary(ports, staff(BIOT, Role.VIEWER), *NOVEMBER, "voirie")
    assert result.opinions == 3
    assert result.summary.engine == "extractive"
    assert {quote.id for quote in result.quotes} <= set(ids) and len(result.quotes) == 2
    every = " ".join([result.summary.text] + [quote.text for quote in result.quotes])
    assert "06 12 34 56 78" not in every
    assert "poubelles" not in every


def test_only_the_period_and_never_toxic_or_another_communes_opinions(ports: Ports) -> None:
    recording = Recording()
    ports.summarizer = recording
    clock = ports.clock
    assert isinstance(clock, Clock)
    october = opinion(ports, "Le parking de la gare est plein en octobre aussi.")
    clock.advance(days=3)
    kept = opinion(ports, "Le parking de la gare est plein dès sept heures du matin.")
    opinion(ports, "Bande de connards, le parking de la gare est plein.")
    opinion(ports, "Le parking de Valbonne est plein.", slug="valbonne")
    summaries.period_summary(ports, staff(), date(2026, 11, 3), date(2026, 11, 30), "voirie")
    [given] = recording.given
    assert [o.id for o in given] == [kept]
    assert october not in [o.id for o in given]


def test_the_newest_opinions_are_read_and_their_number_is_bounded(
    ports: Ports, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(summaries, "MAX_OPINIONS", 3)
    recording = Recording()
    ports.summarizer = recording
    clock = ports.clock
    assert isinstance(clock, Clock)
    ids = []
    for n in range(5):
        ids.append(opinion(ports, f"Le bus de la ligne {n} passe en retard le matin."))
        clock.advance(hours=1)
    summaries.period_summary(ports, staff(), *NOVEMBER, None)
    assert [o.id for o in recording.given[0]] == ids[::-1][:3]


def test_a_summary_is_cached_an_hour_per_period_and_theme(ports: Ports) -> None:
    recording = Recording()
    ports.summarizer = recording
    clock = ports.clock
    assert isinstance(clock, Clock)
    opinion(ports, "Le parking de la gare est plein dès sept heures du matin.")
    first = summaries.period_summary(ports, staff(), *NOVEMBER, "voirie")
    again = summaries.period_summary(ports, staff(), *NOVEMBER, "voirie")
    assert len(recording.given) == 1
    assert again == first and again.summary.cost_usd == 0.0002
    summaries.period_summary(ports, staff(), *NOVEMBER, None)
    assert len(recording.given) == 2
    clock.advance(hours=1, seconds=1)
    summaries.period_summary(ports, staff(), *NOVEMBER, "voirie")
    assert len(recording.given) == 3


def test_an_empty_period_gives_an_empty_summary(ports: Ports) -> None:
    result = summaries.period_summary(ports, staff(VALBONNE), *NOVEMBER, None)
    assert (result.summary.text, result.quotes, result.opinions) == ("", (), 0)


def test_bad_requests_are_refused(ports: Ports) -> None:
    with pytest.raises(ValidationError):
        summaries.period_summary(ports, staff(), *NOVEMBER, "inconnu")
    with pytest.raises(ValidationError):
        summaries.period_summary(ports, staff(), date(2026, 11, 30), date(2026, 11, 1), None)


def test_a_period_later_than_the_opinions_reads_nothing(ports: Ports) -> None:
    opinion(ports, "Le parking de la gare est plein dès sept heures du matin.")
    later = date(2026, 11, 2) + timedelta(days=1)
    result = summaries.period_summary(ports, staff(), later, date(2026, 11, 30), None)
    assert result.opinions == 0
