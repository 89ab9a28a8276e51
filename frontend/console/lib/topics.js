// Topics (issue 18): the pieces the dashboard's « Sujets » panel, the topic page and the
// inbox share. Labels and quotes come from citizens' (masked) texts: textContent only.

import { h } from "./dom.js";
import { get } from "./api.js";
import { integer, signed, addDays, isoDay } from "./format.js";
import { COLORS } from "./charts.js";

const SVG = "http://www.w3.org/2000/svg";
const ID = /^[0-9A-Za-z_-]{1,64}$/;

/** "#/sujets/<id>?from&to…" (the period and filters go along); null for an id it cannot be. */
export function topicHash(id, params = {}) {
  if (typeof id !== "string" || !ID.test(id)) return null;
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value) search.set(key, String(value));
  const text = search.toString();
  return `#/sujets/${encodeURIComponent(id)}${text ? `?${text}` : ""}`;
}

export function verbatimsText(count) {
  return `${integer(count)} avis`;
}

/** Whether a topic's comparison with the previous period may be read. */
export function trendSure(topic) {
  return topic.reliable !== false && !topic.tooFew;
}

const TREND = {
  new: { arrow: "★", text: "nouveau sur la période" },
  up: { arrow: "↑", text: "en hausse" },
  down: { arrow: "↓", text: "en baisse" },
  stable: { arrow: "→", text: "stable" },
};

/** The trend vs the previous period, as words (an arrow beside, hidden from screen readers);
 * greyed with « peu de données » when it cannot be read. */
export function trendNode(topic) {
  const trend = TREND[topic.trend] || TREND.stable;
  const sure = trendSure(topic);
  const previous = topic.trend === "new" ? "" : ` (${integer(topic.previous)} la période précédente)`;
  return h(
    "span",
    { class: ["topic-trend", `topic-trend--${topic.trend}`, sure ? null : "topic-trend--unsure"] },
    h("span", { class: "topic-trend__arrow", "aria-hidden": "true" }, trend.arrow),
    ` ${trend.text}${previous}`,
    sure ? null : " — peu de données, à confirmer",
  );
}

const SENTIMENTS = [
  ["NEGATIVE", "négatifs", COLORS.negative],
  ["MIXED", "mitigés", COLORS.mixed],
  ["NEUTRAL", "neutres", COLORS.neutral],
  ["POSITIVE", "positifs", COLORS.positive],
];

/** "8 négatifs, 3 neutres, 1 positif" (the parts that are not zero). */
export function sentimentText(sentiment) {
  const parts = SENTIMENTS.filter(([key]) => (sentiment[key] || 0) > 0).map(([key, word]) => {
    const count = sentiment[key];
    return `${integer(count)} ${count > 1 ? word : word.slice(0, -1)}`;
  });
  return parts.length ? parts.join(", ") : "aucun avis analysé";
}

/** The sentiment split as a bar (SVG: widths are attributes, the CSP allows no inline style),
 * always followed by the same figures in words. */
export function sentimentBar(topic) {
  const sentiment = topic.sentiment || {};
  const total = SENTIMENTS.reduce((sum, [key]) => sum + (sentiment[key] || 0), 0);
  const words = sentimentText(sentiment);
  const wrap = h("div", { class: "topic-sentiment" });
  if (total > 0) {
    const svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("class", "topic-sentiment__bar");
    svg.setAttribute("viewBox", "0 0 100 10");
    svg.setAttribute("preserveAspectRatio", "none");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    let x = 0;
    for (const [key, , color] of SENTIMENTS) {
      const width = ((sentiment[key] || 0) / total) * 100;
      if (!width) continue;
      const rect = document.createElementNS(SVG, "rect");
      rect.setAttribute("x", String(x));
      rect.setAttribute("y", "0");
      rect.setAttribute("width", String(width));
      rect.setAttribute("height", "10");
      rect.setAttribute("fill", color);
      svg.append(rect);
      x += width;
    }
    wrap.append(svg);
  }
  const net = topic.netSentiment === null || topic.netSentiment === undefined || topic.tooFew ? null : signed(topic.netSentiment);
  wrap.append(
    h(
      "p",
      { class: "topic-sentiment__text" },
      `Sentiment : ${words}`,
      net === null ? (total ? " (trop peu d'avis pour un sentiment net)" : "") : ` ; sentiment net ${net}`,
      ".",
    ),
  );
  return wrap;
}

/** A bar of a topic's volume against the biggest one (decorative: the number is beside it). */
export function volumeBar(value, max) {
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("class", "topic-volume");
  svg.setAttribute("viewBox", "0 0 100 6");
  svg.setAttribute("preserveAspectRatio", "none");
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("focusable", "false");
  const rect = document.createElementNS(SVG, "rect");
  rect.setAttribute("width", String(max > 0 ? Math.max(1, (value / max) * 100) : 0));
  rect.setAttribute("height", "6");
  rect.setAttribute("fill", COLORS.primary);
  svg.append(rect);
  return svg;
}

/** The « émergent » badge: a topic growing fast from little. */
export function emergingBadge(topic) {
  return topic.emerging ? h("span", { class: "chip chip--emerging", title: "Sujet qui monte vite depuis peu" }, "Émergent") : null;
}

/** Quotes as blockquotes (masked by the API). */
export function quoteList(quotes, label) {
  return h(
    "ul",
    { class: "quotes", "aria-label": `Citations pour le sujet « ${label} »` },
    quotes.map((quote) => h("li", null, h("blockquote", { class: "quote" }, h("p", null, quote)))),
  );
}

/** Options of the inbox's « Sujet » select: the topics of the last twelve months, biggest
 * first; the chosen one is kept even when it is no longer among them. */
export async function topicOptions(chosen, signal) {
  let topics = [];
  try {
    const today = isoDay();
    const data = await get("/console/topics", { from: addDays(today, -364), to: today }, signal);
    topics = (data && data.topics) || [];
  } catch {
    topics = [];
  }
  const options = topics.filter((topic) => ID.test(String(topic.id))).map((topic) => [topic.id, topic.label]);
  if (chosen && !options.some(([id]) => id === chosen)) options.unshift([chosen, "Sujet choisi (plus recalculé)"]);
  return options;
}
