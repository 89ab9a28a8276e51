"""The webhook parser faces the internet: on any JSON value, and on Meta's own payloads with keys
removed or values swapped for junk, it returns well-formed events or raises MetaPayloadError."""

from __future__ import annotations

import copy
import json
from datetime import UTC
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chalicelib.channels.meta.events import Media, MetaPayloadError, SocialEvent, parse, read

pytestmark = pytest.mark.unit

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "meta"
PAYLOADS = {
    path.stem: json.loads(path.read_text("utf-8")) for path in sorted(FIXTURES.glob("*.json"))
}
EXAMPLES = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()  # NaN and infinities too: Python's json module reads them
    | st.text(max_size=30)
    | st.sampled_from(["page", "instagram", "whatsapp_business_account", "comment", "add"])
    | st.sampled_from(["text", "image", "messages", "feed", "comments", "1772445600"])
)
json_values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=5)
        | st.dictionaries(
            st.sampled_from(["object", "entry", "id", "messaging", "changes", "message", "value"])
            | st.text(max_size=10),
            children,
            max_size=6,
        )
    ),
    max_leaves=40,
)


def assert_well_formed(events: list[SocialEvent]) -> None:
    assert isinstance(events, list)
    for event in events:
        assert isinstance(event, SocialEvent)
        assert event.event_id and event.account_id and event.reply_target
        assert event.text or event.attachments
        assert event.text == event.text.strip()
        assert event.at.tzinfo is UTC
        assert all(isinstance(item, Media) and item.kind for item in event.attachments)
        assert event.conversation_key.startswith(f"{event.platform}:{event.account_id}:")


def parse_or_refuse(payload: Any) -> list[SocialEvent] | None:
    try:
        events = parse(payload)
    except MetaPayloadError:
        return None
    assert_well_formed(events)
    assert_items_stand_alone(payload, events)
    return events


def assert_items_stand_alone(payload: Any, events: list[SocialEvent]) -> None:
    """Every item is read or unreadable with a reason, and its raw body, stored as JSON and
    read again, is that item alone: one citizen's input, kept apart from the others'."""
    items = read(payload)
    assert [item.event for item in items if item.event is not None] == events
    for item in items:
        assert (item.event is None) != (item.unreadable is None)
        assert item.unreadable is None or item.unreadable.reason
        stored = json.loads(json.dumps(item.raw))
        again = [(i.event, i.unreadable, i.identity) for i in read(stored)]
        assert again == [(item.event, item.unreadable, item.identity)]


@EXAMPLES
@given(payload=json_values)
def test_any_json_value(payload: Any) -> None:
    parse_or_refuse(payload)


@EXAMPLES
@given(
    kind=st.sampled_from(["page", "instagram", "whatsapp_business_account"]),
    entries=st.lists(json_values, max_size=4),
)
def test_a_valid_envelope_around_junk_never_raises(kind: str, entries: list[Any]) -> None:
    assert_well_formed(parse({"object": kind, "entry": entries}))


def containers(value: Any, found: list[Any]) -> list[Any]:
    """Every dict and list inside `value`, outermost first."""
    if isinstance(value, dict | list):
        found.append(value)
        for child in value.values() if isinstance(value, dict) else value:
            containers(child, found)
    return found


@st.composite
def mutated_fixtures(draw: st.DrawFn) -> Any:
    payload = copy.deepcopy(PAYLOADS[draw(st.sampled_from(sorted(PAYLOADS)))])
    for _ in range(draw(st.integers(1, 6))):
        targets = containers(payload, [])
        target = targets[draw(st.integers(0, len(targets) - 1))]
        if not target:
            continue
        if isinstance(target, dict):
            key = draw(st.sampled_from(sorted(target)))
            if draw(st.booleans()):
                del target[key]
            else:
                target[key] = draw(json_values)
        else:
            index = draw(st.integers(0, len(target) - 1))
            target[index] = draw(json_values)
    return payload


@EXAMPLES
@given(payload=mutated_fixtures())
def test_meta_payloads_with_keys_removed_or_values_replaced(payload: Any) -> None:
    parse_or_refuse(payload)


@pytest.mark.parametrize("name", sorted(PAYLOADS))
def test_every_fixture_parses_to_well_formed_events(name: str) -> None:
    assert_well_formed(parse(PAYLOADS[name]))
