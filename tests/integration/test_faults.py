"""Issue #9, "nothing lost": faults injected at the boundaries of the real pipeline on moto
(real adapters, real queues, the handlers Lambda calls). Every accepted message ends
analysed exactly once, or failed visibly with its job in the dead-letter queue, and the
counters the dashboard reads equal a recount from the stored threads.

`pytest tests/integration/test_faults.py -s` prints one `[faults]` line per scenario:
the figures to quote (bench/faults.py prints them as a table)."""

from __future__ import annotations

import email
import json
import uuid
from collections import Counter
from email.policy import default
from typing import Any

import pytest
from moto.core import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends

from chalicelib import resources
from chalicelib.adapters.aws import client as aws_client
from chalicelib.adapters.dynamo.repositories import DynamoThreadRepository, transaction_connection
from chalicelib.adapters.sqs import encode_job, redrive_dead_letters
from chalicelib.analysis.comprehend import ComprehendAnalyzer
from chalicelib.analysis.fallback import BreakerState, CircuitBreaker, FallbackAnalyzer
from chalicelib.analysis.pipeline import CompositeAnalyzer
from chalicelib.domain.commune import UNSORTED
from chalicelib.domain.staff import Role, StaffIdentity
from chalicelib.domain.threads import Delivery, Message, ThreadChanges, Visibility
from chalicelib.ports import AnalysisJob, Ports
from chalicelib.services import feedback, inbox
from chalicelib.services.feedback import SubmitFeedback
from chalicelib.workers.analysis import handle_analysis
from chalicelib.workers.delivery import handle_delivery
from local.worker import LambdaContext, sqs_event
from tests.fakes import BIOT, FailingAnalyzer, KeywordAnalyzer, staff
from tests.faults import (
    AwsErrors,
    CompetingWriter,
    CrashAfterRecords,
    CrashAfterSent,
    ScriptedComprehend,
    SesFaults,
    SqsDriver,
    Verdict,
    WorkerDuringStaffWrite,
    client_error,
    verdict,
)
from tests.integration.conftest import REGION, login

pytestmark = [pytest.mark.integration, pytest.mark.slow]
PRIVATE = Visibility.PRIVATE

THEMES = ("proprete", "voirie-stationnement", "transports", "securite", "environnement")
QUARTIERS = ("village", "la-brague", "saint-philippe", None)
TEXTS = (
    "Les poubelles débordent encore rue {n}, c'est inadmissible.",
    "Merci pour le nouveau parc, les enfants l'adorent ({n}).",
    "Le bus de {n} heures est toujours en retard.",
    "Bravo pour les illuminations, quartier magnifique ({n}).",
    "Les trottoirs sont dangereux près de l'école {n}.",
)


class DyingContext(LambdaContext):
    """A Lambda context whose time is up by the time SQS redelivers (its visibility timeout
    is 6 × the function's): Powertools then treats a killed record's claim as expired."""

    def get_remaining_time_in_millis(self) -> int:
        return 1


def submit_many(ports: Ports, count: int, themes: tuple[str, ...] = THEMES) -> list[str]:
    """`count` opinions of varied themes, quartiers, ratings and moods, as citizens send."""
    ids = []
    for n in range(count):
        command = SubmitFeedback(
            theme=themes[n % len(themes)],
            text=TEXTS[n % len(TEXTS)].format(n=n),
            quartier=QUARTIERS[n % len(QUARTIERS)],
            rating=(n % 5) + 1 if n % 3 else None,
        )
        ids.append(feedback.submit_feedback(ports, "biot", command).thread_id)
    return ids


@pytest.fixture
def pipeline(ports: Ports) -> Ports:
    """The real pipeline with a fast sentiment engine (the local model spends seconds per
    batch embedding texts, which these tests are not about); themes, PII and toxicity stay
    ours."""
    ports.analyzer = CompositeAnalyzer(KeywordAnalyzer(), ports.corrections)
    return ports


def worker(event: dict[str, Any], context: Any) -> Any:
    return handle_analysis(event, context)


def assert_nothing_lost(result: Verdict, analysed: int, dead_lettered: int = 0) -> None:
    assert result.lost == []
    assert result.counted_twice == []
    assert result.drift == {}
    assert (result.analysed_once, result.dead_lettered_visible) == (analysed, dead_lettered)


def thread_ids_of(messages: list[dict[str, Any]]) -> list[str]:
    return [json.loads(message["Body"])["threadId"] for message in messages]


# 1. The worker dies mid-batch ---------------------------------------------------------------


def test_a_worker_killed_mid_batch_loses_nothing_and_counts_nothing_twice(pipeline):
    ports = pipeline
    accepted = submit_many(ports, 40)
    # Killed right after the 4th, 17th and 33rd commits: written, never acknowledged.
    repository = CrashAfterRecords(4, 17, 33)
    ports.threads = repository
    analysis_queue = SqsDriver(resources.ANALYSIS_QUEUE)

    for _ in range(100):
        messages = analysis_queue.receive()
        if not messages:
            break
        analysis_queue.invoke(worker, messages, DyingContext("analysis", 60))

    assert analysis_queue.crashes == 3
    # Each analysis written once: a redelivered record finds its message analysed.
    assert repository.commits == 40
    assert analysis_queue.dead_letters() == []
    result = verdict(ports, BIOT, "worker killed mid-batch (3 kills)", accepted)
    assert_nothing_lost(result, analysed=40)


# 2. Comprehend throttles, goes down, recovers; then the local model fails too ---------------


class Monotonic:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def comprehend_pipeline(ports: Ports, comprehend: ScriptedComprehend, local: Any) -> Any:
    clock = Monotonic()
    breaker = CircuitBreaker(failure_threshold=3, reset_after_seconds=60, clock=clock)
    engine = FallbackAnalyzer(ComprehendAnalyzer(client_factory=lambda: comprehend), local, breaker)
    ports.analyzer = CompositeAnalyzer(engine, ports.corrections)
    return engine, clock


def test_comprehend_throttling_then_down_falls_back_opens_the_breaker_and_counts_exactly(ports):
    accepted = submit_many(ports, 42)
    comprehend = ScriptedComprehend()
    engine, clock = comprehend_pipeline(ports, comprehend, KeywordAnalyzer())
    analysis_queue = SqsDriver(resources.ANALYSIS_QUEUE)
    # Comprehend's state during each batch of 7; the breaker opens after 3 failures and
    # lets a trial through 60 s later.
    script = ["up", "throttled", "down", "down", "up", "up"]
    engines: dict[str, str] = {}
    for batch, state in enumerate(script):
        if batch == 5:
            clock.now += 61
        comprehend.state = state
        messages = analysis_queue.receive(7)
        assert len(messages) == 7
        assert analysis_queue.invoke(worker, messages) == set()
        for thread_id in thread_ids_of(messages):
            result = ports.threads.get(BIOT, thread_id).analysis.result
            engines[thread_id] = result.engine if result else "none"
        if batch == 4:
            assert engine.breaker.state is BreakerState.OPEN

    # Two calls (sentiment, key phrases) when up, one that fails otherwise, none when open.
    assert comprehend.calls == ["up", "up", "throttled", "down", "down", "up", "up"]
    assert engine.breaker.state is BreakerState.CLOSED
    stats = engine.stats
    assert (stats.primary, stats.fallback) == (14, 28)
    assert {reason.value: n for reason, n in stats.reasons.items()} == {
        "throttled": 7,
        "unavailable": 14,
        "breaker_open": 7,
    }
    by_engine = [engines[thread_id] for thread_id in accepted]
    assert by_engine == ["comprehend"] * 7 + ["local"] * 28 + ["comprehend"] * 7
    result = verdict(
        ports, BIOT, "comprehend throttled, down, back", accepted, notes="14 comprehend, 28 local"
    )
    assert_nothing_lost(result, analysed=42)


def test_with_the_local_model_down_too_jobs_end_in_the_dlq_visible_and_replay_analyses_them(
    ports, client, aws
):
    accepted = submit_many(ports, 30)
    comprehend = ScriptedComprehend()
    comprehend.state = "down"
    local = FailingAnalyzer()
    comprehend_pipeline(ports, comprehend, local)
    analysis_queue = SqsDriver(resources.ANALYSIS_QUEUE)

    analysis_queue.drain(worker)

    dead = [job["threadId"] for job in analysis_queue.dead_letters()]
    assert sorted(dead) == sorted(accepted)
    assert local.calls == 5 * 3  # five attempts of three batches
    outage = verdict(ports, BIOT, "comprehend + local model down", accepted, dead)
    assert_nothing_lost(outage, analysed=0, dead_lettered=30)
    agent = {"authorization": f"Bearer {login(aws, 'agent@biot.demo')}"}
    shown = json.loads(client.http.get(f"/console/threads/{accepted[0]}", headers=agent).body)
    assert shown["analysis"]["status"] == "failed"
    assert "AnalysisError" in shown["analysis"]["error"]

    comprehend.state = "up"
    comprehend_pipeline(ports, comprehend, KeywordAnalyzer())  # a fresh breaker, as a new Lambda
    assert redrive_dead_letters(analysis_queue.url, analysis_queue.dlq_url) == 30
    analysis_queue.drain(worker)

    assert analysis_queue.dead_letters() == []
    replayed = verdict(ports, BIOT, "... then replayed from the DLQ", accepted)
    assert_nothing_lost(replayed, analysed=30)


# 3. Another writer between a read and a write -----------------------------------------------


def agent() -> StaffIdentity:
    return staff(BIOT, Role.AGENT)


def test_writers_between_the_workers_read_and_write_leave_the_counters_exact(pipeline):
    ports = pipeline
    accepted = submit_many(ports, 40)

    def staff_moves_it(message: Message, *_: Any, **__: Any) -> None:
        inbox.update_thread(ports, agent(), message.thread_id, ThreadChanges(theme="culture-sport"))

    def second_worker(message: Message, *args: Any, **kwargs: Any) -> None:
        assert DynamoThreadRepository().record_analysis(message, *args, **kwargs)

    def staff_answers(message: Message, *_: Any, **__: Any) -> None:
        inbox.reply_to_thread(ports, agent(), message.thread_id, "Merci, c'est noté.", PRIVATE)

    moved, twice, answered = accepted[0::4], accepted[1::4], accepted[2::4]
    competing = {
        **dict.fromkeys(moved, staff_moves_it),
        **dict.fromkeys(twice, second_worker),
        **dict.fromkeys(answered, staff_answers),
    }
    ports.threads = CompetingWriter(competing)
    SqsDriver(resources.ANALYSIS_QUEUE).drain(worker)

    assert {ports.threads.get(BIOT, thread_id).theme for thread_id in moved} == {"culture-sport"}
    assert all(ports.threads.get(BIOT, t).first_answer_at is not None for t in answered)
    result = verdict(
        ports,
        BIOT,
        "writers between worker read and write",
        accepted,
        notes="10 theme edits, 10 second workers, 10 answers",
    )
    assert_nothing_lost(result, analysed=40)


def single_job_event(thread_id: str) -> dict[str, Any]:
    """The job of one thread as a second delivery of it (SQS delivers at least once)."""
    job = AnalysisJob(BIOT, thread_id, thread_id)
    record = {
        "MessageId": str(uuid.uuid4()),
        "ReceiptHandle": "second-delivery",
        "Body": encode_job(job),
        "Attributes": {"ApproximateReceiveCount": "1"},
    }
    return sqs_event([record], "arn:aws:sqs:eu-west-1:123456789012:analysis", "eu-west-1")


def test_an_analysis_landing_between_a_staff_read_and_write_never_skews_the_counters(pipeline):
    ports = pipeline
    # Unsorted opinions take the theme the analysis suggests; sorted ones get corrected.
    unsorted = submit_many(ports, 20, themes=(UNSORTED,))
    corrected = submit_many(ports, 20)
    racing: list[str] = []

    def worker_meanwhile() -> None:
        worker(single_job_event(racing.pop()), LambdaContext("analysis", 60))

    ports.threads = WorkerDuringStaffWrite(worker_meanwhile, unsorted + corrected)
    for thread_id in unsorted:
        racing.append(thread_id)
        inbox.reply_to_thread(ports, agent(), thread_id, "Bonjour, nous regardons.", PRIVATE)
    for n, thread_id in enumerate(corrected):
        racing.append(thread_id)
        if n % 4 == 0:  # answered first: the correction moves its first answer too
            inbox.reply_to_thread(ports, agent(), thread_id, "Bonjour, c'est noté.", PRIVATE)
        inbox.update_thread(ports, agent(), thread_id, ThreadChanges(theme="culture-sport"))
    SqsDriver(resources.ANALYSIS_QUEUE).drain(worker)  # the first deliveries: nothing to do

    for thread_id in unsorted:
        thread = ports.threads.get(BIOT, thread_id)
        assert thread.first_answer_at is not None
        assert thread.theme == thread.analysis.result.theme or thread.analysis.result.theme is None
    assert {ports.threads.get(BIOT, t).theme for t in corrected} == {"culture-sport"}
    result = verdict(ports, BIOT, "analysis between staff read and write", unsorted + corrected)
    assert_nothing_lost(result, analysed=40)


def test_dynamodb_cancelling_transactions_on_conflict_only_delays_the_analysis(pipeline):
    ports = pipeline
    accepted = submit_many(ports, 40)
    conflict = client_error(
        "TransactionCanceledException",
        "TransactWriteItems",
        CancellationReasons=[
            {"Code": "TransactionConflict", "Message": "Transaction is ongoing for the item"},
            {"Code": "None"},
        ],
    )
    cancelled = AwsErrors(
        transaction_connection().client, "TransactWriteItems", [conflict, None, None] * 6
    )
    SqsDriver(resources.ANALYSIS_QUEUE).drain(worker)

    assert cancelled.answers == []  # all six conflicts happened
    result = verdict(ports, BIOT, "dynamodb TransactionConflict x6", accepted)
    assert_nothing_lost(result, analysed=40)


# 4. SES throttles, then refuses some recipients -----------------------------------------------

ANSWER_SUBJECT = "Réponse de la mairie de Biot à votre avis"


def test_ses_throttling_and_refusals_end_each_answer_sent_once_or_failed_with_its_reason(
    pipeline,
):
    ports = pipeline
    addresses = [f"habitant{n}@citoyens.test" for n in range(24)]
    accepted = []
    for n, address in enumerate(addresses):
        command = SubmitFeedback(
            theme=THEMES[n % len(THEMES)],
            text=TEXTS[n % len(TEXTS)].format(n=n),
            email=address,
            consent=True,
        )
        accepted.append(feedback.submit_feedback(ports, "biot", command).thread_id)
    refused = set(addresses[::6])
    ses = SesFaults(aws_client("sesv2"), throttled=0, refused=refused)
    delivery = SqsDriver(resources.DELIVERY_QUEUE)
    delivery.drain(handle_delivery)  # the addresses' verification links
    for thread_id in accepted:
        inbox.reply_to_thread(ports, agent(), thread_id, "Bonjour, c'est noté.", PRIVATE)
    ses.throttled = 15
    ports.threads = CrashAfterSent(accepted[1::4])

    delivery.drain(handle_delivery)

    assert delivery.crashes == 6
    assert ses.answered["TooManyRequestsException"] == 15
    # A refusal is final: its answer is never handed back to SQS for another attempt.
    refused_threads = {t for t, a in zip(accepted, addresses, strict=True) if a in refused}
    retried = {job["threadId"] for job in delivery.reported if not job.get("verify")}
    assert retried and not retried & refused_threads
    assert delivery.dead_letters() == []
    sent = Counter(
        (message.destinations[0], _subject(message.raw_data))
        for message in ses_backends[DEFAULT_ACCOUNT_ID][REGION].sent_messages
    )
    answers = {address: sent[(address, ANSWER_SUBJECT)] for address in addresses}
    assert answers == {address: 0 if address in refused else 1 for address in addresses}
    failed_visible = 0
    for thread_id, address in zip(accepted, addresses, strict=True):
        detail = inbox.get_thread(ports, agent(), thread_id)
        answer = detail.messages[-1]
        if address in refused:
            assert answer.delivery is Delivery.FAILED
            assert "MessageRejected" in answer.delivery_detail
            failed_visible += 1
        else:
            assert answer.delivery is Delivery.SENT
    print(
        f"[faults] {'ses throttled x15, 4 refused, 6 kills':<34} answers={len(accepted):>3} "
        f"sent_once={sum(answers.values()):>3} failed_visible={failed_visible:>3} "
        f"duplicates={sum(n - 1 for n in sent.values() if n > 1)} "
        f"lost={len(accepted) - sum(answers.values()) - failed_visible}"
    )
    SqsDriver(resources.ANALYSIS_QUEUE).drain(worker)
    result = verdict(ports, BIOT, "... and their opinions' indicators", accepted)
    assert_nothing_lost(result, analysed=len(accepted))


def _subject(raw: str) -> str:
    return str(email.message_from_string(raw, policy=default)["Subject"])
