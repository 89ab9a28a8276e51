// The thread page's « N signalements similaires » panel: the other reports of the same
// problem (GET /console/threads/{id} → similar), and for agents and admins, merging one into
// this thread (POST …/{other}/merge) or answering them all (POST …/{id}/similar/replies).

import { h, field, messageBox, uid, announce } from "../lib/dom.js";
import { post, errorText } from "../lib/api.js";
import { confirmDialog } from "../lib/dialog.js";
import { STATUS, dateTime, timeElement, excerpt } from "../lib/format.js";

function countTitle(n) {
  return n === 1 ? "1 signalement similaire" : `${n} signalements similaires`;
}

/** {element, update(thread)}: a panel hidden while the thread has no similar report. */
export function similarPanel({ id, editor, reload }) {
  const titleId = uid("titre-similaires");
  const heading = h("h2", { id: titleId }, countTitle(0));
  const status = messageBox();
  const list = h("ul", { class: "plain-list similar-reports" });
  const element = h(
    "section",
    { class: "panel", "aria-labelledby": titleId, hidden: true, "data-similar": "" },
    heading,
    h("p", { class: "hint" }, "Même lieu, même problème, signalé dans les 30 jours par d'autres citoyens."),
    status,
    list,
  );
  let open = [];

  async function merge(other) {
    const ok = await confirmDialog({
      title: "Fusionner ce signalement ?",
      message: "Il sera clos et rattaché à ce fil ; les réponses données ici atteindront aussi son auteur.",
      confirmLabel: "Fusionner",
      danger: true,
    });
    if (!ok) return;
    try {
      await post(`/console/threads/${encodeURIComponent(other.threadId)}/merge`, { into: id });
      await reload();
      status.show("Signalement fusionné dans ce fil.", "success");
    } catch (failure) {
      status.show(errorText(failure), "error");
    }
  }

  function item(other) {
    const link = h("a", { href: `#/fils/${encodeURIComponent(other.threadId)}` }, excerpt(other.preview, 80));
    const facts = [" — ", STATUS[other.status] || other.status, ", ", timeElement(other.createdAt, dateTime(other.createdAt))];
    const mergeable = editor && other.status !== "closed";
    const button = mergeable
      ? h("button", { type: "button", class: "button button--small button--secondary", "aria-label": `Fusionner « ${excerpt(other.preview, 40)} » dans ce fil` }, "Fusionner")
      : null;
    if (button) button.addEventListener("click", () => merge(other));
    return h("li", null, link, ...facts, button ? " " : null, button);
  }

  let answerForm = null;
  if (editor) {
    const text = h("textarea", { name: "text", rows: "4", maxlength: "5000", required: true });
    answerForm = h(
      "form",
      { class: "form", novalidate: true },
      field(
        "Réponse à tous",
        text,
        "Chaque citoyen reçoit sa propre réponse, sur son canal : le nom et l'adresse du citoyen de ce fil y sont remplacés par les siens. Les signalements clos ne la reçoivent pas.",
      ),
      h("div", { class: "form__actions" }, h("button", { type: "submit", class: "button" }, "Répondre à tous")),
    );
    answerForm.addEventListener("submit", async (event) => {
      event.preventDefault();
      if (text.value.trim().length < 3) {
        text.setAttribute("aria-invalid", "true");
        status.show("Écrivez une réponse (3 caractères au moins).", "error");
        text.focus();
        return;
      }
      text.removeAttribute("aria-invalid");
      const ok = await confirmDialog({
        title: "Répondre à tous ?",
        message: `Ce citoyen et ${open.length === 1 ? "l'auteur du signalement ouvert" : `les auteurs des ${open.length} signalements ouverts`} recevront chacun cette réponse.`,
        confirmLabel: "Répondre à tous",
      });
      if (!ok) return;
      try {
        const { results } = await post(`/console/threads/${encodeURIComponent(id)}/similar/replies`, { text: text.value, visibility: "private" });
        const failed = results.filter((r) => !r.ok);
        const sent = results.length - failed.length;
        const message = `Réponse envoyée à ${sent} citoyen${sent > 1 ? "s" : ""}${failed.length ? ` ; ${failed.length} échec(s) : ${failed.map((r) => r.error.message).join(" ; ")}` : ""}.`;
        text.value = "";
        await reload();
        status.show(message, failed.length ? "error" : "success");
        announce(message);
      } catch (failure) {
        status.show(errorText(failure), "error");
      }
    });
    element.append(answerForm);
  }

  function update(t) {
    const similar = t.similar || [];
    open = similar.filter((other) => other.status !== "closed");
    element.hidden = similar.length === 0;
    heading.textContent = countTitle(similar.length);
    list.replaceChildren(...similar.map(item));
    if (answerForm) answerForm.hidden = open.length === 0 || t.status === "closed";
  }

  return { element, update };
}
