"""What the API takes from CloudFront: the viewer address it forwards, read only on
requests that carry the origin secret, and that secret's current and previous values."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from chalicelib import bootstrap
from chalicelib.adapters.memory import InMemorySecretStore
from chalicelib.api import edge, http
from chalicelib.api.edge import OriginSecret
from chalicelib.channels import forms
from chalicelib.domain.errors import NotFoundError
from tests.fakes import memory_ports

pytestmark = pytest.mark.unit

SECRET_ID = "concerto-biot/origin-secret"
REPO = Path(__file__).resolve().parents[2]


class CountingStore(InMemorySecretStore):
    def __init__(self) -> None:
        super().__init__()
        self.reads = 0

    def values(self, secret_id: str) -> tuple[str, ...]:
        self.reads += 1
        return super().values(secret_id)


class Ticking:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def store(monkeypatch: pytest.MonkeyPatch) -> Iterator[CountingStore]:
    monkeypatch.setenv("CONCERTO_ORIGIN_SECRET_ID", SECRET_ID)
    secrets = CountingStore()
    secrets.put(SECRET_ID, "first-secret-value")
    ports = memory_ports()
    ports.secrets = secrets
    bootstrap.override(ports)
    edge.forget()
    yield secrets
    edge.forget()
    bootstrap.override(None)


@pytest.mark.parametrize(
    ("value", "address"),
    [
        ("198.51.100.10:46532", "198.51.100.10"),
        ("2001:db8:85a3::8a2e:370:7334:443", "2001:db8:85a3::8a2e:370:7334"),
        ("[2001:db8::1]:443", "2001:db8::1"),
        (" 203.0.113.7:1 ", "203.0.113.7"),
        ("198.51.100.10", None),  # no port: not CloudFront's format
        ("evil.example:443", None),
        ("", None),
        ("999.1.1.1:80", None),
    ],
)
def test_cloudfronts_viewer_address_is_read_ipv4_and_ipv6_alike(value, address):
    assert edge.parse_viewer_address(value) == address


def headers(secret: str | None, viewer: str = "203.0.113.7:5000") -> dict[str, str]:
    found = {"cloudfront-viewer-address": viewer}
    if secret is not None:
        found["x-origin-verify"] = secret
    return found


def test_the_viewer_address_is_read_only_with_the_origin_secret(store):
    assert edge.viewer_address(headers("first-secret-value")) == "203.0.113.7"
    assert edge.viewer_address(headers(None)) is None
    assert edge.viewer_address(headers("not-the-secret")) is None
    assert edge.viewer_address(headers("")) is None
    assert edge.viewer_address(headers("first-secret-value", viewer="garbage")) is None


def test_without_an_origin_secret_configured_the_header_is_never_read(monkeypatch):
    monkeypatch.delenv("CONCERTO_ORIGIN_SECRET_ID", raising=False)
    assert not edge.configured()
    assert edge.viewer_address(headers("anything")) is None


def test_during_a_rotation_both_values_are_accepted(store):
    store.put(SECRET_ID, "second-secret-value")
    assert edge.from_cloudfront(headers("second-secret-value"))
    assert edge.from_cloudfront(headers("first-secret-value"))
    store.put(SECRET_ID, "third-secret-value")
    edge.forget()
    assert not edge.from_cloudfront(headers("first-secret-value"))


def test_the_secret_is_read_once_then_again_only_when_a_value_does_not_match(store):
    clock = Ticking()
    secret = OriginSecret(clock)
    assert secret.matches("first-secret-value")
    assert secret.matches("first-secret-value")
    assert store.reads == 1
    # Rotated elsewhere: a request with the new value re-reads, at most every 30 s.
    store.put(SECRET_ID, "second-secret-value")
    assert not secret.matches("second-secret-value")  # read 1 s ago: not again yet
    clock.now += edge.REREAD_SECONDS + 1
    assert secret.matches("second-secret-value")
    assert store.reads == 2
    assert not secret.matches("forged")
    assert store.reads == 2
    clock.now += edge.KEEP_SECONDS + 1
    assert secret.matches("first-secret-value")  # still the previous value
    assert store.reads == 3


def test_an_unreadable_secret_lets_nobody_in(store, monkeypatch):
    monkeypatch.setenv("CONCERTO_ORIGIN_SECRET_ID", "concerto-biot/no-such-secret")
    with pytest.raises(NotFoundError):
        edge.from_cloudfront(headers("first-secret-value"))


def headers_the_api_reads() -> set[str]:
    """Every request header named in chalicelib/api (`header("…")`, `headers.get("…")`,
    `header(SOME_HEADER)` with the constant's value), lower case."""
    found: set[str] = set()
    constants = {"SIGNATURE_HEADER": forms.SIGNATURE_HEADER, **vars(edge), **vars(http)}
    for path in (REPO / "chalicelib" / "api").glob("*.py"):
        source = path.read_text(encoding="utf-8")
        found |= set(re.findall(r'header\(\s*"([^"]+)"', source))
        found |= {str(constants[name]) for name in re.findall(r"header\(([A-Z_]+)\)", source)}
        for name in re.findall(r'request\.headers\.get\(\s*"([^"]+)"', source):
            found.add(name)
    return {name.lower() for name in found}


def test_every_header_the_api_reads_reaches_it_through_cloudfront():
    """CloudFront drops a header its policies do not name: the feature that reads it would
    work under `make run` and silently not in AWS."""
    reaching = {name.lower() for name in (*edge.FORWARDED_HEADERS, *edge.CACHE_KEY_HEADERS)}
    read = headers_the_api_reads()
    assert {"authorization", "idempotency-key", "x-concerto-signature"} <= read
    assert read - {"x-forwarded-for"} <= reaching
