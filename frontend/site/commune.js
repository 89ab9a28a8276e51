// A commune's public page: call to action, consultations, « Vous avez dit, nous avons fait »,
// barometer summary, public indicators (when the commune publishes them), themes.
import {
  $, el, append, clear, api, errorMessage, slugFromPath, setTitle, announce, showState,
  loadCommune, communeNotFound, communeNav, themeLabel, quartierLabel, timeEl, formatDay,
  formatNumber,
} from "/site/lib.js";

const slug = slugFromPath();
const main = $("#contenu");
const page = $("#contenu-page");
const h1 = $("#titre-page");
const CONSULTATION_ID = /^[0-9a-z]{26}$/;

function section(id, title) {
  const body = el("div", { "aria-busy": "true" });
  const node = el("section", { class: "section", id, "aria-labelledby": `${id}-titre` },
    el("h2", { id: `${id}-titre` }, title), body);
  page.appendChild(node);
  return { node, body };
}

function bar(value, max) {
  const fill = el("span");
  fill.style.width = `${Math.max(0, Math.min(100, (value / max) * 100))}%`;
  return el("span", { class: "barre", "aria-hidden": "true" }, fill);
}

function share(value) {
  if (value === null || value === undefined) return "—";
  return `${formatNumber(Math.min(1, Math.max(0, value)) * 100, 0)} %`;
}

function hours(value) {
  if (value === null || value === undefined) return "—";
  if (value < 48) return `${formatNumber(value, 0)} h`;
  const days = value / 24;
  return `${formatNumber(days, days < 10 ? 1 : 0)} jours`;
}

// ---- Consultations -------------------------------------------------------------------------

function renderConsultations(commune) {
  const items = (commune.consultations || []).filter((c) => c.open && CONSULTATION_ID.test(c.id));
  const { body } = section("concertations", "Concertations en cours");
  body.setAttribute("aria-busy", "false");
  if (!items.length) {
    body.appendChild(el("p", { class: "etat-empty" }, "Aucune concertation n'est ouverte en ce moment."));
    return;
  }
  const list = el("ul", { class: "consultations" });
  for (const c of items) {
    list.appendChild(el("li", {},
      el("h3", {}, el("a", { href: `/${slug}/consultations/${c.id}` }, c.title)),
      el("p", {}, c.question),
      el("p", { class: "meta" }, `Vous pouvez répondre jusqu'au ${formatDay(c.closesOn)}.`)));
  }
  body.appendChild(list);
}

// ---- Published opinions and the commune's public answers --------------------------------------

function opinionItem(commune, opinion) {
  const key = String(opinion.id).replace(/[^A-Za-z0-9]/g, "");
  const titleId = `avis-${key}`;
  const heading = themeLabel(commune, opinion.theme)
    + (opinion.quartier ? ` — ${quartierLabel(commune, opinion.quartier)}` : "");
  const meta = el("p", { class: "meta" }, "Avis du ", timeEl(opinion.createdAt));
  if (Number.isInteger(opinion.rating)) append(meta, [` · Note : ${opinion.rating} sur 5`]);

  const done = el("div", { class: "fait" }, el("p", { class: "etiquette" }, "Nous avons fait :"));
  const answers = Array.isArray(opinion.answers) ? opinion.answers : [];
  if (answers.length) {
    for (const answer of answers) {
      done.appendChild(el("div", { class: "reponse" },
        el("p", { class: "citation" }, answer.text),
        el("p", { class: "meta" }, "Réponse de la mairie du ", timeEl(answer.at))));
    }
  } else {
    done.appendChild(el("p", { class: "sans-reponse" }, "La mairie n'a pas encore répondu publiquement à cet avis."));
  }

  return el("li", {}, el("article", { class: "avis", "aria-labelledby": titleId },
    el("h3", { id: titleId, tabindex: "-1" }, heading),
    meta,
    el("div", { class: "dit" },
      el("p", { class: "etiquette" }, "Vous avez dit :"),
      el("blockquote", { class: "citation" }, opinion.text)),
    done));
}

function renderOpinions(commune) {
  const { body } = section("avis-publies", "Vous avez dit, nous avons fait");
  const intro = el("p", {}, "Les avis des habitants publiés par la mairie, et ses réponses. Les informations personnelles y sont masquées.");
  const list = el("ul", { class: "liste-avis" });
  const more = el("button", { type: "button", class: "bouton bouton-secondaire", hidden: true }, "Afficher plus d'avis");
  const status = el("div");
  let cursor = null;
  let loading = false;

  async function load(first) {
    if (loading) return;
    loading = true;
    if (first) {
      showState(status, "loading", "Chargement des avis publiés…");
    } else {
      more.setAttribute("aria-disabled", "true");
      more.textContent = "Chargement…";
    }
    try {
      const query = new URLSearchParams({ limit: "10" });
      if (cursor) query.set("cursor", cursor);
      const data = await api(`/communes/${encodeURIComponent(slug)}/feedback?${query}`);
      clear(status);
      const items = Array.isArray(data.items) ? data.items : [];
      const added = items.map((opinion) => opinionItem(commune, opinion));
      append(list, added);
      cursor = data.nextCursor || null;
      more.hidden = !cursor;
      if (first && !items.length) {
        status.appendChild(el("p", { class: "etat-empty" }, "Aucun avis n'a encore été publié. Soyez le premier à donner le vôtre !"));
      }
      if (!first && added.length) {
        added[0].querySelector("h3").focus();
        announce(`${added.length} avis de plus affichés.`);
      }
    } catch (error) {
      showState(status, "error", errorMessage(error, "Les avis publiés n'ont pas pu être chargés."), () => load(first));
    } finally {
      loading = false;
      body.setAttribute("aria-busy", "false");
      status.setAttribute("aria-busy", "false");
      more.removeAttribute("aria-disabled");
      more.textContent = "Afficher plus d'avis";
    }
  }

  more.addEventListener("click", () => load(false));
  append(body, [intro, status, list, el("div", { class: "actions" }, more)]);
  load(true);
}

// ---- Barometer summary ----------------------------------------------------------------------

async function renderBarometer() {
  const { body } = section("barometre", "Le baromètre du mois");
  showState(body, "loading", "Chargement du baromètre…");
  try {
    const data = await api(`/communes/${encodeURIComponent(slug)}/barometer`);
    clear(body);
    const rated = (data.themes || []).filter((t) => t.votes > 0 && typeof t.average === "number");
    if (!rated.length) {
      body.appendChild(el("p", { class: "etat-empty" }, "Personne n'a encore noté la commune ce mois-ci."));
    } else {
      body.appendChild(el("p", {}, "Note moyenne donnée par les habitants ce mois-ci, sur 10 :"));
      const list = el("ul", { class: "liste-baro" });
      for (const t of rated) {
        const votes = `${t.votes} vote${t.votes > 1 ? "s" : ""}`;
        list.appendChild(el("li", {},
          el("span", {}, t.label),
          el("strong", {}, `${formatNumber(t.average)} sur 10 `, el("span", { class: "meta" }, `(${votes})`)),
          bar(t.average, 10)));
      }
      body.appendChild(list);
    }
    body.appendChild(el("p", {}, el("a", { class: "bouton bouton-secondaire", href: `/${slug}/barometre` }, "Donner mes notes au baromètre")));
  } catch (error) {
    showState(body, "error", errorMessage(error, "Le baromètre n'a pas pu être chargé."));
  }
  body.setAttribute("aria-busy", "false");
}

// ---- Public indicators (opt-in) -------------------------------------------------------------

async function renderIndicators() {
  const { node, body } = section("indicateurs", "Ce que vous nous dites, en chiffres");
  showState(body, "loading", "Chargement des indicateurs…");
  let data;
  try {
    data = await api(`/communes/${encodeURIComponent(slug)}/indicators`);
  } catch (error) {
    if (error.status === 404 || error.status === 403) {
      node.remove(); // the commune does not publish its indicators
      return;
    }
    showState(body, "error", errorMessage(error, "Les indicateurs n'ont pas pu être chargés."));
    body.setAttribute("aria-busy", "false");
    return;
  }
  clear(body);
  body.setAttribute("aria-busy", "false");
  body.appendChild(el("p", {}, `Sur les douze derniers mois, du ${formatDay(data.from)} au ${formatDay(data.to)}.`));
  body.appendChild(el("ul", { class: "chiffres" },
    el("li", {}, el("span", { class: "chiffre" }, formatNumber(data.verbatims || 0, 0)), "messages des habitants"),
    el("li", {}, el("span", { class: "chiffre" }, share(data.answeredShare)), "des avis ont reçu une réponse"),
    el("li", {}, el("span", { class: "chiffre" }, hours(data.medianFirstAnswerHours)), "délai médian de première réponse")));

  const themes = (data.themes || []).filter((t) => t.verbatims > 0);
  if (!themes.length) {
    body.appendChild(el("p", { class: "etat-empty" }, "Pas encore assez de messages pour détailler par thème."));
    return;
  }
  const rows = themes.map((t) => el("tr", {},
    el("th", { scope: "row" }, t.label),
    el("td", { class: "nombre" }, formatNumber(t.verbatims, 0)),
    el("td", { class: "nombre" }, t.netSentiment === null ? "—" : formatNumber(t.netSentiment, 0)),
    el("td", { class: "nombre" }, share(t.answeredShare)),
    el("td", { class: "nombre" }, hours(t.medianFirstAnswerHours))));
  const table = el("table", {},
    el("caption", {}, "Par thème"),
    el("thead", {}, el("tr", {},
      el("th", { scope: "col" }, "Thème"),
      el("th", { scope: "col", class: "nombre" }, "Messages"),
      el("th", { scope: "col", class: "nombre" }, "Sentiment net"),
      el("th", { scope: "col", class: "nombre" }, "Avis avec réponse"),
      el("th", { scope: "col", class: "nombre" }, "Délai médian"))),
    el("tbody", {}, rows));
  body.appendChild(el("div", { class: "tableau", role: "region", "aria-label": "Indicateurs par thème", tabindex: "0" }, table));
  body.appendChild(el("p", { class: "meta" }, "Le sentiment net va de −100 (tous les messages sont négatifs) à +100 (tous sont positifs). Les messages sont analysés automatiquement."));
}

// ---- Page -------------------------------------------------------------------------------------

function render(commune) {
  h1.textContent = commune.name;
  setTitle(commune.name);
  communeNav(slug, commune.name);
  clear(page);
  page.setAttribute("aria-busy", "false");
  append(page, [
    el("p", { class: "chapo" }, `Dites à la mairie de ${commune.name} ce qui va et ce qui ne va pas : elle lit chaque avis et vous répond.`),
    el("div", { class: "actions" },
      el("a", { class: "bouton", href: `/${slug}/avis` }, "Donner mon avis"),
      el("a", { class: "bouton bouton-secondaire", href: `/${slug}/barometre` }, "Noter ma commune")),
  ]);
  renderConsultations(commune);
  renderOpinions(commune);
  renderBarometer();
  renderIndicators();
  const { body } = section("themes", "Les thèmes sur lesquels vous pouvez vous exprimer");
  body.setAttribute("aria-busy", "false");
  body.appendChild(el("ul", { class: "liste-etiquettes" }, commune.themes.map((t) => el("li", {}, t.label))));
  if (commune.quartiers.length) {
    body.appendChild(el("p", {}, `Quartiers : ${commune.quartiers.map((q) => q.label).join(", ")}.`));
  }
}

async function start() {
  showState(page, "loading", "Chargement de la page de la commune…");
  let commune;
  try {
    commune = await loadCommune(slug);
  } catch (error) {
    setTitle("Page indisponible");
    h1.textContent = "Page momentanément indisponible";
    const box = showState(page, "error", errorMessage(error), start);
    box.setAttribute("tabindex", "-1");
    return;
  }
  if (!commune) {
    communeNotFound(main, slug);
    return;
  }
  render(commune);
}

if (slug) {
  communeNav(slug);
  start();
} else {
  communeNotFound(main, location.pathname.split("/")[1] || "");
}
