// The dashboard's « Sujets » panel (issue 18): GET /console/topics for the dashboard's period
// and filters, biggest first, each with its trend, sentiment, themes and one masked quote;
// admins can rebuild the topics (POST /console/topics/rebuild). Filled when its data arrives.

import { h, messageBox, announce } from "../lib/dom.js";
import { get, post, errorText } from "../lib/api.js";
import { can } from "../lib/auth.js";
import { themeLabel } from "../lib/commune.js";
import { integer, dateTime, timeElement, percentOfShare } from "../lib/format.js";
import { topicHash, verbatimsText, trendNode, sentimentBar, volumeBar, emergingBadge } from "../lib/topics.js";

const THEMES_SHOWN = 3;

export const EMPTY_TEXT = "Les sujets apparaîtront quand assez d'avis auront été analysés.";

export function engineText(data) {
  const how =
    data.engine === "e5"
      ? "regroupés automatiquement selon le sens des avis"
      : "regroupés automatiquement selon les mots employés (méthode simplifiée)";
  return data.builtAt ? [`Sujets ${how}, recalculés le `, timeElement(data.builtAt, dateTime(data.builtAt)), "."] : [`Sujets ${how}.`];
}

function themesText(info, topic) {
  const themes = (topic.themes || []).slice(0, THEMES_SHOWN);
  if (!themes.length) return null;
  return `Thèmes : ${themes.map((theme) => `${themeLabel(info, theme.id)} (${integer(theme.verbatims)})`).join(", ")}`;
}

function topicItem(info, topic, max, filters, index) {
  const headingId = `titre-sujet-${index}`;
  const href = topicHash(topic.id, filters);
  return h(
    "li",
    { class: ["topic", topic.emerging ? "topic--emerging" : null] },
    h(
      "h3",
      { class: "topic__title", id: headingId },
      href ? h("a", { href }, topic.label) : topic.label,
      " ",
      emergingBadge(topic),
    ),
    h("p", { class: "topic__volume" }, h("strong", null, verbatimsText(topic.verbatims)), " — ", trendNode(topic)),
    volumeBar(topic.verbatims, max),
    sentimentBar(topic),
    themesText(info, topic) ? h("p", { class: "topic__themes" }, themesText(info, topic)) : null,
    topic.quotes && topic.quotes.length ? h("blockquote", { class: "quote topic__quote" }, h("p", null, topic.quotes[0])) : null,
  );
}

function outsideText(data) {
  if (!data.verbatims) return null;
  const share = data.outside / data.verbatims;
  return `${percentOfShare(share)} des avis de la période (${integer(data.outside)} sur ${integer(data.verbatims)}) ne relèvent d'aucun sujet : trop isolés pour former un groupe.`;
}

/**
 * The section; `filters` = {from, to, theme, quartier, channel, granularity} of the dashboard.
 * `alive()` stops filling it when the view goes.
 */
export function topicsSection(info, filters, { signal, alive }) {
  const status = h("p", { class: "list-status", role: "status" }, "Chargement des sujets…");
  const error = messageBox("error");
  const body = h("div", { class: "topics" });
  const section = h(
    "section",
    { class: "panel", "aria-labelledby": "titre-sujets", id: "sujets" },
    h("h2", { id: "titre-sujets" }, "Sujets"),
    h("p", null, "Les sujets dont parlent les habitants sur la période et avec les filtres choisis, du plus cité au moins cité."),
    status,
    error,
    body,
  );

  const rebuild = can("admin") ? h("button", { type: "button", class: "button button--secondary" }, "Recalculer les sujets") : null;
  if (rebuild) {
    rebuild.addEventListener("click", async () => {
      rebuild.disabled = true;
      status.textContent = "Recalcul des sujets en cours (cela peut prendre une minute)…";
      error.hide();
      try {
        const done = await post("/console/topics/rebuild");
        if (!alive()) return;
        if (done.queued) {
          // Too many opinions for one request: the schedule rebuilds within 15 minutes.
          await load();
          status.textContent = `Recalcul programmé : ${integer(done.verbatims)} avis, les sujets seront à jour dans les 15 minutes.`;
          return;
        }
        announce(`Sujets recalculés : ${integer(done.topics)} sujet${done.topics > 1 ? "s" : ""} sur ${integer(done.verbatims)} avis.`);
        await load();
      } catch (failure) {
        if (!alive()) return;
        if (failure && (failure.code === "rebuild_too_soon" || failure.code === "rebuild_pending")) {
          // Rebuilt a moment ago, or on its way: show what there is, and say so.
          await load();
          status.textContent = errorText(failure);
          return;
        }
        status.textContent = "";
        error.show(`Le recalcul a échoué : ${errorText(failure)}`);
      } finally {
        rebuild.disabled = false;
      }
    });
  }

  async function load() {
    status.textContent = "Chargement des sujets…";
    body.setAttribute("aria-busy", "true");
    try {
      const params = { from: filters.from, to: filters.to, theme: filters.theme, quartier: filters.quartier, channel: filters.channel };
      const data = await get("/console/topics", params, signal);
      if (!alive()) return;
      const topics = data.topics || [];
      const footer = h(
        "div",
        { class: "topics__footer" },
        data.builtAt ? h("p", { class: "hint" }, ...engineText(data), " Citations de citoyens, données personnelles masquées.") : null,
        rebuild,
      );
      if (!data.builtAt) {
        status.textContent = "";
        body.replaceChildren(h("p", { class: "topics__empty" }, EMPTY_TEXT), footer);
        return;
      }
      if (!topics.length) {
        status.textContent = "";
        body.replaceChildren(h("p", { class: "topics__empty" }, "Aucun sujet ne ressort sur cette période avec ces filtres."), h("p", null, outsideText(data) || ""), footer);
        return;
      }
      const max = Math.max(...topics.map((topic) => topic.verbatims));
      status.textContent = `${topics.length} sujet${topics.length > 1 ? "s" : ""} sur la période.`;
      body.replaceChildren(
        h("ol", { class: "topic-list" }, topics.map((topic, index) => topicItem(info, topic, max, filters, index))),
        h("p", { class: "topics__outside" }, outsideText(data) || ""),
        footer,
      );
    } catch (failure) {
      if (!alive() || (failure && failure.name === "AbortError")) return;
      status.textContent = "";
      error.show(failure && failure.unavailable ? "Les sujets ne sont pas encore disponibles." : `Sujets indisponibles : ${errorText(failure)}`);
      if (rebuild) body.replaceChildren(rebuild);
    } finally {
      body.removeAttribute("aria-busy");
    }
  }

  load();
  return section;
}
