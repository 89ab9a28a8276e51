// Modal dialogs on the native <dialog> (inert background, Escape closes), with a focus trap,
// a title (aria-labelledby) and focus returned to what opened it.

import { h, uid } from "./dom.js";

const FOCUSABLE =
  'a[href], button:not([disabled]), input:not([disabled]):not([type="hidden"]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"]), summary';

/**
 * openDialog({title, body: [nodes], actions: [nodes], initialFocus?, onClose?})
 * → {dialog, close(returnValue)}
 */
export function openDialog({ title, body = [], actions = [], initialFocus, onClose, className }) {
  const opener = document.activeElement;
  const titleId = uid("dialogue-titre");
  const closeButton = h(
    "button",
    { type: "button", class: "dialog__close button button--ghost", "aria-label": "Fermer la fenêtre" },
    "×",
  );
  const dialog = h(
    "dialog",
    { class: ["dialog", className], "aria-labelledby": titleId, "aria-modal": "true" },
    h("div", { class: "dialog__head" }, h("h2", { id: titleId, class: "dialog__title" }, title), closeButton),
    h("div", { class: "dialog__body" }, body),
    actions.length ? h("div", { class: "dialog__actions" }, actions) : null,
  );
  let closed = false;
  function close(value) {
    if (closed) return;
    closed = true;
    if (dialog.open) dialog.close();
    dialog.remove();
    if (opener && typeof opener.focus === "function" && document.contains(opener)) opener.focus();
    if (onClose) onClose(value);
  }
  closeButton.addEventListener("click", () => close(null));
  dialog.addEventListener("cancel", (event) => {
    event.preventDefault();
    close(null);
  });
  dialog.addEventListener("keydown", (event) => {
    if (event.key === "Escape") {
      event.preventDefault();
      event.stopPropagation();
      close(null);
      return;
    }
    if (event.key !== "Tab") return;
    const items = [...dialog.querySelectorAll(FOCUSABLE)].filter((el) => !el.closest("[hidden]") && el.getClientRects().length);
    if (!items.length) return;
    const first = items[0];
    const last = items[items.length - 1];
    if (event.shiftKey && document.activeElement === first) {
      event.preventDefault();
      last.focus();
    } else if (!event.shiftKey && document.activeElement === last) {
      event.preventDefault();
      first.focus();
    }
  });
  document.body.append(dialog);
  if (typeof dialog.showModal === "function") dialog.showModal();
  else dialog.setAttribute("open", "");
  const firstInBody = [...dialog.querySelectorAll(".dialog__body *")].find((el) => el.matches(FOCUSABLE));
  (initialFocus || firstInBody || closeButton).focus();
  return { dialog, close };
}

/** A yes/no confirmation; resolves true when confirmed. */
export function confirmDialog({ title, message, confirmLabel = "Confirmer", danger = false }) {
  return new Promise((resolve) => {
    let result = false;
    const cancel = h("button", { type: "button", class: "button button--secondary" }, "Annuler");
    const confirm = h("button", { type: "button", class: danger ? "button button--danger" : "button" }, confirmLabel);
    const { close } = openDialog({
      title,
      body: [h("p", null, message)],
      actions: [cancel, confirm],
      initialFocus: cancel,
      onClose: () => resolve(result),
    });
    cancel.addEventListener("click", () => close(false));
    confirm.addEventListener("click", () => {
      result = true;
      close(true);
    });
  });
}
