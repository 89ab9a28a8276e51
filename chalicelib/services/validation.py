"""Rules on citizen input shared by every use case that accepts text from a citizen."""

import hashlib
import re

from chalicelib.domain.commune import UNSORTED, Commune
from chalicelib.domain.errors import NotFoundError, ValidationError
from chalicelib.domain.ids import is_id
from chalicelib.ports import Ports

TEXT_MIN = 3
TEXT_MAX = 5000
NAME_MAX = 100
_SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62})$")
_EMAIL = re.compile(r"^[^@\s<>\"]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}\.)+[A-Za-z]{2,63}$")


def clean_text(text: str) -> str:
    """The text stripped of surrounding blanks. Raises ValidationError outside 3–5,000 chars."""
    cleaned = text.strip()
    if len(cleaned) < TEXT_MIN:
        raise ValidationError(
            f"text must have at least {TEXT_MIN} characters", code="text_too_short"
        )
    if len(cleaned) > TEXT_MAX:
        raise ValidationError(f"text must have at most {TEXT_MAX} characters", code="text_too_long")
    return cleaned


def consent_error() -> ValidationError:
    return ValidationError(
        "an email is kept only with the citizen's consent (consent: true)",
        code="consent_required",
    )


def find_commune(ports: Ports, slug: str) -> Commune:
    """The commune behind a public slug. Raises NotFoundError, also for a malformed slug
    (which could not be a key anyway)."""
    if not _SLUG.match(slug):
        raise NotFoundError("unknown commune", code="commune_not_found")
    return ports.communes.get_by_slug(slug)


def check_thread_id(thread_id: str) -> str:
    """Raises NotFoundError for anything that is not one of our ids."""
    if not is_id(thread_id):
        raise NotFoundError("unknown thread", code="thread_not_found")
    return thread_id


def voter_hash(commune: Commune, voter: str) -> str:
    """The anonymous key of a browser's vote: a hash of the random token the page keeps,
    salted with the commune. Raises ValidationError for anything but such a token."""
    if not 16 <= len(voter) <= 128 or not voter.isprintable():
        raise ValidationError(
            "voter must be a random token of 16–128 characters", code="invalid_voter"
        )
    return hashlib.sha256(f"{commune.commune_id}|{voter}".encode()).hexdigest()


def check_theme(commune: Commune, theme: str) -> str:
    """A theme of the commune, or UNSORTED (the analysis then suggests one)."""
    if theme != UNSORTED and commune.theme(theme) is None:
        raise ValidationError(f"unknown theme {theme!r} for {commune.name}", code="unknown_theme")
    return theme


def check_quartier(commune: Commune, quartier: str | None) -> str | None:
    if quartier is not None and commune.quartier(quartier) is None:
        raise ValidationError(
            f"unknown quartier {quartier!r} for {commune.name}", code="unknown_quartier"
        )
    return quartier


def check_email(email: str) -> str:
    cleaned = email.strip().lower()
    if len(cleaned) > 254 or not _EMAIL.match(cleaned):
        raise ValidationError("not a valid email address", code="invalid_email")
    return cleaned


def check_limit(limit: int, maximum: int) -> int:
    """A page size between 1 and `maximum`; ValidationError otherwise."""
    if not 1 <= limit <= maximum:
        raise ValidationError(f"limit must be between 1 and {maximum}", code="invalid_limit")
    return limit
