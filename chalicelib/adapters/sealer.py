"""Encryption at rest of the follow-up tokens e-mailed answers link to (Fernet: AES-128-CBC
with HMAC-SHA256, from `cryptography`, already shipped for PyJWT)."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from chalicelib import config
from chalicelib.ports import Sealer

if TYPE_CHECKING:
    from cryptography.fernet import MultiFernet


class FernetSealer(Sealer):
    def __init__(self, key: str | None = None) -> None:
        self._key = key

    def seal(self, secret: str) -> str:
        return self._fernet().encrypt(secret.encode()).decode()

    def unseal(self, sealed: str) -> str:
        from cryptography.fernet import InvalidToken

        try:
            return self._fernet().decrypt(sealed.encode()).decode()
        except InvalidToken as error:
            raise ValueError("not sealed with this key") from error

    def _fernet(self) -> MultiFernet:
        if self._key:
            return _fernet(self._key)
        return _fernet(config.seal_key(), *config.previous_seal_keys())


@functools.cache
def _fernet(key: str, *previous: str) -> MultiFernet:
    """Seals with `key`; unseals with it or, during a rotation, with the previous keys."""
    from cryptography.fernet import Fernet, MultiFernet

    return MultiFernet([Fernet(k.encode()) for k in (key, *previous)])
