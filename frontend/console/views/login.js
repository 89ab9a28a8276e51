// Login: e-mail and password (Cognito USER_PASSWORD_AUTH); errors announced.

import { h, field } from "../lib/dom.js";
import { answerMfa, choosePassword, login } from "../lib/auth.js";
import { codeForm } from "../lib/totp.js";

export function render(ctx) {
  ctx.outlet.append(h("h1", null, "Connexion à la console"));
  const notice = h("div", { class: "message-box", role: "status" });
  const error = h("div", { class: "message-box", role: "alert", id: "connexion-erreur" });
  const email = h("input", {
    type: "email",
    name: "email",
    autocomplete: "username",
    required: true,
    spellcheck: "false",
    autocapitalize: "none",
  });
  const password = h("input", {
    type: "password",
    name: "password",
    autocomplete: "current-password",
    required: true,
  });
  const show = h("input", { type: "checkbox", id: "afficher-mot-de-passe" });
  show.addEventListener("change", () => {
    password.type = show.checked ? "text" : "password";
  });
  const submit = h("button", { type: "submit", class: "button" }, "Se connecter");
  const form = h(
    "form",
    { class: "form form--narrow", novalidate: true, "aria-describedby": "connexion-aide" },
    h("p", { id: "connexion-aide" }, "Réservé aux agents, élus et administrateurs des communes. Tous les champs sont obligatoires."),
    error,
    field("Adresse e-mail", email, "Format attendu : nom@exemple.fr"),
    field("Mot de passe", password),
    h("div", { class: "field field--check" }, show, h("label", { for: "afficher-mot-de-passe" }, "Afficher le mot de passe")),
    h("div", { class: "form__actions" }, submit),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.className = "message-box";
    error.textContent = "";
    email.removeAttribute("aria-invalid");
    password.removeAttribute("aria-invalid");
    const address = email.value.trim();
    if (!address || !password.value) {
      const missing = !address ? email : password;
      missing.setAttribute("aria-invalid", "true");
      error.className = "message-box message-box--error";
      error.textContent = !address ? "Saisissez votre adresse e-mail." : "Saisissez votre mot de passe.";
      missing.focus();
      return;
    }
    submit.disabled = true;
    submit.textContent = "Connexion…";
    form.setAttribute("aria-busy", "true");
    try {
      await login(address, password.value);
      // app.js navigates on the "login" event.
    } catch (failure) {
      if (failure.code === "NEW_PASSWORD_REQUIRED") {
        form.replaceWith(newPasswordForm(address, failure.challengeSession, failure.message));
        return;
      }
      if (failure.code === "SOFTWARE_TOKEN_MFA") {
        form.replaceWith(mfaCodeForm(address, failure.challengeSession, failure.message));
        return;
      }
      error.className = "message-box message-box--error";
      error.textContent = failure.message || "La connexion a échoué.";
      password.value = "";
      password.setAttribute("aria-invalid", "true");
      password.focus();
    } finally {
      submit.disabled = false;
      submit.textContent = "Se connecter";
      form.removeAttribute("aria-busy");
    }
  });
  ctx.outlet.append(notice, form);
  if (ctx.notice) {
    // Filled after insertion so that the live region announces it.
    window.setTimeout(() => {
      notice.className = "message-box message-box--info";
      notice.textContent = ctx.notice;
    }, 150);
  }
}

// A new member's first login: Cognito asks for their own password.
function newPasswordForm(address, challengeSession, intro) {
  const error = h("div", { class: "message-box", role: "alert" });
  const first = h("input", { type: "password", name: "new-password", autocomplete: "new-password", required: true });
  const second = h("input", { type: "password", name: "confirm-password", autocomplete: "new-password", required: true });
  const submit = h("button", { type: "submit", class: "button" }, "Enregistrer mon mot de passe");
  const form = h(
    "form",
    { class: "form form--narrow", novalidate: true },
    h("h2", { tabindex: "-1", id: "titre-nouveau-mot-de-passe" }, "Choisir votre mot de passe"),
    h("p", null, intro),
    error,
    field("Nouveau mot de passe", first, "Au moins 12 caractères, avec majuscules, minuscules, chiffres et symboles."),
    field("Confirmer le mot de passe", second),
    h("div", { class: "form__actions" }, submit),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.className = "message-box";
    error.textContent = "";
    if (first.value.length < 12 || first.value !== second.value) {
      error.className = "message-box message-box--error";
      error.textContent = first.value !== second.value
        ? "Les deux mots de passe ne sont pas identiques."
        : "Le mot de passe doit compter au moins 12 caractères.";
      (first.value.length < 12 ? first : second).focus();
      return;
    }
    submit.disabled = true;
    try {
      await choosePassword(address, first.value, challengeSession);
    } catch (failure) {
      error.className = "message-box message-box--error";
      error.textContent = failure.message || "Le mot de passe n'a pas pu être enregistré.";
      first.focus();
    } finally {
      submit.disabled = false;
    }
  });
  window.setTimeout(() => form.querySelector("h2").focus(), 0);
  return form;
}

// Two-factor sign-in: the 6-digit code of the member's authenticator app.
function mfaCodeForm(address, challengeSession, intro) {
  return codeForm({
    intro: [h("h2", { tabindex: "-1" }, "Double authentification"), h("p", null, intro)],
    button: "Valider le code",
    describe: () => "Le code n'a pas pu être vérifié.",
    onCode: async (value) => {
      try {
        await answerMfa(address, value, challengeSession);
      } catch (failure) {
        // The sign-in session is spent: start again from the password.
        if (failure.code === "NotAuthorizedException") window.location.reload();
        else throw failure;
      }
    },
  });
}
