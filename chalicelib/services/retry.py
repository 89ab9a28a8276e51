"""Retrying a read-modify-write when another writer changed the thread in between."""

from collections.abc import Callable
from typing import TypeVar

from chalicelib.domain.errors import ConflictError

T = TypeVar("T")


def on_conflict(attempt: Callable[[], T], attempts: int = 3) -> T:
    """Runs `attempt` again (it must re-read what it changes) after a ConflictError."""
    for _ in range(attempts - 1):
        try:
            return attempt()
        except ConflictError:
            continue
    return attempt()
