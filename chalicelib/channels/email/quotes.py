"""Keeps only what the sender of a reply newly wrote: staff reading a citizen's answer need
neither the commune's own message quoted again below it nor "Envoyé de mon iPhone". Every
kept line is a line of the input."""

from __future__ import annotations

import re
from collections.abc import Sequence

_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_QUOTED = re.compile(r"^[ \t]*>")
# Leading quote marks, spaces and the "*" some clients wrap bold labels in ("*De :*").
_PREFIX = r"^[\s>*]*"

# --- attribution lines: "Le 12 mars 2026 à 10:02, Jean <j@x.fr> a écrit :" ---------------
# Reply clients wrap them over up to three lines (Gmail breaks inside the address).
_MAX_ATTRIBUTION_LINES = 3
_MAX_ATTRIBUTION_CHARS = 400
_ATTRIBUTION_START = re.compile(
    _PREFIX + r"(le|on|am|el|il|op|em|den|dne)\s", re.IGNORECASE
)  # fr, en, de, es, it, nl, pt, da/sv, cs
# German puts the verb before the name: "Am 12.03.2026 um 10:02 schrieb X <x>:".
_ATTRIBUTION_END = re.compile(
    r"(\ba\s+[ée]crit|\bwrote|\bescribi[óo]|\bha\s+scritto|\bschreef|\bescreveu|\bskrev"
    r"|\bnapsal|\bnapisał|написала?|\bschrieb\b[^:]{0,150})\s*:\s*$",
    re.IGNORECASE,
)
_HAS_DIGIT = re.compile(r"\d")
_OPEN_ADDRESS = re.compile(r"<[^<>]*$")
_ENDS_SENTENCE = re.compile(r"[.!?]\s*$")

# --- Outlook-style header blocks: "De : … / Envoyé : … / À : … / Objet : …" ----------------
_FROM_LABEL = re.compile(_PREFIX + r"(de|from|von|da|van|exp[ée]diteur)\s*:", re.IGNORECASE)
_DATE_LABEL = re.compile(
    _PREFIX + r"(envoy[ée](\s+le)?|sent|date|datum|gesendet|enviado|inviato)\s*:", re.IGNORECASE
)
_TO_LABEL = re.compile(
    _PREFIX + r"([àa]|to|objet|subject|cc|copie\s+[àa]|pour|destinataire|an|betreff|para|asunto"
    r"|oggetto|r[ée]pondre\s+[àa]|reply-to)\s*:",
    re.IGNORECASE,
)
_HEADER_BLOCK_WINDOW = 8
_MAX_ONE_LINE_HEADER = 600  # its pattern backtracks on long lines
_ONE_LINE_HEADER = re.compile(
    _PREFIX + r"(de|from)\s*:.+\b(envoy[ée]|sent|date)\s*:.+\b(objet|subject|[àa]|to)\s*:",
    re.IGNORECASE,
)

# --- separator lines -----------------------------------------------------------------------
_SEPARATOR = re.compile(
    _PREFIX + r"(?:-{2,}|={2,}|_{2,})\s*(?:original\s+message|message\s+d['’]origine"
    r"|mail\s+original|message\s+original|courriel\s+original|e-?mail\s+d['’]origine"
    r"|forwarded\s+message|message\s+transf[ée]r[ée]|courriel\s+transf[ée]r[ée]"
    r"|e-?mail\s+transf[ée]r[ée]|urspr[üu]ngliche\s+nachricht|weitergeleitete\s+nachricht"
    r"|mensaje\s+original|messaggio\s+originale)\s*(?:-{2,}|={2,}|_{2,})?\s*:?\s*$",
    re.IGNORECASE,
)
_FORWARD_INTRO = re.compile(
    _PREFIX + r"(d[ée]but\s+du\s+message\s+r[ée]exp[ée]di[ée]|begin\s+forwarded\s+message"
    r"|message\s+transf[ée]r[ée])\s*:\s*$",
    re.IGNORECASE,
)
# Orange and SFR webmails: "> Message du 12/03/26 10:02".
_WEBMAIL_INTRO = re.compile(_PREFIX + r"message\s+du\s+\d{1,2}/\d{1,2}/\d{2,4}", re.IGNORECASE)
# Outlook puts a line of underscores above its "De :" block; alone it is only a rule.
_UNDERSCORES = re.compile(r"^[\s>]*_{10,}\s*$")
_UNDERSCORE_LOOKAHEAD = 3

# --- signatures ----------------------------------------------------------------------------
_MAX_APP_SIGNATURE_CHARS = 90
_APP_SIGNATURE = re.compile(
    r"^(?:(?:envoy[ée]|sent|exp[ée]di[ée])\s+(?:de|depuis|du|d['’]|à\s+partir\s+de"
    r"|a\s+partir\s+de|from|with|using|via|avec|with\s+my)\b"
    r"|(?:t[ée]l[ée]charger|obtenir|obtenez|get|download)\s+outlook\s+(?:pour|for)\b"
    r"|provenance\s*:)",
    re.IGNORECASE,
)
_APP_NAMES = re.compile(
    r"iphone|ipad|android|galaxy|samsung|smartphone|mobile|t[ée]l[ée]phone|tablette|tablet"
    r"|appareil|device|phone|yahoo|outlook|courrier\s+pour\s+windows|mail\s+for\s+windows"
    r"|proton|huawei|xiaomi|honor|oneplus|blackberry|aol\b|mail\s+orange|mail\s+sfr|webmail",
    re.IGNORECASE,
)


def new_text(text: str) -> str:
    """What the sender newly wrote: cut at the first reply header, forward separator or
    signature, drop quoted (">") lines; the whole text, stripped, if nothing would be left."""
    lines = _LINE_BREAK.split(text)
    kept: list[str] = []
    index = 0
    while index < len(lines):
        line = lines[index]
        if _QUOTED.match(line):
            # Quoted lines go, whether they end the message or sit between inline answers.
            index += 1
            continue
        if _is_signature(line):
            break
        span = _attribution_span(lines, index)
        if span:
            if not _answers_follow(lines, index + span):
                break
            index += span
            continue
        if _is_history_start(lines, index):
            break
        kept.append(line)
        index += 1
    result = _tidy(kept)
    return result if result else text.strip()


def _tidy(lines: Sequence[str]) -> str:
    # Removing quote blocks leaves runs of blank lines: keep at most one.
    out: list[str] = []
    for line in lines:
        stripped = line.rstrip()
        if not stripped.strip() and out and not out[-1]:
            continue
        out.append(stripped if stripped.strip() else "")
    return "\n".join(out).strip()


def _is_signature(line: str) -> bool:
    """The RFC 3676 "-- " delimiter, or a mobile/app footer such as "Envoyé de mon iPhone"."""
    if line in ("-- ", "--"):
        return True
    stripped = line.strip()
    if len(stripped) > _MAX_APP_SIGNATURE_CHARS:
        return False
    return bool(_APP_SIGNATURE.match(stripped) and _APP_NAMES.search(stripped))


def _attribution_span(lines: Sequence[str], index: int) -> int:
    """Number of lines (1 to 3) of the attribution line starting at `index`, 0 if none."""
    first = lines[index]
    if not first.strip():
        return 0
    starts = bool(_ATTRIBUTION_START.match(first))
    joined = ""
    for offset in range(_MAX_ATTRIBUTION_LINES):
        position = index + offset
        if position >= len(lines) or not lines[position].strip():
            return 0
        # A quoted line does not continue an unquoted attribution, except when Gmail wrapped
        # inside "<address>" and the line starts with the address's ">".
        quoted = offset and _QUOTED.match(lines[position]) and not _QUOTED.match(first)
        if quoted and not _OPEN_ADDRESS.search(joined):
            return 0
        joined = f"{joined} {lines[position].strip()}".strip()
        if len(joined) > _MAX_ATTRIBUTION_CHARS:
            return 0
        if _ATTRIBUTION_END.search(joined):
            return offset + 1 if _looks_like_attribution(joined, starts, offset) else 0
        # Only an attribution's first words or an address cut in two announce a wrapped line;
        # and a wrapped attribution never breaks after the end of a sentence.
        if _ENDS_SENTENCE.search(lines[position]) or not (starts or _OPEN_ADDRESS.search(joined)):
            return 0
    return 0


def _looks_like_attribution(joined: str, starts: bool, offset: int) -> bool:
    # "Le maire a écrit :" in a citizen's text has no date; real attributions carry a date
    # and time, or at least the quoted sender's address.
    if _HAS_DIGIT.search(joined) and (starts or "@" in joined):
        return True
    return offset == 0 and "@" in joined


def _answers_follow(lines: Sequence[str], start: int) -> bool:
    """True when the attribution introduces a quote the author answers inline, i.e. some
    unquoted text (not a signature or another header) comes after the quoted lines."""
    seen_quote = False
    for index in range(start, len(lines)):
        line = lines[index]
        if not line.strip():
            continue
        if _QUOTED.match(line):
            seen_quote = True
            continue
        return seen_quote and not (
            _is_signature(line)
            or _attribution_span(lines, index)
            or _is_history_start(lines, index)
        )
    return False


def _is_history_start(lines: Sequence[str], index: int) -> bool:
    """A separator, forward intro or Outlook header block opening the quoted history."""
    line = lines[index]
    if not line.strip():
        return False
    if (
        _SEPARATOR.match(line)
        or _FORWARD_INTRO.match(line)
        or _WEBMAIL_INTRO.match(line)
        or (len(line) <= _MAX_ONE_LINE_HEADER and _ONE_LINE_HEADER.match(line))
    ):
        return True
    if _UNDERSCORES.match(line):
        window = lines[index + 1 : index + 1 + 2 * _UNDERSCORE_LOOKAHEAD]
        following = [other for other in window if other.strip()][:_UNDERSCORE_LOOKAHEAD]
        return any(_FROM_LABEL.match(other) for other in following)
    return _is_header_block(lines, index)


def _is_header_block(lines: Sequence[str], index: int) -> bool:
    # "De :" followed by a date label ("Envoyé :", "Date :") and an addressee or subject
    # label: a letter-like "De : Jean / À : M. le Maire / Objet : …" written by a citizen
    # has no date label and is kept.
    if not _FROM_LABEL.match(lines[index]):
        return False
    window = [line for line in lines[index + 1 : index + 1 + _HEADER_BLOCK_WINDOW] if line]
    has_date = any(_DATE_LABEL.match(line) for line in window)
    has_other = any(_TO_LABEL.match(line) for line in window)
    return has_date and has_other
