"""Starts the embedded runtime (`python -m local`, what `make run` runs) on free ports."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "E2e-Password-2026!"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Runtime:
    api_url: str
    aws_url: str
    password: str
    process: subprocess.Popen[str]
    banner: str
    realtime_url: str
    web_origin: str
    smtp_port: int
    outbox_url: str
    graph_url: str
    log_path: Path


@pytest.fixture(scope="session")
def runtime(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runtime]:
    api_port, aws_port, web_port, realtime_port, smtp_port, outbox_port, graph_port = (
        free_port() for _ in range(7)
    )
    env = {
        **os.environ,
        "CONCERTO_API_PORT": str(api_port),
        "CONCERTO_AWS_PORT": str(aws_port),
        "CONCERTO_WEB_PORT": str(web_port),
        "CONCERTO_SMTP_PORT": str(smtp_port),
        "CONCERTO_OUTBOX_PORT": str(outbox_port),
        "CONCERTO_GRAPH_PORT": str(graph_port),
        "CONCERTO_REALTIME_PORT": str(realtime_port),
        "CONCERTO_DEMO_PASSWORD": PASSWORD,
        "CONCERTO_RUNTIME_FILE": os.path.join(
            tempfile.gettempdir(), f"concerto-runtime-{os.getpid()}.json"
        ),
        "CONCERTO_ALERTS_EVERY_SECONDS": "5",
        "PYTHONUNBUFFERED": "1",
    }
    log = tmp_path_factory.mktemp("runtime") / "runtime.log"
    with log.open("w") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "local"],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            text=True,
        )
    deadline = time.monotonic() + 120
    while "is running" not in log.read_text():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"the runtime did not start:\n{log.read_text()[-4000:]}")
        time.sleep(0.2)
    running = Runtime(
        f"http://127.0.0.1:{api_port}",
        f"http://127.0.0.1:{aws_port}",
        PASSWORD,
        process,
        log.read_text(),
        f"ws://127.0.0.1:{realtime_port}",
        f"http://127.0.0.1:{web_port}",
        smtp_port,
        f"http://127.0.0.1:{outbox_port}",
        f"http://127.0.0.1:{graph_port}",
        log,
    )
    yield running
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)


CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "test-artifacts"


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's chromium driven by Playwright (never a downloaded browser)."""
    if not CHROMIUM.exists():
        pytest.fail("Debian's chromium is missing: .ci/run installs it (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-dev-shm-usage"]
        )
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Any, runtime: Runtime) -> Iterator[Any]:
    """A fresh browser context per test; console errors and failed scripts are collected on
    `page.problems` (a test asserts there are none)."""
    context = browser.new_context(base_url=runtime.web_origin, locale="fr-FR")
    opened = context.new_page()
    problems: list[str] = []
    opened.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    opened.on(
        "console",
        lambda message: (
            problems.append(f"console {message.type}: {message.text}")
            if message.type == "error"
            else None
        ),
    )
    opened.problems = problems
    yield opened
    context.close()


def screenshot(page: Any, name: str, part: Any = None) -> None:
    """Key screens kept as test artifacts (test-artifacts/, uploaded by CI when present):
    the whole page, or one `part` of it (a locator) as `<name>-part.png` too."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    if part is not None:
        part.screenshot(path=str(ARTIFACTS / f"{name}-part.png"))


WCAG = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}


def axe_violations(page: Any, area: str, name: str) -> list[str]:
    """axe-core's WCAG 2.1 AA violations on the page as it is; the results are logged in
    test-artifacts/axe-<area>.json (for the closing report) with a screenshot."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options=WCAG).response
    found = [
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}"
        for v in results["violations"]
    ]
    ARTIFACTS.mkdir(exist_ok=True)
    axe_log = ARTIFACTS / f"axe-{area}.json"
    log = json.loads(axe_log.read_text()) if axe_log.exists() else {}
    log[name] = {"violations": len(found), "passes": len(results.get("passes", []))}
    axe_log.write_text(json.dumps(log, indent=1))
    screenshot(page, f"{area}-{name}")
    return found


def script_problems(page: Any) -> list[str]:
    """Script errors; failed loads of optional data (a 404 the page handles) excepted."""
    return [p for p in page.problems if "Failed to load resource" not in p]
