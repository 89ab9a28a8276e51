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
