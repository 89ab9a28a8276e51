// Channels (admins): GET /console/channels — e-mail address, form webhook, embed snippet and
// form keys (POST /console/channels/form-keys: the secret is shown once; DELETE …/{id}),
// social accounts (PUT /console/channels/social, POST …/social/check), and what was set aside
// (GET /console/channels/set-aside).

import { h, field, select, messageBox, announce, dataTable, scrollBox, copyButton, uid } from "../lib/dom.js";
import { get, post, put, del, errorText } from "../lib/api.js";
import { confirmDialog } from "../lib/dialog.js";
import { PLATFORM, dateTime, timeElement } from "../lib/format.js";
import { settingsNav } from "../lib/settingsnav.js";

function reasonText(reason) {
  const value = String(reason || "");
  if (value.startsWith("auto-reply")) return `Réponse automatique ou message d'absence${value.includes(":") ? ` (${value.split(":").slice(1).join(":").trim()})` : ""}`;
  if (value.startsWith("sent from one of our own")) return "Envoyé depuis une adresse de Concerto (boucle évitée)";
  if (/bounce/i.test(value)) return "Message d'erreur de remise (rebond)";
  return h("span", { lang: "en" }, value || "—");
}

function readonlyValue(labelText, value, copyLabel) {
  const id = uid("valeur");
  const input = h("input", { type: "text", id, value, readonly: true, class: "input--code" });
  return h(
    "div",
    { class: "field field--copy" },
    h("label", { for: id }, labelText),
    h("div", { class: "copy-row" }, input, copyButton(() => input.value, copyLabel, labelText)),
  );
}

export async function render(ctx) {
  ctx.outlet.append(h("h1", null, "Canaux de contact"), settingsNav("#/reglages/canaux"));
  const error = messageBox("error");
  ctx.outlet.append(error);
  let data;
  try {
    data = await get("/console/channels", null, ctx.signal);
  } catch (failure) {
    if (ctx.alive()) error.show(errorText(failure));
    return;
  }
  if (!ctx.alive()) return;

  // ---- e-mail ------------------------------------------------------------------------------
  const emailSection = h(
    "section",
    { class: "panel", "aria-labelledby": "titre-canal-email" },
    h("h2", { id: "titre-canal-email" }, "E-mail"),
    h("p", null, "Les e-mails envoyés à cette adresse deviennent des fils ; les réponses partent d'une adresse propre à chaque fil."),
    readonlyValue("Adresse de la commune", data.emailAddress, "Copier l'adresse"),
  );

  // ---- forms ---------------------------------------------------------------------------------
  const keysBox = h("div");
  const keyStatus = messageBox();
  const secretBox = h("div", { class: "secret-box", hidden: true, tabindex: "-1" });
  const createKey = h("button", { type: "button", class: "button" }, "Créer une clé de signature");
  const snippetId = uid("extrait");
  const snippet = h("textarea", { id: snippetId, rows: "4", readonly: true, class: "input--code" });
  snippet.value = data.forms.embedSnippet;

  function renderKeys(keys) {
    const table = dataTable(
      "Clés de signature du formulaire",
      [
        { label: "Identifiant", cell: (key) => h("code", null, key.id) },
        { label: "Créée le", cell: (key) => timeElement(key.createdAt, dateTime(key.createdAt)) },
        { label: "Par", cell: (key) => key.createdBy },
        {
          label: "État",
          cell: (key) => (!key.active ? "Révoquée" : key.retiresAt ? `Signe encore jusqu'au ${dateTime(key.retiresAt)}` : "Clé en cours"),
        },
        {
          label: "Action",
          cell: (key) => {
            if (!key.active) return "—";
            const revoke = h("button", { type: "button", class: "button button--small button--danger", "aria-label": `Révoquer la clé ${key.id}` }, "Révoquer");
            revoke.addEventListener("click", async () => {
              const ok = await confirmDialog({
                title: "Révoquer cette clé ?",
                message: "Les envois signés avec cette clé seront refusés immédiatement.",
                confirmLabel: "Révoquer la clé",
                danger: true,
              });
              if (!ok) return;
              try {
                await del(`/console/channels/form-keys/${encodeURIComponent(key.id)}`);
                keyStatus.show("Clé révoquée.", "success");
                await reloadKeys();
              } catch (failure) {
                keyStatus.show(errorText(failure), "error");
              }
            });
            return revoke;
          },
        },
      ],
      keys || [],
      { empty: "Aucune clé : créez-en une pour brancher le formulaire de votre site." },
    );
    keysBox.replaceChildren(scrollBox(table, "Tableau des clés de signature"));
  }
  async function reloadKeys() {
    try {
      const fresh = await get("/console/channels");
      renderKeys(fresh.forms.keys);
    } catch (failure) {
      keyStatus.show(errorText(failure), "error");
    }
  }
  createKey.addEventListener("click", async () => {
    createKey.disabled = true;
    try {
      const created = await post("/console/channels/form-keys");
      const secretId = uid("secret");
      const secretInput = h("input", { type: "text", id: secretId, value: created.secret, readonly: true, class: "input--code" });
      secretBox.replaceChildren(
        h("h3", { class: "h-small" }, "Nouvelle clé créée"),
        h("p", null, h("strong", null, "Copiez ce secret maintenant : il ne sera plus jamais affiché."), " Enregistrez-le dans le serveur de votre formulaire. Les clés précédentes continuent de signer pendant 24 heures."),
        h("div", { class: "field field--copy" }, h("label", { for: secretId }, `Secret de la clé ${created.id}`), h("div", { class: "copy-row" }, secretInput, copyButton(() => secretInput.value, "Copier le secret", "Le secret"))),
      );
      secretBox.hidden = false;
      secretBox.focus();
      announce("Nouvelle clé créée : copiez son secret, il ne sera plus affiché.");
      await reloadKeys();
    } catch (failure) {
      keyStatus.show(errorText(failure), "error");
    } finally {
      createKey.disabled = false;
    }
  });
  renderKeys(data.forms.keys);
  const formsSection = h(
    "section",
    { class: "panel", "aria-labelledby": "titre-canal-formulaire" },
    h("h2", { id: "titre-canal-formulaire" }, "Formulaires de contact"),
    h("h3", { class: "h-small" }, "Formulaire à intégrer"),
    h("p", null, "Collez cet extrait dans une page du site de la commune : il affiche un formulaire d'avis accessible."),
    h("div", { class: "field field--copy" }, h("label", { for: snippetId }, "Extrait HTML à coller"), snippet, h("p", null, copyButton(() => snippet.value, "Copier l'extrait", "L'extrait"))),
    h("h3", { class: "h-small" }, "Formulaire existant (serveur à serveur)"),
    h("p", null, "Votre formulaire envoie ses messages en JSON, signés avec une clé (en-tête X-Concerto-Signature), à cette adresse :"),
    readonlyValue("Adresse de réception (webhook)", data.forms.webhookUrl, "Copier l'adresse du webhook"),
    keyStatus,
    keysBox,
    h("p", null, createKey),
    secretBox,
  );

  // ---- social ------------------------------------------------------------------------------------
  const social = data.social;
  const socialStatus = messageBox();
  const accountsBox = h("div");
  function renderAccounts(view) {
    const table = dataTable(
      "Comptes de réseaux sociaux connectés et leur état",
      [
        { label: "Compte", cell: (account) => `${account.name || account.accountId} (${PLATFORM[account.platform] || account.platform})` },
        { label: "Identifiant", cell: (account) => h("code", null, account.accountId) },
        { label: "Jeton d'accès", cell: (account) => (account.tokenExpired ? h("strong", { class: "text-danger" }, "Expiré : reconnectez le compte") : "Valide") },
        { label: "Dernière erreur", cell: (account) => (account.lastError ? [h("span", { lang: "en" }, account.lastError), account.lastErrorAt ? ` (${dateTime(account.lastErrorAt)})` : ""] : "Aucune") },
        { label: "Dernier envoi", cell: (account) => dateTime(account.lastSentAt, "Jamais") },
      ],
      view.accounts || [],
      { empty: "Aucun compte connecté." },
    );
    accountsBox.replaceChildren(
      h("p", null, view.configured ? "Réseaux sociaux configurés." : "Réseaux sociaux non configurés.", ` Dernier message reçu : ${dateTime(view.lastEventAt, "aucun")}.`),
      scrollBox(table, "Tableau des comptes de réseaux sociaux"),
    );
  }
  let socialSection = null;
  if (social) {
    renderAccounts(social);
    const check = h("button", { type: "button", class: "button button--secondary" }, "Vérifier les comptes auprès de Meta");
    check.addEventListener("click", async () => {
      check.disabled = true;
      try {
        const view = await post("/console/channels/social/check");
        renderAccounts(view);
        const expired = view.accounts.filter((account) => account.tokenExpired).length;
        socialStatus.show(expired ? `${expired} compte${expired > 1 ? "s ont" : " a"} un jeton expiré.` : "Tous les comptes répondent.", expired ? "error" : "success");
      } catch (failure) {
        socialStatus.show(errorText(failure), "error");
      } finally {
        check.disabled = false;
      }
    });

    // Configuration form (secrets are never shown again: every token must be given anew).
    const configStatus = messageBox();
    const appSecret = h("input", { type: "password", name: "appSecret", autocomplete: "new-password", minlength: "8", maxlength: "256" });
    const verifyToken = h("input", { type: "password", name: "verifyToken", autocomplete: "new-password", minlength: "8", maxlength: "256" });
    const rows = h("ol", { class: "editable-list" });
    const addAccount = h("button", { type: "button", class: "button button--secondary" }, "Ajouter un compte");
    const renumber = () =>
      [...rows.children].forEach((item, index) => {
        item.querySelector("legend").textContent = `Compte ${index + 1}`;
      });
    const accountRow = (account = { platform: "facebook", accountId: "", name: "" }) => {
      const platform = select("platform", Object.entries(PLATFORM), account.platform);
      const accountId = h("input", { type: "text", name: "accountId", value: account.accountId, maxlength: "64", autocomplete: "off" });
      const name = h("input", { type: "text", name: "name", value: account.name || "", maxlength: "100", autocomplete: "off" });
      const token = h("input", { type: "password", name: "accessToken", maxlength: "2048", autocomplete: "new-password" });
      const remove = h("button", { type: "button", class: "button button--small button--danger" }, "Retirer ce compte");
      const item = h(
        "li",
        { class: "editable-item" },
        h(
          "fieldset",
          { class: "fieldset" },
          h("legend", null, "Compte"),
          h(
            "div",
            { class: "filters__grid" },
            field("Plateforme *", platform),
            field("Identifiant (Page, compte Instagram ou numéro WhatsApp) *", accountId),
            field("Nom affiché", name),
            field("Jeton d'accès *", token),
          ),
          remove,
        ),
      );
      remove.addEventListener("click", () => {
        const next = item.nextElementSibling || item.previousElementSibling;
        item.remove();
        renumber();
        (next ? next.querySelector("select") : addAccount).focus();
      });
      return item;
    };
    for (const account of social.accounts || []) rows.append(accountRow(account));
    renumber();
    addAccount.addEventListener("click", () => {
      const row = accountRow();
      rows.append(row);
      renumber();
      row.querySelector("select").focus();
    });
    const configForm = h(
      "form",
      { class: "form", novalidate: true },
      configStatus,
      h("p", { class: "hint" }, "Les secrets et jetons enregistrés ne sont jamais réaffichés : pour modifier la configuration, saisissez-les tous à nouveau."),
      field("Secret de l'application Meta *", appSecret, "8 caractères au moins."),
      field("Jeton de vérification du webhook *", verifyToken, "8 caractères au moins ; à saisir aussi dans le tableau de bord Meta."),
      rows,
      h("div", { class: "form__actions" }, addAccount, h("button", { type: "submit", class: "button" }, "Enregistrer la configuration")),
    );
    configForm.addEventListener("submit", async (event) => {
      event.preventDefault();
      configStatus.hide();
      const controls = [appSecret, verifyToken, ...rows.querySelectorAll("input")];
      controls.forEach((control) => control.removeAttribute("aria-invalid"));
      const fail = (control, message) => {
        control.setAttribute("aria-invalid", "true");
        configStatus.show(message, "error");
        control.focus();
      };
      if (appSecret.value.length < 8) return fail(appSecret, "Le secret de l'application compte au moins 8 caractères.");
      if (verifyToken.value.length < 8) return fail(verifyToken, "Le jeton de vérification compte au moins 8 caractères.");
      const accounts = [];
      for (const item of rows.children) {
        const get1 = (name) => item.querySelector(`[name=${name}]`);
        if (!get1("accountId").value.trim()) return fail(get1("accountId"), "Chaque compte a un identifiant.");
        if (!get1("accessToken").value.trim()) return fail(get1("accessToken"), "Chaque compte a un jeton d'accès.");
        accounts.push({
          platform: get1("platform").value,
          accountId: get1("accountId").value.trim(),
          name: get1("name").value.trim(),
          accessToken: get1("accessToken").value.trim(),
        });
      }
      try {
        const view = await put("/console/channels/social", { appSecret: appSecret.value, verifyToken: verifyToken.value, accounts });
        renderAccounts(view);
        configForm.querySelectorAll("input[type=password]").forEach((input) => {
          input.value = "";
        });
        configStatus.show("Configuration enregistrée.", "success");
      } catch (failure) {
        configStatus.show(errorText(failure), "error");
      }
      return undefined;
    });
    socialSection = h(
      "section",
      { class: "panel", "aria-labelledby": "titre-canal-social" },
      h("h2", { id: "titre-canal-social" }, "Réseaux sociaux (Facebook, Instagram, WhatsApp)"),
      readonlyValue("Adresse de rappel à donner à Meta", social.webhookUrl, "Copier l'adresse de rappel"),
      socialStatus,
      accountsBox,
      h("p", null, check),
      h("details", { class: "disclosure" }, h("summary", null, "Modifier la configuration des réseaux sociaux"), configForm),
    );
  }

  // ---- set aside -------------------------------------------------------------------------------
  const asideBox = h("div", null, h("p", null, "Chargement…"));
  const asideSection = h(
    "section",
    { class: "panel", "aria-labelledby": "titre-mis-de-cote" },
    h("h2", { id: "titre-mis-de-cote" }, "Messages mis de côté"),
    h("p", null, "Réponses automatiques, rebonds et e-mails illisibles : ils ne deviennent pas des fils, mais rien n'est perdu."),
    asideBox,
  );

  ctx.outlet.append(emailSection, formsSection, socialSection, asideSection);

  try {
    const aside = await get("/console/channels/set-aside", { limit: 50 }, ctx.signal);
    if (!ctx.alive()) return;
    asideBox.replaceChildren(
      scrollBox(
        dataTable(
          "Derniers messages mis de côté",
          [
            { label: "Reçu le", cell: (row) => dateTime(row.at) },
            { label: "Expéditeur", cell: (row) => row.from || "—" },
            { label: "Objet", cell: (row) => row.subject || "(sans objet)" },
            { label: "Motif", cell: (row) => reasonText(row.reason) },
          ],
          aside.items || [],
          { empty: "Aucun message mis de côté." },
        ),
        "Tableau des messages mis de côté",
      ),
    );
  } catch (failure) {
    if (ctx.alive()) asideBox.replaceChildren(h("p", { class: "message-box message-box--error" }, errorText(failure)));
  }
}
