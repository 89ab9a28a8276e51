"""Services, routing rules applied at ingest, tags and internal notes."""

from __future__ import annotations

import pytest

from chalicelib.domain.activity import ActivityKind
from chalicelib.domain.commune import RoutingRule, Service
from chalicelib.domain.errors import ForbiddenError, ValidationError
from chalicelib.domain.staff import Role
from chalicelib.domain.threads import Author, ThreadChanges, ThreadFilter, tags_of
from chalicelib.services import feedback, inbox, settings
from chalicelib.services.feedback import SubmitFeedback
from tests.fakes import BIOT, VALBONNE, memory_ports, staff

ADMIN = staff(role=Role.ADMIN)
SERVICES = [
    Service("voirie", "Voirie et espaces verts", "voirie@mairie-biot.fr"),
    Service("proprete", "Propreté urbaine"),
]


def configured():
    ports = memory_ports()
    settings.replace_services(ports, ADMIN, SERVICES)
    settings.replace_rules(
        ports,
        ADMIN,
        [
            RoutingRule("proprete", keywords=("dépôt sauvage", "encombrants")),
            RoutingRule("voirie", themes=("voirie",), quartiers=("village",)),
            RoutingRule("voirie", channels=("email",), themes=("voirie",)),
        ],
    )
    return ports


def submit(ports, theme, text, quartier=None):
    receipt = feedback.submit_feedback(
        ports, "biot", SubmitFeedback(theme=theme, text=text, quartier=quartier)
    )
    return ports.threads.get(BIOT, receipt.thread_id)


@pytest.mark.parametrize(
    ("theme", "text", "quartier", "service"),
    [
        ("voirie", "Un DEPOT SAUVAGE bloque le trottoir.", "village", "proprete"),  # first rule
        ("voirie", "Le trottoir est défoncé.", "village", "voirie"),
        ("voirie", "Le trottoir est défoncé.", "la-brague", None),  # web, not the village
        ("proprete", "Les corbeilles débordent.", "village", None),
    ],
)
def test_new_threads_are_routed_by_the_first_matching_rule(theme, text, quartier, service):
    ports = configured()
    assert submit(ports, theme, text, quartier).service == service


def test_staff_move_a_thread_to_a_service_tag_it_and_find_it_by_both():
    ports = configured()
    thread = submit(ports, "proprete", "Les corbeilles débordent.")
    changes = ThreadChanges(service="voirie", tags=tags_of(["  Urgent ", "élagage", "urgent"]))
    updated = inbox.update_thread(ports, staff(), thread.thread_id, changes)
    assert (updated.service, updated.tags) == ("voirie", ("urgent", "élagage"))
    page = ports.threads.list_page(BIOT, ThreadFilter(service="voirie", tag="urgent"), 10, None)
    assert [t.thread_id for t in page.items] == [thread.thread_id]
    entry = ports.activity.after(BIOT, None, 1)[0]
    assert entry.details["service"] == "voirie" and entry.details["serviceBefore"] is None
    assert entry.details["tags"] == "urgent,élagage"
    removed = inbox.update_thread(ports, staff(), thread.thread_id, ThreadChanges(service=""))
    assert removed.service is None
    with pytest.raises(ValidationError) as unknown:
        inbox.update_thread(ports, staff(), thread.thread_id, ThreadChanges(service="fusees"))
    assert unknown.value.code == "unknown_service"


@pytest.mark.parametrize("tags", [["x" * 31], ["a;b"], [""], [f"t{n}" for n in range(11)]])
def test_odd_tags_are_refused(tags):
    with pytest.raises(ValidationError):
        tags_of(tags)


def test_settings_are_for_admins_checked_and_audited():
    ports = memory_ports()
    with pytest.raises(ForbiddenError):
        settings.replace_services(ports, staff(), SERVICES)
    settings.replace_services(ports, ADMIN, SERVICES)
    assert settings.services(ports, staff(role=Role.VIEWER)) == tuple(SERVICES)
    assert settings.services(ports, staff(VALBONNE, Role.VIEWER)) == ()
    settings.replace_rules(ports, ADMIN, [RoutingRule("voirie", themes=("voirie",))])
    with pytest.raises(ValidationError) as in_use:
        settings.replace_services(ports, ADMIN, SERVICES[1:])
    assert in_use.value.code == "service_in_use"
    for bad, code in [
        ([RoutingRule("inconnu", themes=("voirie",))], "unknown_service"),
        ([RoutingRule("voirie")], "invalid_rules"),
        ([RoutingRule("voirie", themes=("fusees",))], "unknown_theme"),
        ([RoutingRule("voirie", channels=("pigeon",))], "invalid_rules"),
    ]:
        with pytest.raises(ValidationError) as refused:
            settings.replace_rules(ports, ADMIN, bad)
        assert refused.value.code == code
    for bad in ([Service("Voirie!", "x")], [Service("a", " ")], SERVICES + SERVICES[:1]):
        with pytest.raises(ValidationError):
            settings.replace_services(ports, ADMIN, bad)
    kinds = [(e.kind, e.details["setting"]) for e in ports.activity.after(BIOT, None, 10)]
    assert kinds == [
        (ActivityKind.SETTINGS_CHANGED, "services"),
        (ActivityKind.SETTINGS_CHANGED, "rules"),
    ]


def test_a_note_stays_between_staff():
    ports = memory_ports()
    receipt = feedback.submit_feedback(
        ports, "biot", SubmitFeedback(theme="proprete", text="Les poubelles débordent.")
    )
    before = ports.threads.get(BIOT, receipt.thread_id)
    note = inbox.add_note(ports, staff(), receipt.thread_id, "Vu avec la DST, lundi.")
    after = ports.threads.get(BIOT, receipt.thread_id)
    assert note.author is Author.NOTE and note.staff_email == "agent@example.org"
    assert (after.status, after.due_at) == (before.status, before.due_at)
    staff_view = inbox.get_thread(ports, staff(role=Role.VIEWER), receipt.thread_id)
    assert note.message_id in [m.message_id for m in staff_view.messages]
    citizen_view = feedback.get_follow_up(ports, receipt.followup_token)
    assert [m.author for m in citizen_view.messages] == [Author.CITIZEN]
    with pytest.raises(ForbiddenError):
        inbox.add_note(ports, staff(role=Role.VIEWER), receipt.thread_id, "Vu.")
