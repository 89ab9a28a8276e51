"""What the topics engine keeps per commune: one entry per analysed citizen message (its
embedding, stored at ingest so a rebuild never re-embeds, and the facets a topic's figures
need), and the commune's current topic model. Never the author: no contact, no address, and
only the masked text as a quote."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from chalicelib.domain.ids import CommuneId
from chalicelib.domain.threads import Channel, Sentiment


@dataclass(frozen=True)
class Verbatim:
    """An analysed citizen message as topics see it. `vector` is its unit embedding in
    float16 bytes (`analysis.topic_codec.encode_embedding`), by the embedder named
    `embedder`; `places` are the folded place keys it names (`analysis.places`), for the
    same-problem rule; `quote` is its masked preview, empty for a toxic text; `topic` is the
    id of the topic it belongs to, None when it is outside every topic; `problem`, on an
    opinion (the thread's first message) only, is the group of reports of one same problem
    it joined (`services.similar_reports`), None when it is in none."""

    commune_id: CommuneId
    message_id: str
    thread_id: str
    created_at: datetime
    theme: str
    quartier: str | None
    channel: Channel
    sentiment: Sentiment
    embedder: str
    vector: bytes
    places: tuple[str, ...] = ()
    quote: str = ""
    topic: str | None = None
    problem: str | None = None
    # When the thread expires (its retention), the verbatim goes with it.
    expires_at: datetime | None = None


@dataclass(frozen=True)
class TopicsState:
    """A commune's topic model as stored: `model` is `analysis.topic_codec.encode_model`'s
    JSON; `verbatims` is how many verbatims it was built on, so the schedule rebuilds only
    where enough new ones came in."""

    commune_id: CommuneId
    model: str
    embedder: str
    built_at: datetime
    verbatims: int
