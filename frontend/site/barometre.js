// The town barometer: rate the commune 1–10 per theme (anonymous, once per theme per month per
// browser: a random `voter` token kept in localStorage) and see this month's averages.
import {
  $, el, append, clear, api, errorMessage, slugFromPath, setTitle, showState, loadCommune,
  communeNotFound, communeNav, formatNumber, voterToken, store,
} from "/site/lib.js";

const slug = slugFromPath();
const page = $("#contenu-page");
const h1 = $("#titre-page");
let commune = null;

function safeId(id) {
  return String(id).replace(/[^A-Za-z0-9_-]/g, "");
}

/** Themes this browser already rated in `period` (a memo: the API has the last word). */
function ratedThemes(period) {
  const memo = store(`barometre.${slug}`);
  return memo && memo.period === period && Array.isArray(memo.themes) ? memo.themes : [];
}

function remember(period, themes) {
  const all = Array.from(new Set([...ratedThemes(period), ...themes]));
  store(`barometre.${slug}`, { period, themes: all });
}

function themeGroup(theme, done) {
  const id = safeId(theme.id);
  const choices = el("div", { class: "choix-ligne" });
  const values = ["", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10"];
  for (const value of values) {
    const inputId = `note-${id}-${value || "aucune"}`;
    choices.appendChild(el("div", { class: "choix" },
      el("input", { type: "radio", id: inputId, name: `note-${id}`, value, checked: value === "" }),
      el("label", { for: inputId }, value || "Pas de note")));
  }
  return el("fieldset", { class: "theme-note", "data-theme": theme.id, disabled: done },
    el("legend", {}, theme.label),
    done ? el("p", { class: "deja-note" }, "Vous avez déjà noté ce thème ce mois-ci.") : null,
    choices);
}

function renderForm(container, data, onDone) {
  const done = ratedThemes(data.period);
  const summary = el("div", { class: "resume-erreurs", tabindex: "-1", role: "alert", hidden: true });
  const status = el("p", { role: "status" });
  const button = el("button", { type: "submit", class: "bouton" }, "Envoyer mes notes");
  const open = data.themes.filter((t) => !done.includes(t.id));
  const form = el("form", { class: "formulaire", novalidate: true },
    summary,
    el("p", { class: "aide", id: "baro-aide" }, "Pour chaque thème : 1 = très insatisfait, 10 = très satisfait. Laissez « Pas de note » pour les thèmes que vous ne souhaitez pas noter."),
    data.themes.map((t) => themeGroup(t, done.includes(t.id))),
    open.length ? button : el("p", { class: "alerte-succes" }, "Vous avez noté tous les thèmes ce mois-ci. Merci ! Revenez le mois prochain."),
    status);
  let busy = false;

  function problem(message) {
    clear(summary);
    append(summary, [el("h2", {}, "Vos notes n'ont pas été envoyées"), el("p", {}, message)]);
    summary.hidden = false;
    summary.focus();
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (busy) return;
    summary.hidden = true;
    const ratings = {};
    for (const group of form.querySelectorAll("fieldset.theme-note:not([disabled])")) {
      const checked = group.querySelector("input:checked");
      if (checked && checked.value) ratings[group.dataset.theme] = Number(checked.value);
    }
    const themes = Object.keys(ratings);
    if (!themes.length) {
      problem("Choisissez une note de 1 à 10 pour au moins un thème.");
      return;
    }
    busy = true;
    button.setAttribute("aria-disabled", "true");
    status.textContent = "Envoi de vos notes…";
    try {
      const outcome = await api(`/communes/${encodeURIComponent(slug)}/barometer`, {
        method: "POST", body: { ratings, voter: voterToken() },
      });
      remember(data.period, [...(outcome.counted || []), ...(outcome.alreadyRated || [])]);
      onDone(outcome);
    } catch (error) {
      status.textContent = "";
      if (error.status === 409) {
        remember(data.period, themes);
        onDone({ counted: [], alreadyRated: themes });
      } else {
        problem(errorMessage(error, "Vos notes n'ont pas pu être enregistrées. Réessayez."));
      }
    } finally {
      busy = false;
      button.removeAttribute("aria-disabled");
    }
  });
  container.appendChild(form);
}

function trend(theme) {
  if (typeof theme.previousAverage !== "number" || typeof theme.average !== "number") return "—";
  const delta = Math.round((theme.average - theme.previousAverage) * 10) / 10;
  const previous = `${formatNumber(theme.previousAverage)}`;
  if (delta > 0) return `${previous} (en hausse de ${formatNumber(delta)})`;
  if (delta < 0) return `${previous} (en baisse de ${formatNumber(-delta)})`;
  return `${previous} (stable)`;
}

function renderResults(container, data) {
  const rated = data.themes.filter((t) => t.votes > 0);
  if (!rated.length) {
    container.appendChild(el("p", { class: "etat-empty" }, "Personne n'a encore noté la commune ce mois-ci : soyez le premier !"));
    return;
  }
  const rows = data.themes.map((t) => {
    const fill = el("span");
    if (typeof t.average === "number") fill.style.width = `${Math.min(100, t.average * 10)}%`;
    return el("tr", {},
      el("th", { scope: "row" }, t.label),
      el("td", { class: "nombre" },
        typeof t.average === "number" ? `${formatNumber(t.average)} sur 10` : "Pas encore de note",
        typeof t.average === "number" ? el("span", { class: "barre", "aria-hidden": "true" }, fill) : null),
      el("td", { class: "nombre" }, String(t.votes)),
      el("td", {}, trend(t)));
  });
  container.appendChild(el("div", { class: "tableau", role: "region", "aria-label": "Notes moyennes du mois par thème", tabindex: "0" },
    el("table", {},
      el("caption", {}, `Notes moyennes sur 10, ${monthName(data.period)}`),
      el("thead", {}, el("tr", {},
        el("th", { scope: "col" }, "Thème"),
        el("th", { scope: "col", class: "nombre" }, "Moyenne"),
        el("th", { scope: "col", class: "nombre" }, "Votes"),
        el("th", { scope: "col" }, "Mois précédent"))),
      el("tbody", {}, rows))));
}

function monthName(period) {
  const date = new Date(`${period}-15T12:00:00`);
  if (Number.isNaN(date.getTime())) return period;
  return new Intl.DateTimeFormat("fr-FR", { month: "long", year: "numeric" }).format(date);
}

function names(ids, data) {
  return ids.map((id) => (data.themes.find((t) => t.id === id) || { label: id }).label).join(", ");
}

async function load(notice) {
  let data;
  try {
    data = await api(`/communes/${encodeURIComponent(slug)}/barometer`);
  } catch (error) {
    if (error.status === 404) {
      communeNotFound($("#contenu"), slug);
      return;
    }
    showState(page, "error", errorMessage(error, "Le baromètre n'a pas pu être chargé."), () => load());
    return;
  }
  clear(page);
  page.setAttribute("aria-busy", "false");
  if (notice) page.appendChild(notice);

  const formSection = el("section", { class: "section", "aria-labelledby": "titre-noter" }, el("h2", { id: "titre-noter" }, "Noter ma commune"));
  const resultSection = el("section", { class: "section", "aria-labelledby": "titre-resultats" }, el("h2", { id: "titre-resultats" }, "Les notes du mois"));
  append(page, [formSection, resultSection]);
  renderForm(formSection, data, (outcome) => {
    const parts = [];
    if (outcome.counted && outcome.counted.length) parts.push(`Merci ! Vos notes ont été comptées pour : ${names(outcome.counted, data)}.`);
    if (outcome.alreadyRated && outcome.alreadyRated.length) parts.push(`Vous aviez déjà noté ce mois-ci : ${names(outcome.alreadyRated, data)} ; ces notes n'ont pas été recomptées.`);
    const box = el("p", { class: outcome.counted && outcome.counted.length ? "alerte-succes" : "encart", tabindex: "-1", id: "baro-resultat" }, parts.join(" "));
    load(box).then(() => { const node = $("#baro-resultat"); if (node) node.focus(); });
  });
  renderResults(resultSection, data);
}

async function start() {
  if (!slug) return;
  communeNav(slug);
  showState(page, "loading", "Chargement du baromètre…");
  try {
    commune = await loadCommune(slug);
  } catch (error) {
    showState(page, "error", errorMessage(error), start);
    return;
  }
  if (!commune) {
    communeNotFound($("#contenu"), slug);
    return;
  }
  h1.textContent = `Le baromètre de ${commune.name}`;
  setTitle("Baromètre", commune.name);
  communeNav(slug, commune.name);
  await load();
}

start();
