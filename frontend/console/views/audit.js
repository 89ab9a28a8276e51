// Audit log (admins): GET /console/audit?actor=staff|all&limit&cursor, newest first.

import { h, messageBox, field, select } from "../lib/dom.js";
import { get, errorText } from "../lib/api.js";
import { replaceQuery } from "../lib/router.js";
import { ACTIVITY, ACTOR, dateTime, timeElement } from "../lib/format.js";

const DETAIL_LABELS = {
  status: "statut",
  assignee: "assigné à",
  theme: "thème",
  sentiment: "sentiment",
  service: "service",
  tags: "étiquettes",
  priority: "priorité",
  visibility: "visibilité",
  into: "fusionné dans",
  setting: "réglage",
  toxic: "injurieux",
  pii: "données personnelles",
  message: "message",
  channel: "canal",
  decision: "décision",
  member: "membre",
  role: "rôle",
  kind: "type",
  format: "format",
  threads: "fils concernés",
  exports: "fichiers d'export supprimés",
  reason: "motif",
};

const VALUE_LABELS = {
  reason: { request: "demande du citoyen ou d'un administrateur", retention: "durée de conservation échue" },
};

function detailsText(details) {
  const entries = Object.entries(details || {});
  if (!entries.length) return "—";
  return entries
    .map(([key, raw]) => [key, (VALUE_LABELS[key] && VALUE_LABELS[key][raw]) || raw])
    .map(([key, value]) => `${DETAIL_LABELS[key] || key} : ${value === true ? "oui" : value === false ? "non" : value === null ? "—" : value}`)
    .join(" ; ");
}

export async function render(ctx) {
  ctx.outlet.append(h("h1", null, "Journal d'audit"));
  const actor = ctx.query.get("auteurs") === "equipe" ? "staff" : "all";
  const choice = select("actor", [["all", "Tout le monde (citoyens et système compris)"], ["staff", "L'équipe seulement"]], actor);
  const form = h("form", { class: "filters", role: "search", "aria-label": "Filtrer le journal" }, h("div", { class: "filters__grid" }, field("Actions de", choice)), h("div", { class: "filters__actions" }, h("button", { type: "submit", class: "button" }, "Afficher")));
  const error = messageBox("error");
  const status = h("p", { class: "list-status", role: "status" }, "Chargement du journal…");
  const body = h("tbody");
  const table = h(
    "table",
    { class: "data-table data-table--wide" },
    h("caption", null, "Qui a fait quoi et quand, les plus récentes d'abord (conservé 400 jours)"),
    h("thead", null, h("tr", null, ["Date", "Auteur", "Action", "Fil", "Détails"].map((text) => h("th", { scope: "col" }, text)))),
    body,
  );
  const more = h("button", { type: "button", class: "button button--secondary", hidden: true }, "Plus d'entrées");
  ctx.outlet.append(
    h("p", null, "Les entrées contiennent des identifiants et les valeurs saisies par l'équipe, jamais ce qu'ont écrit les citoyens ni qui ils sont."),
    form,
    error,
    status,
    h("div", { class: "table-scroll", tabindex: "0", role: "region", "aria-label": "Journal d'audit" }, table),
    h("div", { class: "list-more" }, more),
  );
  let cursor = null;
  let count = 0;

  async function load() {
    more.disabled = true;
    try {
      const page = await get("/console/audit", { actor: choice.value, limit: 50, cursor }, ctx.signal);
      if (!ctx.alive()) return;
      for (const entry of page.items) {
        body.append(
          h(
            "tr",
            null,
            h("th", { scope: "row" }, timeElement(entry.at, dateTime(entry.at))),
            h("td", null, ACTOR[entry.actor] || entry.actor),
            h("td", null, ACTIVITY[entry.kind] || entry.kind),
            h("td", null, entry.threadId ? h("a", { href: `#/fils/${encodeURIComponent(entry.threadId)}` }, h("code", null, entry.threadId)) : "—"),
            h("td", null, detailsText(entry.details)),
          ),
        );
      }
      count += page.items.length;
      cursor = page.nextCursor;
      more.hidden = !cursor;
      status.textContent = count ? `${count} entrée${count > 1 ? "s" : ""} affichée${count > 1 ? "s" : ""}${cursor ? " ; d'autres peuvent être chargées" : ""}.` : "Aucune entrée.";
    } catch (failure) {
      if (!ctx.alive()) return;
      status.textContent = "";
      error.show(errorText(failure));
    } finally {
      more.disabled = false;
    }
  }
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    replaceQuery("/journal", { auteurs: choice.value === "staff" ? "equipe" : "" });
    body.replaceChildren();
    cursor = null;
    count = 0;
    load();
  });
  more.addEventListener("click", load);
  await load();
}
