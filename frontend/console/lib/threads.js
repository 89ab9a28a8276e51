// Shared pieces of the inbox and the thread view: chips (always with text, never colour alone).

import { h } from "./dom.js";
import { STATUS, CHANNEL, SENTIMENT, ANALYSIS, PRIORITY, dateOnly, dateTime, excerpt, timeElement } from "./format.js";
import { themeLabel, quartierLabel } from "./commune.js";

const SENTIMENT_CLASS = { POSITIVE: "positive", NEGATIVE: "negative", NEUTRAL: "neutral", MIXED: "mixed" };

export function chip(text, modifier, title) {
  return h("span", { class: ["chip", modifier ? `chip--${modifier}` : null], title: title || null }, text);
}

export function sentimentChip(thread) {
  if (thread.sentiment) {
    return chip(`Sentiment ${SENTIMENT[thread.sentiment].toLowerCase()}`, `sentiment-${SENTIMENT_CLASS[thread.sentiment]}`);
  }
  if (thread.analysisStatus === "failed") return chip("Sentiment inconnu (analyse en échec)", "muted");
  if (thread.analysisStatus === "skipped") return chip(ANALYSIS.skipped, "muted");
  return chip(ANALYSIS.pending, "muted");
}

export function statusChip(status) {
  return chip(STATUS[status] || status, `status-${status}`);
}

export function channelChip(channel) {
  return chip(CHANNEL[channel] || channel, "channel");
}

export function themeChip(info, theme) {
  return chip(theme === "a-classer" ? "À classer" : themeLabel(info, theme), theme === "a-classer" ? "unclassified" : "theme");
}

/** Due date, or the overdue badge. */
export function dueChip(thread) {
  if (thread.overdue) {
    const badge = chip("En retard", "overdue");
    if (thread.dueAt) badge.append(" (échéance ", timeElement(thread.dueAt, dateOnly(thread.dueAt)), ")");
    return badge;
  }
  if (thread.dueAt) {
    const due = chip("Réponse attendue le ", "due");
    due.append(timeElement(thread.dueAt, dateOnly(thread.dueAt)));
    return due;
  }
  return null;
}

export function priorityChip(thread) {
  return thread.priority === "high" ? chip(`Priorité ${PRIORITY.high.toLowerCase()}`, "priority") : null;
}

export function quartierText(info, id) {
  return quartierLabel(info, id);
}

/** The topic a thread belongs to (issue 18), when the API names one. */
export function topicChip(thread) {
  if (!thread.topic || !thread.topic.label) return null;
  return chip(`Sujet : ${thread.topic.label}`, "topic");
}

/** What a thread is called in a list: its subject, else the start of its last message. */
export function threadTitle(thread) {
  return thread.subject ? thread.subject : excerpt(thread.preview, 140) || "(message vide)";
}

/** The chips of a thread in a list (inbox, topic page). */
export function threadChips(info, thread) {
  return h(
    "div",
    { class: "chips" },
    channelChip(thread.channel),
    themeChip(info, thread.theme),
    topicChip(thread),
    sentimentChip(thread),
    statusChip(thread.status),
    dueChip(thread),
    priorityChip(thread),
    thread.quartier ? chip(`Quartier : ${quartierText(info, thread.quartier)}`, "muted") : null,
    thread.assignee ? chip(`Assigné à ${thread.assignee}`, "muted") : null,
    (thread.tags || []).map((tag) => chip(`#${tag}`, "tag")),
    thread.mergedInto ? chip("Fusionné", "muted") : null,
  );
}

/** A thread in a read-only list: its link, preview, chips and last activity. */
export function threadItem(info, thread, linkProps = {}) {
  const title = threadTitle(thread);
  return h(
    "li",
    { class: ["thread-item", thread.overdue ? "thread-item--overdue" : null], dataset: { id: thread.id } },
    h("p", { class: "thread-item__title" }, h("a", { href: `#/fils/${encodeURIComponent(thread.id)}`, class: "thread-item__link", ...linkProps }, title)),
    thread.subject ? h("p", { class: "thread-item__preview" }, excerpt(thread.preview, 220)) : null,
    threadChips(info, thread),
    h("p", { class: "thread-item__date" }, "Dernière activité : ", timeElement(thread.lastActivityAt, dateTime(thread.lastActivityAt))),
  );
}

/** Does a thread match the inbox filters (for threads that arrive live)? */
export function matchesFilters(thread, filters) {
  if (filters.status && thread.status !== filters.status) return false;
  if (filters.theme && thread.theme !== filters.theme) return false;
  if (filters.quartier && thread.quartier !== filters.quartier) return false;
  if (filters.channel && thread.channel !== filters.channel) return false;
  if (filters.sentiment && thread.sentiment !== filters.sentiment) return false;
  if (filters.assignee && thread.assignee !== filters.assignee) return false;
  if (filters.service && thread.service !== filters.service) return false;
  if (filters.tag && !(thread.tags || []).includes(filters.tag)) return false;
  if (filters.priority && thread.priority !== filters.priority) return false;
  if (filters.overdue && !thread.overdue) return false;
  if (filters.publication && thread.publication !== filters.publication) return false;
  if (filters.topic && (!thread.topic || thread.topic.id !== filters.topic)) return false;
  return true;
}
