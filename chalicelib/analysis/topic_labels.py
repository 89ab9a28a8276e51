"""Readable handles for a topic: a label from its most distinctive key phrases (never a
person's name) and the masked quotes nearest its centroid."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from chalicelib.analysis.key_phrases import extract_key_phrases
from chalicelib.analysis.pii import PiiType, find_pii
from chalicelib.analysis.text import fold, tokenize

QUOTES = 3
QUOTE_MAX_CHARS = 280
_PHRASES_PER_TEXT = 6
_LABEL_MAX_CHARS = 48
_MIN_SUPPORT = 2
# Masking leaves "[nom]", "[adresse]"...: their words must never become a label.
_PLACEHOLDER_RE = re.compile(r"\[[^\]]{1,40}\]")
# Words that occur whatever the subject: they name no thing, place or service on their own.
_VAGUE_WORDS = """
    commune ville village quartier habitant citoyen gens problème question chose fois
    plusieurs plusieur deux trois quatre cinq dix cent mille lundi mardi mercredi jeudi
    vendredi samedi dimanche hier demain semaine mois année an jour soir matin nuit heure
    minute madame monsieur agent personne enfant parent gros petit grand bon beau nouveau
    demande endroit place chose truc avis merci bonjour réponse mairie site
    """
_VAGUE = frozenset(fold(word) for word in _VAGUE_WORDS.split())


@dataclass(frozen=True)
class Description:
    label: str
    quotes: tuple[str, ...]


def describe(
    texts: Sequence[str],
    clusters: Sequence[Sequence[int]],
    centroids: Sequence[NDArray[np.float64]],
    unit: NDArray[np.float64],
) -> list[Description]:
    """One description per cluster (lists of row indices into `texts` and `unit`)."""
    if not clusters:
        return []
    names = _name_words(texts)
    phrases = [_phrases(text, names) for text in texts]
    document_frequency: Counter[str] = Counter()
    for found in phrases:
        document_frequency.update(found)
    return [
        Description(
            _label(members, phrases, document_frequency, len(texts)),
            _quotes(texts, members, centroid, unit),
        )
        for members, centroid in zip(clusters, centroids, strict=True)
    ]


def _name_words(texts: Sequence[str]) -> frozenset[str]:
    # A name found once behind a cue ("Mme Durand") is dropped from every label, even where
    # another opinion writes it without a cue.
    words: set[str] = set()
    for text in texts:
        for span in find_pii(text):
            if span.type == PiiType.NAME:
                words.update(fold(token) for token in tokenize(text[span.start : span.end]))
    return frozenset(words)


def _phrases(text: str, names: frozenset[str]) -> set[str]:
    cleaned = _PLACEHOLDER_RE.sub(" . ", text)
    return {
        phrase
        for phrase in extract_key_phrases(cleaned, limit=_PHRASES_PER_TEXT)
        if not any(fold(token) in names for token in tokenize(phrase))
        and not all(fold(token) in _VAGUE for token in tokenize(phrase))
    }


def _label(
    members: Sequence[int],
    phrases: Sequence[set[str]],
    document_frequency: Counter[str],
    total: int,
) -> str:
    """The phrases most frequent in the cluster relative to the whole corpus (c-TF-IDF on
    document counts); the runner-up joins the label when it is nearly as distinctive."""
    inside: Counter[str] = Counter()
    for member in members:
        inside.update(phrases[member])
    # A label names what several of its opinions share: a phrase of one opinion (a street
    # name, a stray word) does not name a topic of many.
    shared = {phrase: count for phrase, count in inside.items() if count >= _MIN_SUPPORT}
    scored = sorted(
        (
            (count / len(members)) * math.log(1.0 + total / document_frequency[phrase]),
            phrase,
        )
        for phrase, count in (shared or inside).items()
    )
    scored.reverse()
    if not scored:
        return ""
    best_score, best = scored[0]
    label = best
    for score, phrase in scored[1:3]:
        shares_word = set(tokenize(phrase)) & set(tokenize(best))
        if score >= 0.6 * best_score and not shares_word:
            candidate = f"{label}, {phrase}"
            if len(candidate) <= _LABEL_MAX_CHARS:
                label = candidate
            break
    return label[:1].upper() + label[1:]


def _quotes(
    texts: Sequence[str],
    members: Sequence[int],
    centroid: NDArray[np.float64],
    unit: NDArray[np.float64],
) -> tuple[str, ...]:
    ordered = sorted(members, key=lambda member: (-float(unit[member] @ centroid), member))
    quotes: list[str] = []
    seen: set[str] = set()
    for member in ordered:
        text = " ".join(texts[member].split())
        key = fold(text)
        if not text or key in seen:
            continue
        seen.add(key)
        quotes.append(text if len(text) <= QUOTE_MAX_CHARS else text[: QUOTE_MAX_CHARS - 1] + "…")
        if len(quotes) == QUOTES:
            break
    return tuple(quotes)
