"""Admin routes for the inbox settings: services (departments) and routing rules."""

from __future__ import annotations

from chalice import Blueprint  # type: ignore[attr-defined]

from chalicelib import bootstrap
from chalicelib.api import schemas
from chalicelib.api.http import Operation, operation, parse_body, staff
from chalicelib.domain.commune import CommuneSettings, RoutingRule, Service
from chalicelib.domain.errors import ValidationError
from chalicelib.services import settings

settings_api = Blueprint(__name__)


def _services_view(items: tuple[Service, ...]) -> schemas.ServiceList:
    return schemas.ServiceList(
        items=[schemas.ServiceView(id=s.id, label=s.label, email=s.email or None) for s in items]
    )


def _rules_view(items: tuple[RoutingRule, ...]) -> schemas.RuleList:
    return schemas.RuleList(
        items=[
            schemas.RuleView(
                service=r.service,
                themes=list(r.themes),
                quartiers=list(r.quartiers),
                channels=list(r.channels),  # type: ignore[arg-type]
                keywords=list(r.keywords),
            )
            for r in items
        ]
    )


@operation(
    settings_api,
    Operation(
        "listServices",
        "GET",
        "/console/services",
        "The commune's services (departments)",
        "admin",
        schemas.ServiceList,
        staff=True,
    ),
)
def list_services() -> schemas.ServiceList:
    return _services_view(settings.services(bootstrap.ports(), staff()))


@operation(
    settings_api,
    Operation(
        "replaceServices",
        "PUT",
        "/console/services",
        "Replace the services (admins); one still used by a routing rule cannot go",
        "admin",
        schemas.ServiceList,
        body=schemas.ServiceList,
        staff=True,
        errors=(403, 422),
    ),
)
def replace_services() -> schemas.ServiceList:
    identity = staff()
    body = parse_body(schemas.ServiceList)
    wanted = [Service(s.id, s.label.strip(), (s.email or "").strip().lower()) for s in body.items]
    return _services_view(settings.replace_services(bootstrap.ports(), identity, wanted))


@operation(
    settings_api,
    Operation(
        "listRules",
        "GET",
        "/console/rules",
        "The routing rules, in the order they apply to new threads",
        "admin",
        schemas.RuleList,
        staff=True,
    ),
)
def list_rules() -> schemas.RuleList:
    return _rules_view(settings.rules(bootstrap.ports(), staff()))


@operation(
    settings_api,
    Operation(
        "replaceRules",
        "PUT",
        "/console/rules",
        "Replace the routing rules (admins): the first rule a new thread matches gives its service",
        "admin",
        schemas.RuleList,
        body=schemas.RuleList,
        staff=True,
        errors=(403, 422),
    ),
)
def replace_rules() -> schemas.RuleList:
    identity = staff()
    body = parse_body(schemas.RuleList)
    wanted = [
        RoutingRule(
            r.service,
            tuple(r.themes),
            tuple(r.quartiers),
            tuple(r.channels),
            tuple(k.strip() for k in r.keywords),
        )
        for r in body.items
    ]
    return _rules_view(settings.replace_rules(bootstrap.ports(), identity, wanted))


def _settings_view(settings: CommuneSettings) -> schemas.SettingsView:
    return schemas.SettingsView(
        answer_sla_days=settings.answer_sla_days,
        escalation_days=settings.escalation_days,
        retention_days=settings.retention_days,
        public_indicators=settings.public_indicators,
        comprehend_enabled=settings.comprehend_enabled,
        bedrock_enabled=settings.bedrock_enabled,
        allowed_origins=list(settings.allowed_origins),
        agents_mfa_required=settings.agents_mfa_required,
    )


@operation(
    settings_api,
    Operation(
        "getSettings",
        "GET",
        "/console/settings",
        "The commune's settings: answer deadline, escalation, retention, publication, AI use, "
        "websites allowed to call its public routes, agents' two-factor sign-in",
        "admin",
        schemas.SettingsView,
        staff=True,
    ),
)
def get_settings() -> schemas.SettingsView:
    return _settings_view(settings.commune_settings(bootstrap.ports(), staff()))


@operation(
    settings_api,
    Operation(
        "updateSettings",
        "PATCH",
        "/console/settings",
        "Change the commune's settings (admins); new deadlines apply to new messages",
        "admin",
        schemas.SettingsView,
        body=schemas.SettingsBody,
        staff=True,
        errors=(403, 422),
    ),
)
def update_settings() -> schemas.SettingsView:
    identity = staff()
    body = parse_body(schemas.SettingsBody)
    changes = {
        name: tuple(value) if isinstance(value, list) else value
        for name, value in body.model_dump(by_alias=False).items()
        if value is not None
    }
    if not changes:
        raise ValidationError("nothing to change", code="empty_change")
    return _settings_view(settings.change_settings(bootstrap.ports(), identity, changes))
