// Services and routing rules (admins): GET/PUT /console/services, GET/PUT /console/rules.

import { h, field, messageBox, announce, uid } from "../lib/dom.js";
import { get, put, errorText } from "../lib/api.js";
import { commune, forgetServices } from "../lib/commune.js";
import { CHANNEL } from "../lib/format.js";
import { settingsNav } from "../lib/settingsnav.js";

const SERVICE_ID = /^[a-z0-9][a-z0-9-]{0,39}$/;

function slugify(text) {
  return text
    .normalize("NFD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 40);
}

function checkboxes(legend, name, options, checked) {
  const boxes = options.map(([value, text]) => {
    const id = uid(name);
    return h("div", { class: "field field--check" }, h("input", { type: "checkbox", id, name, value, checked: checked.includes(value) }), h("label", { for: id }, text));
  });
  return h("fieldset", { class: "fieldset fieldset--compact" }, h("legend", null, legend), h("div", { class: "check-grid" }, boxes));
}

export async function render(ctx) {
  ctx.outlet.append(h("h1", null, "Services et aiguillage"), settingsNav("#/reglages/services"));
  const error = messageBox("error");
  ctx.outlet.append(error);
  let servicesData;
  let rulesData;
  try {
    [servicesData, rulesData] = await Promise.all([get("/console/services", null, ctx.signal), get("/console/rules", null, ctx.signal)]);
  } catch (failure) {
    if (ctx.alive()) error.show(errorText(failure));
    return;
  }
  const info = await commune();
  if (!ctx.alive()) return;

  // ---- services ----------------------------------------------------------------------------
  const servicesStatus = messageBox();
  const servicesList = h("ol", { class: "editable-list" });
  const addService = h("button", { type: "button", class: "button button--secondary" }, "Ajouter un service");
  const servicesForm = h(
    "form",
    { class: "form", novalidate: true },
    servicesStatus,
    servicesList,
    h("div", { class: "form__actions" }, addService, h("button", { type: "submit", class: "button" }, "Enregistrer les services")),
  );

  function renumber(list, noun) {
    [...list.children].forEach((item, index) => {
      const legend = item.querySelector("legend");
      if (legend) legend.textContent = `${noun} ${index + 1}`;
    });
  }

  function serviceRow(service = { id: "", label: "", email: "" }) {
    const id = h("input", { type: "text", name: "id", value: service.id, maxlength: "40", autocomplete: "off", spellcheck: "false" });
    const label = h("input", { type: "text", name: "label", value: service.label, maxlength: "100", autocomplete: "off" });
    const email = h("input", { type: "email", name: "email", value: service.email || "", maxlength: "254", autocomplete: "off" });
    label.addEventListener("input", () => {
      if (!id.dataset.touched && !service.id) id.value = slugify(label.value);
    });
    id.addEventListener("input", () => {
      id.dataset.touched = "1";
    });
    const remove = h("button", { type: "button", class: "button button--small button--danger" }, "Retirer ce service");
    const item = h(
      "li",
      { class: "editable-item" },
      h(
        "fieldset",
        { class: "fieldset" },
        h("legend", null, "Service"),
        h(
          "div",
          { class: "filters__grid" },
          field("Libellé *", label),
          field("Identifiant *", id, "Minuscules, chiffres et tirets ; ne change plus une fois utilisé."),
          field("Boîte e-mail du service", email, "Facultatif : reçoit les alertes d'escalade."),
        ),
        remove,
      ),
    );
    remove.addEventListener("click", () => {
      const next = item.nextElementSibling || item.previousElementSibling;
      item.remove();
      renumber(servicesList, "Service");
      announce("Service retiré de la liste (enregistrez pour confirmer).");
      (next ? next.querySelector("input") : addService).focus();
    });
    return item;
  }
  for (const service of servicesData.items || []) servicesList.append(serviceRow(service));
  renumber(servicesList, "Service");
  addService.addEventListener("click", () => {
    const row = serviceRow();
    servicesList.append(row);
    renumber(servicesList, "Service");
    row.querySelector("input").focus();
  });

  function readServices() {
    const items = [];
    for (const item of servicesList.children) {
      const [label, id, email] = ["label", "id", "email"].map((name) => item.querySelector(`[name=${name}]`));
      [label, id, email].forEach((control) => control.removeAttribute("aria-invalid"));
      if (!label.value.trim()) return { invalid: label, message: "Chaque service a un libellé." };
      if (!SERVICE_ID.test(id.value.trim())) return { invalid: id, message: "Identifiant invalide : de 1 à 40 minuscules, chiffres ou tirets, sans tiret au début." };
      if (email.value.trim() && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email.value.trim())) return { invalid: email, message: "Adresse e-mail invalide." };
      const entry = { id: id.value.trim(), label: label.value.trim() };
      if (email.value.trim()) entry.email = email.value.trim();
      items.push(entry);
    }
    const ids = items.map((item) => item.id);
    if (new Set(ids).size !== ids.length) return { message: "Deux services ont le même identifiant." };
    return { items };
  }

  servicesForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    servicesStatus.hide();
    const result = readServices();
    if (!result.items) {
      if (result.invalid) result.invalid.setAttribute("aria-invalid", "true");
      servicesStatus.show(result.message, "error");
      if (result.invalid) result.invalid.focus();
      return;
    }
    try {
      servicesData = await put("/console/services", { items: result.items });
      forgetServices();
      servicesStatus.show("Services enregistrés.", "success");
      refreshRuleServices();
    } catch (failure) {
      servicesStatus.show(errorText(failure), "error");
    }
  });

  // ---- rules ---------------------------------------------------------------------------------
  const rulesStatus = messageBox();
  const rulesList = h("ol", { class: "editable-list" });
  const addRule = h("button", { type: "button", class: "button button--secondary" }, "Ajouter une règle");
  const rulesForm = h(
    "form",
    { class: "form", novalidate: true },
    rulesStatus,
    h("p", { class: "hint" }, "Chaque nouveau fil est confronté aux règles dans l'ordre : la première qui correspond lui donne son service. Une règle a au moins un critère ; les mots-clés ignorent majuscules et accents."),
    rulesList,
    h("div", { class: "form__actions" }, addRule, h("button", { type: "submit", class: "button" }, "Enregistrer les règles")),
  );

  function serviceOptions(select, selected) {
    select.replaceChildren(h("option", { value: "" }, "Choisir un service…"), ...(servicesData.items || []).map((service) => h("option", { value: service.id, selected: service.id === selected }, service.label)));
    if (selected) select.value = selected;
  }

  function ruleRow(rule = { service: "", themes: [], quartiers: [], channels: [], keywords: [] }) {
    const service = h("select", { name: "service" });
    serviceOptions(service, rule.service);
    const keywords = h("input", { type: "text", name: "keywords", value: (rule.keywords || []).join(", "), autocomplete: "off" });
    const up = h("button", { type: "button", class: "button button--small button--secondary" }, "Monter");
    const down = h("button", { type: "button", class: "button button--small button--secondary" }, "Descendre");
    const remove = h("button", { type: "button", class: "button button--small button--danger" }, "Retirer cette règle");
    const item = h(
      "li",
      { class: "editable-item" },
      h(
        "fieldset",
        { class: "fieldset" },
        h("legend", null, "Règle"),
        field("Service destinataire *", service),
        checkboxes("Thèmes", "themes", (info.themes || []).map((theme) => [theme.id, theme.label]), rule.themes || []),
        checkboxes("Quartiers", "quartiers", (info.quartiers || []).map((quartier) => [quartier.id, quartier.label]), rule.quartiers || []),
        checkboxes("Canaux", "channels", Object.entries(CHANNEL), rule.channels || []),
        field("Mots-clés", keywords, "Séparés par des virgules ; de 2 à 60 caractères chacun."),
        h("div", { class: "form__actions" }, up, down, remove),
      ),
    );
    up.addEventListener("click", () => {
      if (item.previousElementSibling) {
        item.previousElementSibling.before(item);
        renumber(rulesList, "Règle");
        up.focus();
        announce(`Règle déplacée en position ${[...rulesList.children].indexOf(item) + 1}.`);
      }
    });
    down.addEventListener("click", () => {
      if (item.nextElementSibling) {
        item.nextElementSibling.after(item);
        renumber(rulesList, "Règle");
        down.focus();
        announce(`Règle déplacée en position ${[...rulesList.children].indexOf(item) + 1}.`);
      }
    });
    remove.addEventListener("click", () => {
      const next = item.nextElementSibling || item.previousElementSibling;
      item.remove();
      renumber(rulesList, "Règle");
      announce("Règle retirée de la liste (enregistrez pour confirmer).");
      (next ? next.querySelector("select") : addRule).focus();
    });
    return item;
  }
  function refreshRuleServices() {
    for (const select of rulesList.querySelectorAll("select[name=service]")) serviceOptions(select, select.value);
  }
  for (const rule of rulesData.items || []) rulesList.append(ruleRow(rule));
  renumber(rulesList, "Règle");
  addRule.addEventListener("click", () => {
    const row = ruleRow();
    rulesList.append(row);
    renumber(rulesList, "Règle");
    row.querySelector("select").focus();
  });

  rulesForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    rulesStatus.hide();
    const items = [];
    for (const item of rulesList.children) {
      const service = item.querySelector("select[name=service]");
      const keywordsInput = item.querySelector("[name=keywords]");
      service.removeAttribute("aria-invalid");
      keywordsInput.removeAttribute("aria-invalid");
      const picked = (name) => [...item.querySelectorAll(`input[name=${name}]:checked`)].map((box) => box.value);
      const keywords = keywordsInput.value.split(",").map((word) => word.trim()).filter(Boolean);
      const rule = { service: service.value, themes: picked("themes"), quartiers: picked("quartiers"), channels: picked("channels"), keywords };
      let problem = null;
      if (!rule.service) problem = [service, "Chaque règle désigne un service."];
      else if (!rule.themes.length && !rule.quartiers.length && !rule.channels.length && !keywords.length) problem = [keywordsInput, "Chaque règle a au moins un critère (thème, quartier, canal ou mot-clé)."];
      else if (keywords.some((word) => word.length < 2 || word.length > 60)) problem = [keywordsInput, "Un mot-clé compte de 2 à 60 caractères."];
      if (problem) {
        problem[0].setAttribute("aria-invalid", "true");
        rulesStatus.show(`${item.querySelector("legend").textContent} : ${problem[1]}`, "error");
        problem[0].focus();
        return;
      }
      items.push(rule);
    }
    try {
      rulesData = await put("/console/rules", { items });
      rulesStatus.show("Règles d'aiguillage enregistrées.", "success");
    } catch (failure) {
      rulesStatus.show(errorText(failure), "error");
    }
  });

  ctx.outlet.append(
    h("section", { class: "panel", "aria-labelledby": "titre-services" }, h("h2", { id: "titre-services" }, "Services de la mairie"), servicesForm),
    h("section", { class: "panel", "aria-labelledby": "titre-regles" }, h("h2", { id: "titre-regles" }, "Règles d'aiguillage"), rulesForm),
  );
}
