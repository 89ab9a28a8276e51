"""The embedded runtime's background work waits for a pause in the API's requests, but
never longer than its patience."""

from __future__ import annotations

import threading
import time

from local.worker import Foreground


def waited(foreground: Foreground) -> float:
    started = time.monotonic()
    foreground.wait_for_a_pause()
    return time.monotonic() - started


def test_without_requests_background_work_goes_at_once() -> None:
    assert waited(Foreground(patience=5)) < 0.1


def test_background_work_waits_for_the_request_being_served() -> None:
    foreground = Foreground(patience=5)
    served = threading.Event()

    def request() -> None:
        with foreground:
            served.set()
            time.sleep(0.3)

    threading.Thread(target=request).start()
    served.wait()
    assert 0.2 < waited(foreground) < 2


def test_a_continuous_load_delays_background_work_by_the_patience_only() -> None:
    foreground = Foreground(patience=0.3)
    with foreground:
        assert 0.25 < waited(foreground) < 2
