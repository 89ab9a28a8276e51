// "Ce que disent les habitants": GET /console/summaries?from&to&theme for the chosen theme
// (or ?topic= for one topic, on its page),
// or for the three themes with the most verbatims, one request after the other (each may
// take seconds the first time). Every quoted opinion links to its thread; texts are masked.

import { h } from "../lib/dom.js";
import { get, errorText } from "../lib/api.js";
import { integer } from "../lib/format.js";

const THEMES_SHOWN = 3;
const THREAD_ID = /^[0-9a-z]{10,40}$/i;

function engineNote(summary) {
  const read = `à partir des ${integer(summary.opinions)} avis les plus récents de la période`;
  if (summary.engine === "bedrock") {
    return `Synthèse rédigée par un modèle d'IA (Amazon Bedrock) ${read}, données personnelles masquées ; elle ne s'appuie que sur les avis cités ci-dessous.`;
  }
  return `Phrases citées telles quelles, choisies parmi les plus représentatives, ${read}.`;
}

function quoteList(quotes, label) {
  return h(
    "ol",
    { class: "quotes", "aria-label": `Avis cités pour « ${label} »` },
    quotes.map((quote, index) =>
      h(
        "li",
        null,
        h("blockquote", { class: "quote" }, h("p", null, quote.text)),
        THREAD_ID.test(quote.id)
          ? h("p", null, h("a", { href: `#/fils/${encodeURIComponent(quote.id)}`, "aria-label": `Ouvrir le fil de l'avis cité n° ${index + 1} (${label})` }, "Ouvrir le fil"))
          : null,
      ),
    ),
  );
}

function summaryBlock(summary, label, headingId) {
  const block = h("div", { class: "resident-summary", "aria-labelledby": headingId, role: "group" }, h("h3", { id: headingId }, label));
  if (!summary.quotes.length) {
    block.append(h("p", null, "Pas assez d'avis à citer sur la période."));
    return block;
  }
  block.append(h("p", { class: "resident-summary__text" }, summary.summary), h("p", { class: "hint" }, engineNote(summary)), quoteList(summary.quotes, label));
  return block;
}

/** The section, filled as each theme's summary arrives; `alive()` stops it when the view goes. */
export function summariesSection(period, byTheme, { signal, alive }) {
  const themes = period.theme
    ? byTheme.filter((row) => row.id === period.theme)
    : byTheme.filter((row) => row.verbatims > 0).sort((a, b) => b.verbatims - a.verbatims).slice(0, THEMES_SHOWN);
  const status = h("p", { class: "list-status", role: "status" });
  const list = h("div", { class: "summaries" });
  const section = h(
    "section",
    { class: "panel", "aria-labelledby": "titre-habitants" },
    h("h2", { id: "titre-habitants" }, "Ce que disent les habitants"),
    period.theme ? null : h("p", null, `Les ${themes.length > 1 ? `${themes.length} thèmes` : "thèmes"} les plus cités de la période.`),
    status,
    list,
  );
  if (!themes.length) {
    status.textContent = "Aucun avis sur la période.";
    return section;
  }
  (async () => {
    for (const [index, theme] of themes.entries()) {
      status.textContent = `Rédaction de la synthèse « ${theme.label} »…`;
      try {
        const summary = await get("/console/summaries", { from: period.from, to: period.to, theme: theme.id }, signal);
        if (!alive()) return;
        list.append(summaryBlock(summary, theme.label, `titre-synthese-${index}`));
      } catch (failure) {
        if (!alive()) return;
        list.append(h("p", { class: "hint" }, `Synthèse « ${theme.label} » indisponible : ${errorText(failure)}`));
      }
    }
    status.textContent = `${themes.length > 1 ? "Synthèses affichées" : "Synthèse affichée"}.`;
  })();
  return section;
}

/** The same section for one topic (the topic page): GET /console/summaries?topic&from&to. */
export function topicSummarySection(period, topic, { signal, alive }) {
  const status = h("p", { class: "list-status", role: "status" }, `Rédaction de la synthèse « ${topic.label} »…`);
  const list = h("div", { class: "summaries" });
  const section = h(
    "section",
    { class: "panel", "aria-labelledby": "titre-habitants" },
    h("h2", { id: "titre-habitants" }, "Ce que disent les habitants"),
    status,
    list,
  );
  (async () => {
    try {
      const summary = await get("/console/summaries", { from: period.from, to: period.to, topic: topic.id }, signal);
      if (!alive()) return;
      list.append(summaryBlock(summary, topic.label, "titre-synthese-sujet"));
      status.textContent = "Synthèse affichée.";
    } catch (failure) {
      if (!alive()) return;
      status.textContent = "";
      list.append(h("p", { class: "hint" }, `Synthèse « ${topic.label} » indisponible : ${errorText(failure)}`));
    }
  })();
  return section;
}
