"""The offline summary: two to four sentences quoted word for word from the opinions, the most
representative ones (central over sentence vectors, diverse by MMR), each attributed to its
opinion. It needs no network, and it cannot state what no opinion says."""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from chalicelib.analysis.embeddings import Embedder, FloatArray, load_embedder
from chalicelib.analysis.text import FRENCH_STOPWORDS, fold, singularize, tokenize
from chalicelib.domain.commune import Commune
from chalicelib.domain.summaries import QuotedText, Summary
from chalicelib.ports import Summarizer

ENGINE = "extractive"
MIN_SENTENCES = 2
MAX_SENTENCES = 4
# A quote an official reads at a glance; longer sentences are left out rather than cut,
# since a cut sentence may no longer say what its author said.
MAX_SENTENCE_CHARS = 280
MIN_SENTENCE_WORDS = 5
# e5 costs ~65 ms a sentence on a shared core: lexical vectors pick this many candidates
# (over every opinion), the sentence embedding ranks them.
MAX_CANDIDATES = 48
PER_OPINION = 2
# MMR: weight of representativeness against novelty. e5's cosine similarities crowd between
# 0.7 and 0.95, lexical ones spread from 0 to 1: the same weight would make e5 summaries pick
# odd sentences out ("J'ai éclaté un pneu.") for their difference alone (checked by eye on
# the demo seed's themes, docs/analysis.md).
MMR_LAMBDA = 0.5
E5_MMR_LAMBDA = 0.7
_HASH_DIMENSION = 4096
# A sentence holding a masked placeholder ("appelez [téléphone]") says less to an official:
# it is chosen only when clearly more representative than the others.
MASKED_PENALTY = 0.8
# Likewise a sentence that leans on the one before ("Il ne respecte pas les normes.") or
# comes after the opinion's opening, which usually states its point.
CONTEXT_PENALTY = 0.8
LATER_SENTENCE = 0.9
_LEANING_OPENERS = frozenset(
    {
        "il",
        "ils",
        "elle",
        "elles",
        "ça",
        "ca",
        "cela",
        "ce",
        "c'",
        "ceci",
        "celui",
        "celle",
        "ceux",
        "celles",
        "en",
        "y",
        "lui",
        "leur",
        "eux",
        "mais",
        "et",
        "donc",
        "or",
        "puis",
        "alors",
        "sinon",
        "pourtant",
        "ensuite",
        "aussi",
    }
)
_PLACEHOLDER = re.compile(r"\[[^\]\s]{2,20}\]")

_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+|\n+")
# Openings and closings that carry no opinion ("Bonjour,", "Merci d'avance.").
_COURTESY = frozenset(
    fold(word)
    for word in ["bonjour", "bonsoir", "madame", "monsieur", "merci", "cordialement", "salutations"]
)


@dataclass(frozen=True)
class _Sentence:
    opinion: int
    text: str
    position: int = 0

    @property
    def prior(self) -> float:
        """How well the sentence stands on its own, from 0.5 to 1."""
        weight = 1.0 if self.position == 0 else LATER_SENTENCE
        if _PLACEHOLDER.search(self.text):
            weight *= MASKED_PENALTY
        words = tokenize(self.text)
        if words and words[0] in _LEANING_OPENERS:
            weight *= CONTEXT_PENALTY
        return weight


def sentences_of(text: str) -> list[str]:
    """The sentences of `text` a summary may quote: whole, of a readable length, not a
    greeting or a closing."""
    found = []
    for raw in _SENTENCE_END.split(text):
        sentence = raw.strip(" \t-–—•*")
        words = tokenize(sentence)
        if len(words) < MIN_SENTENCE_WORDS or len(sentence) > MAX_SENTENCE_CHARS:
            continue
        if fold(words[0]) in _COURTESY:
            continue
        found.append(sentence)
    return found


def lexical_vectors(texts: Sequence[str]) -> FloatArray:
    """Unit bag-of-lemmas vectors (hashed, stopwords left out): similarity without a model."""
    vectors = np.zeros((len(texts), _HASH_DIMENSION), dtype=np.float64)
    for row, text in enumerate(texts):
        for token in tokenize(text):
            if token in FRENCH_STOPWORDS or len(token) < 3:
                continue
            lemma = singularize(fold(token))
            digest = hashlib.blake2b(lemma.encode(), digest_size=4).digest()
            vectors[row, int.from_bytes(digest, "big") % _HASH_DIMENSION] += 1.0
    return _unit(vectors)


def _unit(vectors: FloatArray) -> FloatArray:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    unit: FloatArray = vectors / np.where(norms == 0, 1.0, norms)
    return unit


def _centrality(similarity: FloatArray, owners: Sequence[int]) -> FloatArray:
    # Mean similarity to the other opinions' sentences, each opinion weighing one in all:
    # a long letter does not outvote ten short opinions.
    owner = np.asarray(owners)
    counts = np.bincount(owner)
    weights = 1.0 / counts[owner]
    others = owner[:, None] != owner[None, :]
    weighted = np.where(others, similarity * weights[None, :], 0.0)
    total = np.where(others, weights[None, :], 0.0).sum(axis=1)
    scores: FloatArray = weighted.sum(axis=1) / np.where(total == 0, 1.0, total)
    return scores


def sentence_count(opinions: int) -> int:
    """How many sentences a summary of `opinions` opinions quotes: 1 for one, then 2 to 4."""
    if opinions <= 1:
        return opinions
    return max(MIN_SENTENCES, min(MAX_SENTENCES, round(math.sqrt(opinions))))


def _mmr(
    vectors: FloatArray, centrality: FloatArray, owners: Sequence[int], k: int, weight: float
) -> list[int]:
    similarity = vectors @ vectors.T
    chosen: list[int] = []
    cited: set[int] = set()
    while len(chosen) < k:
        best, best_score = -1, -math.inf
        for index in range(len(owners)):
            if owners[index] in cited:
                continue  # one sentence per opinion: k opinions, not one voice k times
            redundancy = max((similarity[index, j] for j in chosen), default=0.0)
            score = weight * centrality[index] - (1 - weight) * redundancy
            if score > best_score:
                best, best_score = index, score
        if best < 0:
            break
        chosen.append(best)
        cited.add(owners[best])
    return chosen


class ExtractiveSummarizer(Summarizer):
    def __init__(self, embedder: Callable[[], Embedder | None] = load_embedder) -> None:
        # A factory: the e5 engine loads on the first summary, never at import.
        self._embedder = embedder

    def summarize(self, opinions: Sequence[QuotedText], commune: Commune) -> Summary:
        """Sentences quoted verbatim, each in « », in the order of `quotes` (one sentence per
        cited opinion). Never raises for any text; empty when no opinion has a quotable
        sentence."""
        candidates = self._candidates(opinions)
        if not candidates:
            return Summary("", (), ENGINE)
        owners = [sentence.opinion for sentence in candidates]
        vectors, weight = self._vectors([sentence.text for sentence in candidates])
        priors = np.array([sentence.prior for sentence in candidates])
        centrality = _centrality(vectors @ vectors.T, owners) * priors
        picked = _mmr(vectors, centrality, owners, sentence_count(len(set(owners))), weight)
        text = " ".join(f"« {candidates[i].text} »" for i in picked)
        return Summary(text, tuple(opinions[owners[i]].id for i in picked), ENGINE)

    def _candidates(self, opinions: Sequence[QuotedText]) -> list[_Sentence]:
        every = [
            _Sentence(index, sentence, position)
            for index, opinion in enumerate(opinions)
            for position, sentence in enumerate(sentences_of(opinion.text))
        ]
        if len(every) <= MAX_CANDIDATES:
            return every
        vectors = lexical_vectors([sentence.text for sentence in every])
        owners = [sentence.opinion for sentence in every]
        ranked = np.argsort(-_centrality(vectors @ vectors.T, owners), kind="stable")
        kept: list[int] = []
        per_opinion: dict[int, int] = {}
        for index in ranked.tolist():
            if per_opinion.get(owners[index], 0) < PER_OPINION:
                kept.append(index)
                per_opinion[owners[index]] = per_opinion.get(owners[index], 0) + 1
            if len(kept) == MAX_CANDIDATES:
                break
        return [every[i] for i in sorted(kept)]

    def _vectors(self, texts: list[str]) -> tuple[FloatArray, float]:
        embedder = self._embedder()
        if embedder is None:
            return lexical_vectors(texts), MMR_LAMBDA
        return _unit(embedder.embed(texts)), E5_MMR_LAMBDA
