"""Removes from a commune's indicators the key phrases that name personal data, recorded by
analyses made before the analysis dropped them ("voisine mme durand" on a dashboard): the
messages keep only the clean phrases, the counters lose the others, their quotes go.

An operator's one-off job (`make clean-key-phrases`), never a request path: it reads every
thread of the commune, through the commune's own partition (no Scan)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from chalicelib.analysis.personal_phrases import without_personal_data
from chalicelib.domain import indicators
from chalicelib.domain.ids import CommuneId
from chalicelib.domain.threads import (
    AnalysisStatus,
    Author,
    CounterIncrement,
    Message,
    Thread,
    ThreadFilter,
)
from chalicelib.ports import Ports
from chalicelib.services.analysis import local_day

_SINCE = datetime(2017, 1, 1, tzinfo=UTC)  # before any commune used the product


@dataclass(frozen=True)
class Cleaned:
    messages: int
    phrases: int
    skipped: int


def clean_key_phrases(ports: Ports, commune_id: CommuneId) -> Cleaned:
    """Cleans every analysed citizen message of the commune. Running it again finds nothing
    left to clean; a message whose thread changed theme meanwhile is skipped and counted
    (run again)."""
    messages = phrases = skipped = 0
    until = ports.clock() + timedelta(days=1)
    for thread in ports.threads.created_between(commune_id, _SINCE, until, ThreadFilter()):
        for message in ports.threads.messages(commune_id, thread.thread_id):
            dropped = _personal_phrases(message)
            if not dropped:
                continue
            result = message.analysis.result
            assert result is not None
            kept = [phrase for phrase in result.key_phrases if phrase not in dropped]
            counters = _uncounted(thread, message, dropped)
            if not ports.threads.replace_key_phrases(message, kept, counters, thread.theme):
                skipped += 1
                continue
            month = local_day(message.created_at)[:7]
            ports.indicators.drop_quotes(commune_id, month, sorted(dropped))
            messages, phrases = messages + 1, phrases + len(dropped)
    return Cleaned(messages, phrases, skipped)


def _personal_phrases(message: Message) -> set[str]:
    result = message.analysis.result
    if message.author is not Author.CITIZEN or result is None:
        return set()
    if message.analysis.status is not AnalysisStatus.DONE:
        return set()
    kept = without_personal_data(result.key_phrases, message.text, result.pii)
    return set(result.key_phrases) - set(kept)


def _uncounted(thread: Thread, message: Message, dropped: set[str]) -> list[CounterIncrement]:
    """The key-phrase counters the message's analysis added for `dropped`, taken back."""
    day = local_day(message.created_at)
    taken = indicators.phrases_taken_back(day, thread.theme, thread.consultation_id, dropped)
    # Spread as the analysis spread them (shards are summed on read: any shard would do).
    return [replace(increment, spread=message.message_id) for increment in taken]
