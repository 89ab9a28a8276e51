"""A commune (the tenant): its public profile and the settings staff configure."""

import re
import unicodedata
from dataclasses import dataclass, field

from chalicelib.domain.ids import CommuneId


@dataclass(frozen=True)
class Theme:
    id: str
    label: str
    keywords: tuple[str, ...] = ()
    description: str = ""


# The theme of a thread that arrived without one (an e-mail, a social message): the
# analysis suggests one of the commune's themes, and staff can set it.
UNSORTED = "a-classer"
UNSORTED_LABEL = "À classer"


@dataclass(frozen=True)
class Quartier:
    id: str
    label: str


@dataclass(frozen=True)
class Service:
    """A department of the town hall that threads are routed to (voirie, état civil…)."""

    id: str
    label: str
    # A shared mailbox told of new threads routed to the service (optional).
    email: str = ""


@dataclass(frozen=True)
class RoutingRule:
    """Routes a new thread to `service` when it matches every criterion given (a theme OR
    another of `themes`, AND a quartier of `quartiers`, …); keywords match words of the
    text, case and accents ignored."""

    service: str
    themes: tuple[str, ...] = ()
    quartiers: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()

    def matches(self, theme: str, quartier: str | None, channel: str, text: str) -> bool:
        if self.themes and theme not in self.themes:
            return False
        if self.quartiers and quartier not in self.quartiers:
            return False
        if self.channels and channel not in self.channels:
            return False
        if not self.keywords:
            return True
        words = f" {' '.join(_WORD.findall(fold(text)))} "
        return any(f" {fold(keyword)} " in words for keyword in self.keywords)


_WORD = re.compile(r"\w+")


def fold(text: str) -> str:
    """Lower case without accents, words separated by single spaces ("Élagage" → "elagage")."""
    decomposed = unicodedata.normalize("NFD", text.lower())
    plain = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(_WORD.findall(plain))


@dataclass(frozen=True)
class CommuneSettings:
    # Opting out keeps every text on the commune's own infrastructure (local model only).
    comprehend_enabled: bool = True
    # Likewise for summaries: opting out keeps them extractive, written in the stack.
    bedrock_enabled: bool = True
    retention_days: int = 730
    # Opt-in: the public page shows volumes, answered share and time to answer per theme.
    public_indicators: bool = False
    # The answer commitment: citizens are answered within this many working days.
    answer_sla_days: int = 5
    # A negative opinion still unanswered after this many working days is escalated.
    escalation_days: int = 2
    # The commune's own websites (the embedded form) whose pages may call the public API.
    allowed_origins: tuple[str, ...] = ()
    # Agents too need two-factor sign-in for their actions and citizens' contact details
    # (admins always do; viewers, who see neither, never).
    agents_mfa_required: bool = False


@dataclass(frozen=True)
class Commune:
    commune_id: CommuneId
    slug: str
    name: str
    themes: tuple[Theme, ...] = ()
    quartiers: tuple[Quartier, ...] = ()
    settings: CommuneSettings = field(default_factory=CommuneSettings)
    services: tuple[Service, ...] = ()
    rules: tuple[RoutingRule, ...] = ()

    def route(self, theme: str, quartier: str | None, channel: str, text: str) -> str | None:
        """The service of the first rule the new thread matches, or None."""
        for rule in self.rules:
            if rule.matches(theme, quartier, channel, text):
                return rule.service
        return None

    def service(self, service_id: str) -> Service | None:
        return next((s for s in self.services if s.id == service_id), None)

    def theme(self, theme_id: str) -> Theme | None:
        return next((theme for theme in self.themes if theme.id == theme_id), None)

    def theme_label(self, theme_id: str) -> str:
        if theme_id == UNSORTED:
            return UNSORTED_LABEL
        theme = self.theme(theme_id)
        return theme.label if theme else theme_id

    def quartier(self, quartier_id: str) -> Quartier | None:
        return next((q for q in self.quartiers if q.id == quartier_id), None)


MAX_ALLOWED_ORIGINS = 20
_ORIGIN = re.compile(
    r"^(?:https://[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+"
    r"|http://(?:localhost|127\.0\.0\.1))(?::\d{1,5})?$"
)
_LOOPBACK = ("http://localhost", "http://127.0.0.1")


def normalise_origin(origin: str) -> str:
    """An origin as browsers send it in `Origin` (lower case, no trailing slash). Raises
    ValueError for anything but an https:// origin without path (http://localhost and
    http://127.0.0.1 too, for development)."""
    cleaned = origin.strip().lower().removesuffix("/")
    if not _ORIGIN.match(cleaned):
        raise ValueError(f"{origin!r} is not an https:// origin without path")
    return cleaned


def origin_allowed(origin: str, allowed: tuple[str, ...] | set[str]) -> bool:
    """Whether `origin` (from a request's Origin header) is one of `allowed`. A loopback
    entry without a port allows any port, as for native apps' redirects (RFC 8252 §7.3):
    development servers pick free ports."""
    if origin in allowed:
        return True
    host, _, port = origin.rpartition(":")
    return host in _LOOPBACK and port.isdigit() and host in allowed
