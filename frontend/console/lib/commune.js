// The commune of the signed-in staff member: name, slug, themes and quartiers (labels).
// Sources, in order: GET /console/commune (when deployed), else the slug read from
// GET /console/channels (the form webhook URL or the commune's e-mail address) and the public
// profile GET /communes/{slug}, else the labels of the dashboard's breakdowns.

import { get, ApiError } from "./api.js";

let cached = null;
let servicesCached = null;

const FALLBACK_THEME_LABELS = { "a-classer": "À classer" };

function slugFromChannels(channels) {
  const url = channels && channels.forms && channels.forms.webhookUrl;
  if (typeof url === "string") {
    const match = url.match(/\/channels\/forms\/([a-z0-9][a-z0-9-]{0,62})\/?$/);
    if (match) return match[1];
  }
  const address = channels && channels.emailAddress;
  if (typeof address === "string") {
    const local = address.split("@")[0];
    if (/^[a-z0-9][a-z0-9-]{0,62}$/.test(local)) return local;
  }
  return null;
}

async function publicProfile(slug) {
  const response = await fetch(`/api/communes/${encodeURIComponent(slug)}`, { headers: { Accept: "application/json" } });
  if (!response.ok) throw new ApiError(response.status, "commune_not_found", "Commune introuvable.");
  return response.json();
}

async function load() {
  try {
    const commune = await get("/console/commune");
    return { ...commune, editable: true, source: "console" };
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
  }
  try {
    const channels = await get("/console/channels");
    const slug = slugFromChannels(channels);
    if (slug) {
      const profile = await publicProfile(slug);
      return { ...profile, editable: false, source: "public" };
    }
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
  }
  const dashboard = await get("/console/dashboard");
  return {
    communeId: "",
    slug: "",
    name: "",
    themes: dashboard.byTheme.map(({ id, label }) => ({ id, label })),
    quartiers: dashboard.byQuartier.filter((row) => row.id !== "-").map(({ id, label }) => ({ id, label })),
    consultations: [],
    editable: false,
    source: "dashboard",
  };
}

/** The commune (cached for the session); never throws: empty lists when nothing answers. */
export async function commune() {
  if (!cached) {
    cached = load().catch(() => ({ communeId: "", slug: "", name: "", themes: [], quartiers: [], source: "none" }));
  }
  return cached;
}

export function forget() {
  cached = null;
  servicesCached = null;
}

export function themeLabel(info, id) {
  if (!id) return "—";
  const theme = info && info.themes && info.themes.find((item) => item.id === id);
  return theme ? theme.label : FALLBACK_THEME_LABELS[id] || id;
}

export function quartierLabel(info, id) {
  if (!id) return "Non précisé";
  const quartier = info && info.quartiers && info.quartiers.find((item) => item.id === id);
  return quartier ? quartier.label : id;
}

/** Theme options for a <select>, with "À classer". */
export function themeOptions(info, { withUnclassified = true } = {}) {
  const options = (info.themes || []).map((theme) => [theme.id, theme.label]);
  if (withUnclassified && !options.some(([id]) => id === "a-classer")) options.push(["a-classer", "À classer"]);
  return options;
}

export function quartierOptions(info) {
  return (info.quartiers || []).map((quartier) => [quartier.id, quartier.label]);
}

/** GET /console/services (cached); [] when it fails. */
export async function services() {
  if (!servicesCached) {
    servicesCached = get("/console/services")
      .then((data) => data.items || [])
      .catch(() => {
        servicesCached = null;
        return [];
      });
  }
  return servicesCached;
}

export function forgetServices() {
  servicesCached = null;
}

export function serviceLabel(list, id) {
  if (!id) return "—";
  const service = list.find((item) => item.id === id);
  return service ? service.label : id;
}
