"""General French municipal vocabulary, one group per usual topic, that widens a commune's
themes with the other words citizens use for them ("végétaliser la rue" for green spaces,
"arceaux vélo" for mobility). Kept apart from the classifier: it is data, and it grows.

A group is not tied to a theme id: it attaches to whichever of the commune's themes names
some of its words in its label or keywords ("Déchets et tri" picks up the cleanliness group
through "déchets"). Each word sits in one group only, or an ambiguous word would leak a whole
group into an unrelated theme; ambiguous words ("horaires", "place") appear only inside
phrases. The words come from French municipal usage (participatory-budget proposals, street
reports, town-hall mail), not from any one commune's labels.
"""

from __future__ import annotations

import functools

SYNONYM_GROUPS: tuple[str, ...] = (
    # cleanliness, waste
    """propreté, propre, sale, saleté, déchet, ordure, ordures ménagères, poubelle, benne,
    conteneur, encombrant, tag, graffiti, crotte, déjection, dépôt sauvage, détritus, nettoyage,
    nettoyer, balayage, balayeuse, ramassage, collecte, tri, tri sélectif, recyclage, recycler,
    déchetterie, compost, composteur, compostage, mégot, cendrier, canette, immondices,
    hygiène, salubrité, décharge sauvage, sac poubelle, emballage, nettoiement, uritrottoir,
    urinoir, sanisette, toilettes publiques""",
    # roads and parking
    """voirie, route, chaussée, trottoir, trou, nid-de-poule, bitume, goudron, enrobé, pavé,
    stationnement, stationner, garer, se garer, parking, place de parking, place de
    stationnement, places de stationnement, parcmètre, horodateur, zone bleue, fourrière,
    éclairage, éclairage public, lampadaire, réverbère, ampoule, ralentisseur, dos d'âne,
    marquage, marquage au sol, signalisation, signalétique, panneau, passage piéton, travaux,
    chantier, rond-point, carrefour, bordure, caniveau, chemin communal, feu tricolore,
    feu rouge, sens unique, revêtement, réfection, accotement, fossé, déneigement""",
    # public transport and mobility
    """transport, transports en commun, bus, autobus, navette, tram, tramway, train, gare, ter,
    métro, téléphérique, arrêt de bus, ligne de bus, horaires de bus, ticket, abonnement,
    vélo, cycliste, cyclable, piste cyclable, voie cyclable, voie verte, double sens cyclable,
    arceau, rack à vélo, abri vélo, garage à vélo, trottinette, covoiturage, autopartage,
    auto partage, mobilité, circulation, embouteillage, bouchon, trafic, déplacement, piéton,
    piétonnier, piétonniser, cheminement piéton, traversée piétonne, apaisement, zone 30,
    borne de recharge, voiture électrique, desserte""",
    # safety
    """sécurité, insécurité, sécuriser, sécurisation, police, policier, police municipale,
    gendarmerie, gendarme, cambriolage, cambrioleur, cambriolé, vol, voleur, agression,
    délinquance, délinquant, incivilité, vandalisme, dégradation, rodéo, vitesse, excès de
    vitesse, chauffard, radar, danger, dangereux, caméra, vidéosurveillance,
    vidéoprotection, tranquillité, bruit nocturne, tapage nocturne, deal, dealer, drogue,
    squat, motard""",
    # environment, green spaces
    """environnement, écologie, écologique, espace vert, parc, jardin, square, arbre, arbuste,
    haie, élagage, élaguer, abattage, abattre, plantation, planter, replanter, pelouse, tonte,
    forêt, forêt urbaine, bois, nature, biodiversité, faune, flore, pollution, polluer,
    qualité de l'air, pesticide, rivière, ruisseau, cours d'eau, inondation, incendie,
    débroussaillement, moustique, moustique tigre, démoustication, climat, réchauffement
    climatique, végétaliser, végétalisation, végétal, végétation, verdir, verdissement,
    arborer, arboré, débitumer, débitumisation, désimperméabiliser, désimperméabilisation,
    îlot de fraîcheur, fraîcheur, canicule, ombrière, verger, fruitier, arbre fruitier,
    potager, jardin partagé, jardinière, ruche, rucher, abeille, apiculture, miel,
    pollinisateur, insecte, oiseau, nichoir, hirondelle, mésange, chauve-souris, hérisson,
    sanglier, friche, prairie, sécheresse, eau de pluie, panneau solaire, photovoltaïque,
    énergie renouvelable, carbone""",
    # schools, childhood, youth
    """éducation, école, écolier, élève, maternelle, primaire, élémentaire, groupe scolaire,
    collège, lycée, crèche, garderie, cantine, restauration scolaire, périscolaire, centre de
    loisirs, accueil de loisirs, enseignant, instituteur, maîtresse, jeune, jeunesse,
    adolescent, ado, enfant, scolaire, rentrée, classe, cour de récréation, cour d'école,
    assistante maternelle, petite enfance, aide aux devoirs, lycéen, étudiant""",
    # planning and housing
    """urbanisme, permis de construire, plu, plan local d'urbanisme, logement, logement
    social, hlm, loyer, immeuble, construction, construire, bâtiment, promoteur, lotissement,
    bétonnage, bétonisation, densification, parcelle, cadastre, déclaration préalable,
    zonage, appartement, résidence""",
    # town hall services
    """mairie, hôtel de ville, services municipaux, accueil, guichet, état civil, acte de
    naissance, carte d'identité, passeport, démarche, démarches administratives, formulaire,
    rendez-vous, horaires d'ouverture, téléphone, standard, courrier, courriel, mail, site
    internet, administration, administratif, liste électorale""",
    # culture, sport, leisure
    """culture, culturel, médiathèque, bibliothèque, livre, musée, exposition, concert,
    musique, spectacle, théâtre, cinéma, festival, piscine, stade, gymnase, sport, sportif,
    club, tennis, football, foot, basket, volley, rugby, pétanque, boulodrome, skatepark,
    skate park, pumptrack, street workout, agrès, terrain multisport, city stade, city park,
    parcours sportif, parcours santé, loisir, salle des fêtes, patrimoine""",
    # everyday surroundings, neighbourhood life
    """cadre de vie, qualité de vie, bruit, bruyant, nuisance, nuisance sonore, pollution
    sonore, voisinage, voisin, banc, fontaine, fleurissement, fleur, fleuri, fleurir,
    illumination, décoration, ambiance, embellissement, embellir, mobilier urbain, aire de
    jeux, jeux pour enfants, espace de jeux, toboggan, balançoire, table de pique-nique,
    pique-nique, terrasse, convivialité, convivial, fête, animation, guinguette, kiosque,
    fresque, peinture murale, street art, art urbain, œuvre d'art, sculpture, statue, lieu
    de vie, placette""",
    # solidarity, social action
    """solidarité, social, ccas, aide sociale, personne âgée, senior, handicap, handicapé,
    situation de handicap, accessibilité, précarité, pauvreté, sans-abri, isolement, maintien
    à domicile, ehpad""",
    # shops and local economy
    """commerce, commerçant, boutique, magasin, marché, emploi, entreprise, artisan,
    économie, zone d'activité""",
)


@functools.cache
def synonym_entries() -> tuple[tuple[str, ...], ...]:
    """SYNONYM_GROUPS as phrases, one tuple per group, in order."""
    return tuple(
        tuple(e.strip() for e in block.replace("\n", " ").split(",") if e.strip())
        for block in SYNONYM_GROUPS
    )
