"""The Bedrock summary adapter against a real botocore client whose HTTP layer is a Stubber
(moto has no Bedrock runtime): what it sends (masked texts, short references, bounded
tokens), how it reads Converse answers, and the answers it refuses; then the fallback to the
extractive summary and the per-commune opt-out."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import boto3
import pytest
from botocore.exceptions import ReadTimeoutError
from botocore.stub import ANY, Stubber

from chalicelib.adapters.bedrock import (
    MAX_INPUT_TOKENS,
    MAX_OUTPUT_TOKENS,
    BedrockAnswerError,
    BedrockRefusedError,
    BedrockSummarizer,
    BedrockThrottledError,
    BedrockUnavailableError,
    estimated_tokens,
    parse_answer,
    prompt_for,
)
from chalicelib.analysis.fallback import BreakerState, CircuitBreaker
from chalicelib.analysis.summaries import ExtractiveSummarizer
from chalicelib.analysis.summary_fallback import FallbackSummarizer
from chalicelib.domain.commune import CommuneSettings
from chalicelib.domain.summaries import QuotedText
from tests.fakes import commune

pytestmark = pytest.mark.unit

MODEL = "anthropic.claude-3-haiku-20240307-v1:0"
OPINIONS = [
    QuotedText("01JF0A", "Le parking de la gare est plein dès sept heures du matin."),
    QuotedText("01JF0B", "Impossible de se garer à la gare après huit heures, appelez [nom]."),
    QuotedText("01JF0C", "Le marché du samedi est très agréable, les producteurs sont sympas."),
]


@pytest.fixture
def client() -> Any:
    return boto3.client("bedrock-runtime", region_name="eu-west-1")


@pytest.fixture
def stubber(client: Any) -> Iterator[Stubber]:
    with Stubber(client) as stub:
        yield stub
        stub.assert_no_pending_responses()


def summarizer_for(client: Any) -> BedrockSummarizer:
    return BedrockSummarizer(client_factory=lambda: client, model_id=MODEL)


def converse_answer(
    text: str, stop: str = "end_turn", tokens: tuple[int, int] = (412, 87)
) -> dict[str, Any]:
    """A Converse response shaped as Bedrock records them (output.message.content[].text)."""
    return {
        "output": {"message": {"role": "assistant", "content": [{"text": text}]}},
        "stopReason": stop,
        "usage": {
            "inputTokens": tokens[0],
            "outputTokens": tokens[1],
            "totalTokens": tokens[0] + tokens[1],
        },
        "metrics": {"latencyMs": 1840},
    }


def expect(stubber: Stubber, response: dict[str, Any]) -> None:
    stubber.add_response(
        "converse",
        response,
        {
            "modelId": MODEL,
            "system": ANY,
            "messages": ANY,
            "inferenceConfig": {"maxTokens": MAX_OUTPUT_TOKENS, "temperature": 0.0},
        },
    )


ANSWER = json.dumps(
    {
        "summary": "Les habitants disent que le parking de la gare est saturé le matin (o1, o2).",
        "quotes": ["o1", "o2"],
    },
    ensure_ascii=False,
)


def test_summary_cites_the_opinion_ids_and_records_its_cost(client: Any, stubber: Stubber) -> None:
    expect(stubber, converse_answer("Voici le résultat :\n" + ANSWER))
    summary = summarizer_for(client).summarize(OPINIONS, commune())
    assert summary.text == "Les habitants disent que le parking de la gare est saturé le matin."
    assert summary.quotes == ("01JF0A", "01JF0B")
    assert summary.engine == "bedrock"
    # 412 input tokens at $0.00025/1k and 87 output tokens at $0.00125/1k.
    assert summary.cost_usd == pytest.approx(0.000103 + 0.000109, abs=1e-6)


def test_only_masked_texts_and_short_references_are_sent() -> None:
    message, references = prompt_for(OPINIONS)
    assert references == {"o1": "01JF0A", "o2": "01JF0B", "o3": "01JF0C"}
    assert "[o2] Impossible de se garer à la gare après huit heures, appelez [nom]." in message
    assert "01JF0" not in message


def test_the_input_is_bounded_whatever_the_number_of_opinions() -> None:
    many = [
        QuotedText(f"id{n}", "Le bus passe en retard tous les matins. " * 40) for n in range(200)
    ]
    message, references = prompt_for(many)
    assert estimated_tokens(message) < MAX_INPUT_TOKENS
    assert 5 < len(references) < 200
    assert list(references.values()) == [f"id{n}" for n in range(len(references))]  # newest first
    # The worst case costs at most this much with Claude 3 Haiku's prices.
    assert MAX_INPUT_TOKENS / 1000 * 0.00025 + MAX_OUTPUT_TOKENS / 1000 * 0.00125 < 0.0021


@pytest.mark.parametrize(
    "answer",
    [
        "Je ne peux pas résumer ces avis.",
        json.dumps({"summary": "Les habitants sont mécontents.", "quotes": []}),
        json.dumps({"summary": "Les habitants sont mécontents.", "quotes": ["o1", "o9"]}),
        json.dumps({"summary": "Les habitants sont mécontents.", "quotes": ["01JF0A"]}),
        json.dumps({"summary": "", "quotes": ["o1"]}),
        '{"summary": "coupé',
    ],
    ids=["refusal-in-prose", "no-quote", "unknown-ref", "raw-id", "empty", "broken-json"],
)
def test_answers_citing_no_or_unknown_opinions_are_refused(
    client: Any, stubber: Stubber, answer: str
) -> None:
    expect(stubber, converse_answer(answer))
    with pytest.raises(BedrockAnswerError):
        summarizer_for(client).summarize(OPINIONS, commune())


def test_a_filtered_or_cut_answer_is_refused(client: Any, stubber: Stubber) -> None:
    expect(stubber, converse_answer("", stop="content_filtered"))
    expect(stubber, converse_answer(ANSWER[:40], stop="max_tokens"))
    summarizer = summarizer_for(client)
    with pytest.raises(BedrockRefusedError):
        summarizer.summarize(OPINIONS, commune())
    with pytest.raises(BedrockAnswerError):
        summarizer.summarize(OPINIONS, commune())


@pytest.mark.parametrize(
    ("code", "status", "error"),
    [
        ("ThrottlingException", 429, BedrockThrottledError),
        ("ServiceQuotaExceededException", 400, BedrockThrottledError),
        ("ModelTimeoutException", 408, BedrockUnavailableError),
        ("ServiceUnavailableException", 503, BedrockUnavailableError),
        ("AccessDeniedException", 403, BedrockRefusedError),
        ("ValidationException", 400, BedrockRefusedError),
    ],
)
def test_service_errors_are_translated(
    client: Any, stubber: Stubber, code: str, status: int, error: type[Exception]
) -> None:
    stubber.add_client_error("converse", code, "refused", status)
    with pytest.raises(error):
        summarizer_for(client).summarize(OPINIONS, commune())


def test_nothing_to_summarise_costs_no_call(client: Any, stubber: Stubber) -> None:
    summary = summarizer_for(client).summarize([QuotedText("x", "   ")], commune())
    assert summary.empty and summary.cost_usd == 0.0


def test_parse_answer_drops_reference_marks_and_repeated_ids() -> None:
    text, ids = parse_answer(
        '{"summary": "Le parking est plein [o1]. Le marché plaît (o3).",'
        ' "quotes": ["o1", "o3", "o1"]}',
        {"o1": "A", "o3": "C"},
    )
    assert (text, ids) == ("Le parking est plein. Le marché plaît.", ("A", "C"))


class Failing(BedrockSummarizer):
    def __init__(self, error: Exception) -> None:
        self.error = error
        self.calls = 0

    def summarize(self, opinions: Any, commune: Any) -> Any:
        self.calls += 1
        raise self.error


def lexical() -> ExtractiveSummarizer:
    return ExtractiveSummarizer(embedder=lambda: None)


def test_fallback_uses_bedrock_when_it_answers(client: Any, stubber: Stubber) -> None:
    expect(stubber, converse_answer(ANSWER))
    summary = FallbackSummarizer(summarizer_for(client), lexical()).summarize(OPINIONS, commune())
    assert summary.engine == "bedrock"


@pytest.mark.parametrize(
    "error",
    [
        BedrockThrottledError("slow down"),
        BedrockUnavailableError("down"),
        BedrockRefusedError("filtered"),
        BedrockAnswerError("unknown ids"),
        ReadTimeoutError(endpoint_url="https://bedrock-runtime.eu-west-1.amazonaws.com"),
    ],
)
def test_fallback_writes_the_extractive_summary_on_any_failure(error: Exception) -> None:
    summary = FallbackSummarizer(Failing(error), lexical()).summarize(OPINIONS, commune())
    assert summary.engine == "extractive"
    assert summary.quotes and set(summary.quotes) <= {opinion.id for opinion in OPINIONS}


def test_an_opted_out_commune_never_reaches_bedrock() -> None:
    primary = Failing(BedrockUnavailableError("never called"))
    opted_out = replace(commune(), settings=CommuneSettings(bedrock_enabled=False))
    summary = FallbackSummarizer(primary, lexical()).summarize(OPINIONS, opted_out)
    assert summary.engine == "extractive" and primary.calls == 0


def test_outages_open_the_breaker_but_a_bad_answer_does_not() -> None:
    breaker = CircuitBreaker(failure_threshold=2, reset_after_seconds=60, clock=lambda: 0.0)
    down = Failing(BedrockThrottledError("slow down"))
    fallback = FallbackSummarizer(down, lexical(), breaker)
    for _ in range(3):
        fallback.summarize(OPINIONS, commune())
    assert breaker.state is BreakerState.OPEN and down.calls == 2

    breaker = CircuitBreaker(failure_threshold=2, reset_after_seconds=60, clock=lambda: 0.0)
    wrong = Failing(BedrockAnswerError("unknown ids"))
    fallback = FallbackSummarizer(wrong, lexical(), breaker)
    for _ in range(3):
        fallback.summarize(OPINIONS, commune())
    assert breaker.state is BreakerState.CLOSED and wrong.calls == 3


def test_a_stack_without_bedrock_writes_extractive_summaries(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from chalicelib import bootstrap

    monkeypatch.setenv("CONCERTO_BEDROCK", "off")
    assert isinstance(bootstrap.summarizer(), ExtractiveSummarizer)
    monkeypatch.setenv("CONCERTO_BEDROCK", "on")
    assert isinstance(bootstrap.summarizer(), FallbackSummarizer)
