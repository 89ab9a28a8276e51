// The member's own account (GET /console/me): who the API takes them for, and two-factor
// sign-in, which admins need for admin actions, and agents for theirs when their commune
// requires it (set up here with an authenticator app).

import { h, messageBox } from "../lib/dom.js";
import { codeForm } from "../lib/totp.js";
import { get, errorText } from "../lib/api.js";
import { ROLE_LABELS, confirmMfaSetup, startMfaSetup } from "../lib/auth.js";

export const ACCOUNT_CHANGED = "concerto:compte-modifie";

function groups(secret) {
  return secret.replace(/(.{4})/g, "$1 ").trim();
}

export async function render(ctx) {
  ctx.outlet.append(h("h1", null, "Mon compte"));
  const error = messageBox("error");
  ctx.outlet.append(error);
  let me;
  try {
    me = await get("/console/me", null, ctx.signal);
  } catch (failure) {
    if (ctx.alive()) error.show(errorText(failure));
    return;
  }
  if (!ctx.alive()) return;
  ctx.outlet.append(
    h(
      "dl",
      { class: "summary" },
      h("dt", null, "Adresse e-mail"),
      h("dd", null, me.email),
      h("dt", null, "Rôle"),
      h("dd", null, ROLE_LABELS[me.role] || me.role),
    ),
  );
  const section = h("section", { "aria-labelledby": "titre-double-authentification" });
  section.append(h("h2", { id: "titre-double-authentification", tabindex: "-1" }, "Double authentification"));
  ctx.outlet.append(section);
  renderMfa(section, me);
}

function renderMfa(section, me) {
  const heading = section.firstChild;
  section.replaceChildren(heading);
  if (me.mfa.enabled) {
    section.append(
      h(
        "p",
        { class: "message-box message-box--success", role: "status" },
        "Activée : votre application d'authentification vous donne un code à chaque connexion.",
      ),
    );
    return;
  }
  section.append(
    h(
      "p",
      null,
      !me.mfa.required
        ? "Recommandée : à chaque connexion, un code à 6 chiffres donné par votre téléphone s'ajoute au mot de passe."
        : me.role === "admin"
          ? "Obligatoire pour les administrateurs : tant qu'elle n'est pas activée, vous ne pouvez pas modifier les réglages, l'équipe ni les canaux."
          : "Obligatoire pour les agents de votre commune : tant qu'elle n'est pas activée, vous pouvez consulter les fils, sans les coordonnées des citoyens, mais pas y répondre ni les modifier.",
    ),
  );
  const start = h("button", { type: "button", class: "button" }, "Activer la double authentification");
  const status = messageBox();
  section.append(h("div", { class: "form__actions" }, start), status);
  start.addEventListener("click", async () => {
    start.disabled = true;
    try {
      const secret = await startMfaSetup();
      start.parentElement.replaceWith(setupForm(section, me, secret));
    } catch (failure) {
      status.show(failure.message || "La double authentification n'a pas pu être préparée.", "error");
      start.disabled = false;
    }
  });
}

function setupForm(section, me, secret) {
  const uri = `otpauth://totp/${encodeURIComponent(`Concerto:${me.email}`)}?secret=${secret}&issuer=Concerto`;
  return codeForm({
    intro: [
      h(
        "ol",
        null,
        h("li", null, "Ouvrez votre application d'authentification (Microsoft Authenticator, Google Authenticator, FreeOTP, Aegis…) et ajoutez un compte avec la clé ci-dessous, ou ", h("a", { href: uri }, "ouvrez ce lien sur votre téléphone"), "."),
        h("li", null, "Saisissez le code à 6 chiffres que l'application affiche."),
      ),
      h("p", null, "Clé secrète : ", h("code", { class: "secret-key", id: "cle-secrete" }, groups(secret))),
    ],
    button: "Vérifier et activer",
    describe: errorText,
    onCode: async (value) => {
      await confirmMfaSetup(value);
      const updated = await get("/console/me");
      renderMfa(section, updated);
      section.firstChild.focus();
      window.dispatchEvent(new CustomEvent(ACCOUNT_CHANGED, { detail: updated }));
    },
  });
}
