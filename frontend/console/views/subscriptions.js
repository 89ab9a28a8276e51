// One's own e-mail subscriptions: alerts (GET /console/alerts → subscribed, PUT
// /console/alerts/subscription) and the daily digest (GET/PUT /console/digest/subscription).

import { h, messageBox } from "../lib/dom.js";
import { get, put, errorText } from "../lib/api.js";
import { can } from "../lib/auth.js";

function toggle(id, labelText, hint) {
  const box = h("input", { type: "checkbox", id, "aria-describedby": `${id}-aide` });
  const wrap = h("div", { class: "field field--check" }, box, h("label", { for: id }, labelText), h("p", { class: "hint", id: `${id}-aide` }, hint));
  return { box, wrap };
}

export async function render(ctx) {
  ctx.outlet.append(h("h1", null, "Mes abonnements"));
  const status = messageBox();
  const error = messageBox("error");
  const alerts = toggle("abonnement-alertes-page", "Recevoir les nouvelles alertes par e-mail", "Hausse d'avis négatifs, baisse au baromètre, fils en retard ou escaladés : un e-mail par passage (toutes les heures au plus).");
  const digest = toggle(
    "abonnement-resume",
    "Recevoir le résumé quotidien de mes fils",
    "Chaque jour ouvré au matin : vos fils assignés encore ouverts, les fils en retard d'abord.",
  );
  const form = h(
    "form",
    { class: "form form--narrow", novalidate: true },
    h("fieldset", { class: "fieldset" }, h("legend", null, "E-mails que je reçois"), alerts.wrap, can("edit") ? digest.wrap : null),
    status,
  );
  ctx.outlet.append(error, form);
  try {
    const [alertList, digestState] = await Promise.all([
      get("/console/alerts", { limit: 1 }, ctx.signal),
      can("edit") ? get("/console/digest/subscription", null, ctx.signal) : Promise.resolve({ subscribed: false }),
    ]);
    if (!ctx.alive()) return;
    alerts.box.checked = !!alertList.subscribed;
    digest.box.checked = !!digestState.subscribed;
  } catch (failure) {
    if (ctx.alive()) error.show(errorText(failure));
    return;
  }
  const wire = (box, path, on, off) =>
    box.addEventListener("change", async () => {
      box.disabled = true;
      try {
        const result = await put(path, { subscribed: box.checked });
        box.checked = !!result.subscribed;
        status.show(result.subscribed ? on : off, "success");
      } catch (failure) {
        box.checked = !box.checked;
        status.show(errorText(failure), "error");
      } finally {
        box.disabled = false;
      }
    });
  wire(alerts.box, "/console/alerts/subscription", "Abonné·e aux alertes par e-mail.", "Vous ne recevrez plus les alertes par e-mail.");
  wire(digest.box, "/console/digest/subscription", "Abonné·e au résumé quotidien.", "Vous ne recevrez plus le résumé quotidien.");
}
