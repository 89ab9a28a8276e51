"""A staff correction of what the analysis said about an opinion: what the model learns from."""

from dataclasses import dataclass
from datetime import datetime

from chalicelib.domain.ids import CommuneId
from chalicelib.domain.threads import Sentiment


@dataclass(frozen=True)
class Correction:
    commune_id: CommuneId
    thread_id: str
    text: str
    sentiment: Sentiment | None
    theme: str | None
    staff_email: str
    corrected_at: datetime
