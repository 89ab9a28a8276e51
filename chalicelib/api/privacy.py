"""The citizen's rights from their follow-up link (download, erase), and an admin's erasure
of a thread's contact."""

from __future__ import annotations

from chalice import Blueprint  # type: ignore[attr-defined]

from chalicelib import bootstrap
from chalicelib.api import schemas
from chalicelib.api.http import Operation, operation, staff
from chalicelib.services import privacy

privacy_api = Blueprint(__name__)


@operation(
    privacy_api,
    Operation(
        "downloadCitizenData",
        "GET",
        "/followup/{token}/data",
        "Everything the commune holds about this opinion and its author (GDPR access)",
        "citizen",
        schemas.CitizenData,
        errors=(404,),
    ),
)
def download_citizen_data(token: str) -> schemas.CitizenData:
    return schemas.CitizenData(**privacy.citizen_data(bootstrap.ports(), token))


@operation(
    privacy_api,
    Operation(
        "eraseCitizenData",
        "DELETE",
        "/followup/{token}",
        "Erase the author's personal data (address, name, e-mails, files); texts are kept "
        "anonymised",
        "citizen",
        schemas.ErasureDone,
        errors=(404,),
    ),
)
def erase_citizen_data(token: str) -> schemas.ErasureDone:
    return schemas.ErasureDone(erased=privacy.erase_by_citizen(bootstrap.ports(), token))


@operation(
    privacy_api,
    Operation(
        "eraseThreadContact",
        "POST",
        "/console/threads/{thread_id}/erasure",
        "Erase a citizen's personal data on request (admins): the thread's contact and all "
        "their threads' e-mails and files; texts kept anonymised",
        "admin",
        schemas.ErasureDone,
        staff=True,
        errors=(403, 404),
    ),
)
def erase_thread_contact(thread_id: str) -> schemas.ErasureDone:
    erased = privacy.erase_by_admin(bootstrap.ports(), staff(), thread_id)
    return schemas.ErasureDone(erased=erased)
