// Keyboard shortcuts (single keys: never while typing in a field, never with Ctrl/Alt/Cmd,
// never under an open dialog; they can be turned off, WCAG 2.1.4). "?" opens the help.

import { h, announce, dataTable } from "./dom.js";
import { openDialog } from "./dialog.js";
import { navigate } from "./router.js";

const PREFERENCE = "concerto.console.raccourcis";
const SEQUENCE_MS = 1500;

export const SHORTCUTS = [
  ["?", "Afficher cette aide"],
  ["j", "Fil suivant de la liste"],
  ["k", "Fil précédent de la liste"],
  ["Entrée", "Ouvrir le fil sélectionné"],
  ["r", "Répondre (ouvre le fil sélectionné sur la zone de réponse)"],
  ["/", "Aller au champ de recherche et aux filtres"],
  ["g puis i", "Aller à la boîte de réception"],
  ["g puis d", "Aller au tableau de bord"],
  ["g puis a", "Aller aux alertes"],
];

let viewKeys = {};
let pendingG = 0;
let installed = false;

export function enabled() {
  try {
    return window.localStorage.getItem(PREFERENCE) !== "off";
  } catch {
    return true;
  }
}

function setEnabled(on) {
  try {
    window.localStorage.setItem(PREFERENCE, on ? "on" : "off");
  } catch {
    /* private mode: the choice lasts for this page */
  }
}

/** The current view's handlers: {next, previous, open, reply, search}. */
export function setViewKeys(handlers) {
  viewKeys = handlers || {};
  return () => {
    if (viewKeys === handlers) viewKeys = {};
  };
}

function typing(target) {
  if (!target || !(target instanceof Element)) return false;
  if (target.isContentEditable) return true;
  const tag = target.tagName;
  if (tag === "TEXTAREA" || tag === "SELECT") return true;
  if (tag === "INPUT") {
    const type = (target.getAttribute("type") || "text").toLowerCase();
    return !["checkbox", "radio", "button", "submit", "reset", "range", "color", "file"].includes(type);
  }
  return false;
}

function interactive(target) {
  return target instanceof Element && !!target.closest("a[href], button, input, select, textarea, summary, [role=button], [role=link]");
}

function defaultSearch() {
  const field = document.querySelector("main [data-recherche]") || document.querySelector("main form[role=search] input, main form[role=search] select");
  if (field) {
    field.focus();
    return true;
  }
  return false;
}

function onKeyDown(event) {
  if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
  if (typing(event.target)) return;
  if (document.querySelector("dialog[open]")) return;
  const key = event.key;
  if (key === "?") {
    event.preventDefault();
    openHelp();
    return;
  }
  if (!enabled()) return;
  if (pendingG && Date.now() - pendingG < SEQUENCE_MS) {
    pendingG = 0;
    const target = { i: "#/boite", d: "#/tableau-de-bord", a: "#/alertes" }[key];
    if (target) {
      event.preventDefault();
      navigate(target);
    }
    return;
  }
  pendingG = 0;
  switch (key) {
    case "g":
      pendingG = Date.now();
      return;
    case "j":
      if (viewKeys.next) {
        event.preventDefault();
        viewKeys.next();
      }
      return;
    case "k":
      if (viewKeys.previous) {
        event.preventDefault();
        viewKeys.previous();
      }
      return;
    case "Enter":
      if (viewKeys.open && !interactive(event.target)) {
        event.preventDefault();
        viewKeys.open();
      }
      return;
    case "r":
      if (viewKeys.reply) {
        event.preventDefault();
        viewKeys.reply();
      }
      return;
    case "/":
      event.preventDefault();
      if (!(viewKeys.search && viewKeys.search()) && !defaultSearch()) announce("Cette page n'a pas de champ de recherche.");
      return;
    default:
  }
}

export function install() {
  if (installed) return;
  installed = true;
  document.addEventListener("keydown", onKeyDown);
}

export function uninstall() {
  installed = false;
  viewKeys = {};
  document.removeEventListener("keydown", onKeyDown);
}

export function openHelp() {
  if (document.querySelector("dialog[open]")) return;
  const toggle = h("input", { type: "checkbox", id: "raccourcis-actifs", checked: enabled() });
  toggle.addEventListener("change", () => {
    setEnabled(toggle.checked);
    announce(toggle.checked ? "Raccourcis clavier activés." : "Raccourcis clavier désactivés (sauf « ? »).");
  });
  const table = dataTable(
    "Raccourcis disponibles",
    [
      { label: "Touche", cell: (row) => h("kbd", null, row[0]) },
      { label: "Action", cell: (row) => row[1] },
    ],
    SHORTCUTS,
  );
  const close = h("button", { type: "button", class: "button" }, "Fermer");
  const { close: closeDialog } = openDialog({
    title: "Raccourcis clavier",
    body: [
      h("p", null, "Ces touches agissent quand le curseur n'est pas dans un champ de saisie."),
      table,
      h("div", { class: "field field--check" }, toggle, h("label", { for: "raccourcis-actifs" }, "Activer les raccourcis à une touche")),
    ],
    actions: [close],
    initialFocus: close,
  });
  close.addEventListener("click", () => closeDialog());
}
