"""The Comprehend adapter against a real botocore client whose HTTP layer is a Stubber: the
requests it sends (batches of 25, LanguageCode, byte-truncated texts) and how it reads
Comprehend's answers and errors. moto's Comprehend fakes batch calls too poorly to use here."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import boto3
import pytest
from botocore.exceptions import (
    ClientError,
    ConnectTimeoutError,
    EndpointConnectionError,
    ReadTimeoutError,
)
from botocore.stub import Stubber
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.analysis import comprehend
from chalicelib.analysis.comprehend import (
    MAX_DOCUMENT_BYTES,
    ComprehendAnalyzer,
    ComprehendDocumentError,
    ComprehendError,
    ComprehendRejectedError,
    ComprehendThrottledError,
    ComprehendUnavailableError,
    normalize_key_phrase,
    truncate_utf8,
)
from chalicelib.domain.threads import Sentiment, TextAnalysis
from tests.fakes import commune

pytestmark = pytest.mark.unit

POTHOLES = "Les nids-de-poule de la rue de l'Église sont dangereux pour les vélos."
MARKET = "Bravo pour le marché de Noël, les chalets étaient superbes !"


@pytest.fixture
def client() -> Any:
    return boto3.client("comprehend", region_name="eu-west-1")


@pytest.fixture
def stubber(client: Any) -> Iterator[Stubber]:
    with Stubber(client) as stub:
        yield stub
        stub.assert_no_pending_responses()


def analyzer_for(client: Any) -> ComprehendAnalyzer:
    return ComprehendAnalyzer(client_factory=lambda: client)


def sentiment_result(index: int, sentiment: str = "NEGATIVE") -> dict[str, Any]:
    scores = {
        "POSITIVE": (0.9712, 0.0041, 0.0203, 0.0044),
        "NEGATIVE": (0.0032, 0.9578, 0.0354, 0.0036),
        "NEUTRAL": (0.0411, 0.0302, 0.9258, 0.0029),
        "MIXED": (0.2211, 0.3120, 0.0107, 0.4562),
    }[sentiment]
    return {
        "Index": index,
        "Sentiment": sentiment,
        "SentimentScore": dict(
            zip(("Positive", "Negative", "Neutral", "Mixed"), scores, strict=True)
        ),
    }


def phrase(text: str, score: float, begin: int = 0) -> dict[str, Any]:
    return {"Text": text, "Score": score, "BeginOffset": begin, "EndOffset": begin + len(text)}


def phrases_result(index: int, *found: dict[str, Any]) -> dict[str, Any]:
    return {"Index": index, "KeyPhrases": list(found)}


def expect_batch(
    stubber: Stubber,
    texts: Sequence[str],
    sentiments: dict[str, Any] | None = None,
    phrases: dict[str, Any] | None = None,
) -> None:
    """Queues one BatchDetectSentiment then one BatchDetectKeyPhrases answer for `texts`,
    checking both requests carry exactly these texts in French."""
    request = {"TextList": list(texts), "LanguageCode": "fr"}
    stubber.add_response(
        "batch_detect_sentiment",
        sentiments
        or {"ResultList": [sentiment_result(i) for i in range(len(texts))], "ErrorList": []},
        request,
    )
    stubber.add_response(
        "batch_detect_key_phrases",
        phrases
        or {
            "ResultList": [phrases_result(i, phrase("la rue", 0.99)) for i in range(len(texts))],
            "ErrorList": [],
        },
        request,
    )


def test_maps_sentiment_scores_and_key_phrases(client: Any, stubber: Stubber) -> None:
    expect_batch(
        stubber,
        [POTHOLES, MARKET],
        sentiments={
            "ResultList": [sentiment_result(0, "NEGATIVE"), sentiment_result(1, "POSITIVE")],
            "ErrorList": [],
        },
        phrases={
            "ResultList": [
                phrases_result(
                    0,
                    phrase("Les nids-de-poule", 0.9987, 0),
                    phrase("la rue de l'Église", 0.9921, 21),
                    phrase("les vélos", 0.9874, 60),
                ),
                phrases_result(
                    1,
                    phrase("le marché de Noël", 0.9995, 10),
                    phrase("les chalets", 0.9991, 29),
                    phrase("Les Chalets", 0.9402, 29),
                ),
            ],
            "ErrorList": [],
        },
    )

    potholes, market = analyzer_for(client).analyze([POTHOLES, MARKET], commune())

    assert potholes == TextAnalysis(
        language="fr",
        sentiment=Sentiment.NEGATIVE,
        scores={"positive": 0.0032, "negative": 0.9578, "neutral": 0.0354, "mixed": 0.0036},
        key_phrases=("nids-de-poule", "rue de l'église", "vélo"),
        engine="comprehend",
        model_version="comprehend",
    )
    assert market.sentiment is Sentiment.POSITIVE
    assert market.key_phrases == ("marché de noël", "chalet")


def test_keeps_the_five_best_scored_key_phrases(client: Any, stubber: Stubber) -> None:
    found = [
        phrase("le stationnement", 0.91, 0),
        phrase("les trottoirs", 0.99, 20),
        phrase("des poussettes", 0.95, 40),
        phrase("la mairie", 0.97, 60),
        phrase("ce matin", 0.62, 80),
        phrase("les travaux", 0.98, 90),
        phrase("l'école", 0.96, 100),
    ]
    expect_batch(
        stubber,
        [POTHOLES],
        phrases={"ResultList": [phrases_result(0, *found)], "ErrorList": []},
    )

    [analysis] = analyzer_for(client).analyze([POTHOLES], commune())

    assert analysis.key_phrases == ("trottoir", "travaux", "mairie", "école", "poussette")


def test_sends_sixty_texts_in_chunks_of_twenty_five_and_keeps_their_order(
    client: Any, stubber: Stubber
) -> None:
    texts = [f"Avis numéro {n} sur la propreté du quartier." for n in range(60)]
    for start, size in ((0, 25), (25, 25), (50, 10)):
        chunk = texts[start : start + size]
        expect_batch(
            stubber,
            chunk,
            phrases={
                "ResultList": [
                    phrases_result(i, phrase(f"la ligne {start + i}", 0.99)) for i in range(size)
                ],
                "ErrorList": [],
            },
        )

    results = analyzer_for(client).analyze(texts, commune())

    assert [result.key_phrases for result in results] == [(f"ligne {n}",) for n in range(60)]


def test_truncates_a_long_accented_text_under_the_byte_limit_at_a_space(
    client: Any, stubber: Stubber
) -> None:
    long_text = "Été très agité à côté de l'école, célébrations tardives. " * 100
    assert len(long_text.encode("utf-8")) > 6_000
    sent = truncate_utf8(long_text, MAX_DOCUMENT_BYTES)
    assert len(sent.encode("utf-8")) <= 4_999
    assert long_text.startswith(sent)
    assert long_text[len(sent)].isspace()
    expect_batch(stubber, [sent])
    analyzer = analyzer_for(client)

    [analysis] = analyzer.analyze([long_text], commune())

    assert analysis.engine == "comprehend"
    assert analyzer.truncated_documents == 1


def test_a_text_that_fits_is_sent_whole(client: Any, stubber: Stubber) -> None:
    exact = "é" * 2_499 + "a"  # 4,999 bytes
    expect_batch(stubber, [exact])
    analyzer = analyzer_for(client)

    analyzer.analyze([exact], commune())

    assert analyzer.truncated_documents == 0


def test_a_document_in_the_error_list_fails_alone_at_its_own_index(
    client: Any, stubber: Stubber
) -> None:
    texts = [f"Avis {n} : les poubelles débordent." for n in range(27)]
    expect_batch(stubber, texts[:25])
    expect_batch(
        stubber,
        texts[25:],
        sentiments={
            "ResultList": [sentiment_result(0)],
            "ErrorList": [
                {
                    "Index": 1,
                    "ErrorCode": "INTERNAL_SERVER_ERROR",
                    "ErrorMessage": "Internal server error",
                }
            ],
        },
        phrases={
            "ResultList": [phrases_result(0, phrase("les poubelles", 0.99))],
            "ErrorList": [
                {
                    "Index": 1,
                    "ErrorCode": "INTERNAL_SERVER_ERROR",
                    "ErrorMessage": "Internal server error",
                }
            ],
        },
    )

    outcomes = analyzer_for(client).analyze_each(texts)

    assert all(isinstance(outcome, TextAnalysis) for outcome in outcomes[:26])
    error = outcomes[26]
    assert isinstance(error, ComprehendDocumentError)
    assert (error.index, error.error_code) == (26, "INTERNAL_SERVER_ERROR")


def test_analyze_raises_the_document_error(client: Any, stubber: Stubber) -> None:
    expect_batch(
        stubber,
        [POTHOLES],
        phrases={
            "ResultList": [],
            "ErrorList": [
                {"Index": 0, "ErrorCode": "INVALID_INPUT", "ErrorMessage": "Invalid input"}
            ],
        },
    )

    with pytest.raises(ComprehendDocumentError) as raised:
        analyzer_for(client).analyze([POTHOLES], commune())
    assert raised.value.error_code == "INVALID_INPUT"


def test_empty_texts_are_not_sent(client: Any, stubber: Stubber) -> None:
    expect_batch(stubber, [POTHOLES])

    empty, analysed, blank = analyzer_for(client).analyze_each(["", POTHOLES, "  \n"])

    assert isinstance(analysed, TextAnalysis)
    for index, outcome in ((0, empty), (2, blank)):
        assert isinstance(outcome, ComprehendDocumentError)
        assert (outcome.index, outcome.error_code) == (index, "EMPTY_TEXT")


def test_no_text_means_no_call(client: Any, stubber: Stubber) -> None:
    assert analyzer_for(client).analyze([], commune()) == []


@pytest.mark.parametrize(
    ("aws_code", "status", "expected"),
    [
        ("ThrottlingException", 400, ComprehendThrottledError),
        ("TooManyRequestsException", 429, ComprehendThrottledError),
        ("ServiceUnavailableException", 503, ComprehendUnavailableError),
        ("InternalServerException", 500, ComprehendUnavailableError),
        ("TextSizeLimitExceededException", 400, ComprehendRejectedError),
        ("UnsupportedLanguageException", 400, ComprehendRejectedError),
        ("InvalidRequestException", 400, ComprehendRejectedError),
        ("AccessDeniedException", 400, ComprehendError),
    ],
)
def test_client_errors_become_domain_errors(
    client: Any, stubber: Stubber, aws_code: str, status: int, expected: type[Exception]
) -> None:
    stubber.add_client_error(
        "batch_detect_sentiment",
        service_error_code=aws_code,
        service_message="Rate exceeded",
        http_status_code=status,
        expected_params={"TextList": [POTHOLES], "LanguageCode": "fr"},
    )

    with pytest.raises(ComprehendError) as raised:
        analyzer_for(client).analyze([POTHOLES], commune())
    assert type(raised.value) is expected
    # Comprehend's own answer, not a Stubber complaint about the request (also a botocore error).
    assert isinstance(raised.value.__cause__, ClientError)


def test_a_failing_key_phrase_call_fails_the_batch(client: Any, stubber: Stubber) -> None:
    stubber.add_response(
        "batch_detect_sentiment", {"ResultList": [sentiment_result(0)], "ErrorList": []}
    )
    stubber.add_client_error(
        "batch_detect_key_phrases", "ThrottlingException", "Rate exceeded", 400
    )

    with pytest.raises(ComprehendThrottledError):
        analyzer_for(client).analyze_each([POTHOLES])


class UnreachableComprehend:
    """A client whose network fails before Comprehend answers (the Stubber cannot raise
    transport errors)."""

    def __init__(self, error: Exception) -> None:
        self.error = error

    def batch_detect_sentiment(self, **_: Any) -> dict[str, Any]:
        raise self.error


@pytest.mark.parametrize(
    "error",
    [
        EndpointConnectionError(endpoint_url="https://comprehend.eu-west-1.amazonaws.com/"),
        ReadTimeoutError(endpoint_url="https://comprehend.eu-west-1.amazonaws.com/"),
        ConnectTimeoutError(endpoint_url="https://comprehend.eu-west-1.amazonaws.com/"),
    ],
)
def test_transport_errors_mean_unavailable(error: Exception) -> None:
    analyzer = ComprehendAnalyzer(client_factory=lambda: UnreachableComprehend(error))

    with pytest.raises(ComprehendUnavailableError):
        analyzer.analyze([POTHOLES], commune())


@pytest.mark.parametrize(
    ("found", "expected"),
    [
        ("Les Poubelles jaunes", "poubelle jaune"),
        ("de la piste cyclable", "piste cyclable"),
        ("l'éclairage public", "éclairage public"),
        ("l’Hôtel de Ville", "hôtel de ville"),
        ("ces travaux", "travaux"),
        ("mes enfants", "enfant"),
        ("des chevaux", "cheval"),
        ("la rue de l'Église", "rue de l'église"),
        ("les", ""),
        ("les deux premières semaines", ""),
        ("franchement", ""),
        ("deux", ""),
        ("la ligne 230", "ligne 230"),
        ("Les arrêts de bus", "arrêt de bus"),
    ],
)
def test_key_phrases_are_normalised_like_local_ones(found: str, expected: str) -> None:
    assert normalize_key_phrase(found) == expected


def test_region_is_configurable_apart_from_the_stack(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_REGION", "eu-west-3")
    monkeypatch.setenv("CONCERTO_COMPREHEND_REGION", "eu-central-1")

    client = comprehend.default_client()

    assert comprehend.comprehend_region() == "eu-central-1"
    assert client.meta.region_name == "eu-central-1"
    assert client.meta.config.connect_timeout == 3
    assert client.meta.config.read_timeout == 10
    assert client.meta.config.retries["mode"] == "standard"


def test_region_defaults_to_the_stack_region(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CONCERTO_COMPREHEND_REGION", raising=False)

    assert comprehend.comprehend_region() == "eu-west-1"
    assert comprehend.default_client().meta.region_name == "eu-west-1"


@given(st.text(), st.integers(min_value=0, max_value=64))
def test_truncation_is_a_valid_prefix_within_the_limit(text: str, max_bytes: int) -> None:
    cut = truncate_utf8(text, max_bytes)

    encoded = cut.encode("utf-8")
    assert len(encoded) <= max_bytes
    assert encoded.decode("utf-8") == cut
    assert text.startswith(cut)
    assert (cut == text) == (len(text.encode("utf-8")) <= max_bytes)


@given(st.text(alphabet="éèàçœ€😀 a", min_size=1))
def test_truncation_never_splits_a_multibyte_character(text: str) -> None:
    limit = max(len(text.encode("utf-8")) - 3, 0)

    cut = truncate_utf8(text, limit)

    assert len(cut.encode("utf-8")) <= limit
    assert text.startswith(cut)
    # Only a space search may take more than the one partial character off the end.
    assert len(cut.encode("utf-8")) > limit - 4 or " " in text[len(cut) :]
