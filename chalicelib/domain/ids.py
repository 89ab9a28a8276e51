"""Identifiers: the commune (tenant) id and time-sortable ids for threads and messages."""

import os
import re
import threading
import time
from typing import NewType

from chalicelib.domain.errors import ValidationError

CommuneId = NewType("CommuneId", str)

# INSEE commune codes: 5 characters, digits except Corsica's 2A/2B department prefix.
_INSEE = re.compile(r"^(?:\d{5}|2[AB]\d{3})$")
_CROCKFORD = "0123456789abcdefghjkmnpqrstvwxyz"


def commune_id(value: str) -> CommuneId:
    if not _INSEE.match(value):
        raise ValidationError(f"not an INSEE commune code: {value!r}", code="invalid_commune")
    return CommuneId(value)


_last = 0
_lock = threading.Lock()


def new_id() -> str:
    """A 26-character id whose lexical order follows creation time (ULID layout), strictly
    increasing within a process even for ids made in the same millisecond."""
    global _last
    with _lock:
        number = (int(time.time() * 1000) << 80) | int.from_bytes(os.urandom(10), "big")
        if number <= _last:
            number = _last + 1
        _last = number
    chars = []
    for _ in range(26):
        number, index = divmod(number, 32)
        chars.append(_CROCKFORD[index])
    return "".join(reversed(chars))


def id_floor(milliseconds: int) -> str:
    """The smallest id made at `milliseconds` since the epoch: every id made later sorts
    after it."""
    number = milliseconds << 80
    chars = []
    for _ in range(26):
        number, index = divmod(number, 32)
        chars.append(_CROCKFORD[index])
    return "".join(reversed(chars))


def is_id(value: str) -> bool:
    return len(value) == 26 and all(char in _CROCKFORD for char in value)
