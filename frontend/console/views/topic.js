// A topic's page (#/sujets/<id>?from&to&granularity&theme&quartier&channel, issue 18):
// GET /console/topics/{id} (its figures and series), its quotes, its summary
// (GET /console/summaries?topic=) and its threads (GET /console/threads?topic=).

import { h, append, field, select, messageBox } from "../lib/dom.js";
import { get, errorText } from "../lib/api.js";
import { replaceQuery, hashFor } from "../lib/router.js";
import { commune, themeLabel } from "../lib/commune.js";
import { GRANULARITY, bucketLabel, bucketLong, integer, longDay, isoDay, addDays } from "../lib/format.js";
import { chartBlock, loadChartLibrary, COLORS } from "../lib/charts.js";
import { completeText, netText } from "../lib/certainty.js";
import { threadItem } from "../lib/threads.js";
import { verbatimsText, trendNode, sentimentBar, emergingBadge, quoteList } from "../lib/topics.js";
import { topicSummarySection } from "./summaries.js";

const PAGE = 25;

export async function render(ctx) {
  const id = ctx.params[0];
  const heading = h("h1", null, "Sujet");
  ctx.outlet.append(heading);
  const today = isoDay();
  const period = {
    from: ctx.query.get("from") || addDays(today, -29),
    to: ctx.query.get("to") || today,
    granularity: ctx.query.get("granularity") || "week",
    theme: ctx.query.get("theme") || "",
    quartier: ctx.query.get("quartier") || "",
    channel: ctx.query.get("channel") || "",
  };
  const back = h("p", { class: "back-link" }, h("a", { href: hashFor("/tableau-de-bord", period) }, "Retour au tableau de bord"));
  const error = messageBox("error");
  const status = h("p", { class: "list-status", role: "status" }, "Chargement du sujet…");
  const form = h("form", { class: "filters", "aria-labelledby": "titre-periode-sujet", novalidate: true });
  const content = h("div", { class: "topic-page" });
  ctx.outlet.append(back, form, error, status, content);
  let chart = null;
  ctx.onCleanup(() => chart && chart.destroy());
  const library = loadChartLibrary().catch(() => null);

  const info = await commune();
  if (!ctx.alive()) return;

  const controls = {
    from: h("input", { type: "date", name: "from", value: period.from, required: true }),
    to: h("input", { type: "date", name: "to", value: period.to, required: true, max: today }),
    granularity: select("granularity", Object.entries(GRANULARITY), period.granularity),
  };
  append(form, [
    h("h2", { id: "titre-periode-sujet", class: "h-small" }, "Période"),
    h("div", { class: "filters__grid" }, field("Du", controls.from, "Format : jj/mm/aaaa"), field("Au", controls.to, "Format : jj/mm/aaaa"), field("Regrouper par", controls.granularity)),
    period.theme || period.quartier || period.channel
      ? h("p", { class: "hint" }, "Les filtres du tableau de bord (thème, quartier, canal) restent appliqués aux chiffres.")
      : null,
    h("div", { class: "filters__actions" }, h("button", { type: "submit", class: "button" }, "Afficher")),
  ]);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (!controls.from.value || !controls.to.value || controls.from.value > controls.to.value) {
      error.show("Période invalide : la date de début doit précéder la date de fin.");
      controls.from.setAttribute("aria-invalid", "true");
      controls.from.focus();
      return;
    }
    controls.from.removeAttribute("aria-invalid");
    period.from = controls.from.value;
    period.to = controls.to.value;
    period.granularity = controls.granularity.value;
    replaceQuery(`/sujets/${encodeURIComponent(id)}`, period);
    back.firstChild.setAttribute("href", hashFor("/tableau-de-bord", period));
    load();
  });

  function figures(topic) {
    const card = (title, value, detail) =>
      h("li", { class: "kpi" }, h("p", { class: "kpi__label" }, title), h("p", { class: "kpi__value" }, value), detail ? h("p", { class: "kpi__detail" }, detail) : null);
    const themes = (topic.themes || []).map((theme) => `${themeLabel(info, theme.id)} (${integer(theme.verbatims)})`).join(", ");
    return h(
      "section",
      { class: "panel", "aria-labelledby": "titre-chiffres-sujet" },
      h("h2", { id: "titre-chiffres-sujet" }, "Chiffres clés"),
      h(
        "ul",
        { class: "kpis" },
        card("Avis sur ce sujet", integer(topic.verbatims), trendNode(topic)),
        card("Sentiment net", netText(topic), "de −100 (tout négatif) à +100 (tout positif)"),
        card("Thèmes concernés", String((topic.themes || []).length), themes || "—"),
      ),
      sentimentBar(topic),
    );
  }

  function seriesChart(topic) {
    const g = topic.granularity || period.granularity;
    const series = topic.series || [];
    const incomplete = series.filter((point) => point.complete === false).length;
    const peak = series.reduce((best, point) => (!best || point.verbatims > best.verbatims ? point : best), null);
    return chartBlock({
      title: "Avis sur ce sujet dans le temps",
      summary:
        (topic.verbatims && peak
          ? `${verbatimsText(topic.verbatims)} sur la période (${integer(topic.previous)} la période précédente). Pic : ${integer(peak.verbatims)} ${bucketLong(peak.start, g)}.`
          : "Aucun avis sur ce sujet pendant la période.") +
        (incomplete ? ` Barres claires : ${GRANULARITY[g].toLowerCase()} en cours ou partielle (${incomplete}).` : ""),
      type: "bar",
      labels: series.map((point) => bucketLabel(point.start, g)),
      datasets: [
        {
          label: "Avis",
          data: series.map((point) => point.verbatims),
          backgroundColor: series.map((point) => (point.complete === false ? COLORS.light : COLORS.primary)),
          borderColor: COLORS.primary,
          borderWidth: 1,
        },
      ],
      table: {
        caption: `Avis sur ce sujet par ${GRANULARITY[g].toLowerCase()}`,
        columns: [
          { label: "Période", cell: (row) => bucketLong(row.start, g) },
          { label: "Avis", numeric: true, cell: (row) => integer(row.verbatims) },
          { label: "Période complète", cell: (row) => completeText(row) },
        ],
        rows: series,
      },
    });
  }

  function quotesSection(topic) {
    return h(
      "section",
      { class: "panel", "aria-labelledby": "titre-citations-sujet" },
      h("h2", { id: "titre-citations-sujet" }, "Citations"),
      topic.quotes && topic.quotes.length ? quoteList(topic.quotes, topic.label) : h("p", null, "Aucune citation pour ce sujet."),
      h("p", { class: "hint" }, "Citations de citoyens, données personnelles masquées ; aucun propos injurieux."),
    );
  }

  function threadsSection(topic) {
    const list = h("ol", { class: "thread-list", "aria-labelledby": "titre-fils-sujet" });
    const listStatus = h("p", { class: "list-status", role: "status" }, "Chargement des fils…");
    const more = h("button", { type: "button", class: "button button--secondary", hidden: true }, "Plus de fils");
    let cursor = null;
    let shown = 0;
    async function page() {
      more.disabled = true;
      try {
        const result = await get("/console/threads", { topic: topic.id, limit: PAGE, cursor }, ctx.signal);
        if (!ctx.alive()) return;
        for (const thread of result.items) list.append(threadItem(info, thread));
        shown += result.items.length;
        cursor = result.nextCursor;
        more.hidden = !cursor;
        listStatus.textContent = shown ? `${shown} fil${shown > 1 ? "s" : ""} affiché${shown > 1 ? "s" : ""}${cursor ? ". D'autres fils peuvent être chargés." : "."}` : "Aucun fil sur ce sujet.";
      } catch (failure) {
        if (!ctx.alive()) return;
        listStatus.textContent = `Fils indisponibles : ${errorText(failure)}`;
      } finally {
        more.disabled = false;
      }
    }
    more.addEventListener("click", page);
    page();
    return h(
      "section",
      { class: "panel", "aria-labelledby": "titre-fils-sujet" },
      h("h2", { id: "titre-fils-sujet" }, "Fils de discussion sur ce sujet"),
      h("p", null, "Tous les fils rattachés à ce sujet, les plus récents d'abord. ", h("a", { href: hashFor("/boite", { topic: topic.id }) }, "Les ouvrir dans la boîte de réception")),
      listStatus,
      list,
      h("div", { class: "list-more" }, more),
    );
  }

  async function load() {
    status.textContent = "Chargement du sujet…";
    content.setAttribute("aria-busy", "true");
    error.hide();
    try {
      const topic = await get(
        `/console/topics/${encodeURIComponent(id)}`,
        { from: period.from, to: period.to, granularity: period.granularity, theme: period.theme, quartier: period.quartier, channel: period.channel },
        ctx.signal,
      );
      if (!ctx.alive()) return;
      heading.textContent = `Sujet : ${topic.label}`;
      ctx.setTitle(`Sujet : ${topic.label}`);
      if (chart) chart.destroy();
      chart = seriesChart(topic);
      content.replaceChildren();
      append(content, [
        topic.emerging ? h("p", { class: "topic-page__badges" }, emergingBadge(topic), " Ce sujet monte vite depuis peu.") : null,
        figures(topic),
        chart.section,
        quotesSection(topic),
        topicSummarySection({ from: period.from, to: period.to }, topic, { signal: ctx.signal, alive: ctx.alive }),
        threadsSection(topic),
      ]);
      status.textContent = `Sujet « ${topic.label} » du ${longDay(period.from)} au ${longDay(period.to)}.`;
      const Chart = await library;
      if (!ctx.alive()) return;
      if (Chart) chart.draw(Chart);
      else chart.fallback();
    } catch (failure) {
      if (!ctx.alive()) return;
      status.textContent = "";
      error.show(errorText(failure));
    } finally {
      content.removeAttribute("aria-busy");
    }
  }

  await load();
}
