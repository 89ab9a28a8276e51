"""Courtesy formulas: the greeting and the closing of a letter or an e-mail.

Nearly every e-mail to a town hall opens with "Bonjour," and closes with "Merci d'avance pour
votre réponse. Cordialement, Marie Dupont". Those words carry no opinion, but "merci" and
"bonne journée" are positive to a sentiment model, and the e5 embedding of a short request
wrapped in them reads as a thank-you note: a neutral question then came out POSITIVE, and a
signed name became a key phrase. Sentiment (in training too), key phrases and theme read the
text without them (`without_courtesy`); personal data and toxicity read all of it. A text
made only of courtesy ("Merci !") is kept whole, since then it is the message.
"""

from __future__ import annotations

import re

from chalicelib.analysis.text import fold

# A segment is a line or a sentence; its folded form, stripped of punctuation, is matched whole.
_SEGMENT_END = re.compile(r"\n|(?<=[.!?;])\s+|(?<=,)\s*\n?")
_EDGE_PUNCTUATION = " \t\r\n.,;:!?…-–—'\""

_GREETING = re.compile(
    r"(?:(?:bonjour|bonsoir|salut|hello)(?: [a-z.'-]+){0,3}|madame|monsieur|mesdames|"
    r"messieurs|madame,? monsieur|mesdames,? messieurs|(?:madame|monsieur) l[ea] maire|"
    r"(?:cher|chere|chers|cheres) (?:madame|monsieur|mesdames|messieurs|voisins|tous)"
    r"(?: [a-z.'-]+){0,2})"
)
_CLOSING = re.compile(
    r"(?:(?:bien |tres |tres bien )?cordialement(?: a vous)?|cdlt|"
    r"(?:sinceres |meilleures |bien sinceres )?salutations(?: distinguees| respectueuses)?|"
    r"bien a vous|a bientot|respectueusement|bonne (?:fin de )?(?:journee|soiree|semaine)|"
    r"merci(?: beaucoup| bien)?(?: d'? ?avance| par avance| encore)?"
    r"(?: (?:pour|de) votre (?:reponse|retour|aide|attention|comprehension))?|"
    r"(?:en vous remerciant|je vous remercie)(?: d'? ?avance| par avance)?"
    r"(?: (?:pour|de) votre (?:reponse|retour|aide|attention|comprehension))?|"
    r"dans l'attente de votre (?:reponse|retour))"
)
# The formal closing of a letter has commas of its own ("Veuillez agréer, Madame, Monsieur,
# l'expression de mes salutations distinguées."): found on the whole text, not by segment.
_FORMAL_CLOSING = re.compile(
    r"(?:veuillez|je vous prie d[e']|nous vous prions d[e']|recevez)\s*"
    r"(?:agr[ée]er|recevoir|croire)[^.!?]{0,200}?"
    r"(?:salutations|sentiments|consid[ée]ration|respects)[^.!?\n]*[.!]?",
    re.IGNORECASE,
)
# A signature under a closing: a name, a role, an association or a phone number, short
# and without a question or an exclamation ("Marie Dupont", "L'association des riverains",
# "J. Leroy, 06 12 34 56 78").
_SIGNATURE_MAX_WORDS = 8


def without_courtesy(text: str) -> str:
    """`text` without its opening greeting and its closing formulas and signature; the text
    itself when nothing else would remain."""
    body = text
    formal = _FORMAL_CLOSING.search(text)
    if formal and _is_signature_block(text[formal.end() :]):
        body = text[: formal.start()]
    segments = _segments(body)
    start = 0
    while start < len(segments) and _GREETING.fullmatch(_bare(segments[start][1])):
        start += 1  # "Madame, Monsieur," is two segments
    end = _closing_start(segments, start, body)
    if end <= start:
        return text  # nothing but courtesy: that is the message
    kept = body[segments[start][0] : segments[end - 1][0] + len(segments[end - 1][1])]
    return kept.strip()


def _segments(text: str) -> list[tuple[int, str]]:
    """(offset, segment) pairs, empty segments left out."""
    segments = []
    position = 0
    for match in _SEGMENT_END.finditer(text):
        segment = text[position : match.start()]
        if segment.strip():
            segments.append((position, segment))
        position = match.end()
    if text[position:].strip():
        segments.append((position, text[position:]))
    return segments


def _bare(segment: str) -> str:
    return " ".join(fold(segment).strip(_EDGE_PUNCTUATION).split())


def _closing_start(segments: list[tuple[int, str]], start: int, body: str) -> int:
    """Index of the first segment of the closing block (len(segments) if there is none). A
    signature counts only under a closing formula and on lines of its own: in "Bravo,
    merci, c'est super" the last words are the message, not a signature."""
    index = len(segments) - 1
    signature = len(segments)
    while (
        index >= start
        and _looks_like_signature(segments[index][1])
        and not _CLOSING.fullmatch(_bare(segments[index][1]))
    ):
        signature, index = index, index - 1
    end = len(segments)
    while index >= start and _CLOSING.fullmatch(_bare(segments[index][1])):
        end, index = index, index - 1
    if end == len(segments):
        return end
    if signature < len(segments):
        offset, last_closing = segments[signature - 1]
        if "\n" not in body[offset + len(last_closing) : segments[signature][0]]:
            return len(segments)
    return end


def _looks_like_signature(segment: str) -> bool:
    words = segment.split()
    return 0 < len(words) <= _SIGNATURE_MAX_WORDS and not re.search(r"[!?]", segment)


def _is_signature_block(tail: str) -> bool:
    lines = [line for line in tail.splitlines() if line.strip()]
    return len(lines) <= 2 and all(_looks_like_signature(line) for line in lines)
