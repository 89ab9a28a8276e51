"""A citizen's contact details: personal data kept apart from texts, only with consent.

One citizen, one contact: once a citizen has proved an address is theirs (a link e-mailed
to it), every later opinion from that address joins the same contact, so staff see the
citizen's history. An address nobody verified never links anything: anyone can type it.
"""

import hashlib
from dataclasses import dataclass
from datetime import datetime

from chalicelib.domain.ids import CommuneId


@dataclass(frozen=True)
class Contact:
    commune_id: CommuneId
    contact_id: str
    email: str
    name: str
    consented_at: datetime
    # Erased by the retention sweep (and DynamoDB TTL) at this date.
    expires_at: datetime
    # Unused since each thread keeps its own sealed link (contacts stored before still
    # hold one; it goes with the contact when the contact is erased).
    sealed_followup: str = ""
    verified_at: datetime | None = None
    # A social network's id for the citizen (the e-mail is then empty), to answer there.
    social_id: str = ""
    platform: str = ""

    @property
    def email_key(self) -> str:
        return email_key(self.commune_id, self.email)


def email_key(commune_id: CommuneId, email: str) -> str:
    """What looks an address up (a digest: the index holds no address in clear)."""
    normalised = email.strip().lower()
    return hashlib.sha256(f"{commune_id}|{normalised}".encode()).hexdigest()
