// « Donner mon avis »: enhances the plain HTML form (which posts without JavaScript) with the
// commune's themes and quartiers, a polite character count, accessible validation, and a JSON
// submission with an Idempotency-Key, then goes to /{slug}/merci#<followUpToken>.
import {
  $, el, append, clear, api, errorMessage, fieldProblem, slugFromPath, setTitle,
  loadCommune, communeNotFound, communeNav, uuid, isToken,
} from "/site/lib.js";

const MAX = 5000;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const slug = slugFromPath();
const form = $("#form-avis");
const text = $("#avis-texte");
const email = $("#avis-email");
const consent = $("#avis-consentement");
const nameInput = $("#avis-nom");
const honeypot = $("#avis-site-web"); // people never see it: robots that fill it are refused
const summary = $("#resume-erreurs");
const sending = $("#etat-envoi");
const submit = $("#envoyer");
const intro = $("#intro");
let theme = null;
let quartier = null;
let busy = false;
let loading = null; // the commune's profile, while it loads
// The same submission retried keeps its key (the API then answers the same receipt).
let attempt = { body: null, key: null };

// ---- Theme and quartier selects (only JavaScript can know the commune's lists) --------------

function select(id, name, label, hint, options, empty, required) {
  const control = el("select", { id, name, required: required || null, "aria-describedby": hint ? `${id}-aide` : null });
  control.appendChild(el("option", { value: "" }, empty));
  for (const option of options) control.appendChild(el("option", { value: option.id }, option.label));
  const wrapper = el("div", { class: "champ", id: `champ-${name}` },
    el("label", { for: id }, label),
    hint ? el("p", { class: "aide", id: `${id}-aide` }, hint) : null,
    control);
  return { wrapper, control };
}

function enhance(commune) {
  setTitle("Donner mon avis", commune.name);
  communeNav(slug, commune.name);
  intro.textContent = `Votre avis est transmis à la mairie de ${commune.name}, qui vous répond. Seuls le thème et votre avis sont obligatoires : les autres champs sont facultatifs.`;
  const place = $("#champs-commune");
  const themeField = select("avis-theme", "theme", "Thème",
    "Choisissez le sujet le plus proche ; la mairie pourra le corriger.", commune.themes, "Choisissez un thème", true);
  theme = themeField.control;
  place.appendChild(themeField.wrapper);
  if (commune.quartiers.length) {
    const label = ["Quartier ", el("span", { class: "facultatif" }, "(facultatif)")];
    const quartierField = select("avis-quartier", "quartier", label, null, commune.quartiers, "Non précisé", false);
    quartier = quartierField.control;
    place.appendChild(quartierField.wrapper);
  }
}

// ---- Character count: visible at once, announced politely only when typing pauses ----------

const counter = el("p", { class: "compteur", id: "avis-texte-compteur", "aria-hidden": "true" });
const spoken = el("p", { class: "visually-hidden", "aria-live": "polite", id: "avis-texte-annonce" });
text.insertAdjacentElement("afterend", counter);
counter.insertAdjacentElement("afterend", spoken);
let lastSpoken = 0;
let pause = null;

function count() {
  return text.value.length;
}

function updateCounter() {
  const n = count();
  counter.textContent = `${n.toLocaleString("fr-FR")} caractère${n > 1 ? "s" : ""} sur 5 000`;
  clearTimeout(pause);
  pause = setTimeout(() => {
    const now = count();
    if (now !== lastSpoken && now > 0) {
      lastSpoken = now;
      const left = MAX - now;
      spoken.textContent = `${now} caractères saisis, ${left} restants.`;
    }
  }, 1500);
}
text.addEventListener("input", updateCounter);
updateCounter();

// ---- Validation ----------------------------------------------------------------------------

function describedBy(control, errorId, add) {
  const ids = (control.getAttribute("aria-describedby") || "").split(/\s+/).filter((id) => id && id !== errorId);
  if (add) ids.unshift(errorId);
  if (ids.length) control.setAttribute("aria-describedby", ids.join(" "));
  else control.removeAttribute("aria-describedby");
}

function clearErrors() {
  for (const node of form.querySelectorAll(".message-erreur")) node.remove();
  for (const control of form.querySelectorAll("[aria-invalid]")) {
    control.removeAttribute("aria-invalid");
    describedBy(control, `${control.id}-erreur`, false);
  }
  summary.hidden = true;
  clear(summary);
}

function fieldError(control, message) {
  const id = `${control.id}-erreur`;
  const node = el("p", { class: "message-erreur", id }, message);
  const label = form.querySelector(`label[for="${control.id}"]`);
  // Shown above the control, after its label and hint.
  const hint = control.id && form.querySelector(`#${control.id}-aide`);
  if (control.type === "checkbox") control.closest(".champ").insertBefore(node, control.closest(".case"));
  else if (hint && hint.parentNode === control.parentNode) hint.insertAdjacentElement("afterend", node);
  else if (label) label.insertAdjacentElement("afterend", node);
  control.setAttribute("aria-invalid", "true");
  describedBy(control, id, true);
}

function showErrors(errors) {
  clear(summary);
  const title = errors.length > 1
    ? `Votre avis n'a pas été envoyé : ${errors.length} points à corriger`
    : "Votre avis n'a pas été envoyé : un point à corriger";
  const list = el("ul");
  for (const { control, message } of errors) {
    if (control) fieldError(control, message);
    const link = control ? el("a", { href: `#${control.id}` }, message) : document.createTextNode(message);
    if (control) link.addEventListener("click", (event) => { event.preventDefault(); control.focus(); });
    list.appendChild(el("li", {}, link));
  }
  append(summary, [el("h2", { id: "resume-erreurs-titre" }, title), list]);
  summary.hidden = false;
  summary.focus();
}

function validate() {
  const errors = [];
  if (theme && !theme.value) errors.push({ control: theme, message: "Choisissez le thème de votre avis." });
  const length = text.value.trim().length;
  if (length < 3) errors.push({ control: text, message: "Écrivez votre avis (au moins 3 caractères)." });
  else if (text.value.length > MAX) errors.push({ control: text, message: "Votre avis ne doit pas dépasser 5 000 caractères." });
  const address = email.value.trim();
  if (address && !EMAIL.test(address)) {
    errors.push({ control: email, message: "Saisissez une adresse e-mail valide, par exemple nom@exemple.fr, ou laissez ce champ vide." });
  }
  if (address && !consent.checked) {
    errors.push({ control: consent, message: "Cochez la case pour que la mairie puisse garder votre adresse e-mail, ou effacez l'adresse." });
  }
  if (nameInput.value.trim().length > 100) errors.push({ control: nameInput, message: "Votre nom ne doit pas dépasser 100 caractères." });
  return errors;
}

// ---- Submission ----------------------------------------------------------------------------

const CODE_FIELDS = {
  unknown_theme: () => theme, consent_required: () => consent, invalid_email: () => email,
  unknown_quartier: () => quartier, text_too_short: () => text, text_too_long: () => text,
  name_too_long: () => nameInput, invalid_rating: () => form.querySelector('input[name="rating"]:checked'),
};
const FIELD_CONTROLS = { theme: () => theme, text: () => text, email: () => email, name: () => nameInput, quartier: () => quartier, consent: () => consent };

function body() {
  const data = { theme: theme.value, text: text.value.trim() };
  const rating = form.querySelector('input[name="rating"]:checked');
  if (rating && rating.value) data.rating = Number(rating.value);
  if (quartier && quartier.value) data.quartier = quartier.value;
  const address = email.value.trim();
  if (address) { data.email = address; data.consent = consent.checked; }
  const name = nameInput.value.trim();
  if (name) data.name = name;
  if (honeypot && honeypot.value) data.website = honeypot.value;
  return data;
}

function apiErrors(error) {
  const errors = [];
  if (error.status === 422 && error.details.length) {
    for (const detail of error.details) {
      const control = (FIELD_CONTROLS[detail.field] || (() => null))();
      errors.push({ control, message: fieldProblem(detail) });
    }
  } else if (CODE_FIELDS[error.code]) {
    errors.push({ control: CODE_FIELDS[error.code]() || null, message: errorMessage(error) });
  }
  return errors;
}

function failure(message) {
  clear(summary);
  append(summary, [
    el("h2", { id: "resume-erreurs-titre" }, "Votre avis n'a pas été envoyé"),
    el("p", {}, message),
    el("p", {}, "Ce que vous avez écrit est conservé sur cette page : vous pouvez réessayer."),
  ]);
  summary.hidden = false;
  summary.focus();
}

async function send() {
  const data = body();
  const serialized = JSON.stringify(data);
  if (attempt.body !== serialized) attempt = { body: serialized, key: uuid() };
  busy = true;
  submit.setAttribute("aria-disabled", "true");
  sending.textContent = "Envoi de votre avis en cours…";
  try {
    const receipt = await api(`/communes/${encodeURIComponent(slug)}/feedback`, {
      method: "POST", body: data, headers: { "Idempotency-Key": attempt.key },
    });
    if (!isToken(receipt.followUpToken)) throw new Error("no token");
    sending.textContent = "Votre avis a été envoyé.";
    location.assign(`/${slug}/merci#${receipt.followUpToken}`);
    return;
  } catch (error) {
    sending.textContent = "";
    if (error.status === 409) attempt = { body: null, key: null }; // a key reused: a fresh one next time
    const errors = apiErrors(error);
    if (errors.length) {
      showErrors(errors);
    } else if (error.status === 404) {
      failure("Cette commune n'est pas (ou plus) sur Concerto.");
    } else if (error.code === "duplicate_flood" || error.code === "spam_suspected") {
      failure(errorMessage(error));
    } else if (error.status === 429) {
      const wait = error.retryAfter ? ` (dans ${Math.ceil(error.retryAfter / 60)} minute${error.retryAfter > 60 ? "s" : ""} environ)` : "";
      failure(`Trop d'envois en peu de temps : réessayez un peu plus tard${wait}.`);
    } else {
      failure(errorMessage(error));
    }
  } finally {
    busy = false;
    submit.removeAttribute("aria-disabled");
  }
}

function onSubmit(event) {
  if (loading) {
    // The commune's themes are on their way: submit again once they are there.
    event.preventDefault();
    const again = () => (form.requestSubmit ? form.requestSubmit() : form.submit());
    loading.then(again, again);
    return;
  }
  if (busy) {
    event.preventDefault();
    return;
  }
  clearErrors();
  const errors = validate();
  if (errors.length) {
    event.preventDefault();
    showErrors(errors);
    return;
  }
  if (!theme) return; // the themes could not be loaded: the plain HTML post goes on (« à classer »)
  event.preventDefault();
  send();
}

// ---- Start -----------------------------------------------------------------------------------

async function start() {
  if (!slug) return;
  communeNav(slug);
  form.noValidate = true;
  form.addEventListener("submit", onSubmit);
  let commune;
  loading = loadCommune(slug);
  try {
    commune = await loading;
  } catch {
    // Without the themes, the form still posts as plain HTML (the commune files it « à classer »).
    const note = $("#etat-commune");
    note.className = "encart";
    note.textContent = "Les thèmes de la commune n'ont pas pu être chargés. Vous pouvez tout de même envoyer votre avis : la mairie le classera elle-même.";
    note.hidden = false;
    return;
  } finally {
    loading = null;
  }
  if (!commune) {
    communeNotFound($("#contenu"), slug);
    return;
  }
  enhance(commune);
}

start();
