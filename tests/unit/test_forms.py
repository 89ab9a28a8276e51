"""The contact-form channel: keys, signatures, replays and submissions (in memory)."""

import contextlib
import json
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.channels import forms as signatures
from chalicelib.domain.errors import (
    ConflictError,
    ForbiddenError,
    NotFoundError,
    UnauthorizedError,
    ValidationError,
)
from chalicelib.domain.staff import Role
from chalicelib.domain.threads import Channel
from chalicelib.services import forms
from chalicelib.services.forms import FormSubmission
from tests.fakes import BIOT, VALBONNE, Clock, memory_ports, staff

pytestmark = pytest.mark.unit

ADMIN = staff(role=Role.ADMIN)
BODY = json.dumps({"text": "Le lampadaire du 12 chemin des Aspres est éteint."}).encode()


def signed(secret: str, body: bytes, clock: Clock, offset: int = 0) -> str:
    return signatures.sign(secret, int(clock.now.timestamp()) + offset, body)


def test_a_signed_submission_is_filed_on_the_form_channel_with_a_follow_up_token():
    clock = Clock()
    ports = memory_ports(clock)
    _, secret = forms.create_key(ports, ADMIN)

    commune = forms.authenticate(ports, "biot", signed(secret, BODY, clock), BODY)
    form = FormSubmission(
        text="Le lampadaire du 12 chemin des Aspres est éteint.",
        email="Habitant@Example.org",
        consent=True,
        name="Léa",
        theme="voirie",
        subject="Éclairage",
    )
    received = forms.submit(ports, commune, form, BODY)

    thread = ports.threads.get(BIOT, received.thread_id)
    assert (thread.channel, thread.theme, thread.subject) == (Channel.FORM, "voirie", "Éclairage")
    assert received.followup_token.startswith(f"{BIOT}.")
    assert ports.sealer.unseal(thread.sealed_followup) == received.followup_token
    assert ports.contacts.get(BIOT, thread.contact_id).email == "habitant@example.org"


def test_the_same_submission_id_is_filed_once():
    ports = memory_ports()
    commune = ports.communes.get(BIOT)
    form = FormSubmission(text="Trou dans la chaussée.", submission_id="web-42")
    first = forms.submit(ports, commune, form, b"one body")
    again = forms.submit(ports, commune, form, b"another body")
    assert again.duplicate and again.thread_id == first.thread_id


def test_an_email_without_consent_is_refused():
    ports = memory_ports()
    form = FormSubmission(text="Trou dans la chaussée.", email="a@example.org")
    with pytest.raises(ValidationError) as refused:
        forms.submit(ports, ports.communes.get(BIOT), form, b"{}")
    assert refused.value.code == "consent_required"


@pytest.mark.parametrize(
    ("tamper", "code"),
    [
        (lambda secret, clock: signed(secret, BODY + b" ", clock), "invalid_signature"),
        (lambda secret, clock: signed("cfk_wrong", BODY, clock), "invalid_signature"),
        (lambda secret, clock: signed(secret, BODY, clock, offset=-301), "invalid_signature"),
        (lambda secret, clock: signed(secret, BODY, clock, offset=301), "invalid_signature"),
        (lambda secret, clock: "", "invalid_signature"),
        (lambda secret, clock: "t=abc,v1=zz", "invalid_signature"),
    ],
)
def test_unsigned_badly_signed_or_stale_requests_are_refused(tamper, code):
    clock = Clock()
    ports = memory_ports(clock)
    _, secret = forms.create_key(ports, ADMIN)
    with pytest.raises(UnauthorizedError) as refused:
        forms.authenticate(ports, "biot", tamper(secret, clock), BODY)
    assert refused.value.code == code


def test_a_replayed_signature_is_refused():
    clock = Clock()
    ports = memory_ports(clock)
    _, secret = forms.create_key(ports, ADMIN)
    header = signed(secret, BODY, clock)
    forms.authenticate(ports, "biot", header, BODY)
    clock.advance(seconds=30)
    with pytest.raises(ConflictError) as replayed:
        forms.authenticate(ports, "biot", header, BODY)
    assert replayed.value.code == "signature_replayed"


def test_a_commune_without_a_key_accepts_nothing_and_keys_are_per_commune():
    clock = Clock()
    ports = memory_ports(clock)
    _, secret = forms.create_key(ports, ADMIN)
    with pytest.raises(UnauthorizedError) as refused:
        forms.authenticate(ports, "valbonne", signed(secret, BODY, clock), BODY)
    assert refused.value.code == "form_not_configured"
    _, valbonne_secret = forms.create_key(ports, staff(VALBONNE, Role.ADMIN))
    with pytest.raises(UnauthorizedError):
        forms.authenticate(ports, "valbonne", signed(secret, BODY, clock), BODY)
    assert forms.authenticate(ports, "valbonne", signed(valbonne_secret, BODY, clock), BODY)


def test_a_rotated_key_signs_for_a_day_and_a_revoked_one_no_more():
    clock = Clock()
    ports = memory_ports(clock)
    old, old_secret = forms.create_key(ports, ADMIN)
    new, new_secret = forms.create_key(ports, ADMIN)

    forms.authenticate(ports, "biot", signed(old_secret, BODY, clock), BODY)
    clock.advance(hours=23)
    forms.authenticate(ports, "biot", signed(old_secret, BODY + b"1", clock), BODY + b"1")
    clock.advance(hours=2)
    with pytest.raises(UnauthorizedError):
        forms.authenticate(ports, "biot", signed(old_secret, BODY + b"2", clock), BODY + b"2")
    forms.authenticate(ports, "biot", signed(new_secret, BODY + b"3", clock), BODY + b"3")

    forms.revoke_key(ports, ADMIN, new.key_id)
    with pytest.raises(UnauthorizedError):
        forms.authenticate(ports, "biot", signed(new_secret, BODY + b"4", clock), BODY + b"4")
    listed = {k.key_id: k.active(clock.now) for k in forms.list_keys(ports, ADMIN)}
    assert listed == {old.key_id: False, new.key_id: False}
    assert all(k.sealed and new_secret not in k.sealed for k in forms.list_keys(ports, ADMIN))


def test_only_admins_manage_keys_and_each_change_is_audited():
    ports = memory_ports()
    with pytest.raises(ForbiddenError):
        forms.create_key(ports, staff(role=Role.AGENT))
    key, _ = forms.create_key(ports, ADMIN)
    forms.revoke_key(ports, ADMIN, key.key_id)
    with pytest.raises(NotFoundError):
        forms.revoke_key(ports, ADMIN, "not-a-key")
    with pytest.raises(NotFoundError):
        forms.revoke_key(ports, staff(VALBONNE, Role.ADMIN), key.key_id)
    kinds = [entry.kind.value for entry in ports.activity.page(BIOT, 10, None, True).items]
    assert kinds.count("channel.key_created") == 1 and kinds.count("channel.key_revoked") == 1


# The signature checker, fuzzed: what it accepts is exactly what the key signed in time.
SECRETS = st.text(min_size=1, max_size=64)
BODIES = st.binary(max_size=2048)


@settings(max_examples=300, deadline=None)
@given(secret=SECRETS, body=BODIES, skew=st.integers(-300, 300))
def test_property_what_a_key_signs_within_the_tolerance_verifies(secret, body, skew):
    now = float(int(time.time()))
    header = signatures.sign(secret, int(now) + skew, body)
    assert signatures.verify([secret], header, body, now)[0] == int(now) + skew


@settings(max_examples=300, deadline=None)
@given(secret=SECRETS, body=BODIES, flip=st.integers(0, 10_000), bit=st.integers(0, 7))
def test_property_any_changed_byte_of_the_body_fails(secret, body, flip, bit):
    now = time.time()
    header = signatures.sign(secret, int(now), body)
    changed = bytearray(body or b"\0")
    changed[flip % len(changed)] ^= 1 << bit
    if bytes(changed) == body:
        return
    with pytest.raises(signatures.SignatureError):
        signatures.verify([secret], header, bytes(changed), now)


@settings(max_examples=300, deadline=None)
@given(
    secret=SECRETS,
    body=BODIES,
    position=st.integers(0, 63),
    digit=st.sampled_from("0123456789abcdef"),
)
def test_property_any_changed_digit_of_the_signature_fails(secret, body, position, digit):
    now = time.time()
    header = signatures.sign(secret, int(now), body)
    prefix, _, signature = header.partition("v1=")
    if signature[position] == digit:
        return
    forged = prefix + "v1=" + signature[:position] + digit + signature[position + 1 :]
    with pytest.raises(signatures.SignatureError):
        signatures.verify([secret], forged, body, now)


@settings(max_examples=500, deadline=None)
@given(header=st.one_of(st.none(), st.text(max_size=300)), body=BODIES)
def test_property_arbitrary_headers_never_raise_anything_but_signature_errors(header, body):
    with contextlib.suppress(signatures.SignatureError):
        signatures.verify(["cfk_secret"], header, body, time.time())
