"""Each contract test runs against the in-memory fake and the DynamoDB adapter (on moto)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from moto import mock_aws

from chalicelib import bootstrap
from chalicelib.ports import Ports
from local.provision import provision
from tests.fakes import VALBONNE, commune, memory_ports


@pytest.fixture(params=["memory", "dynamo"])
def ports(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[Ports]:
    if request.param == "memory":
        yield memory_ports()
        return
    bootstrap.reset()
    with mock_aws():
        for name, value in provision("eu-west-1").env.items():
            monkeypatch.setenv(name, value)
        real = bootstrap.build()
        real.communes.save(commune())
        real.communes.save(commune(VALBONNE, "valbonne", "Valbonne"))
        yield real
    bootstrap.reset()
