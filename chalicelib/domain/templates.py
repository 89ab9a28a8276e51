"""Canned answers: the commune's ready-made replies, with variables filled in per thread.

Variables are written in braces — `{citoyen}`, `{commune}`, `{theme}`, `{agent}` — so that a
staff member reads the template as the citizen will. An unknown variable is refused when
the template is saved, never discovered by a citizen.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from chalicelib.domain.errors import ValidationError
from chalicelib.domain.ids import CommuneId

VARIABLES = {
    "citoyen": "the citizen's name, or « Madame, Monsieur » when unknown",
    "commune": "the commune's name",
    "theme": "the thread's theme label",
    "agent": "the answering agent's name (their e-mail's local part)",
}
# How an answer greets a citizen whose name is unknown.
UNNAMED = "Madame, Monsieur"
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
MAX_TEMPLATES = 200


@dataclass(frozen=True)
class Template:
    commune_id: CommuneId
    template_id: str
    title: str
    text: str
    updated_by: str
    updated_at: datetime


def check(title: str, text: str) -> tuple[str, str]:
    """The cleaned title and text; raises ValidationError for an empty or over-long one, or
    a variable this module does not know."""
    title, text = title.strip(), text.strip()
    if not 1 <= len(title) <= 120:
        raise ValidationError("a title has 1–120 characters", code="invalid_template")
    if not 3 <= len(text) <= 5000:
        raise ValidationError("a text has 3–5,000 characters", code="invalid_template")
    unknown = sorted({name for name in _PLACEHOLDER.findall(text) if name not in VARIABLES})
    if unknown:
        known = ", ".join(f"{{{name}}}" for name in VARIABLES)
        raise ValidationError(
            f"unknown variable {{{unknown[0]}}}: use {known}", code="unknown_variable"
        )
    return title, text


@dataclass(frozen=True)
class Values:
    citizen_name: str
    commune_name: str
    theme_label: str
    agent_email: str


def render(text: str, values: Values) -> str:
    """The template's text for one thread."""
    agent = values.agent_email.partition("@")[0].replace(".", " ").title()
    filled = {
        "citoyen": values.citizen_name.strip() or UNNAMED,
        "commune": values.commune_name,
        "theme": values.theme_label,
        "agent": agent,
    }
    return _PLACEHOLDER.sub(lambda match: filled.get(match.group(1), match.group(0)), text)
