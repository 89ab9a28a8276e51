"""The DynamoDB commune repository keeps a commune found by slug for a few seconds: saved
in this container, a change is seen at once; saved by another, once the time is up."""

from __future__ import annotations

import dataclasses
import time

import pytest

from chalicelib.adapters.dynamo.repositories import DynamoCommuneRepository

pytestmark = pytest.mark.integration


def renamed(repository: DynamoCommuneRepository, name: str) -> None:
    commune = repository.get_by_slug("biot")
    repository.save(dataclasses.replace(commune, name=name))


def test_a_commune_saved_here_is_seen_at_once(ports) -> None:
    repository = DynamoCommuneRepository(slug_lookup_seconds=60)
    repository.get_by_slug("biot")
    renamed(repository, "Biot-le-Haut")
    assert repository.get_by_slug("biot").name == "Biot-le-Haut"


def test_a_commune_saved_by_another_container_is_seen_once_the_time_is_up(ports) -> None:
    here = DynamoCommuneRepository(slug_lookup_seconds=0.5)
    before = here.get_by_slug("biot").name
    renamed(DynamoCommuneRepository(), "Biot-sur-Mer")
    assert here.get_by_slug("biot").name == before  # kept: one read fewer per request
    time.sleep(0.6)
    assert here.get_by_slug("biot").name == "Biot-sur-Mer"
