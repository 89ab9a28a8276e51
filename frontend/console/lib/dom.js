// Building the DOM safely. Every piece of text goes through textContent or createTextNode:
// nothing a citizen or a colleague wrote is ever parsed as HTML. No inline style (CSP).

const URL_ATTRIBUTES = new Set(["href", "src", "action", "formaction"]);

/** A URL fit for href/src: http(s) (absolute or relative) or an in-page hash; else null. */
export function safeUrl(raw) {
  if (typeof raw !== "string") return null;
  const value = raw.trim();
  if (!value) return null;
  if (value.startsWith("#")) return value;
  let url;
  try {
    url = new URL(value, window.location.href);
  } catch {
    return null;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return null;
  return url.href;
}

/**
 * h("button", {type: "button", class: "x", onClick: fn}, "Texte", child)
 * Props: class, text, dataset, on<Event> (functions only), value/checked/selected/disabled
 * (properties), href/src (validated), any other attribute as a string.
 */
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  append(el, children);
  if (props) setProps(el, props);
  return el;
}

function setProps(el, props) {
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") el.className = Array.isArray(value) ? value.filter(Boolean).join(" ") : value;
    else if (key === "text") el.textContent = String(value);
    else if (key === "dataset") Object.assign(el.dataset, value);
    else if (key.startsWith("on")) {
      if (typeof value === "function") el.addEventListener(key.slice(2).toLowerCase(), value);
    } else if (key === "style") {
      throw new Error("no inline style (CSP)");
    } else if (key === "value" || key === "checked" || key === "selected" || key === "indeterminate") {
      // The attribute too, so that form.reset() comes back to it.
      if (key === "value" && el.tagName === "INPUT") el.setAttribute("value", String(value));
      el[key] = value;
      if (key === "checked" && value) el.setAttribute("checked", "");
      if (key === "selected" && value) el.setAttribute("selected", "");
    } else if (URL_ATTRIBUTES.has(key)) {
      const url = safeUrl(String(value));
      if (url) el.setAttribute(key, url);
    } else if (value === true) el.setAttribute(key, "");
    else el.setAttribute(key, String(value));
  }
}

export function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

export function clear(el) {
  el.replaceChildren();
  return el;
}

let counter = 0;
/** A unique id for label/aria wiring. */
export function uid(prefix = "c") {
  counter += 1;
  return `${prefix}-${counter}`;
}

/** Visually hidden text (read by screen readers). */
export function srOnly(text) {
  return h("span", { class: "sr-only" }, text);
}

/** Polite announcement in the global live region (never moves focus). */
export function announce(message) {
  const region = document.getElementById("annonce");
  if (!region) return;
  region.textContent = "";
  // A new text node after a tick, so that the same message twice is read twice.
  window.setTimeout(() => {
    region.textContent = message;
  }, 60);
}

/** Assertive announcement (errors not tied to a form). */
export function announceError(message) {
  const region = document.getElementById("annonce-erreur");
  if (!region) return;
  region.textContent = "";
  window.setTimeout(() => {
    region.textContent = message;
  }, 60);
}

/** A status box (role=status) or alert box (role=alert) that the caller fills. */
export function messageBox(kind = "status") {
  const el = h("div", { class: "message-box", role: kind === "error" ? "alert" : "status" });
  el.show = (text, tone = kind === "error" ? "error" : "info") => {
    el.className = `message-box message-box--${tone}`;
    el.textContent = text;
  };
  el.hide = () => {
    el.className = "message-box";
    el.textContent = "";
  };
  return el;
}

/** Labelled form field. kind: input | select | textarea. Returns {wrap, control}. */
export function field(label, control, hint) {
  const id = control.id || uid("champ");
  control.id = id;
  const wrap = h("div", { class: "field" });
  const lab = h("label", { for: id }, label);
  wrap.append(lab);
  if (hint) {
    const hintId = `${id}-aide`;
    wrap.append(h("p", { class: "hint", id: hintId }, hint));
    const described = control.getAttribute("aria-describedby");
    control.setAttribute("aria-describedby", described ? `${described} ${hintId}` : hintId);
  }
  wrap.append(control);
  return wrap;
}

/** A <select> from [[value, label], …]; `selected` is the current value. */
export function select(name, options, selected, props = {}) {
  const el = h("select", { name, ...props });
  for (const [value, label] of options) {
    const option = h("option", { value }, label);
    if (String(value) === String(selected ?? "")) {
      option.defaultSelected = true; // form.reset() comes back to it
      option.selected = true;
    }
    el.append(option);
  }
  return el;
}

/** Copies text to the clipboard; announces the outcome. */
export async function copyText(text, what = "Le texte") {
  try {
    await navigator.clipboard.writeText(text);
    announce(`${what} a été copié dans le presse-papiers.`);
    return true;
  } catch {
    announceError("La copie a échoué : sélectionnez le texte et copiez-le avec Ctrl+C.");
    return false;
  }
}

/** A "Copier" button for a value, with a descriptive accessible name. */
export function copyButton(getText, label, what) {
  return h(
    "button",
    { type: "button", class: "button button--small", onClick: () => copyText(getText(), what) },
    label,
  );
}

/** Wraps a table so that it scrolls horizontally on small screens (focusable region). */
export function scrollBox(table, label) {
  return h("div", { class: "table-scroll", tabindex: "0", role: "region", "aria-label": label }, table);
}

/** A data table: columns [{label, cell(row) -> node|string, numeric?}], with caption. */
export function dataTable(caption, columns, rows, { captionClass, empty } = {}) {
  const table = h("table", { class: ["data-table", columns.length > 4 ? "data-table--wide" : null] });
  table.append(h("caption", { class: captionClass || null }, caption));
  const headRow = h("tr");
  for (const column of columns) {
    headRow.append(h("th", { scope: "col", class: column.numeric ? "num" : null }, column.label));
  }
  table.append(h("thead", null, headRow));
  const body = h("tbody");
  if (!rows.length && empty) {
    body.append(h("tr", null, h("td", { colspan: String(columns.length) }, empty)));
  }
  for (const row of rows) {
    const tr = h("tr");
    columns.forEach((column, index) => {
      const value = column.cell(row);
      const tag = index === 0 && column.rowHeader !== false ? "th" : "td";
      const cell = h(tag, { class: column.numeric ? "num" : null }, value);
      if (tag === "th") cell.setAttribute("scope", "row");
      tr.append(cell);
    });
    body.append(tr);
  }
  table.append(body);
  return table;
}
