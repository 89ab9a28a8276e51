// A page the role does not allow.

import { h } from "../lib/dom.js";

export function render(ctx) {
  ctx.outlet.append(
    h("h1", null, "Accès refusé"),
    h("p", null, "Votre rôle ne permet pas d'ouvrir cette page. Demandez à l'administrateur de votre commune si vous en avez besoin."),
    h("p", null, h("a", { href: "#/tableau-de-bord" }, "Aller au tableau de bord")),
  );
}
