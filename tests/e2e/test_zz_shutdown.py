"""Runs last in the session: SIGTERM stops the whole runtime cleanly."""

import signal

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def test_sigterm_stops_everything_cleanly(runtime):
    runtime.process.send_signal(signal.SIGTERM)
    assert runtime.process.wait(timeout=30) == 0
