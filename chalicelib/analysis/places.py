"""The places a citizen's text names ("rue Victor Hugo", "chemin des Aspres", "parking de la
poste"), folded to comparable keys: two reports of the same broken streetlight share a
place, two at different places are never the same problem, whatever their words."""

from __future__ import annotations

import re

from chalicelib.analysis.text import fold

# Street kinds (as the PII detector knows them) and public places citizens report about.
_KINDS = (
    "rue|avenue|av|boulevard|bd|allée|allee|place|route|chemin|impasse|quai|cours|square"
    "|lotissement|résidence|residence|passage|sentier|traverse|montée|montee|hameau|voie"
    "|esplanade|promenade|parvis|rond-point|giratoire|faubourg|ruelle|parking|parc|jardin"
    "|école|ecole|collège|college|lycée|lycee|gymnase|stade|piscine|médiathèque|mediatheque"
    "|bibliothèque|bibliotheque|cimetière|cimetiere|gare|église|eglise|marché"
    "|crèche|creche|salle|plage|pont|port|plateau|quartier|zone|centre|mairie|poste"
    "|carrefour|croisement"
)
# Facilities a commune has one of: named alone ("la médiathèque", "à la gare"), they are a
# place too.
_FACILITY = re.compile(
    r"(?<![\w-])(gare|médiathèque|mediatheque|bibliothèque|bibliotheque|piscine|gymnase|stade"
    r"|mairie|poste|cimetière|cimetiere|église|eglise|marché|plage|port|crèche|creche"
    r"|village)(?![\w-])",
    re.IGNORECASE,
)
_LINKS = r"(?:de\s+la|de\s+l['’]|des|du|de|d['’]|la|le|les|l['’]|à\s+la|au|aux)"
# A kind, then an optional link, then one to four words (names may be lower case in
# citizens' writing); a number before the kind is dropped: the house is not the place.
_PLACE = re.compile(
    rf"(?<![\w-])(?P<kind>{_KINDS})(?![\w-])\s+(?:{_LINKS}\s*)?"
    r"(?P<name>[^\W\d_][\w'’-]*(?:\s+(?:de|du|des|la|le|d['’])?\s*(?-i:[A-ZÀ-Ý])[\w'’-]*){0,3})",
    re.IGNORECASE,
)
# Words that end a place name when they follow it: verbs and everyday words citizens write
# right after the place ("rue Pasteur est éteinte", "parking de la poste depuis lundi").
_STOP_WORDS = """
    est sont a ont était depuis encore toujours ne n y qui que dont et ou mais car pour avec
    sans sur sous dans devant derrière près entre vers chez ce cet cette ces il elle ils elles
    on nous vous je j tous tout toute toutes très trop plus moins bien mal aussi déjà jamais
    rien personne quand comme si le la les un une ferme ouvre fuit déborde reste manque
"""
_STOPS = frozenset(fold(word) for word in _STOP_WORDS.split())
_KIND_WORD = re.compile(rf"(?:{_KINDS})|sport|jeux|bain|bains", re.IGNORECASE)
_GENERIC_NAMES = frozenset(fold(word) for word in ("municipal", "municipale", "public", "ville"))


def places_in(text: str) -> frozenset[str]:
    """The folded place keys of `text`, e.g. {"rue victor hugo", "parking poste", "gare"}."""
    found: set[str] = set()
    position = 0
    while match := _PLACE.search(text, position):
        words = _name_words(match.group("name"))
        # "croisement du chemin de la Bourgade", "place de parking": a kind named after
        # another is no place itself; the search goes on from that other kind.
        if words and _KIND_WORD.fullmatch(words[0]):
            position = match.start("name")
            continue
        if words and words[0] not in _GENERIC_NAMES:
            found.add(f"{_canonical(fold(match.group('kind')))} {' '.join(words[:3])}")
        position = match.end()
    found.update(fold(match.group(1)) for match in _FACILITY.finditer(text))
    return frozenset(found)


def without_places(text: str) -> str:
    """`text` with the places it names taken out ("avenue des Pins" names no tree)."""
    return _PLACE.sub(" ", text)


def _name_words(name: str) -> list[str]:
    words: list[str] = []
    for word in re.findall(r"[\w'’-]+", name):
        folded = fold(word).strip("'’")
        if folded in _STOPS:
            if words:
                break
            continue
        if folded not in {"de", "du", "des", "d", "l"}:
            words.append(folded)
    return words


def _canonical(kind: str) -> str:
    return {"av": "avenue", "bd": "boulevard", "ecole": "ecole", "allee": "allee"}.get(kind, kind)
