// Exports: POST /console/exports (asynchronous job), GET /console/exports/{id} polled for
// progress, then a short-lived download link; GET /console/exports lists the recent ones.

import { h, field, select, messageBox, announce, dataTable, scrollBox, safeUrl } from "../lib/dom.js";
import { get, post, errorText } from "../lib/api.js";
import { can } from "../lib/auth.js";
import { commune, themeOptions, quartierOptions, themeLabel, quartierLabel } from "../lib/commune.js";
import { CHANNEL, EXPORT_STATUS, integer, dateTime, longDay, isoDay, addDays, timeElement } from "../lib/format.js";

const KIND = { threads: "Fils de discussion (un par ligne)", indicators: "Indicateurs (par jour, thème, quartier)" };
const FORMAT = { csv: "CSV (tableur, séparateur point-virgule)", xlsx: "Excel (.xlsx)" };
// A failed job with this error had its file deleted by a citizen's erasure (services/exports.py).
const ERASED = "contact_erased";
const ERASED_STATE = "Fichier supprimé (effacement RGPD)";
const ERASED_TEXT =
  "Le fichier a été supprimé : un citoyen a fait effacer ses données personnelles et cet export pouvait contenir ses textes tels qu'écrits. Relancez l'export : ses textes y seront anonymisés.";

const erased = (job) => job.status === "failed" && job.error === ERASED;
const stateText = (job) => (erased(job) ? ERASED_STATE : EXPORT_STATUS[job.status] || job.status);

export async function render(ctx) {
  ctx.outlet.append(h("h1", null, "Exports"));
  const info = await commune();
  if (!ctx.alive()) return;
  const today = isoDay();
  // Defaults from the address (the dashboard links here with its period and filters).
  const q = (name, fallback) => ctx.query.get(name) || fallback;
  const day = /^\d{4}-\d{2}-\d{2}$/;
  const controls = {
    kind: select("kind", Object.entries(KIND), q("kind", "threads")),
    format: select("format", Object.entries(FORMAT), q("format", "xlsx")),
    from: h("input", { type: "date", name: "from", value: day.test(q("from", "")) ? q("from") : addDays(today, -29), required: true }),
    to: h("input", { type: "date", name: "to", value: day.test(q("to", "")) ? q("to") : today, required: true }),
    theme: select("theme", [["", "Tous"], ...themeOptions(info)], q("theme", "")),
    quartier: select("quartier", [["", "Tous"], ...quartierOptions(info)], q("quartier", "")),
    channel: select("channel", [["", "Tous"], ...Object.entries(CHANNEL)], q("channel", "")),
  };
  const formStatus = messageBox();
  const progressBox = h("div", { class: "export-progress", hidden: true });
  const submit = h("button", { type: "submit", class: "button" }, "Lancer l'export");
  const form = h(
    "form",
    { class: "form", novalidate: true, "aria-labelledby": "titre-nouvel-export" },
    h("h2", { id: "titre-nouvel-export" }, "Nouvel export"),
    h(
      "p",
      { class: "hint" },
      can("admin")
        ? "Les textes sont exportés tels qu'écrits (administrateurs)."
        : "Les données personnelles des textes sont masquées (seuls les administrateurs exportent les textes tels qu'écrits).",
    ),
    formStatus,
    h(
      "div",
      { class: "filters__grid" },
      field("Contenu", controls.kind),
      field("Format", controls.format),
      field("Du", controls.from, "Format : jj/mm/aaaa"),
      field("Au", controls.to, "Format : jj/mm/aaaa"),
      field("Thème", controls.theme),
      field("Quartier", controls.quartier),
      field("Canal", controls.channel),
    ),
    h("div", { class: "form__actions" }, submit),
    progressBox,
  );
  const listStatus = h("p", { class: "list-status", role: "status" });
  const listBox = h("div");
  const refresh = h("button", { type: "button", class: "button button--small button--secondary" }, "Actualiser la liste");
  ctx.outlet.append(
    h("section", { class: "panel" }, form),
    h(
      "section",
      { class: "panel", "aria-labelledby": "titre-exports-recents" },
      h("h2", { id: "titre-exports-recents" }, "Exports récents"),
      h("p", { class: "hint" }, "Les exports et leurs fichiers sont supprimés après 7 jours ; un lien de téléchargement vaut 15 minutes."),
      can("admin")
        ? h("p", { class: "hint" }, "Quand un citoyen fait effacer ses données, les fichiers des exports de textes tels qu'écrits qui couvrent la date de ses avis sont supprimés.")
        : null,
      refresh,
      listStatus,
      listBox,
    ),
  );

  let pollTimer = null;
  ctx.onCleanup(() => window.clearTimeout(pollTimer));

  function downloadLink(job) {
    const url = safeUrl(job.downloadUrl || "");
    if (!url) return null;
    return h(
      "a",
      { href: url, class: "button button--small", download: "" },
      `Télécharger l'export ${job.format.toUpperCase()} du ${longDay(job.from)} au ${longDay(job.to)}`,
    );
  }

  function showProgress(job) {
    progressBox.hidden = false;
    const percent = Math.max(0, Math.min(100, Number(job.percent) || 0));
    const parts = [
      h("p", { id: "export-etat" }, `${stateText(job)} — ${integer(percent)} %${job.rows ? `, ${integer(job.rows)} ligne${job.rows > 1 ? "s" : ""}` : ""}`),
      h("progress", { max: "100", value: String(percent), "aria-labelledby": "export-etat" }, `${percent} %`),
    ];
    if (job.status === "done") {
      const link = downloadLink(job);
      if (link) parts.push(h("p", null, link));
    }
    if (job.status === "failed") parts.push(h("p", { class: "message-box message-box--error" }, erased(job) ? ERASED_TEXT : "L'export a échoué. Réessayez, ou réduisez la période."));
    progressBox.replaceChildren(...parts);
  }

  async function follow(jobId, lastAnnounced = -1) {
    try {
      const job = await get(`/console/exports/${encodeURIComponent(jobId)}`, null, ctx.signal);
      if (!ctx.alive()) return;
      showProgress(job);
      if (job.status === "done") {
        announce(`Export terminé : ${integer(job.rows)} lignes. Le lien de téléchargement est prêt.`);
        const link = progressBox.querySelector("a");
        if (link) link.focus();
        submit.disabled = false;
        loadList();
        return;
      }
      if (job.status === "failed") {
        announce(erased(job) ? ERASED_TEXT : "L'export a échoué.");
        submit.disabled = false;
        loadList();
        return;
      }
      // Announce every 25 % at most (the progress bar itself is not a live region).
      const step = Math.floor((Number(job.percent) || 0) / 25);
      if (step > lastAnnounced && step > 0) announce(`Export en cours : ${integer(job.percent)} %.`);
      pollTimer = window.setTimeout(() => follow(jobId, Math.max(step, lastAnnounced)), 1500);
    } catch (failure) {
      if (!ctx.alive()) return;
      formStatus.show(errorText(failure), "error");
      submit.disabled = false;
    }
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    formStatus.hide();
    if (!controls.from.value || !controls.to.value || controls.from.value > controls.to.value) {
      controls.from.setAttribute("aria-invalid", "true");
      formStatus.show("Période invalide : la date de début doit précéder la date de fin.", "error");
      controls.from.focus();
      return;
    }
    controls.from.removeAttribute("aria-invalid");
    const body = { kind: controls.kind.value, format: controls.format.value, from: controls.from.value, to: controls.to.value };
    for (const key of ["theme", "quartier", "channel"]) if (controls[key].value) body[key] = controls[key].value;
    submit.disabled = true;
    try {
      const job = await post("/console/exports", body);
      formStatus.show("Export demandé : il se prépare, vous pouvez rester sur cette page ou y revenir plus tard.", "info");
      showProgress(job);
      window.clearTimeout(pollTimer);
      follow(job.id);
    } catch (failure) {
      formStatus.show(errorText(failure), "error");
      submit.disabled = false;
    }
  });

  async function renewLink(job, button) {
    button.disabled = true;
    try {
      const fresh = await get(`/console/exports/${encodeURIComponent(job.id)}`);
      const link = downloadLink(fresh);
      if (link) {
        button.replaceWith(link);
        link.focus();
      } else {
        button.disabled = false;
        announce("Le fichier n'est pas encore prêt.");
      }
    } catch (failure) {
      button.disabled = false;
      listStatus.textContent = errorText(failure);
    }
  }

  async function loadList() {
    try {
      const data = await get("/console/exports", null, ctx.signal);
      if (!ctx.alive()) return;
      const rows = data.items || [];
      const filters = (job) =>
        [job.theme ? themeLabel(info, job.theme) : null, job.quartier ? quartierLabel(info, job.quartier) : null, job.channel ? CHANNEL[job.channel] : null]
          .filter(Boolean)
          .join(", ") || "Aucun";
      const table = dataTable(
        "Exports des 7 derniers jours",
        [
          { label: "Demandé le", cell: (job) => timeElement(job.createdAt, dateTime(job.createdAt)) },
          { label: "Contenu", cell: (job) => `${job.kind === "threads" ? "Fils" : "Indicateurs"} (${job.format.toUpperCase()})` },
          { label: "Période", cell: (job) => `du ${longDay(job.from)} au ${longDay(job.to)}` },
          { label: "Filtres", cell: filters },
          { label: "État", cell: (job) => `${stateText(job)}${job.status === "running" ? ` (${integer(job.percent)} %)` : ""}` },
          { label: "Lignes", numeric: true, cell: (job) => integer(job.rows) },
          { label: "Textes", cell: (job) => (job.masked ? "Masqués" : "Tels qu'écrits") },
          {
            label: "Fichier",
            cell: (job) => {
              if (job.status !== "done") return "—";
              const button = h("button", { type: "button", class: "button button--small button--secondary" }, "Obtenir le lien");
              button.setAttribute("aria-label", `Obtenir le lien de l'export du ${dateTime(job.createdAt)}`);
              button.addEventListener("click", () => renewLink(job, button));
              return button;
            },
          },
        ],
        rows,
        { empty: "Aucun export récent." },
      );
      listBox.replaceChildren(scrollBox(table, "Tableau des exports récents"));
      listStatus.textContent = `${rows.length} export${rows.length > 1 ? "s" : ""} récent${rows.length > 1 ? "s" : ""}.`;
    } catch (failure) {
      if (!ctx.alive()) return;
      listStatus.textContent = errorText(failure);
    }
  }
  refresh.addEventListener("click", loadList);
  await loadList();
}
