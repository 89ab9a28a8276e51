"""Latency from a citizen's submission to the event in an open console, on the embedded
runtime (`python -m local`, what `make run` starts): the target is ≤ 1 s locally.

Usage: .venv/bin/python bench/realtime.py [--submissions 30]
The last line reads: realtime: submissions=<n> p50_ms=<x> p95_ms=<y> max_ms=<z>
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

import boto3
from websockets.sync.client import connect

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "Bench-Password-2026!"  # noqa: S105 - a throwaway local account


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def http(method: str, url: str, body: Any = None) -> Any:
    data = json.dumps(body).encode() if body is not None else None
    if not url.startswith("http://127.0.0.1:"):
        raise ValueError(f"the bench talks to the local runtime only, not {url}")
    request = urllib.request.Request(url, data=data, method=method)  # noqa: S310 - checked
    request.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - checked
        return json.loads(response.read())


def start_runtime(ports: dict[str, int], log: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        **{name: str(port) for name, port in ports.items()},
        "CONCERTO_DEMO_PASSWORD": PASSWORD,
        "CONCERTO_RUNTIME_FILE": os.path.join(
            tempfile.gettempdir(), f"concerto-runtime-{os.getpid()}.json"
        ),
        "CONCERTO_SEED_OPINIONS": "0",
        "PYTHONUNBUFFERED": "1",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "local"],
        cwd=ROOT,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 120
    while "is running" not in log.read_text():
        if process.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(f"the runtime did not start:\n{log.read_text()[-3000:]}")
        time.sleep(0.2)
    return process


def id_token(api_url: str, email: str) -> str:
    cognito_config = http("GET", f"{api_url}/config")["cognito"]
    cognito = boto3.client(
        "cognito-idp",
        endpoint_url=cognito_config["endpoint"],
        region_name=cognito_config["region"],
        aws_access_key_id="local",
        aws_secret_access_key="local",  # noqa: S106 - moto's embedded AWS
    )
    result = cognito.initiate_auth(
        ClientId=cognito_config["clientId"],
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": email, "PASSWORD": PASSWORD},
    )
    return str(result["AuthenticationResult"]["IdToken"])


def measure(api_url: str, realtime_url: str, origin: str, submissions: int) -> list[float]:
    token = id_token(api_url, "agent@biot.demo")
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
    names = (
        "CONCERTO_API_PORT",
        "CONCERTO_AWS_PORT",
        "CONCERTO_WEB_PORT",
        "CONCERTO_REALTIME_PORT",
        "CONCERTO_SMTP_PORT",
        "CONCERTO_OUTBOX_PORT",
        "CONCERTO_GRAPH_PORT",
    )
    ports = {name: free_port() for name in names}
    with tempfile.TemporaryDirectory() as folder:
        process = start_runtime(ports, Path(folder) / "runtime.log")
        try:
            api_url = f"http://127.0.0.1:{ports['CONCERTO_API_PORT']}"
            delays = measure(
                api_url,
                f"ws://127.0.0.1:{ports['CONCERTO_REALTIME_PORT']}",
                f"http://127.0.0.1:{ports['CONCERTO_WEB_PORT']}",
                args.submissions,
            )
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=30)
    ordered = sorted(delays)
    p95 = ordered[max(0, int(len(ordered) * 0.95) - 1)]
    print(
        f"realtime: submissions={len(delays)} p50_ms={statistics.median(delays):.1f} "
        f"p95_ms={p95:.1f} max_ms={ordered[-1]:.1f}"
    )


if __name__ == "__main__":
    main()
