"""Amazon Comprehend behind the Analyzer port: a managed French model for sentiment and key
phrases. This adapter fits texts to Comprehend's batch limits and turns its failures into
AnalysisErrors, per call or per document, that the FallbackAnalyzer can act on."""

from __future__ import annotations

import functools
import logging
import os
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from chalicelib import config
from chalicelib.adapters import aws
from chalicelib.analysis import key_phrases
from chalicelib.domain.commune import Commune
from chalicelib.domain.errors import AnalysisError
from chalicelib.domain.threads import Sentiment, TextAnalysis
from chalicelib.ports import Analyzer

logger = logging.getLogger(__name__)

ENGINE = "comprehend"
# Comprehend does not say which model version answered.
MODEL_VERSION = "comprehend"
MAX_BATCH_DOCUMENTS = 25
# The BatchDetect* APIs take documents of "fewer than 5,000 bytes of UTF-8 encoded characters".
MAX_DOCUMENT_BYTES = 4_999
KEY_PHRASE_LIMIT = 5
# Ending the sent text at a space keeps its last word whole; further back than this, a hard cut
# loses less of the text than the search for a space would.
_WORD_BOUNDARY_WINDOW = 100

_THROTTLED_CODES = frozenset({"ThrottlingException", "TooManyRequestsException"})
_UNAVAILABLE_CODES = frozenset({"ServiceUnavailableException", "InternalServerException"})
_REJECTED_CODES = frozenset(
    {
        "TextSizeLimitExceededException",
        "UnsupportedLanguageException",
        "InvalidRequestException",
        "BatchSizeLimitExceededException",
    }
)


class ComprehendError(AnalysisError):
    code = "comprehend_error"


class ComprehendThrottledError(ComprehendError):
    code = "comprehend_throttled"


class ComprehendUnavailableError(ComprehendError):
    """Comprehend is down or unreachable (5xx, connection refused, timeout)."""

    code = "comprehend_unavailable"


class ComprehendRejectedError(ComprehendError):
    """Comprehend refused the whole request (size, language, malformed input)."""

    code = "comprehend_rejected"


class ComprehendDocumentError(ComprehendError):
    """Comprehend answered the batch but not this document. `index` is the document's position
    in the texts given to analyze_each; `error_code` is Comprehend's (or EMPTY_TEXT,
    MISSING_RESULT when the adapter decided)."""

    code = "comprehend_document_error"

    def __init__(self, message: str, *, index: int, error_code: str) -> None:
        super().__init__(message)
        self.index = index
        self.error_code = error_code


def comprehend_region() -> str:
    # Comprehend is not offered in every region (not in Paris, eu-west-3), so a stack there
    # calls it in another region while its data stays home.
    return os.environ.get("CONCERTO_COMPREHEND_REGION") or config.region()


def default_client() -> Any:
    region = comprehend_region()
    if region == config.region():
        return aws.client("comprehend")
    return _regional_client(region)


@functools.cache
def _regional_client(region: str) -> Any:
    import boto3  # deferred like adapters.aws: only texts on their way to Comprehend pay it
    from botocore.config import Config

    connect_timeout, read_timeout = config.aws_timeouts()
    factory: Any = boto3.client
    return factory(
        "comprehend",
        region_name=region,
        config=Config(
            retries={"mode": "standard", "max_attempts": 4},
            connect_timeout=connect_timeout,
            read_timeout=read_timeout,
        ),
    )


def utf8_length(text: str) -> int:
    """Bytes of `text` as sent to Comprehend (a lone surrogate counts as its replacement)."""
    return len(text.encode("utf-8", errors="replace"))


def truncate_utf8(text: str, max_bytes: int) -> str:
    """A prefix of `text` of at most `max_bytes` UTF-8 bytes, never ending inside a character,
    and ending before a whitespace when one is near the limit. `text` itself when it fits."""
    encoded = text.encode("utf-8")
    if len(encoded) <= max_bytes:
        return text
    # The bytes before the cut are whole characters but the last one may be partial:
    # "ignore" drops exactly that partial sequence.
    cut = encoded[:max_bytes].decode("utf-8", errors="ignore")
    if text[len(cut)].isspace():
        return cut
    lowest = max(len(cut) - _WORD_BOUNDARY_WINDOW, 1)
    for position in range(len(cut) - 1, lowest - 1, -1):
        if cut[position].isspace():
            return cut[:position].rstrip() or cut
    return cut


def normalize_key_phrase(phrase: str) -> str:
    """Comprehend's raw noun phrase named like the local extractor's ("Les Poubelles jaunes"
    -> "poubelle jaune"); empty when it names no thing ("franchement", "deux")."""
    return key_phrases.normalize_phrase(phrase)


def _key_phrases(found: Sequence[Mapping[str, Any]]) -> tuple[str, ...]:
    ranked = sorted(found, key=lambda item: (-float(item["Score"]), item.get("BeginOffset", 0)))
    chosen: dict[str, str] = {}
    for item in ranked:
        phrase = normalize_key_phrase(str(item["Text"]))
        # Lemma key: "école" and "ecoles" are one topic however the citizen typed it.
        if phrase and key_phrases.phrase_key(phrase) not in chosen:
            chosen[key_phrases.phrase_key(phrase)] = phrase
        if len(chosen) == KEY_PHRASE_LIMIT:
            break
    return tuple(chosen.values())


def _by_index(response: Mapping[str, Any], key: str) -> dict[int, Mapping[str, Any]]:
    return {int(item["Index"]): item for item in response.get(key, [])}


def _translate(error: Exception) -> ComprehendError:
    from botocore.exceptions import (
        ClientError,
        ConnectionError,
        HTTPClientError,
        ParamValidationError,
    )

    if isinstance(error, ClientError):
        code = str(error.response.get("Error", {}).get("Code", ""))
        message = f"Comprehend answered {code}"
        if code in _THROTTLED_CODES:
            return ComprehendThrottledError(message)
        if code in _UNAVAILABLE_CODES:
            return ComprehendUnavailableError(message)
        if code in _REJECTED_CODES:
            return ComprehendRejectedError(message)
        return ComprehendError(message)
    # ConnectionError covers EndpointConnectionError and ConnectTimeoutError; HTTPClientError
    # covers ReadTimeoutError and a connection closed mid-answer.
    if isinstance(error, ConnectionError | HTTPClientError):
        return ComprehendUnavailableError(f"Comprehend unreachable: {type(error).__name__}")
    if isinstance(error, ParamValidationError):
        return ComprehendRejectedError("Comprehend request is invalid")
    return ComprehendError(f"Comprehend call failed: {type(error).__name__}")


def _call(operation: Callable[..., Any], texts: list[str], language: str) -> Mapping[str, Any]:
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        response: Mapping[str, Any] = operation(TextList=texts, LanguageCode=language)
    except (BotoCoreError, ClientError) as error:
        raise _translate(error) from error
    return response


class ComprehendAnalyzer(Analyzer):
    def __init__(
        self, client_factory: Callable[[], Any] | None = None, language: str = "fr"
    ) -> None:
        self._client_factory = client_factory or default_client
        self._language = language
        self._lock = threading.Lock()
        self._truncated = 0

    @property
    def truncated_documents(self) -> int:
        """Documents cut to fit Comprehend's size limit since this analyzer was built."""
        with self._lock:
            return self._truncated

    def analyze(self, texts: Sequence[str], commune: Commune) -> list[TextAnalysis]:
        """Raises the first document's error when Comprehend could not analyse every text."""
        results: list[TextAnalysis] = []
        for outcome in self.analyze_each(texts):
            if isinstance(outcome, AnalysisError):
                raise outcome
            results.append(outcome)
        return results

    def analyze_each(self, texts: Sequence[str]) -> list[TextAnalysis | AnalysisError]:
        """One outcome per text, in order: a TextAnalysis, or a ComprehendDocumentError for a
        text Comprehend did not analyse (an empty text is never sent). Raises
        ComprehendThrottledError, ComprehendUnavailableError, ComprehendRejectedError or
        ComprehendError when a call fails as a whole; nothing is returned then."""
        if not texts:
            return []
        client = self._client_factory()
        outcomes: list[TextAnalysis | AnalysisError] = []
        for offset in range(0, len(texts), MAX_BATCH_DOCUMENTS):
            chunk = texts[offset : offset + MAX_BATCH_DOCUMENTS]
            outcomes.extend(self._analyze_chunk(client, chunk, offset))
        return outcomes

    def _analyze_chunk(
        self, client: Any, chunk: Sequence[str], offset: int
    ) -> list[TextAnalysis | AnalysisError]:
        outcomes: list[TextAnalysis | AnalysisError] = [
            ComprehendDocumentError("empty text", index=offset + i, error_code="EMPTY_TEXT")
            for i in range(len(chunk))
        ]
        # Comprehend rejects the whole batch for one empty document: empty texts stay here.
        positions = [i for i, text in enumerate(chunk) if text.strip()]
        if not positions:
            return outcomes
        sent = [self._fit(chunk[i]) for i in positions]
        sentiments = _call(client.batch_detect_sentiment, sent, self._language)
        phrases = _call(client.batch_detect_key_phrases, sent, self._language)
        merged = self._merge(sentiments, phrases, [offset + i for i in positions])
        for position, outcome in zip(positions, merged, strict=True):
            outcomes[position] = outcome
        return outcomes

    def _fit(self, text: str) -> str:
        # A lone surrogate (possible from JSON "\ud800") cannot be encoded: replace it.
        sendable = text.encode("utf-8", errors="replace").decode("utf-8")
        fitted = truncate_utf8(sendable, MAX_DOCUMENT_BYTES)
        if len(fitted) < len(sendable):
            with self._lock:
                self._truncated += 1
            logger.info(
                "text truncated for Comprehend",
                extra={"originalBytes": utf8_length(sendable), "sentBytes": utf8_length(fitted)},
            )
        return fitted

    def _merge(
        self, sentiments: Mapping[str, Any], phrases: Mapping[str, Any], indexes: list[int]
    ) -> list[TextAnalysis | AnalysisError]:
        """Pairs both answers by their Index (a position in the batch sent); `indexes` gives
        each sent document's position in the caller's texts."""
        errors = _by_index(phrases, "ErrorList") | _by_index(sentiments, "ErrorList")
        sentiment_results = _by_index(sentiments, "ResultList")
        phrase_results = _by_index(phrases, "ResultList")
        merged: list[TextAnalysis | AnalysisError] = []
        for index, caller_index in enumerate(indexes):
            error = errors.get(index)
            if error is not None:
                merged.append(
                    ComprehendDocumentError(
                        str(error.get("ErrorMessage", "")),
                        index=caller_index,
                        error_code=str(error.get("ErrorCode", "")),
                    )
                )
            elif index in sentiment_results and index in phrase_results:
                merged.append(self._analysis(sentiment_results[index], phrase_results[index]))
            else:
                merged.append(
                    ComprehendDocumentError(
                        "Comprehend returned no result",
                        index=caller_index,
                        error_code="MISSING_RESULT",
                    )
                )
        return merged

    def _analysis(self, sentiment: Mapping[str, Any], phrases: Mapping[str, Any]) -> TextAnalysis:
        score = sentiment["SentimentScore"]
        return TextAnalysis(
            language=self._language,
            sentiment=Sentiment(sentiment["Sentiment"]),
            scores={
                "positive": float(score["Positive"]),
                "negative": float(score["Negative"]),
                "neutral": float(score["Neutral"]),
                "mixed": float(score["Mixed"]),
            },
            key_phrases=_key_phrases(phrases.get("KeyPhrases", [])),
            engine=ENGINE,
            model_version=MODEL_VERSION,
        )
