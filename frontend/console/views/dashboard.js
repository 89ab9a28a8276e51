// Dashboard: GET /console/dashboard?from&to&granularity[&theme&quartier&channel] with charts
// (Chart.js loaded here only), their data tables and summaries; active alerts (acknowledge);
// the « Sujets » panel (views/topics_panel.js) for the same period and filters.

import { h, field, select, messageBox, announce } from "../lib/dom.js";
import { get, post, errorText } from "../lib/api.js";
import { can } from "../lib/auth.js";
import { replaceQuery, hashFor } from "../lib/router.js";
import { commune, themeOptions, quartierOptions } from "../lib/commune.js";
import { CHANNEL, ALERT_KIND, GRANULARITY, bucketLabel, bucketLong, number, integer, signed, percentOfShare, hours, longDay, isoDay, addDays, dateTime, timeElement } from "../lib/format.js";
import { chartBlock, loadChartLibrary, COLORS } from "../lib/charts.js";
import { summariesSection } from "./summaries.js";
import { topicsSection } from "./topics_panel.js";
import { topicHash } from "../lib/topics.js";
import { MIN_VERBATIMS, netText, intervalText, sure, completeText, pointStyles } from "../lib/certainty.js";

const BREAKDOWN_COLUMNS = [
  { label: "Libellé", cell: (row) => row.label },
  { label: "Verbatims", numeric: true, cell: (row) => integer(row.verbatims) },
  { label: "Positifs", numeric: true, cell: (row) => integer(row.positive) },
  { label: "Négatifs", numeric: true, cell: (row) => integer(row.negative) },
  { label: "Neutres", numeric: true, cell: (row) => integer(row.neutral) },
  { label: "Mitigés", numeric: true, cell: (row) => integer(row.mixed) },
  { label: "Sentiment net", numeric: true, cell: (row) => netText(row) },
  { label: "Note moyenne (sur 5)", numeric: true, cell: (row) => number(row.averageRating) },
];

function sentimentDatasets(rows) {
  return [
    { label: "Positifs", data: rows.map((row) => row.positive), backgroundColor: COLORS.positive },
    { label: "Neutres", data: rows.map((row) => row.neutral), backgroundColor: COLORS.neutral },
    { label: "Mitigés", data: rows.map((row) => row.mixed), backgroundColor: COLORS.mixed },
    { label: "Négatifs", data: rows.map((row) => row.negative), backgroundColor: COLORS.negative },
  ];
}

function breakdownSummary(rows, noun, plural) {
  const used = rows.filter((row) => row.verbatims > 0);
  if (!used.length) return `Aucun verbatim par ${noun} sur la période.`;
  const top = [...used].sort((a, b) => b.verbatims - a.verbatims)[0];
  const withNet = used.filter((row) => row.netSentiment !== null && !row.tooFew);
  let text = `${used.length} ${used.length > 1 ? plural : noun} concerné${used.length > 1 ? "s" : ""}. Le plus cité : ${top.label} (${integer(top.verbatims)} verbatim${top.verbatims > 1 ? "s" : ""}, sentiment net ${netText(top)}).`;
  if (withNet.length) {
    const worst = [...withNet].sort((a, b) => a.netSentiment - b.netSentiment)[0];
    const best = [...withNet].sort((a, b) => b.netSentiment - a.netSentiment)[0];
    text += ` Le plus négatif : ${worst.label} (${signed(worst.netSentiment)}).`;
    if (best !== worst) text += ` Le plus positif : ${best.label} (${signed(best.netSentiment)}).`;
  }
  return text;
}

export async function render(ctx) {
  ctx.outlet.append(h("h1", null, "Tableau de bord"));
  const today = isoDay();
  const period = {
    from: ctx.query.get("from") || addDays(today, -29),
    to: ctx.query.get("to") || today,
    granularity: ctx.query.get("granularity") || "week",
    theme: ctx.query.get("theme") || "",
    quartier: ctx.query.get("quartier") || "",
    channel: ctx.query.get("channel") || "",
  };
  const error = messageBox("error");
  const status = h("p", { class: "list-status", role: "status" }, "Chargement des indicateurs…");
  const form = h("form", { class: "filters", "aria-labelledby": "titre-periode", novalidate: true });
  const content = h("div", { class: "dashboard" });
  ctx.outlet.append(form, error, status, content);
  const charts = [];
  ctx.onCleanup(() => charts.forEach((chart) => chart.destroy()));
  const library = loadChartLibrary().catch(() => null);

  const info = await commune();
  if (!ctx.alive()) return;

  const controls = {
    from: h("input", { type: "date", name: "from", value: period.from, required: true }),
    to: h("input", { type: "date", name: "to", value: period.to, required: true, max: today }),
    granularity: select("granularity", Object.entries(GRANULARITY), period.granularity),
    theme: select("theme", [["", "Tous"], ...themeOptions(info)], period.theme),
    quartier: select("quartier", [["", "Tous"], ...quartierOptions(info)], period.quartier),
    channel: select("channel", [["", "Tous"], ...Object.entries(CHANNEL)], period.channel),
  };
  const presets = [
    ["7 derniers jours", 6, "day"],
    ["30 derniers jours", 29, "week"],
    ["90 derniers jours", 89, "week"],
    ["12 derniers mois", 364, "month"],
  ].map(([text, days, granularity]) => {
    const button = h("button", { type: "button", class: "button button--small button--secondary" }, text);
    button.addEventListener("click", () => {
      controls.from.value = addDays(today, -days);
      controls.to.value = today;
      controls.granularity.value = granularity;
      form.requestSubmit();
    });
    return button;
  });
  form.append(
    h("h2", { id: "titre-periode", class: "h-small" }, "Période et filtres"),
    h("div", { class: "presets", role: "group", "aria-label": "Périodes prédéfinies" }, presets),
    h(
      "div",
      { class: "filters__grid" },
      field("Du", controls.from, "Format : jj/mm/aaaa"),
      field("Au", controls.to, "Format : jj/mm/aaaa"),
      field("Regrouper par", controls.granularity),
      field("Thème", controls.theme),
      field("Quartier", controls.quartier),
      field("Canal", controls.channel),
    ),
    h("div", { class: "filters__actions" }, h("button", { type: "submit", class: "button" }, "Afficher")),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (!controls.from.value || !controls.to.value || controls.from.value > controls.to.value) {
      error.show("Période invalide : la date de début doit précéder la date de fin.");
      controls.from.setAttribute("aria-invalid", "true");
      controls.from.focus();
      return;
    }
    controls.from.removeAttribute("aria-invalid");
    for (const key of Object.keys(period)) period[key] = controls[key].value;
    replaceQuery("/tableau-de-bord", period);
    load();
  });

  async function acknowledge(alert, button, item) {
    button.disabled = true;
    try {
      await post(`/console/alerts/${encodeURIComponent(alert.id)}/acknowledgement`);
      item.replaceChildren(h("p", null, `Alerte prise en charge : ${alert.title}`));
      announce("Alerte prise en charge.");
    } catch (failure) {
      button.disabled = false;
      error.show(errorText(failure));
    }
  }

  function alertsSection(alerts) {
    const list = h("ul", { class: "alert-list" });
    for (const alert of alerts.slice(0, 5)) {
      const item = h(
        "li",
        { class: "alert-item" },
        h("p", { class: "alert-item__kind" }, ALERT_KIND[alert.kind] || alert.kind),
        h("p", null, alert.title),
        h("p", { class: "hint" }, "Levée le ", timeElement(alert.raisedAt, dateTime(alert.raisedAt))),
      );
      if (alert.figures && typeof alert.figures.thread === "string" && /^[0-9a-z]{10,40}$/i.test(alert.figures.thread)) {
        item.append(h("p", null, h("a", { href: `#/fils/${encodeURIComponent(alert.figures.thread)}` }, "Ouvrir le fil concerné")));
      }
      if (alert.figures && topicHash(alert.figures.topic)) {
        item.append(h("p", null, h("a", { href: topicHash(alert.figures.topic) }, "Voir le sujet concerné")));
      }
      if (can("edit")) {
        const button = h("button", { type: "button", class: "button button--small" }, "Prendre en charge");
        button.setAttribute("aria-label", `Prendre en charge l'alerte : ${alert.title}`);
        button.addEventListener("click", () => acknowledge(alert, button, item));
        item.append(button);
      }
      list.append(item);
    }
    return h(
      "section",
      { class: "panel", "aria-labelledby": "titre-alertes-actives" },
      h("h2", { id: "titre-alertes-actives" }, `Alertes actives (${alerts.length})`),
      alerts.length > 5 ? h("p", null, `Les 5 plus récentes sur ${alerts.length} :`) : null,
      alerts.length ? list : h("p", null, "Aucune alerte active."),
      h("p", null, h("a", { href: "#/alertes" }, alerts.length > 5 ? `Voir les ${alerts.length} alertes actives et gérer l'abonnement par e-mail` : "Toutes les alertes et l'abonnement par e-mail")),
    );
  }

  function netDetail(t, change, previous) {
    if (t.tooFew) return `${integer(t.verbatims)} verbatim${t.verbatims > 1 ? "s" : ""} : il en faut au moins ${MIN_VERBATIMS} pour lire un sentiment net`;
    const interval = intervalText(t);
    if (change.netSentimentPoints === null || change.netSentimentPoints === undefined) return interval || "de −100 (tout négatif) à +100 (tout positif)";
    const points = `${signed(change.netSentimentPoints)} point${Math.abs(change.netSentimentPoints) >= 2 ? "s" : ""} par rapport à la période précédente`;
    if (change.reliable === false) return `${interval} ; comparaison peu fiable (${previous.tooFew ? "trop peu d'avis la période précédente" : "période en cours"}) : ${points}`;
    return `${interval} ; ${points}`;
  }

  function figuresSection(data) {
    const t = data.totals;
    const d = data.dialogue;
    const card = (title, value, detail) =>
      h("li", { class: "kpi" }, h("p", { class: "kpi__label" }, title), h("p", { class: "kpi__value" }, value), detail ? h("p", { class: "kpi__detail" }, detail) : null);
    const change = data.change || {};
    return h(
      "section",
      { class: "panel", "aria-labelledby": "titre-chiffres" },
      h("h2", { id: "titre-chiffres" }, "Chiffres clés"),
      h(
        "ul",
        { class: "kpis" },
        card("Verbatims", integer(t.verbatims), change.verbatimsPercent === null || change.verbatimsPercent === undefined ? `période précédente : ${integer(data.previous.verbatims)}` : `${signed(change.verbatimsPercent)} % par rapport à la période précédente (${integer(data.previous.verbatims)})`),
        card("Sentiment net", netText(t), netDetail(t, change, data.previous)),
        card("Note moyenne", t.averageRating === null ? "—" : `${number(t.averageRating)} / 5`, `${integer(t.ratings)} note${t.ratings > 1 ? "s" : ""}`),
        card("Fils ouverts", integer(d.openThreads), "nouveaux ou en cours, maintenant"),
        card("Fils en retard", integer(d.overdueThreads), "réponse attendue dépassée, maintenant"),
        card("Avis ayant reçu une réponse", percentOfShare(d.answeredShare), `${integer(d.firstAnswers)} première${d.firstAnswers > 1 ? "s" : ""} réponse${d.firstAnswers > 1 ? "s" : ""} pour ${integer(d.opinions)} avis`),
        card("Délai moyen de première réponse", hours(d.averageFirstAnswerHours), d.medianFirstAnswerHours === null ? null : `médiane : ${hours(d.medianFirstAnswerHours)} au plus`),
        // Similar reports (same place, 30 days) count once: issue #18.
        data.problems ? card("Problèmes distincts", integer(data.problems.distinct), `${integer(data.problems.distinct)} problème${data.problems.distinct > 1 ? "s" : ""} distinct${data.problems.distinct > 1 ? "s" : ""} pour ${integer(data.problems.reports)} signalement${data.problems.reports > 1 ? "s" : ""}`) : null,
      ),
    );
  }

  function keyPhrasesSection(phrases) {
    return h(
      "section",
      { class: "panel", "aria-labelledby": "titre-expressions" },
      h("h2", { id: "titre-expressions" }, "Expressions les plus citées"),
      phrases.length
        ? h(
            "ol",
            { class: "phrases" },
            phrases.map((phrase) =>
              h(
                "li",
                { class: "phrase" },
                h("p", { class: "phrase__title" }, h("strong", null, phrase.phrase), ` — ${integer(phrase.count)} mention${phrase.count > 1 ? "s" : ""}`),
                phrase.quotes && phrase.quotes.length
                  ? h("ul", { class: "quotes", "aria-label": `Citations pour « ${phrase.phrase} »` }, phrase.quotes.map((quote) => h("li", null, h("blockquote", { class: "quote" }, h("p", null, quote)))))
                  : null,
              ),
            ),
          )
        : h("p", null, "Aucune expression récurrente sur la période."),
      h("p", { class: "hint" }, "Citations de citoyens, données personnelles masquées ; aucun propos injurieux."),
    );
  }

  function buildCharts(data) {
    const g = data.granularity;
    const series = data.series || [];
    const labels = series.map((point) => bucketLabel(point.start, g));
    const blocks = [];

    // Volume over time, split by sentiment
    const peak = series.reduce((best, point) => (!best || point.verbatims > best.verbatims ? point : best), null);
    blocks.push(
      chartBlock({
        title: "Volume de verbatims dans le temps",
        summary:
          data.totals.verbatims === 0
            ? "Aucun verbatim sur la période."
            : `${integer(data.totals.verbatims)} verbatims sur la période (${integer(data.previous.verbatims)} la période précédente). Pic : ${integer(peak.verbatims)} ${bucketLong(peak.start, g)}.`,
        type: "bar",
        stacked: true,
        labels,
        datasets: sentimentDatasets(series),
        table: {
          caption: `Verbatims par ${GRANULARITY[g].toLowerCase()} et par sentiment`,
          columns: [
            { label: "Période", cell: (row) => bucketLong(row.start, g) },
            { label: "Verbatims", numeric: true, cell: (row) => integer(row.verbatims) },
            { label: "Positifs", numeric: true, cell: (row) => integer(row.positive) },
            { label: "Neutres", numeric: true, cell: (row) => integer(row.neutral) },
            { label: "Mitigés", numeric: true, cell: (row) => integer(row.mixed) },
            { label: "Négatifs", numeric: true, cell: (row) => integer(row.negative) },
          ],
          rows: series,
        },
      }),
    );

    // Net sentiment over time: points on too few verbatims or a period not over are hollow
    // and grey, and left out of the summary's lowest and highest.
    const rated = series.filter(sure);
    const unsure = series.filter((point) => point.netSentiment !== null && !sure(point)).length;
    const lowest = rated.reduce((worst, point) => (!worst || point.netSentiment < worst.netSentiment ? point : worst), null);
    const highest = rated.reduce((best, point) => (!best || point.netSentiment > best.netSentiment ? point : best), null);
    blocks.push(
      chartBlock({
        title: "Sentiment net dans le temps",
        summary:
          (rated.length
            ? `Sentiment net de ${netText(data.totals)} sur la période (de −100, tout négatif, à +100, tout positif). Au plus bas : ${signed(lowest.netSentiment)} ${bucketLong(lowest.start, g)} ; au plus haut : ${signed(highest.netSentiment)} ${bucketLong(highest.start, g)}.`
            : data.totals.verbatims
              ? `Sentiment net de ${netText(data.totals)} sur la période ; aucune ${GRANULARITY[g].toLowerCase()} complète avec au moins ${MIN_VERBATIMS} verbatims.`
              : "Aucun verbatim analysé sur la période.") +
          (unsure ? ` Points creux et gris : ${GRANULARITY[g].toLowerCase()} en cours ou partielle, ou moins de ${MIN_VERBATIMS} verbatims (${unsure}).` : ""),
        type: "line",
        labels,
        yMin: -100,
        yMax: 100,
        datasets: [
          {
            label: "Sentiment net",
            data: series.map((point) => point.netSentiment),
            borderColor: COLORS.secondary,
            backgroundColor: COLORS.secondary,
            pointStyle: "rectRot",
            pointRadius: 5,
            spanGaps: true,
            ...pointStyles(series, COLORS.secondary),
          },
        ],
        table: {
          caption: `Sentiment net par ${GRANULARITY[g].toLowerCase()}`,
          columns: [
            { label: "Période", cell: (row) => bucketLong(row.start, g) },
            { label: "Sentiment net", numeric: true, cell: (row) => netText(row) },
            { label: "Intervalle à 95 %", numeric: true, cell: (row) => (row.netSentimentLow === null || row.netSentimentLow === undefined ? "—" : `${signed(row.netSentimentLow)} à ${signed(row.netSentimentHigh)}`) },
            { label: "Verbatims", numeric: true, cell: (row) => integer(row.verbatims) },
            { label: "Période complète", cell: (row) => completeText(row) },
            { label: "Note moyenne (sur 5)", numeric: true, cell: (row) => number(row.averageRating) },
          ],
          rows: series,
        },
      }),
    );

    const breakdown = (title, rows, noun, plural, caption) => {
      const used = rows.filter((row) => row.verbatims > 0);
      return chartBlock({
        title,
        summary: breakdownSummary(rows, noun, plural),
        type: "bar",
        stacked: true,
        indexAxis: "y",
        tall: used.length > 6,
        labels: used.map((row) => row.label),
        datasets: sentimentDatasets(used),
        table: { caption, columns: BREAKDOWN_COLUMNS, rows },
      });
    };
    blocks.push(breakdown("Verbatims par thème", data.byTheme || [], "thème", "thèmes", "Verbatims et sentiment par thème"));
    blocks.push(breakdown("Verbatims par quartier", data.byQuartier || [], "quartier", "quartiers", "Verbatims et sentiment par quartier"));
    blocks.push(breakdown("Verbatims par canal", data.byChannel || [], "canal", "canaux", "Verbatims et sentiment par canal"));

    // Barometer
    const barometer = data.barometer || [];
    const voted = barometer.filter((row) => row.votes > 0 || row.previousAverage !== null);
    const bestTheme = barometer.filter((row) => row.average !== null).sort((a, b) => b.average - a.average)[0];
    const worstTheme = barometer.filter((row) => row.average !== null).sort((a, b) => a.average - b.average)[0];
    blocks.push(
      chartBlock({
        title: "Baromètre : note des citoyens par thème (sur 10)",
        summary: bestTheme
          ? `Meilleure note ce mois-ci : ${bestTheme.label} (${number(bestTheme.average)} / 10). Plus basse : ${worstTheme.label} (${number(worstTheme.average)} / 10).`
          : "Aucun vote au baromètre ce mois-ci.",
        type: "bar",
        indexAxis: "y",
        tall: voted.length > 6,
        yMin: 0,
        yMax: 10,
        labels: voted.map((row) => row.label),
        datasets: [
          { label: "Ce mois-ci", data: voted.map((row) => row.average), backgroundColor: COLORS.primary },
          { label: "Mois précédent", data: voted.map((row) => row.previousAverage), backgroundColor: COLORS.light, borderColor: COLORS.primary, borderWidth: 1 },
        ],
        table: {
          caption: "Baromètre par thème : note moyenne sur 10",
          columns: [
            { label: "Thème", cell: (row) => row.label },
            { label: "Note ce mois-ci", numeric: true, cell: (row) => number(row.average) },
            { label: "Votes", numeric: true, cell: (row) => integer(row.votes) },
            { label: "Note du mois précédent", numeric: true, cell: (row) => number(row.previousAverage) },
          ],
          rows: barometer,
        },
      }),
    );

    // Response times
    const dialogue = data.dialogue;
    const timeRows = [
      { label: "Délai moyen", value: dialogue.averageFirstAnswerHours },
      { label: "Délai médian (au plus)", value: dialogue.medianFirstAnswerHours },
    ].filter((row) => row.value !== null && row.value !== undefined);
    blocks.push(
      chartBlock({
        title: "Délais de première réponse",
        summary: timeRows.length
          ? `Délai moyen de première réponse : ${hours(dialogue.averageFirstAnswerHours)} ; la moitié des avis reçoit une réponse en ${hours(dialogue.medianFirstAnswerHours)} au plus. ${percentOfShare(dialogue.answeredShare)} des avis de la période ont reçu une réponse.`
          : "Aucune première réponse sur la période.",
        type: "bar",
        indexAxis: "y",
        labels: timeRows.map((row) => row.label),
        datasets: [{ label: "Heures", data: timeRows.map((row) => row.value), backgroundColor: COLORS.primary }],
        table: {
          caption: "Délais de première réponse (heures)",
          columns: [
            { label: "Mesure", cell: (row) => row.label },
            { label: "Heures", numeric: true, cell: (row) => number(row.value) },
          ],
          rows: timeRows,
        },
      }),
    );
    return blocks;
  }

  async function load() {
    status.textContent = "Chargement des indicateurs…";
    content.setAttribute("aria-busy", "true");
    error.hide();
    try {
      const data = await get(
        "/console/dashboard",
        {
          from: period.from,
          to: period.to,
          granularity: period.granularity,
          theme: period.theme,
          quartier: period.quartier,
          channel: period.channel,
        },
        ctx.signal,
      );
      if (!ctx.alive()) return;
      charts.splice(0).forEach((chart) => chart.destroy());
      const blocks = buildCharts(data);
      charts.push(...blocks);
      const exportLink = h(
        "p",
        { class: "dashboard__export" },
        h(
          "a",
          { href: hashFor("/exports", { kind: "indicators", from: data.from, to: data.to, theme: period.theme, quartier: period.quartier, channel: period.channel }) },
          "Exporter les indicateurs de cette période (CSV ou Excel)",
        ),
      );
      content.replaceChildren(
        exportLink,
        figuresSection(data),
        alertsSection(data.alerts || []),
        topicsSection(info, { from: data.from, to: data.to, granularity: period.granularity, theme: period.theme, quartier: period.quartier, channel: period.channel }, { signal: ctx.signal, alive: ctx.alive }),
        h("div", { class: "chart-grid" }, blocks.map((block) => block.section)),
        keyPhrasesSection(data.keyPhrases || []),
        summariesSection({ from: data.from, to: data.to, theme: period.theme }, data.byTheme || [], { signal: ctx.signal, alive: ctx.alive }),
      );
      status.textContent = `Indicateurs du ${longDay(data.from)} au ${longDay(data.to)}, par ${GRANULARITY[data.granularity].toLowerCase()}.${data.complete === false ? " Période en cours : les chiffres du jour sont partiels." : ""}`;
      const Chart = await library;
      if (!ctx.alive()) return;
      for (const block of blocks) {
        if (Chart) block.draw(Chart);
        else block.fallback();
      }
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
