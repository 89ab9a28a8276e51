// The 6-digit code of an authenticator app (TOTP), asked at sign-in and when setting up
// two-factor authentication: one field, one check, the same messages.

import { h, field } from "./dom.js";

/** The labelled field; `.input` is the <input>. */
export function codeField() {
  const input = h("input", {
    type: "text",
    name: "code",
    inputmode: "numeric",
    autocomplete: "one-time-code",
    pattern: "[0-9]{6}",
    maxlength: "6",
    required: true,
    spellcheck: "false",
  });
  const wrap = field("Code à 6 chiffres", input, "Le code change toutes les 30 secondes.");
  wrap.input = input;
  return wrap;
}

/**
 * A form asking the code: `intro` (nodes) above the field, `button` its label. On a
 * well-formed code it awaits `onCode(code)`; what that throws is shown (`describe(failure)`
 * when it has no message), the field emptied and focused again.
 */
export function codeForm({ intro, button, onCode, describe }) {
  const error = h("div", { class: "message-box", role: "alert" });
  const codeWrap = codeField();
  const code = codeWrap.input;
  const submit = h("button", { type: "submit", class: "button" }, button);
  const form = h(
    "form",
    { class: "form form--narrow", novalidate: true },
    ...intro,
    error,
    codeWrap,
    h("div", { class: "form__actions" }, submit),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.className = "message-box";
    error.textContent = "";
    const value = readCode(code, error);
    if (value === null) return;
    submit.disabled = true;
    try {
      await onCode(value);
    } catch (failure) {
      error.className = "message-box message-box--error";
      error.textContent = failure.message || describe(failure);
      code.value = "";
      code.setAttribute("aria-invalid", "true");
      code.focus();
    } finally {
      submit.disabled = false;
    }
  });
  window.setTimeout(() => code.focus(), 0);
  return form;
}

/** The code typed (spaces removed), or null after saying in `error` what is wrong. */
export function readCode(input, error) {
  const value = input.value.replace(/\s/g, "");
  if (/^[0-9]{6}$/.test(value)) {
    input.removeAttribute("aria-invalid");
    return value;
  }
  input.setAttribute("aria-invalid", "true");
  error.className = "message-box message-box--error";
  error.textContent = "Le code compte 6 chiffres.";
  input.focus();
  return null;
}
