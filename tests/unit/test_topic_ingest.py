"""Topics at ingest: each analysed citizen message is kept once as a verbatim, in the nearest
topic of its commune's model, without ever losing the analysis."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.adapters.memory_topics import InMemoryTopicStore
from chalicelib.analysis.embeddings import HashedEmbedder
from chalicelib.analysis.pipeline import CompositeAnalyzer
from chalicelib.analysis.topic_codec import decode_embedding, encode_model
from chalicelib.analysis.topics import TopicModel, build_topics, params_for
from chalicelib.domain.threads import (
    AnalysisStatus,
    Channel,
    Sentiment,
    TextEmbedding,
    ThreadChanges,
)
from chalicelib.domain.topics import TopicsState
from chalicelib.ports import Ports
from chalicelib.services import analysis, feedback, inbox, topic_ingest
from chalicelib.services.feedback import SubmitFeedback
from tests.fakes import BIOT, KeywordAnalyzer, memory_ports, staff

pytestmark = pytest.mark.unit

LIGHTS = [
    "Le lampadaire de la rue Pasteur est éteint depuis une semaine",
    "Lampadaire éteint rue des Vignes, la rue est noire le soir",
    "Encore un lampadaire éteint, l'éclairage public ne marche plus",
    "L'éclairage public est en panne, plusieurs lampadaires éteints",
    "Les lampadaires restent éteints toute la nuit dans notre rue",
    "Un lampadaire éteint devant l'école, c'est dangereux le soir",
]
BINS = [
    "Les poubelles débordent au parking de la gare, ramassage oublié",
    "Poubelles pleines et ramassage des ordures en retard",
    "Le ramassage des poubelles n'est pas passé, les ordures débordent",
    "Ordures et poubelles qui débordent, ramassage trop rare",
    "Les poubelles du quartier débordent depuis le dernier ramassage",
    "Encore des poubelles pleines, le ramassage des ordures est en retard",
]


def hashed_model() -> TopicModel:
    embedder = HashedEmbedder()
    texts = LIGHTS + BINS
    clustering = build_topics(
        embedder.embed(texts),
        texts,
        [f"m{index}" for index in range(len(texts))],
        embedder=embedder.name,
        params=params_for(embedder.name, min_size=3),
    )
    assert len(clustering.model.topics) == 2
    return clustering.model


def keep_model(ports: Ports, model: TopicModel) -> None:
    ports.topics.save_state(
        TopicsState(BIOT, encode_model(model), model.embedder, ports.clock(), 12)
    )


def fast_ports() -> Ports:
    ports = memory_ports()
    ports.analyzer = CompositeAnalyzer(KeywordAnalyzer())
    return ports


def submitted(ports: Ports, text: str, theme: str = "proprete") -> str:
    receipt = feedback.submit_feedback(ports, "biot", SubmitFeedback(theme=theme, text=text))
    return receipt.thread_id


def analysed(ports: Ports) -> list[analysis.Prepared]:
    jobs = list(ports.analysis_queue.jobs)
    prepared = analysis.prepare(ports, jobs)
    outcomes = [prepared[job] for job in jobs]
    assert all(isinstance(outcome, analysis.Prepared) for outcome in outcomes)
    return outcomes  # type: ignore[return-value]


def test_an_analysed_opinion_is_kept_once_as_a_verbatim_even_when_its_job_is_replayed() -> None:
    ports = fast_ports()
    thread_id = submitted(
        ports, "Les poubelles débordent rue Victor Hugo. Cordialement, Jeanne Martin"
    )
    [prepared] = analysed(ports)
    assert analysis.record(ports, prepared) is True
    # A replayed job: the analysis is done already, and even a second ingest replaces.
    assert analysis.record(ports, analysed(ports)[0]) is False
    topic_ingest.ingest(ports, prepared.message, prepared.thread, prepared.analysis)  # type: ignore[arg-type]

    [verbatim] = ports.topics.of_thread(BIOT, thread_id)
    assert verbatim.message_id == thread_id
    assert (verbatim.theme, verbatim.quartier, verbatim.channel) == ("proprete", None, Channel.WEB)
    assert verbatim.sentiment is Sentiment.NEGATIVE
    assert "rue victor hugo" in verbatim.places
    assert verbatim.quote.startswith("Les poubelles débordent rue Victor Hugo")
    assert "Jeanne" not in verbatim.quote and "Martin" not in verbatim.quote
    assert verbatim.expires_at == verbatim.created_at + timedelta(days=730)
    assert decode_embedding(verbatim.vector).shape == (topic_ingest.topic_embedder().dimension,)
    assert verbatim.topic is None  # no model yet


def test_a_new_opinion_joins_the_nearest_topic_of_the_stored_model() -> None:
    ports = fast_ports()
    model = hashed_model()
    keep_model(ports, model)
    submitted(ports, "Le lampadaire de notre rue est éteint, plus d'éclairage le soir")
    submitted(ports, "Le conseil municipal devrait organiser un festival de jazz")
    lights, music = analysed(ports)
    cache = topic_ingest.ModelCache()
    embedder = HashedEmbedder()

    joined = topic_ingest.ingest(
        ports, lights.message, lights.thread, lights.analysis, embedder=embedder, cache=cache
    )
    outside = topic_ingest.ingest(
        ports, music.message, music.thread, music.analysis, embedder=embedder, cache=cache
    )

    light_topic = model.assign(embedder.embed([LIGHTS[0]]))[0]
    assert joined is not None and joined.topic == light_topic is not None
    assert outside is not None and outside.topic is None
    assert [v.topic for v in ports.topics.of_thread(BIOT, lights.thread.thread_id)] == [light_topic]


class OtherEmbedder(HashedEmbedder):
    name = "e5-like"


def test_vectors_of_another_embedder_never_meet_the_models_centroids() -> None:
    ports = fast_ports()
    keep_model(ports, hashed_model())
    submitted(ports, LIGHTS[0])
    [prepared] = analysed(ports)
    verbatim = topic_ingest.ingest(
        ports,
        prepared.message,
        prepared.thread,
        prepared.analysis,  # type: ignore[arg-type]
        embedder=OtherEmbedder(),
        cache=topic_ingest.ModelCache(),
    )
    assert verbatim is not None
    assert (verbatim.embedder, verbatim.topic) == ("e5-like", None)


def test_a_toxic_text_is_kept_without_a_quote() -> None:
    ports = fast_ports()
    thread_id = submitted(ports, "Bande de connards, vos poubelles débordent")
    [prepared] = analysed(ports)
    assert prepared.analysis is not None and prepared.analysis.toxic
    analysis.record(ports, prepared)
    [verbatim] = ports.topics.of_thread(BIOT, thread_id)
    assert verbatim.quote == ""


class BrokenTopicStore(InMemoryTopicStore):
    def add(self, verbatim: object) -> None:  # type: ignore[override]
        raise OSError("table unavailable")


def test_a_store_failure_loses_the_verbatim_not_the_analysis() -> None:
    ports = fast_ports()
    ports.topics = BrokenTopicStore()
    thread_id = submitted(ports, "Les poubelles débordent")
    [prepared] = analysed(ports)
    assert analysis.record(ports, prepared) is True
    assert ports.threads.get(BIOT, thread_id).analysis.status is AnalysisStatus.DONE


def test_the_sentiment_heads_embedding_is_reused_only_when_it_read_the_masked_text() -> None:
    embedder = HashedEmbedder()
    ports = fast_ports()
    submitted(ports, "Les poubelles débordent, écrivez-moi à jeanne.martin@example.org")
    [prepared] = analysed(ports)
    result = prepared.analysis
    assert result is not None and result.pii
    marker = b"\x00\x3c" * embedder.dimension  # every component 1.0: no text embeds so
    masked = TextEmbedding(embedder.name, marker, topic_ingest.topic_text(result))
    unmasked = TextEmbedding(embedder.name, marker, prepared.message.text)

    reused = topic_ingest.ingest(
        ports,
        prepared.message,
        prepared.thread,
        replace(result, embedding=masked),
        embedder=embedder,
    )
    # The head read the address: that vector is never kept, the masked text is embedded.
    embedded = topic_ingest.ingest(
        ports,
        prepared.message,
        prepared.thread,
        replace(result, embedding=unmasked),
        embedder=embedder,
    )

    assert reused is not None and reused.vector == marker
    assert embedded is not None and embedded.vector != marker
    assert "jeanne" not in embedded.quote


def test_a_staff_correction_moves_the_verbatims_facets() -> None:
    ports = fast_ports()
    thread_id = submitted(ports, "Les poubelles débordent")
    [prepared] = analysed(ports)
    analysis.record(ports, prepared)
    inbox.update_thread(
        ports, staff(), thread_id, ThreadChanges(theme="voirie", sentiment=Sentiment.MIXED)
    )
    [verbatim] = ports.topics.of_thread(BIOT, thread_id)
    assert (verbatim.theme, verbatim.sentiment) == ("voirie", Sentiment.MIXED)


def test_the_model_is_read_again_after_its_ttl_and_decoded_only_when_rebuilt() -> None:
    ports = fast_ports()
    now = [0.0]
    cache = topic_ingest.ModelCache(ttl=60, clock=lambda: now[0])
    assert cache.model(ports, BIOT) is None
    keep_model(ports, hashed_model())
    assert cache.model(ports, BIOT) is None  # within the TTL: the cached answer
    now[0] = 61.0
    first = cache.model(ports, BIOT)
    assert first is not None and len(first.topics) == 2
    now[0] = 130.0
    assert cache.model(ports, BIOT) is first  # same build: not decoded again
    ports.topics.save_state(
        TopicsState(BIOT, encode_model(first), "hashed", datetime(2027, 1, 1, tzinfo=UTC), 12)
    )
    now[0] = 200.0
    assert cache.model(ports, BIOT) is not first


def test_an_erased_thread_leaves_no_verbatim_and_no_quote_in_a_later_rebuild() -> None:
    from chalicelib.domain.staff import Role
    from chalicelib.services import privacy, topic_rebuild

    ports = fast_ports()
    erased = submitted(ports, LIGHTS[0])
    kept = submitted(ports, LIGHTS[1])
    for prepared in analysed(ports):
        analysis.record(ports, prepared)
    assert len(ports.topics.of_thread(BIOT, erased)) == 1

    privacy.erase_by_admin(ports, staff(role=Role.ADMIN), erased)

    assert ports.topics.of_thread(BIOT, erased) == []
    assert len(ports.topics.of_thread(BIOT, kept)) == 1
    state = topic_rebuild.rebuild(ports, BIOT)
    assert state.verbatims == 1 and LIGHTS[0] not in state.model
