"""Latency from a citizen's submission to the event in an open console, on the embedded
runtime (`python -m local`, what `make run` starts): the target is ≤ 1 s locally.

Usage: .venv/bin/python bench/realtime.py [--submissions 30]
The last line reads: realtime: submissions=<n> p50_ms=<x> p95_ms=<y> max_ms=<z>
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
import urllib.request
from pathlib import Path
from typing import Any

from embedded import PASSWORD, embedded_runtime, id_token
from websockets.sync.client import connect

ROOT = Path(__file__).resolve().parent.parent


def http(method: str, url: str, body: Any = None) -> Any:
    data = json.dumps(body).encode() if body is not None else None
    if not url.startswith("http://127.0.0.1:"):
        raise ValueError(f"the bench talks to the local runtime only, not {url}")
    request = urllib.request.Request(url, data=data, method=method)  # noqa: S310 - checked
    request.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - checked
        return json.loads(response.read())


def measure(api_url: str, realtime_url: str, origin: str, submissions: int) -> list[float]:
    token = id_token(api_url, "agent@biot.demo", PASSWORD)
    delays = []
    with connect(f"{realtime_url}/?token={token}", additional_headers={"Origin": origin}) as ws:
        for n in range(submissions):
            opinion = {"theme": "transports", "text": f"Le bus numéro {n} est en retard ce matin."}
            sent = time.perf_counter()
            thread_id = http("POST", f"{api_url}/communes/biot/feedback", opinion)["id"]
            while True:
                events = json.loads(ws.recv(timeout=10))["events"]
                created = [e for e in events if e["kind"] == "thread.created"]
                if any(e["threadId"] == thread_id for e in created):
                    delays.append((time.perf_counter() - sent) * 1000)
                    break
    return delays


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--submissions", type=int, default=30)
    args = parser.parse_args()
    with embedded_runtime() as (ports, _pid):
        delays = measure(
            f"http://127.0.0.1:{ports['CONCERTO_API_PORT']}",
            f"ws://127.0.0.1:{ports['CONCERTO_REALTIME_PORT']}",
            f"http://127.0.0.1:{ports['CONCERTO_WEB_PORT']}",
            args.submissions,
        )
    ordered = sorted(delays)
    p95 = ordered[max(0, int(len(ordered) * 0.95) - 1)]
    print(
        f"realtime: submissions={len(delays)} p50_ms={statistics.median(delays):.1f} "
        f"p95_ms={p95:.1f} max_ms={ordered[-1]:.1f}"
    )


if __name__ == "__main__":
    main()
