"""Topics rebuilt from a commune's stored verbatims (never re-embedded): on a schedule as
opinions accumulate, and on an admin's demand; stable ids and labels where topics still fit."""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np

from chalicelib.analysis.embeddings import HASHED_NAME
from chalicelib.analysis.topic_codec import decode_embedding, decode_model, encode_model
from chalicelib.analysis.topics import TopicModel, build_topics
from chalicelib.domain.errors import ConflictError, TooManyRequestsError
from chalicelib.domain.ids import CommuneId
from chalicelib.domain.staff import Role, StaffIdentity
from chalicelib.domain.topics import TopicsState, Verbatim
from chalicelib.ports import Ports
from chalicelib.services import topic_ingest

logger = logging.getLogger(__name__)

# Topics describe the last twelve months.
WINDOW = timedelta(days=365)
# The newest verbatims a rebuild reads at most: 20,000 e5 vectors are 60 MB as float64,
# a few seconds of clustering; a commune past that gets topics of its most recent ones.
MAX_VERBATIMS = 20_000
# The schedule: a first build once a commune has this many verbatims, then when it has
# 10 % more (at least 5, at most 50 more) than the last build read, and weekly anyway (the
# window slides, old verbatims leave).
FIRST_BUILD = 20
GROWTH_SHARE = 0.10
GROWTH_MIN = 5
GROWTH_MAX = 50
WEEKLY = timedelta(days=7)
# An admin may ask for a rebuild once a minute per commune.
ON_DEMAND_WINDOW_SECONDS = 60
# Up to this many verbatims, an admin's rebuild runs within the request (API Gateway gives
# it 29 s, the function 20 s): see docs/analysis.md for the figures. Beyond, the schedule
# runs it within 15 minutes.
SYNC_LIMIT = 2_000


@dataclass(frozen=True)
class Rebuilt:
    state: TopicsState
    topics: int
    # Verbatims whose topic changed (written back), and those left out (another embedder's).
    changed: int
    skipped: int


def rebuild(ports: Ports, commune_id: CommuneId) -> TopicsState:
    """Rebuilds and stores the commune's topics from its verbatims of the last twelve
    months; returns the stored state. See `rebuild_report`."""
    return rebuild_report(ports, commune_id).state


def rebuild_report(
    ports: Ports, commune_id: CommuneId, *, embedder_name: str | None = None
) -> Rebuilt:
    """Clusters the commune's verbatims of the last twelve months in the embedder of the
    newest one (what ingest writes now; `embedder_name` to force one): a rebuild never
    embeds, so it runs where e5 is not installed. Verbatims stored by another embedder are
    left out, outside every topic: re-embedding them would cost an e5 call each (about
    0.2 s), what storing vectors at ingest is for; they age out of the window. Topics close
    to the stored model's keep their id and label; only the verbatims whose topic changed
    are written back. Raises what the store raises; the stored model is replaced last."""
    now = ports.clock()
    verbatims = list(ports.topics.between(commune_id, now - WINDOW, now + timedelta(seconds=1)))
    verbatims = verbatims[-MAX_VERBATIMS:]
    stored = ports.topics.state(commune_id)
    engine = embedder_name or _engine(verbatims, stored)
    usable = [v for v in verbatims if v.embedder == engine and v.vector]
    previous = _previous(stored, engine)
    clustering = build_topics(
        _vectors(usable),
        [v.quote for v in usable],
        [v.message_id for v in usable],
        embedder=engine,
        previous=previous,
    )
    topic_of = dict(zip((v.message_id for v in usable), clustering.assignments, strict=True))
    changes: list[tuple[Verbatim, str | None]] = [
        (v, topic_of.get(v.message_id)) for v in verbatims if v.topic != topic_of.get(v.message_id)
    ]
    ports.topics.assign(changes)
    state = TopicsState(
        commune_id, encode_model(clustering.model), engine, ports.clock(), len(verbatims)
    )
    ports.topics.save_state(state)
    # This process's ingest sees the new model at once; other workers within their TTL.
    topic_ingest.models().forget(ports, commune_id)
    logger.info(
        "topics of %s rebuilt: %d topics, %d verbatims (%d changed, %d skipped)",
        commune_id,
        len(clustering.model.topics),
        len(verbatims),
        len(changes),
        len(verbatims) - len(usable),
    )
    return Rebuilt(state, len(clustering.model.topics), len(changes), len(verbatims) - len(usable))


def _vectors(verbatims: list[Verbatim]) -> np.ndarray:  # type: ignore[type-arg]
    if not verbatims:
        return np.zeros((0, 1), dtype=np.float64)
    return np.stack([decode_embedding(v.vector) for v in verbatims])


def _engine(verbatims: list[Verbatim], stored: TopicsState | None) -> str:
    if verbatims:
        return verbatims[-1].embedder
    return stored.embedder if stored else HASHED_NAME


def _previous(state: TopicsState | None, engine: str) -> TopicModel | None:
    if state is None or state.embedder != engine:
        return None  # another embedder's centroids: no id can be carried over
    try:
        return decode_model(state.model)
    except (ValueError, KeyError, TypeError):
        logger.warning("undecodable topic model for %s: new ids", state.commune_id)
        return None


@dataclass(frozen=True)
class Queued:
    """An admin's rebuild left to the schedule: `verbatims` is more than SYNC_LIMIT."""

    verbatims: int
    requested_at: datetime


def is_due(ports: Ports, commune_id: CommuneId) -> bool:
    """Whether the schedule should rebuild the commune now (see FIRST_BUILD). Reads only the
    verbatims since the last build (a count), or the window's before the first."""
    now = ports.clock()
    state = ports.topics.state(commune_id)
    requested = ports.topics.rebuild_requested(commune_id)
    if requested is not None and (state is None or requested > state.built_at):
        return True
    if state is None:
        return ports.topics.count(commune_id, now - WINDOW, now) >= FIRST_BUILD
    if now - state.built_at >= WEEKLY:
        return True
    grown = ports.topics.count(commune_id, state.built_at, now)
    needed = min(GROWTH_MAX, max(GROWTH_MIN, math.ceil(GROWTH_SHARE * state.verbatims)))
    if state.verbatims < FIRST_BUILD:  # built on demand before the schedule would have
        needed = max(GROWTH_MIN, FIRST_BUILD - state.verbatims)
    return grown >= needed


def rebuild_on_demand(ports: Ports, staff: StaffIdentity) -> Rebuilt | Queued:
    """An admin's rebuild: run at once when the commune's twelve months hold at most
    SYNC_LIMIT verbatims, else noted for the schedule (Queued). Raises ForbiddenError below
    admin; ConflictError (`rebuild_pending`) while a queued one waits; TooManyRequestsError
    (`rebuild_too_soon`) for a second request within the same clock minute — which also
    keeps a double click from running two rebuilds of one commune at once."""
    staff.require(Role.ADMIN)
    now = ports.clock()
    state = ports.topics.state(staff.commune_id)
    requested = ports.topics.rebuild_requested(staff.commune_id)
    if requested is not None and (state is None or requested > state.built_at):
        raise ConflictError("a rebuild is already on its way", code="rebuild_pending")
    window = int(now.timestamp()) // ON_DEMAND_WINDOW_SECONDS
    expires = (window + 2) * ON_DEMAND_WINDOW_SECONDS
    if ports.rate_limiter.hit(staff.commune_id, f"topics-rebuild#{window}", expires) > 1:
        raise TooManyRequestsError(
            "topics were rebuilt a moment ago; try again in a minute", code="rebuild_too_soon"
        )
    count = ports.topics.count(staff.commune_id, now - WINDOW, now + timedelta(seconds=1))
    if count > SYNC_LIMIT:
        ports.topics.request_rebuild(staff.commune_id, now)
        return Queued(count, now)
    return rebuild_report(ports, staff.commune_id)
