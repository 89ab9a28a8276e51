"""Consultations: admins ask a time-boxed question; citizens answer on the public page
(a choice and/or a text); text answers are verbatims analysed like any opinion."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta

from chalicelib.domain import indicators
from chalicelib.domain.activity import ActivityKind, audit
from chalicelib.domain.commune import Commune
from chalicelib.domain.consultations import Consultation
from chalicelib.domain.errors import ConflictError, NotFoundError, ValidationError
from chalicelib.domain.ids import CommuneId, is_id, new_id
from chalicelib.domain.staff import Role, StaffIdentity
from chalicelib.ports import Ports
from chalicelib.services import abuse, feedback, validation
from chalicelib.services.abuse import Submitter
from chalicelib.services.feedback import FeedbackReceipt, SubmitFeedback


@dataclass(frozen=True)
class Answer:
    choice: str | None
    text: str | None
    quartier: str | None
    voter: str


@dataclass(frozen=True)
class Results:
    consultation: Consultation
    choices: dict[str, int]
    sentiments: dict[str, int]
    key_phrases: list[tuple[str, int]]


def create(ports: Ports, staff: StaffIdentity, draft: Consultation) -> Consultation:
    """Admins only. The commune is the admin's, whatever `draft` says."""
    staff.require(Role.ADMIN)
    commune = ports.communes.get(staff.commune_id)
    validation.check_theme(commune, draft.theme)
    for quartier in draft.quartiers:
        validation.check_quartier(commune, quartier)
    consultation = replace(
        draft,
        commune_id=staff.commune_id,
        consultation_id=new_id(),
        created_by=staff.email,
        created_at=ports.clock(),
    )
    ports.consultations.save(consultation)
    audit(
        ports.activity,
        staff.commune_id,
        ports.clock(),
        ActivityKind.CONSULTATION_CREATED,
        staff.email,
        consultation=consultation.consultation_id,
    )
    return consultation


def list_for_staff(ports: Ports, staff: StaffIdentity) -> list[Consultation]:
    staff.require(Role.VIEWER)
    return ports.consultations.list(staff.commune_id)


def open_consultations(ports: Ports, slug: str, today: date) -> list[Consultation]:
    return open_in(ports, validation.find_commune(ports, slug), today)


def open_in(ports: Ports, commune: Commune, today: date) -> list[Consultation]:
    return [c for c in ports.consultations.list(commune.commune_id) if c.is_open(today)]


def answer(
    ports: Ports,
    slug: str,
    consultation_id: str,
    given: Answer,
    today: date,
    submitter: Submitter | None = None,
) -> FeedbackReceipt | None:
    """Counts the choice and, for a text, opens a thread like an opinion (its receipt is
    returned). One answer per consultation per browser, and a capped number per client
    address (a script changes browser tokens at will). Raises ConflictError when the
    consultation is closed or this browser already answered, VotesCappedError (429) past
    the address's cap."""
    commune = validation.find_commune(ports, slug)
    consultation = _get(ports, commune.commune_id, consultation_id)
    if not consultation.is_open(today):
        raise ConflictError("this consultation is not open", code="consultation_closed")
    if given.choice is None and not (given.text or "").strip():
        raise ValidationError("answer with a choice, a text or both", code="empty_answer")
    counters = []
    if given.choice is not None:
        if given.choice not in consultation.choices:
            raise ValidationError("not one of the choices", code="invalid_choice")
        index = consultation.choices.index(given.choice)
        counters = indicators.consultation_choice(today.isoformat(), consultation_id, index)
    text = validation.clean_text(given.text) if given.text else None
    validation.check_quartier(commune, given.quartier)
    voter_hash = validation.voter_hash(commune, given.voter)
    abuse.cap_answers(
        ports, commune.commune_id, submitter or Submitter(), consultation_id, consultation.closes_on
    )
    spread = [replace(increment, spread=voter_hash) for increment in counters]
    key = f"consultation#{consultation_id}#{voter_hash}"
    if not ports.indicators.record_vote(commune.commune_id, key, spread):
        raise ConflictError("this browser already answered", code="already_answered")
    if text is None:
        return None
    command = SubmitFeedback(theme=consultation.theme, text=text, quartier=given.quartier)
    return feedback.submit_feedback(ports, slug, command, consultation_id=consultation_id)


def _get(ports: Ports, commune_id: CommuneId, consultation_id: str) -> Consultation:
    if not is_id(consultation_id):
        raise NotFoundError("unknown consultation", code="consultation_not_found")
    return ports.consultations.get(commune_id, consultation_id)


def results(ports: Ports, staff: StaffIdentity, consultation_id: str, today: date) -> Results:
    staff.require(Role.VIEWER)
    consultation = _get(ports, staff.commune_id, consultation_id)
    last = min(consultation.closes_on, today)
    count = max(0, min((last - consultation.opens_on).days + 1, 366))
    days = [(consultation.opens_on + timedelta(days=n)).isoformat() for n in range(count)]
    counts = ports.indicators.counts(staff.commune_id, days)
    totals = indicators.consultation_totals((counts[day] for day in days), consultation_id)
    return Results(
        consultation=consultation,
        choices={choice: totals.choices[n] for n, choice in enumerate(consultation.choices)},
        sentiments=dict(totals.sentiments),
        key_phrases=totals.key_phrases.most_common(10),
    )
