"""Canned answers in DynamoDB (table `templates`)."""

from __future__ import annotations

from pynamodb.exceptions import DoesNotExist

from chalicelib.adapters.dynamo.models import TemplateModel
from chalicelib.domain.errors import NotFoundError
from chalicelib.domain.ids import CommuneId
from chalicelib.domain.templates import MAX_TEMPLATES, Template
from chalicelib.ports import TemplateRepository


class DynamoTemplateRepository(TemplateRepository):
    def save(self, template: Template) -> None:
        TemplateModel(
            template.commune_id,
            template.template_id,
            title=template.title,
            text=template.text,
            updated_by=template.updated_by,
            updated_at=template.updated_at,
        ).save()

    def get(self, commune_id: CommuneId, template_id: str) -> Template:
        try:
            return _template(TemplateModel.get(commune_id, template_id, consistent_read=True))
        except DoesNotExist as error:
            raise NotFoundError("unknown template", code="template_not_found") from error

    def list(self, commune_id: CommuneId) -> list[Template]:
        items = TemplateModel.query(commune_id, limit=MAX_TEMPLATES)
        return sorted((_template(item) for item in items), key=lambda t: t.title.casefold())

    def delete(self, commune_id: CommuneId, template_id: str) -> None:
        self.get(commune_id, template_id)
        TemplateModel(commune_id, template_id).delete()


def _template(item: TemplateModel) -> Template:
    return Template(
        commune_id=CommuneId(item.commune_id),
        template_id=item.template_id,
        title=item.title,
        text=item.text,
        updated_by=item.updated_by,
        updated_at=item.updated_at,
    )
