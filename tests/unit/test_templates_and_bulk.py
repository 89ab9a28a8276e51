"""Canned answers with variables, and bulk actions on the inbox."""

from __future__ import annotations

import pytest

from chalicelib.domain import templates as rules
from chalicelib.domain.commune import Service
from chalicelib.domain.errors import ForbiddenError, NotFoundError, ValidationError
from chalicelib.domain.staff import Role
from chalicelib.domain.threads import Author, ThreadStatus, Visibility
from chalicelib.services import bulk, feedback, settings, templates
from chalicelib.services.bulk import BulkAction, BulkRequest
from chalicelib.services.feedback import SubmitFeedback
from tests.fakes import BIOT, VALBONNE, memory_ports, staff

TEXT = "Bonjour {citoyen},\nmerci pour votre message ({theme}).\n{agent}, mairie de {commune}"


def test_variables_are_filled_in_and_unknown_ones_refused():
    values = rules.Values("Marie Curie", "Biot", "Propreté", "jean.dupont@mairie-biot.fr")
    assert rules.render(TEXT, values) == (
        "Bonjour Marie Curie,\nmerci pour votre message (Propreté).\nJean Dupont, mairie de Biot"
    )
    anonymous = rules.Values("", "Biot", "Propreté", "agent@biot.demo")
    assert rules.render("Bonjour {citoyen}", anonymous) == "Bonjour Madame, Monsieur"
    with pytest.raises(ValidationError) as unknown:
        rules.check("Titre", "Bonjour {prenom}")
    assert unknown.value.code == "unknown_variable" and "{prenom}" in unknown.value.message
    for title, text in (("", "Texte valable"), ("Titre", "ab"), ("x" * 121, "Texte valable")):
        with pytest.raises(ValidationError):
            rules.check(title, text)


def opinion(ports, slug="biot", name=None, email=None):
    command = SubmitFeedback(
        theme="proprete",
        text="Les poubelles débordent.",
        name=name,
        email=email,
        consent=email is not None,
    )
    return feedback.submit_feedback(ports, slug, command).thread_id


def test_an_answer_from_a_template_greets_the_citizen_by_name():
    ports = memory_ports()
    thread_id = opinion(ports, name="Marie Curie", email="marie@citoyens.test")
    template = templates.save_template(ports, staff(), "Accusé de réception", TEXT)
    text = templates.answer_text(ports, staff(), thread_id, None, template.template_id)
    assert text.startswith("Bonjour Marie Curie,") and "(Propreté)" in text
    assert text.endswith("Agent, mairie de Biot")
    with pytest.raises(ValidationError):
        templates.answer_text(ports, staff(), thread_id, "Bonjour", template.template_id)
    with pytest.raises(NotFoundError):
        templates.answer_text(ports, staff(VALBONNE), thread_id, None, template.template_id)


def test_templates_belong_to_their_commune_and_to_staff_who_answer():
    ports = memory_ports()
    template = templates.save_template(ports, staff(), "Merci", "Merci {citoyen}.")
    with pytest.raises(ForbiddenError):
        templates.list_templates(ports, staff(role=Role.VIEWER))
    assert templates.list_templates(ports, staff(VALBONNE)) == []
    with pytest.raises(NotFoundError):
        templates.save_template(ports, staff(VALBONNE), "Volé", "Merci.", template.template_id)
    changed = templates.save_template(ports, staff(), "Merci !", "Merci.", template.template_id)
    assert [t.title for t in templates.list_templates(ports, staff())] == ["Merci !"]
    templates.delete_template(ports, staff(), changed.template_id)
    assert templates.list_templates(ports, staff()) == []
    with pytest.raises(NotFoundError):
        templates.delete_template(ports, staff(), changed.template_id)


def test_a_bulk_action_reports_each_thread_and_goes_on_after_a_failure():
    ports = memory_ports()
    settings.replace_services(ports, staff(role=Role.ADMIN), [Service("proprete", "Propreté")])
    mine = [opinion(ports) for _ in range(2)]
    theirs = opinion(ports, slug="valbonne")
    outcomes = bulk.apply(
        ports,
        staff(),
        BulkRequest((mine[0], theirs, mine[1], mine[0]), BulkAction.ASSIGN, service="proprete"),
    )
    assert [(o.thread_id, o.ok) for o in outcomes] == [
        (mine[0], True),
        (theirs, False),
        (mine[1], True),
    ]
    assert outcomes[1].error.code == "thread_not_found"
    assert {ports.threads.get(BIOT, t).service for t in mine} == {"proprete"}

    template = templates.save_template(ports, staff(), "Merci", "Merci {citoyen}, c'est noté.")
    answered = bulk.apply(
        ports,
        staff(),
        BulkRequest(tuple(mine), BulkAction.ANSWER, template_id=template.template_id),
    )
    assert all(o.ok for o in answered)
    for thread_id in mine:
        thread = ports.threads.get(BIOT, thread_id)
        assert thread.status is ThreadStatus.ANSWERED
        last = ports.threads.messages(BIOT, thread_id)[-1]
        assert (last.author, last.text, last.visibility) == (
            Author.COMMUNE,
            "Merci Madame, Monsieur, c'est noté.",
            Visibility.PRIVATE,
        )
    closed = bulk.apply(ports, staff(), BulkRequest(tuple(mine), BulkAction.CLOSE))
    assert all(o.ok for o in closed)
    assert {ports.threads.get(BIOT, t).status for t in mine} == {ThreadStatus.CLOSED}


@pytest.mark.parametrize(
    "wanted",
    [
        BulkRequest((), BulkAction.CLOSE),
        BulkRequest(tuple(f"t{n}" for n in range(101)), BulkAction.CLOSE),
        BulkRequest(("t",), BulkAction.ASSIGN),
        BulkRequest(("t",), BulkAction.ANSWER),
        BulkRequest(("t",), BulkAction.ANSWER, text="Bonjour", template_id="x"),
    ],
)
def test_a_bad_bulk_request_is_refused_whole(wanted):
    with pytest.raises(ValidationError):
        bulk.apply(memory_ports(), staff(), wanted)


def test_viewers_cannot_act_in_bulk():
    with pytest.raises(ForbiddenError):
        bulk.apply(memory_ports(), staff(role=Role.VIEWER), BulkRequest(("t",), BulkAction.CLOSE))


def test_a_public_answer_never_names_the_citizen():
    from chalicelib.analysis.local import LocalAnalyzer
    from chalicelib.analysis.pipeline import CompositeAnalyzer
    from chalicelib.ports import AnalysisJob
    from chalicelib.services import analysis, inbox, moderation

    ports = memory_ports()
    ports.analyzer = CompositeAnalyzer(LocalAnalyzer(), ports.corrections)
    thread_id = opinion(ports, name="Marie Curie", email="marie@citoyens.test")
    job = AnalysisJob(BIOT, thread_id, thread_id)
    analysis.record(ports, analysis.prepare(ports, [job])[job])
    template = templates.save_template(ports, staff(), "Merci", "Bonjour {citoyen}, merci.")
    text = templates.answer_text(ports, staff(), thread_id, None, template.template_id, True)
    assert text == "Bonjour Madame, Monsieur, merci."
    written = "Bonjour Marie Curie, écrivez-nous (marie@citoyens.test)."
    inbox.reply_to_thread(ports, staff(), thread_id, written, Visibility.PUBLIC)
    [shown] = moderation.published(ports, "biot", 5, None).items
    answer = shown.public_answers[0].text
    assert "Marie Curie" not in answer and "marie@citoyens.test" not in answer
    assert "[nom]" in answer


def test_a_template_of_another_commune_or_a_malformed_id_is_not_found():
    ports = memory_ports()
    template = templates.save_template(ports, staff(), "Merci", "Merci {citoyen}.")
    theirs = opinion(ports, slug="valbonne")
    with pytest.raises(NotFoundError):  # their own thread, our template
        templates.answer_text(ports, staff(VALBONNE), theirs, None, template.template_id)
    mine = opinion(ports)
    for odd in ("", "x", "../" * 9):
        with pytest.raises(NotFoundError):
            templates.answer_text(ports, staff(), mine, None, odd)
