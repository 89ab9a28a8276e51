// How sure a dashboard figure is (issue 18): a net sentiment on fewer than 10 verbatims is
// "trop peu d'avis", a period not over is "en cours"; such points are plotted hollow and grey.

import { integer, signed } from "./format.js";
import { COLORS } from "./charts.js";

export const MIN_VERBATIMS = 10;

/** The net sentiment as an official should read it. */
export function netText(row) {
  if (!row || row.netSentiment === null || row.netSentiment === undefined) return "—";
  if (row.tooFew) return `trop peu d'avis (${integer(row.verbatims)})`;
  return signed(row.netSentiment);
}

/** "entre −35 et −24" (95 % interval), or null when there is none. */
export function intervalText(row) {
  if (!row || row.netSentimentLow === null || row.netSentimentLow === undefined) return null;
  return `entre ${signed(row.netSentimentLow)} et ${signed(row.netSentimentHigh)} (intervalle de confiance à 95 %)`;
}

/** Whether a series point may be read as a trend: enough verbatims, period over. */
export function sure(point) {
  return point.netSentiment !== null && !point.tooFew && point.complete !== false;
}

export function completeText(point) {
  if (point.complete !== false) return "oui";
  return "non (en cours ou partielle)";
}

/** Chart.js per-point styles: filled for sure points, hollow and grey for the others. */
export function pointStyles(series, color) {
  return {
    pointBackgroundColor: series.map((point) => (sure(point) ? color : "#ffffff")),
    pointBorderColor: series.map((point) => (sure(point) ? color : COLORS.neutral)),
    pointBorderWidth: series.map((point) => (sure(point) ? 1 : 2)),
  };
}
