"""Admin settings: the commune's themes and quartiers, its services (departments) and the
routing rules that send new threads to them. Each change is recorded in the audit log."""

from __future__ import annotations

import re
from dataclasses import replace

from chalicelib.domain import activity, sla
from chalicelib.domain.activity import ActivityKind
from chalicelib.domain.commune import (
    MAX_ALLOWED_ORIGINS,
    UNSORTED,
    Commune,
    CommuneSettings,
    Quartier,
    RoutingRule,
    Service,
    Theme,
    normalise_origin,
)
from chalicelib.domain.errors import ValidationError
from chalicelib.domain.staff import Role, StaffIdentity
from chalicelib.domain.threads import Channel
from chalicelib.ports import Ports
from chalicelib.services import staff_access, validation

MAX_THEMES = 30
MAX_QUARTIERS = 100
MAX_SERVICES = 50
MAX_RULES = 100
MAX_ORIGIN_LENGTH = 300
_SERVICE_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")


def services(ports: Ports, staff: StaffIdentity) -> tuple[Service, ...]:
    staff.require(Role.VIEWER)
    return ports.communes.get(staff.commune_id).services


def rules(ports: Ports, staff: StaffIdentity) -> tuple[RoutingRule, ...]:
    staff.require(Role.VIEWER)
    return ports.communes.get(staff.commune_id).rules


def replace_services(
    ports: Ports, staff: StaffIdentity, wanted: list[Service]
) -> tuple[Service, ...]:
    """Replaces the list. A service a routing rule still sends threads to cannot go."""
    staff.require(Role.ADMIN)
    commune = ports.communes.get(staff.commune_id)
    if len(wanted) > MAX_SERVICES:
        raise ValidationError(f"at most {MAX_SERVICES} services", code="invalid_services")
    ids = [service.id for service in wanted]
    for service in wanted:
        _check_service(service)
    if len(set(ids)) != len(ids):
        raise ValidationError("service ids must be unique", code="invalid_services")
    routed = {rule.service for rule in commune.rules} - set(ids)
    if routed:
        raise ValidationError(
            f"routing rules still send threads to {sorted(routed)[0]!r}", code="service_in_use"
        )
    _save(ports, staff, replace(commune, services=tuple(wanted)), "services")
    return tuple(wanted)


def commune(ports: Ports, staff: StaffIdentity) -> Commune:
    staff.require(Role.VIEWER)
    return ports.communes.get(staff.commune_id)


def replace_themes(ports: Ports, staff: StaffIdentity, wanted: list[Theme]) -> tuple[Theme, ...]:
    """Replaces the themes citizens choose from. Threads keep their theme id; a theme a
    routing rule uses cannot go."""
    staff.require(Role.ADMIN)
    current = ports.communes.get(staff.commune_id)
    if not 1 <= len(wanted) <= MAX_THEMES:
        raise ValidationError(f"1–{MAX_THEMES} themes", code="invalid_themes")
    for theme in wanted:
        _check_label(theme.id, theme.label, "invalid_themes")
        if theme.id == UNSORTED:
            raise ValidationError(f"{UNSORTED!r} is reserved", code="invalid_themes")
        if len(theme.keywords) > 30 or any(not 2 <= len(k) <= 40 for k in theme.keywords):
            raise ValidationError("up to 30 keywords of 2–40 characters", code="invalid_themes")
        if len(theme.description) > 300:
            raise ValidationError("a description has ≤ 300 characters", code="invalid_themes")
    _unique([theme.id for theme in wanted], "invalid_themes")
    used = {t for rule in current.rules for t in rule.themes} - {t.id for t in wanted}
    if used:
        raise ValidationError(
            f"routing rules still use the theme {sorted(used)[0]!r}", code="theme_in_use"
        )
    _save(ports, staff, replace(current, themes=tuple(wanted)), "themes")
    return tuple(wanted)


def replace_quartiers(
    ports: Ports, staff: StaffIdentity, wanted: list[Quartier]
) -> tuple[Quartier, ...]:
    staff.require(Role.ADMIN)
    current = ports.communes.get(staff.commune_id)
    if len(wanted) > MAX_QUARTIERS:
        raise ValidationError(f"at most {MAX_QUARTIERS} quartiers", code="invalid_quartiers")
    for quartier in wanted:
        _check_label(quartier.id, quartier.label, "invalid_quartiers")
    _unique([quartier.id for quartier in wanted], "invalid_quartiers")
    used = {q for rule in current.rules for q in rule.quartiers} - {q.id for q in wanted}
    if used:
        raise ValidationError(
            f"routing rules still use the quartier {sorted(used)[0]!r}", code="quartier_in_use"
        )
    _save(ports, staff, replace(current, quartiers=tuple(wanted)), "quartiers")
    return tuple(wanted)


_LABELLED_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")


def _check_label(item_id: str, label: str, code: str) -> None:
    if not _LABELLED_ID.match(item_id):
        raise ValidationError("an id has 1–64 lower-case letters, digits or dashes", code=code)
    if not label.strip() or len(label) > 80:
        raise ValidationError("a label has 1–80 characters", code=code)


def _unique(ids: list[str], code: str) -> None:
    if len(set(ids)) != len(ids):
        raise ValidationError("ids must be unique", code=code)


def replace_rules(
    ports: Ports, staff: StaffIdentity, wanted: list[RoutingRule]
) -> tuple[RoutingRule, ...]:
    """Replaces the rules; they apply in order to each new thread, the first match wins."""
    staff.require(Role.ADMIN)
    commune = ports.communes.get(staff.commune_id)
    if len(wanted) > MAX_RULES:
        raise ValidationError(f"at most {MAX_RULES} rules", code="invalid_rules")
    for rule in wanted:
        _check_rule(commune, rule)
    _save(ports, staff, replace(commune, rules=tuple(wanted)), "rules")
    return tuple(wanted)


def _check_service(service: Service) -> None:
    if not _SERVICE_ID.match(service.id):
        raise ValidationError(
            "a service id has 1–40 lower-case letters, digits or dashes", code="invalid_services"
        )
    if not service.label.strip() or len(service.label) > 100:
        raise ValidationError("a service needs a label (≤ 100 characters)", code="invalid_services")
    if service.email:
        validation.check_email(service.email)


def _check_rule(commune: Commune, rule: RoutingRule) -> None:
    if commune.service(rule.service) is None:
        raise ValidationError(f"unknown service {rule.service!r}", code="unknown_service")
    if not (rule.themes or rule.quartiers or rule.channels or rule.keywords):
        raise ValidationError("a rule needs at least one criterion", code="invalid_rules")
    for theme in rule.themes:
        validation.check_theme(commune, theme)
    for quartier in rule.quartiers:
        validation.check_quartier(commune, quartier)
    known = {channel.value for channel in Channel}
    if not set(rule.channels) <= known:
        raise ValidationError(f"channels are among {sorted(known)}", code="invalid_rules")
    if any(not 2 <= len(keyword.strip()) <= 60 for keyword in rule.keywords):
        raise ValidationError("a keyword has 2–60 characters", code="invalid_rules")


def _save(ports: Ports, staff: StaffIdentity, commune: Commune, what: str) -> None:
    ports.communes.save(commune)
    entry = activity.record(
        staff.commune_id, ports.clock(), ActivityKind.SETTINGS_CHANGED, staff.email, setting=what
    )
    ports.activity.append([entry])
    ports.events.publish([entry])


def commune_settings(ports: Ports, staff: StaffIdentity) -> CommuneSettings:
    staff.require(Role.VIEWER)
    return ports.communes.get(staff.commune_id).settings


def change_settings(
    ports: Ports, staff: StaffIdentity, changes: dict[str, int | bool | tuple[str, ...]]
) -> CommuneSettings:
    """Changes the commune's settings (admins): answer deadline, escalation delay,
    retention, public indicators, Comprehend, Bedrock, the websites allowed to call the public
    routes (normalised as browsers send them), agents' two-factor sign-in. New deadlines
    apply to new messages."""
    staff.require(Role.ADMIN)
    commune = ports.communes.get(staff.commune_id)
    if "allowed_origins" in changes:
        origins = changes["allowed_origins"]
        changes = {**changes, "allowed_origins": _checked_origins(origins)}  # type: ignore[arg-type]
    wanted = replace(commune.settings, **changes)  # type: ignore[arg-type]
    _check_settings(wanted)
    _save(ports, staff, replace(commune, settings=wanted), "settings")
    if wanted.agents_mfa_required != commune.settings.agents_mfa_required:
        # This container applies the new rule at once; the others within the period
        # they keep a member's standing (CONCERTO_STAFF_STANDING_SECONDS).
        staff_access.forget()
    return wanted


def _check_settings(settings: CommuneSettings) -> None:
    if not 1 <= settings.answer_sla_days <= sla.MAX_SLA_DAYS:
        raise ValidationError(
            f"answerSlaDays is 1 to {sla.MAX_SLA_DAYS} working days", code="invalid_settings"
        )
    if not 1 <= settings.escalation_days <= settings.answer_sla_days:
        raise ValidationError(
            "escalationDays is 1 working day to answerSlaDays", code="invalid_settings"
        )
    if not 30 <= settings.retention_days <= 3650:
        raise ValidationError("retentionDays is 30 to 3,650 days", code="invalid_settings")


def _checked_origins(origins: tuple[str, ...]) -> tuple[str, ...]:
    if len(origins) > MAX_ALLOWED_ORIGINS:
        raise ValidationError(
            f"at most {MAX_ALLOWED_ORIGINS} allowed origins", code="invalid_settings"
        )
    return tuple(dict.fromkeys(_checked_origin(origin) for origin in origins))


def _checked_origin(origin: str) -> str:
    try:
        if len(origin) > MAX_ORIGIN_LENGTH:
            raise ValueError("too long")
        return normalise_origin(origin)
    except ValueError as error:
        raise ValidationError(
            f"allowedOrigins: {origin[:100]!r} is not an https:// origin without path "
            "(http://localhost and http://127.0.0.1 are allowed for development)",
            code="invalid_origin",
        ) from error
