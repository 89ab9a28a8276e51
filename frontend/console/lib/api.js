// The console's API client: same origin under /api, Bearer ID token, errors in French.

import { idToken, refresh } from "./auth.js";

const MESSAGES = {
  // 400 / 413 / 415
  invalid_json: "La requête est mal formée.",
  invalid_cursor: "La pagination a expiré : rechargez la liste.",
  payload_too_large: "Le contenu envoyé est trop volumineux (64 Ko au plus).",
  unsupported_media_type: "Le format envoyé n'est pas accepté.",
  // 401 / 403
  missing_token: "Votre session a expiré : reconnectez-vous.",
  invalid_token: "Votre session a expiré : reconnectez-vous.",
  forbidden: "Votre rôle ne permet pas cette action.",
  not_staff: "Ce compte n'a pas accès à la console.",
  account_revoked: "Ce compte a été supprimé ou désactivé : reconnectez-vous ou contactez l'administrateur.",
  mfa_required: "Cette action demande la double authentification : activez-la dans « Mon compte ».",
  // 404
  thread_not_found: "Ce fil est introuvable (supprimé, ou d'une autre commune).",
  template_not_found: "Ce modèle de réponse n'existe plus.",
  staff_not_found: "Ce membre de l'équipe est introuvable.",
  message_not_found: "Ce message est introuvable.",
  export_not_found: "Cet export est introuvable (les exports sont supprimés après 7 jours).",
  alert_not_found: "Cette alerte est introuvable.",
  topic_not_found: "Ce sujet est introuvable : les sujets ont peut-être été recalculés depuis. Revenez au tableau de bord.",
  consultation_not_found: "Cette concertation est introuvable.",
  attachment_not_found: "Cette pièce jointe est introuvable.",
  original_not_found: "L'e-mail d'origine n'est plus disponible.",
  file_not_found: "Le fichier est introuvable.",
  key_not_found: "Cette clé est introuvable.",
  commune_not_found: "Commune introuvable.",
  not_found: "Élément introuvable.",
  // 409
  version_conflict: "Ce fil a été modifié par quelqu'un d'autre entre-temps.",
  analysis_pending: "L'analyse de ce fil n'est pas encore terminée : réessayez dans un instant.",
  rebuild_pending: "Un recalcul des sujets est déjà en cours : les sujets seront à jour dans les 15 minutes.",
  rebuild_too_soon: "Les sujets viennent d'être recalculés : réessayez dans une minute.",
  merged: "Ce fil ne peut pas être fusionné (déjà fusionné, ou d'autres fils y ont été fusionnés).",
  staff_exists: "Cette adresse a déjà un compte.",
  thread_exists: "Ce fil existe déjà.",
  too_many_keys: "Trop de clés actives : révoquez-en une avant d'en créer une autre.",
  consultation_closed: "Cette concertation est close.",
  not_published: "Cet avis n'est pas publié.",
  idempotency_conflict: "Cette requête a déjà été envoyée avec un autre contenu.",
  // 422
  validation_error: "Un champ est invalide.",
  invalid_settings: "Réglages invalides : vérifiez les valeurs saisies.",
  invalid_services: "Services invalides : chaque service a un identifiant et un libellé uniques.",
  invalid_rules: "Règles invalides : chaque règle vise un service existant.",
  service_in_use: "Ce service est encore utilisé par une règle d'aiguillage : modifiez d'abord les règles.",
  unknown_service: "Service inconnu.",
  invalid_themes: "Thèmes invalides : de 1 à 30 thèmes, identifiants uniques (minuscules, chiffres, tirets), libellés de 1 à 80 caractères, 30 mots-clés de 2 à 40 caractères au plus, description de 300 caractères au plus ; « a-classer » est réservé.",
  theme_in_use: "Ce thème est encore utilisé par une règle d'aiguillage : modifiez d'abord les règles.",
  invalid_quartiers: "Quartiers invalides : identifiants uniques (minuscules, chiffres, tirets) et libellés de 1 à 80 caractères.",
  quartier_in_use: "Ce quartier est encore utilisé par une règle d'aiguillage : modifiez d'abord les règles.",
  own_account: "Vous ne pouvez pas retirer votre propre compte ni vous retirer le rôle d'administrateur.",
  invalid_role: "Rôle invalide.",
  unknown_theme: "Thème inconnu.",
  unknown_quartier: "Quartier inconnu.",
  unknown_variable: "Le modèle utilise une variable inconnue : seules {citoyen}, {commune}, {theme} et {agent} sont permises.",
  invalid_template: "Modèle invalide : un titre et un texte d'au moins 3 caractères.",
  too_many_templates: "Le nombre maximal de modèles est atteint.",
  invalid_tag: "Étiquette invalide : 10 au plus, de 1 à 30 caractères chacune.",
  invalid_period: "Période invalide : la date de début doit précéder la date de fin.",
  invalid_date: "Date invalide (format AAAA-MM-JJ).",
  invalid_dates: "Dates invalides : l'ouverture doit précéder la clôture.",
  invalid_granularity: "Granularité invalide.",
  invalid_filter: "Filtre invalide.",
  invalid_limit: "Nombre d'éléments demandé invalide.",
  invalid_actor: "Filtre d'auteur invalide.",
  invalid_bulk: "Action groupée invalide.",
  invalid_merge: "Fusion impossible : indiquez l'identifiant (26 caractères) d'un autre fil de la commune.",
  invalid_meta_settings: "Configuration des réseaux sociaux invalide.",
  invalid_email: "Adresse e-mail invalide.",
  invalid_choices: "Choix invalides.",
  invalid_title: "Titre invalide.",
  invalid_question: "Question invalide.",
  empty_change: "Aucune modification à enregistrer.",
  empty_answer: "La réponse est vide.",
  text_too_short: "Le texte est trop court (3 caractères au moins).",
  text_too_long: "Le texte est trop long (5 000 caractères au plus).",
  no_contact: "Ce citoyen n'a laissé aucun moyen d'être contacté.",
  not_connected: "Ce compte de réseau social n'est pas connecté.",
  form_not_configured: "Le formulaire n'est pas configuré.",
  unknown_parameter: "Paramètre de filtre non reconnu.",
  internal_error: "Erreur interne du serveur : réessayez dans un instant.",
  api_unreachable: "Le serveur est injoignable : réessayez dans un instant.",
};

const BY_STATUS = {
  400: "La requête est mal formée.",
  401: "Votre session a expiré : reconnectez-vous.",
  403: "Votre rôle ne permet pas cette action.",
  404: "Élément introuvable.",
  409: "Conflit : l'élément a changé entre-temps.",
  413: "Le contenu envoyé est trop volumineux.",
  415: "Le format envoyé n'est pas accepté.",
  422: "Certaines valeurs sont invalides.",
  429: "Trop de requêtes : patientez un instant.",
  500: "Erreur du serveur : réessayez dans un instant.",
  502: "Le serveur est injoignable : réessayez dans un instant.",
  503: "Le service est momentanément indisponible.",
};

const FIELD_LABELS = {
  text: "texte",
  title: "titre",
  theme: "thème",
  quartier: "quartier",
  status: "statut",
  assignee: "personne assignée",
  service: "service",
  tags: "étiquettes",
  priority: "priorité",
  sentiment: "sentiment",
  version: "version",
  answerSlaDays: "délai de réponse",
  escalationDays: "délai d'escalade",
  retentionDays: "durée de conservation",
  into: "fil principal",
  email: "adresse e-mail",
  role: "rôle",
  from: "date de début",
  to: "date de fin",
  question: "question",
  opensOn: "date d'ouverture",
  closesOn: "date de clôture",
  choices: "choix",
  appSecret: "secret de l'application",
  verifyToken: "jeton de vérification",
  accounts: "comptes",
  items: "liste",
  label: "libellé",
  id: "identifiant",
};

export class ApiError extends Error {
  constructor(status, code, message, details, body) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details || [];
    this.body = body;
  }

  /** Absent endpoint (not deployed yet): an unknown route answers 403/404 without our format. */
  get unavailable() {
    return this.code === "unavailable";
  }
}

export function frenchMessage(status, code, details) {
  let message = MESSAGES[code] || BY_STATUS[status] || "Une erreur est survenue. Réessayez.";
  if (code === "validation_error" && Array.isArray(details) && details.length) {
    const fields = details
      .map((detail) => String(detail.field || "").split(".")[0])
      .filter(Boolean)
      .map((name) => FIELD_LABELS[name] || name);
    if (fields.length) message = `Valeur invalide : ${[...new Set(fields)].join(", ")}.`;
  }
  return message;
}

function query(params) {
  if (!params) return "";
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined || value === null || value === "") continue;
    search.set(key, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : "";
}

/**
 * api("/console/threads", {query: {...}}) → parsed JSON (null for 204).
 * Throws ApiError (message in French). A 401 refreshes the token once and retries.
 */
export async function api(path, { method = "GET", body, query: params, signal } = {}, retried = false) {
  const token = await idToken();
  const headers = { Authorization: `Bearer ${token}`, Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let response;
  try {
    response = await fetch(`/api${path}${query(params)}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
    });
  } catch (error) {
    if (error && error.name === "AbortError") throw error;
    throw new ApiError(0, "network", "Le serveur est injoignable : vérifiez votre connexion et réessayez.");
  }
  if (response.status === 401 && !retried) {
    await refresh(); // throws (and ends the session) when it cannot
    return api(path, { method, body, query: params, signal }, true);
  }
  if (response.status === 204) return null;
  let data = null;
  const type = response.headers.get("Content-Type") || "";
  if (type.includes("json")) {
    try {
      data = await response.json();
    } catch {
      data = null;
    }
  }
  if (!response.ok) {
    const error = data && typeof data === "object" && data.error && typeof data.error === "object" ? data.error : null;
    if (!error && (response.status === 403 || response.status === 404)) {
      // Not our error format: the route itself does not exist (yet) on this server.
      throw new ApiError(
        response.status,
        "unavailable",
        "Cette fonction n'est pas encore disponible sur ce serveur.",
        [],
        null,
      );
    }
    const code = error && typeof error.code === "string" ? error.code : `http_${response.status}`;
    const details = error && Array.isArray(error.details) ? error.details : [];
    throw new ApiError(response.status, code, frenchMessage(response.status, code, details), details, data);
  }
  return data;
}

export const get = (path, params, signal) => api(path, { query: params, signal });
export const post = (path, body) => api(path, { method: "POST", body: body === undefined ? {} : body });
export const put = (path, body) => api(path, { method: "PUT", body });
export const patch = (path, body) => api(path, { method: "PATCH", body });
export const del = (path) => api(path, { method: "DELETE" });

/** A message for any error thrown by api() (or anything else), in French. */
export function errorText(error) {
  if (error instanceof ApiError) return error.message;
  if (error && error.code === "expired") return "Votre session a expiré : reconnectez-vous.";
  if (error && error.name === "AbortError") return "";
  return "Une erreur inattendue est survenue. Réessayez.";
}
