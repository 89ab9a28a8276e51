"""The repository contract, held by the fake and the DynamoDB adapter alike."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.domain.contacts import Contact
from chalicelib.domain.errors import BadRequestError, ConflictError, NotFoundError
from chalicelib.domain.ids import new_id
from chalicelib.domain.threads import (
    AnalysisStatus,
    Author,
    Channel,
    CounterIncrement,
    Envelope,
    Message,
    Sentiment,
    TextAnalysis,
    Thread,
    ThreadFilter,
    ThreadStatus,
    Visibility,
)
from tests.fakes import BIOT, VALBONNE

pytestmark = pytest.mark.contract

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
ANALYSIS = TextAnalysis(
    "fr",
    Sentiment.NEGATIVE,
    {"negative": 0.9, "positive": 0.02, "neutral": 0.05, "mixed": 0.03},
    ("poubelle",),
    "local",
    "v1",
)


def make_thread(commune=BIOT, minutes=0, theme="proprete", **fields) -> tuple[Thread, Message]:
    at = T0 + timedelta(minutes=minutes)
    thread_id = new_id()
    thread = Thread(
        commune,
        thread_id,
        Channel.WEB,
        ThreadStatus.NEW,
        theme,
        at,
        at,
        "Les poubelles…",
        followup_hash=f"hash-{thread_id}",
        **fields,
    )
    message = Message(
        commune, thread_id, thread_id, Author.CITIZEN, "Les poubelles débordent.", Channel.WEB, at
    )
    return thread, message


def stored(ports, commune=BIOT, **fields) -> Thread:
    thread, message = make_thread(commune, **fields)
    ports.threads.create(thread, message)
    return ports.threads.get(commune, thread.thread_id)


def test_a_thread_reads_back_as_written(ports):
    thread, message = make_thread(quartier="village", rating=2, contact_id="c1")
    ports.threads.create(thread, message)
    assert ports.threads.get(BIOT, thread.thread_id) == thread
    assert ports.threads.messages(BIOT, thread.thread_id) == [message]
    assert ports.threads.get_by_followup(BIOT, thread.followup_hash) == thread


def test_creating_the_same_thread_twice_is_a_conflict(ports):
    thread, message = make_thread()
    ports.threads.create(thread, message)
    with pytest.raises(ConflictError):
        ports.threads.create(thread, message)


def test_two_communes_never_see_each_others_threads(ports):
    biot = stored(ports, BIOT)
    valbonne = stored(ports, VALBONNE)
    with pytest.raises(NotFoundError):
        ports.threads.get(VALBONNE, biot.thread_id)
    with pytest.raises(NotFoundError):
        ports.threads.get_by_followup(VALBONNE, biot.followup_hash)
    with pytest.raises(NotFoundError):
        ports.threads.get_message(VALBONNE, biot.thread_id, biot.thread_id)
    assert ports.threads.messages(VALBONNE, biot.thread_id) == []
    for commune, own in ((BIOT, biot), (VALBONNE, valbonne)):
        listed = ports.threads.list_page(commune, ThreadFilter(), 50, None).items
        assert [t.thread_id for t in listed] == [own.thread_id]


def test_the_inbox_lists_newest_first_in_pages_without_gaps_or_repeats(ports):
    ids = [stored(ports, minutes=n).thread_id for n in range(7)]
    seen, cursor = [], None
    for _ in range(5):
        page = ports.threads.list_page(BIOT, ThreadFilter(), 3, cursor)
        seen += [t.thread_id for t in page.items]
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == ids[::-1]


@pytest.mark.parametrize(
    ("filter", "expected"),
    [
        (ThreadFilter(status=ThreadStatus.NEW), {"a", "b"}),
        (ThreadFilter(theme="voirie"), {"b", "c"}),
        (ThreadFilter(quartier="village"), {"a"}),
        (ThreadFilter(assignee="agent@example.org"), {"c"}),
        (ThreadFilter(status=ThreadStatus.NEW, theme="voirie"), {"b"}),
        (ThreadFilter(sentiment=Sentiment.NEGATIVE), {"a"}),
        (ThreadFilter(channel=Channel.EMAIL), set()),
    ],
)
def test_inbox_filters(ports, filter, expected):
    names = {}
    a = stored(ports, minutes=1, quartier="village")
    names[a.thread_id] = "a"
    names[stored(ports, minutes=2, theme="voirie").thread_id] = "b"
    c = stored(ports, minutes=3, theme="voirie")
    names[c.thread_id] = "c"
    ports.threads.update(replace(c, status=ThreadStatus.IN_PROGRESS, assignee="agent@example.org"))
    message = ports.threads.get_message(BIOT, a.thread_id, a.thread_id)
    ports.threads.record_analysis(message, ANALYSIS, [], on_thread=True)

    listed = ports.threads.list_page(BIOT, filter, 50, None).items
    assert {names[t.thread_id] for t in listed} == expected


def test_a_forged_cursor_is_refused(ports):
    stored(ports)
    with pytest.raises(BadRequestError):
        ports.threads.list_page(BIOT, ThreadFilter(), 10, "bm90LWEtY3Vyc29y")


def test_updates_are_versioned(ports):
    thread = stored(ports)
    updated = ports.threads.update(replace(thread, status=ThreadStatus.CLOSED))
    assert (updated.status, updated.version) == (ThreadStatus.CLOSED, thread.version + 1)
    with pytest.raises(ConflictError):
        ports.threads.update(replace(thread, status=ThreadStatus.IN_PROGRESS))
    assert ports.threads.get(BIOT, thread.thread_id).status is ThreadStatus.CLOSED


def test_adding_a_message_saves_the_thread_in_the_same_step(ports):
    thread = stored(ports)
    at = T0 + timedelta(hours=1)
    reply = Message(
        BIOT,
        thread.thread_id,
        new_id(),
        Author.COMMUNE,
        "Bonjour",
        Channel.WEB,
        at,
        Visibility.PUBLIC,
        "agent@example.org",
    )
    saved = ports.threads.add_message(thread.after_staff_reply(at), reply)
    assert (saved.status, saved.last_activity_at) == (ThreadStatus.ANSWERED, at)
    assert ports.threads.messages(BIOT, thread.thread_id)[-1] == reply
    with pytest.raises(ConflictError):
        stale_reply = replace(reply, message_id=new_id())
        ports.threads.add_message(thread.after_staff_reply(at), stale_reply)
    assert len(ports.threads.messages(BIOT, thread.thread_id)) == 2


def test_an_analysis_and_its_counters_are_recorded_once(ports):
    thread = stored(ports)
    message = ports.threads.get_message(BIOT, thread.thread_id, thread.thread_id)
    counters = [CounterIncrement("2026-11-02", "theme=proprete|sentiment=NEGATIVE|channel=web")]
    assert ports.threads.record_analysis(message, ANALYSIS, counters, on_thread=True) is True
    assert ports.threads.record_analysis(message, ANALYSIS, counters, on_thread=True) is False

    analysed = ports.threads.get(BIOT, thread.thread_id)
    assert analysed.analysis.status is AnalysisStatus.DONE
    assert analysed.analysis.result == ANALYSIS
    assert analysed.version == thread.version  # analysis never bumps the staff version
    assert ports.indicators.counts(BIOT, ["2026-11-02"]) == {
        "2026-11-02": {"theme=proprete|sentiment=NEGATIVE|channel=web": 1}
    }
    assert ports.indicators.counts(VALBONNE, ["2026-11-02"]) == {"2026-11-02": {}}


def test_key_phrases_are_rewritten_with_their_counters_while_the_theme_holds(ports):
    thread = stored(ports)
    message = ports.threads.get_message(BIOT, thread.thread_id, thread.thread_id)
    analysis = replace(ANALYSIS, key_phrases=("poubelle", "mme durand"))
    day, dimension = "2026-11-02", "kp|t=proprete|p=mme durand"
    counted = [CounterIncrement(day, dimension)]
    assert ports.threads.record_analysis(message, analysis, counted, on_thread=True)
    taken = [CounterIncrement(day, dimension, -1)]

    assert ports.threads.replace_key_phrases(message, ["poubelle"], taken, "voirie") is False
    assert ports.indicators.counts(BIOT, [day])[day] == {dimension: 1}
    assert ports.threads.replace_key_phrases(message, ["poubelle"], taken, "proprete") is True
    assert ports.indicators.counts(BIOT, [day])[day] == {dimension: 0}
    assert ports.threads.get(BIOT, thread.thread_id).analysis.result.key_phrases == ("poubelle",)
    kept = ports.threads.get_message(BIOT, thread.thread_id, thread.thread_id)
    assert kept.analysis.result == replace(analysis, key_phrases=("poubelle",))


def test_a_phrases_quotes_can_be_dropped_for_one_month_and_commune(ports):
    for commune, month in ((BIOT, "2026-11"), (BIOT, "2026-10"), (VALBONNE, "2026-11")):
        ports.indicators.add_quote(commune, month, "mme durand", f"{commune} {month}")
    ports.indicators.add_quote(BIOT, "2026-11", "poubelle", "kept")
    ports.indicators.drop_quotes(BIOT, "2026-11", ["mme durand", "absent"])
    november = ports.indicators.quotes(BIOT, ["2026-11"], ["mme durand", "poubelle"])
    assert november == {"poubelle": ["kept"]}
    assert ports.indicators.quotes(BIOT, ["2026-10"], ["mme durand"]) == {
        "mme durand": ["06018 2026-10"]
    }
    assert ports.indicators.quotes(VALBONNE, ["2026-11"], ["mme durand"]) != {}


def test_counters_computed_for_a_theme_staff_changed_since_are_refused(ports):
    from chalicelib.domain import indicators
    from chalicelib.domain.threads import Channel

    thread = stored(ports)  # theme "proprete"
    message = ports.threads.get_message(BIOT, thread.thread_id, thread.thread_id)
    facets = indicators.Facets("proprete", None, Channel.WEB)
    counters = indicators.verbatim("2026-11-02", facets, Sentiment.NEGATIVE, [], opinion=True)
    ports.threads.update(replace(thread, theme="voirie"))  # a staff edit meanwhile
    with pytest.raises(ConflictError):
        ports.threads.record_analysis(message, ANALYSIS, counters, on_thread=True)
    assert ports.threads.get(BIOT, thread.thread_id).analysis.status is AnalysisStatus.PENDING
    assert ports.indicators.counts(BIOT, ["2026-11-02"]) == {"2026-11-02": {}}


def test_a_staff_write_read_before_the_analysis_landed_is_a_conflict(ports):
    thread = stored(ports)
    message = ports.threads.get_message(BIOT, thread.thread_id, thread.thread_id)
    ports.threads.record_analysis(message, ANALYSIS, [], on_thread=True)
    with pytest.raises(ConflictError):
        ports.threads.update(replace(thread, assignee="agent@example.org"))


def test_a_failure_is_recorded_but_never_overwrites_a_done_analysis(ports):
    failing = stored(ports)
    message = ports.threads.get_message(BIOT, failing.thread_id, failing.thread_id)
    ports.threads.record_analysis_failure(message, "boom", on_thread=True)
    assert ports.threads.get(BIOT, failing.thread_id).analysis.status is AnalysisStatus.FAILED

    done = stored(ports)
    message = ports.threads.get_message(BIOT, done.thread_id, done.thread_id)
    ports.threads.record_analysis(message, ANALYSIS, [], on_thread=True)
    ports.threads.record_analysis_failure(message, "late", on_thread=True)
    assert ports.threads.get(BIOT, done.thread_id).analysis.status is AnalysisStatus.DONE


def test_contacts_are_per_commune(ports):
    contact = Contact(BIOT, "c1", "a@example.org", "Jeanne", T0, T0 + timedelta(days=730))
    ports.contacts.save(contact)
    assert ports.contacts.get(BIOT, "c1") == contact
    assert ports.contacts.get(VALBONNE, "c1") is None


def test_a_contact_can_be_erased(ports):
    ports.contacts.save(Contact(BIOT, "c1", "a@example.org", "Jeanne", T0, T0 + timedelta(days=1)))
    ports.contacts.delete(BIOT, "c1")
    ports.contacts.delete(BIOT, "c1")
    assert ports.contacts.get(BIOT, "c1") is None


def test_forgetting_a_contact_keeps_the_thread_and_its_anonymised_texts(ports):
    thread, message = make_thread(contact_id="c1", subject="Poubelles", sealed_followup="x")
    ports.threads.create(thread, replace(message, envelope=Envelope(subject="Poubelles")))
    anonymised = replace(message, text="[masqué]", envelope=None)
    ports.threads.forget_contact(
        replace(thread, contact_id=None, sealed_followup="", subject="", preview="[masqué]"),
        [anonymised],
    )
    kept = ports.threads.get(BIOT, thread.thread_id)
    assert (kept.contact_id, kept.sealed_followup, kept.subject, kept.preview) == (
        None,
        "",
        "",
        "[masqué]",
    )
    assert kept.version == thread.version + 1
    assert ports.threads.get_by_followup(BIOT, thread.followup_hash).thread_id == thread.thread_id
    [stored_message] = ports.threads.messages(BIOT, thread.thread_id)
    assert (stored_message.text, stored_message.envelope) == ("[masqué]", None)
    assert ports.threads.of_contact(BIOT, "c1", 10) == []


def test_a_thread_moves_to_another_contact_only_from_the_one_it_has(ports):
    thread = stored(ports, contact_id="c1")
    assert ports.threads.move_contact(BIOT, thread.thread_id, "c2", "c3") is False
    assert ports.threads.move_contact(VALBONNE, thread.thread_id, "c1", "c3") is False
    assert ports.threads.move_contact(BIOT, thread.thread_id, "c1", "c3") is True
    moved = ports.threads.get(BIOT, thread.thread_id)
    assert (moved.contact_id, moved.version) == ("c3", thread.version + 1)
    assert [t.thread_id for t in ports.threads.of_contact(BIOT, "c3", 10)] == [thread.thread_id]
    assert ports.threads.of_contact(BIOT, "c1", 10) == []


def test_idempotency_keys_are_per_commune_and_bound_to_their_request(ports):
    first = ports.idempotency.remember(BIOT, "k", "fp1", {"id": "1"})
    assert ports.idempotency.remember(BIOT, "k", "fp1", {"id": "2"}) == first == {"id": "1"}
    assert ports.idempotency.remember(VALBONNE, "k", "fp9", {"id": "3"}) == {"id": "3"}
    with pytest.raises(ConflictError):
        ports.idempotency.remember(BIOT, "k", "fp2", {"id": "4"})
    assert ports.idempotency.recall(BIOT, "unknown", "fp1") is None


def test_communes_are_found_by_id_and_slug(ports):
    assert ports.communes.get_by_slug("valbonne").commune_id == VALBONNE
    assert ports.communes.get(BIOT).slug == "biot"
    with pytest.raises(NotFoundError):
        ports.communes.get_by_slug("atlantis")


def test_a_correction_saves_the_analysis_and_moves_counters_in_one_step(ports):
    thread = stored(ports)
    message = ports.threads.get_message(BIOT, thread.thread_id, thread.thread_id)
    old = "theme=proprete|sentiment=NEGATIVE|channel=web"
    ports.threads.record_analysis(message, ANALYSIS, [CounterIncrement("2026-11-02", old)], True)
    analysed = ports.threads.get(BIOT, thread.thread_id)

    fixed = replace(ANALYSIS, sentiment=Sentiment.MIXED, corrected=True)
    new = "theme=proprete|sentiment=MIXED|channel=web"
    moves = [CounterIncrement("2026-11-02", old, -1), CounterIncrement("2026-11-02", new, 1)]
    corrected = replace(analysed, analysis=replace(analysed.analysis, result=fixed))
    saved = ports.threads.update(corrected, moves, corrected=True)

    assert saved.analysis.result == fixed
    assert saved.version == analysed.version + 1
    listed = ports.threads.list_page(BIOT, ThreadFilter(sentiment=Sentiment.MIXED), 10, None)
    assert [t.thread_id for t in listed.items] == [thread.thread_id]
    assert ports.indicators.counts(BIOT, ["2026-11-02"])["2026-11-02"] == {old: 0, new: 1}


def test_a_correction_of_a_pending_analysis_is_a_conflict(ports):
    thread = stored(ports)
    fixed = replace(thread, analysis=replace(thread.analysis, result=ANALYSIS))
    with pytest.raises(ConflictError):
        ports.threads.update(fixed, [], corrected=True)


def test_an_erasure_anonymises_a_corrections_text_and_keeps_its_label(ports):
    from chalicelib.domain.corrections import Correction

    taught = Correction(
        BIOT, "t1", "Jeanne Martin, 06 12 34 56 78", Sentiment.NEGATIVE, None, "a@x.fr", T0
    )
    ports.corrections.save(taught)
    ports.corrections.anonymise(BIOT, "t1", "[NAME], [PHONE]")
    ports.corrections.anonymise(BIOT, "t-without-correction", "[NAME]")  # nothing to do
    assert ports.corrections.list(BIOT) == [replace(taught, text="[NAME], [PHONE]")]


def test_corrections_keep_the_latest_per_thread_and_stay_in_their_commune(ports):
    from chalicelib.domain.corrections import Correction

    first = Correction(BIOT, "t1", "Texte", Sentiment.POSITIVE, None, "a@example.org", T0)
    latest = replace(first, sentiment=Sentiment.MIXED, theme="voirie")
    ports.corrections.save(first)
    ports.corrections.save(latest)
    ports.corrections.save(replace(first, commune_id=VALBONNE, thread_id="t2"))
    assert ports.corrections.list(BIOT) == [latest]
    assert [c.thread_id for c in ports.corrections.list(VALBONNE)] == ["t2"]


def test_indicator_totals_can_be_rebuilt_and_read_back(ports):
    counters = [
        CounterIncrement("2026-11-02", "n|a", 2, spread="x"),
        CounterIncrement("2026-11-30", "n|a", 1, spread="y"),
    ]
    thread = stored(ports)
    message = ports.threads.get_message(BIOT, thread.thread_id, thread.thread_id)
    ports.threads.record_analysis(message, ANALYSIS, counters, on_thread=True)

    ports.indicators.replace_totals(BIOT, {"2026-11-02": {"n|a": 5, "n|b": 1}})

    days = ["2026-11-02", "2026-11-30", "2026-12-01"]
    assert ports.indicators.counts(BIOT, days) == {
        "2026-11-02": {"n|a": 5, "n|b": 1},
        "2026-11-30": {"n|a": 1},
        "2026-12-01": {},
    }
    assert ports.indicators.counts(VALBONNE, days) == {day: {} for day in days}


def test_a_vote_counts_once_and_votes_are_per_commune(ports):
    vote = [
        CounterIncrement("2026-11-29", "bsum|t=proprete", 7, spread="v"),
        CounterIncrement("2026-11-29", "bn|t=proprete", 1, spread="v"),
    ]
    assert ports.indicators.record_vote(BIOT, "2026-11#proprete#v1", vote) is True
    assert ports.indicators.record_vote(BIOT, "2026-11#proprete#v1", vote) is False
    assert ports.indicators.record_vote(VALBONNE, "2026-11#proprete#v1", vote) is True
    assert ports.indicators.counts(BIOT, ["2026-11-29"])["2026-11-29"] == {
        "bsum|t=proprete": 7,
        "bn|t=proprete": 1,
    }


def test_threads_are_counted_by_status_per_commune(ports):
    for _ in range(2):
        stored(ports)
    closed = stored(ports)
    ports.threads.update(replace(closed, status=ThreadStatus.CLOSED))
    stored(ports, VALBONNE)
    assert ports.threads.count_by_status(BIOT, ThreadStatus.NEW) == 2
    assert ports.threads.count_by_status(BIOT, ThreadStatus.CLOSED) == 1
    assert ports.threads.count_by_status(VALBONNE, ThreadStatus.NEW) == 1


def test_a_phrase_keeps_its_first_three_quotes_per_month_and_commune(ports):
    for n in range(5):
        ports.indicators.add_quote(BIOT, "2026-11", "poubelle", f"quote {n}")
    ports.indicators.add_quote(BIOT, "2026-10", "poubelle", "october")
    ports.indicators.add_quote(VALBONNE, "2026-11", "poubelle", "valbonne")
    november = ports.indicators.quotes(BIOT, ["2026-11"], ["poubelle", "trottoir"])
    assert november == {"poubelle": ["quote 0", "quote 1", "quote 2"]}
    both = ports.indicators.quotes(BIOT, ["2026-10", "2026-11"], ["poubelle"])
    assert len(both["poubelle"]) == 3 and "valbonne" not in both["poubelle"]
    assert ports.indicators.quotes(VALBONNE, ["2026-11"], ["poubelle"]) == {
        "poubelle": ["valbonne"]
    }


def test_overdue_threads_are_listed_latest_first_and_counted_per_commune(ports):
    now = T0 + timedelta(days=10)
    late = stored(ports, due_at=now - timedelta(days=2))
    later = stored(ports, due_at=now - timedelta(days=5), theme="voirie")
    stored(ports, due_at=now + timedelta(hours=1))  # not yet due
    stored(ports)  # nothing awaited (a consultation answer)
    stored(ports, VALBONNE, due_at=now - timedelta(days=3))
    assert ports.threads.count_overdue(BIOT, now) == 2
    assert [t.thread_id for t in ports.threads.overdue(BIOT, now, 10)] == [
        later.thread_id,
        late.thread_id,
    ]
    page = ports.threads.list_page(BIOT, ThreadFilter(overdue_at=now), 1, None)
    assert [t.thread_id for t in page.items] == [later.thread_id]
    rest = ports.threads.list_page(BIOT, ThreadFilter(overdue_at=now), 5, page.next_cursor)
    assert [t.thread_id for t in rest.items] == [late.thread_id]
    themed = ports.threads.list_page(BIOT, ThreadFilter(overdue_at=now, theme="voirie"), 5, None)
    assert [t.thread_id for t in themed.items] == [later.thread_id]


def test_an_answer_takes_a_thread_off_the_overdue_list(ports):
    now = T0 + timedelta(days=10)
    thread = stored(ports, due_at=now - timedelta(days=1))
    reply = Message(
        BIOT,
        thread.thread_id,
        new_id(),
        Author.COMMUNE,
        "Merci.",
        Channel.WEB,
        now,
        staff_email="agent@biot.demo",
    )
    answered = ports.threads.add_message(thread.after_staff_reply(now), reply)
    assert answered.due_at is None
    assert ports.threads.count_overdue(BIOT, now) == 0
    assert ports.threads.overdue(BIOT, now, 10) == []


def test_a_cursor_missing_its_index_keys_is_refused(ports):
    import base64
    import json as jsonlib

    stored(ports)
    partial = {"i": "by_published", "k": {"commune_id": {"S": BIOT}, "thread_id": {"S": "x"}}}
    cursor = base64.urlsafe_b64encode(jsonlib.dumps(partial).encode()).decode().rstrip("=")
    from chalicelib.domain.threads import Publication

    with pytest.raises(BadRequestError):
        ports.threads.list_page(BIOT, ThreadFilter(publication=Publication.PUBLISHED), 5, cursor)


def test_expired_contacts_are_listed_per_commune(ports):
    ports.contacts.save(Contact(BIOT, "old", "a@example.org", "", T0, T0 + timedelta(days=1)))
    ports.contacts.save(Contact(BIOT, "new", "b@example.org", "", T0, T0 + timedelta(days=9)))
    ports.contacts.save(Contact(VALBONNE, "v", "c@example.org", "", T0, T0 + timedelta(days=1)))
    later = T0 + timedelta(days=2)
    assert [c.contact_id for c in ports.contacts.expired(BIOT, later, 10)] == ["old"]
    assert [c.contact_id for c in ports.contacts.expired(VALBONNE, later, 10)] == ["v"]
    assert ports.contacts.expired(BIOT, T0, 10) == []
