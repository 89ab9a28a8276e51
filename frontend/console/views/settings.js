// Commune settings (admins): GET/PATCH /console/settings.

import { h, field, messageBox } from "../lib/dom.js";
import { get, patch, errorText } from "../lib/api.js";
import { settingsNav } from "../lib/settingsnav.js";

export async function render(ctx) {
  ctx.outlet.append(h("h1", null, "Réglages de la commune"), settingsNav("#/reglages"));
  const error = messageBox("error");
  ctx.outlet.append(error);
  let settings;
  try {
    settings = await get("/console/settings", null, ctx.signal);
  } catch (failure) {
    if (ctx.alive()) error.show(errorText(failure));
    return;
  }
  if (!ctx.alive()) return;
  const status = messageBox();
  const controls = {
    answerSlaDays: h("input", { type: "number", name: "answerSlaDays", min: "1", max: "60", step: "1", required: true, inputmode: "numeric", value: String(settings.answerSlaDays) }),
    escalationDays: h("input", { type: "number", name: "escalationDays", min: "1", max: "60", step: "1", required: true, inputmode: "numeric", value: String(settings.escalationDays) }),
    retentionDays: h("input", { type: "number", name: "retentionDays", min: "30", max: "3650", step: "1", required: true, inputmode: "numeric", value: String(settings.retentionDays) }),
    publicIndicators: h("input", { type: "checkbox", name: "publicIndicators", id: "reglage-indicateurs", checked: settings.publicIndicators }),
    comprehendEnabled: h("input", { type: "checkbox", name: "comprehendEnabled", id: "reglage-comprehend", checked: settings.comprehendEnabled }),
    bedrockEnabled: h("input", { type: "checkbox", name: "bedrockEnabled", id: "reglage-bedrock", checked: settings.bedrockEnabled !== false }),
    agentsMfaRequired: h("input", { type: "checkbox", name: "agentsMfaRequired", id: "reglage-mfa-agents", checked: !!settings.agentsMfaRequired, "aria-describedby": "aide-mfa-agents" }),
    allowedOrigins: h("textarea", { name: "allowedOrigins", rows: "3", spellcheck: "false", autocomplete: "off" }),
  };
  controls.allowedOrigins.value = (settings.allowedOrigins || []).join("\n");
  const origins = () => controls.allowedOrigins.value.split(/[\s,]+/).filter(Boolean);
  const form = h(
    "form",
    { class: "form form--narrow", novalidate: true },
    status,
    h(
      "fieldset",
      { class: "fieldset" },
      h("legend", null, "Délais"),
      field("Délai de réponse aux citoyens (jours ouvrés) *", controls.answerSlaDays, "De 1 à 60. S'applique aux nouveaux messages."),
      field("Escalade d'un avis négatif sans réponse (jours ouvrés) *", controls.escalationDays, "Au plus le délai de réponse. Le fil passe alors en priorité haute."),
    ),
    h(
      "fieldset",
      { class: "fieldset" },
      h("legend", null, "Données et publication"),
      field("Conservation des coordonnées des citoyens (jours) *", controls.retentionDays, "De 30 à 3 650 jours ; les coordonnées sont ensuite effacées."),
      h("div", { class: "field field--check" }, controls.publicIndicators, h("label", { for: "reglage-indicateurs" }, "Publier les indicateurs de la commune (volumes, sentiment, taux et délais de réponse)")),
      h("div", { class: "field field--check" }, controls.comprehendEnabled, h("label", { for: "reglage-comprehend" }, "Autoriser l'analyse des textes par Amazon Comprehend (sinon : modèle local uniquement)")),
      h("div", { class: "field field--check" }, controls.bedrockEnabled, h("label", { for: "reglage-bedrock" }, "Autoriser la rédaction des synthèses par Amazon Bedrock, à partir des textes masqués (sinon : phrases citées telles quelles)")),
    ),
    h(
      "fieldset",
      { class: "fieldset" },
      h("legend", null, "Sécurité des comptes"),
      h("div", { class: "field field--check" }, controls.agentsMfaRequired, h("label", { for: "reglage-mfa-agents" }, "Exiger la double authentification des agents")),
      h("p", { class: "hint", id: "aide-mfa-agents" }, "Les agents voient les coordonnées des citoyens et les e-mails d'origine : sans double authentification, ils pourront consulter les fils mais plus y répondre ni les modifier. Les administrateurs en ont toujours besoin ; les élus (lecture seule) jamais."),
    ),
    h(
      "fieldset",
      { class: "fieldset" },
      h("legend", null, "Sites de la commune"),
      field("Sites autorisés à utiliser le formulaire intégré", controls.allowedOrigins, "Une adresse par ligne, sans chemin : https://www.ma-commune.fr (20 au plus)."),
    ),
    h("div", { class: "form__actions" }, h("button", { type: "submit", class: "button" }, "Enregistrer les réglages")),
  );
  ctx.outlet.append(form);

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    status.hide();
    controls.allowedOrigins.removeAttribute("aria-invalid");
    const numbers = {};
    for (const name of ["answerSlaDays", "escalationDays", "retentionDays"]) {
      const control = controls[name];
      control.removeAttribute("aria-invalid");
      const value = Number(control.value);
      const min = Number(control.min);
      const max = Number(control.max);
      if (!Number.isInteger(value) || value < min || value > max) {
        control.setAttribute("aria-invalid", "true");
        status.show(`Valeur invalide : saisissez un nombre entier de ${min} à ${max}.`, "error");
        control.focus();
        return;
      }
      numbers[name] = value;
    }
    if (numbers.escalationDays > numbers.answerSlaDays) {
      controls.escalationDays.setAttribute("aria-invalid", "true");
      status.show("Le délai d'escalade ne peut pas dépasser le délai de réponse.", "error");
      controls.escalationDays.focus();
      return;
    }
    const body = {};
    for (const [name, value] of Object.entries(numbers)) if (value !== settings[name]) body[name] = value;
    for (const name of ["publicIndicators", "comprehendEnabled", "bedrockEnabled", "agentsMfaRequired"]) if (controls[name].checked !== !!settings[name]) body[name] = controls[name].checked;
    if (origins().join("\n") !== (settings.allowedOrigins || []).join("\n")) body.allowedOrigins = origins();
    if (!Object.keys(body).length) {
      status.show("Aucune modification à enregistrer.", "info");
      return;
    }
    try {
      settings = await patch("/console/settings", body);
      status.show("Réglages enregistrés.", "success");
    } catch (failure) {
      if (failure && failure.code === "invalid_origin") {
        controls.allowedOrigins.setAttribute("aria-invalid", "true");
        status.show("Adresse de site invalide : indiquez https:// suivi du nom du site, sans chemin (par exemple https://www.ma-commune.fr).", "error");
        controls.allowedOrigins.focus();
        return;
      }
      status.show(errorText(failure), "error");
    }
  });
}
