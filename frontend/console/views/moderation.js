// Moderation queue: GET /console/moderation (cursor), POST /console/moderation/{id}
// {"decision": "publish" | "hide"}. The masked text is what would be published.

import { h, messageBox, announce } from "../lib/dom.js";
import { get, post, errorText } from "../lib/api.js";
import { commune, themeLabel } from "../lib/commune.js";
import { MODERATION_REASON, PUBLICATION, dateTime, timeElement, excerpt } from "../lib/format.js";
import { chip } from "../lib/threads.js";

export async function render(ctx) {
  ctx.outlet.append(h("h1", null, "Modération"));
  const error = messageBox("error");
  const status = h("p", { class: "list-status", role: "status" }, "Chargement de la file de modération…");
  const list = h("ol", { class: "moderation-list" });
  const more = h("button", { type: "button", class: "button button--secondary", hidden: true }, "Plus d'avis");
  ctx.outlet.append(
    h(
      "p",
      null,
      "Avis retenus avant publication sur la page publique de la commune : données personnelles repérées, propos injurieux ou analyse pas encore terminée. Le texte montré est celui qui serait publié (données personnelles masquées).",
    ),
    error,
    status,
    list,
    h("div", { class: "list-more" }, more),
  );
  const info = await commune();
  let cursor = null;
  let count = 0;

  function item(entry) {
    const headingId = `moderation-${entry.id}`;
    const result = messageBox();
    const publish = h("button", { type: "button", class: "button button--small" }, "Publier");
    const hide = h("button", { type: "button", class: "button button--small button--danger" }, "Masquer");
    const label = excerpt(entry.maskedText || "avis non analysé", 50);
    publish.setAttribute("aria-label", `Publier l'avis « ${label} »`);
    hide.setAttribute("aria-label", `Masquer l'avis « ${label} »`);
    const li = h(
      "li",
      { class: "panel moderation-item", "aria-labelledby": headingId },
      h(
        "h2",
        { class: "h-small", id: headingId },
        `Avis « ${themeLabel(info, entry.theme)} » du `,
        timeElement(entry.createdAt, dateTime(entry.createdAt)),
      ),
      h(
        "p",
        { class: "chips" },
        entry.reasons.map((reason) => chip(`Motif : ${MODERATION_REASON[reason] || reason}`, reason === "toxic" ? "negative-soft" : "muted")),
        chip(PUBLICATION[entry.publication] || entry.publication, "muted"),
      ),
      entry.maskedText === null
        ? h("p", { class: "hint" }, "Texte pas encore analysé : il sera masqué dès la fin de l'analyse.")
        : h("blockquote", { class: "quote" }, h("p", { class: "message__text" }, entry.maskedText)),
      entry.answers && entry.answers.length
        ? h(
            "div",
            null,
            h("p", null, h("strong", null, `Réponses publiques de la mairie (${entry.answers.length}) :`)),
            h("ul", { class: "plain-list" }, entry.answers.map((answer) => h("li", null, h("p", { class: "message__text" }, answer.text), h("p", { class: "hint" }, dateTime(answer.at))))),
          )
        : null,
      h("p", null, h("a", { href: `#/fils/${encodeURIComponent(entry.id)}` }, "Ouvrir le fil")),
      h("div", { class: "moderation-item__actions" }, publish, hide),
      result,
    );
    async function decide(decision) {
      publish.disabled = hide.disabled = true;
      try {
        const updated = await post(`/console/moderation/${encodeURIComponent(entry.id)}`, { decision });
        const text = updated.publication === "published" ? "Avis publié sur la page de la commune." : "Avis masqué : il ne sera pas publié.";
        result.show(text, "success");
        announce(text);
        li.classList.add("moderation-item--done");
      } catch (failure) {
        publish.disabled = hide.disabled = false;
        result.show(errorText(failure), "error");
      }
    }
    publish.addEventListener("click", () => decide("publish"));
    hide.addEventListener("click", () => decide("hide"));
    return li;
  }

  async function load() {
    more.disabled = true;
    try {
      const page = await get("/console/moderation", { limit: 20, cursor }, ctx.signal);
      if (!ctx.alive()) return;
      const first = page.items.length ? item(page.items[0]) : null;
      if (first) list.append(first, ...page.items.slice(1).map(item));
      count += page.items.length;
      cursor = page.nextCursor;
      more.hidden = !cursor;
      status.textContent = count ? `${count} avis en attente de modération${cursor ? " (d'autres peuvent être chargés)" : ""}.` : "Aucun avis en attente de modération.";
      return first;
    } catch (failure) {
      if (!ctx.alive()) return null;
      status.textContent = "";
      error.show(errorText(failure));
      return null;
    } finally {
      more.disabled = false;
    }
  }
  more.addEventListener("click", async () => {
    const first = await load();
    if (first) {
      const heading = first.querySelector("h2");
      heading.setAttribute("tabindex", "-1");
      heading.focus();
    }
  });
  await load();
}
