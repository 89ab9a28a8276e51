// Alerts: GET /console/alerts?active=, POST …/{id}/acknowledgement (agents, admins),
// PUT /console/alerts/subscription (everyone).

import { h, messageBox, announce, dataTable, scrollBox } from "../lib/dom.js";
import { get, post, put, errorText } from "../lib/api.js";
import { can } from "../lib/auth.js";
import { replaceQuery } from "../lib/router.js";
import { ALERT_KIND, dateTime, timeElement } from "../lib/format.js";
import { topicHash } from "../lib/topics.js";

function stateOf(alert) {
  if (alert.resolvedAt) return "Résolue";
  if (alert.acknowledgedAt) return `Prise en charge par ${alert.acknowledgedBy || "un membre de l'équipe"}`;
  return "Active";
}

export async function render(ctx) {
  ctx.outlet.append(h("h1", null, "Alertes"));
  const showAll = ctx.query.get("toutes") === "1";
  const error = messageBox("error");
  const status = h("p", { class: "list-status", role: "status" }, "Chargement des alertes…");
  const subscription = h("input", { type: "checkbox", id: "abonnement-alertes" });
  const subscriptionStatus = messageBox();
  const allToggle = h("input", { type: "checkbox", id: "toutes-alertes", checked: showAll });
  const container = h("div");
  ctx.outlet.append(
    h(
      "p",
      null,
      "Concerto signale chaque heure les hausses d'avis négatifs, les baisses au baromètre, les fils en retard et les avis négatifs restés sans réponse.",
    ),
    h(
      "section",
      { class: "panel", "aria-labelledby": "titre-abonnement-alertes" },
      h("h2", { id: "titre-abonnement-alertes" }, "Recevoir les alertes par e-mail"),
      h("div", { class: "field field--check" }, subscription, h("label", { for: "abonnement-alertes" }, "M'envoyer un e-mail pour chaque nouvelle alerte")),
      subscriptionStatus,
    ),
    h("div", { class: "field field--check" }, allToggle, h("label", { for: "toutes-alertes" }, "Afficher aussi les alertes prises en charge ou résolues")),
    error,
    status,
    container,
  );

  subscription.addEventListener("change", async () => {
    subscription.disabled = true;
    try {
      const result = await put("/console/alerts/subscription", { subscribed: subscription.checked });
      subscription.checked = result.subscribed;
      subscriptionStatus.show(result.subscribed ? "Vous recevrez les nouvelles alertes par e-mail." : "Vous ne recevrez plus les alertes par e-mail.", "success");
    } catch (failure) {
      subscription.checked = !subscription.checked;
      subscriptionStatus.show(errorText(failure), "error");
    } finally {
      subscription.disabled = false;
    }
  });

  async function load() {
    status.textContent = "Chargement des alertes…";
    try {
      const data = await get("/console/alerts", { active: allToggle.checked ? "false" : "true", limit: 100 }, ctx.signal);
      if (!ctx.alive()) return;
      subscription.checked = !!data.subscribed;
      const rows = data.items || [];
      const table = dataTable(
        allToggle.checked ? "Toutes les alertes, les plus récentes d'abord" : "Alertes actives, les plus récentes d'abord",
        [
          { label: "Alerte", cell: (alert) => [h("span", { class: "alert-kind" }, ALERT_KIND[alert.kind] || alert.kind), h("br"), alert.title] },
          { label: "Levée le", cell: (alert) => timeElement(alert.raisedAt, dateTime(alert.raisedAt)) },
          { label: "État", cell: (alert) => stateOf(alert) },
          { label: "Envoyée par e-mail", cell: (alert) => (alert.notifiedAt ? dateTime(alert.notifiedAt) : "Non") },
          {
            label: "Actions",
            cell: (alert) => {
              const actions = [];
              if (alert.figures && typeof alert.figures.thread === "string" && /^[0-9a-z]{10,40}$/i.test(alert.figures.thread)) {
                actions.push(h("a", { href: `#/fils/${encodeURIComponent(alert.figures.thread)}` }, "Ouvrir le fil"), " ");
              }
              if (alert.figures && topicHash(alert.figures.topic)) {
                actions.push(h("a", { href: topicHash(alert.figures.topic), "aria-label": `Voir le sujet : ${alert.title}` }, "Voir le sujet"), " ");
              }
              if (alert.active && can("edit")) {
                const button = h("button", { type: "button", class: "button button--small", "aria-label": `Prendre en charge : ${alert.title}` }, "Prendre en charge");
                button.addEventListener("click", async () => {
                  button.disabled = true;
                  try {
                    await post(`/console/alerts/${encodeURIComponent(alert.id)}/acknowledgement`);
                    announce("Alerte prise en charge.");
                    await load();
                    status.focus();
                  } catch (failure) {
                    button.disabled = false;
                    error.show(errorText(failure));
                  }
                });
                actions.push(button);
              }
              return actions.length ? actions : "—";
            },
          },
        ],
        rows,
        { empty: allToggle.checked ? "Aucune alerte." : "Aucune alerte active." },
      );
      container.replaceChildren(scrollBox(table, "Tableau des alertes"));
      status.textContent = `${rows.length} alerte${rows.length > 1 ? "s" : ""}${allToggle.checked ? "" : ` active${rows.length > 1 ? "s" : ""}`}.`;
    } catch (failure) {
      if (!ctx.alive()) return;
      status.textContent = "";
      error.show(errorText(failure));
    }
  }
  status.setAttribute("tabindex", "-1");
  allToggle.addEventListener("change", () => {
    replaceQuery("/alertes", { toutes: allToggle.checked ? "1" : "" });
    load();
  });
  await load();
}
