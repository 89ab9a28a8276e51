"""Classify a citizen's feedback into the commune's own themes.

Communes name their themes as they like and rarely have labelled data, so the classifier starts
zero-shot from each theme's label, keywords and description (widened by a general table of
municipal vocabulary), adds the sentence embedding's closeness to them where e5 runs, learns
from staff corrections as they accumulate, and abstains (None) rather than guess when nothing
fits: an unthemed feedback is cheaper than a misrouted one. Words alone need the standard
library only (what runs in Lambda); the e5 side needs numpy.
"""

from __future__ import annotations

import functools
import itertools
import json
import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from chalicelib.analysis.text import FRENCH_STOPWORDS, fold, singularize, tokenize
from chalicelib.analysis.theme_embeddings import FloatArray, ThemeVectors
from chalicelib.analysis.theme_vocabulary import synonym_entries
from chalicelib.domain.commune import Theme

if TYPE_CHECKING:  # embeddings imports content_stems from here: no cycle at run time
    from chalicelib.analysis.embeddings import Embedder

# A term is a unigram or a short phrase of stems: ("depot", "sauvag").
Term = tuple[str, ...]

# --- Light French stemmer -------------------------------------------------------------------

# (suffix, shortest stem allowed to remain). Derivational families are cut first so that
# "stationnement", "circulation", "dangereux" meet their verbs and adjectives; the minimum
# stems keep short words whole ("garage" must not become "gar", which is "gare").
_DERIVATIONAL: tuple[tuple[str, int], ...] = (
    ("issement", 4),
    ("ement", 3),
    ("ment", 4),
    ("atrice", 3),
    ("ateur", 3),
    ("ation", 3),
    ("ition", 3),
    ("tion", 4),
    ("sion", 4),
    ("iere", 5),
    ("ier", 5),
    ("elle", 5),
    ("euse", 4),
    ("eux", 4),
    ("able", 4),
    ("ible", 4),
    ("iste", 4),
    ("isme", 4),
    ("ance", 4),
    ("ence", 4),
    ("esse", 4),
    ("ite", 4),
    ("ete", 4),
    ("age", 4),
    ("ant", 4),
    ("ive", 4),
    ("el", 5),
    ("if", 4),
)
# Feminine and verb endings, cut after the derivational suffix ("dangereux" -> "danger" ->
# "dang", the same stem as "danger").
# "-ir" is left alone: cut after "-age" it would turn "éclairage" into "ecla".
_INFLECTIONAL: tuple[tuple[str, int], ...] = (("ee", 3), ("er", 3), ("ez", 3), ("e", 3))
# "trous" is not covered by singularize(), which leaves every "-us" word alone.
_OUS_INVARIANT = frozenset({"dessous", "jaloux", "dous"})


def _cut(word: str, rules: tuple[tuple[str, int], ...]) -> str:
    for suffix, min_stem in rules:
        if word.endswith(suffix) and len(word) - len(suffix) >= min_stem:
            return word[: -len(suffix)]
    return word


@functools.lru_cache(maxsize=16384)
def stem(word: str) -> str:
    """Accent-free stem shared by a French word's plural, feminine, verb and -ment/-tion/-age
    forms ("stationner", "stationnement", "stationnées" -> "stationn"). Not a full stemmer:
    some families stay apart ("construction" / "construire"), which the synonym table covers."""
    folded = singularize(fold(word))
    if folded.endswith("ous") and len(folded) > 4 and folded not in _OUS_INVARIANT:
        folded = folded[:-1]
    if len(folded) <= 4:
        return folded
    return _cut(_cut(folded, _DERIVATIONAL), _INFLECTIONAL)


# Words that occur in feedback whatever its topic (addresses, the town itself, request verbs):
# they still count for a theme that names them, at a fraction of the weight.
_GENERIC_WORDS = """
    commune ville village quartier rue avenue chemin habitant citoyen résident gens service
    public municipal problème question demande année jour semaine mois soir matin fois chose
    point place centre niveau depuis enfin vraiment faut souhaite
"""
_GENERIC = frozenset(stem(word) for word in _GENERIC_WORDS.split())
_GENERIC_FACTOR = 0.3

_MAX_PHRASE = 3


def _content_stems(text: str) -> list[str]:
    # Hyphenated words are split so that "nids-de-poule" and "nid de poule" meet.
    stems: list[str] = []
    for token in tokenize(text):
        for part in token.split("-"):
            if (
                len(part) > 2
                and not part.endswith("'")
                and part not in FRENCH_STOPWORDS
                and fold(part) not in FRENCH_STOPWORDS
                and not any(ch.isdigit() for ch in part)
            ):
                stems.append(stem(part))
    return stems


content_stems = _content_stems


def _ngrams(stems: Sequence[str]) -> Counter[Term]:
    # Stopwords are dropped before joining, so "aire de jeux" is the bigram ("aire", "jeu").
    grams: Counter[Term] = Counter()
    for size in range(1, _MAX_PHRASE + 1):
        for start in range(len(stems) - size + 1):
            grams[tuple(stems[start : start + size])] += 1
    return grams


# --- Synonym table ---------------------------------------------------------------------------


@functools.cache
def _synonym_groups() -> tuple[frozenset[Term], ...]:
    return tuple(
        frozenset(tuple(_content_stems(e)) for e in entries if _content_stems(e))
        for entries in synonym_entries()
    )


# --- Zero-shot vocabulary ---------------------------------------------------------------------

_LABEL_WEIGHT = 1.2
_KEYWORD_WEIGHT = 1.0
# The words of a multi-word keyword ("police municipale") count on their own, weakly: the
# phrase is the strong evidence, "municipale" alone is not.
_COMPONENT_FACTOR = 0.35
_DESCRIPTION_WEIGHT = 0.4
_SYNONYM_WEIGHT = 0.6
_LABEL_SPLIT_RE = re.compile(r",|/|&|\bet\b", re.IGNORECASE)


def _put(vocabulary: dict[Term, float], term: Term, weight: float) -> None:
    if len(term) == 1 and term[0] in _GENERIC:
        weight *= _GENERIC_FACTOR
    vocabulary[term] = max(vocabulary.get(term, 0.0), weight)


def _add_phrase(vocabulary: dict[Term, float], phrase: str, weight: float) -> None:
    stems = _content_stems(phrase)
    if len(stems) == 1:
        _put(vocabulary, (stems[0],), weight)
        return
    if len(stems) <= _MAX_PHRASE:
        _put(vocabulary, tuple(stems), weight)
    else:
        for start in range(len(stems) - 1):
            _put(vocabulary, (stems[start], stems[start + 1]), weight * _COMPONENT_FACTOR)
    for single in stems:
        _put(vocabulary, (single,), weight * _COMPONENT_FACTOR)


def _own_vocabulary(theme: Theme) -> tuple[dict[Term, float], Counter[Term]]:
    """The theme's weighted terms from its own words, and its anchors for the synonym table
    (label terms count twice: the label is what the commune calls the theme)."""
    vocabulary: dict[Term, float] = {}
    anchors: Counter[Term] = Counter()
    for part in _LABEL_SPLIT_RE.split(theme.label):
        _add_phrase(vocabulary, part, _LABEL_WEIGHT)
        anchors.update({term: 2 for term in _ngrams(_content_stems(part))})
    for keyword in theme.keywords:
        _add_phrase(vocabulary, keyword, _KEYWORD_WEIGHT)
        anchors.update(_ngrams(_content_stems(keyword)).keys())
    for gram in _ngrams(_content_stems(theme.description)):
        if len(gram) <= 2:
            _put(vocabulary, gram, _DESCRIPTION_WEIGHT)
    return vocabulary, anchors


def _attach_synonyms(
    vocabularies: list[dict[Term, float]], anchors: list[Counter[Term]]
) -> list[list[str]]:
    """Widens each vocabulary with the synonym groups it names; returns, per theme, the
    phrases of the groups it owns (for the embedding side)."""
    owned: list[list[str]] = [[] for _ in vocabularies]
    for group, entries in zip(_synonym_groups(), synonym_entries(), strict=True):
        hits = [sum(count for term, count in theme.items() if term in group) for theme in anchors]
        best = max(hits, default=0)
        if best == 0:
            continue
        # A group goes to the theme naming most of it; a theme that shares a word or two
        # (a "fête" keyword in a living-environment theme) gets a share in proportion.
        for index, (vocabulary, hit) in enumerate(zip(vocabularies, hits, strict=True)):
            if hit:
                for term in group:
                    _put(vocabulary, term, _SYNONYM_WEIGHT * hit / best)
            if hit == best:
                owned[index].extend(entries)
    return owned


def _inverse_frequencies(vocabularies: Sequence[Mapping[Term, float]]) -> dict[Term, float]:
    # IDF over themes, scaled to 1.0 for a term only one theme has, so the abstain threshold
    # means the same whatever the number of themes. A theme holding a term weakly counts
    # fractionally: a synonym share should not halve the value of its owner's keyword.
    count = len(vocabularies)
    strongest: dict[Term, float] = {}
    for vocabulary in vocabularies:
        for term, weight in vocabulary.items():
            strongest[term] = max(strongest.get(term, 0.0), weight)
    mass: dict[Term, float] = dict.fromkeys(strongest, 0.0)
    for vocabulary in vocabularies:
        for term, weight in vocabulary.items():
            mass[term] += weight / strongest[term]
    scale = math.log(1 + count)
    return {term: math.log(1 + count / mass[term]) / scale for term in mass}


# --- Supervised part --------------------------------------------------------------------------


def _unit_vector(weights: Mapping[Term, float]) -> dict[Term, float]:
    norm = math.sqrt(sum(value * value for value in weights.values()))
    return {term: value / norm for term, value in weights.items()} if norm else {}


@dataclass(frozen=True)
class _Centroids:
    """Nearest-centroid model on TF-IDF of stemmed unigrams and bigrams. On the demo data it
    is as accurate as multinomial naive Bayes (about 40 % alone with 12 corrections per
    theme), and unlike NB's posteriors, which always sum to 1, a text sharing no word with
    any correction scores 0 everywhere, so abstention still works."""

    idf: Mapping[Term, float]
    centroids: Mapping[str, Mapping[Term, float]]
    counts: Mapping[str, int]

    @staticmethod
    def _features(text: str) -> Counter[Term]:
        stems = _content_stems(text)
        grams: Counter[Term] = Counter((single,) for single in stems)
        grams.update(itertools.pairwise(stems))
        return grams

    @classmethod
    def train(cls, corrections: Iterable[tuple[str, str]]) -> _Centroids:
        documents = [(cls._features(text), theme_id) for text, theme_id in corrections]
        frequency: Counter[Term] = Counter()
        for features, _ in documents:
            frequency.update(features.keys())
        idf = {
            term: math.log((1 + len(documents)) / (1 + df)) + 1 for term, df in frequency.items()
        }
        sums: dict[str, Counter[Term]] = {}
        counts: Counter[str] = Counter()
        for features, theme_id in documents:
            vector = cls._vector(features, idf)
            sums.setdefault(theme_id, Counter()).update(vector)
            counts[theme_id] += 1
        centroids = {theme_id: _unit_vector(total) for theme_id, total in sums.items()}
        return cls(idf=idf, centroids=centroids, counts=dict(counts))

    @staticmethod
    def _vector(features: Counter[Term], idf: Mapping[Term, float]) -> dict[Term, float]:
        return _unit_vector(
            {t: (1 + math.log(n)) * idf[t] for t, n in features.items() if t in idf}
        )

    def similarities(self, text: str) -> dict[str, float]:
        vector = self._vector(self._features(text), self.idf)
        return {
            theme_id: sum(value * centroid.get(term, 0.0) for term, value in vector.items())
            for theme_id, centroid in self.centroids.items()
        }


# --- The classifier ---------------------------------------------------------------------------

# Texts up to this many content words are not penalised for length; longer ones are divided by
# sqrt(length / _REFERENCE_LENGTH), so a passing mention in a long letter weighs less.
_REFERENCE_LENGTH = 10
# One distinctive keyword in a short text scores 1.0. Below ABSTAIN_BELOW the evidence is a
# description word or a weak synonym on its own: not enough to route a feedback.
ABSTAIN_BELOW = 0.5
# Two themes within 15 % of each other and neither clearly supported: abstain rather than toss
# a coin (a strong text may legitimately touch two themes; then the best one is kept).
_TIE_RATIO = 0.85
_TIE_STRONG = 1.0
# A theme's corrections weigh in as n / (n + _CORRECTIONS_HALF): half their say at five.
_CORRECTIONS_HALF = 5.0
# Brings cosines to keyword-hit units: a close paraphrase of corrections is at about 0.4
# (1.2 here), an unrelated text of the same theme at about 0.1 (0.3 here).
_SIMILARITY_SCALE = 3.0
# With e5, centred cosines (a text 0.02 closer to a theme's phrases than to the average
# theme's) join the keyword-hit units at this rate. Tuned with the gate and thresholds below on
# the tuning half of the public set (Toulouse 2022) and the demo opinions; docs/analysis.md.
_E5_WEIGHT = 45.0
# The corrections' mean vector gets a say that grows more slowly than the word model's (half
# at 40 corrections): a dozen corrections make a noisy mean (demo 5-fold: 82 % -> 77 % at a
# full say), ninety a better one (Toulouse 2022, one half correcting the other: 66 -> 73 %).
_E5_CORRECTIONS_WEIGHT = 90.0
_E5_CORRECTIONS_HALF = 40.0
# Each correction is embedded once per process (up to 130 ms for a long one): the mean of a
# theme's last 60 is stable enough, and a commune with thousands does not stall a cold start.
_E5_CORRECTIONS_KEPT = 60
# e5 finds a closest theme for anything, "Bonjour" included, so it only ranks texts that
# name something municipal: some word of some theme's vocabulary must be there.
_E5_LEXICAL_GATE = 0.1
E5_ABSTAIN_BELOW = 0.7
# A text whose words settle it (a clear keyword hit, no close second) is not embedded: e5
# costs 30 to 130 ms a text on one core, and on the tuning data it never overturned such a
# decision. About a third of texts stop here.
_WORDS_SETTLE = 1.5
_WORDS_SETTLE_RATIO = 0.5


def _phrases(theme: Theme, synonyms: Sequence[str]) -> list[str]:
    """What the embedding side compares a text with: everything that names the theme."""
    described = [theme.description] if theme.description else []
    return [theme.label, *described, *theme.keywords, *synonyms]


class ThemeClassifier:
    """Scores a feedback against each theme; classify() returns a theme id or None. With an
    embedder (e5), the sentence's closeness to each theme's phrases and corrections is added
    to the word evidence."""

    def __init__(
        self,
        themes: Sequence[Theme],
        vocabularies: Sequence[Mapping[Term, float]],
        idf: Mapping[Term, float],
        supervised: _Centroids | None,
        embedder: Embedder | None = None,
        vectors: ThemeVectors | None = None,
    ) -> None:
        self._theme_ids = tuple(theme.id for theme in themes)
        self._vocabularies = tuple(vocabularies)
        self._idf = idf
        self._supervised = supervised
        self._embedder = embedder if vectors is not None else None
        self._vectors = vectors

    @classmethod
    def build(
        cls,
        themes: Sequence[Theme],
        corrections: Sequence[tuple[str, str]] = (),
        embedder: Embedder | None = None,
    ) -> ThemeClassifier:
        """Corrections are (text, theme_id) pairs from staff; those naming a theme the commune
        no longer has are ignored. With an embedder, each theme's phrases and corrections are
        embedded (once per process: see theme_embeddings.embed_cached)."""
        vocabularies: list[dict[Term, float]] = []
        anchors: list[Counter[Term]] = []
        for theme in themes:
            vocabulary, theme_anchors = _own_vocabulary(theme)
            vocabularies.append(vocabulary)
            anchors.append(theme_anchors)
        owned = _attach_synonyms(vocabularies, anchors)
        known = {theme.id for theme in themes}
        usable = [(text, theme_id) for text, theme_id in corrections if theme_id in known]
        supervised = _Centroids.train(usable) if usable else None
        vectors = None
        if embedder is not None and themes:
            phrases = [_phrases(theme, extra) for theme, extra in zip(themes, owned, strict=True)]
            by_theme = [
                [text for text, tid in usable if tid == theme.id][-_E5_CORRECTIONS_KEPT:]
                for theme in themes
            ]
            vectors = ThemeVectors.build(embedder, phrases, by_theme)
        idf = _inverse_frequencies(vocabularies)
        return cls(themes, vocabularies, idf, supervised, embedder, vectors)

    @property
    def uses_embeddings(self) -> bool:
        return self._vectors is not None

    def zero_shot_scores(self, text: str) -> dict[str, float]:
        stems = _content_stems(text)
        grams = _ngrams(stems)
        length = math.sqrt(max(len(stems), _REFERENCE_LENGTH) / _REFERENCE_LENGTH)
        return {
            theme_id: sum(
                vocabulary[term] * self._idf[term] for term in grams if term in vocabulary
            )
            / length
            for theme_id, vocabulary in zip(self._theme_ids, self._vocabularies, strict=True)
        }

    def word_scores(self, text: str) -> dict[str, float]:
        """Per theme id, in keyword-hit units (one distinctive keyword in a short text is 1.0),
        plus the corrections' word model weighted by each theme's number of corrections."""
        zero_shot = self.zero_shot_scores(text)
        if self._supervised is None:
            return zero_shot
        similarities = self._supervised.similarities(text)
        blended = {}
        for theme_id, score in zero_shot.items():
            supervised = _SIMILARITY_SCALE * similarities.get(theme_id, 0.0)
            # Added to the zero-shot score, not traded against it: a convex blend let the
            # weaker corrections' model outvote the commune's own keywords (78 % -> 47 % on
            # the demo data's 5-fold bench) while the sum only adds evidence.
            blended[theme_id] = score + self._share(theme_id) * supervised
        return blended

    def scores(self, text: str, vector: FloatArray | None = None) -> dict[str, float]:
        """word_scores() plus, with an embedder, the sentence's closeness to each theme's
        phrases and corrections in the same units. `vector` is the text's embedding when
        the caller has it already; otherwise it is computed here."""
        return self._with_embedding(text, self.word_scores(text), vector)

    def _with_embedding(
        self, text: str, words: dict[str, float], vector: FloatArray | None
    ) -> dict[str, float]:
        if self._vectors is None or self._embedder is None:
            return words
        if vector is None:
            vector = self._embedder.embed([text])[0]
        phrases = self._vectors.phrase_scores(vector)
        corrections = self._vectors.correction_scores(vector)
        return {
            theme_id: words[theme_id]
            + _E5_WEIGHT * float(phrases[row])
            + self._share(theme_id, _E5_CORRECTIONS_HALF)
            * _E5_CORRECTIONS_WEIGHT
            * float(corrections[row])
            for row, theme_id in enumerate(self._theme_ids)
        }

    def _share(self, theme_id: str, half: float = _CORRECTIONS_HALF) -> float:
        examples = self._supervised.counts.get(theme_id, 0) if self._supervised else 0
        return examples / (examples + half)

    def classify(self, text: str, vector: FloatArray | None = None) -> str | None:
        """The best theme id, or None when the best score is below the abstain threshold
        (ABSTAIN_BELOW on words alone, E5_ABSTAIN_BELOW with e5), when no theme's words are
        there at all (with e5), or when the top two are nearly tied and both weak. With e5,
        a text its words settle is decided on words alone, without embedding it. Ties are
        broken by the themes' order."""
        word_scores = self.word_scores(text)
        words = sorted(word_scores.values(), reverse=True)
        if self._vectors is not None and (not words or words[0] < _E5_LEXICAL_GATE):
            return None
        settled = len(words) < 2 or (
            words[0] >= _WORDS_SETTLE and words[1] <= _WORDS_SETTLE_RATIO * words[0]
        )
        if self._vectors is None or settled:
            threshold, scores = ABSTAIN_BELOW, word_scores
        else:
            threshold, scores = E5_ABSTAIN_BELOW, self._with_embedding(text, word_scores, vector)
        ranked = sorted(scores.items(), key=lambda item: -item[1])
        if not ranked or ranked[0][1] < threshold:
            return None
        best_id, best = ranked[0]
        runner_up = ranked[1][1] if len(ranked) > 1 else 0.0
        if best < _TIE_STRONG and runner_up >= _TIE_RATIO * best:
            return None
        return best_id


_DEFAULT_THEMES = Path(__file__).with_name("default_themes.json")


@functools.cache
def default_themes() -> tuple[Theme, ...]:
    """The ten themes a new commune starts with (and the demo communes use)."""
    return tuple(
        Theme(t["id"], t["label"], tuple(t.get("keywords", ())), t.get("description", ""))
        for t in json.loads(_DEFAULT_THEMES.read_text(encoding="utf-8"))
    )
