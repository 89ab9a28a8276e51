// Staff accounts (admins): GET/POST /console/staff, PATCH/DELETE /console/staff/{email}.
// A friendly message while the server lacks them.

import { h, field, select, messageBox, dataTable, scrollBox, copyButton, uid } from "../lib/dom.js";
import { get, post, patch, del, errorText, ApiError } from "../lib/api.js";
import { current } from "../lib/auth.js";
import { confirmDialog } from "../lib/dialog.js";
import { ROLE } from "../lib/format.js";
import { settingsNav } from "../lib/settingsnav.js";

const ROLE_HELP = {
  admin: "tout, y compris les réglages et l'équipe",
  agent: "lit, traite et répond aux fils",
  viewer: "lit les indicateurs et les fils, sans les coordonnées des citoyens",
};

export async function render(ctx) {
  ctx.outlet.append(h("h1", null, "Équipe"), settingsNav("#/reglages/equipe"));
  const error = messageBox("error");
  const listStatus = h("p", { class: "list-status", role: "status", tabindex: "-1" }, "Chargement de l'équipe…");
  const tableBox = h("div");
  ctx.outlet.append(
    h("dl", { class: "summary" }, Object.entries(ROLE_HELP).flatMap(([role, text]) => [h("dt", null, ROLE[role]), h("dd", null, text)])),
    error,
  );
  const me = current().email.toLowerCase();

  async function load() {
    let data;
    try {
      data = await get("/console/staff", null, ctx.signal);
    } catch (failure) {
      if (!ctx.alive()) return false;
      if (failure instanceof ApiError && failure.unavailable) {
        listStatus.textContent = "";
        error.show("La gestion de l'équipe arrive bientôt : ce serveur ne la propose pas encore.", "info");
        return false;
      }
      listStatus.textContent = "";
      error.show(errorText(failure));
      return false;
    }
    if (!ctx.alive()) return false;
    const items = data.items || [];
    const table = dataTable(
      "Membres de l'équipe et leur rôle",
      [
        { label: "E-mail", cell: (member) => member.email },
        {
          label: "Rôle",
          cell: (member) => {
            if (member.email.toLowerCase() === me) return `${ROLE[member.role] || member.role} (vous)`;
            const id = uid("role");
            const choice = select("role", Object.entries(ROLE), member.role, { id });
            const save = h("button", { type: "button", class: "button button--small button--secondary" }, "Changer le rôle");
            save.setAttribute("aria-label", `Changer le rôle de ${member.email}`);
            save.addEventListener("click", async () => {
              if (choice.value === member.role) return;
              save.disabled = true;
              try {
                await patch(`/console/staff/${encodeURIComponent(member.email)}`, { role: choice.value });
                listStatus.textContent = `Rôle de ${member.email} : ${ROLE[choice.value]}.`;
                member.role = choice.value;
              } catch (failure) {
                error.show(errorText(failure));
                choice.value = member.role;
              } finally {
                save.disabled = false;
              }
            });
            return h("div", { class: "inline-form" }, h("label", { for: id, class: "sr-only" }, `Rôle de ${member.email}`), choice, save);
          },
        },
        { label: "Compte", cell: (member) => (member.enabled === false ? "Désactivé" : "Actif") },
        {
          label: "Action",
          cell: (member) => {
            if (member.email.toLowerCase() === me) return "—";
            const remove = h("button", { type: "button", class: "button button--small button--danger", "aria-label": `Retirer ${member.email} de l'équipe` }, "Retirer");
            remove.addEventListener("click", async () => {
              const ok = await confirmDialog({ title: "Retirer ce membre ?", message: `${member.email} ne pourra plus se connecter à la console.`, confirmLabel: "Retirer", danger: true });
              if (!ok) return;
              try {
                await del(`/console/staff/${encodeURIComponent(member.email)}`);
                await load();
                listStatus.textContent = `${member.email} a été retiré de l'équipe.`;
                listStatus.focus();
              } catch (failure) {
                error.show(errorText(failure));
              }
            });
            return remove;
          },
        },
      ],
      items,
      { empty: "Aucun membre." },
    );
    tableBox.replaceChildren(scrollBox(table, "Tableau de l'équipe"));
    listStatus.textContent = `${items.length} membre${items.length > 1 ? "s" : ""}.`;
    return true;
  }

  const inviteStatus = messageBox();
  const email = h("input", { type: "email", name: "email", autocomplete: "off", required: true, spellcheck: "false" });
  const role = select("role", Object.entries(ROLE), "agent");
  const resultBox = h("div", { class: "secret-box", hidden: true, tabindex: "-1" });
  const form = h(
    "form",
    { class: "form form--narrow", novalidate: true },
    inviteStatus,
    field("Adresse e-mail *", email),
    field("Rôle *", role),
    h("div", { class: "form__actions" }, h("button", { type: "submit", class: "button" }, "Inviter")),
    resultBox,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    inviteStatus.hide();
    email.removeAttribute("aria-invalid");
    const address = email.value.trim();
    if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(address)) {
      email.setAttribute("aria-invalid", "true");
      inviteStatus.show("Saisissez une adresse e-mail valide (nom@exemple.fr).", "error");
      email.focus();
      return;
    }
    const chosen = role.value;
    try {
      const created = await post("/console/staff", { email: address, role: chosen });
      form.reset();
      inviteStatus.show(`${address} a été invité·e (${ROLE[chosen] || chosen}).`, "success");
      const temporary = created && typeof created.temporaryPassword === "string" ? created.temporaryPassword : null;
      if (temporary) {
        const id = uid("mdp");
        const input = h("input", { type: "text", id, value: temporary, readonly: true, class: "input--code" });
        resultBox.replaceChildren(
          h("p", null, h("strong", null, "Mot de passe provisoire (affiché une seule fois) :"), " transmettez-le par un canal sûr ; il sera changé à la première connexion."),
          h("div", { class: "field field--copy" }, h("label", { for: id }, `Mot de passe provisoire de ${address}`), h("div", { class: "copy-row" }, input, copyButton(() => input.value, "Copier le mot de passe", "Le mot de passe"))),
        );
        resultBox.hidden = false;
      }
      await load();
    } catch (failure) {
      inviteStatus.show(failure instanceof ApiError && failure.unavailable ? "Ce serveur ne permet pas encore d'inviter un membre." : errorText(failure), "error");
    }
  });

  ctx.outlet.append(
    h("section", { class: "panel", "aria-labelledby": "titre-membres" }, h("h2", { id: "titre-membres" }, "Membres"), listStatus, tableBox),
  );
  const available = await load();
  if (!ctx.alive()) return;
  if (available) {
    ctx.outlet.append(h("section", { class: "panel", "aria-labelledby": "titre-inviter" }, h("h2", { id: "titre-inviter" }, "Inviter un membre"), form));
  }
}
