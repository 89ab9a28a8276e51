"""The things a report is about ("lampadaire", "poubelle", "feu tricolore", "banc"), folded to
a few kinds a town hall fixes: two reports at the same place about different things (a
broken streetlight and an overflowing bin in the same street) are two problems, however
close e5 puts their sentences (it does: 0.93 for that pair). A report naming none of these
things is left to the embeddings."""

from __future__ import annotations

import re

from chalicelib.analysis.places import without_places
from chalicelib.analysis.text import fold

# Kind → folded word starts (a start matches "poubelle", "poubelles"). Other words for the
# same thing share a kind ("lampadaire", "réverbère", "éclairage"); a word that names no
# thing by itself ("panne", "cassé", "trottoir" where the water runs) is in none.
_KINDS: dict[str, tuple[str, ...]] = {
    "eclairage": ("lampadaire", "reverbere", "eclairage", "candelabre", "ampoule", "lumiere"),
    "dechets": (
        "poubelle",
        "benne",
        "conteneur",
        "container",
        "dechet",
        "ordure",
        "encombrant",
        "composteur",
        "detritus",
        "colonne de tri",
        "gravat",
        "depot sauvage",
    ),
    "signalisation": (
        "feu tricolore",
        "feux tricolore",
        "feu rouge",
        "feux",
        "signalisation",
        "panneau",
        "marquage",
        "stop",
    ),
    "stationnement": ("parking", "stationnement", "stationne", "garer", "garee"),
    "vitesse": ("vitesse", "vite", "radar", "ralentisseur", "dos d'ane", "chicane"),
    "eau": (
        "fuite",
        "fuit",
        "conduite d'eau",
        "canalisation",
        "fontaine",
        "inondation",
        "inonde",
        "egout",
        "caniveau",
        "jaillit",
    ),
    "bruit": ("bruit", "tapage", "vacarme", "musique", "sonore", "bruyant"),
    "arbres": ("arbre", "pin", "pins", "branche", "elagu", "racine", "haie", "platane"),
    "jeux": ("jeu pour enfant", "jeux pour enfant", "aire de jeu", "toboggan", "balancoire"),
    "bancs": ("banc",),
    "bus": ("bus", "navette", "autocar", "ligne"),
    "chiens": ("chien", "dejection", "crotte"),
    "tags": ("tag", "tags", "graffiti"),
    "terrasses": ("terrasse",),
    "chaussee": (
        "nid de poule",
        "nids de poule",
        "nid-de-poule",
        "chaussee",
        "bitume",
        "goudron",
        "trou",
    ),
}
_PATTERNS = {
    kind: re.compile(r"(?<![\w])(?:" + "|".join(re.escape(start) for start in starts) + r")")
    for kind, starts in _KINDS.items()
}


def objects_in(text: str) -> frozenset[str]:
    """The kinds of things `text` names, e.g. {"eclairage"} for « le réverbère est mort »;
    a place's name names nothing ("chemin de la Fontaine", "avenue des Pins")."""
    folded = fold(without_places(text)).replace("’", "'")
    return frozenset(kind for kind, pattern in _PATTERNS.items() if pattern.search(folded))
