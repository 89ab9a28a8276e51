"""Toxicity of French citizen feedback (insults, slurs, obscenities, threats), scored from a
lexicon kept in this module, because Comprehend's toxicity detection does not support French.
Stdlib only so it runs in Lambda next to the other local analyzers.

Scoring: every lexicon hit has a weight; an insult aimed at someone ("vous êtes des...",
"espèce de...", "bande de...") counts `_TARGETED_FACTOR` times more. The text's score is its
heaviest hit plus a quarter of the others, so a pile of mild words stays mild while repeated
insults add up. The text is toxic when the score reaches `TOXICITY_THRESHOLD` (1.0): one clear
insult or threat is enough; "c'est nul", "bande d'incapables" or "guignols" are not.

Matching runs on folded text (no accents, lower case) after undoing common obfuscations:
leetspeak ("c0nnard", "$alope"), stretched letters ("connnnard"), a starred letter ("enc*lé")
and spelled-out letters ("s.a.l.o.p.e", "p u t e"). Words are matched whole, so "contrat",
"députés" or "cône" never match "con", "pute" or "conne".
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import groupby

from chalicelib.analysis.text import fold

TOXICITY_THRESHOLD = 1.0
_TARGETED_FACTOR = 1.5
_OTHER_HITS_FACTOR = 0.25


@dataclass(frozen=True)
class ToxicityResult:
    """`terms` are the matched lexicon entries (folded), each once, in order of appearance."""

    toxic: bool
    score: float
    terms: tuple[str, ...]


# Lexicon, one line per weight and kind. "(x)" marks an optional ending and expands to every
# combination ("enculé(e)(s)" -> enculé, enculée, enculés, enculées); the entry reported in
# `terms` is the word without its optional endings, folded. Only "insult" hits are multiplied
# when targeted: threats and slurs are already heavy, obscenities are often mere swearing.
_WORDS = """
1.5 insult     enculé(e)(s) fdp ntm
1.2 insult     salope(s) pute(s) pétasse(s)
1.0 insult     connard(s) conard(s) connasse(s) conasse(s) conne(s) salaud(s) salopard(s)
               enfoiré(e)(s) raclure(s) pouffiasse(s) poufiasse(s) grognasse(s)
               trouduc(s)
0.8 insult     abruti(e)(s) crétin(e)(s) imbécile(s) branleur(s) branleuse(s) pourriture(s)
               charogne(s) mongol(e)(s) triso(s) tg
0.7 insult     idiot(e)(s) taré(e)(s) tocard(e)(s) emmerdeur(s) emmerdeuse(s) gogol(s)
               attardé(e)(s) couillon(ne)(s)
0.6 insult     débile(s) bouffon(ne)(s)
0.5 insult     incapable(s) minable(s) escroc(s) nullard(e)(s) pignouf(s) facho(s)
0.4 insult     guignol(s)
0.3 insult     clown(s) voleur(s)
1.5 slur       pd pédé(s) tarlouze(s) gouine(s)
2.0 slur       nègre(s) négresse(s) négro(s) bougnoule(s) bicot(s) youpin(s) youtre(s)
               chinetoque(s) crouille(s) bamboula(s)
0.4 obscenity  putain(s) merde(s) merdique(s) chier bite(s) couille(s) connerie(s) foutage
"""

# Words that are also everyday French ("café con leche", "ordures ménagères", "odeur de
# fumier", "une belle demeure", "fruits pourris"): insults only right after these words.
_CONTEXTUAL = """
1.0 insult  con(s)         | un une des les ces quel quelle quels quelles gros grosse sale sales
                             pauvre pauvres vieux vieille petit petite trop tres completement
                             vraiment bien es etes sont suis tous espece+de bande+de
1.0 insult  bâtard(e)(s)    | un une des les ces quel quelle quels quelles gros grosse sale sales
                             pauvre pauvres petit petite es etes sont espece+de bande+de de
0.8 insult  ordure(s)      | espece+d sale sales etes+des es+une bande+d
0.8 insult  fumier(s)      | espece+de sale sales etes+des es+un bande+de
0.7 insult  demeuré(e)(s)  | un espece+de bande+de etes es
0.4 insult  pourri(e)(s)   | tous etes sont es+un elus bande+de
"""

# Words just before an insult that show it is aimed at someone.
_TARGET_CUES = frozenset(
    ["vous", "tu", "t", "toi", "te", "es", "etes", "espece", "bande", "sale", "sales"]
)
_TARGET_WINDOW = 4

# Phrases, matched on the normalised text: folded words joined by single spaces (elisions
# split: "j'vais" -> "j vais"). A threat needs a pronoun object before the verb so that
# "on va tuer le commerce" or "il faut brûler les déchets" stay clean.
_SUBJECT = r"(?:je|j|on|nous|ils?|elles?|tu|vous)"
_AUX_VERB = (
    r"(?:vais|va|vas|allons|allez|vont|veux|veut|voulons|voulez|veulent|voudrais|voudrait"
    r"|devrais|devrait|pourrais|pourrait)"
)
_AUX = rf"(?: {_AUX_VERB})?"
_KILL = r"(?:tuer|tue|tuerai|tuerais|buter|bute|flinguer|flingue|egorger|egorge|massacrer"
_KILL += r"|massacre|saigner|saigne|achever|acheve)"
# Ambiguous verbs ("défoncer" a door, "planter" a tree): only with a second-person object.
_HARM = r"(?:defoncer|defonce|eclater|eclate|tabasser|tabasse|frapper|frappe|cogner|cogne"
_HARM += r"|crever|creve|planter|fumer|casser|demolir|demolis)"
_BURN = r"(?:bruler|cramer|incendier|faire sauter|faire exploser|brulons|cramons"
_BURN += r"|mettre le feu (?:a|au|aux))"
_BURN_TARGET = (
    r"(?:(?:la|le|les|l|cette|ce|votre|vos|ta|ton|leur|leurs|sa|son) )?(?:mairie|hotel de ville"
    r"|maisons?|voitures?|bureaux?|ecoles?|elus?|maire|prefecture|commissariat|gendarmerie"
    r"|permanence)"
)
_GROUPS = (
    r"(?:arabes?|noirs?|negres?|juifs?|bougnoules?|races?|pedes?|gouines?|gitans?|roms?"
    r"|immigres?|etrangers?|bicots?|youpins?|musulmans?|blancs?|chinois|turcs?)"
)
_PHRASES: tuple[tuple[str, float, re.Pattern[str]], ...] = tuple(
    (label, weight, re.compile(pattern))
    for label, weight, pattern in (
        ("fils de pute", 1.5, r"\bfils? de putes?\b"),
        (
            "nique ta mere",
            1.5,
            r"\bniqu(?:e|es|ez|er) (?:ta|sa|vos|votre|ton|leur|leurs) "
            r"(?:meres?|races?|peres?|familles?|soeurs?|gueules?)\b",
        ),
        ("nique", 1.0, r"(?<!\bpique )\bniqu(?:e|ez|er) (?:la|le|les|ta|sa|vos|votre|ton|tous)\b"),
        ("ta gueule", 1.0, r"\b(?:ta|vos|votre) gueules?\b"),
        (
            "va te faire foutre",
            1.5,
            r"\b(?:va|vas|allez|aller) (?:te|vous|se) faire (?:foutre|enculer|mettre)\b",
        ),
        ("je vous emmerde", 1.2, r"\b(?:je|j|on) (?:vous|t|te|les|l) emmerde\b"),
        ("trou du cul", 1.0, r"\btrous? du cul\b"),
        ("insulte raciste", 2.0, rf"\bsales? {_GROUPS}\b"),
        (
            "menace de mort",
            2.0,
            rf"\b{_SUBJECT}{_AUX} (?:tous )?(?:te|t|vous)(?: tous)? {_KILL}\b",
        ),
        # A third-person object needs an auxiliary: "on va le tuer" is a threat, while "les
        # moustiques, on les tue" describes a habit.
        (
            "menace de mort",
            2.0,
            rf"\b{_SUBJECT} {_AUX_VERB} (?:tous )?(?:le|la|l|les|lui|leur)(?: tous)?"
            rf" {_KILL}\b",
        ),
        ("menace de mort", 2.0, r"\b(?:te|t|vous|lui|leur) faire la peau\b"),
        (
            "menace de violence",
            2.0,
            rf"\b(?:je|j|on|nous){_AUX} (?:tous )?(?:te|t|vous)(?: tous)? {_HARM}\b",
        ),
        (
            "menace de violence",
            2.0,
            r"\b(?:casser|peter|exploser|defoncer|eclater|refaire|niquer) "
            r"(?:la|ta|votre|vos|sa|leur|leurs) (?:gueules?|tetes?|figures?)\b",
        ),
        ("menace d'incendie", 2.0, rf"\b{_BURN} {_BURN_TARGET}\b"),
        (
            "souhait de mort",
            2.0,
            r"\b(?:allez|aller|vous pouvez|tu peux|qu (?:il|elle|ils|elles|tu|vous)) "
            r"crev(?:er|e|es|ent|iez|ez)\b|^va crever\b|(?<!\bvous )\bcrevez\b(?! de\b)",
        ),
        (
            "je sais ou tu habites",
            2.0,
            r"\bje sais ou (?:tu habites|vous habitez|tu vis|vous vivez|il habite|elle habite"
            r"|tu dors|vous dormez|sont tes enfants|sont vos enfants)\b",
        ),
        ("balle dans la tete", 2.0, r"\bballes? dans (?:la|ta|votre|sa|leur) tete\b"),
        (
            "mort aux",
            2.0,
            r"\bmort (?:aux (?!rats\b)[a-z]|au (?:maire|prefet|president|gouvernement|flics?)\b)",
        ),
        (
            "vous allez le payer",
            1.0,
            r"\b(?:vous allez|tu vas|ils vont|il va) le payer\b"
            r"|\b(?:vous|tu|ils) (?:me |nous )?le paier(?:ez|as|ont)\b",
        ),
    )
)
# "Crève !" is a death wish but "pneu crevé" is not, and folding would merge them: this one
# is looked for before accents are removed ("crève-cœur", "crève de faim" are not threats).
_CREVE_RE = re.compile(r"(?<!\w)crèves?(?![\w-])(?![ \t]+d)")
_CREVE_LABEL, _CREVE_WEIGHT = "creve", 2.0

# Letters spelled out with one separator ("s.a.l.o.p.e", "p u t e", "f-d-p"), joined back.
_CHAR = r"(?:[^\W_]|[@$*])"
_SPELLED_RE = re.compile(rf"(?<![^\W_]){_CHAR}(?P<sep>[.\- ]){_CHAR}(?:(?P=sep){_CHAR})+(?!\w)")
_TOKEN_RE = re.compile(rf"{_CHAR}+")
_LEET = str.maketrans({"0": "o", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"})
_LEET_CHARS = frozenset("013457@$")
# "1" stands for "i" ("imbéc1le") as often as for "l" ("sa1ope"): both are tried.
_ONE_AS_I = str.maketrans({"1": "i"})
_ONE_AS_L = str.maketrans({"1": "l"})
_STRETCH_RE = re.compile(r"(.)\1{2,}")
_RUN_RE = re.compile(r"(.)\1+")
_WILDCARD = "*"
_MIN_REAL_LETTERS = 2


@dataclass(frozen=True)
class _Entry:
    term: str
    weight: float
    kind: str
    after: frozenset[str]  # empty: no context needed; else allowed previous word(s)


@dataclass(frozen=True)
class _Variant:
    pattern: re.Pattern[str]
    text: str
    entry: _Entry


def _expand(word: str) -> list[str]:
    """Every spelling of a lexicon word, its base first: "enculé(e)(s)" -> ["enculé",
    "enculés", "enculée", "enculées"]."""
    match = re.search(r"\(([^()]*)\)", word)
    if match is None:
        return [word]
    head, tail = word[: match.start()], word[match.end() :]
    return [*_expand(head + tail), *_expand(head + match.group(1) + tail)]


def _stretchable(variant: str) -> re.Pattern[str]:
    # Each run of a letter may be stretched ("connnnard") but not shortened, so "conne"
    # does not match "cône".
    parts = []
    for char, run in groupby(variant):
        size = len(list(run))
        parts.append(f"{re.escape(char)}+" if size == 1 else f"{re.escape(char)}{{{size},}}")
    return re.compile("".join(parts))


def _squeeze(word: str) -> str:
    return _RUN_RE.sub(r"\1", word)


def _parse_lines(block: str) -> Iterator[tuple[float, str, str, str]]:
    """(weight, kind, words, context) for each logical line; indented lines continue."""
    logical: list[str] = []
    for line in block.strip().splitlines():
        if line[:1].isspace() and logical:
            logical[-1] += " " + line.strip()
        else:
            logical.append(line.strip())
    for line in logical:
        weight, kind, rest = line.split(maxsplit=2)
        words, _, context = rest.partition("|")
        yield float(weight), kind, words, context


def _build_index() -> dict[str, list[_Variant]]:
    index: dict[str, list[_Variant]] = {}
    for block in (_WORDS, _CONTEXTUAL):
        for weight, kind, words, context in _parse_lines(block):
            after = frozenset(cue.replace("+", " ") for cue in context.split())
            for word in words.split():
                variants = [fold(variant) for variant in _expand(word)]
                entry = _Entry(variants[0], weight, kind, after)
                for variant in variants:
                    compiled = _Variant(_stretchable(variant), variant, entry)
                    index.setdefault(_squeeze(variant), []).append(compiled)
    return index


def _by_length(index: dict[str, list[_Variant]]) -> dict[int, list[_Variant]]:
    # Starred tokens ("enc*lé") cannot be looked up by key: they are compared with every
    # variant of the same length, which keeps that rare path cheap.
    grouped: dict[int, list[_Variant]] = {}
    for variants in index.values():
        for variant in variants:
            grouped.setdefault(len(variant.text), []).append(variant)
    return grouped


_INDEX = _build_index()
_BY_LENGTH = _by_length(_INDEX)


@dataclass(frozen=True)
class _Hit:
    position: int
    term: str
    weight: float


def assess(text: str) -> ToxicityResult:
    """Score `text` against the lexicon; never raises, score >= 0, toxic iff score >= 1.0."""
    tokens, alternates = _normalise(text)
    hits, covered = _phrase_hits(tokens)
    hits += _word_hits(tokens, alternates, covered)
    if _CREVE_RE.search(text.lower()):
        position = tokens.index("creve") if "creve" in tokens else len(tokens)
        hits.append(_Hit(position, _CREVE_LABEL, _CREVE_WEIGHT))
    return _result(hits)


def _result(hits: list[_Hit]) -> ToxicityResult:
    if not hits:
        return ToxicityResult(False, 0.0, ())
    weights = [hit.weight for hit in hits]
    heaviest = max(weights)
    score = round(heaviest + _OTHER_HITS_FACTOR * (sum(weights) - heaviest), 3)
    ordered = sorted(hits, key=lambda hit: hit.position)
    terms = tuple(dict.fromkeys(hit.term for hit in ordered))
    return ToxicityResult(score >= TOXICITY_THRESHOLD, score, terms)


def _normalise(text: str) -> tuple[list[str], dict[int, str]]:
    """Folded, de-obfuscated word tokens ("1" read as "i"), and for tokens with a "1" the
    spelling with "1" read as "l", by position. Numbers are left alone."""
    folded = fold(text)
    joined = _SPELLED_RE.sub(lambda match: match.group().replace(match["sep"], ""), folded)
    tokens: list[str] = []
    alternates: dict[int, str] = {}
    for token in _TOKEN_RE.findall(joined):
        if not _LEET_CHARS.isdisjoint(token) and any(char.isalpha() for char in token):
            token = token.translate(_LEET)
            if "1" in token:
                alternates[len(tokens)] = token.translate(_ONE_AS_L)
                token = token.translate(_ONE_AS_I)
        tokens.append(token)
    return tokens, alternates


def _phrase_hits(tokens: list[str]) -> tuple[list[_Hit], set[int]]:
    """Phrase hits, and the token positions they cover (not to be counted again as words)."""
    # Stretched letters are squeezed for phrases ("gueuuule"); words use stricter patterns.
    # Tokens are separated by single spaces, so squeezing never merges two tokens.
    joined = _STRETCH_RE.sub(r"\1", " ".join(tokens))
    offsets: list[int] = []
    cursor = 0
    for word in joined.split(" "):
        offsets.append(cursor)
        cursor += len(word) + 1
    hits = []
    covered: set[int] = set()
    # Phrases are listed most specific first; a match starting on a word already used by
    # another phrase ("nique ta mère" then "nique ta") is the same insult, not a second one.
    for label, weight, pattern in _PHRASES:
        for match in pattern.finditer(joined):
            first = bisect_left(offsets, match.start())
            if first in covered:
                continue
            last = bisect_left(offsets, match.end())
            hits.append(_Hit(first, label, weight))
            covered.update(range(first, max(last, first + 1)))
    return hits, covered


def _word_hits(tokens: list[str], alternates: dict[int, str], covered: set[int]) -> list[_Hit]:
    hits = []
    for position, token in enumerate(tokens):
        if position in covered:
            continue
        spellings = [token, alternates[position]] if position in alternates else [token]
        entry = _lookup(spellings, tokens, position)
        if entry is not None:
            weight = entry.weight * _targeting(entry, tokens, position)
            hits.append(_Hit(position, entry.term, weight))
    return hits


def _candidates(token: str) -> list[_Variant]:
    if _WILDCARD in token:
        real = len(token) - token.count(_WILDCARD)
        return _BY_LENGTH.get(len(token), []) if real >= _MIN_REAL_LETTERS else []
    return _INDEX.get(_squeeze(token), [])


def _matches(variant: _Variant, token: str) -> bool:
    if _WILDCARD in token:
        return all(a in (b, _WILDCARD) for a, b in zip(token, variant.text, strict=True))
    return variant.pattern.fullmatch(token) is not None


def _lookup(spellings: list[str], tokens: list[str], position: int) -> _Entry | None:
    for spelling in spellings:
        for variant in _candidates(spelling):
            if _matches(variant, spelling) and _context_ok(variant.entry, tokens, position):
                return variant.entry
    return None


def _context_ok(entry: _Entry, tokens: list[str], position: int) -> bool:
    if not entry.after:
        return True
    previous = tokens[max(0, position - 2) : position]
    return bool(previous) and (previous[-1] in entry.after or " ".join(previous) in entry.after)


def _targeting(entry: _Entry, tokens: list[str], position: int) -> float:
    if entry.kind != "insult":
        return 1.0
    window = tokens[max(0, position - _TARGET_WINDOW) : position]
    return _TARGETED_FACTOR if _TARGET_CUES.intersection(window) else 1.0
