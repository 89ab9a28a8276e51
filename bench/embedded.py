"""What the benchmarks that drive the embedded runtime (`python -m local`) share: starting
one on free ports for themselves, and signing a demo staff member in."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import boto3

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "Bench-Password-2026!"  # noqa: S105 - a throwaway local account
PORT_VARIABLES = (
    "CONCERTO_API_PORT",
    "CONCERTO_AWS_PORT",
    "CONCERTO_WEB_PORT",
    "CONCERTO_REALTIME_PORT",
    "CONCERTO_SMTP_PORT",
    "CONCERTO_OUTBOX_PORT",
    "CONCERTO_GRAPH_PORT",
)
# A bench is one client address sending many opinions a minute: the anti-abuse limits (per
# IP, per commune, near-duplicate floods) would rightly refuse it.
UNLIMITED = {
    "CONCERTO_RATE_LIMIT_PER_IP": "1000000/60",
    "CONCERTO_RATE_LIMIT_PER_COMMUNE": "1000000/60",
    "CONCERTO_FLOOD_THRESHOLD": "1000000",
}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def embedded_runtime(seed_opinions: bool = False) -> Iterator[tuple[dict[str, int], int]]:
    """Starts `python -m local` on free ports, the demo staff's password PASSWORD and the
    rate limits lifted; yields (port of each CONCERTO_*_PORT variable, pid); stops it after.
    Its log is kept (the path is printed): a 5xx under load is explained there."""
    ports = {name: free_port() for name in PORT_VARIABLES}
    env = {
        **os.environ,
        **{name: str(port) for name, port in ports.items()},
        **UNLIMITED,
        "CONCERTO_DEMO_PASSWORD": PASSWORD,
        "CONCERTO_RUNTIME_FILE": os.path.join(
            tempfile.gettempdir(), f"concerto-runtime-{os.getpid()}.json"
        ),
        "CONCERTO_SEED_OPINIONS": "1" if seed_opinions else "0",
        "PYTHONUNBUFFERED": "1",
    }
    log = Path(tempfile.mkdtemp(prefix="concerto-bench-")) / "runtime.log"
    with log.open("w") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "local"], cwd=ROOT, env=env, stdout=output, stderr=output
        )
    print(f"runtime        pid {process.pid}, log {log}", flush=True)
    try:
        _wait_running(process, log)
        yield ports, process.pid
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            # A runtime still busy with a backlog may not stop in time: it must not outlive us.
            process.kill()
            process.wait()


def _wait_running(process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 180
    while "is running" not in log.read_text():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise SystemExit(f"the runtime did not start:\n{log.read_text()[-3000:]}")
        time.sleep(0.2)


def id_token(api_url: str, email: str, password: str, aws_url: str | None = None) -> str:
    """A staff member's ID token, from the Cognito the runtime's `GET /config` names (or
    the embedded AWS at `aws_url`)."""
    with urllib.request.urlopen(f"{api_url}/config", timeout=10) as answer:  # noqa: S310
        cognito_config = json.load(answer)["cognito"]
    cognito = boto3.client(
        "cognito-idp",
        endpoint_url=aws_url or cognito_config["endpoint"],
        region_name=cognito_config["region"],
        aws_access_key_id="local",
        aws_secret_access_key="local",  # noqa: S106 - moto's embedded AWS
    )
    result = cognito.initiate_auth(
        ClientId=cognito_config["clientId"],
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": email, "PASSWORD": password},
    )
    return str(result["AuthenticationResult"]["IdToken"])
