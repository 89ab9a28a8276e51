"""Abuse protection without AWS: limits and windows, the text fingerprint, the honeypot,
allowed origins, and admission of submissions through the in-memory rate limiter."""

from __future__ import annotations

import contextlib
from dataclasses import replace
from datetime import date

import pytest

from chalicelib import config
from chalicelib.adapters.memory import InMemoryRateLimiter
from chalicelib.domain import abuse
from chalicelib.domain.abuse import Limit, RateLimitedError
from chalicelib.domain.commune import normalise_origin, origin_allowed
from chalicelib.domain.errors import ValidationError
from chalicelib.domain.threads import ThreadFilter
from chalicelib.services import feedback
from chalicelib.services.abuse import Submitter, admit, client_key
from chalicelib.services.feedback import SubmitFeedback
from tests.fakes import BIOT, TEST_SEAL_KEY, VALBONNE, Clock, memory_ports

pytestmark = pytest.mark.unit

TEXT = "Les poubelles de la rue du Portugon débordent tous les lundis."


@pytest.fixture(autouse=True)
def limits(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONCERTO_SEAL_KEY", TEST_SEAL_KEY)
    monkeypatch.setenv("CONCERTO_RATE_LIMIT_PER_IP", "3/600")
    monkeypatch.setenv("CONCERTO_RATE_LIMIT_PER_COMMUNE", "5/60")
    monkeypatch.setenv("CONCERTO_FLOOD_THRESHOLD", "2")


def limited_ports(clock: Clock | None = None):
    ports = memory_ports(clock)
    ports.rate_limiter = InMemoryRateLimiter()
    return ports


# ---- Limits and windows ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "limit"), [("20/600", Limit(20, 600)), (" 6000 / 60 ", Limit(6000, 60))]
)
def test_a_limit_reads_count_slash_seconds(raw, limit):
    assert Limit.parse(raw) == limit


@pytest.mark.parametrize("raw", ["", "20", "20/", "/600", "0/60", "20/0", "-1/60", "a/b", "2.5/60"])
def test_anything_else_is_refused(raw):
    with pytest.raises(ValueError, match="COUNT/SECONDS"):
        Limit.parse(raw)


def test_a_bad_limit_in_the_environment_fails_at_first_use_naming_the_variable(monkeypatch):
    monkeypatch.setenv("CONCERTO_RATE_LIMIT_PER_IP", "20 per minute")
    with pytest.raises(RuntimeError, match=r"CONCERTO_RATE_LIMIT_PER_IP.*COUNT/SECONDS"):
        config.rate_limit_per_ip()
    monkeypatch.setenv("CONCERTO_FLOOD_THRESHOLD", "many")
    with pytest.raises(RuntimeError, match="CONCERTO_FLOOD_THRESHOLD"):
        config.flood_limit()


def test_the_defaults_are_the_documented_ones(monkeypatch):
    for name in (
        "CONCERTO_RATE_LIMIT_PER_IP",
        "CONCERTO_RATE_LIMIT_PER_COMMUNE",
        "CONCERTO_FLOOD_THRESHOLD",
    ):
        monkeypatch.delenv(name)
    assert config.rate_limit_per_ip() == Limit(20, 600)
    assert config.rate_limit_per_commune() == Limit(6000, 60)
    assert config.flood_limit() == Limit(5, 600)
    assert config.trusted_proxy_hops() == 0


def test_windows_are_fixed_and_retry_after_counts_to_their_end():
    limit = Limit(20, 600)
    window = limit.window(1_800_000_123.7)
    assert (window.start, window.end) == (1_800_000_000, 1_800_000_600)
    assert window == limit.window(1_800_000_000) == limit.window(1_800_000_599.9)
    assert limit.window(1_800_000_600).start == window.end
    assert window.retry_after(1_800_000_123.7) == 477
    assert window.retry_after(window.end) == 1  # never 0


def test_a_hit_past_the_limit_is_refused_with_its_wait():
    limit = Limit(2, 60)
    window = limit.window(1_800_000_030)
    abuse.check(limit, 2, window, 1_800_000_030)
    with pytest.raises(RateLimitedError) as refused:
        abuse.check(limit, 3, window, 1_800_000_030)
    assert (refused.value.code, refused.value.status, refused.value.retry_after) == (
        "rate_limited",
        429,
        30,
    )


# ---- Near-duplicate texts ----------------------------------------------------------------


def test_case_accents_spacing_and_punctuation_do_not_change_the_fingerprint():
    variants = [
        TEXT,
        "LES POUBELLES DE LA RUE DU PORTUGON DÉBORDENT TOUS LES LUNDIS",
        "  les   poubelles de la rue du portugon debordent, tous les lundis !!!",
        "Les poubelles de la rue du Portugon...\ndébordent — tous les lundis ?",
    ]
    assert len({abuse.text_fingerprint(text) for text in variants}) == 1
    assert abuse.text_fingerprint(TEXT) is not None


def test_other_words_give_another_fingerprint_and_short_texts_none():
    assert abuse.text_fingerprint(TEXT) != abuse.text_fingerprint(TEXT.replace("lundis", "mardis"))
    assert abuse.text_fingerprint("Le bus 10 est en retard.") != abuse.text_fingerprint(
        "Le bus 11 est en retard."
    )
    assert abuse.text_fingerprint("Bravo, merci !") is None


# ---- Honeypot ----------------------------------------------------------------------------


@pytest.mark.parametrize("value", [None, "", "   "])
def test_an_empty_honeypot_passes(value):
    abuse.check_honeypot(value)


def test_a_filled_honeypot_is_refused_in_french():
    with pytest.raises(ValidationError) as refused:
        abuse.check_honeypot("https://cheap-pills.example")
    assert (refused.value.code, refused.value.status) == ("spam_suspected", 422)
    assert "rempli automatiquement" in refused.value.message


# ---- Allowed origins -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "origin"),
    [
        ("https://www.biot.fr", "https://www.biot.fr"),
        ("HTTPS://Mairie-Biot.FR/", "https://mairie-biot.fr"),
        ("https://biot.fr:8443", "https://biot.fr:8443"),
        ("http://localhost:8000", "http://localhost:8000"),
        ("http://127.0.0.1", "http://127.0.0.1"),
    ],
)
def test_https_origins_and_local_ones_are_accepted_as_browsers_send_them(given, origin):
    assert normalise_origin(given) == origin


@pytest.mark.parametrize(
    "given",
    [
        "http://www.biot.fr",
        "https://www.biot.fr/contact",
        "https://www.biot.fr?x=1",
        "https://biot",
        "*",
        "https://*.biot.fr",
        "null",
        "javascript:alert(1)",
        "https://user@biot.fr",
    ],
)
def test_anything_but_an_origin_is_refused(given):
    with pytest.raises(ValueError, match="origin"):
        normalise_origin(given)


def test_a_loopback_origin_without_port_allows_every_port_and_nothing_else():
    allowed = ("https://www.biot.fr", "http://127.0.0.1")
    assert origin_allowed("https://www.biot.fr", allowed)
    assert origin_allowed("http://127.0.0.1:53124", allowed)
    assert not origin_allowed("http://localhost:53124", allowed)
    assert not origin_allowed("https://www.biot.fr.evil.example", allowed)
    assert not origin_allowed("https://www.biot.fr:444", allowed)
    assert not origin_allowed("http://127.0.0.1:8000", ("http://127.0.0.1:9000",))


# ---- Admission -------------------------------------------------------------------------


def test_one_address_is_refused_past_its_limit_while_others_go_on():
    ports = limited_ports()
    for n in range(3):
        admit(ports, BIOT, Submitter("203.0.113.7"), f"{TEXT} {n}")
    with pytest.raises(RateLimitedError) as refused:
        admit(ports, BIOT, Submitter("203.0.113.7"), f"{TEXT} 4")
    assert refused.value.code == "rate_limited"
    assert 0 < refused.value.retry_after <= 600
    admit(ports, BIOT, Submitter("198.51.100.2"), f"{TEXT} 5")
    # The limit is per commune: the same address may still write to Valbonne.
    admit(ports, VALBONNE, Submitter("203.0.113.7"), f"{TEXT} 6")


def test_the_window_ending_lifts_the_limit():
    clock = Clock()
    ports = limited_ports(clock)
    for n in range(3):
        admit(ports, BIOT, Submitter("203.0.113.7"), f"{TEXT} {n}")
    with pytest.raises(RateLimitedError) as refused:
        admit(ports, BIOT, Submitter("203.0.113.7"), f"{TEXT} 3")
    clock.advance(seconds=refused.value.retry_after)
    admit(ports, BIOT, Submitter("203.0.113.7"), f"{TEXT} 4")


def test_the_commune_limit_caps_every_address_together():
    ports = limited_ports()
    for n in range(5):
        admit(ports, BIOT, Submitter(f"203.0.113.{n}"), f"{TEXT} {n}")
    with pytest.raises(RateLimitedError):
        admit(ports, BIOT, Submitter("198.51.100.99"), f"{TEXT} 99")
    with pytest.raises(RateLimitedError):
        admit(ports, BIOT, Submitter(), f"{TEXT} 100")  # a commune's own server too
    admit(ports, VALBONNE, Submitter("198.51.100.99"), TEXT)


def test_an_address_over_its_limit_does_not_use_up_the_communes():
    ports = limited_ports()
    for n in range(10):
        with contextlib.suppress(RateLimitedError):
            admit(ports, BIOT, Submitter("203.0.113.7"), f"{TEXT} {n}")
    for n in range(2):  # 3 counted for the address, 2 left of the commune's 5
        admit(ports, BIOT, Submitter(f"198.51.100.{n}"), f"{TEXT} x{n}")
    with pytest.raises(RateLimitedError):
        admit(ports, BIOT, Submitter("198.51.100.9"), f"{TEXT} x9")


def test_the_same_text_from_many_addresses_is_a_flood():
    ports = limited_ports()
    admit(ports, BIOT, Submitter("203.0.113.1"), TEXT)
    admit(ports, BIOT, Submitter("203.0.113.2"), TEXT.upper())
    with pytest.raises(RateLimitedError) as refused:
        admit(ports, BIOT, Submitter("203.0.113.3"), TEXT.replace(" ", "  ") + " !")
    assert refused.value.code == "duplicate_flood"
    admit(ports, VALBONNE, Submitter("203.0.113.3"), TEXT)
    admit(ports, BIOT, Submitter("203.0.113.3"), "Bravo !")  # too short to compare


def test_counters_never_hold_the_raw_address():
    ports = limited_ports()
    admit(ports, BIOT, Submitter("203.0.113.7"), TEXT)
    counters = " ".join(name for _, name in ports.rate_limiter.counts)
    assert "203.0.113.7" not in counters
    assert f"ip:{client_key('203.0.113.7')}:" in counters
    assert client_key("203.0.113.7") != client_key("203.0.113.8")


@pytest.mark.parametrize(
    ("address", "network"),
    [
        ("203.0.113.7", "203.0.113.7"),
        ("2a01:cb00:1234:5678:9abc:def0:1234:5678", "2a01:cb00:1234:5678::/64"),
        ("2A01:CB00:1234:5678::1", "2a01:cb00:1234:5678::/64"),
        ("::ffff:203.0.113.7", "203.0.113.7"),
        ("not an address", "not an address"),
    ],
)
def test_an_ipv6_client_counts_by_its_64_network(address, network):
    assert abuse.network_of(address) == network


def test_addresses_of_one_ipv6_network_share_a_limit_and_other_networks_do_not():
    ports = limited_ports()
    for n in range(3):
        admit(ports, BIOT, Submitter(f"2a01:cb00:1234:5678::{n + 1}"), f"{TEXT} {n}")
    with pytest.raises(RateLimitedError):
        admit(ports, BIOT, Submitter("2a01:cb00:1234:5678:ffff::9"), f"{TEXT} 3")
    admit(ports, BIOT, Submitter("2a01:cb00:1234:5679::1"), f"{TEXT} 4")


def test_votes_past_the_cap_are_refused_with_or_without_an_end():
    abuse.check_votes(3, 3, "ballots")
    with pytest.raises(abuse.VotesCappedError) as month:
        abuse.check_votes(3, 4, "barometer ballots this month", retry_after=3600)
    assert (month.value.code, month.value.status, month.value.retry_after) == (
        "votes_capped",
        429,
        3600,
    )
    with pytest.raises(abuse.VotesCappedError) as whole:
        abuse.check_votes(3, 4, "answers to this consultation")
    assert whole.value.retry_after is None


@pytest.mark.parametrize(
    ("day", "first"),
    [
        (date(2026, 11, 29), date(2026, 12, 1)),
        (date(2026, 12, 31), date(2027, 1, 1)),
        (date(2027, 1, 1), date(2027, 2, 1)),
    ],
)
def test_the_next_month_starts_on_its_first_day(day, first):
    assert abuse.next_month(day) == first


def test_the_vote_caps_default_to_ten_and_a_bad_value_names_its_variable(monkeypatch):
    monkeypatch.delenv("CONCERTO_BAROMETER_BALLOTS_PER_ADDRESS", raising=False)
    monkeypatch.delenv("CONCERTO_CONSULTATION_ANSWERS_PER_ADDRESS", raising=False)
    assert config.barometer_ballots_per_address() == 10
    assert config.consultation_answers_per_address() == 10
    monkeypatch.setenv("CONCERTO_BAROMETER_BALLOTS_PER_ADDRESS", "0")
    with pytest.raises(RuntimeError, match="CONCERTO_BAROMETER_BALLOTS_PER_ADDRESS"):
        config.barometer_ballots_per_address()


# ---- Submitting an opinion ----------------------------------------------------------------


def test_an_opinion_over_the_limit_is_not_stored():
    ports = limited_ports()
    opinion = SubmitFeedback(theme="proprete", text=TEXT)
    for _ in range(2):
        feedback.submit_feedback(ports, "biot", opinion, submitter=Submitter("203.0.113.7"))
    with pytest.raises(RateLimitedError):
        feedback.submit_feedback(ports, "biot", opinion, submitter=Submitter("203.0.113.8"))
    assert len(ports.threads.list_page(BIOT, ThreadFilter(), 50, None).items) == 2


def test_replaying_an_idempotency_key_is_not_counted_and_a_refused_key_succeeds_later():
    clock = Clock()
    ports = limited_ports(clock)
    opinion = SubmitFeedback(theme="proprete", text=TEXT)
    first = feedback.submit_feedback(
        ports, "biot", opinion, idempotency_key="k1", submitter=Submitter("203.0.113.7")
    )
    for _ in range(5):  # replays: same answer, never counted, never a flood
        again = feedback.submit_feedback(
            ports, "biot", opinion, idempotency_key="k1", submitter=Submitter("203.0.113.7")
        )
        assert again == first
    other = replace(opinion, text=f"{TEXT} Encore.")
    feedback.submit_feedback(ports, "biot", other, submitter=Submitter("203.0.113.7"))
    third = replace(opinion, text=f"{TEXT} Toujours.")
    feedback.submit_feedback(ports, "biot", third, submitter=Submitter("203.0.113.7"))
    with pytest.raises(RateLimitedError) as refused:
        feedback.submit_feedback(
            ports,
            "biot",
            replace(opinion, text="Et un autre avis."),
            "k2",
            None,
            Submitter("203.0.113.7"),
        )
    clock.advance(seconds=refused.value.retry_after)
    later = feedback.submit_feedback(
        ports,
        "biot",
        replace(opinion, text="Et un autre avis."),
        "k2",
        None,
        Submitter("203.0.113.7"),
    )
    assert ports.threads.get(BIOT, later.thread_id).preview == "Et un autre avis."
