// Canned answers: GET/POST /console/templates, PUT/DELETE /console/templates/{id}.

import { h, field, messageBox, announce } from "../lib/dom.js";
import { get, post, put, del, errorText } from "../lib/api.js";
import { confirmDialog } from "../lib/dialog.js";
import { dateTime } from "../lib/format.js";

const VARIABLES = {
  citoyen: "le nom du citoyen, ou « Madame, Monsieur » s'il est inconnu",
  commune: "le nom de la commune",
  theme: "le thème du fil",
  agent: "le nom de l'agent qui répond (la partie de son e-mail avant @)",
};

export async function render(ctx) {
  ctx.outlet.append(h("h1", null, "Modèles de réponse"));
  const error = messageBox("error");
  const status = h("p", { class: "list-status", role: "status" }, "Chargement des modèles…");
  const list = h("ul", { class: "template-list" });
  const formStatus = messageBox();
  const title = h("input", { type: "text", name: "title", maxlength: "120", required: true });
  const text = h("textarea", { name: "text", rows: "8", maxlength: "5000", required: true });
  const formHeading = h("h2", { id: "titre-form-modele" }, "Nouveau modèle");
  const submit = h("button", { type: "submit", class: "button" }, "Ajouter le modèle");
  const cancel = h("button", { type: "button", class: "button button--secondary", hidden: true }, "Annuler la modification");
  let editing = null;
  const form = h(
    "form",
    { class: "form", novalidate: true },
    formStatus,
    field("Titre *", title, "Ce que les agents voient dans la liste (120 caractères au plus)."),
    field("Texte de la réponse *", text, "Variables possibles : {citoyen}, {commune}, {theme}, {agent}."),
    h("div", { class: "form__actions" }, submit, cancel),
  );
  ctx.outlet.append(
    h(
      "section",
      { class: "panel", "aria-labelledby": "titre-variables" },
      h("h2", { id: "titre-variables" }, "Variables"),
      h("p", null, "Dans un modèle, ces variables sont remplacées au moment de répondre :"),
      h("dl", { class: "summary" }, Object.entries(VARIABLES).flatMap(([name, meaning]) => [h("dt", null, h("code", null, `{${name}}`)), h("dd", null, meaning)])),
    ),
    error,
    h("section", { class: "panel", "aria-labelledby": "titre-liste-modeles" }, h("h2", { id: "titre-liste-modeles" }, "Modèles de la commune"), status, list),
    h("section", { class: "panel", "aria-labelledby": "titre-form-modele" }, formHeading, form),
  );

  function resetForm() {
    editing = null;
    form.reset();
    formHeading.textContent = "Nouveau modèle";
    submit.textContent = "Ajouter le modèle";
    cancel.hidden = true;
  }
  cancel.addEventListener("click", () => {
    resetForm();
    title.focus();
  });

  async function load() {
    try {
      const data = await get("/console/templates", null, ctx.signal);
      if (!ctx.alive()) return;
      const items = data.items || [];
      list.replaceChildren(
        ...items.map((template) => {
          const edit = h("button", { type: "button", class: "button button--small button--secondary", "aria-label": `Modifier le modèle « ${template.title} »` }, "Modifier");
          const remove = h("button", { type: "button", class: "button button--small button--danger", "aria-label": `Supprimer le modèle « ${template.title} »` }, "Supprimer");
          edit.addEventListener("click", () => {
            editing = template;
            title.value = template.title;
            text.value = template.text;
            formHeading.textContent = `Modifier le modèle « ${template.title} »`;
            submit.textContent = "Enregistrer le modèle";
            cancel.hidden = false;
            title.focus();
          });
          remove.addEventListener("click", async () => {
            const ok = await confirmDialog({ title: "Supprimer ce modèle ?", message: `Le modèle « ${template.title} » sera supprimé pour toute l'équipe.`, confirmLabel: "Supprimer", danger: true });
            if (!ok) return;
            try {
              await del(`/console/templates/${encodeURIComponent(template.id)}`);
              announce(`Modèle « ${template.title} » supprimé.`);
              if (editing && editing.id === template.id) resetForm();
              await load();
              status.focus();
            } catch (failure) {
              error.show(errorText(failure));
            }
          });
          return h(
            "li",
            { class: "panel template-item" },
            h("h3", { class: "h-small" }, template.title),
            h("p", { class: "message__text" }, template.text),
            h("p", { class: "hint" }, `Modifié par ${template.updatedBy} le ${dateTime(template.updatedAt)}`),
            h("div", { class: "form__actions" }, edit, remove),
          );
        }),
      );
      status.textContent = items.length ? `${items.length} modèle${items.length > 1 ? "s" : ""}.` : "Aucun modèle pour l'instant : créez le premier ci-dessous.";
    } catch (failure) {
      if (!ctx.alive()) return;
      status.textContent = "";
      error.show(errorText(failure));
    }
  }
  status.setAttribute("tabindex", "-1");

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    formStatus.hide();
    title.removeAttribute("aria-invalid");
    text.removeAttribute("aria-invalid");
    if (!title.value.trim()) {
      title.setAttribute("aria-invalid", "true");
      formStatus.show("Donnez un titre au modèle.", "error");
      title.focus();
      return;
    }
    if (text.value.trim().length < 3) {
      text.setAttribute("aria-invalid", "true");
      formStatus.show("Le texte doit compter au moins 3 caractères.", "error");
      text.focus();
      return;
    }
    const unknown = [...text.value.matchAll(/\{([^{}\s]{1,30})\}/g)].map((match) => match[1]).filter((name) => !(name in VARIABLES));
    if (unknown.length) {
      text.setAttribute("aria-invalid", "true");
      formStatus.show(`Variable inconnue : {${unknown[0]}}. Seules {citoyen}, {commune}, {theme} et {agent} sont permises.`, "error");
      text.focus();
      return;
    }
    const body = { title: title.value.trim(), text: text.value.trim() };
    try {
      if (editing) {
        await put(`/console/templates/${encodeURIComponent(editing.id)}`, body);
        formStatus.show(`Modèle « ${body.title} » enregistré.`, "success");
      } else {
        await post("/console/templates", body);
        formStatus.show(`Modèle « ${body.title} » ajouté.`, "success");
      }
      resetForm();
      await load();
    } catch (failure) {
      formStatus.show(errorText(failure), "error");
    }
  });
  await load();
}
