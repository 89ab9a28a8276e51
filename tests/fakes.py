"""Test doubles that subclass the ports, and a Ports bundle built from them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from chalicelib.adapters.memory import (
    InMemoryAlertRepository,
    InMemoryAnalysisQueue,
    InMemoryBlobStore,
    InMemoryChannelStore,
    InMemoryCommuneRepository,
    InMemoryConnectionRepository,
    InMemoryConsultationRepository,
    InMemoryContactRepository,
    InMemoryCorrectionRepository,
    InMemoryDeliveryQueue,
    InMemoryExportQueue,
    InMemoryExportRepository,
    InMemoryFileStore,
    InMemoryIdempotencyStore,
    InMemoryInboundQueue,
    InMemoryModelStore,
    InMemoryRateLimiter,
    InMemoryStaffDirectory,
    InMemorySubscriptionRepository,
    InMemorySummaryCache,
    InMemoryTemplateRepository,
    InMemoryThreadRepository,
    OutboxMailer,
    RecordingPublisher,
    RecordingSocialNetwork,
)
from chalicelib.adapters.memory_topics import InMemoryTopicStore
from chalicelib.adapters.sealer import FernetSealer
from chalicelib.analysis.local import LocalAnalyzer
from chalicelib.domain.commune import Commune, Quartier, Theme
from chalicelib.domain.errors import AnalysisError, UnauthorizedError
from chalicelib.domain.ids import CommuneId
from chalicelib.domain.staff import Role, StaffIdentity
from chalicelib.domain.threads import Sentiment, TextAnalysis
from chalicelib.ports import Analyzer, Ports, TokenVerifier

BIOT = CommuneId("06018")
VALBONNE = CommuneId("06152")
# A Fernet key for tests only (32 url-safe base64 bytes).
TEST_SEAL_KEY = "dGVzdC1rZXktZm9yLWNvbmNlcnRvLXRlc3RzLW9ubHk="


def commune(commune_id: CommuneId = BIOT, slug: str = "biot", name: str = "Biot") -> Commune:
    return Commune(
        commune_id=commune_id,
        slug=slug,
        name=name,
        themes=(Theme("proprete", "Propreté"), Theme("voirie", "Voirie et stationnement")),
        quartiers=(Quartier("village", "Le Village"), Quartier("la-brague", "La Brague")),
    )


def staff(commune_id: CommuneId = BIOT, role: Role = Role.AGENT) -> StaffIdentity:
    return StaffIdentity(commune_id, f"user-{role.value}", f"{role.value}@example.org", role)


class Clock:
    """A clock that moves only when told to."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2026, 11, 2, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


class FakeTokenVerifier(TokenVerifier):
    def __init__(self) -> None:
        self.identities: dict[str, StaffIdentity] = {}

    def issue(self, identity: StaffIdentity) -> str:
        token = f"token-{len(self.identities)}"
        self.identities[token] = identity
        return token

    def verify(self, token: str) -> StaffIdentity:
        try:
            return self.identities[token]
        except KeyError as error:
            raise UnauthorizedError("invalid token", code="invalid_token") from error

    def ready(self) -> bool:
        return True


class FailingAnalyzer(Analyzer):
    """An analyzer that is down, as Comprehend can be."""

    def __init__(self) -> None:
        self.calls = 0

    def analyze(self, texts: Sequence[str], commune: Commune) -> list[TextAnalysis]:
        self.calls += 1
        raise AnalysisError("analyzer unavailable")


def memory_ports(clock: Clock | None = None) -> Ports:
    communes = InMemoryCommuneRepository()
    communes.save(commune())
    communes.save(commune(VALBONNE, "valbonne", "Valbonne"))
    threads = InMemoryThreadRepository()
    connections = InMemoryConnectionRepository()
    return Ports(
        communes=communes,
        threads=threads,
        contacts=InMemoryContactRepository(),
        corrections=InMemoryCorrectionRepository(),
        models=InMemoryModelStore(),
        consultations=InMemoryConsultationRepository(),
        activity=threads.activity,
        templates=InMemoryTemplateRepository(),
        events=RecordingPublisher(connections),
        connections=connections,
        alerts=InMemoryAlertRepository(),
        subscriptions=InMemorySubscriptionRepository(),
        mailer=OutboxMailer(),
        channels=InMemoryChannelStore(),
        mail=InMemoryBlobStore(),
        attachments=InMemoryBlobStore(),
        social=RecordingSocialNetwork(),
        inbound_queue=InMemoryInboundQueue(),
        exports=InMemoryExportRepository(),
        export_queue=InMemoryExportQueue(),
        files=InMemoryFileStore(),
        indicators=threads.indicators,
        idempotency=InMemoryIdempotencyStore(),
        analysis_queue=InMemoryAnalysisQueue(),
        delivery_queue=InMemoryDeliveryQueue(),
        sealer=FernetSealer(TEST_SEAL_KEY),
        analyzer=LocalAnalyzer(),
        tokens=FakeTokenVerifier(),
        staff=InMemoryStaffDirectory(),
        clock=clock or Clock(),
        rate_limiter=InMemoryRateLimiter(),
        topics=InMemoryTopicStore(),
        summaries=InMemorySummaryCache(),
    )


class KeywordAnalyzer(Analyzer):
    """A fast stand-in for the sentiment engine (the local model embeds every text, seconds
    per batch): a few French cue words decide, with the key phrases it finds among a fixed
    list. It names itself `engine`, so a fallback to it shows in the stored results."""

    NEGATIVE = ("inadmissible", "retard", "dangereux", "débordent", "sale")
    POSITIVE = ("merci", "bravo", "magnifique", "adorent")
    PHRASES = ("poubelle", "parc", "bus", "illumination", "trottoir", "école")

    def __init__(self, engine: str = "local") -> None:
        self.engine = engine
        self.calls = 0

    def analyze(self, texts: Sequence[str], commune: Commune) -> list[TextAnalysis]:
        self.calls += 1
        return [self._one(text) for text in texts]

    def _one(self, text: str) -> TextAnalysis:
        lowered = text.lower()
        negative = any(word in lowered for word in self.NEGATIVE)
        positive = any(word in lowered for word in self.POSITIVE)
        sentiment = {
            (True, True): Sentiment.MIXED,
            (True, False): Sentiment.NEGATIVE,
            (False, True): Sentiment.POSITIVE,
            (False, False): Sentiment.NEUTRAL,
        }[(negative, positive)]
        return TextAnalysis(
            language="fr",
            sentiment=sentiment,
            scores={"positive": float(positive), "negative": float(negative)},
            key_phrases=tuple(phrase for phrase in self.PHRASES if phrase in lowered),
            engine=self.engine,
            model_version="keywords",
        )
