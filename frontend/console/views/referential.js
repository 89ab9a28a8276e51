// Themes and quartiers (admins): GET /console/commune, PUT /console/commune/themes,
// PUT /console/commune/quartiers. A friendly message while the server lacks them.

import { h, field, messageBox, announce, uid } from "../lib/dom.js";
import { get, put, errorText, ApiError } from "../lib/api.js";
import { commune, forget } from "../lib/commune.js";
import { settingsNav } from "../lib/settingsnav.js";

const ID = /^[a-z0-9][a-z0-9-]{0,63}$/;

function slugify(text) {
  return text
    .normalize("NFD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 64);
}

function editor({ noun, items, withDetails, listLabel }) {
  const list = h("ol", { class: "editable-list", "aria-label": listLabel });
  const add = h("button", { type: "button", class: "button button--secondary" }, `Ajouter un ${noun}`);
  const renumber = () =>
    [...list.children].forEach((item, index) => {
      item.querySelector("legend").textContent = `${noun[0].toUpperCase()}${noun.slice(1)} ${index + 1}`;
    });
  function row(entry = { id: "", label: "", keywords: [], description: "" }) {
    const label = h("input", { type: "text", name: "label", value: entry.label, maxlength: "80", autocomplete: "off" });
    const id = h("input", { type: "text", name: "id", value: entry.id, maxlength: "64", autocomplete: "off", spellcheck: "false" });
    if (entry.id) id.readOnly = true;
    label.addEventListener("input", () => {
      if (!entry.id && !id.dataset.touched) id.value = slugify(label.value);
    });
    id.addEventListener("input", () => {
      id.dataset.touched = "1";
    });
    const keywords = withDetails ? h("input", { type: "text", name: "keywords", value: (entry.keywords || []).join(", "), autocomplete: "off" }) : null;
    const description = withDetails ? h("textarea", { name: "description", rows: "2", maxlength: "300" }, entry.description || "") : null;
    const remove = h("button", { type: "button", class: "button button--small button--danger" }, `Retirer ce ${noun}`);
    const item = h(
      "li",
      { class: "editable-item" },
      h(
        "fieldset",
        { class: "fieldset" },
        h("legend", null, noun),
        h(
          "div",
          { class: "filters__grid" },
          field("Libellé *", label, "De 1 à 80 caractères."),
          field("Identifiant *", id, entry.id ? "Ne change pas : les fils existants le gardent." : "Minuscules, chiffres et tirets."),
        ),
        withDetails ? field("Mots-clés", keywords, "Séparés par des virgules (30 au plus, de 2 à 40 caractères) : aident à classer les avis.") : null,
        withDetails ? field("Description", description, "300 caractères au plus.") : null,
        remove,
      ),
    );
    remove.addEventListener("click", () => {
      const next = item.nextElementSibling || item.previousElementSibling;
      item.remove();
      renumber();
      announce(`${noun[0].toUpperCase()}${noun.slice(1)} retiré de la liste (enregistrez pour confirmer).`);
      (next ? next.querySelector("input") : add).focus();
    });
    return item;
  }
  for (const entry of items) list.append(row(entry));
  renumber();
  add.addEventListener("click", () => {
    const item = row();
    list.append(item);
    renumber();
    item.querySelector("input").focus();
  });
  function read() {
    const result = [];
    for (const item of list.children) {
      const q = (name) => item.querySelector(`[name=${name}]`);
      item.querySelectorAll("input, textarea").forEach((control) => control.removeAttribute("aria-invalid"));
      const label = q("label").value.trim();
      const id = q("id").value.trim();
      if (!label) return { invalid: q("label"), message: "Chaque élément a un libellé." };
      if (!ID.test(id)) return { invalid: q("id"), message: "Identifiant invalide : minuscules, chiffres et tirets." };
      if (withDetails && id === "a-classer") return { invalid: q("id"), message: "L'identifiant « a-classer » est réservé." };
      const entry = { id, label };
      if (withDetails) {
        entry.keywords = q("keywords").value.split(",").map((word) => word.trim()).filter(Boolean);
        entry.description = q("description").value.trim();
        if (entry.keywords.length > 30 || entry.keywords.some((word) => word.length < 2 || word.length > 40)) {
          return { invalid: q("keywords"), message: "Mots-clés : 30 au plus, de 2 à 40 caractères chacun." };
        }
      }
      result.push(entry);
    }
    const ids = result.map((entry) => entry.id);
    if (new Set(ids).size !== ids.length) return { message: "Deux éléments ont le même identifiant." };
    return { items: result };
  }
  return { list, add, read };
}

export async function render(ctx) {
  ctx.outlet.append(h("h1", null, "Thèmes et quartiers"), settingsNav("#/reglages/referentiel"));
  const error = messageBox("error");
  ctx.outlet.append(error);
  let data;
  try {
    data = await get("/console/commune", null, ctx.signal);
  } catch (failure) {
    if (!ctx.alive()) return;
    if (failure instanceof ApiError && failure.unavailable) {
      const info = await commune();
      ctx.outlet.append(
        h(
          "p",
          { class: "message-box message-box--info" },
          "La modification des thèmes et des quartiers arrive bientôt : ce serveur ne la propose pas encore. En attendant, voici les listes actuelles.",
        ),
        h(
          "section",
          { class: "panel", "aria-labelledby": "titre-themes-lecture" },
          h("h2", { id: "titre-themes-lecture" }, "Thèmes"),
          h("ul", { class: "plain-list" }, (info.themes || []).map((theme) => h("li", null, theme.label))),
        ),
        h(
          "section",
          { class: "panel", "aria-labelledby": "titre-quartiers-lecture" },
          h("h2", { id: "titre-quartiers-lecture" }, "Quartiers"),
          h("ul", { class: "plain-list" }, (info.quartiers || []).map((quartier) => h("li", null, quartier.label))),
        ),
      );
      return;
    }
    error.show(errorText(failure));
    return;
  }
  if (!ctx.alive()) return;

  const sections = [
    ["themes", "thème", "Thèmes proposés aux citoyens", data.themes || [], true],
    ["quartiers", "quartier", "Quartiers", data.quartiers || [], false],
  ].map(([key, noun, title, items, withDetails]) => {
    const status = messageBox();
    const headingId = uid(`titre-${key}`);
    const edit = editor({ noun, items, withDetails, listLabel: title });
    const form = h(
      "form",
      { class: "form", novalidate: true },
      status,
      edit.list,
      h("div", { class: "form__actions" }, edit.add, h("button", { type: "submit", class: "button" }, `Enregistrer les ${noun}s`)),
    );
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      status.hide();
      const result = edit.read();
      if (!result.items) {
        if (result.invalid) {
          result.invalid.setAttribute("aria-invalid", "true");
          result.invalid.focus();
        }
        status.show(result.message, "error");
        return;
      }
      if (key === "themes" && !result.items.length) {
        status.show("Il faut au moins un thème.", "error");
        return;
      }
      try {
        await put(`/console/commune/${key}`, { [key]: result.items });
        forget();
        status.show(`${noun[0].toUpperCase()}${noun.slice(1)}s enregistrés.`, "success");
      } catch (failure) {
        status.show(failure instanceof ApiError && failure.unavailable ? "Ce serveur ne permet pas encore cette modification." : errorText(failure), "error");
      }
    });
    return h("section", { class: "panel", "aria-labelledby": headingId }, h("h2", { id: headingId }, title), form);
  });
  ctx.outlet.append(
    h("p", null, `Commune : ${data.name || ""}${data.slug ? ` (adresse publique /${data.slug})` : ""}. Les fils gardent l'identifiant de leur thème ; un thème ou un quartier utilisé par une règle d'aiguillage ne peut pas être retiré.`),
    ...sections,
  );
}
