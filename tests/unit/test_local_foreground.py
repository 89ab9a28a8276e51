"""The embedded runtime runs the app for one request at a time, and its background work
waits for the API to be quiet, but never longer than its patience."""

from __future__ import annotations

import threading
import time

from local.worker import Foreground


def waited(foreground: Foreground) -> float:
    started = time.monotonic()
    foreground.wait_for_a_pause()
    return time.monotonic() - started


def serve_for(foreground: Foreground, seconds: float) -> threading.Event:
    """Serves one request of `seconds` in a thread; the event is set once it started."""
    started = threading.Event()

    def request() -> None:
        with foreground:
            started.set()
            time.sleep(seconds)

    threading.Thread(target=request).start()
    started.wait()
    return started


def test_without_requests_background_work_goes_at_once() -> None:
    assert waited(Foreground(patience=5, quiet=0.2)) < 0.1


def test_background_work_waits_for_the_request_then_for_the_quiet() -> None:
    foreground = Foreground(patience=5, quiet=0.2)
    serve_for(foreground, 0.3)
    assert 0.45 < waited(foreground) < 2


def test_a_continuous_load_delays_background_work_by_the_patience_only() -> None:
    foreground = Foreground(patience=0.3, quiet=0.2)
    with foreground:
        assert 0.25 < waited(foreground) < 2


def test_requests_run_the_app_one_at_a_time() -> None:
    foreground = Foreground()
    serve_for(foreground, 0.3)
    started = time.monotonic()
    with foreground:
        assert time.monotonic() - started > 0.25
