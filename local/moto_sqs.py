"""Keeps moto's SQS fast when a queue holds a backlog (the embedded runtime under load).

moto 5's SQS scans every message of a queue several times per call: SendMessage builds all
the queue's attributes (three of them count messages), ReceiveMessage does so again for each
message it hands out (to read the retention period), and every scanned message asks the
clock twice through a `datetime` round trip. With 3,000 opinions waiting, sending one or
receiving ten took tens of thousands of clock reads, and the backlog slowed its own draining
(a third of the runtime's CPU in `bench/load.py`). Here the retention period is read
directly, the clock is `time.time()`, and the three counts are kept for a second: AWS
documents them as approximate, eventually consistent figures too. AWS's SQS needs none of
this."""

from __future__ import annotations

import datetime
import time
from collections.abc import Callable

from moto.sqs import models
from moto.sqs.models import Message, Queue, SQSBackend

_installed = False
COUNTS_SECONDS = 1.0
_COUNTS = (
    "approximate_number_of_messages",
    "approximate_number_of_messages_delayed",
    "approximate_number_of_messages_not_visible",
)


def install() -> None:
    """Patches moto's SQS of this process, once."""
    global _installed
    if _installed:
        return
    _installed = True
    dated = models.unix_time

    def unix_time(dt: datetime.datetime | None = None) -> float:
        return time.time() if dt is None else dated(dt)

    def unix_time_millis(dt: datetime.datetime | None = None) -> float:
        return unix_time(dt) * 1000.0

    def retained(self: SQSBackend, queue_name: str, message: Message) -> bool:
        retention_seconds = int(self.get_queue(queue_name).message_retention_period)
        return bool(retention_seconds + message.sent_timestamp / 1000 > unix_time())  # type: ignore[operator]

    models.unix_time = unix_time
    models.unix_time_millis = unix_time_millis
    SQSBackend.is_message_valid_based_on_retention_period = retained  # type: ignore[method-assign]
    for name in _COUNTS:
        setattr(Queue, name, property(_kept(name, getattr(Queue, name).fget)))


def _kept(name: str, count: Callable[[Queue], int]) -> Callable[[Queue], int]:
    def recent_count(queue: Queue) -> int:
        kept: dict[str, tuple[int, float]] = queue.__dict__.setdefault("_kept_counts", {})
        now = time.monotonic()
        if name not in kept or now - kept[name][1] > COUNTS_SECONDS:
            kept[name] = (count(queue), now)
        return kept[name][0]

    return recent_count
