// Charts for the dashboard: Chart.js (self-hosted in /vendor/chartjs/, MIT), loaded on demand.
// Every chart comes with a text summary and its data as a <table> ("Voir les données").

import { h, scrollBox, dataTable, uid } from "./dom.js";

const LIBRARY_URL = "/vendor/chartjs/chart.umd.min.js";
let libraryPromise = null;

export const COLORS = {
  positive: "#1b7a3d",
  negative: "#b42318",
  neutral: "#5c6773",
  mixed: "#8a5a00",
  primary: "#1f4e99",
  secondary: "#6b3fa0",
  light: "#9bb5de",
};

/** Loads Chart.js once (a <script> added on demand; CSP: same origin). */
export function loadChartLibrary() {
  if (window.Chart) return Promise.resolve(window.Chart);
  if (!libraryPromise) {
    libraryPromise = new Promise((resolve, reject) => {
      const script = document.createElement("script");
      script.src = LIBRARY_URL;
      script.async = true;
      script.addEventListener("load", () => (window.Chart ? resolve(window.Chart) : reject(new Error("Chart.js absent"))));
      script.addEventListener("error", () => {
        libraryPromise = null;
        script.remove();
        reject(new Error("Chart.js indisponible"));
      });
      document.head.append(script);
      window.setTimeout(() => {
        if (!window.Chart) {
          libraryPromise = null;
          reject(new Error("Chart.js trop long à charger"));
        }
      }, 20000);
    });
  }
  return libraryPromise;
}

function reducedMotion() {
  return window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
}

const numberFormat = new Intl.NumberFormat("fr-FR", { maximumFractionDigits: 1 });

function baseOptions(extra = {}) {
  return {
    responsive: true,
    maintainAspectRatio: false,
    locale: "fr-FR",
    animation: reducedMotion() ? false : { duration: 400 },
    plugins: {
      legend: { labels: { color: "#1e1e1e", font: { size: 13 } } },
      tooltip: {
        callbacks: {
          label: (item) => `${item.dataset.label} : ${item.raw === null || item.raw === undefined ? "—" : numberFormat.format(item.raw)}`,
        },
      },
    },
    scales: {
      x: { ticks: { color: "#1e1e1e" }, grid: { color: "#d9d9d9" } },
      y: { ticks: { color: "#1e1e1e" }, grid: { color: "#d9d9d9" }, beginAtZero: true },
    },
    ...extra,
  };
}

/**
 * A chart block: heading, summary, canvas (role=img) and the data table behind
 * "Voir les données". Returns {section, draw(Chart), destroy()}.
 * config: {title, summary, type, labels, datasets, options, table: {caption, columns, rows}}
 */
export function chartBlock(config) {
  const headingId = uid("graphique");
  const summaryId = `${headingId}-resume`;
  const canvas = h(
    "canvas",
    { role: "img", "aria-label": `${config.title} (graphique ; les données sont dans le tableau « Voir les données »)`, "aria-describedby": summaryId },
    "Graphique : consultez le tableau de données qui suit.",
  );
  const holder = h("div", { class: ["chart__canvas", config.tall ? "chart__canvas--tall" : null] }, canvas);
  const table = dataTable(config.table.caption, config.table.columns, config.table.rows, { empty: "Aucune donnée sur la période." });
  const section = h(
    "section",
    { class: "panel chart", "aria-labelledby": headingId },
    h("h2", { id: headingId }, config.title),
    h("p", { class: "chart__summary", id: summaryId }, config.summary),
    holder,
    h(
      "details",
      { class: "chart__data" },
      h("summary", null, "Voir les données", h("span", { class: "sr-only" }, ` : ${config.title}`)),
      scrollBox(table, `Tableau : ${config.table.caption}`),
    ),
  );
  let instance = null;
  return {
    section,
    draw(Chart) {
      if (!config.labels.length) {
        holder.replaceChildren(h("p", { class: "chart__empty" }, "Aucune donnée à représenter sur cette période."));
        return;
      }
      const options = baseOptions(config.options || {});
      if (config.indexAxis) options.indexAxis = config.indexAxis;
      if (config.stacked) {
        options.scales.x.stacked = true;
        options.scales.y.stacked = true;
      }
      if (config.yMin !== undefined) options.scales.y.min = config.yMin;
      if (config.yMax !== undefined) options.scales.y.max = config.yMax;
      if (config.indexAxis === "y") {
        options.scales.x.beginAtZero = true;
        delete options.scales.y.beginAtZero;
        if (config.yMin !== undefined) {
          options.scales.x.min = config.yMin;
          options.scales.x.max = config.yMax;
          delete options.scales.y.min;
          delete options.scales.y.max;
        }
      }
      instance = new Chart(canvas, { type: config.type, data: { labels: config.labels, datasets: config.datasets }, options });
    },
    fallback() {
      holder.replaceChildren(
        h("p", { class: "chart__empty" }, "Le graphique n'a pas pu être chargé : les données restent consultables dans le tableau ci-dessous."),
      );
    },
    destroy() {
      if (instance) instance.destroy();
      instance = null;
    },
  };
}

export { scrollBox };
