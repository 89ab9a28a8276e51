// French labels and formats.

export const STATUS = { new: "Nouveau", in_progress: "En cours", answered: "Répondu", closed: "Clos" };
export const CHANNEL = { web: "Site web", email: "E-mail", form: "Formulaire", social: "Réseaux sociaux" };
export const SENTIMENT = { POSITIVE: "Positif", NEGATIVE: "Négatif", NEUTRAL: "Neutre", MIXED: "Mitigé" };
export const PRIORITY = { normal: "Normale", high: "Haute" };
export const PUBLICATION = {
  none: "Non publié",
  pending: "En attente de modération",
  published: "Publié",
  hidden: "Masqué",
};
export const DELIVERY = {
  pending: "En attente d'envoi",
  sending: "Envoi en cours",
  sent: "Envoyée",
  failed: "Échec de l'envoi",
};
export const VISIBILITY = { private: "Privée", public: "Publique" };
export const ANALYSIS = { pending: "Analyse en cours", done: "Analysé", failed: "Analyse en échec", skipped: "Pas de texte à analyser" };
export const AUTHOR = { citizen: "Citoyen·ne", commune: "Mairie", note: "Note interne" };
export const PLATFORM = { facebook: "Facebook", instagram: "Instagram", whatsapp: "WhatsApp" };
export const ALERT_KIND = {
  negative_surge: "Hausse des avis négatifs",
  barometer_drop: "Baisse au baromètre",
  overdue_thread: "Fil en retard",
  escalated_thread: "Avis négatif escaladé",
  emerging_topic: "Sujet émergent",
};
export const MODERATION_REASON = {
  personal_data: "Données personnelles",
  toxic: "Propos injurieux",
  not_analysed: "Pas encore analysé",
};
export const EXPORT_STATUS = { queued: "En file d'attente", running: "En cours", done: "Terminé", failed: "Échec" };
export const ROLE = { admin: "Administrateur", agent: "Agent", viewer: "Élu (lecture seule)" };
export const ACTIVITY = {
  "thread.created": "Nouveau fil",
  "thread.citizen_message": "Message du citoyen",
  "thread.analysed": "Analyse terminée",
  "thread.updated": "Fil modifié",
  "thread.reply": "Réponse envoyée",
  "thread.note": "Note interne ajoutée",
  "thread.merged": "Fil fusionné",
  "thread.escalated": "Fil escaladé",
  "thread.published": "Avis publié",
  "thread.hidden": "Avis masqué",
  "settings.changed": "Réglages modifiés",
  "template.saved": "Modèle enregistré",
  "template.deleted": "Modèle supprimé",
  "alert.acknowledged": "Alerte prise en charge",
  "export.requested": "Export demandé",
  "consultation.created": "Concertation créée",
  "channel.key_created": "Clé de formulaire créée",
  "channel.key_revoked": "Clé de formulaire révoquée",
  "channel.configured": "Réseaux sociaux configurés",
  "staff.invited": "Membre de l'équipe invité",
  "staff.role_changed": "Rôle d'un membre modifié",
  "staff.removed": "Membre de l'équipe retiré",
  "contact.erased": "Données d'un citoyen effacées",
};
export const ACTOR = { citizen: "Citoyen·ne", system: "Système" };

export function label(map, value, fallback = "—") {
  if (value === null || value === undefined || value === "") return fallback;
  return map[value] || String(value);
}

const numberFormat = new Intl.NumberFormat("fr-FR", { maximumFractionDigits: 1 });
const integerFormat = new Intl.NumberFormat("fr-FR", { maximumFractionDigits: 0 });

export function number(value, fallback = "—") {
  if (value === null || value === undefined || Number.isNaN(Number(value))) return fallback;
  return numberFormat.format(Number(value));
}

export function integer(value, fallback = "—") {
  if (value === null || value === undefined) return fallback;
  return integerFormat.format(Number(value));
}

/** Signed (+3,2 / −1,5) with a real minus sign. */
export function signed(value, fallback = "—") {
  if (value === null || value === undefined) return fallback;
  const n = Number(value);
  const text = numberFormat.format(Math.abs(n));
  if (n > 0) return `+${text}`;
  if (n < 0) return `−${text}`;
  return text;
}

export function percentOfShare(share, fallback = "—") {
  if (share === null || share === undefined) return fallback;
  return `${numberFormat.format(Number(share) * 100)} %`;
}

const PARIS = "Europe/Paris";
const dateTimeFormat = new Intl.DateTimeFormat("fr-FR", { dateStyle: "medium", timeStyle: "short", timeZone: PARIS });
const dateFormat = new Intl.DateTimeFormat("fr-FR", { dateStyle: "medium", timeZone: PARIS });
const longDateFormat = new Intl.DateTimeFormat("fr-FR", { dateStyle: "long", timeZone: PARIS });
const dayFormat = new Intl.DateTimeFormat("fr-FR", { day: "numeric", month: "short", timeZone: "UTC" });

export function dateTime(iso, fallback = "—") {
  if (!iso) return fallback;
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? fallback : dateTimeFormat.format(date);
}

export function dateOnly(iso, fallback = "—") {
  if (!iso) return fallback;
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? fallback : dateFormat.format(date);
}

export function longDate(iso, fallback = "—") {
  if (!iso) return fallback;
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? fallback : longDateFormat.format(date);
}

/** A calendar day "2026-11-02" → "2 nov." (no time zone shift). */
export function day(isoDay) {
  if (!isoDay) return "—";
  const date = new Date(`${isoDay}T00:00:00Z`);
  return Number.isNaN(date.getTime()) ? isoDay : dayFormat.format(date);
}

export function longDay(isoDay) {
  if (!isoDay) return "—";
  const date = new Date(`${isoDay}T12:00:00Z`);
  return Number.isNaN(date.getTime()) ? isoDay : longDateFormat.format(date);
}

/** A <time> element. */
export function timeElement(iso, text) {
  const el = document.createElement("time");
  if (iso) el.setAttribute("datetime", iso);
  el.textContent = text;
  return el;
}

export function bytes(size) {
  if (size === null || size === undefined) return "—";
  if (size < 1024) return `${integer(size)} o`;
  if (size < 1024 * 1024) return `${number(size / 1024)} Ko`;
  return `${number(size / (1024 * 1024))} Mo`;
}

export function hours(value) {
  if (value === null || value === undefined) return "—";
  const n = Number(value);
  if (n >= 48) return `${number(n)} h (${number(n / 24)} jours)`;
  return `${number(n)} h`;
}

/** YYYY-MM-DD of a Date in Paris. */
export function isoDay(date = new Date()) {
  const parts = new Intl.DateTimeFormat("en-CA", { timeZone: PARIS, year: "numeric", month: "2-digit", day: "2-digit" }).format(date);
  return parts;
}

export function addDays(isoDayString, days) {
  const date = new Date(`${isoDayString}T12:00:00Z`);
  date.setUTCDate(date.getUTCDate() + days);
  return date.toISOString().slice(0, 10);
}

/** First characters of a text, on a word boundary. */
export function excerpt(text, max = 160) {
  const value = String(text || "").replace(/\s+/g, " ").trim();
  if (value.length <= max) return value;
  const cut = value.slice(0, max);
  const space = cut.lastIndexOf(" ");
  return `${(space > max * 0.6 ? cut.slice(0, space) : cut).trimEnd()}…`;
}

/** Chart buckets (dashboard, topic page): "sem. du 2 nov." / "la semaine du 2 novembre 2026". */
export const GRANULARITY = { day: "Jour", week: "Semaine", month: "Mois" };

export function bucketLabel(start, granularity) {
  if (granularity === "month") {
    const date = new Date(`${start}T12:00:00Z`);
    return new Intl.DateTimeFormat("fr-FR", { month: "short", year: "numeric", timeZone: "UTC" }).format(date);
  }
  if (granularity === "week") return `sem. du ${day(start)}`;
  return day(start);
}

export function bucketLong(start, granularity) {
  if (granularity === "month") {
    const date = new Date(`${start}T12:00:00Z`);
    return new Intl.DateTimeFormat("fr-FR", { month: "long", year: "numeric", timeZone: "UTC" }).format(date);
  }
  if (granularity === "week") return `la semaine du ${longDay(start)}`;
  return `le ${longDay(start)}`;
}
