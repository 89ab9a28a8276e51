"""Pre-aggregated indicators: what each event adds to the per-day counters, and how the
dashboard reads them back. Pure functions; the repository only stores and sums counters.

A counter's dimension reads `<metric>|t=<theme>|q=<quartier>|c=<channel>|s=<sentiment>`:
one item per combination actually seen, so a day holds at most
themes × quartiers × channels × sentiments items, whatever the number of verbatims.
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from chalicelib.domain.threads import Channel, CounterIncrement, Sentiment

VERBATIMS = "n"
OPINIONS = "op"
RATING_SUM = "rsum"
RATING_COUNT = "rn"
FIRST_ANSWERS = "fa"
FIRST_ANSWER_MINUTES = "fam"
KEY_PHRASE = "kp"
CONSULTATION_CHOICE = "cch"
CONSULTATION_SENTIMENT = "csn"
CONSULTATION_PHRASE = "ckp"
BAROMETER_SUM = "bsum"
BAROMETER_COUNT = "bn"
# Client addresses (networks) that rated a theme: one on the day of each one's first vote
# on that theme in the month (a conditional marker makes it once).
BAROMETER_VOTERS = "bv"
NONE = "-"
# Time-to-first-answer histogram (upper bounds in hours) for the median.
ANSWER_BUCKETS_HOURS = (1, 4, 8, 24, 48, 72, 120, 168, 336, 720)
ANSWER_BUCKET = "fab"


@dataclass(frozen=True)
class Facets:
    theme: str
    quartier: str | None
    channel: Channel

    def key(self, sentiment: Sentiment | None = None) -> str:
        mood = sentiment.value if sentiment else NONE
        return f"t={self.theme}|q={self.quartier or NONE}|c={self.channel.value}|s={mood}"


def verbatim(
    day: str,
    facets: Facets,
    sentiment: Sentiment,
    key_phrases: Iterable[str],
    opinion: bool,
    rating: int | None = None,
) -> list[CounterIncrement]:
    """What an analysed citizen message adds; an opinion (a thread's first message) also
    counts as an opinion, with its rating, for the dialogue figures."""
    increments = [CounterIncrement(day, f"{VERBATIMS}|{facets.key(sentiment)}")]
    if opinion:
        increments.append(CounterIncrement(day, f"{OPINIONS}|{facets.key()}"))
    if rating is not None:
        increments += [
            CounterIncrement(day, f"{RATING_SUM}|{facets.key()}", rating),
            CounterIncrement(day, f"{RATING_COUNT}|{facets.key()}"),
        ]
    increments += [
        CounterIncrement(day, f"{KEY_PHRASE}|t={facets.theme}|p={phrase}")
        for phrase in sorted(set(key_phrases))
    ]
    return increments


def theme_of(increments: Iterable[CounterIncrement]) -> str | None:
    """The theme a message's verbatim increments were computed for (None if they count no
    verbatim): what the thread must still have for them to be added."""
    prefix = f"{VERBATIMS}|"
    for increment in increments:
        if increment.dimension.startswith(prefix):
            counted = parse(increment.dimension, increment.amount)
            return counted.theme if counted else None
    return None


def moved(
    day: str,
    before: Facets,
    before_sentiment: Sentiment,
    after: Facets,
    after_sentiment: Sentiment,
    rating: int | None,
    key_phrases: Iterable[str] = (),
    first_answer_minutes: int | None = None,
) -> list[CounterIncrement]:
    """What a staff correction (theme or sentiment) moves, so the indicators stay exact:
    the verbatim, and on a theme change the opinion, its rating, its key phrases and its
    first answer (when it had one, `first_answer_minutes` after it came)."""
    if (before, before_sentiment) == (after, after_sentiment):
        return []
    moves = [
        CounterIncrement(day, f"{VERBATIMS}|{before.key(before_sentiment)}", -1),
        CounterIncrement(day, f"{VERBATIMS}|{after.key(after_sentiment)}", 1),
    ]
    if before == after:
        return moves
    moves += [
        CounterIncrement(day, f"{OPINIONS}|{before.key()}", -1),
        CounterIncrement(day, f"{OPINIONS}|{after.key()}", 1),
    ]
    if rating is not None:
        moves += [
            CounterIncrement(day, f"{RATING_SUM}|{before.key()}", -rating),
            CounterIncrement(day, f"{RATING_COUNT}|{before.key()}", -1),
            CounterIncrement(day, f"{RATING_SUM}|{after.key()}", rating),
            CounterIncrement(day, f"{RATING_COUNT}|{after.key()}", 1),
        ]
    if before.theme != after.theme:
        for phrase in sorted(set(key_phrases)):
            moves += [
                CounterIncrement(day, f"{KEY_PHRASE}|t={before.theme}|p={phrase}", -1),
                CounterIncrement(day, f"{KEY_PHRASE}|t={after.theme}|p={phrase}", 1),
            ]
    if first_answer_minutes is not None:
        moves += [
            CounterIncrement(day, increment.dimension, -increment.amount)
            for increment in first_answer(day, before, first_answer_minutes)
        ]
        moves += first_answer(day, after, first_answer_minutes)
    return moves


def first_answer(day: str, facets: Facets, minutes: int) -> list[CounterIncrement]:
    """What the first answer to an opinion adds, on the opinion's day."""
    hours = minutes / 60
    bucket = next((b for b in ANSWER_BUCKETS_HOURS if hours <= b), 0)
    return [
        CounterIncrement(day, f"{FIRST_ANSWERS}|{facets.key()}"),
        CounterIncrement(day, f"{FIRST_ANSWER_MINUTES}|{facets.key()}", minutes),
        CounterIncrement(day, f"{ANSWER_BUCKET}|{bucket}|{facets.key()}"),
    ]


@dataclass(frozen=True)
class Filter:
    theme: str | None = None
    quartier: str | None = None
    channel: Channel | None = None


@dataclass(frozen=True)
class Counted:
    """One counter read back: its metric, facets, sentiment and value."""

    metric: str
    theme: str
    quartier: str | None
    channel: str
    sentiment: str | None
    value: int
    extra: str = ""

    def matches(self, wanted: Filter) -> bool:
        return (
            (wanted.theme is None or wanted.theme == self.theme)
            and (wanted.quartier is None or wanted.quartier == self.quartier)
            and (wanted.channel is None or wanted.channel.value == self.channel)
        )


def parse(dimension: str, value: int) -> Counted | None:
    """None for key-phrase counters and anything this version does not know."""
    fields = _fields(dimension)
    return None if fields is None else Counted(*fields[:5], value, fields[5])


@functools.lru_cache(maxsize=65536)
def _fields(dimension: str) -> tuple[str, str, str | None, str, str | None, str] | None:
    # Cached: the same few thousand dimensions recur on every day of every dashboard.
    parts = dimension.split("|")
    metric, extra = parts[0], ""
    if metric == ANSWER_BUCKET:
        extra, parts = parts[1], [metric, *parts[2:]]
    fields = dict(part.split("=", 1) for part in parts[1:] if "=" in part)
    if metric == KEY_PHRASE or not {"t", "q", "c", "s"} <= fields.keys():
        return None
    quartier = None if fields["q"] == NONE else fields["q"]
    sentiment = None if fields["s"] == NONE else fields["s"]
    return metric, fields["t"], quartier, fields["c"], sentiment, extra


def key_phrase_counts(counters: Mapping[str, int], theme: str | None = None) -> Counter[str]:
    """Key phrases of a day (of one theme, if given) with their counts."""
    found: Counter[str] = Counter()
    for dimension, count in counters.items():
        metric, _, rest = dimension.partition("|")
        if metric != KEY_PHRASE or count <= 0:
            continue
        theme_part, _, phrase_part = rest.partition("|")
        if theme is None or theme_part == f"t={theme}":
            found[phrase_part.removeprefix("p=")] += count
    return found


def barometer_vote(day: str, theme: str, score: int) -> list[CounterIncrement]:
    """What one citizen's 1–10 rating of the commune on a theme adds."""
    return [
        CounterIncrement(day, f"{BAROMETER_SUM}|t={theme}", score),
        CounterIncrement(day, f"{BAROMETER_COUNT}|t={theme}"),
    ]


def barometer_totals(days: Iterable[Mapping[str, int]]) -> dict[str, tuple[int, int]]:
    """{theme: (sum of scores, number of votes)} over the given days."""
    totals: dict[str, list[int]] = {}
    for counters in days:
        for dimension, value in counters.items():
            metric, _, theme = dimension.partition("|t=")
            if metric in (BAROMETER_SUM, BAROMETER_COUNT):
                pair = totals.setdefault(theme, [0, 0])
                pair[0 if metric == BAROMETER_SUM else 1] += value
    return {theme: (pair[0], pair[1]) for theme, pair in totals.items()}


def barometer_voter(day: str, theme: str) -> list[CounterIncrement]:
    """What a client address's first vote of the month on a theme adds."""
    return [CounterIncrement(day, f"{BAROMETER_VOTERS}|t={theme}")]


def barometer_voters(days: Iterable[tuple[str, Mapping[str, int]]]) -> dict[str, int]:
    """{theme: distinct client addresses that rated it} over the given (day, counters),
    at least. An address counts on the day of its first vote of the month, so the days of
    one month add up to distinct addresses; one that also voted in another month counts
    there again: the month with the most stands for the whole (a lower bound)."""
    per_month: dict[tuple[str, str], int] = {}
    for day, counters in days:
        for dimension, value in counters.items():
            metric, _, theme = dimension.partition("|t=")
            if metric == BAROMETER_VOTERS:
                per_month[theme, day[:7]] = per_month.get((theme, day[:7]), 0) + value
    voters: dict[str, int] = {}
    for (theme, _month), count in per_month.items():
        voters[theme] = max(voters.get(theme, 0), count)
    return voters


def consultation_choice(day: str, consultation_id: str, choice: int) -> list[CounterIncrement]:
    return [CounterIncrement(day, f"{CONSULTATION_CHOICE}|c={consultation_id}|ch={choice}")]


def consultation_verbatim(
    day: str, consultation_id: str, sentiment: Sentiment, key_phrases: Iterable[str]
) -> list[CounterIncrement]:
    """What an analysed answer to a consultation adds to the consultation's results."""
    increments = [
        CounterIncrement(day, f"{CONSULTATION_SENTIMENT}|c={consultation_id}|s={sentiment.value}")
    ]
    increments += [
        CounterIncrement(day, f"{CONSULTATION_PHRASE}|c={consultation_id}|p={phrase}")
        for phrase in sorted(set(key_phrases))
    ]
    return increments


def phrases_taken_back(
    day: str, theme: str, consultation_id: str | None, phrases: Iterable[str]
) -> list[CounterIncrement]:
    """What takes back the key-phrase counts a verbatim added (`verbatim`, and
    `consultation_verbatim` for a consultation answer) for `phrases`."""
    taken = [
        CounterIncrement(day, f"{KEY_PHRASE}|t={theme}|p={phrase}", -1)
        for phrase in sorted(set(phrases))
    ]
    if consultation_id:
        taken += [
            CounterIncrement(day, f"{CONSULTATION_PHRASE}|c={consultation_id}|p={phrase}", -1)
            for phrase in sorted(set(phrases))
        ]
    return taken


@dataclass
class ConsultationTotals:
    choices: Counter[int]
    sentiments: Counter[str]
    key_phrases: Counter[str]


def consultation_totals(
    days: Iterable[Mapping[str, int]], consultation_id: str
) -> ConsultationTotals:
    totals = ConsultationTotals(Counter(), Counter(), Counter())
    marker = f"|c={consultation_id}|"
    for counters in days:
        for dimension, value in counters.items():
            metric, found, rest = dimension.partition(marker)
            if not found:
                continue
            name, _, detail = rest.partition("=")
            if metric == CONSULTATION_CHOICE and name == "ch":
                totals.choices[int(detail)] += value
            elif metric == CONSULTATION_SENTIMENT and name == "s":
                totals.sentiments[detail] += value
            elif metric == CONSULTATION_PHRASE and name == "p":
                totals.key_phrases[detail] += value
    return totals
