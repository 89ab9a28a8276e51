"""Sealing follow-up tokens at rest, and rotating the key without losing what it sealed."""

import pytest
from cryptography.fernet import Fernet

from chalicelib.adapters.sealer import FernetSealer

pytestmark = pytest.mark.unit


def test_a_rotated_key_still_unseals_what_the_previous_one_sealed(monkeypatch):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    monkeypatch.setenv("CONCERTO_SEAL_KEY", old)
    monkeypatch.delenv("CONCERTO_SEAL_KEY_PREVIOUS", raising=False)
    sealed_before = FernetSealer().seal("06018.token")

    monkeypatch.setenv("CONCERTO_SEAL_KEY", new)
    monkeypatch.setenv("CONCERTO_SEAL_KEY_PREVIOUS", old)
    sealer = FernetSealer()
    assert sealer.unseal(sealed_before) == "06018.token"
    sealed_after = sealer.seal("06018.other")
    assert FernetSealer(new).unseal(sealed_after) == "06018.other"
    with pytest.raises(ValueError):
        FernetSealer(old).unseal(sealed_after)

    monkeypatch.delenv("CONCERTO_SEAL_KEY_PREVIOUS")
    with pytest.raises(ValueError):
        FernetSealer().unseal(sealed_before)
