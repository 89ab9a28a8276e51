"""Dashboard cost at 1,000 and 100,000 verbatims: DynamoDB requests per dashboard and p50
latency, on moto (in-process). The verbatims' counters are computed by the worker's own
code (`analysis.counters_for`), summed, and written through the indicator repository's
bulk path (`replace_totals`): the table ends as the workers would leave it, in minutes
rather than the hours moto needs for 100,000 transactions.

Usage: .venv/bin/python bench/dashboard.py [--small 1000] [--large 100000] [--runs 15]
The last line reads exactly:
dashboard: requests@1k=<n> requests@100k=<n> p50_ms@1k=<x> p50_ms@100k=<y>
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from collections import Counter
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.update(
    {
        "AWS_DEFAULT_REGION": "eu-west-1",
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench",
        "CONCERTO_COMPREHEND": "off",
    }
)

import botocore.client  # noqa: E402
from moto import mock_aws  # noqa: E402

from chalicelib import bootstrap  # noqa: E402
from chalicelib.adapters.memory import InMemoryIndicators  # noqa: E402
from chalicelib.analysis.themes import default_themes  # noqa: E402
from chalicelib.domain.commune import Commune, Quartier  # noqa: E402
from chalicelib.domain.ids import CommuneId, new_id  # noqa: E402
from chalicelib.domain.indicators import Filter  # noqa: E402
from chalicelib.domain.staff import Role, StaffIdentity  # noqa: E402
from chalicelib.domain.threads import (  # noqa: E402
    Author,
    Channel,
    Message,
    Sentiment,
    TextAnalysis,
    Thread,
    ThreadStatus,
)
from chalicelib.services import analysis, dashboard  # noqa: E402
from local.provision import provision  # noqa: E402

PERIOD_DAYS = 30
END = date(2026, 11, 28)
PHRASES = [
    f"{word} {place}"
    for word in (
        "poubelle",
        "trottoir",
        "bus",
        "parc",
        "bruit",
        "parking",
        "école",
        "piscine",
        "vélo",
        "éclairage",
    )
    for place in (
        "village",
        "rond-point",
        "marché",
        "gare",
        "place",
        "école",
        "chemin",
        "plage",
        "stade",
        "mairie",
    )
]
QUARTIERS = tuple(Quartier(f"q{n}", f"Quartier {n}") for n in range(9))
CALLS: Counter[str] = Counter()


def count_calls() -> None:
    original = botocore.client.BaseClient._make_api_call

    def counting(self: Any, operation: str, params: Any) -> Any:
        CALLS[operation] += 1
        return original(self, operation, params)

    botocore.client.BaseClient._make_api_call = counting  # type: ignore[method-assign]


def seed(ports: Any, commune: Commune, count: int, rng: random.Random) -> None:
    themes = [t.id for t in commune.themes]
    totals: dict[str, Counter[str]] = {}
    # 22:59 UTC is 23:59 in Paris in November: every verbatim falls on a day of the period.
    base = datetime.combine(END, datetime.min.time(), UTC) + timedelta(hours=22, minutes=59)
    for _ in range(count):
        at = base - timedelta(minutes=1 + rng.randrange(PERIOD_DAYS * 24 * 60 - 1))
        thread_id = new_id()
        thread = Thread(
            commune.commune_id,
            thread_id,
            rng.choice(list(Channel)),
            ThreadStatus.NEW,
            rng.choice(themes),
            at,
            at,
            "…",
            quartier=rng.choice(QUARTIERS).id,
            rating=rng.choice([None, 1, 2, 3, 4, 5]),
        )
        message = Message(
            commune.commune_id, thread_id, thread_id, Author.CITIZEN, "…", thread.channel, at
        )
        result = TextAnalysis(
            "fr",
            rng.choice(list(Sentiment)),
            {"positive": 0.25, "negative": 0.25, "neutral": 0.25, "mixed": 0.25},
            tuple(rng.sample(PHRASES, 3)),
            "local",
            "bench",
        )
        for increment in analysis.counters_for(thread, message, result):
            totals.setdefault(increment.day, Counter())[increment.dimension] += increment.amount
    ports.indicators.replace_totals(commune.commune_id, totals)
    print(f"  {sum(len(day) for day in totals.values())} counter items")


def measure(ports: Any, commune: Commune, runs: int) -> tuple[int, float, float]:
    """DynamoDB requests and p50 on moto, then p50 of the same dashboard with the counters
    in memory: moto's query is far slower than DynamoDB's (it filters in Python), so the
    second figure is the product's own cost, to which AWS adds ~10 ms per request."""
    staff = StaffIdentity(commune.commune_id, "bench", "bench@example.org", Role.VIEWER)
    wanted = dashboard.period(END - timedelta(days=PERIOD_DAYS - 1), END)
    on_moto, requests = [], 0
    for _ in range(runs):
        CALLS.clear()
        started = time.perf_counter()
        board = dashboard.dashboard(ports, staff, wanted, "day", Filter())
        on_moto.append((time.perf_counter() - started) * 1000)
        requests = sum(CALLS.values())
    calls = dict(CALLS)
    memory = InMemoryIndicators()
    days = wanted.previous().days + wanted.days
    memory.replace_totals(commune.commune_id, ports.indicators.counts(commune.commune_id, days))
    in_memory = []
    for _ in range(runs * 3):
        started = time.perf_counter()
        dashboard.dashboard(replace(ports, indicators=memory), staff, wanted, "day", Filter())
        in_memory.append((time.perf_counter() - started) * 1000)
    print(
        f"  {board.totals.verbatims} verbatims read back, {requests} DynamoDB requests "
        f"({calls}), p50 on moto {statistics.median(on_moto):.0f} ms, "
        f"p50 without storage latency {statistics.median(in_memory):.1f} ms"
    )
    return requests, statistics.median(on_moto), statistics.median(in_memory)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--small", type=int, default=1000)
    parser.add_argument("--large", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    count_calls()
    rng = random.Random(7)
    results = []
    with mock_aws():
        for name, value in provision("eu-west-1").env.items():
            os.environ[name] = value
        ports = bootstrap.build()
        for n, size in enumerate((args.small, args.large)):
            commune = Commune(
                CommuneId(f"0600{n}"),
                f"bench{n}",
                f"Bench {n}",
                themes=default_themes(),
                quartiers=QUARTIERS,
            )
            ports.communes.save(commune)
            started = time.perf_counter()
            seed(ports, commune, size, rng)
            print(f"{size} verbatims seeded in {time.perf_counter() - started:.0f} s")
            results.append(measure(ports, commune, args.runs))
    (small_requests, small_moto, small_ms), (large_requests, large_moto, large_ms) = results
    print(
        f"p50 on moto (its query filters in Python): {small_moto:.0f} ms @1k, "
        f"{large_moto:.0f} ms @100k; the p50 below excludes storage latency"
    )
    print(
        f"dashboard: requests@1k={small_requests} requests@100k={large_requests} "
        f"p50_ms@1k={small_ms:.1f} p50_ms@100k={large_ms:.1f}"
    )


if __name__ == "__main__":
    main()
