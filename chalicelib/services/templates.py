"""Canned answers: agents and admins keep the commune's ready-made replies; answering with
one fills its variables for the thread."""

from __future__ import annotations

from chalicelib.domain import templates
from chalicelib.domain.activity import ActivityKind, audit
from chalicelib.domain.errors import NotFoundError, ValidationError
from chalicelib.domain.ids import is_id, new_id
from chalicelib.domain.staff import Role, StaffIdentity
from chalicelib.domain.templates import Template, Values
from chalicelib.domain.threads import Thread
from chalicelib.ports import Ports
from chalicelib.services import validation


def list_templates(ports: Ports, staff: StaffIdentity) -> list[Template]:
    staff.require(Role.AGENT)
    return ports.templates.list(staff.commune_id)


def save_template(
    ports: Ports, staff: StaffIdentity, title: str, text: str, template_id: str | None = None
) -> Template:
    """Creates a template, or replaces `template_id` (404 if it is not the commune's)."""
    staff.require(Role.AGENT)
    title, text = templates.check(title, text)
    if template_id is None:
        if len(ports.templates.list(staff.commune_id)) >= templates.MAX_TEMPLATES:
            raise ValidationError(
                f"at most {templates.MAX_TEMPLATES} templates", code="too_many_templates"
            )
        template_id = new_id()
    else:
        ports.templates.get(staff.commune_id, template_id)
    template = Template(staff.commune_id, template_id, title, text, staff.email, ports.clock())
    ports.templates.save(template)
    audit(
        ports.activity,
        staff.commune_id,
        ports.clock(),
        ActivityKind.TEMPLATE_SAVED,
        staff.email,
        template=template_id,
    )
    return template


def delete_template(ports: Ports, staff: StaffIdentity, template_id: str) -> None:
    staff.require(Role.AGENT)
    ports.templates.delete(staff.commune_id, template_id)
    audit(
        ports.activity,
        staff.commune_id,
        ports.clock(),
        ActivityKind.TEMPLATE_DELETED,
        staff.email,
        template=template_id,
    )


def answer_text(
    ports: Ports,
    staff: StaffIdentity,
    thread_id: str,
    text: str | None,
    template_id: str | None,
    public: bool = False,
) -> str:
    """The text of an answer given either as is or as a template to fill in."""
    if (text is None) == (template_id is None):
        raise ValidationError("give a text or a templateId", code="invalid_answer")
    if template_id is None:
        return text or ""
    thread = ports.threads.get(staff.commune_id, validation.check_thread_id(thread_id))
    return render_for(ports, staff, template_id, thread, public)


def render_for(
    ports: Ports, staff: StaffIdentity, template_id: str, thread: Thread, public: bool = False
) -> str:
    """The template's text filled in for `thread`, as `staff` would send it. A public
    answer never names the citizen: it is published next to their opinion."""
    if not is_id(template_id):
        raise NotFoundError("unknown template", code="template_not_found")
    template = ports.templates.get(staff.commune_id, template_id)
    commune = ports.communes.get(staff.commune_id)
    contact = ports.contacts.get(staff.commune_id, thread.contact_id) if thread.contact_id else None
    theme = commune.theme(thread.theme)
    values = Values(
        citizen_name=contact.name if contact and not public else "",
        commune_name=commune.name,
        theme_label=theme.label if theme else thread.theme,
        agent_email=staff.email,
    )
    return templates.render(template.text, values)
