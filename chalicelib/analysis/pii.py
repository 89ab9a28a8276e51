"""Personal data in French citizen feedback, found and masked before an opinion is published or
exported. Comprehend's PII detection does not support French, so this is rule-based, stdlib
only, and tuned to stay quiet on what feedback is full of: dates, prices, bus lines, streets.

Types: EMAIL (plain and "(at)"/"arobase" obfuscations), PHONE (French numbering, national and
+33/0033), ADDRESS (house number + street, optionally postcode and town), IBAN (mod-97 checked),
LICENSE_PLATE (SIV and old FNI), SSN (NIR with its key checked, Corsica 2A/2B) and NAME (only
after a cue: "je m'appelle", "Mme", "signé", a closing "Cordialement, X"). URLs are not PII
here: citizens mostly link to public pages, and masking them would hide the subject of the
feedback.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Callable, Iterator, Sequence
from enum import StrEnum

from chalicelib.analysis.text import FRENCH_STOPWORDS, fold
from chalicelib.domain.threads import PiiSpan


class PiiType(StrEnum):
    EMAIL = "EMAIL"
    IBAN = "IBAN"
    SSN = "SSN"
    PHONE = "PHONE"
    LICENSE_PLATE = "LICENSE_PLATE"
    ADDRESS = "ADDRESS"
    NAME = "NAME"


# The masked text is shown to the public in French, hence French placeholders.
PLACEHOLDERS: dict[str, str] = {
    PiiType.EMAIL: "[courriel]",
    PiiType.IBAN: "[IBAN]",
    PiiType.SSN: "[n° sécu]",
    PiiType.PHONE: "[téléphone]",
    PiiType.LICENSE_PLATE: "[plaque]",
    PiiType.ADDRESS: "[adresse]",
    PiiType.NAME: "[nom]",
}
_UNKNOWN_PLACEHOLDER = "[donnée personnelle]"

# When two findings overlap, the more specific (checksummed or structurally unambiguous)
# detector wins: a phone number inside an email is part of the email, a name cue inside an
# address is part of the address.
_PRIORITY: dict[str, int] = {kind: rank for rank, kind in enumerate(PiiType)}


def _word_set(block: str, *, folded: bool = False) -> frozenset[str]:
    # Word lists are written as blocks of text to stay readable.
    words = block.split()
    return frozenset(fold(word) for word in words) if folded else frozenset(words)


# ---------------------------------------------------------------- emails
# Every repeated group is delimited ("." or a separator) and the match may only start at the
# beginning of a run, so the scan stays linear on long runs of word characters.
_AT = r"(?:[ \t]?@[ \t]?|[ \t]*[(\[{][ \t]*(?:at|arobase)[ \t]*[)\]}][ \t]*|[ \t]+arobase[ \t]+)"
_DOT = r"(?:\.|[ \t]*[(\[{][ \t]*(?:dot|point)[ \t]*[)\]}][ \t]*)"
_EMAIL_RE = re.compile(
    rf"(?<![\w.+-])[\w+-]+(?:\.[\w+-]+)*{_AT}[\w-]+(?:{_DOT}[\w-]+)+", re.IGNORECASE
)
_TLD_RE = re.compile(r"[^\W\d_]{2,}\Z")

# ---------------------------------------------------------------- phones
# French numbers have ten digits "0X XX XX XX XX"; the leading 0 becomes +33 or 0033, and
# "+33 (0)6" is a common hybrid. Separators: space, dot or hyphen, never "/" (dates).
_PHONE_RE = re.compile(
    r"(?<![\w+])(?:(?:\+|00)33[ .-]?(?:\(0\)[ .-]?)?[1-9]|0[1-9])(?:[ .-]?\d{2}){4}(?![\d])"
)

# ---------------------------------------------------------------- IBAN
_IBAN_RE = re.compile(
    r"(?<![A-Za-z0-9])[A-Z]{2}\d{2}(?:[ -]?[A-Z0-9]{4}){2,7}(?:[ -]?[A-Z0-9]{1,4})?(?![A-Za-z0-9])"
)
# Lengths of the countries citizens of the Côte d'Azur are likely to quote; other countries are
# accepted on the checksum alone.
_IBAN_LENGTHS = {
    "FR": 27,
    "MC": 27,
    "IT": 27,
    "BE": 16,
    "DE": 22,
    "ES": 24,
    "CH": 21,
    "LU": 20,
    "GB": 22,
    "PT": 25,
    "NL": 18,
}

# ---------------------------------------------------------------- social security (NIR)
# Sex (1/2), year, month, department (2A/2B in Corsica), commune, order number, then the key.
_NIR_RE = re.compile(
    r"(?<![\w.])[12][ .]?\d{2}[ .]?\d{2}[ .]?(?:\d{2}|2[AaBb])[ .]?\d{3}[ .]?\d{3}[ .]?\d{2}"
    r"(?![\w])(?![.,]\d)"
)

# ---------------------------------------------------------------- licence plates
_PLATE_LETTERS = "[A-HJ-NP-TV-Z]"  # SIV plates never use I, O or U
_SIV_RE = re.compile(
    rf"(?<![\w-]){_PLATE_LETTERS}{{2}}(?P<sep>[- ]?)\d{{3}}(?P=sep){_PLATE_LETTERS}{{2}}(?![\w-])"
)
# Typed in lower case, a plate is only recognisable with its hyphens.
_SIV_LOWER_RE = re.compile(
    r"(?<![\w-])[a-hj-np-tv-z]{2}-\d{3}-[a-hj-np-tv-z]{2}(?![\w-])", re.IGNORECASE
)
_FNI_RE = re.compile(
    r"(?<![\w-])\d{1,4}(?P<sep>[ -]?)(?P<letters>[A-Z]{2,3})(?P=sep)(?:\d{2}|2[AB]|97[1-6])"
    r"(?![\w-])"
)
# Upper-case units and abbreviations that would turn "100 KM 20" into an old plate.
_NOT_FNI_LETTERS = _word_set("EUR HT TTC KM KG CM MM AM PM HLM RER TER TGV SNCF CRS NO")

# ---------------------------------------------------------------- addresses
_STREET_TYPES = (
    "rue|avenue|av\\.?|boulevard|bd\\.?|bld\\.?|allée|allee|place|pl\\.|route|rte\\.?|chemin"
    "|ch\\.|impasse|imp\\.|quai|cours|square|lotissement|lot\\.|résidence|residence|passage"
    "|sentier|traverse|montée|montee|hameau|voie|esplanade|promenade|parvis|rond-point|cité"
    "|cite|domaine|ruelle|faubourg|chaussée|chaussee|villa|lieu-dit"
)
_STREET_TYPE = rf"(?P<kind>{_STREET_TYPES})(?![\w-])"
_LEADING_NUMBER_RE = re.compile(
    rf"(?<![\w/.,:°-])\d{{1,4}}(?:[ \t]?(?:bis|ter|quater|[a-d])(?!\w))?[ \t]*,?[ \t]*"
    rf"{_STREET_TYPE}",
    re.IGNORECASE,
)
_TYPE_ONLY_RE = re.compile(rf"(?<![\w-]){_STREET_TYPE}", re.IGNORECASE)
# "chemin de la Bourgade 45": the number after the name, unless it counts something else.
_TRAILING_NUMBER_RE = re.compile(
    r"[ \t]*,?[ \t]*\d{1,4}(?:[ \t]?(?:bis|ter|quater)(?!\w))?(?![\w])(?![.,:/]\d)"
    r"(?![ \t]*(?:%|€|°|fois|h|heures?|min|minutes?|ans?|jours?|m|km|mètres?|places?"
    r"|personnes?|euros?)(?!\w))",
    re.IGNORECASE,
)
_POSTCODE_TOWN_RE = re.compile(
    r"[ \t]*,?[ \t]*(?:\d{5}|\d{2}[ \t]\d{3})[ \t]+[A-ZÀ-ÖØ-Þ][^\W\d_]*(?:['’-][^\W\d_]+)*"
    r"(?:[ \t]+[A-ZÀ-ÖØ-Þ][^\W\d_]*(?:['’-][^\W\d_]+)*){0,3}"
)
# Street kinds that are also everyday nouns ("1 place de parking", "3 cours de tennis"): these
# need a capitalised name before they count as an address.
_AMBIGUOUS_STREET_TYPES = _word_set(
    """
    place pl. cours route rte rte. voie passage villa domaine square résidence cité promenade
    traverse hameau esplanade parvis sentier montée
    """,
    folded=True,
)
_STREET_LINKS = _word_set("de du des la le les au aux sur sous en")
_MAX_STREET_WORDS = 6
_MAX_LOWER_STREET_WORDS = 3

# ---------------------------------------------------------------- names
# A word glued to digits ("D2085", "A8") is a road or a code, never part of a name.
_GAP_WORD_RE = re.compile(r"[ \t]+([^\W\d_]+(?:[-'’][^\W\d_]+)*)(?!\w)")
_WORD_RE = re.compile(r"[^\W\d_]+(?:[-'’][^\W\d_]+)*(?!\w)")
_TITLE_RE = re.compile(
    r"(?<![\w.])(?:M\.|MM\.|Mr\.?|Mme\.?|Mmes|Mlle\.?|Melle|Dr\.?|[Mm]onsieur|[Mm]adame"
    r"|[Mm]ademoiselle|[Dd]octeur)(?=[ \t]|(?<=\.)[A-Z])[ \t]*"
)
# "je m'appelle" is followed by a name even when typed in lower case; the other cues are also
# ordinary verbs ("j'ai signé hier", "mon nom est inscrit"), so they need a capital.
_LOWER_NAME_CUE_RE = re.compile(r"\bje[ \t]+(?:m['’][ \t]?appelle|me[ \t]+nomme)[ \t]+", re.I)
_NAME_CUE_RE = re.compile(r"\b(?:mon[ \t]+nom[ \t]+est|sign[ée]e?[ \t]*:?)[ \t]*", re.I)
_CLOSING_RE = re.compile(
    r"\b(?:bien[ \t]+)?(?:cordialement|bien[ \t]+à[ \t]+vous|(?:sincères[ \t]+)?salutations"
    r"(?:[ \t]+distinguées)?|respectueusement|merci(?:[ \t]+d['’]avance|[ \t]+par[ \t]+avance)?"
    r"|bonne[ \t]+(?:journée|soirée))[ \t]*[,.!]?\s*",
    re.IGNORECASE,
)
_NAME_PARTICLES = _word_set("de du des d' la le van von di da del ben ibn")
# Capitalised words that follow a title or a closing formula without being a name.
_NOT_NAMES = FRENCH_STOPWORDS | _word_set(
    """
    maire adjoint adjointe président présidente directeur directrice conseiller conseillère
    préfet préfète député députée sénateur sénatrice ministre responsable agent agents service
    services habitant habitante habitants citoyen citoyenne riverain riveraine riverains famille
    mairie ville commune docteur maître cher chère chers mesdames messieurs mademoiselle mme
    mlle mr salutations cordialement distinguées sincères respectueusement équipe élu élue élus
    """,
    folded=True,
)
_MAX_NAME_WORDS = 3


def find_pii(text: str) -> list[PiiSpan]:
    """Personal data found in `text`, sorted by position and non-overlapping: where two
    findings overlap the more specific type wins (see `PiiType` order), then the longer."""
    candidates = [span for detect in _DETECTORS for span in detect(text)]
    candidates.sort(key=lambda s: (_PRIORITY.get(s.type, len(_PRIORITY)), s.start - s.end))
    starts: list[int] = []
    kept: list[PiiSpan] = []
    for span in candidates:
        index = bisect_left(starts, span.start)
        overlaps_next = index < len(kept) and kept[index].start < span.end
        overlaps_previous = index > 0 and kept[index - 1].end > span.start
        if not (overlaps_next or overlaps_previous):
            starts.insert(index, span.start)
            kept.insert(index, span)
    return kept


def mask(text: str, spans: Sequence[PiiSpan] | None = None) -> str:
    """`text` with each span replaced by its French placeholder ("[courriel]", "[nom]"...).

    Without `spans`, masks what `find_pii` finds. Given spans may be unsorted; overlapping ones
    are merged (the earliest span's type names the placeholder) so nothing leaks between them.
    Raises ValueError if a span lies outside the text.
    """
    chosen = find_pii(text) if spans is None else sorted(spans, key=lambda s: (s.start, -s.end))
    pieces: list[str] = []
    cursor = 0
    for span in _merge(chosen, len(text)):
        pieces.append(text[cursor : span.start])
        pieces.append(PLACEHOLDERS.get(span.type, _UNKNOWN_PLACEHOLDER))
        cursor = span.end
    pieces.append(text[cursor:])
    return "".join(pieces)


def _merge(spans: Sequence[PiiSpan], length: int) -> Iterator[PiiSpan]:
    current: PiiSpan | None = None
    for span in spans:
        if not 0 <= span.start <= span.end <= length:
            raise ValueError(f"span {span} lies outside a text of {length} characters")
        if span.start == span.end:
            continue
        if current is not None and span.start < current.end:
            current = PiiSpan(current.type, current.start, max(current.end, span.end))
            continue
        if current is not None:
            yield current
        current = span
    if current is not None:
        yield current


# ---------------------------------------------------------------- detectors


def _emails(text: str) -> Iterator[PiiSpan]:
    for match in _EMAIL_RE.finditer(text):
        # The last label must look like a top-level domain, not "v1.2" or "10.5".
        last_label = re.split(_DOT, match.group(), flags=re.IGNORECASE)[-1]
        if _TLD_RE.match(last_label):
            yield PiiSpan(PiiType.EMAIL, match.start(), match.end())


def _phones(text: str) -> Iterator[PiiSpan]:
    for match in _PHONE_RE.finditer(text):
        yield PiiSpan(PiiType.PHONE, match.start(), match.end())


def _iban_checksum_ok(compact: str) -> bool:
    rearranged = compact[4:] + compact[:4]
    digits = "".join(str(int(char, 36)) for char in rearranged)
    return int(digits) % 97 == 1


def _ibans(text: str) -> Iterator[PiiSpan]:
    for match in _IBAN_RE.finditer(text):
        raw = match.group()
        offsets = [i for i, char in enumerate(raw) if char not in " -"]
        compact = "".join(raw[i] for i in offsets)
        expected = _IBAN_LENGTHS.get(compact[:2])
        if expected is None:
            length_ok = 15 <= len(compact) <= 34
            end = len(raw)
        else:
            # A longer run may be the IBAN followed by another number ("... 189 1234"):
            # keep the IBAN's own length if it ends on a group boundary.
            length_ok = len(compact) >= expected
            end = offsets[expected - 1] + 1 if length_ok else 0
            length_ok = length_ok and (end == len(raw) or raw[end] in " -")
        if length_ok and _iban_checksum_ok(compact[: expected or len(compact)]):
            yield PiiSpan(PiiType.IBAN, match.start(), match.start() + end)


def _nir_key_ok(digits: str) -> bool:
    # Corsican departments 2A/2B count as 19/18 in the key (INSEE rule).
    number = digits[:13].upper()
    number = number[:5] + number[5:7].replace("2A", "19").replace("2B", "18") + number[7:]
    return 97 - int(number) % 97 == int(digits[13:])


def _social_security_numbers(text: str) -> Iterator[PiiSpan]:
    for match in _NIR_RE.finditer(text):
        compact = re.sub(r"[ .]", "", match.group())
        if _nir_key_ok(compact):
            yield PiiSpan(PiiType.SSN, match.start(), match.end())


def _license_plates(text: str) -> Iterator[PiiSpan]:
    for pattern in (_SIV_RE, _SIV_LOWER_RE):
        for match in pattern.finditer(text):
            yield PiiSpan(PiiType.LICENSE_PLATE, match.start(), match.end())
    for match in _FNI_RE.finditer(text):
        if match.group("letters") not in _NOT_FNI_LETTERS:
            yield PiiSpan(PiiType.LICENSE_PLATE, match.start(), match.end())


def _is_capitalised(word: str) -> bool:
    core = word[2:] if word[:2].lower() in ("l'", "d'", "l’", "d’") and len(word) > 2 else word
    return core[:1].isupper()


def _street_name_end(text: str, position: int, needs_capital: bool) -> int:
    """End of the street name that starts after `position`, or `position` when none."""
    end = position
    words = lower_words = 0
    cursor = position
    for _ in range(_MAX_STREET_WORDS + 3):
        match = _GAP_WORD_RE.match(text, cursor)
        if match is None:
            break
        word = match.group(1)
        key = fold(word)
        cursor = match.end()
        if key in _STREET_LINKS:
            continue  # "de la": kept only if a name word follows
        capitalised = _is_capitalised(word)
        if not _is_street_word(key, capitalised, needs_capital and words == 0, lower_words):
            break
        if not capitalised:
            lower_words += 1
        words += 1
        end = cursor
        if words == _MAX_STREET_WORDS:
            break
    return end


def _is_street_word(key: str, capitalised: bool, needs_capital: bool, lower_words: int) -> bool:
    if capitalised:
        return key not in FRENCH_STOPWORDS
    # Lower-case street names ("rue des lilas") are common in typed feedback, but the words
    # after them are ordinary text: stop at the first stopword or after a few words.
    return not needs_capital and key not in _NOT_NAMES and lower_words < _MAX_LOWER_STREET_WORDS


def _with_postcode(text: str, end: int) -> int:
    match = _POSTCODE_TOWN_RE.match(text, end)
    return match.end() if match else end


def _addresses_with_leading_number(text: str) -> Iterator[PiiSpan]:
    for match in _LEADING_NUMBER_RE.finditer(text):
        needs_capital = fold(match.group("kind")) in _AMBIGUOUS_STREET_TYPES
        end = _street_name_end(text, match.end(), needs_capital)
        if end > match.end():
            yield PiiSpan(PiiType.ADDRESS, match.start(), _with_postcode(text, end))


def _addresses_with_trailing_number(text: str) -> Iterator[PiiSpan]:
    for match in _TYPE_ONLY_RE.finditer(text):
        end = _street_name_end(text, match.end(), needs_capital=True)
        if end == match.end():
            continue
        number = _TRAILING_NUMBER_RE.match(text, end)
        if number is not None:
            yield PiiSpan(PiiType.ADDRESS, match.start(), _with_postcode(text, number.end()))


def _is_name_word(word: str, allow_lower: bool) -> bool:
    key = fold(word)
    if key in _NOT_NAMES:
        return False
    return word[:1].isupper() or (allow_lower and word.isalpha() and len(word) > 1)


def _name_end(text: str, position: int, allow_lower: bool) -> int:
    """End of the 1-3 word name right at `position`, or `position` when there is none."""
    first = _WORD_RE.match(text, position)
    if first is None or not _is_name_word(first.group(), allow_lower):
        return position
    end = cursor = first.end()
    words = 1
    after_particle = False
    while words < _MAX_NAME_WORDS:
        match = _GAP_WORD_RE.match(text, cursor)
        if match is None:
            break
        word = match.group(1)
        cursor = match.end()
        if fold(word) in _NAME_PARTICLES and word.islower() and not after_particle:
            after_particle = True  # "Jean de La Fontaine": kept only if a name follows
            continue
        # After a particle, "La"/"Le" belong to the name ("de La Fontaine").
        if not (_is_name_word(word, allow_lower) or (after_particle and word[:1].isupper())):
            break
        words += 1
        end = cursor
        after_particle = False
    return end


def _names_after(
    pattern: re.Pattern[str], text: str, allow_lower: bool
) -> Iterator[tuple[int, int]]:
    for match in pattern.finditer(text):
        end = _name_end(text, match.end(), allow_lower)
        if end > match.end():
            yield match.end(), end


def _names(text: str) -> Iterator[PiiSpan]:
    found = [
        *_names_after(_LOWER_NAME_CUE_RE, text, allow_lower=True),
        *_names_after(_NAME_CUE_RE, text, allow_lower=False),
        *_names_after(_TITLE_RE, text, allow_lower=False),
    ]
    # A closing formula only introduces a name when the name ends the message, or is
    # followed by nothing but contact details ("Marie Dupont, 06 12 34 56 78").
    found += [(s, e) for s, e in _names_after(_CLOSING_RE, text, False) if _ends_signature(text, e)]
    for start, end in found:
        yield PiiSpan(PiiType.NAME, start, end)


_CONTACT_LABELS_RE = re.compile(
    r"\b(?:t[ée]l(?:[ée]phone)?|mobile|portable|fixe|e-?mail|courriel|mail)\b\.?", re.I
)


def _ends_signature(text: str, end: int) -> bool:
    rest = text[end:]
    for span in sorted([*_phones(rest), *_emails(rest)], key=lambda s: s.start, reverse=True):
        rest = rest[: span.start] + " " + rest[span.end :]
    return not _CONTACT_LABELS_RE.sub(" ", rest).strip(" \t\r\n.,;:!/|-–")


_DETECTORS: tuple[Callable[[str], Iterator[PiiSpan]], ...] = (
    _emails,
    _ibans,
    _social_security_numbers,
    _phones,
    _license_plates,
    _addresses_with_leading_number,
    _addresses_with_trailing_number,
    _names,
)
