"""Staff routes for canned answers."""

from __future__ import annotations

from chalice import Blueprint, Response  # type: ignore[attr-defined]

from chalicelib import bootstrap
from chalicelib.api import schemas
from chalicelib.api.http import Operation, operation, parse_body, staff
from chalicelib.domain import templates as rules
from chalicelib.domain.errors import NotFoundError
from chalicelib.domain.ids import is_id
from chalicelib.domain.templates import Template
from chalicelib.services import templates

templates_api = Blueprint(__name__)


def template_view(template: Template) -> schemas.TemplateView:
    return schemas.TemplateView(
        id=template.template_id,
        title=template.title,
        text=template.text,
        updated_by=template.updated_by,
        updated_at=template.updated_at,
    )


def _checked(template_id: str) -> str:
    if not is_id(template_id):
        raise NotFoundError("unknown template", code="template_not_found")
    return template_id


@operation(
    templates_api,
    Operation(
        "listTemplates",
        "GET",
        "/console/templates",
        "The commune's canned answers, and the variables they may use",
        "console",
        schemas.TemplateList,
        staff=True,
        errors=(403,),
    ),
)
def list_templates() -> schemas.TemplateList:
    found = templates.list_templates(bootstrap.ports(), staff())
    return schemas.TemplateList(
        items=[template_view(t) for t in found], variables=dict(rules.VARIABLES)
    )


@operation(
    templates_api,
    Operation(
        "createTemplate",
        "POST",
        "/console/templates",
        "Add a canned answer (agents and admins)",
        "console",
        schemas.TemplateView,
        status=201,
        body=schemas.TemplateBody,
        staff=True,
        errors=(403, 422),
    ),
)
def create_template() -> schemas.TemplateView:
    identity = staff()
    body = parse_body(schemas.TemplateBody)
    saved = templates.save_template(bootstrap.ports(), identity, body.title, body.text)
    return template_view(saved)


@operation(
    templates_api,
    Operation(
        "replaceTemplate",
        "PUT",
        "/console/templates/{template_id}",
        "Change a canned answer",
        "console",
        schemas.TemplateView,
        body=schemas.TemplateBody,
        staff=True,
        errors=(403, 404, 422),
    ),
)
def replace_template(template_id: str) -> schemas.TemplateView:
    identity = staff()
    body = parse_body(schemas.TemplateBody)
    saved = templates.save_template(
        bootstrap.ports(), identity, body.title, body.text, _checked(template_id)
    )
    return template_view(saved)


@operation(
    templates_api,
    Operation(
        "deleteTemplate",
        "DELETE",
        "/console/templates/{template_id}",
        "Remove a canned answer",
        "console",
        None,
        status=204,
        staff=True,
        errors=(403, 404),
    ),
)
def delete_template(template_id: str) -> Response:
    templates.delete_template(bootstrap.ports(), staff(), _checked(template_id))
    return Response(body="", status_code=204)
