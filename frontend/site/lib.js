// Concerto — shared helpers of the citizen site (no framework, no build step).
// Data from the API is only ever rendered as text (textContent / text nodes).

const SLUG = /^[a-z0-9][a-z0-9-]{0,62}$/;
const TOKEN = /^[A-Za-z0-9._~=-]{10,1000}$/;

export const $ = (selector, root = document) => root.querySelector(selector);

/** el("p", {class: "x", "aria-live": "polite"}, "text", otherNode…) — text children become
 *  text nodes; attributes are set with setAttribute (no event-handler attributes). */
export function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false || /^on/i.test(name)) continue;
    node.setAttribute(name === "className" ? "class" : name, value === true ? "" : String(value));
  }
  append(node, children);
  return node;
}

export function append(node, children) {
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.appendChild(typeof child === "object" ? child : document.createTextNode(String(child)));
  }
  return node;
}

export function clear(node) {
  while (node.firstChild) node.removeChild(node.firstChild);
  return node;
}

/** The commune's slug: the first segment of the path (/biot, /biot/avis…). */
export function slugFromPath() {
  const first = location.pathname.split("/")[1] || "";
  return SLUG.test(first) ? first : null;
}

/** Tokens are made of URL-safe characters only: they go into paths and fragments as they are
 *  (the API does not decode %-escapes in its paths). */
export function isToken(value) {
  return typeof value === "string" && TOKEN.test(value);
}

/** The secret token carried in the fragment (#…), never sent to any server. */
export function tokenFromHash() {
  let raw = location.hash.slice(1);
  try { raw = decodeURIComponent(raw); } catch { return null; }
  raw = raw.trim();
  return TOKEN.test(raw) ? raw : null;
}

/** Only same-site paths ("/x", not "//x") and http(s) URLs: never javascript: or data:. */
export function safeHref(url) {
  if (typeof url !== "string") return null;
  if (/^\/(?![\/\\])/.test(url)) return url;
  try {
    const parsed = new URL(url);
    return parsed.protocol === "https:" || parsed.protocol === "http:" ? parsed.href : null;
  } catch { return null; }
}

export class ApiError extends Error {
  constructor(status, code, message, details, retryAfter) {
    super(message || code);
    this.status = status;
    this.code = code;
    this.details = Array.isArray(details) ? details : [];
    this.retryAfter = retryAfter;
  }
}

/** JSON API call under /api. Resolves with the parsed body; rejects with ApiError
 *  (status 0 when the network or the API could not be reached). */
export async function api(path, options = {}) {
  const headers = { Accept: "application/json", ...(options.headers || {}) };
  const init = { method: options.method || "GET", headers, credentials: "same-origin" };
  if (options.body !== undefined) {
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(options.body);
  }
  let response;
  try {
    response = await fetch("/api" + path, init);
  } catch {
    throw new ApiError(0, "network", "network");
  }
  let data = null;
  try { data = await response.json(); } catch { data = null; }
  if (response.ok) return data || {};
  const error = (data && data.error) || {};
  const code = response.status >= 500 ? "unavailable" : error.code || "error";
  const retry = Number(response.headers.get("Retry-After")) || null;
  throw new ApiError(response.status, code, error.message, error.details, retry);
}

const MESSAGES = {
  network: "Le service ne répond pas. Vérifiez votre connexion à internet, puis réessayez.",
  unavailable: "Le service est momentanément indisponible. Réessayez dans quelques minutes.",
  commune_not_found: "Cette commune n'est pas (encore) sur Concerto.",
  text_too_short: "Votre message doit compter au moins 3 caractères.",
  text_too_long: "Votre message ne doit pas dépasser 5 000 caractères.",
  unknown_theme: "Le thème choisi n'existe pas pour cette commune.",
  unknown_quartier: "Le quartier choisi n'existe pas pour cette commune.",
  invalid_rating: "La note doit être comprise entre 1 et 5.",
  consent_required: "Pour laisser votre adresse e-mail, cochez la case de consentement.",
  invalid_email: "L'adresse e-mail n'est pas valide.",
  name_too_long: "Le nom est trop long (100 caractères au plus).",
  payload_too_large: "Votre message est trop long.",
  too_many_requests: "Trop d'envois en peu de temps : réessayez dans quelques minutes.",
  rate_limited: "Trop d'envois en peu de temps depuis votre connexion : réessayez dans quelques minutes.",
  duplicate_flood: "Ce même message vient d'être envoyé plusieurs fois à la mairie : il n'a pas été enregistré une nouvelle fois.",
  spam_suspected: "Ce formulaire semble avoir été rempli automatiquement. Laissez vide le champ « Ne pas remplir » et réessayez.",
  followup_not_found: "Ce lien de suivi n'est pas valide. Vérifiez que vous avez copié le lien en entier.",
  verification_not_found: "Ce lien de confirmation n'est pas valide ou a expiré.",
  unsubscribe_not_found: "Ce lien de désabonnement n'est pas valide ou a expiré.",
  consultation_not_found: "Cette concertation n'existe pas.",
  consultation_closed: "Cette concertation est close : elle n'accepte plus de réponses.",
  already_answered: "Vous avez déjà répondu à cette concertation depuis ce navigateur.",
  already_rated: "Vous avez déjà noté ces thèmes ce mois-ci.",
  votes_capped: "De nombreux votes ont déjà été envoyés depuis votre connexion internet (même box ou même réseau) : le vôtre n'a pas été compté. Réessayez depuis une autre connexion, ou le mois prochain pour le baromètre.",
  invalid_choice: "Cette réponse ne fait pas partie des choix proposés.",
  empty_answer: "Choisissez une réponse ou écrivez un commentaire.",
  no_rating: "Notez au moins un thème.",
  invalid_score: "Les notes vont de 1 à 10.",
  invalid_voter: "Votre navigateur n'a pas pu être identifié. Rechargez la page.",
  conflict: "Cet envoi a déjà été traité. Rechargez la page avant de réessayer.",
};

/** A French sentence for an ApiError (or any error). */
export function errorMessage(error, fallback) {
  if (error && MESSAGES[error.code]) return MESSAGES[error.code];
  if (error && error.status === 429) return MESSAGES.too_many_requests;
  if (error && error.status === 413) return MESSAGES.payload_too_large;
  if (error && error.status === 404) return fallback || "Cette page n'existe pas ou plus.";
  return fallback || "Une erreur est survenue. Réessayez dans un instant.";
}

/** What the API said about one field, in French (422 details). */
export function fieldProblem(detail) {
  const problem = String((detail && detail.problem) || "");
  const field = detail && detail.field;
  if (field === "text") {
    return /at most|exceed|5000/i.test(problem) ? MESSAGES.text_too_long : MESSAGES.text_too_short;
  }
  if (field === "rating") return MESSAGES.invalid_rating;
  if (field === "email") return MESSAGES.invalid_email;
  if (field === "name") return MESSAGES.name_too_long;
  if (field === "theme") return "Choisissez un thème.";
  if (field === "quartier") return MESSAGES.unknown_quartier;
  return "Cette valeur n'est pas acceptée.";
}

const dateFormat = new Intl.DateTimeFormat("fr-FR", { day: "numeric", month: "long", year: "numeric" });
const dateTimeFormat = new Intl.DateTimeFormat("fr-FR", {
  day: "numeric", month: "long", year: "numeric", hour: "2-digit", minute: "2-digit",
});

/** A <time> element in French ("27 novembre 2026"). */
export function timeEl(iso, withTime) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return document.createTextNode("");
  const text = (withTime ? dateTimeFormat : dateFormat).format(date);
  return el("time", { datetime: date.toISOString() }, text);
}

export function formatDay(isoDay) {
  const date = new Date(isoDay + "T12:00:00");
  return Number.isNaN(date.getTime()) ? isoDay : dateFormat.format(date);
}

export function formatNumber(value, digits = 1) {
  return new Intl.NumberFormat("fr-FR", { maximumFractionDigits: digits }).format(value);
}

export function setTitle(...parts) {
  document.title = [...parts.filter(Boolean), "Concerto"].join(" — ");
}

/** Speaks a message through the page's polite live region (#annonces). */
export function announce(message) {
  const region = $("#annonces");
  if (!region) return;
  region.textContent = "";
  setTimeout(() => { region.textContent = message; }, 60);
}

/** Random hex string (crypto), e.g. for the barometer's voter token. */
export function randomHex(bytes = 16) {
  const values = new Uint8Array(bytes);
  crypto.getRandomValues(values);
  return Array.from(values, (b) => b.toString(16).padStart(2, "0")).join("");
}

export function uuid() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const h = randomHex(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20)}`;
}

export function store(key, value) {
  try {
    if (value === undefined) return JSON.parse(localStorage.getItem("concerto." + key));
    localStorage.setItem("concerto." + key, JSON.stringify(value));
  } catch { /* storage disabled: keep going without it */ }
  return value === undefined ? null : value;
}

/** The random token this browser uses for the barometer and consultations (no account). */
export function voterToken() {
  let voter = store("voter");
  if (typeof voter !== "string" || voter.length < 16) voter = store("voter", randomHex(16));
  return voter;
}

export function themeLabel(commune, id) {
  if (id === "a-classer") return "À classer";
  const found = commune && commune.themes.find((theme) => theme.id === id);
  return found ? found.label : id;
}

export function quartierLabel(commune, id) {
  const found = commune && commune.quartiers.find((quartier) => quartier.id === id);
  return found ? found.label : id;
}

/** Fills the header's commune menu (known from the path alone) and marks the current page. */
export function communeNav(slug, name) {
  const nav = $("#menu-commune");
  if (!nav || !slug) return;
  const links = [
    [`/${slug}`, name ? `Accueil de ${name}` : "Accueil de la commune"],
    [`/${slug}/avis`, "Écrire à la mairie"],
    [`/${slug}/barometre`, "Baromètre"],
  ];
  const list = el("ul", { class: "menu" });
  for (const [href, label] of links) {
    const current = location.pathname.replace(/\/$/, "") === href;
    list.appendChild(el("li", {}, el("a", { href, "aria-current": current ? "page" : null }, label)));
  }
  clear(nav).appendChild(list);
  nav.hidden = false;
}

/** Replaces a container's content by a status paragraph (loading, empty or error), with an
 *  optional "Réessayer" button. */
export function showState(container, kind, message, retry) {
  clear(container);
  container.setAttribute("aria-busy", kind === "loading" ? "true" : "false");
  const box = el("div", { class: `etat etat-${kind}`, role: kind === "error" ? "alert" : null }, el("p", {}, message));
  if (retry) {
    const button = el("button", { type: "button", class: "bouton bouton-secondaire" }, "Réessayer");
    button.addEventListener("click", retry);
    box.appendChild(button);
  }
  container.appendChild(box);
  return box;
}

/** Loads a commune's public profile (null when unknown; throws on other errors). */
export async function loadCommune(slug) {
  try {
    const commune = await api(`/communes/${encodeURIComponent(slug)}`);
    // Lets the follow-up page (whose token starts with the INSEE code) name the commune.
    if (commune && /^[0-9][0-9AB][0-9]{3}$/.test(commune.communeId)) store(`commune.${commune.communeId}`, commune.slug);
    return commune;
  } catch (error) {
    if (error.status === 404) return null;
    throw error;
  }
}

/** Renders "commune not found" in the main content. */
export function communeNotFound(main, slug) {
  setTitle("Commune introuvable");
  const h1 = $("h1");
  h1.textContent = "Commune introuvable";
  const container = $("#contenu-page") || main;
  clear(container);
  append(container, [
    el("p", {}, `Aucune commune n'a l'adresse « ${slug} » sur Concerto.`),
    el("p", {}, el("a", { href: "/" }, "Chercher ma commune depuis l'accueil")),
  ]);
}

/** Saves `data` as the file mes-donnees-concerto.json and says so in `status`. */
export function saveJson(data, status) {
  const blob = new Blob([JSON.stringify(data, null, 2)], { type: "application/json" });
  const link = el("a", { href: URL.createObjectURL(blob), download: "mes-donnees-concerto.json" });
  document.body.append(link);
  link.click();
  link.remove();
  status.textContent = "Vos données ont été téléchargées (fichier mes-donnees-concerto.json).";
}

/** « Effacer mes données », which reveals `warning` and « Confirmer l'effacement »; that
 *  one runs `erase` (which reports in the page's status). Returns the three nodes. */
export function eraseControls(warning, erase) {
  const notice = el("p", { id: "effacement-avertissement", hidden: true }, warning);
  const confirm = el("button", { type: "button", class: "bouton bouton-danger", hidden: true }, "Confirmer l'effacement");
  const button = el("button", { type: "button", class: "bouton bouton-secondaire", "aria-controls": "effacement-avertissement", "aria-expanded": "false" }, "Effacer mes données");
  button.addEventListener("click", () => {
    notice.hidden = false;
    confirm.hidden = false;
    button.setAttribute("aria-expanded", "true");
    confirm.focus();
  });
  confirm.addEventListener("click", async () => {
    if (await erase()) {
      notice.hidden = true;
      confirm.hidden = true;
      button.hidden = true;
    }
  });
  return { button, notice, confirm };
}
