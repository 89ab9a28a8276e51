"""Reports of one same problem: a new opinion joins the group of the closest open thread
naming the same place within 30 days; staff answer them all at once; the dashboard counts
problems as well as reports."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import numpy as np
import pytest

from chalicelib.analysis.embeddings import HashedEmbedder
from chalicelib.analysis.places import places_in
from chalicelib.analysis.topic_codec import encode_embedding
from chalicelib.domain.errors import ForbiddenError
from chalicelib.domain.indicators import Filter
from chalicelib.domain.staff import Role
from chalicelib.domain.threads import Author, Channel, Sentiment, ThreadChanges, ThreadStatus
from chalicelib.domain.topics import Verbatim
from chalicelib.services import feedback, inbox, similar_reports, templates
from chalicelib.services.feedback import SubmitFeedback
from chalicelib.services.similar_reports import AnswerAll
from tests.fakes import BIOT, VALBONNE, memory_ports, staff

pytestmark = pytest.mark.unit

STREETLIGHT = [1.0, 0.0, 0.0]
STREETLIGHT_AGAIN = [0.98, 0.2, 0.0]  # cosine 0.98
BINS = [0.0, 0.0, 1.0]


def opinion(ports, text, slug="biot", name=None, email=None):
    command = SubmitFeedback(
        theme="voirie", text=text, name=name, email=email, consent=email is not None
    )
    return feedback.submit_feedback(ports, slug, command).thread_id


def stored(ports, thread_id, text, vector, days=0, embedder="e5", commune_id=BIOT):
    """The verbatim the analysis worker keeps for the thread's opinion, then linked."""
    unit = np.asarray(vector, dtype=np.float64)
    thread = ports.threads.get(commune_id, thread_id)
    verbatim = Verbatim(
        commune_id=commune_id,
        message_id=thread_id,
        thread_id=thread_id,
        created_at=thread.created_at + timedelta(days=days),
        theme=thread.theme,
        quartier=None,
        channel=Channel.WEB,
        sentiment=Sentiment.NEGATIVE,
        embedder=embedder,
        vector=encode_embedding(unit / np.linalg.norm(unit)),
        places=tuple(sorted(places_in(text))),
    )
    ports.topics.add(verbatim)
    return similar_reports.link(ports, verbatim)


def reported(ports, text, vector, days=0, slug="biot", commune_id=BIOT, **person):
    thread_id = opinion(ports, text, slug, **person)
    return thread_id, stored(ports, thread_id, text, vector, days, commune_id=commune_id)


def test_the_same_streetlight_in_the_same_street_is_one_problem():
    ports = memory_ports()
    first, alone = reported(ports, "Le lampadaire de la rue Victor Hugo est en panne.", STREETLIGHT)
    second, group = reported(
        ports, "Rue Victor Hugo, l'éclairage ne marche plus.", STREETLIGHT_AGAIN
    )
    assert alone is None and group == first
    third, same = reported(ports, "Lampadaire éteint rue Victor Hugo !", STREETLIGHT)
    assert same == first
    assert sorted(ports.topics.problem_threads(BIOT, first)) == sorted([first, second, third])
    shown = similar_reports.similar_threads(ports, staff(), second)
    assert {t.thread_id for t in shown} == {first, third}


def test_another_street_or_another_problem_is_not_grouped_however_close_the_words():
    ports = memory_ports()
    reported(ports, "Le lampadaire de la rue Victor Hugo est en panne.", STREETLIGHT)
    _, elsewhere = reported(ports, "Le lampadaire de la rue Pasteur est en panne.", STREETLIGHT)
    _, bins = reported(ports, "Les poubelles débordent rue Victor Hugo.", BINS)
    assert elsewhere is None and bins is None


def test_a_closed_or_merged_thread_is_no_candidate():
    ports = memory_ports()
    closed, _ = reported(ports, "Le lampadaire de la rue Victor Hugo est en panne.", STREETLIGHT)
    inbox.update_thread(ports, staff(), closed, ThreadChanges(status=ThreadStatus.CLOSED))
    _, group = reported(ports, "Rue Victor Hugo, l'éclairage ne marche plus.", STREETLIGHT)
    assert group is None


def test_thirty_one_days_later_it_is_another_occurrence():
    ports = memory_ports()
    reported(ports, "Le lampadaire de la rue Victor Hugo est en panne.", STREETLIGHT)
    _, group = reported(ports, "Lampadaire éteint rue Victor Hugo !", STREETLIGHT, days=31)
    assert group is None


def test_another_communes_report_is_never_the_same_problem():
    ports = memory_ports()
    reported(ports, "Le lampadaire de la rue Victor Hugo est en panne.", STREETLIGHT)
    text = "Lampadaire éteint rue Victor Hugo !"
    _, group = reported(ports, text, STREETLIGHT, slug="valbonne", commune_id=VALBONNE)
    assert group is None


def test_only_the_opinion_decides_and_embedders_are_never_mixed():
    ports = memory_ports()
    first, _ = reported(ports, "Le lampadaire de la rue Victor Hugo est en panne.", STREETLIGHT)
    thread_id = opinion(ports, "Lampadaire éteint rue Victor Hugo !")
    hashed = stored(
        ports, thread_id, "Lampadaire éteint rue Victor Hugo !", STREETLIGHT, 0, "hashed"
    )
    assert hashed is None
    later = replace(ports.topics.of_thread(BIOT, first)[0], message_id="m2", problem=None)
    assert similar_reports.link(ports, later) is None


def test_without_e5_only_reports_naming_the_same_place_are_grouped():
    ports = memory_ports()
    texts = [
        "Le lampadaire de la rue Victor Hugo est en panne depuis lundi.",
        "Rue Victor Hugo, le lampadaire est en panne.",
        "Le lampadaire de la rue Pasteur est en panne depuis lundi.",
        "Le lampadaire est en panne depuis lundi.",
    ]
    vectors = HashedEmbedder().embed(texts)
    ids = [opinion(ports, text) for text in texts]
    groups = [
        stored(ports, i, text, v, embedder="hashed")
        for i, text, v in zip(ids, texts, vectors, strict=True)
    ]
    assert groups == [None, ids[0], None, None]


def test_answering_all_gives_each_citizen_their_own_answer():
    ports = memory_ports()
    marie, _ = reported(
        ports,
        "Le lampadaire de la rue Victor Hugo est en panne.",
        STREETLIGHT,
        name="Marie Curie",
        email="marie@citoyens.test",
    )
    paul, _ = reported(
        ports,
        "Rue Victor Hugo, l'éclairage ne marche plus.",
        STREETLIGHT_AGAIN,
        name="Paul Valéry",
        email="paul@citoyens.test",
    )
    closed, _ = reported(ports, "Lampadaire éteint rue Victor Hugo !", STREETLIGHT)
    inbox.update_thread(ports, staff(), closed, ThreadChanges(status=ThreadStatus.CLOSED))
    text = "Bonjour Marie Curie, le lampadaire sera réparé jeudi."
    outcomes = similar_reports.answer_all(ports, staff(), marie, AnswerAll(text=text))
    assert [(o.thread_id, o.ok) for o in outcomes] == [(marie, True), (paul, True)]

    def answers(thread_id):
        messages = ports.threads.messages(BIOT, thread_id)
        return [m.text for m in messages if m.author is Author.COMMUNE]

    assert answers(marie) == [text]
    assert answers(paul) == ["Bonjour Paul Valéry, le lampadaire sera réparé jeudi."]
    assert answers(closed) == []
    delivered = {job.thread_id for job in ports.delivery_queue.jobs if not job.verify}
    assert delivered == {marie, paul}

    template = templates.save_template(ports, staff(), "Réparé", "Bonjour {citoyen}, réparé.")
    similar_reports.answer_all(ports, staff(), paul, AnswerAll(template_id=template.template_id))
    assert answers(marie)[-1] == "Bonjour Marie Curie, réparé."
    assert answers(paul)[-1] == "Bonjour Paul Valéry, réparé."


def test_viewers_read_similar_reports_masked_and_cannot_answer_them():
    ports = memory_ports()
    first, _ = reported(ports, "Le lampadaire de la rue Victor Hugo est en panne.", STREETLIGHT)
    second, _ = reported(ports, "Rue Victor Hugo, c'est Paul Valéry qui écrit.", STREETLIGHT)
    [shown] = similar_reports.similar_threads(ports, staff(role=Role.VIEWER), first)
    assert shown.thread_id == second and "Paul" not in shown.preview
    with pytest.raises(ForbiddenError):
        similar_reports.answer_all(ports, staff(role=Role.VIEWER), first, AnswerAll(text="Oui."))


def test_the_dashboard_counts_distinct_problems_as_well_as_reports():
    ports = memory_ports()
    reported(ports, "Le lampadaire de la rue Victor Hugo est en panne.", STREETLIGHT)
    reported(ports, "Rue Victor Hugo, l'éclairage ne marche plus.", STREETLIGHT_AGAIN)
    reported(ports, "Les poubelles débordent rue Victor Hugo.", BINS)
    today = ports.clock().date()
    period = (today - timedelta(days=1), today + timedelta(days=1))
    found = similar_reports.problems(ports, staff(), *period, Filter())
    assert (found.reports, found.distinct) == (3, 2)
    other = similar_reports.problems(ports, staff(), *period, Filter(theme="culture"))
    assert (other.reports, other.distinct) == (0, 0)
    before = similar_reports.problems(ports, staff(), date(2020, 1, 1), date(2020, 1, 2), Filter())
    assert before.reports == 0


def test_answers_to_a_consultation_are_never_reports_of_a_problem():
    ports = memory_ports()
    reported(ports, "Le lampadaire de la rue Victor Hugo est en panne.", STREETLIGHT)
    text = "Rue Victor Hugo, l'éclairage ne marche plus."
    command = SubmitFeedback(theme="voirie", text=text)
    answer = feedback.submit_feedback(ports, "biot", command, consultation_id="c1").thread_id
    assert stored(ports, answer, text, STREETLIGHT) is None
    _, group = reported(ports, "Lampadaire éteint rue Victor Hugo !", STREETLIGHT)
    assert group is not None and answer not in ports.topics.problem_threads(BIOT, group)
