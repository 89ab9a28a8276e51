"""Neutral cues: what the training data cannot teach the sentiment model.

The only neutral examples in the shared data are factual news tweets; the reviews label every
text positive or negative, lukewarm ones included ("c'est bien mais sans plus" is NEGATIVE
there, "sentiment mitigé" POSITIVE). A model trained on them reads "moyen", "bof" or
"ni bon ni mauvais" as a complaint, and a polite question ("Est-il possible de réserver la
salle ?") as praise. Two hand-written cues move such texts towards NEUTRAL:

- lukewarm expressions ("sans plus", "mitigé", "ni bon ni mauvais", "rien d'exceptionnel",
  "c'est correct"), discounted by the polarity the rest of the text carries: "passable" in
  a text that also says "lamentable" stays a complaint;
- information requests (a question opened by "quel", "comment", "est-il possible", "pouvez-
  vous", or "je souhaiterais savoir") with no polar word, no negation and no "!": a request,
  not an opinion. "Pourquoi" questions are left out: they are usually complaints.

The result is a weight in [0, LUKEWARM_CAP] that the model mixes into its neutral score, the
way MIXED is derived from contrast markers. The figures are hand-set (no labelled lukewarm
data exists to fit them) and their cost on the labelled data is measured in docs/analysis.md.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

# Highest weight of the lukewarm cue: at full evidence NEUTRAL gets at least 0.6 of the mass.
LUKEWARM_CAP = 0.6
# Weight of the request cue: NEUTRAL wins unless the model is clearly polar (a gap > ~0.55).
REQUEST_WEIGHT = 0.35

# Lukewarm expressions on folded text (lower-case, no accents), with their weight: 1 = says
# "neither good nor bad" by itself, 0.7 = lukewarm in most uses, 0.5 = hedging.
_LUKEWARM: tuple[tuple[re.Pattern[str], float], ...] = tuple(
    (re.compile(pattern), weight)
    for pattern, weight in (
        (r"\bsans plus\b(?!\s+d)", 1.0),
        (r"\bmitige(?:e|s|es)?\b", 1.0),
        (r"\ben demi[- ]teinte\b", 1.0),
        (r"\bmi[- ]figue,? mi[- ]raisin\b", 1.0),
        (r"\b(?:du|de) (?:bon|bien) et (?:du|de) (?:moins bon|moins bien|mauvais|mal)\b", 1.0),
        (r"\bdes hauts et des bas\b", 1.0),
        (r"\b(?:moitie[- ]moitie|cinquante[- ]cinquante|50 ?/ ?50)\b", 1.0),
        (r"\bbof+\b", 1.0),
        (r"\bmouais\b", 1.0),
        (r"\bpassables?\b", 1.0),
        (r"\bdans la moyenne\b", 1.0),
        (r"\bmoyennement\b", 1.0),
        (
            r"\b(?:c'est|c'etait|est|etait|reste|restent|sont|etaient|assez|plutot|tres|"
            r"service|accueil|resultat|qualite|niveau|experience|repas|bilan|impression|"
            r"avis)\s+moyen(?:ne)?s?\b",
            1.0,
        ),
        (r"\brien d'(?:exceptionnel|extraordinaire|inoubliable|transcendant|fou)\b", 1.0),
        (r"\bpas d'avis\b|\bsans avis\b|\bavis (?:partage|mitige)", 1.0),
        (r"\b(?:ca |cela )?m'est (?:bien )?egal\b", 1.0),
        (r"\bje ne sais pas (?:encore )?(?:si|quoi en penser)\b", 0.7),
        (r"\bpas plus\s*(?:[,.;!…]|$)", 0.7),
        (
            r"\b(?:c'est|c'etait|est|etait|reste|restent|sont|assez|plutot|service|accueil|"
            r"resultat|repas|travail|prestation|qualite|niveau)\s+(?:correct|convenable|"
            r"acceptable|honnete|potable|quelconque|ordinaire|banal)(?:e|s|es)?\b",
            0.7,
        ),
        (r"\bca (?:peut|pourrait) aller\b", 0.7),
        (r"\brien (?:de (?:particulier|special|neuf) )?a signaler\b", 0.7),
        (r"\ba peu pres\b(?!\s*\d)", 0.5),
    )
)
# "ni X ni Y" is lukewarm when X and Y point opposite ways ("ni bon ni mauvais"); the
# polarity comes from the model's lexicon.
_NEITHER_NOR = re.compile(r"\bni (?:tres |trop |vraiment )?([a-z-]+) ni (?:tres |trop )?([a-z-]+)")

# A question opens the text or one of its sentences or clauses ("Bonjour, mon fils entre au
# CP, quels documents faut-il fournir ?"); a request phrase needs no question mark.
_CLAUSE_START = r"(?:^|[.?!,;:]\s*)(?:bonjour|bonsoir|madame|monsieur|[ ,-])*"
_QUESTION_OPENERS = re.compile(
    _CLAUSE_START + r"(?:quel(?:le)?s?|quand|comment|combien|ou|est-ce|est-il|est-elle|"
    r"y a-t-il|peut-on|puis-je|pouvez-vous|pourriez-vous|faut-il|doit-on|a qui|"
    r"a quel(?:le)?)\b"
)
_REQUEST_PHRASES = re.compile(
    r"\b(?:je|nous) (?:voudrais|voudrions|souhaiterais|souhaiterions|souhaite|souhaitons|"
    r"desirerais|desirerions|aimerais|aimerions) (?:savoir|connaitre|obtenir|"
    r"un renseignement|des renseignements|me renseigner)\b"
    r"|\b(?:merci de|pourriez-vous|pouvez-vous) (?:m'indiquer|me dire|me renseigner)\b"
)
# Words that turn a question into a complaint ("Quand allez-vous enfin réparer ... ?").
_FRUSTRATION = re.compile(r"\b(?:enfin|encore|toujours|depuis|jamais|pourquoi|vraiment)\b")


@dataclass(frozen=True)
class Polarity:
    """What the lexicon finds in a (folded) text: summed positive and negative weights and
    the number of negators."""

    positive: float
    negative: float
    negators: int


@dataclass(frozen=True)
class NeutralCues:
    """The cue weights found in one text."""

    lukewarm: float
    request: float

    @property
    def weight(self) -> float:
        """How much of the probability mass goes to NEUTRAL, in [0, LUKEWARM_CAP]."""
        return max(self.lukewarm, self.request)


def neutral_cues(
    folded: str,
    polarity_of: Callable[[str], Polarity],
    word_polarity: Callable[[str], float],
) -> NeutralCues:
    """The neutral cues of a folded text. `polarity_of` scores a folded text with the
    model's lexicon, `word_polarity` one folded word."""
    return NeutralCues(
        lukewarm=_lukewarm(folded, polarity_of, word_polarity),
        request=_request(folded, polarity_of),
    )


def _lukewarm(
    folded: str,
    polarity_of: Callable[[str], Polarity],
    word_polarity: Callable[[str], float],
) -> float:
    marker_weight = 0.0
    rest = folded
    for pattern, weight in _LUKEWARM:
        rest, hits = pattern.subn(" , ", rest)
        marker_weight += weight * hits
    for match in _NEITHER_NOR.finditer(folded):
        first, second = word_polarity(match.group(1)), word_polarity(match.group(2))
        if first * second < 0:
            marker_weight += 1.0
            rest = rest.replace(match.group(0), " , ")
    if marker_weight == 0.0:
        return 0.0
    marker_weight = min(marker_weight, 1.0)
    # The rest of the text keeps its say: the cue weakens as its net polarity grows.
    polarity = polarity_of(rest)
    net = abs(polarity.positive - polarity.negative)
    evidence = marker_weight / (marker_weight + net)
    return LUKEWARM_CAP * evidence * marker_weight


def _request(folded: str, polarity_of: Callable[[str], Polarity]) -> float:
    question = "?" in folded and _QUESTION_OPENERS.search(folded) is not None
    if not (question or _REQUEST_PHRASES.search(folded)):
        return 0.0
    if "!" in folded or "??" in folded or _FRUSTRATION.search(folded):
        return 0.0
    # The request's own words ("merci de m'indiquer") are politeness, not polarity.
    polarity = polarity_of(_REQUEST_PHRASES.sub(" , ", folded))
    if polarity.positive or polarity.negative or polarity.negators:
        return 0.0
    return REQUEST_WEIGHT
