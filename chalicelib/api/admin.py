"""Admin routes for the commune itself: its themes and quartiers, and its staff accounts."""

from __future__ import annotations

from urllib.parse import unquote

from chalice import Blueprint, Response  # type: ignore[attr-defined]

from chalicelib import bootstrap
from chalicelib.api import schemas
from chalicelib.api.http import Operation, operation, parse_body, staff
from chalicelib.domain.commune import Commune, Quartier, Theme
from chalicelib.domain.staff import Role, StaffMember
from chalicelib.services import settings
from chalicelib.services import staff as staff_accounts

admin_api = Blueprint(__name__)


def commune_view(commune: Commune) -> schemas.CommuneAdminView:
    return schemas.CommuneAdminView(
        commune_id=commune.commune_id,
        slug=commune.slug,
        name=commune.name,
        themes=[
            schemas.ThemeView(
                id=t.id, label=t.label, keywords=list(t.keywords), description=t.description
            )
            for t in commune.themes
        ],
        quartiers=[schemas.QuartierView(id=q.id, label=q.label) for q in commune.quartiers],
    )


def member_view(member: StaffMember) -> schemas.StaffMemberView:
    return schemas.StaffMemberView(
        email=member.email, role=member.role.value, enabled=member.enabled, status=member.status
    )


@operation(
    admin_api,
    Operation(
        "getCommuneSettings",
        "GET",
        "/console/commune",
        "The caller's commune: slug, name, themes (with keywords) and quartiers",
        "admin",
        schemas.CommuneAdminView,
        staff=True,
    ),
)
def get_commune() -> schemas.CommuneAdminView:
    return commune_view(settings.commune(bootstrap.ports(), staff()))


@operation(
    admin_api,
    Operation(
        "replaceThemes",
        "PUT",
        "/console/commune/themes",
        "Replace the themes citizens choose from (admins); threads keep their theme id",
        "admin",
        schemas.CommuneAdminView,
        body=schemas.ThemesBody,
        staff=True,
        errors=(403, 422),
    ),
)
def replace_themes() -> schemas.CommuneAdminView:
    ports, identity = bootstrap.ports(), staff()
    body = parse_body(schemas.ThemesBody)
    wanted = [
        Theme(
            t.id,
            t.label.strip(),
            tuple(k.strip() for k in t.keywords),
            t.description.strip(),
        )
        for t in body.themes
    ]
    settings.replace_themes(ports, identity, wanted)
    return commune_view(settings.commune(ports, identity))


@operation(
    admin_api,
    Operation(
        "replaceQuartiers",
        "PUT",
        "/console/commune/quartiers",
        "Replace the quartiers (admins)",
        "admin",
        schemas.CommuneAdminView,
        body=schemas.QuartiersBody,
        staff=True,
        errors=(403, 422),
    ),
)
def replace_quartiers() -> schemas.CommuneAdminView:
    ports, identity = bootstrap.ports(), staff()
    body = parse_body(schemas.QuartiersBody)
    wanted = [Quartier(q.id, q.label.strip()) for q in body.quartiers]
    settings.replace_quartiers(ports, identity, wanted)
    return commune_view(settings.commune(ports, identity))


@operation(
    admin_api,
    Operation(
        "listStaff",
        "GET",
        "/console/staff",
        "The commune's staff accounts and their roles (admins)",
        "admin",
        schemas.StaffList,
        staff=True,
        errors=(403,),
    ),
)
def list_staff() -> schemas.StaffList:
    found = staff_accounts.members(bootstrap.ports(), staff())
    return schemas.StaffList(items=[member_view(m) for m in found])


@operation(
    admin_api,
    Operation(
        "inviteStaff",
        "POST",
        "/console/staff",
        "Create a staff account with a role (admins); the member sets a password at first login",
        "admin",
        schemas.StaffInvited,
        status=201,
        body=schemas.InviteStaffBody,
        staff=True,
        errors=(403, 409, 422),
    ),
)
def invite_staff() -> schemas.StaffInvited:
    body = parse_body(schemas.InviteStaffBody)
    member, temporary = staff_accounts.invite(
        bootstrap.ports(), staff(), body.email, Role(body.role)
    )
    return schemas.StaffInvited(**member_view(member).model_dump(), temporary_password=temporary)


@operation(
    admin_api,
    Operation(
        "changeStaffRole",
        "PATCH",
        "/console/staff/{email}",
        "Change a member's role (admins; not their own)",
        "admin",
        schemas.StaffMemberView,
        body=schemas.RoleBody,
        staff=True,
        errors=(403, 404, 409, 422),
    ),
)
def change_staff_role(email: str) -> schemas.StaffMemberView:
    body = parse_body(schemas.RoleBody)
    member = staff_accounts.change_role(bootstrap.ports(), staff(), unquote(email), Role(body.role))
    return member_view(member)


@operation(
    admin_api,
    Operation(
        "removeStaff",
        "DELETE",
        "/console/staff/{email}",
        "Delete a member's account (admins; not their own)",
        "admin",
        None,
        status=204,
        staff=True,
        errors=(403, 404, 409),
    ),
)
def remove_staff(email: str) -> Response:
    staff_accounts.remove(bootstrap.ports(), staff(), unquote(email))
    return Response(body="", status_code=204)
