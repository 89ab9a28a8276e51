"""Faults injected at Concerto's boundaries for the "nothing lost" tests (issue #9): SQS
driven as Lambda's event source mapping drives it (crashes included), a Comprehend client
that throttles and goes down, SES and DynamoDB answering errors, and the indicators recounted
from the stored threads to compare with the counters the dashboard reads."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import boto3
from botocore.awsrequest import AWSResponse
from botocore.exceptions import ClientError

from chalicelib import config, resources
from chalicelib.adapters.dynamo.repositories import DynamoThreadRepository
from chalicelib.domain import indicators
from chalicelib.domain.activity import ActivityKind
from chalicelib.domain.ids import CommuneId
from chalicelib.domain.threads import AnalysisStatus, Author, Delivery, Message, Thread
from chalicelib.ports import Ports
from chalicelib.services import analysis
from local.worker import LambdaContext, sqs_event

REGION = "eu-west-1"
Handler = Callable[[dict[str, Any], Any], Any]


class ProcessKilled(BaseException):
    """The Lambda process dies mid-batch: no response, nothing acknowledged. A BaseException,
    so that no `except Exception` in the code under test survives it, as nothing survives a
    killed process."""


class SqsDriver:
    """One queue, consumed as Lambda's event source mapping does with
    ReportBatchItemFailures: records not reported failed are deleted, a handler that raised
    (or a process that died) leaves the whole batch to come back. Visibility is zero, so
    every receive is the next attempt: what SQS does once the visibility timeout passed."""

    def __init__(self, queue: resources.Queue) -> None:
        self.sqs = boto3.client("sqs", region_name=REGION)
        self.url = config.queue_url(queue)
        self.sqs.set_queue_attributes(QueueUrl=self.url, Attributes={"VisibilityTimeout": "0"})
        attributes = self.sqs.get_queue_attributes(
            QueueUrl=self.url, AttributeNames=["QueueArn", "RedrivePolicy"]
        )["Attributes"]
        self.arn = attributes["QueueArn"]
        dlq_arn = json.loads(attributes["RedrivePolicy"])["deadLetterTargetArn"]
        self.dlq_url = self.sqs.get_queue_url(QueueName=dlq_arn.rsplit(":", 1)[1])["QueueUrl"]
        self.batches = 0
        self.crashes = 0
        # The jobs the handler reported failed, once per report.
        self.reported: list[dict[str, Any]] = []

    def receive(self, max_messages: int = 10) -> list[dict[str, Any]]:
        messages: list[dict[str, Any]] = self.sqs.receive_message(
            QueueUrl=self.url,
            MaxNumberOfMessages=max_messages,
            WaitTimeSeconds=0,
            MessageSystemAttributeNames=["All"],
        ).get("Messages", [])
        return messages

    def invoke(
        self, handler: Handler, messages: list[dict[str, Any]], context: Any = None
    ) -> set[str]:
        """Hands one batch to `handler`; returns the messageIds left for SQS to redeliver."""
        event = sqs_event(messages, self.arn, REGION)
        self.batches += 1
        try:
            result = handler(event, context or LambdaContext("worker", 60))
        except ProcessKilled:
            self.crashes += 1
            return {message["MessageId"] for message in messages}
        failed = {item["itemIdentifier"] for item in (result or {}).get("batchItemFailures", [])}
        self.reported += [json.loads(m["Body"]) for m in messages if m["MessageId"] in failed]
        done = [message for message in messages if message["MessageId"] not in failed]
        for start in range(0, len(done), 10):
            self.sqs.delete_message_batch(
                QueueUrl=self.url,
                Entries=[
                    {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
                    for i, m in enumerate(done[start : start + 10])
                ],
            )
        return failed

    def drain(self, handler: Handler, max_batches: int = 200) -> None:
        """Polls until the queue is empty: every job done or moved to the dead-letter queue."""
        for _ in range(max_batches):
            messages = self.receive()
            if not messages:
                return
            self.invoke(handler, messages)
        raise AssertionError(f"the queue still holds jobs after {max_batches} batches")

    def dead_letters(self) -> list[dict[str, Any]]:
        """The bodies waiting in the dead-letter queue, left there (visible again at once)."""
        seen: dict[str, dict[str, Any]] = {}
        while True:
            batch = self.sqs.receive_message(
                QueueUrl=self.dlq_url,
                MaxNumberOfMessages=10,
                VisibilityTimeout=30,
                WaitTimeSeconds=0,
            ).get("Messages", [])
            if not batch:
                break
            for message in batch:
                seen[message["MessageId"]] = message
        for message in seen.values():
            self.sqs.change_message_visibility(
                QueueUrl=self.dlq_url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0
            )
        return [json.loads(message["Body"]) for message in seen.values()]


def client_error(code: str, operation: str, status: int = 400, **extra: Any) -> dict[str, Any]:
    """An AWS error answer as botocore parses it."""
    return {
        "Error": {"Code": code, "Message": f"{code} (injected)"},
        "ResponseMetadata": {"HTTPStatusCode": status},
        **extra,
    }


class AwsErrors:
    """Makes a botocore client answer the next calls of one operation with the given errors
    (None lets a call through), as the service would: the client raises its own ClientError,
    and the caller's error handling is what runs. Registered on `before-call`, after
    botocore's retries would have given up."""

    def __init__(self, client: Any, operation: str, answers: Iterable[dict[str, Any] | None]):
        self.answers = list(answers)
        self.calls = 0
        service = client.meta.service_model.service_id.hyphenize()
        client.meta.events.register(f"before-call.{service}.{operation}", self._answer)

    def _answer(self, **_: Any) -> tuple[AWSResponse, dict[str, Any]] | None:
        self.calls += 1
        if not self.answers:
            return None
        answer = self.answers.pop(0)
        if answer is None:
            return None
        status = int(answer["ResponseMetadata"]["HTTPStatusCode"])
        return AWSResponse("https://aws.invalid/", status, {}, None), answer


class ScriptedComprehend:
    """A Comprehend client (the two batch operations the adapter calls) whose state the test
    sets: "up" answers, "throttled" raises ThrottlingException, "down" raises
    InternalServerException, exactly the shapes boto3 raises."""

    def __init__(self) -> None:
        self.state = "up"
        self.calls: list[str] = []

    def batch_detect_sentiment(self, TextList: Sequence[str], LanguageCode: str) -> Any:
        self._fail_unless_up("BatchDetectSentiment")
        results = [
            {
                "Index": index,
                "Sentiment": "POSITIVE" if "merci" in text.lower() else "NEGATIVE",
                "SentimentScore": {"Positive": 0.5, "Negative": 0.5, "Neutral": 0.0, "Mixed": 0.0},
            }
            for index, text in enumerate(TextList)
        ]
        return {"ResultList": results, "ErrorList": []}

    def batch_detect_key_phrases(self, TextList: Sequence[str], LanguageCode: str) -> Any:
        self._fail_unless_up("BatchDetectKeyPhrases")
        found = {"Text": "la rue", "Score": 0.99, "BeginOffset": 0, "EndOffset": 6}
        results = [{"Index": index, "KeyPhrases": [found]} for index in range(len(TextList))]
        return {"ResultList": results, "ErrorList": []}

    def _fail_unless_up(self, operation: str) -> None:
        self.calls.append(self.state)
        if self.state == "throttled":
            raise ClientError(client_error("ThrottlingException", operation), operation)  # type: ignore[arg-type]
        if self.state == "down":
            raise ClientError(client_error("InternalServerException", operation, 500), operation)  # type: ignore[arg-type]


class SesFaults:
    """SES v2 answering SendEmail as it does when it throttles and when it refuses a
    recipient: the first `throttled` sends get TooManyRequestsException, every send to a
    `refused` address MessageRejected; the others go through to moto's SES."""

    def __init__(self, client: Any, throttled: int, refused: Iterable[str]) -> None:
        self.throttled = throttled
        self.refused = set(refused)
        self.recipient = ""
        self.answered: Counter[str] = Counter()
        client.meta.events.register("provide-client-params.sesv2.SendEmail", self._note)
        client.meta.events.register("before-call.sesv2.SendEmail", self._answer)

    def _note(self, params: dict[str, Any], **_: Any) -> None:
        self.recipient = params["Destination"]["ToAddresses"][0]

    def _answer(self, **_: Any) -> tuple[AWSResponse, dict[str, Any]] | None:
        if self.recipient in self.refused:
            code, status = "MessageRejected", 400
        elif self.throttled > 0:
            self.throttled -= 1
            code, status = "TooManyRequestsException", 429
        else:
            self.answered["sent"] += 1
            return None
        self.answered[code] += 1
        answer = client_error(code, "SendEmail", status)
        return AWSResponse("https://email.invalid/", status, {}, None), answer


class CrashAfterSent(DynamoThreadRepository):
    """The real repository, whose process dies once right after recording that the answer
    on a chosen thread was sent: the e-mail is out, the SQS record not acknowledged."""

    def __init__(self, thread_ids: Iterable[str]) -> None:
        super().__init__()
        self.pending = set(thread_ids)

    def set_delivery(self, message: Message, delivery: Delivery, *args: Any, **kwargs: Any) -> bool:
        changed = super().set_delivery(message, delivery, *args, **kwargs)
        if changed and delivery is Delivery.SENT and message.thread_id in self.pending:
            self.pending.discard(message.thread_id)
            raise ProcessKilled
        return changed


class CrashAfterRecords(DynamoThreadRepository):
    """The real repository, whose process dies right after the n-th analysis it commits, for
    each n given: the worst moment, written but not acknowledged."""

    def __init__(self, *kill_after: int) -> None:
        super().__init__()
        self.kill_after = set(kill_after)
        self.commits = 0

    def record_analysis(self, message: Message, *args: Any, **kwargs: Any) -> bool:
        recorded = super().record_analysis(message, *args, **kwargs)
        self.commits += recorded
        if recorded and self.commits in self.kill_after:
            self.kill_after.discard(self.commits)
            raise ProcessKilled
        return recorded


class CompetingWriter(DynamoThreadRepository):
    """The real repository, where another writer changes a chosen thread once, between the
    worker's read and its write: each thread's writer gets the worker's arguments (a staff
    edit, a second worker recording the same job)."""

    def __init__(self, writers: dict[str, Callable[..., object]]) -> None:
        super().__init__()
        self.writers = dict(writers)

    def record_analysis(self, message: Message, *args: Any, **kwargs: Any) -> bool:
        compete = self.writers.pop(message.thread_id, None)
        if compete is not None:
            compete(message, *args, **kwargs)
        return super().record_analysis(message, *args, **kwargs)


class WorkerDuringStaffWrite(DynamoThreadRepository):
    """The real repository, where the analysis worker runs once between a staff member's
    read of a chosen thread and their write (`update` or `add_message`)."""

    def __init__(self, run_worker: Callable[[], object], thread_ids: Iterable[str]) -> None:
        super().__init__()
        self.run_worker = run_worker
        self.pending = set(thread_ids)

    def update(self, thread: Thread, *args: Any, **kwargs: Any) -> Thread:
        self._interleave(thread)
        return super().update(thread, *args, **kwargs)

    def add_message(self, thread: Thread, *args: Any, **kwargs: Any) -> Thread:
        self._interleave(thread)
        return super().add_message(thread, *args, **kwargs)

    def _interleave(self, thread: Thread) -> None:
        if thread.thread_id in self.pending:
            self.pending.discard(thread.thread_id)
            self.run_worker()


def analysed_entries(ports: Ports, commune_id: CommuneId) -> Counter[str]:
    """How many times each thread's analysis was recorded (its audit entries)."""
    entries = ports.activity.after(commune_id, None, limit=10_000)
    return Counter(
        entry.thread_id or "" for entry in entries if entry.kind is ActivityKind.THREAD_ANALYSED
    )


def recount(threads: Sequence[tuple[Thread, list[Message]]]) -> dict[str, Counter[str]]:
    """The counters the stored threads call for, computed afresh: each analysed citizen
    message once under its thread's facets, each first answer once."""
    expected: dict[str, Counter[str]] = {}
    for thread, messages in threads:
        facets = analysis.facets_of(thread)
        for message in messages:
            if message.author is not Author.CITIZEN:
                continue
            opinion = analysis.is_opinion(message)
            # Staff corrections are kept on the thread: its analysis is the opinion's.
            stored = thread.analysis if opinion else message.analysis
            if stored.status is not AnalysisStatus.DONE or stored.result is None:
                continue
            day = analysis.local_day(message.created_at)
            for increment in indicators.verbatim(
                day,
                facets,
                stored.result.sentiment,
                stored.result.key_phrases,
                opinion=opinion,
                rating=thread.rating if opinion else None,
            ):
                expected.setdefault(day, Counter())[increment.dimension] += increment.amount
        if thread.first_answer_at is not None:
            minutes = max(
                0, int((thread.first_answer_at - thread.created_at).total_seconds() // 60)
            )
            day = analysis.local_day(thread.created_at)
            for increment in indicators.first_answer(day, facets, minutes):
                expected.setdefault(day, Counter())[increment.dimension] += increment.amount
    return expected


@dataclass
class Verdict:
    """What became of the messages a scenario accepted: the figures issue #9 asks for."""

    scenario: str
    accepted: int
    analysed_once: int
    dead_lettered_visible: int
    lost: list[str] = field(default_factory=list)
    counted_twice: list[str] = field(default_factory=list)
    drift: dict[str, tuple[int, int]] = field(default_factory=dict)
    notes: str = ""

    def line(self) -> str:
        return (
            f"[faults] {self.scenario:<34} accepted={self.accepted:>3} "
            f"analysed_once={self.analysed_once:>3} dlq_visible={self.dead_lettered_visible:>3} "
            f"lost={len(self.lost)} double={len(self.counted_twice)} "
            f"indicator_drift={len(self.drift)}" + (f"  ({self.notes})" if self.notes else "")
        )


def verdict(
    ports: Ports,
    commune_id: CommuneId,
    scenario: str,
    thread_ids: Sequence[str],
    dead_letter_ids: Iterable[str] = (),
    notes: str = "",
) -> Verdict:
    """Checks every accepted thread: analysed exactly once, or failed visibly with its job in
    the dead-letter queue; and the counters equal to a recount from the stored threads."""
    in_dlq = set(dead_letter_ids)
    entries = analysed_entries(ports, commune_id)
    stored = [
        (ports.threads.get(commune_id, thread_id), ports.threads.messages(commune_id, thread_id))
        for thread_id in thread_ids
    ]
    result = Verdict(scenario, len(thread_ids), 0, 0, notes=notes)
    for thread, _ in stored:
        status = thread.analysis.status
        if status is AnalysisStatus.DONE and entries[thread.thread_id] == 1:
            result.analysed_once += 1
        elif status is AnalysisStatus.FAILED and thread.thread_id in in_dlq:
            result.dead_lettered_visible += 1
        else:
            result.lost.append(
                f"{thread.thread_id}: {status.value} in_dlq={thread.thread_id in in_dlq}"
            )
        if entries[thread.thread_id] > 1:
            result.counted_twice.append(thread.thread_id)
    expected = recount(stored)
    days = sorted({analysis.local_day(thread.created_at) for thread, _ in stored})
    actual = ports.indicators.counts(commune_id, days)
    for day in days:
        wanted = {k: v for k, v in expected.get(day, Counter()).items() if v}
        found = {k: v for k, v in actual[day].items() if v}
        for dimension in wanted.keys() | found.keys():
            if wanted.get(dimension, 0) != found.get(dimension, 0):
                result.drift[f"{day}#{dimension}"] = (
                    wanted.get(dimension, 0),
                    found.get(dimension, 0),
                )
    print(result.line())
    return result
