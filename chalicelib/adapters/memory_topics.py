"""The in-memory topic store, held to the same contract tests as the DynamoDB one."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from dataclasses import replace
from datetime import datetime

from chalicelib.domain.ids import CommuneId
from chalicelib.domain.topics import TopicsState, Verbatim
from chalicelib.ports import TopicStore


class InMemoryTopicStore(TopicStore):
    def __init__(self) -> None:
        self._verbatims: dict[tuple[CommuneId, str], Verbatim] = {}
        self._states: dict[CommuneId, TopicsState] = {}
        self._requests: dict[CommuneId, datetime] = {}
        self._lock = threading.Lock()

    def add(self, verbatim: Verbatim) -> None:
        with self._lock:
            self._verbatims[(verbatim.commune_id, verbatim.message_id)] = verbatim

    def _of(self, commune_id: CommuneId) -> list[Verbatim]:
        with self._lock:
            found = [v for (commune, _), v in self._verbatims.items() if commune == commune_id]
        return sorted(found, key=lambda v: (v.created_at, v.message_id))

    def between(self, commune_id: CommuneId, start: datetime, end: datetime) -> Iterator[Verbatim]:
        return iter([v for v in self._of(commune_id) if start <= v.created_at < end])

    def count(self, commune_id: CommuneId, start: datetime, end: datetime) -> int:
        return sum(1 for _ in self.between(commune_id, start, end))

    def of_topic(
        self, commune_id: CommuneId, topic: str, start: datetime, end: datetime
    ) -> Iterator[Verbatim]:
        found = [
            v for v in self._of(commune_id) if v.topic == topic and start <= v.created_at < end
        ]
        return iter(reversed(found))

    def of_thread(self, commune_id: CommuneId, thread_id: str) -> list[Verbatim]:
        return [v for v in self._of(commune_id) if v.thread_id == thread_id]

    def assign(self, changes: Sequence[tuple[Verbatim, str | None]]) -> None:
        with self._lock:
            for verbatim, topic in changes:
                key = (verbatim.commune_id, verbatim.message_id)
                if key in self._verbatims:
                    self._verbatims[key] = replace(self._verbatims[key], topic=topic)

    def forget_thread(self, commune_id: CommuneId, thread_id: str) -> int:
        with self._lock:
            keys = [
                key
                for key, v in self._verbatims.items()
                if key[0] == commune_id and v.thread_id == thread_id
            ]
            for key in keys:
                del self._verbatims[key]
        return len(keys)

    def state(self, commune_id: CommuneId) -> TopicsState | None:
        return self._states.get(commune_id)

    def save_state(self, state: TopicsState) -> None:
        self._states[state.commune_id] = state

    def request_rebuild(self, commune_id: CommuneId, at: datetime) -> None:
        self._requests[commune_id] = at

    def rebuild_requested(self, commune_id: CommuneId) -> datetime | None:
        return self._requests.get(commune_id)
