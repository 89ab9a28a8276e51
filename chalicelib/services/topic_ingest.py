"""Topics at ingest: each analysed citizen message becomes a verbatim (its embedding, stored
once so a rebuild never re-embeds, and its facets) and joins the nearest topic of its
commune's stored model, within the analysis worker's budget."""

from __future__ import annotations

import logging
import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta

from chalicelib.analysis.courtesy import without_courtesy
from chalicelib.analysis.embeddings import Embedder, topic_embedder
from chalicelib.analysis.places import places_in
from chalicelib.analysis.topic_codec import decode_embedding, decode_model, encode_embedding
from chalicelib.analysis.topics import TopicModel
from chalicelib.domain.ids import CommuneId
from chalicelib.domain.threads import Message, TextAnalysis, Thread, preview_of
from chalicelib.domain.topics import TopicsState, Verbatim
from chalicelib.ports import Ports

logger = logging.getLogger(__name__)

QUOTE_LENGTH = 280
# A rebuilt model reaches running workers within this delay; meanwhile a new opinion joins
# the previous model's topic, whose id a rebuild keeps wherever the topic still fits.
MODEL_TTL_SECONDS = 60.0
# When it was read, the build it was read from, and the decoded model (None: no topics).
_Entry = tuple[float, datetime | None, TopicModel | None]


class ModelCache:
    """The communes' decoded topic models, per process (a Lambda container), each read
    again after `ttl` seconds and decoded again only when its build changed. Entries belong
    to the store they were read from (and go with it): tests' stores never share them."""

    def __init__(
        self, ttl: float = MODEL_TTL_SECONDS, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._ttl = ttl
        self._clock = clock
        self._models: weakref.WeakKeyDictionary[object, dict[CommuneId, _Entry]] = (
            weakref.WeakKeyDictionary()
        )
        self._retention: weakref.WeakKeyDictionary[object, dict[CommuneId, tuple[float, int]]] = (
            weakref.WeakKeyDictionary()
        )
        self._lock = threading.Lock()

    def model(self, ports: Ports, commune_id: CommuneId) -> TopicModel | None:
        now = self._clock()
        with self._lock:
            entries = self._models.setdefault(ports.topics, {})
            cached = entries.get(commune_id)
        if cached is not None and now - cached[0] < self._ttl:
            return cached[2]
        state = ports.topics.state(commune_id)
        built_at = state.built_at if state else None
        unchanged = cached is not None and cached[1] == built_at
        model = cached[2] if cached is not None and unchanged else _decoded(state)
        with self._lock:
            entries[commune_id] = (now, built_at, model)
        return model

    def retention_days(self, ports: Ports, commune_id: CommuneId) -> int:
        """The commune's retention setting, read again after `ttl` seconds like the model:
        one commune read fewer per message."""
        now = self._clock()
        with self._lock:
            entries = self._retention.setdefault(ports.communes, {})
            cached = entries.get(commune_id)
        if cached is not None and now - cached[0] < self._ttl:
            return cached[1]
        days = ports.communes.get(commune_id).settings.retention_days
        with self._lock:
            entries[commune_id] = (now, days)
        return days

    def forget(self, ports: Ports, commune_id: CommuneId) -> None:
        with self._lock:
            self._models.get(ports.topics, {}).pop(commune_id, None)


def _decoded(state: TopicsState | None) -> TopicModel | None:
    if state is None:
        return None
    try:
        return decode_model(state.model)
    except (ValueError, KeyError, TypeError):  # a model this code did not write: no topics
        logger.warning("undecodable topic model for %s", state.commune_id)
        return None


_MODELS = ModelCache()


def models() -> ModelCache:
    return _MODELS


def topic_text(result: TextAnalysis) -> str:
    """What topics embed: the masked text without greeting, closing and signature — what the
    sentiment head read, with personal data masked."""
    return without_courtesy(result.masked_text)


def ingest(
    ports: Ports,
    message: Message,
    thread: Thread,
    result: TextAnalysis,
    *,
    embedder: Embedder | None = None,
    cache: ModelCache | None = None,
) -> Verbatim | None:
    """Stores `message` as its commune's verbatim, in the nearest topic of the stored model
    (None when there is no model, none is close enough, or the model is another embedder's).
    Replaces the verbatim of the same message: a replayed job stores it once. Returns None,
    storing nothing, for a message without text. Raises what the store raises."""
    text = topic_text(result)
    if not text.strip():
        return None
    embedder = embedder or topic_embedder()
    vector = _vector(embedder, result, text)
    cache = cache or _MODELS
    model = cache.model(ports, message.commune_id)
    topic = None
    # Vectors of another embedder live in another space: they never meet its centroids.
    if model is not None and model.embedder == embedder.name:
        topic = model.assign(decode_embedding(vector)[None, :])[0]
    verbatim = Verbatim(
        commune_id=message.commune_id,
        message_id=message.message_id,
        thread_id=message.thread_id,
        created_at=message.created_at,
        theme=thread.theme,
        quartier=thread.quartier,
        channel=thread.channel,
        sentiment=result.sentiment,
        embedder=embedder.name,
        vector=vector,
        places=tuple(sorted(places_in(result.masked_text))),
        quote="" if result.toxic else preview_of(result.masked_text, QUOTE_LENGTH),
        topic=topic,
        # Kept as long as the commune keeps a contact of that day: a verbatim holds no
        # personal data, but nothing stays for ever (erasure and the retention sweep
        # remove a thread's verbatims sooner).
        expires_at=message.created_at
        + timedelta(days=cache.retention_days(ports, message.commune_id)),
    )
    ports.topics.add(verbatim)
    return verbatim


def _vector(embedder: Embedder, result: TextAnalysis, text: str) -> bytes:
    # The sentiment head embedded the text already when it had no personal data to mask
    # (most texts): reused, as it is exactly `text`. A vector of an unmasked text is never
    # kept, so a masked name is not in the store even as an embedding.
    reused = result.embedding
    if reused is not None and reused.embedder == embedder.name and reused.text == text:
        return reused.vector
    return encode_embedding(embedder.embed([text])[0])


def keep_ingested(ports: Ports, message: Message, thread: Thread, result: TextAnalysis) -> None:
    """`ingest` for the analysis worker: a failure loses the verbatim (the next rebuild
    does without it), never the recorded analysis; it is logged."""
    started = time.perf_counter()
    try:
        verbatim = ingest(ports, message, thread, result)
    except Exception:  # the analysis is recorded; a missing verbatim must not undo it
        logger.warning("could not keep the verbatim for topics", exc_info=True)
        return
    if verbatim is not None:
        logger.debug(
            "verbatim kept in %.0f ms (topic %s)",
            (time.perf_counter() - started) * 1000,
            verbatim.topic,
        )


def follow_correction(ports: Ports, thread: Thread) -> None:
    """Staff corrected the thread's theme or sentiment: its verbatims take the thread's
    theme, and the opinion's verbatim its corrected sentiment, as the counters move. A
    failure is logged; the thread's next correction sets them again."""
    result = thread.analysis.result
    try:
        for verbatim in ports.topics.of_thread(thread.commune_id, thread.thread_id):
            sentiment = verbatim.sentiment
            if verbatim.message_id == thread.thread_id and result is not None:
                sentiment = result.sentiment
            if (verbatim.theme, verbatim.sentiment) != (thread.theme, sentiment):
                ports.topics.add(replace(verbatim, theme=thread.theme, sentiment=sentiment))
    except Exception:  # the correction is saved; the verbatims' facets lag until next time
        logger.warning("could not correct the thread's verbatims", exc_info=True)
