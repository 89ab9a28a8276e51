"""Reports of one same problem (the same broken streetlight, the same overflowing bin): each
new opinion joins the group of the closest open thread reporting it (`analysis.similar`), so
staff see « N signalements similaires », answer them all at once, and the dashboard counts
problems as well as reports."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from chalicelib.domain.contacts import Contact
from chalicelib.domain.errors import ConcertoError, NotFoundError
from chalicelib.domain.indicators import Filter
from chalicelib.domain.staff import Role, StaffIdentity
from chalicelib.domain.threads import Thread, ThreadStatus, Visibility
from chalicelib.domain.topics import Verbatim
from chalicelib.ports import Ports
from chalicelib.services import bulk, inbox, redaction, templates, validation

if TYPE_CHECKING:
    from chalicelib.analysis import similar

# A thread's view lists at most this many of its group (a group past it is a known
# problem the agent handles from the inbox, not a list to read).
SHOWN = 50
_PARIS = ZoneInfo("Europe/Paris")


def link(ports: Ports, verbatim: Verbatim) -> str | None:
    """Puts the opinion `verbatim`, just stored, in the group of the closest open thread of
    its commune that reports the same problem within `similar.WINDOW` (starting the group
    with that thread when it had none). Returns the group, or None: a later message of a
    thread (only the opinion decides), an answer to a consultation, vectors of an embedder
    without thresholds, no such open thread. Reads only the threads of the verbatims that
    pass the rule, closest first, and the opinion's own thread when one does."""
    if not _is_opinion(verbatim):
        return None
    if verbatim.problem:
        return verbatim.problem
    candidates = _closest(ports, verbatim)
    if not candidates or _report_thread(ports, verbatim) is None:
        return None
    for candidate in candidates:
        thread = _report_thread(ports, candidate)
        if thread is None or not is_open(thread):
            continue
        problem = candidate.problem or candidate.thread_id
        if candidate.problem is None:
            ports.topics.link_problem(candidate, problem)
        ports.topics.link_problem(verbatim, problem)
        return problem
    return None


def _closest(ports: Ports, verbatim: Verbatim) -> list[Verbatim]:
    # numpy and the rule only where reports are linked (the analysis worker): the API's
    # routes of this module (a thread's group, answering it, the dashboard) never load them.
    import numpy as np

    from chalicelib.analysis import similar

    mine = _report(verbatim)
    start, end = verbatim.created_at - similar.WINDOW, verbatim.created_at + similar.WINDOW
    found: list[tuple[float, Verbatim]] = []
    for other in ports.topics.between(verbatim.commune_id, start, end):
        if not _is_opinion(other) or other.thread_id == verbatim.thread_id:
            continue
        limits = similar.thresholds(verbatim.embedder, other.embedder)
        theirs = _report(other)
        if limits is None or theirs.vector.shape != mine.vector.shape:
            continue
        if similar.same_problem(mine, theirs, *limits):
            found.append((float(np.dot(mine.vector, theirs.vector)), other))
    found.sort(key=lambda pair: pair[0], reverse=True)
    return [other for _, other in found]


def _report(verbatim: Verbatim) -> similar.Report:
    from chalicelib.analysis import similar
    from chalicelib.analysis.problem_objects import objects_in
    from chalicelib.analysis.topic_codec import decode_embedding

    return similar.Report(
        verbatim.thread_id,
        decode_embedding(verbatim.vector),
        frozenset(verbatim.places),
        verbatim.quartier,
        verbatim.created_at,
        objects_in(verbatim.quote),
    )


def _is_opinion(verbatim: Verbatim) -> bool:
    return verbatim.message_id == verbatim.thread_id


def _report_thread(ports: Ports, verbatim: Verbatim) -> Thread | None:
    """The verbatim's thread if it reports something: an answer to a consultation is an
    opinion on the commune's question (many alike by design), never a problem's report."""
    try:
        thread = ports.threads.get(verbatim.commune_id, verbatim.thread_id)
    except NotFoundError:  # erased since its verbatim was read
        return None
    return None if thread.consultation_id else thread


def is_open(thread: Thread) -> bool:
    """Still awaiting the commune: neither closed nor merged into another thread."""
    return thread.status is not ThreadStatus.CLOSED and thread.merged_into is None


def similar_threads(ports: Ports, staff: StaffIdentity, thread_id: str) -> list[Thread]:
    """The other threads of the thread's group, open ones first, newest first within; masked
    for staff who may not see personal data, like the inbox (`redaction`)."""
    staff.require(Role.VIEWER)
    validation.check_thread_id(thread_id)
    threads: list[Thread] = []
    for other_id in _group_of(ports, staff, thread_id)[:SHOWN]:
        try:
            threads.append(ports.threads.get(staff.commune_id, other_id))
        except NotFoundError:  # erased: its place in the group goes with its verbatims
            continue
    threads.sort(key=lambda t: t.created_at, reverse=True)
    threads.sort(key=lambda t: not is_open(t))
    if not redaction.sees_personal_data(staff):
        return [redaction.thread_for_viewer(thread) for thread in threads]
    return threads


def _group_of(ports: Ports, staff: StaffIdentity, thread_id: str) -> list[str]:
    opinions = [v for v in ports.topics.of_thread(staff.commune_id, thread_id) if _is_opinion(v)]
    problem = opinions[0].problem if opinions else None
    if problem is None:
        return []
    members = ports.topics.problem_threads(staff.commune_id, problem)
    return sorted(other for other in members if other != thread_id)


@dataclass(frozen=True)
class AnswerAll:
    text: str | None = None
    template_id: str | None = None
    visibility: Visibility = Visibility.PRIVATE


def answer_all(
    ports: Ports, staff: StaffIdentity, thread_id: str, wanted: AnswerAll
) -> list[bulk.Outcome]:
    """Answers the thread and each open thread of its group, each citizen on their own
    thread and channel: a template is filled in for each; a typed text, written to this
    thread's citizen, gets this citizen's name and address replaced by each other's (by a
    neutral greeting in a public answer, which names no one). The thread's own answer fails
    as `inbox.reply_to_thread` does; another thread's failure is its outcome."""
    staff.require(Role.AGENT)
    thread = ports.threads.get(staff.commune_id, validation.check_thread_id(thread_id))
    public = wanted.visibility is Visibility.PUBLIC
    text = templates.answer_text(ports, staff, thread_id, wanted.text, wanted.template_id, public)
    inbox.reply_to_thread(ports, staff, thread_id, text, wanted.visibility, wanted.template_id)
    outcomes = [bulk.Outcome(thread_id)]
    addressee = _contact_of(ports, thread)
    for other in similar_threads(ports, staff, thread_id):
        if not is_open(other):
            continue  # closed: answered already, or merged (answered through its thread)
        try:
            if wanted.template_id is not None:
                own = templates.render_for(ports, staff, wanted.template_id, other, public)
            else:
                contact = None if public else _contact_of(ports, other)
                own = redaction.readdressed(text, addressee, contact)
            inbox.reply_to_thread(
                ports, staff, other.thread_id, own, wanted.visibility, wanted.template_id
            )
            outcomes.append(bulk.Outcome(other.thread_id))
        except ConcertoError as error:
            outcomes.append(bulk.Outcome(other.thread_id, error))
    return outcomes


def _contact_of(ports: Ports, thread: Thread) -> Contact | None:
    if not thread.contact_id:
        return None
    return ports.contacts.get(thread.commune_id, thread.contact_id)


@dataclass(frozen=True)
class Problems:
    """Opinions of a period, and how many distinct problems they report (an opinion in no
    group is a problem of its own)."""

    reports: int
    distinct: int


def problems(
    ports: Ports, staff: StaffIdentity, start: date, end: date, filter: Filter
) -> Problems:
    """The opinions created in the commune's days [start, end] (Paris time) that match the
    dashboard's filter, and their distinct problems. Reads the period's verbatims (one
    Query; the dashboard bounds a period to a year)."""
    staff.require(Role.VIEWER)
    since = datetime.combine(start, time(), _PARIS)
    until = datetime.combine(end + timedelta(days=1), time(), _PARIS)
    reports = 0
    groups: set[str] = set()
    for verbatim in ports.topics.between(staff.commune_id, since, until):
        if not _is_opinion(verbatim) or not _matches(verbatim, filter):
            continue
        reports += 1
        groups.add(verbatim.problem or verbatim.thread_id)
    return Problems(reports, len(groups))


def _matches(verbatim: Verbatim, filter: Filter) -> bool:
    return (
        (filter.theme is None or verbatim.theme == filter.theme)
        and (filter.quartier is None or verbatim.quartier == filter.quartier)
        and (filter.channel is None or verbatim.channel is filter.channel)
    )
