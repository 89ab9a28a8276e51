"""Consultations (concertations): time-boxed questions a commune asks its citizens."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from chalicelib.domain.errors import ValidationError
from chalicelib.domain.ids import CommuneId

MAX_CHOICES = 10


@dataclass(frozen=True)
class Consultation:
    commune_id: CommuneId
    consultation_id: str
    title: str
    question: str
    theme: str
    opens_on: date
    closes_on: date
    choices: tuple[str, ...] = ()
    quartiers: tuple[str, ...] = ()
    created_by: str = ""
    created_at: datetime | None = None

    def __post_init__(self) -> None:
        if not 3 <= len(self.title.strip()) <= 200:
            raise ValidationError("a title has 3–200 characters", code="invalid_title")
        if not 3 <= len(self.question.strip()) <= 1000:
            raise ValidationError("a question has 3–1,000 characters", code="invalid_question")
        if self.closes_on < self.opens_on:
            raise ValidationError("a consultation closes after it opens", code="invalid_dates")
        if len(self.choices) > MAX_CHOICES or len(set(self.choices)) != len(self.choices):
            raise ValidationError(f"up to {MAX_CHOICES} distinct choices", code="invalid_choices")
        if any(not 1 <= len(choice.strip()) <= 100 for choice in self.choices):
            raise ValidationError("a choice has 1–100 characters", code="invalid_choices")

    def is_open(self, today: date) -> bool:
        return self.opens_on <= today <= self.closes_on
