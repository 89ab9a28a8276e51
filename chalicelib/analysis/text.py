"""French text utilities shared by the local analyzers: folding, tokenising and language
detection (key phrases live in key_phrases.py), with the standard library only so they run
in Lambda and in training alike."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable


def _words(block: str) -> list[str]:
    # Word lists are written as blocks of text to stay readable.
    return block.split()


# Elided articles and pronouns ("l'", "qu'", "jusqu'") become their own token so that
# "l'eau" and "eau" share a token. "aujourd'hui" is the one common word whose apostrophe
# is not an elision.
_TOKEN_RE = re.compile(
    r"aujourd['’]hui"
    r"|(?:jusqu|lorsqu|puisqu|quoiqu|qu|[cdjlmnst])['’](?=\w)"
    r"|[^\W_]+(?:[-'’][^\W_]+)*",
    re.IGNORECASE,
)
_APOSTROPHES = str.maketrans({"’": "'", "`": "'", "´": "'"})


def fold(text: str) -> str:
    """Lower-case and strip accents ("Été" -> "ete"); ligatures are expanded ("œ" -> "oe")."""
    lowered = text.lower().replace("œ", "oe").replace("æ", "ae").replace("ß", "ss")
    decomposed = unicodedata.normalize("NFKD", lowered)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def tokenize(text: str) -> list[str]:
    """Lower-cased word tokens with accents kept; elisions ("l'", "n'") are separate tokens,
    hyphenated words ("nids-de-poule") stay whole, punctuation is dropped."""
    tokens = _TOKEN_RE.findall(text.lower().translate(_APOSTROPHES))
    return [token.translate(_APOSTROPHES) for token in tokens]


def _with_folded(words: Iterable[str]) -> frozenset[str]:
    # Citizens often type without accents: match both spellings.
    materialised = list(words)
    return frozenset(materialised) | frozenset(fold(word) for word in materialised)


FRENCH_STOPWORDS: frozenset[str] = _with_folded(
    _words(
        """
    a à au aux avec ce ces cet cette c' ça ceci cela celle celles celui ceux chez comme
    dans de des du d' elle elles en entre et eux il ils je j' la le les l' leur leurs
    lui ma mais me m' même mes moi mon ne n' ni nos notre nous on ou où par pas pour qu'
    que qui quoi sa se s' ses si son sur ta te t' tes toi ton tu un une vos votre vous y
    est sont suis es sommes êtes ai as avons avez ont avait avaient était étaient été
    être avoir fait faire font peut peuvent plus moins très trop bien aussi alors donc
    car or quand lorsqu' lorsque puisqu' puisque jusqu' jusque depuis pendant sans sous
    vers chaque tout tous toute toutes autre autres quel quelle quels quelles dont là
    ici cela y a-t-il est-ce c'est n'est il y rien aucun aucune personne jamais encore
    déjà toujours beaucoup peu quelque quelques afin ainsi après avant comment pourquoi
    combien merci bonjour madame monsieur svp
    """
    )
)

_LANGUAGE_STOPWORDS: dict[str, frozenset[str]] = {
    "fr": frozenset(
        _words(
            """
    le la les des du de un une et est sont pour dans que qui pas ne il elle nous vous ce
    cette avec sur au aux mais ou je tres plus y a c est
    """
        )
    ),
    "en": frozenset(
        _words(
            """
    the and is are to of in that it for with on this was not you be have i my we they at
    by from but or an as there what very
    """
        )
    ),
    "es": frozenset(
        _words(
            """
    el la los las de del y es son que en por para con un una no se lo muy pero como esta
    este mas su al hay
    """
        )
    ),
    "it": frozenset(
        _words(
            """
    il lo la gli le di del della e che in per con non un una sono molto ma come questo
    questa nel al piu ci si
    """
        )
    ),
    "de": frozenset(
        _words(
            """
    der die das und ist sind nicht ein eine zu mit von den dem auf fur es ich wir sie
    sehr aber auch im in dass
    """
        )
    ),
}


def detect_language(text: str) -> str:
    """ISO 639-1 code among fr/en/es/it/de chosen by stopword hits; "fr" when the text is too
    short or gives no evidence, since the platform's users write in French."""
    words = [fold(token) for token in tokenize(text)]
    if len(words) < 3:
        return "fr"
    hits = {
        lang: sum(word in stops for word in words) for lang, stops in _LANGUAGE_STOPWORDS.items()
    }
    best = max(hits, key=lambda lang: (hits[lang], lang == "fr"))
    # Require a clear lead before leaving French: shared words ("la", "de") are common.
    if hits[best] == 0 or hits[best] <= hits["fr"]:
        return "fr"
    return best


# Plurals that the suffix rules below would mangle.
_INVARIANT = _with_folded(
    _words(
        """
    bus temps pays fois accès succès progrès procès corps cours parcours concours
    secours souris prix voix choix croix paix poids repas bras mois gaz tennis jus dos
    vis avis travaux tapis puits refus marais anglais français propos
    """
    )
)
_IRREGULAR = {"yeux": "œil", "lieux": "lieu", "jeux": "jeu", "feux": "feu", "cieux": "ciel"}


def singularize(word: str) -> str:
    """Simple French plural -> singular ("poubelles" -> "poubelle", "chevaux" -> "cheval")."""
    if len(word) <= 3 or word in _INVARIANT or "-" in word:
        return word
    if word in _IRREGULAR:
        return _IRREGULAR[word]
    if word.endswith("eaux"):
        return word[:-1]
    if word.endswith("aux"):
        return word[:-3] + "al"
    if word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word
