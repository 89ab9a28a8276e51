// The sub-navigation of the admins' settings pages.

import { h } from "./dom.js";

const PAGES = [
  ["#/reglages", "Général"],
  ["#/reglages/services", "Services et aiguillage"],
  ["#/reglages/canaux", "Canaux de contact"],
  ["#/reglages/referentiel", "Thèmes et quartiers"],
  ["#/reglages/equipe", "Équipe"],
  ["#/modeles", "Modèles de réponse"],
  ["#/abonnements", "Mes abonnements"],
];

export function settingsNav(currentHash) {
  return h(
    "nav",
    { class: "subnav", "aria-label": "Rubriques des réglages" },
    h(
      "ul",
      null,
      PAGES.map(([hash, text]) => h("li", null, h("a", { href: hash, "aria-current": hash === currentHash ? "page" : null }, text))),
    ),
  );
}
