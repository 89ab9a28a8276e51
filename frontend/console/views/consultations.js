// Consultations: GET /console/consultations; admins create one with POST /console/consultations.

import { h, field, select, messageBox, dataTable, scrollBox, uid } from "../lib/dom.js";
import { get, post, errorText } from "../lib/api.js";
import { can } from "../lib/auth.js";
import { commune, themeOptions, themeLabel, quartierLabel } from "../lib/commune.js";
import { longDay, isoDay, addDays } from "../lib/format.js";

export async function render(ctx) {
  ctx.outlet.append(h("h1", null, "Concertations"));
  const error = messageBox("error");
  const status = h("p", { class: "list-status", role: "status" }, "Chargement des concertations…");
  const listBox = h("div");
  ctx.outlet.append(
    h("p", null, "Une concertation pose une question aux habitants pendant une période donnée (choix proposés et/ou réponse libre)."),
    error,
    h("section", { class: "panel", "aria-labelledby": "titre-liste-concertations" }, h("h2", { id: "titre-liste-concertations" }, "Concertations de la commune"), status, listBox),
  );
  const info = await commune();
  if (!ctx.alive()) return;

  async function load() {
    try {
      const data = await get("/console/consultations", null, ctx.signal);
      if (!ctx.alive()) return;
      const rows = data.items || [];
      const table = dataTable(
        "Concertations, avec leurs dates et leur état",
        [
          { label: "Titre", cell: (item) => h("a", { href: `#/consultations/${encodeURIComponent(item.id)}` }, item.title) },
          { label: "Thème", cell: (item) => themeLabel(info, item.theme) },
          { label: "Période", cell: (item) => `du ${longDay(item.opensOn)} au ${longDay(item.closesOn)}` },
          { label: "Quartiers", cell: (item) => (item.quartiers && item.quartiers.length ? item.quartiers.map((id) => quartierLabel(info, id)).join(", ") : "Toute la commune") },
          { label: "État", cell: (item) => (item.open ? "Ouverte" : "Fermée") },
        ],
        rows,
        { empty: "Aucune concertation pour l'instant." },
      );
      listBox.replaceChildren(scrollBox(table, "Tableau des concertations"));
      status.textContent = `${rows.length} concertation${rows.length > 1 ? "s" : ""}.`;
    } catch (failure) {
      if (!ctx.alive()) return;
      status.textContent = "";
      error.show(errorText(failure));
    }
  }

  if (can("admin")) {
    const today = isoDay();
    const formStatus = messageBox();
    const controls = {
      title: h("input", { type: "text", name: "title", required: true, minlength: "3", maxlength: "200" }),
      question: h("textarea", { name: "question", rows: "3", required: true, minlength: "3", maxlength: "1000" }),
      theme: select("theme", themeOptions(info, { withUnclassified: false }), ""),
      opensOn: h("input", { type: "date", name: "opensOn", value: today, required: true }),
      closesOn: h("input", { type: "date", name: "closesOn", value: addDays(today, 30), required: true }),
      choices: h("textarea", { name: "choices", rows: "4" }),
    };
    const quartierBoxes = (info.quartiers || []).map((quartier) => {
      const id = uid("quartier");
      return h("div", { class: "field field--check" }, h("input", { type: "checkbox", id, value: quartier.id, name: "quartiers" }), h("label", { for: id }, quartier.label));
    });
    const form = h(
      "form",
      { class: "form", novalidate: true },
      formStatus,
      h("p", { class: "hint" }, "Les champs marqués d'un astérisque (*) sont obligatoires."),
      field("Titre *", controls.title, "De 3 à 200 caractères."),
      field("Question posée aux habitants *", controls.question, "De 3 à 1 000 caractères."),
      field("Thème *", controls.theme),
      h("div", { class: "filters__grid" }, field("Ouverture le *", controls.opensOn, "Format : jj/mm/aaaa"), field("Clôture le *", controls.closesOn, "Format : jj/mm/aaaa")),
      field("Choix proposés", controls.choices, "Un choix par ligne ; laisser vide pour une réponse libre seulement."),
      quartierBoxes.length
        ? h("fieldset", { class: "fieldset" }, h("legend", null, "Quartiers concernés (aucun coché : toute la commune)"), h("div", { class: "check-grid" }, quartierBoxes))
        : null,
      h("div", { class: "form__actions" }, h("button", { type: "submit", class: "button" }, "Créer la concertation")),
    );
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      formStatus.hide();
      for (const control of Object.values(controls)) control.removeAttribute("aria-invalid");
      const title = controls.title.value.trim();
      const question = controls.question.value.trim();
      const invalid = title.length < 3 ? [controls.title, "Le titre doit compter au moins 3 caractères."] : question.length < 3 ? [controls.question, "La question doit compter au moins 3 caractères."] : !controls.opensOn.value || !controls.closesOn.value || controls.opensOn.value > controls.closesOn.value ? [controls.opensOn, "Dates invalides : l'ouverture doit précéder la clôture."] : null;
      if (invalid) {
        invalid[0].setAttribute("aria-invalid", "true");
        formStatus.show(invalid[1], "error");
        invalid[0].focus();
        return;
      }
      const body = {
        title,
        question,
        theme: controls.theme.value,
        opensOn: controls.opensOn.value,
        closesOn: controls.closesOn.value,
        choices: controls.choices.value.split("\n").map((line) => line.trim()).filter(Boolean),
        quartiers: [...form.querySelectorAll("input[name=quartiers]:checked")].map((box) => box.value),
      };
      try {
        const created = await post("/console/consultations", body);
        formStatus.show(`Concertation « ${created.title} » créée.`, "success");
        form.reset();
        await load();
      } catch (failure) {
        formStatus.show(errorText(failure), "error");
      }
    });
    ctx.outlet.append(h("section", { class: "panel", "aria-labelledby": "titre-nouvelle-concertation" }, h("h2", { id: "titre-nouvelle-concertation" }, "Nouvelle concertation"), form));
  }
  await load();
}
