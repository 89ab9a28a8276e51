// The inbox: GET /console/threads with filters and cursor pagination, live updates,
// j/k/Enter/r shortcuts, bulk actions for agents (POST /console/threads/bulk).

import { h, field, select, announce, messageBox, uid } from "../lib/dom.js";
import { get, post, errorText } from "../lib/api.js";
import { can, current } from "../lib/auth.js";
import { replaceQuery, navigate } from "../lib/router.js";
import { commune, themeOptions, quartierOptions, services, themeLabel } from "../lib/commune.js";
import { STATUS, CHANNEL, SENTIMENT, PRIORITY, PUBLICATION, excerpt, dateTime, timeElement } from "../lib/format.js";
import { topicOptions } from "../lib/topics.js";
import { threadTitle, threadChips, matchesFilters } from "../lib/threads.js";
import { onEvents } from "../lib/realtime.js";
import { setViewKeys } from "../lib/shortcuts.js";

const FILTERS = ["status", "theme", "topic", "quartier", "channel", "sentiment", "assignee", "service", "tag", "priority", "overdue", "publication"];
const PAGE = 25;
const LIVE_KINDS = new Set([
  "thread.created",
  "thread.citizen_message",
  "thread.analysed",
  "thread.updated",
  "thread.reply",
  "thread.note",
  "thread.merged",
  "thread.escalated",
  "thread.published",
  "thread.hidden",
]);

function readFilters(query) {
  const filters = {};
  for (const name of FILTERS) {
    const value = query.get(name);
    if (value) filters[name] = name === "overdue" ? value === "true" : value;
  }
  return filters;
}

export async function render(ctx) {
  const session = current();
  const editor = can("edit");
  const filters = readFilters(ctx.query);
  ctx.outlet.append(h("h1", null, "Boîte de réception"));

  const status = h("p", { class: "list-status", role: "status", "aria-live": "polite" }, "Chargement des fils…");
  const error = messageBox("error");
  const list = h("ol", { class: "thread-list", "aria-labelledby": "titre-liste-fils" });
  const more = h("button", { type: "button", class: "button button--secondary", hidden: true }, "Plus de fils");
  const search = h("input", { type: "search", name: "q", "data-recherche": "", autocomplete: "off" });
  const filterForm = h("form", { class: "filters", role: "search", "aria-label": "Filtrer les fils" });
  ctx.outlet.append(filterForm);

  const [info, serviceList, topics] = await Promise.all([commune(), services(), topicOptions(filters.topic, ctx.signal)]);
  if (!ctx.alive()) return;

  // Filters (their values live in the URL: #/boite?status=new&…)
  const any = [["", "Tous"]];
  const controls = {
    status: select("status", [...any, ...Object.entries(STATUS)], filters.status),
    theme: select("theme", [...any, ...themeOptions(info)], filters.theme),
    topic: select("topic", [...any, ...topics], filters.topic),
    quartier: select("quartier", [...any, ...quartierOptions(info)], filters.quartier),
    channel: select("channel", [...any, ...Object.entries(CHANNEL)], filters.channel),
    sentiment: select("sentiment", [...any, ...Object.entries(SENTIMENT)], filters.sentiment),
    priority: select("priority", [...any, ...Object.entries(PRIORITY)], filters.priority),
    service: select("service", [...any, ...serviceList.map((item) => [item.id, item.label])], filters.service),
    assignee: h("input", { type: "email", name: "assignee", value: filters.assignee || "", autocomplete: "off", spellcheck: "false" }),
    tag: h("input", { type: "text", name: "tag", value: filters.tag || "", autocomplete: "off", maxlength: "30" }),
    // The API serves these two from its indexes: the public page and the moderation queue.
    publication: select("publication", [...any, ["published", PUBLICATION.published], ["pending", PUBLICATION.pending]], filters.publication),
    overdue: h("input", { type: "checkbox", name: "overdue", id: uid("retard"), checked: !!filters.overdue }),
  };
  const mine = h("button", { type: "button", class: "button button--small button--secondary" }, "Mes fils");
  mine.addEventListener("click", () => {
    controls.assignee.value = session.email;
    filterForm.requestSubmit();
  });
  filterForm.append(
    h(
      "div",
      { class: "filters__grid" },
      field("Statut", controls.status),
      field("Thème", controls.theme),
      field("Sujet", controls.topic),
      field("Quartier", controls.quartier),
      field("Canal", controls.channel),
      field("Sentiment", controls.sentiment),
      field("Priorité", controls.priority),
      field("Service", controls.service),
      field("Assigné à (e-mail)", controls.assignee),
      field("Étiquette", controls.tag),
      field("Publication", controls.publication),
      h("div", { class: "field field--check" }, controls.overdue, h("label", { for: controls.overdue.id }, "En retard seulement")),
    ),
    h(
      "div",
      { class: "filters__actions" },
      h("button", { type: "submit", class: "button" }, "Filtrer"),
      editor ? mine : null,
      h("button", { type: "reset", class: "button button--secondary" }, "Réinitialiser"),
    ),
  );

  const searchField = field("Rechercher dans les fils affichés", search, "Raccourci : « / ». Cherche dans l'aperçu, l'objet et les étiquettes des fils chargés.");
  searchField.classList.add("field--search");
  ctx.outlet.append(searchField);

  // Bulk actions (agents and admins)
  const selected = new Set();
  const bulkStatus = messageBox();
  const bulkCount = h("p", { class: "bulk__count" }, "Aucun fil sélectionné.");
  const bulkAssign = h("button", { type: "button", class: "button button--small", disabled: true }, "M'assigner la sélection");
  const bulkClose = h("button", { type: "button", class: "button button--small button--secondary", disabled: true }, "Clore la sélection");
  const bulk = editor
    ? h(
        "section",
        { class: "bulk", "aria-labelledby": "titre-actions-groupees" },
        h("h2", { id: "titre-actions-groupees", class: "h-small" }, "Actions groupées"),
        bulkCount,
        h("div", { class: "bulk__actions" }, bulkAssign, bulkClose),
        bulkStatus,
      )
    : null;

  ctx.outlet.append(
    error,
    bulk,
    h("h2", { id: "titre-liste-fils", class: "sr-only" }, "Fils de discussion"),
    status,
    list,
    h("div", { class: "list-more" }, more),
  );

  const items = new Map(); // id → {thread, li}
  let order = [];
  let currentIndex = -1;
  let nextCursor = null;

  function updateSelection() {
    if (!editor) return;
    const count = selected.size;
    bulkCount.textContent = count ? `${count} fil${count > 1 ? "s" : ""} sélectionné${count > 1 ? "s" : ""}.` : "Aucun fil sélectionné.";
    bulkAssign.disabled = bulkClose.disabled = count === 0;
  }

  function itemNode(thread) {
    const title = threadTitle(thread);
    const linkId = uid("fil");
    const link = h("a", { href: `#/fils/${encodeURIComponent(thread.id)}`, class: "thread-item__link", id: linkId }, title);
    const chips = threadChips(info, thread);
    const li = h(
      "li",
      { class: ["thread-item", thread.overdue ? "thread-item--overdue" : null], dataset: { id: thread.id } },
      h(
        "div",
        { class: "thread-item__head" },
        editor
          ? h(
              "span",
              { class: "thread-item__select" },
              h("input", { type: "checkbox", id: `${linkId}-choix`, checked: selected.has(thread.id), dataset: { id: thread.id } }),
              h("label", { for: `${linkId}-choix` }, h("span", { class: "sr-only" }, `Sélectionner le fil « ${excerpt(title, 60)} »`)),
            )
          : null,
        h("p", { class: "thread-item__title" }, link),
      ),
      thread.subject ? h("p", { class: "thread-item__preview" }, excerpt(thread.preview, 220)) : null,
      chips,
      h("p", { class: "thread-item__date" }, "Dernière activité : ", timeElement(thread.lastActivityAt, dateTime(thread.lastActivityAt))),
    );
    return li;
  }

  function searchText(thread) {
    return `${thread.subject || ""} ${thread.preview || ""} ${(thread.tags || []).join(" ")} ${themeLabel(info, thread.theme)} ${thread.topic && thread.topic.label ? thread.topic.label : ""}`.toLowerCase();
  }

  function visibleIds() {
    return order.filter((id) => !items.get(id).li.hidden);
  }

  function applyLocalFilters() {
    const term = search.value.trim().toLowerCase();
    let shown = 0;
    for (const id of order) {
      const { thread, li } = items.get(id);
      const ok = !term || searchText(thread).includes(term);
      li.hidden = !ok;
      if (ok) shown += 1;
    }
    const total = order.length;
    const filtered = Object.keys(filters).length > 0;
    let text = total === 0 ? (filtered ? "Aucun fil ne correspond à ces filtres." : "La boîte de réception est vide.") : `${shown} fil${shown > 1 ? "s" : ""} affiché${shown > 1 ? "s" : ""}`;
    if (total && shown !== total) text += ` sur ${total} chargé${total > 1 ? "s" : ""}`;
    if (total) text += nextCursor ? ". D'autres fils peuvent être chargés." : ".";
    status.textContent = text;
  }

  function setCurrent(index, focus = true) {
    const ids = visibleIds();
    if (!ids.length) return;
    const bounded = Math.max(0, Math.min(index, ids.length - 1));
    for (const { li } of items.values()) li.classList.remove("thread-item--current");
    const { li } = items.get(ids[bounded]);
    li.classList.add("thread-item--current");
    currentIndex = bounded;
    if (focus) {
      const link = li.querySelector(".thread-item__link");
      link.focus();
      link.scrollIntoView({ block: "nearest" });
    }
  }

  function currentId() {
    const ids = visibleIds();
    if (currentIndex < 0 || currentIndex >= ids.length) return null;
    return ids[currentIndex];
  }

  function addThreads(threads, { prepend = false } = {}) {
    const fragment = document.createDocumentFragment();
    for (const thread of threads) {
      if (items.has(thread.id)) continue;
      const li = itemNode(thread);
      items.set(thread.id, { thread, li });
      fragment.append(li);
      if (prepend) order.unshift(thread.id);
      else order.push(thread.id);
    }
    if (prepend) list.prepend(fragment);
    else list.append(fragment);
  }

  function replaceThread(thread) {
    const entry = items.get(thread.id);
    if (!entry) return;
    const hadFocus = entry.li.contains(document.activeElement);
    const focusedCheckbox = hadFocus && document.activeElement.type === "checkbox";
    const li = itemNode(thread);
    li.hidden = entry.li.hidden;
    if (entry.li.classList.contains("thread-item--current")) li.classList.add("thread-item--current");
    entry.li.replaceWith(li);
    items.set(thread.id, { thread, li });
    if (hadFocus) {
      // Keep the user where they were (same control in the new row).
      const target = focusedCheckbox ? li.querySelector("input[type=checkbox]") : li.querySelector(".thread-item__link");
      if (target) target.focus({ preventScroll: true });
    }
  }

  // Filters changed while a page was on its way: that page is dropped (it is the old list's).
  let listGeneration = 0;

  async function loadPage(cursor) {
    const generation = listGeneration;
    const params = { limit: PAGE, cursor };
    for (const name of FILTERS) {
      if (filters[name] !== undefined) params[name] = name === "overdue" ? "true" : filters[name];
    }
    more.disabled = true;
    list.setAttribute("aria-busy", "true");
    try {
      const page = await get("/console/threads", params, ctx.signal);
      if (!ctx.alive() || generation !== listGeneration) return;
      error.hide();
      const firstNew = page.items.find((thread) => !items.has(thread.id));
      addThreads(page.items);
      nextCursor = page.nextCursor;
      more.hidden = !nextCursor;
      applyLocalFilters();
      if (cursor && firstNew) {
        // "Plus de fils": go on from the first new thread.
        const index = visibleIds().indexOf(firstNew.id);
        if (index >= 0) setCurrent(index);
      }
    } catch (failure) {
      if (!ctx.alive() || generation !== listGeneration) return;
      error.show(errorText(failure));
      status.textContent = "";
    } finally {
      more.disabled = false;
      list.removeAttribute("aria-busy");
    }
  }

  filterForm.addEventListener("submit", (event) => {
    event.preventDefault();
    const next = {};
    for (const name of FILTERS) {
      const control = controls[name];
      if (name === "overdue") {
        if (control.checked) next.overdue = true;
      } else if (control.value.trim()) next[name] = control.value.trim();
    }
    Object.keys(filters).forEach((key) => delete filters[key]);
    Object.assign(filters, next);
    replaceQuery("/boite", next);
    listGeneration += 1;
    items.clear();
    order = [];
    currentIndex = -1;
    selected.clear();
    updateSelection();
    list.replaceChildren();
    status.textContent = "Chargement des fils…";
    loadPage(null);
  });
  filterForm.addEventListener("reset", () => {
    window.setTimeout(() => {
      for (const [name, control] of Object.entries(controls)) {
        if (name === "overdue") control.checked = false;
        else control.value = "";
      }
      filterForm.requestSubmit();
    }, 0);
  });
  search.addEventListener("input", () => {
    currentIndex = -1;
    applyLocalFilters();
  });
  more.addEventListener("click", () => loadPage(nextCursor));
  list.addEventListener("focusin", (event) => {
    const li = event.target.closest(".thread-item");
    if (!li) return;
    const index = visibleIds().indexOf(li.dataset.id);
    if (index >= 0) {
      for (const { li: other } of items.values()) other.classList.remove("thread-item--current");
      li.classList.add("thread-item--current");
      currentIndex = index;
    }
  });
  list.addEventListener("change", (event) => {
    const box = event.target;
    if (box.type !== "checkbox" || !box.dataset.id) return;
    if (box.checked) selected.add(box.dataset.id);
    else selected.delete(box.dataset.id);
    updateSelection();
  });

  async function runBulk(body, done) {
    bulkAssign.disabled = bulkClose.disabled = true;
    try {
      const result = await post("/console/threads/bulk", { ids: [...selected], ...body });
      const ok = result.results.filter((item) => item.ok).length;
      const failed = result.results.length - ok;
      bulkStatus.show(`${ok} fil${ok > 1 ? "s" : ""} ${done}${failed ? `, ${failed} en échec` : ""}.`, failed ? "error" : "success");
      const refreshed = await Promise.all(
        result.results.filter((item) => item.ok).map((item) => get(`/console/threads/${encodeURIComponent(item.id)}`).catch(() => null)),
      );
      refreshed.filter(Boolean).forEach(replaceThread);
      selected.clear();
      list.querySelectorAll("input[type=checkbox]").forEach((box) => {
        box.checked = false;
      });
    } catch (failure) {
      bulkStatus.show(errorText(failure), "error");
    } finally {
      updateSelection();
    }
  }
  if (editor) {
    bulkAssign.addEventListener("click", () => runBulk({ action: "assign", assignee: session.email }, "assigné(s) à vous"));
    bulkClose.addEventListener("click", () => runBulk({ action: "close" }, "clos"));
  }

  ctx.onCleanup(
    setViewKeys({
      next: () => setCurrent(currentIndex + 1),
      previous: () => setCurrent(currentIndex < 0 ? 0 : currentIndex - 1),
      open: () => {
        const id = currentId();
        if (id) navigate(`#/fils/${encodeURIComponent(id)}`);
      },
      reply: () => {
        const id = currentId();
        if (!id) {
          announce("Choisissez d'abord un fil avec j ou k.");
          return;
        }
        if (!editor) {
          announce("Votre rôle permet de lire les fils, pas d'y répondre.");
          return;
        }
        navigate(`#/fils/${encodeURIComponent(id)}?repondre=1`);
      },
      search: () => {
        search.focus();
        return true;
      },
    }),
  );

  // Live updates: changed threads are redrawn in place, new ones come first.
  const pending = new Map(); // thread id → the latest event kind
  let flushing = false;
  async function flush() {
    if (flushing) return;
    flushing = true;
    try {
      let added = 0;
      let changed = 0;
      while (pending.size && ctx.alive()) {
        const [id, kind] = pending.entries().next().value;
        pending.delete(id);
        let thread;
        try {
          thread = await get(`/console/threads/${encodeURIComponent(id)}`, null, ctx.signal);
        } catch {
          continue;
        }
        if (!ctx.alive()) return;
        if (items.has(id)) {
          replaceThread(thread);
          if (kind !== "thread.analysed") changed += 1;
        } else if (matchesFilters(thread, filters)) {
          addThreads([thread], { prepend: true });
          if (currentIndex >= 0) currentIndex += 1;
          added += 1;
        }
      }
      if (added || changed) {
        applyLocalFilters();
        const parts = [];
        if (added) parts.push(`${added} nouveau${added > 1 ? "x" : ""} fil${added > 1 ? "s" : ""} en haut de la liste`);
        if (changed) parts.push(`${changed} fil${changed > 1 ? "s" : ""} mis à jour`);
        announce(`Boîte de réception : ${parts.join(", ")}.`);
      }
    } finally {
      flushing = false;
    }
  }
  ctx.onCleanup(
    onEvents((events) => {
      for (const event of events) {
        if (!event.threadId || !LIVE_KINDS.has(event.kind)) continue;
        if (!items.has(event.threadId) && event.kind !== "thread.created" && event.kind !== "thread.citizen_message") continue;
        const previous = pending.get(event.threadId);
        // A "new thread" stays one even when its analysis follows in the same batch.
        pending.set(event.threadId, previous === "thread.created" ? previous : event.kind);
      }
      flush();
    }),
  );

  await loadPage(null);
}
