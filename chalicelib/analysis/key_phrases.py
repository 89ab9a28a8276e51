"""Key phrases that name things people talk about: French noun phrases (a noun head, its
adjectives and one "de" complement), grouped by lemma, found with hand-written word lists and
the determiners around each word, so no tagger or model is needed in Lambda."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from chalicelib.analysis.text import fold, tokenize
from chalicelib.analysis.text import singularize as _plural_rules


def _folded_set(block: str) -> frozenset[str]:
    # Citizens often type without accents: every list matches both spellings.
    words = block.split()
    return frozenset(words) | frozenset(fold(word) for word in words)


# A determiner (or "de" after a quantity: "pas de trottoir") announces a noun.
DETERMINERS = _folded_set(
    """
    le la les l' un une des du de d' au aux ce cet cette ces mon ma mes ton ta tes son sa ses
    notre nos votre vos leur leurs quelques plusieurs certains certaines chaque aucun aucune
    tout tous toute toutes nul nulle
    """
)
# Adjectives placed before the noun: skipped between a determiner and its head.
_PRE_ADJECTIVES = _folded_set(
    """
    nouveau nouvel nouvelle nouveaux nouvelles grand grande grands grandes petit petite petits
    petites gros grosse grosses beau bel belle beaux belles vieux vieil vieille vieilles bon
    bonne bons bonnes mauvais mauvaise mauvaises premier première premiers premières dernier
    dernière derniers dernières vrai vraie vrais jeune jeunes seul seule seuls même mêmes
    autre autres énorme énormes véritable simple double triple
    """
)
# Links inside a noun phrase: "arrêt de bus", "horaires de la déchetterie".
# Only "de" complements: "à" ones are as often times or places of the verb ("à la rentrée").
_COMPLEMENT_LINKS = _folded_set("de d' du des")
_COMPLEMENT_ARTICLES = _folded_set("la l' le les")
FUNCTION_WORDS = _folded_set(
    """
    a à au aux avec ce ces cet cette c' ça ceci cela celle celles celui ceux chez comme dans de
    des du d' elle elles en entre et eux il ils je j' la le les l' leur leurs lui ma mais me
    m' même mes moi mon ne n' ni nos notre nous on ou où par pas pour qu' que qui quoi sa se
    s' ses si son sur ta te t' tes toi ton tu un une vos votre vous y car or donc quand
    lorsqu' lorsque puisqu' puisque jusqu' jusque depuis pendant sans sous vers chaque tout
    tous toute toutes quel quelle quels quelles dont lequel laquelle lesquels rien aucun
    aucune personne chacun quelqu'un quelque chose selon malgré parmi contre hors via
    celui-ci celle-ci ceux-ci cela-même soi
    """
)
ADVERBS = _folded_set(
    """
    franchement vraiment enfin encore toujours jamais déjà souvent parfois aussi alors ainsi
    bien mal mieux plus moins très trop assez peu beaucoup tellement tant vite ici là
    partout ailleurs dedans dehors dessus dessous devant derrière avant après maintenant
    aujourd'hui hier demain bientôt longtemps tard tôt ensuite puis surtout seulement
    notamment évidemment vraisemblablement complètement totalement absolument simplement
    rapidement régulièrement actuellement également désormais pourtant cependant toutefois
    néanmoins sinon oui non si plutôt presque environ quasiment certes peut-être
    vachement carrément justement clairement directement entièrement juste tout-à-fait
    d'ailleurs pourquoi comment combien où quand lors autant davantage guère
    """
)
NUMBERS = _folded_set(
    """
    zéro un une deux trois quatre cinq six sept huit neuf dix onze douze treize quatorze
    quinze seize vingt trente quarante cinquante soixante cent cents mille million millions
    milliard demi demie moitié dizaine dizaines douzaine centaine centaines millier milliers
    premier première deuxième troisième second seconde
    """
)
# Common verb forms that would otherwise pass for nouns or adjectives after a noun.
VERB_FORMS = _folded_set(
    """
    est sont suis es sommes êtes était étaient été être serait seront sera soit
    ai as a avons avez ont avait avaient aura aurait eu avoir
    fait fais faisons faites font faisait faire va vais vont allait aller vient viennent
    venir peut peux pouvons pouvez peuvent pourrait pouvoir doit dois devons devez doivent
    devrait devoir veut veux voulons voulez veulent voudrait vouloir faut faudrait fallait
    sait sais savoir dit dis disent dire voit vois voient voir met mettent mettre prend
    prennent prendre marche marchent passe passent reste restent manque manquent semble
    semblent devient deviennent arrive arrivent trouve trouvent pense pensons pensent
    crois croit rend rendent sert servent part partent sort sortent tient tiennent
    attend attendent entend entendent répond répondent
    signale signaler souhaite souhaiterais souhaiterions voudrais aimerais aimerait
    remercie remercier demande demander veuillez pourriez merci bravo
    déborde débordent roule roulent stationne stationnent ramasse ramassent
    joindre prendre mettre attendre entendre répondre rendre descendre vendre perdre
    construire conduire réduire lire écrire vivre suivre croire boire plaire ouvrir offrir
    couvrir sortir partir dormir venir tenir obtenir devenir revenir finir choisir agir
    réagir réussir remplir fournir ralentir intervenir courir servir sentir inscrire
    refaire défaire entretenir maintenir soutenir retenir contenir prévoir recevoir voir
    valoir détruire produire introduire permettre promettre remettre admettre battre
    peindre éteindre atteindre plaindre craindre rejoindre défendre suspendre étendre
    poursuivre connaître paraître disparaître apparaître naître rire sourire conclure
    inclure exclure résoudre dire interdire satisfaire fuir parcourir secourir mourir
    accueillir cueillir dormir mentir ressentir ouvrir découvrir souffrir prévenir
    convenir parvenir survenir souvenir plaisir loisir avenir désir
    """
)
# Verb forms (and "car") that are nouns too: a noun after a determiner ("les marches de
# l'église", "le car scolaire"), a verb or a conjunction elsewhere ("on marche", "car").
_VERB_NOUNS = _folded_set(
    """
    marche marches passe reste restes manque manques demande demandes part parts sort
    sorts arrive arrivée attente fait faits signale trouve rire sourire souvenir souvenirs
    avenir loisir loisirs plaisir désir devoir devoirs pouvoir savoir car cars
    """
)
# Words that name no topic even as nouns: greetings, time units, vague nouns.
_NOT_TOPICS = _folded_set(
    """
    bonjour bonsoir madame monsieur mesdames messieurs svp cordialement salutations
    remerciement remerciements avance habitant habitante habitants chose choses truc trucs
    fois jour jours matin matins soir soirs mois année années an ans semaine semaines
    heure heures minute minutes seconde secondes moment moments temps fin début cas
    façon manière sorte genre niveau part côté problème problèmes question questions
    idée idées avis gens monde personne personnes point points bout lieu vie nuit nuits
    week-end week-ends veille lendemain instant exemple sujet plupart reste coup dommage
    ensemble long impression limite occasion concret quart fils fille filles mari femme
    épouse mère père
    """
)
# Adjectives citizens use as predicates ("c'est impossible"): never a head on their own.
_PREDICATE_ADJECTIVES = _folded_set(
    """
    impossible possible difficile facile dangereux dangereuse dangereuses normal normale
    anormal nécessaire important importante urgent inadmissible inacceptable insupportable
    scandaleux honteux dommage génial super top nul nulle pratique agréable désagréable
    content contente satisfait satisfaite déçu déçue ravi ravie heureux heureuse inutile
    utile sale sales propre propres plein pleine pleins pleines vide vides cher chère chers
    gratuit gratuite fermé fermée ouvert ouverte
    """
)
# Nouns ending like an infinitive ("-er"); other "-er" words are taken for verbs.
_NOUNS_IN_ER = _folded_set(
    """
    hiver mer fer enfer cancer laser hangar dîner déjeuner goûter clocher rocher plancher
    boucher boulanger danger étranger chantier quartier sentier papier escalier dossier
    foyer loyer cahier atelier panier palier pompier policier calendrier courrier métier
    parking clocher verger potager cellier grenier premier dernier entier barrier
    """
)
_INFINITIVES_IN_IER = _folded_set(
    """
    oublier vérifier modifier étudier remercier crier prier confier copier multiplier
    publier simplifier rectifier apprécier justifier qualifier signifier identifier
    négocier financer envoyer nettoyer payer essayer employer
    """
)
# Adjectives in "-ent" (third-person plurals otherwise: "débordent").
_ADJECTIVES_IN_ENT = _folded_set(
    """
    récent récente récents urgent urgente urgents différent différente différents excellent
    excellente évident évidente permanent permanente fréquent fréquente violent violente
    absent absente prudent prudente lent lente lents intelligent innocent décent
    indépendant patient impatient
    """
)
_VERB_ENDINGS = ("aient", "ait", "iez", "erai", "erait", "eront", "erons", "erez", "ez")
_SUBJECTS = _folded_set("je j' tu il elle on nous vous ils elles qui ne n' se s' me m' te t' y")
_INVERTED_SUBJECTS = ("-ce", "-il", "-ils", "-elle", "-elles", "-on", "-je", "-tu", "-nous")
_MAX_CONTENT_WORDS = 3
# Links and @accounts name no thing citizens talk about ("http" was a topic of tweets), and
# an account is someone's.
# A bare "http" is a link some corpora anonymised.
_WEB_RE = re.compile(r"(?:https?://|www\.)\S+|\bhttps?\b|(?<![\w.])@\w+", re.IGNORECASE)
_CHUNK_SPLIT_RE = re.compile(r"[.!?;:,()\[\]\"«»\n\r\t…/]+|\s[-–—]\s")


# Singular nouns ending in "s" that the plural rules would cut ("fils" is no "fil").
_TIME_UNITS = _folded_set("heure minute seconde jour semaine mois an année quart moitié")
_ENDS_IN_S = _folded_set(
    "fils matelas tas cadenas verglas lilas débarras fracas dessous sens rendez-vous avis"
    " temps corps pays prix bois accès procès repas"
)


def singularize(word: str) -> str:
    """text.singularize, plus "-ous"/"-nus" plurals ("trous", "menus") and a few singular
    nouns in "s"; kept apart so theme stems and trained features do not move."""
    if word in _ENDS_IN_S:
        return word
    if word.endswith(("ous", "nus")) and len(word) > 4:
        return word[:-1]
    return _plural_rules(word)


def _is_verb(word: str) -> bool:
    if word in VERB_FORMS:
        return True
    if word.endswith("er") and word not in _NOUNS_IN_ER:
        return not word.endswith("ier") or word in _INFINITIVES_IN_IER
    if word.endswith(("ir", "re")) and word in VERB_FORMS:
        return True
    if word.endswith("ent") and not word.endswith("ment") and word not in _ADJECTIVES_IN_ENT:
        # "débordent", "passent": a plural verb; nouns in "-ent" ("agent", "accident") are
        # rarely right after another noun, and as heads they follow a determiner.
        return True
    return word.endswith(_VERB_ENDINGS) and len(word) > 4


def _is_adverb(word: str) -> bool:
    # "-ment" after a vowel or "-amment/-emment" is an adverb ("vraiment", "franchement"
    # is listed); nouns in "-ement" ("stationnement") follow a determiner instead.
    return word in ADVERBS or word.endswith(("amment", "emment"))


def is_noun_candidate(word: str) -> bool:
    """A word that may head or close a noun phrase: no function word, adverb, number, verb,
    digit, vague noun or fragment shorter than three letters."""
    return (
        len(word) > 2
        and not word.endswith("'")
        and not any(ch.isdigit() for ch in word)
        and word not in FUNCTION_WORDS
        and word not in DETERMINERS
        and word not in NUMBERS
        and not _is_pronoun_inversion(word)
        and word not in _NOT_TOPICS
        and not _is_adverb(word)
        and not _is_verb(word)
    )


def _is_pronoun_inversion(word: str) -> bool:
    # "est-ce", "faut-il", "a-t-on": a verb with its subject.
    return word.endswith(_INVERTED_SUBJECTS)


def _is_head(word: str, after_determiner: bool) -> bool:
    if after_determiner and word in _VERB_NOUNS and word not in _NOT_TOPICS:
        return True
    return (
        is_noun_candidate(word)
        and word not in _PRE_ADJECTIVES
        and word not in _PREDICATE_ADJECTIVES
    )


def _is_modifier(word: str) -> bool:
    # A word right after the head, without link, is its adjective ("dépôt sauvage") or its
    # number ("ligne 12") unless it is a verb, an adverb or a function word ("poubelles
    # débordent", "parc vraiment").
    if word.isdigit():
        return True
    return is_noun_candidate(word) and not word.endswith("ment")


@dataclass(frozen=True)
class NounPhrase:
    """One noun phrase as found: its words as shown, and the lemma key that groups it."""

    display: str
    key: str
    content: tuple[str, ...]


def phrase_key(phrase: str) -> str:
    """The lemma key of a phrase: folded, singular, without articles or elisions, so that
    "Les horaires de la déchetterie" and "horaire de déchetterie" group together."""
    words = [fold(word) for word in tokenize(phrase)]
    kept = [
        singularize(word)
        for word in words
        if word not in DETERMINERS and word not in _COMPLEMENT_ARTICLES
    ]
    return " ".join(kept)


def _display(words: Sequence[str]) -> str:
    text = " ".join(words)
    return text.replace("' ", "'")


def _announced(lowered: Sequence[str], index: int) -> bool | None:
    """True when a determiner announces the word at `index` (pre-adjectives between),
    False at the start of a clause without one, None when something else comes before."""
    before = index - 1
    while before >= 0 and lowered[before] in _PRE_ADJECTIVES:
        before -= 1
    if before < 0:
        # At the start of a clause ("Dépôt sauvage au bout du chemin") a noun needs no
        # determiner.
        return False if index == 0 else None
    return True if lowered[before] in DETERMINERS else None


def _complement(lowered: Sequence[str], at: int) -> tuple[list[str], int]:
    """The "de"/"à" complement starting at `at` (its words and its end), or ([], at)."""
    if at >= len(lowered) or lowered[at] not in _COMPLEMENT_LINKS:
        return [], at
    position = at + 1
    words = [lowered[at]]
    if (
        lowered[at] == "de"
        and position < len(lowered)
        and lowered[position] in _COMPLEMENT_ARTICLES
    ):
        words.append(lowered[position])
        position += 1
    if position < len(lowered) and is_noun_candidate(lowered[position]):
        # As written ("bruit des terrasses"): the lemma key groups it with "bruit de terrasse".
        return [*words, lowered[position]], position + 1
    return [], at


def _phrase_at(lowered: Sequence[str], index: int, anchored: bool) -> NounPhrase | None:
    announced = _announced(lowered, index)
    if announced is None or not _is_head(lowered[index], announced or anchored):
        return None
    if index == 0 and len(lowered) > 1 and lowered[1] in _SUBJECTS:
        return None
    words = [singularize(lowered[index])]
    content = [words[0]]
    position = index + 1
    if position < len(lowered) and _is_modifier(lowered[position]):
        words.append(singularize(lowered[position]))
        content.append(words[-1])
        position += 1
    if len(content) < _MAX_CONTENT_WORDS:
        complement, position = _complement(lowered, position)
        if complement:
            words.extend(complement)
            content.append(singularize(complement[-1]))
    display = _display(words)
    return NounPhrase(display=display, key=phrase_key(display), content=tuple(content))


def _past_vague_noun(lowered: Sequence[str], index: int) -> int:
    # A time unit's complement is no topic of its own: "aux heures de pointe" names no
    # "pointe". (A place's is: "au bout du chemin" names the "chemin".)
    if singularize(lowered[index]) in _TIME_UNITS:
        _, end = _complement(lowered, index + 1)
        return max(end, index + 1)
    return index + 1


def noun_phrases(text: str, anchored: bool = False) -> list[NounPhrase]:
    """Every noun phrase of `text` in order, maximal ("arrêt de bus", never "arrêt" alone
    from it), after a determiner or at the start of a clause; `anchored` when `text` is known
    to be a noun phrase (a word that may be a verb or a noun is then the noun)."""
    found: list[NounPhrase] = []
    for chunk in _CHUNK_SPLIT_RE.split(_WEB_RE.sub(" . ", text)):
        lowered = tokenize(chunk)
        index = 0
        while index < len(lowered):
            phrase = _phrase_at(lowered, index, anchored and index == 0)
            if phrase is None:
                index = _past_vague_noun(lowered, index)
                continue
            found.append(phrase)
            # Skip the phrase's own words: its adjective or complement is no phrase of its own.
            index += len(tokenize(phrase.display))
    return found


@dataclass
class _Group:
    display: str
    count: int = 0
    first: int = 0
    variants: dict[str, int] = field(default_factory=dict)


def extract_key_phrases(text: str, limit: int = 5) -> list[str]:
    """Up to `limit` noun phrases of `text`, best first (most mentioned, then longest, then
    earliest), one per lemma key and each content word once ("poubelle jaune" after
    "poubelle" adds nothing)."""
    if limit <= 0:
        return []
    groups: dict[str, _Group] = {}
    for position, phrase in enumerate(noun_phrases(text)):
        group = groups.setdefault(phrase.key, _Group(display=phrase.display, first=position))
        group.count += 1
        group.variants[phrase.display] = group.variants.get(phrase.display, 0) + 1
    ranked = sorted(
        groups.items(),
        key=lambda item: (-item[1].count, -len(item[0].split()), item[1].first, item[0]),
    )
    chosen: list[str] = []
    used: set[str] = set()
    for key, group in ranked:
        words = {word for word in key.split() if word not in _COMPLEMENT_LINKS}
        if words & used:
            continue
        chosen.append(max(group.variants, key=lambda variant: group.variants[variant]))
        used |= words
        if len(chosen) == limit:
            break
    return chosen


def normalize_phrase(phrase: str) -> str:
    """A raw noun phrase (Comprehend's "les deux Poubelles", "franchement") as this module
    would name it ("poubelle"), or "" when it names no thing."""
    phrases = noun_phrases(_strip_leading(phrase), anchored=True)
    return phrases[0].display if phrases else ""


def _strip_leading(phrase: str) -> str:
    # Comprehend's phrases open with determiners, numbers and pre-adjectives ("les deux
    # premières semaines"): what follows is the noun phrase.
    words = tokenize(phrase)
    skip = DETERMINERS | NUMBERS | _PRE_ADJECTIVES
    start = 0
    while start < len(words) and words[start] in skip:
        start += 1
    return _display(words[start:])


def group_counts(counts: Iterable[tuple[str, int]]) -> list[tuple[str, int, list[str]]]:
    """Counted phrases grouped by lemma key: (the most counted spelling, the total, every
    spelling), most counted first; phrases that name no thing any more are dropped."""
    groups: dict[str, dict[str, int]] = {}
    for phrase, count in counts:
        key = phrase_key(phrase)
        if not key or not _names_a_thing(phrase):
            continue
        variants = groups.setdefault(key, {})
        variants[phrase] = variants.get(phrase, 0) + count
    merged = [
        (max(variants, key=lambda v: (variants[v], v)), sum(variants.values()), list(variants))
        for variants in groups.values()
    ]
    return sorted(merged, key=lambda item: (-item[1], item[0]))


def _names_a_thing(phrase: str) -> bool:
    # Counters written by an older extractor hold "franchement" or "deux": the head word
    # decides, as it would for a new text.
    words = tokenize(phrase)
    return bool(words) and is_noun_candidate(words[0])
