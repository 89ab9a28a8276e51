// An unknown address inside the console.

import { h } from "../lib/dom.js";

export function render(ctx) {
  ctx.outlet.append(
    h("h1", null, "Page introuvable"),
    h("p", null, "Cette adresse ne correspond à aucune page de la console."),
    h("p", null, h("a", { href: "#/boite" }, "Aller à la boîte de réception")),
  );
}
