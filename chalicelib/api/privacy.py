"""The citizen's rights from their follow-up link or from a link sent to their address on
request (download, erase), and an admin's erasure of a thread's contact."""

from __future__ import annotations

from chalice import Blueprint  # type: ignore[attr-defined]

from chalicelib import bootstrap
from chalicelib.api import schemas
from chalicelib.api.http import (
    FOLLOWUP_HEADER,
    RIGHTS_HEADER,
    Operation,
    client_address,
    operation,
    parse_body,
    staff,
    token_header,
)
from chalicelib.services import abuse, privacy

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
    return _download_citizen_data(token)


def _download_citizen_data(token: str) -> schemas.CitizenData:
    return schemas.CitizenData(**privacy.citizen_data(bootstrap.ports(), token))


@operation(
    privacy_api,
    Operation(
        "readCitizenData",
        "GET",
        "/followup/data",
        "Everything the commune holds about this opinion, the follow-up token in a header",
        "citizen",
        schemas.CitizenData,
        headers={FOLLOWUP_HEADER: "the private follow-up token"},
        errors=(400, 404),
    ),
)
def read_citizen_data() -> schemas.CitizenData:
    return _download_citizen_data(token_header(FOLLOWUP_HEADER))


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
    return _erase_citizen_data(token)


def _erase_citizen_data(token: str) -> schemas.ErasureDone:
    return schemas.ErasureDone(erased=privacy.erase_by_citizen(bootstrap.ports(), token))


@operation(
    privacy_api,
    Operation(
        "eraseFollowUpData",
        "DELETE",
        "/followup",
        "Erase this opinion's personal data, the follow-up token in a header",
        "citizen",
        schemas.ErasureDone,
        headers={FOLLOWUP_HEADER: "the private follow-up token"},
        errors=(400, 404),
    ),
)
def erase_follow_up_data() -> schemas.ErasureDone:
    return _erase_citizen_data(token_header(FOLLOWUP_HEADER))


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


@operation(
    privacy_api,
    Operation(
        "requestRightsLink",
        "POST",
        "/communes/{slug}/privacy-requests",
        "Ask for a link to one's data by e-mail (for citizens without their follow-up link): "
        "sent to the address only if the commune has it, valid 24 hours",
        "citizen",
        schemas.RightsRequested,
        status=202,
        body=schemas.RightsRequestBody,
        errors=(404, 413, 415, 422, 429),
    ),
)
def request_rights_link(slug: str) -> schemas.RightsRequested:
    body = parse_body(schemas.RightsRequestBody)
    submitter = abuse.Submitter(client_address())
    privacy.request_rights_link(bootstrap.ports(), slug, body.email, submitter)
    return schemas.RightsRequested(status="sent_if_known")


@operation(
    privacy_api,
    Operation(
        "downloadRightsData",
        "GET",
        "/privacy/{token}",
        "Everything the commune holds about the e-mailed link's address: its contacts and "
        "their opinions (GDPR access)",
        "citizen",
        schemas.RightsData,
        errors=(404, 410),
    ),
)
def download_rights_data(token: str) -> schemas.RightsData:
    return _download_rights_data(token)


def _download_rights_data(token: str) -> schemas.RightsData:
    return schemas.RightsData(**privacy.rights_data(bootstrap.ports(), token))


@operation(
    privacy_api,
    Operation(
        "readRightsData",
        "GET",
        "/privacy",
        "Everything the commune holds about the e-mailed link's address, its token in a header",
        "citizen",
        schemas.RightsData,
        headers={RIGHTS_HEADER: "the token of the link e-mailed to the address"},
        errors=(400, 404, 410),
    ),
)
def read_rights_data() -> schemas.RightsData:
    return _download_rights_data(token_header(RIGHTS_HEADER))


@operation(
    privacy_api,
    Operation(
        "eraseRightsData",
        "DELETE",
        "/privacy/{token}",
        "Erase the personal data of every opinion sent with the e-mailed link's address; "
        "texts are kept anonymised",
        "citizen",
        schemas.ErasureDone,
        errors=(404, 410),
    ),
)
def erase_rights_data(token: str) -> schemas.ErasureDone:
    return _erase_rights_data(token)


def _erase_rights_data(token: str) -> schemas.ErasureDone:
    return schemas.ErasureDone(erased=privacy.erase_by_link(bootstrap.ports(), token))


@operation(
    privacy_api,
    Operation(
        "eraseRightsLinkData",
        "DELETE",
        "/privacy",
        "Erase the personal data of every opinion sent with the e-mailed link's address, its "
        "token in a header",
        "citizen",
        schemas.ErasureDone,
        headers={RIGHTS_HEADER: "the token of the link e-mailed to the address"},
        errors=(400, 404, 410),
    ),
)
def erase_rights_link_data() -> schemas.ErasureDone:
    return _erase_rights_data(token_header(RIGHTS_HEADER))
