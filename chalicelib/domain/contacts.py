"""A citizen's contact details: personal data kept apart from texts, only with consent."""

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
    # The thread's follow-up token, encrypted (Sealer): e-mailed answers link to it, and
    # it goes with the contact when the contact is erased.
    sealed_followup: str = ""
