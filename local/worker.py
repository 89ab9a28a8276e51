"""Drives the SQS handlers as Lambda would: receives from the local queues, calls the SAME
handler functions with Lambda-shaped events, deletes only records not reported failed."""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

import boto3

logger = logging.getLogger("concerto.local.worker")
Handler = Callable[[dict[str, Any], Any], Any]


class LambdaContext:
    """The parts of Lambda's context object that Powertools reads."""

    def __init__(self, function_name: str, timeout_seconds: int) -> None:
        self.function_name = function_name
        self.function_version = "$LATEST"
        self.memory_limit_in_mb = 1024
        self.invoked_function_arn = (
            f"arn:aws:lambda:eu-west-1:123456789012:function:{function_name}"
        )
        self.aws_request_id = str(uuid.uuid4())
        self._deadline = time.monotonic() + timeout_seconds

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def sqs_event(messages: list[dict[str, Any]], queue_arn: str, region: str) -> dict[str, Any]:
    return {
        "Records": [
            {
                "messageId": message["MessageId"],
                "receiptHandle": message["ReceiptHandle"],
                "body": message["Body"],
                "attributes": message.get("Attributes", {}),
                "messageAttributes": message.get("MessageAttributes", {}),
                "md5OfBody": message.get("MD5OfBody", ""),
                "eventSource": "aws:sqs",
                "eventSourceARN": queue_arn,
                "awsRegion": region,
            }
            for message in messages
        ]
    }


class Foreground:
    """Requests being served by the embedded API. In AWS the API and the queue consumers
    are separate Lambdas; here they share one Python process and its interpreter lock.
    - Requests run the app one at a time (reading and writing HTTP stays concurrent): the
      app's work is all Python, in-process AWS included, so threads running it together
      only fight over the lock — at 32 concurrent requests that doubled the CPU time of
      each (21 submissions/s against 45/s one at a time, `bench/load.py`).
    - Background work waits for the API to be quiet for `quiet` seconds, within `patience`
      seconds (a continuous load delays it, never starves it): opinions are accepted
      first, analysed right after. (Waiting for no request at all let a batch in at each
      instant the API caught up with a burst, and cost a fifth of its throughput.)"""

    def __init__(self, patience: float = 15.0, quiet: float = 0.25) -> None:
        self._patience = patience
        self._quiet = quiet
        self._serving = 0
        self._last_active = 0.0
        self._lock = threading.Condition()
        self._app = threading.Lock()

    def __enter__(self) -> None:
        with self._lock:
            self._serving += 1
        self._app.acquire()

    def __exit__(self, *_: object) -> None:
        self._app.release()
        with self._lock:
            self._serving -= 1
            self._last_active = time.monotonic()
            self._lock.notify_all()

    def wait_for_a_pause(self) -> None:
        deadline = time.monotonic() + self._patience
        with self._lock:
            while (now := time.monotonic()) < deadline:
                quiet_for = now - self._last_active
                if not self._serving and quiet_for >= self._quiet:
                    return
                until_quiet = self._quiet - quiet_for if not self._serving else deadline - now
                self._lock.wait(min(until_quiet, deadline - now))


class QueuePoller(threading.Thread):
    """Polls one queue and hands each batch to `handler`, like a Lambda event source
    mapping with ReportBatchItemFailures; with a `foreground`, each batch waits for a pause
    in the API's requests."""

    def __init__(
        self,
        name: str,
        queue_url: str,
        handler: Handler,
        region: str,
        timeout_seconds: int = 60,
        foreground: Foreground | None = None,
    ) -> None:
        super().__init__(name=f"worker-{name}", daemon=True)
        self._function_name = name
        self._queue_url = queue_url
        self._handler = handler
        self._region = region
        self._timeout = timeout_seconds
        self._stop = threading.Event()
        self._foreground = foreground
        self._sqs = boto3.client("sqs", region_name=region)
        self._arn = self._sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])[
            "Attributes"
        ]["QueueArn"]
        self.batches = 0

    def stop(self) -> None:
        self._stop.set()

    def run(self) -> None:
        while not self._stop.is_set():
            try:
                self.poll_once()
            except Exception:  # the loop must survive a bad batch, as Lambda's poller does
                logger.exception("worker %s: batch failed", self._function_name)
                self._stop.wait(1)

    def poll_once(self, wait_seconds: int = 1) -> int:
        messages = self._sqs.receive_message(
            QueueUrl=self._queue_url,
            MaxNumberOfMessages=10,
            WaitTimeSeconds=wait_seconds,
            MessageSystemAttributeNames=["All"],
            MessageAttributeNames=["All"],
        ).get("Messages", [])
        if not messages:
            return 0
        if self._foreground is not None:
            self._foreground.wait_for_a_pause()
        event = sqs_event(messages, self._arn, self._region)
        try:
            result = self._handler(event, LambdaContext(self._function_name, self._timeout))
            failed = {
                item["itemIdentifier"] for item in (result or {}).get("batchItemFailures", [])
            }
        except Exception:
            logger.exception(
                "worker %s: handler raised, the whole batch is retried", self._function_name
            )
            failed = {message["MessageId"] for message in messages}
        done = [m for m in messages if m["MessageId"] not in failed]
        if done:
            self._sqs.delete_message_batch(
                QueueUrl=self._queue_url,
                Entries=[
                    {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(done)
                ],
            )
        self.batches += 1
        return len(messages)


def scheduled_event(rule: str, region: str) -> dict[str, Any]:
    """What EventBridge hands a scheduled Lambda."""
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": "123456789012",
        "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "region": region,
        "resources": [f"arn:aws:events:{region}:123456789012:rule/{rule}"],
        "detail": {},
    }


class Schedule(threading.Thread):
    """Calls a scheduled handler every `every_seconds`, like an EventBridge rule (sooner than
    in AWS, so that a local run shows what the job does within a minute); with a
    `foreground`, each run waits for a pause in the API's requests."""

    def __init__(
        self,
        name: str,
        handler: Handler,
        region: str,
        every_seconds: float,
        timeout: int = 300,
        foreground: Foreground | None = None,
    ) -> None:
        super().__init__(name=f"schedule-{name}", daemon=True)
        self._foreground = foreground
        self._rule = name
        self._handler = handler
        self._region = region
        self._every = every_seconds
        self._timeout = timeout
        self._stop = threading.Event()
        self.runs = 0

    def stop(self) -> None:
        self._stop.set()

    def run(self) -> None:
        while not self._stop.wait(self._every):
            if self._foreground is not None:
                self._foreground.wait_for_a_pause()
            try:
                self._handler(
                    scheduled_event(self._rule, self._region),
                    LambdaContext(self._rule, self._timeout),
                )
            except Exception:  # the schedule keeps firing, as EventBridge does
                logger.exception("schedule %s: run failed", self._rule)
            self.runs += 1
