"""Key phrases never carry personal data: they are counted for dashboards, consultation
results, exports and public indicators, where nobody may read who wrote or whom they named
("voisine mme durand"). A phrase sharing an identifying word with a personal-data span of
its text is dropped; stdlib only, so the analysis and the exports share the rule."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from chalicelib.analysis.text import fold
from chalicelib.domain.threads import PiiSpan

_WORD = re.compile(r"[^\W_]+")
# Words of a span that name nobody: a civility title, a street's type and its links. In an
# address only the house number identifies a home: "rue du Portugon" alone is a place the
# mayor must hear about.
_GENERIC_WORDS = """
    m mr mme mmes mlle melle mm dr monsieur madame mademoiselle docteur
    rue avenue av boulevard bd chemin route place allée impasse quai square cours
    de du des la le les l d au aux sur sous en
"""
_GENERIC = frozenset(fold(word) for word in _GENERIC_WORDS.split())


def identifying_words(text: str, spans: Sequence[PiiSpan]) -> frozenset[str]:
    """The folded words of `text`'s personal-data spans that identify someone."""
    words: set[str] = set()
    for span in spans:
        found = [fold(word) for word in _WORD.findall(text[span.start : span.end])]
        if span.type == "ADDRESS":
            words.update(word for word in found if any(char.isdigit() for char in word))
        else:
            words.update(word for word in found if word not in _GENERIC)
    return frozenset(words)


def without_personal_data(
    phrases: Iterable[str], text: str, spans: Sequence[PiiSpan]
) -> tuple[str, ...]:
    """`phrases` (extracted from `text`) less those that overlap one of its `spans`."""
    phrases = tuple(phrases)
    if not spans:
        return phrases
    identifying = identifying_words(text, spans)
    values = [fold(text[span.start : span.end]).strip() for span in spans]
    return tuple(
        phrase
        for phrase in phrases
        if not identifying.intersection(fold(word) for word in _WORD.findall(phrase))
        and not any(value and value in fold(phrase) for value in values)
    )
