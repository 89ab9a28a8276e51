"""Consultations: created by admins, answered by citizens, results from the counters."""

from datetime import UTC, date, datetime

import pytest

from chalicelib.domain.abuse import VotesCappedError
from chalicelib.domain.consultations import Consultation
from chalicelib.domain.errors import ConflictError, ForbiddenError, NotFoundError, ValidationError
from chalicelib.domain.staff import Role
from chalicelib.services import analysis, consultations
from chalicelib.services.abuse import Submitter
from chalicelib.services.consultations import Answer
from tests.fakes import BIOT, TEST_SEAL_KEY, VALBONNE, Clock, memory_ports, staff

pytestmark = pytest.mark.unit

TODAY = date(2026, 12, 2)


def draft(**changes):
    fields = dict(
        commune_id=VALBONNE,
        consultation_id="",
        title="Place du village",
        question="Quel usage pour la place le dimanche ?",
        theme="voirie",
        opens_on=date(2026, 12, 1),
        closes_on=date(2026, 12, 31),
        choices=("Marché", "Piétonne"),
        quartiers=("village",),
    )
    return Consultation(**{**fields, **changes})


def voter(n: int) -> str:
    return f"browser-token-{n:08}"


def test_an_admin_creates_a_consultation_for_their_own_commune_only():
    ports = memory_ports()
    created = consultations.create(ports, staff(BIOT, Role.ADMIN), draft())
    assert created.commune_id == BIOT and created.created_by == "admin@example.org"
    assert [c.consultation_id for c in consultations.open_consultations(ports, "biot", TODAY)] == [
        created.consultation_id
    ]
    assert consultations.open_consultations(ports, "valbonne", TODAY) == []
    with pytest.raises(ForbiddenError):
        consultations.create(ports, staff(BIOT, Role.AGENT), draft())
    with pytest.raises(ValidationError):
        consultations.create(ports, staff(BIOT, Role.ADMIN), draft(theme="fiscalite"))
    with pytest.raises(ValidationError):
        draft(closes_on=date(2026, 11, 1))
    with pytest.raises(ValidationError):
        draft(choices=("Oui", "Oui"))


def test_answers_count_once_per_browser_and_texts_are_analysed_verbatims():
    ports = memory_ports(Clock(datetime(2026, 12, 2, 9, 0, tzinfo=UTC)))
    consultation = consultations.create(ports, staff(BIOT, Role.ADMIN), draft())
    cid = consultation.consultation_id
    consultations.answer(ports, "biot", cid, Answer("Piétonne", None, None, voter(1)), TODAY)
    receipt = consultations.answer(
        ports,
        "biot",
        cid,
        Answer("Piétonne", "Enfin une place sans voitures, bravo !", "village", voter(2)),
        TODAY,
    )
    consultations.answer(ports, "biot", cid, Answer("Marché", None, None, voter(3)), TODAY)
    with pytest.raises(ConflictError):
        consultations.answer(ports, "biot", cid, Answer("Marché", None, None, voter(1)), TODAY)

    thread = ports.threads.get(BIOT, receipt.thread_id)
    assert (thread.consultation_id, thread.theme, thread.quartier) == (cid, "voirie", "village")
    [job] = ports.analysis_queue.jobs
    analysis.record(ports, analysis.prepare(ports, [job])[job])

    results = consultations.results(ports, staff(BIOT, Role.VIEWER), cid, TODAY)
    assert results.choices == {"Marché": 1, "Piétonne": 2}
    assert sum(results.sentiments.values()) == 1
    assert results.key_phrases


def test_closed_unknown_and_invalid_answers_are_refused():
    ports = memory_ports()
    cid = consultations.create(ports, staff(BIOT, Role.ADMIN), draft()).consultation_id
    with pytest.raises(ConflictError):
        consultations.answer(
            ports, "biot", cid, Answer("Marché", None, None, voter(1)), date(2027, 1, 1)
        )
    with pytest.raises(ValidationError):
        consultations.answer(ports, "biot", cid, Answer("Parking", None, None, voter(1)), TODAY)
    with pytest.raises(ValidationError):
        consultations.answer(ports, "biot", cid, Answer(None, "  ", None, voter(1)), TODAY)
    with pytest.raises(NotFoundError):
        consultations.answer(ports, "valbonne", cid, Answer("Marché", None, None, voter(1)), TODAY)
    with pytest.raises(NotFoundError):
        consultations.results(ports, staff(VALBONNE), cid, TODAY)
    with pytest.raises(NotFoundError):
        consultations.results(ports, staff(BIOT), "x" * 3000, TODAY)


def test_one_address_gives_at_most_its_answers_to_a_consultation(monkeypatch):
    monkeypatch.setenv("CONCERTO_SEAL_KEY", TEST_SEAL_KEY)
    monkeypatch.setenv("CONCERTO_CONSULTATION_ANSWERS_PER_ADDRESS", "2")
    ports = memory_ports(Clock(datetime(2026, 12, 2, 9, 0, tzinfo=UTC)))
    first = consultations.create(ports, staff(BIOT, Role.ADMIN), draft())
    other = consultations.create(ports, staff(BIOT, Role.ADMIN), draft(title="Autre place"))
    box = Submitter("203.0.113.7")
    for n in range(2):
        given = Answer("Marché", None, None, voter(n))
        consultations.answer(ports, "biot", first.consultation_id, given, TODAY, box)
    with pytest.raises(VotesCappedError) as refused:
        given = Answer("Piétonne", None, None, voter(9))
        consultations.answer(ports, "biot", first.consultation_id, given, TODAY, box)
    assert (refused.value.code, refused.value.retry_after) == ("votes_capped", None)
    results = consultations.results(ports, staff(BIOT, Role.VIEWER), first.consultation_id, TODAY)
    assert results.choices == {"Marché": 2, "Piétonne": 0}
    # Per consultation, per address.
    given = Answer("Piétonne", None, None, voter(9))
    consultations.answer(ports, "biot", other.consultation_id, given, TODAY, box)
    consultations.answer(
        ports, "biot", first.consultation_id, given, TODAY, Submitter("198.51.100.4")
    )
