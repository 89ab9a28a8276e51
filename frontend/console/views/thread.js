// A thread: GET /console/threads/{id}; PATCH (with version), replies, notes, merge;
// e-mail originals and attachments (agents, admins); live refresh.

import { h, field, select, announce, announceError, messageBox, uid, safeUrl } from "../lib/dom.js";
import { get, post, patch, errorText, ApiError } from "../lib/api.js";
import { can, current } from "../lib/auth.js";
import { commune, themeOptions, themeLabel, services, serviceLabel, quartierLabel } from "../lib/commune.js";
import {
  STATUS,
  CHANNEL,
  SENTIMENT,
  PRIORITY,
  PUBLICATION,
  DELIVERY,
  VISIBILITY,
  AUTHOR,
  PLATFORM,
  ANALYSIS,
  dateTime,
  timeElement,
  bytes,
  number,
  excerpt,
} from "../lib/format.js";
import { topicHash } from "../lib/topics.js";
import { sentimentChip, statusChip, channelChip, themeChip, dueChip, priorityChip, chip } from "../lib/threads.js";
import { onEvents } from "../lib/realtime.js";
import { setViewKeys } from "../lib/shortcuts.js";
import { openDialog, confirmDialog } from "../lib/dialog.js";
import { similarPanel } from "./similar.js";

const REFUSED = {
  too_large: "trop volumineux",
  type_not_allowed: "type de fichier refusé",
  too_many: "trop de pièces jointes",
  total_too_large: "pièces jointes trop volumineuses au total",
  not_scanned: "format bureautique ancien, gardé seulement après une analyse antivirus",
  download_failed: "téléchargement impossible depuis le réseau social",
};

function defRow(term, ...value) {
  return [h("dt", null, term), h("dd", null, ...value)];
}

function fillVariables(text, vars) {
  return text.replace(/\{(citoyen|commune|theme|agent)\}/g, (_, name) => vars[name] ?? `{${name}}`);
}

export async function render(ctx) {
  const id = ctx.params[0];
  const editor = can("edit");
  const seesContact = can("contact");
  const session = current();
  const heading = h("h1", null, "Fil de discussion");
  ctx.outlet.append(heading);
  const back = h("p", { class: "back-link" }, h("a", { href: "#/boite" }, "Retour à la boîte de réception"));
  const pageStatus = messageBox();
  const pageError = messageBox("error");
  ctx.outlet.append(back, pageStatus, pageError);

  let thread;
  try {
    const [loaded] = await Promise.all([get(`/console/threads/${encodeURIComponent(id)}`, null, ctx.signal), commune(), services()]);
    thread = loaded;
  } catch (failure) {
    if (!ctx.alive()) return;
    if (failure instanceof ApiError && failure.status === 404) {
      heading.textContent = "Fil introuvable";
      ctx.setTitle("Fil introuvable");
    }
    pageError.show(errorText(failure));
    return;
  }
  if (!ctx.alive()) return;
  const info = await commune();
  const serviceList = await services();
  let templates = [];

  const messagesList = h("ol", { class: "messages" });
  const messagesHeading = h("h2", { id: "titre-messages" }, "Messages");
  const summary = h("dl", { class: "summary" });
  const analysisBox = h("div", { class: "analysis" });
  const contactBox = h("div");
  const historyBox = h("div");

  function titleOf(t) {
    return t.subject ? t.subject : `Avis ${t.theme === "a-classer" ? "à classer" : `« ${themeLabel(info, t.theme)} »`}`;
  }

  // ---- read-only parts -------------------------------------------------------------------
  function renderHeading(t) {
    heading.textContent = titleOf(t);
    ctx.setTitle(excerpt(titleOf(t), 60));
  }

  function attachmentItem(t, message, attachment) {
    const meta = `${attachment.contentType || "type inconnu"}, ${bytes(attachment.size)}`;
    const li = h("li", { class: "attachment" }, h("span", { class: "attachment__name" }, attachment.name || "(sans nom)"), ` (${meta})`);
    if (attachment.refused) {
      li.append(" — ", chip(`Non conservée : ${REFUSED[attachment.refused] || attachment.refused}`, "muted"));
      return li;
    }
    if (!seesContact) return li;
    const button = h("button", { type: "button", class: "button button--small button--secondary" }, "Obtenir le lien de téléchargement");
    button.setAttribute("aria-label", `Obtenir le lien de téléchargement de ${attachment.name || "la pièce jointe"}`);
    button.addEventListener("click", async () => {
      button.disabled = true;
      try {
        const link = await get(
          `/console/threads/${encodeURIComponent(t.id)}/messages/${encodeURIComponent(message.id)}/attachments/${encodeURIComponent(attachment.index)}`,
        );
        const url = safeUrl(link.url);
        if (!url) throw new Error("lien invalide");
        const anchor = h(
          "a",
          { href: url, class: "button button--small", target: "_blank", rel: "noopener noreferrer", download: link.name || "" },
          `Télécharger ${link.name || attachment.name || "la pièce jointe"} (lien valable 5 minutes, nouvel onglet)`,
        );
        button.replaceWith(anchor);
        anchor.focus();
      } catch (failure) {
        button.disabled = false;
        pageError.show(failure instanceof ApiError ? errorText(failure) : "Le lien de téléchargement n'a pas pu être obtenu.");
      }
    });
    li.append(" ", button);
    return li;
  }

  async function showOriginal(t, message, opener) {
    opener.disabled = true;
    try {
      const original = await get(`/console/threads/${encodeURIComponent(t.id)}/messages/${encodeURIComponent(message.id)}/original`);
      const raw = safeUrl(original.rawUrl || "");
      const closeButton = h("button", { type: "button", class: "button" }, "Fermer");
      // A social network's message keeps the event as Meta sent it (JSON), not an e-mail.
      const social = message.channel === "social";
      const { close } = openDialog({
        title: social ? "Message d'origine" : "E-mail d'origine",
        className: "dialog--wide",
        body: [
          h("p", null, h("strong", null, "Objet : "), original.subject || "(sans objet)"),
          h("h3", { class: "h-small" }, "Texte complet (historique cité compris)"),
          h("div", { class: "original-text", tabindex: "0", role: "region", "aria-label": "Texte complet de l'e-mail" }, original.fullText || "(texte indisponible)"),
          raw
            ? h(
                "p",
                null,
                h(
                  "a",
                  { href: raw, target: "_blank", rel: "noopener noreferrer" },
                  social
                    ? "Télécharger le message brut tel que reçu du réseau social (.json, lien valable 5 minutes, nouvel onglet)"
                    : "Télécharger l'e-mail brut (.eml, lien valable 5 minutes, nouvel onglet)",
                ),
              )
            : null,
        ],
        actions: [closeButton],
      });
      closeButton.addEventListener("click", () => close());
    } catch (failure) {
      pageError.show(errorText(failure));
    } finally {
      opener.disabled = false;
    }
  }

  function metaText(message) {
    const channel = CHANNEL[message.channel] || message.channel;
    if (message.author === "note") return "Visible uniquement par l'équipe";
    if (message.author === "citizen") return `Reçu par : ${channel}`;
    return `Envoyé par : ${channel} · réponse ${(VISIBILITY[message.visibility] || message.visibility).toLowerCase()}`;
  }

  function messageItem(t, message) {
    const headingId = uid("message");
    const author =
      message.author === "commune"
        ? `Mairie${message.staffEmail ? ` (${message.staffEmail})` : ""}`
        : AUTHOR[message.author] || message.author;
    const li = h(
      "li",
      { class: ["message", `message--${message.author}`], "aria-labelledby": headingId },
      h(
        "h3",
        { class: "message__author", id: headingId },
        author,
        h("span", { class: "message__date" }, " — ", timeElement(message.createdAt, dateTime(message.createdAt))),
      ),
      h("p", { class: "message__meta" }, metaText(message)),
      message.subject ? h("p", { class: "message__subject" }, h("strong", null, "Objet : "), message.subject) : null,
      h("div", { class: "message__text" }, message.text),
    );
    if (message.delivery) {
      const delivery = h(
        "p",
        { class: ["delivery", `delivery--${message.delivery}`] },
        h("strong", null, "Envoi : "),
        DELIVERY[message.delivery] || message.delivery,
      );
      if (message.deliveryDetail) delivery.append(" — ", message.deliveryDetail);
      li.append(delivery);
    }
    if (message.hasOriginal && seesContact) {
      const label = message.channel === "social" ? "Voir le message d'origine" : "Voir l'e-mail complet";
      const button = h("button", { type: "button", class: "button button--small button--secondary" }, label);
      button.addEventListener("click", () => showOriginal(t, message, button));
      li.append(h("p", null, button));
    }
    if (message.attachments && message.attachments.length) {
      li.append(
        h("p", { class: "message__attachments-title" }, `Pièces jointes (${message.attachments.length}) :`),
        h("ul", { class: "attachments" }, message.attachments.map((attachment) => attachmentItem(t, message, attachment))),
      );
    }
    return li;
  }

  function renderMessages(t) {
    messagesHeading.textContent = `Messages (${t.messages.length})`;
    messagesList.replaceChildren(...t.messages.map((message) => messageItem(t, message)));
  }

  // "Corriger": goes to the matching field of the "Traitement" form (agents, admins).
  function correctButton(name, text) {
    if (!editor) return null;
    const button = h("button", { type: "button", class: "button button--small button--secondary correct-button" }, text);
    button.addEventListener("click", () => {
      const control = manage[name];
      if (control.disabled) {
        announce("Le sentiment pourra être corrigé une fois l'analyse terminée.");
        return;
      }
      control.focus();
      control.scrollIntoView({ block: "center" });
    });
    return button;
  }

  function renderSummary(t) {
    const rows = [
      ...defRow("Canal", channelChip(t.channel)),
      ...defRow("Statut", statusChip(t.status)),
      ...defRow("Thème", themeChip(info, t.theme), correctButton("theme", "Corriger le thème")),
      ...(t.topic === undefined ? [] : defRow("Sujet", t.topic && topicHash(t.topic.id) ? h("a", { href: topicHash(t.topic.id) }, t.topic.label) : "Aucun sujet pour l'instant")),
      ...defRow("Sentiment", sentimentChip(t), correctButton("sentiment", "Corriger le sentiment")),
      ...defRow("Reçu le", timeElement(t.createdAt, dateTime(t.createdAt))),
      ...defRow("Dernière activité", timeElement(t.lastActivityAt, dateTime(t.lastActivityAt))),
      ...defRow("Échéance", dueChip(t) || "Aucune réponse attendue"),
      ...defRow("Priorité", priorityChip(t) || PRIORITY.normal),
      ...defRow("Quartier", quartierLabel(info, t.quartier)),
      ...defRow("Note donnée", t.rating ? `${t.rating} sur 5` : "—"),
      ...defRow("Service", serviceLabel(serviceList, t.service)),
      ...defRow("Assigné à", t.assignee || "Personne"),
      ...defRow("Étiquettes", t.tags && t.tags.length ? t.tags.join(", ") : "Aucune"),
      ...defRow("Publication", PUBLICATION[t.publication] || t.publication),
    ];
    if (t.mergedInto) {
      rows.push(...defRow("Fusionné dans", h("a", { href: `#/fils/${encodeURIComponent(t.mergedInto)}` }, `le fil ${t.mergedInto}`)));
    }
    if (t.mergedFrom && t.mergedFrom.length) {
      rows.push(
        ...defRow(
          "Doublons fusionnés ici",
          h("ul", { class: "plain-list" }, t.mergedFrom.map((other) => h("li", null, h("a", { href: `#/fils/${encodeURIComponent(other)}` }, `Fil ${other}`)))),
        ),
      );
    }
    rows.push(...defRow("Identifiant", h("code", null, t.id)));
    summary.replaceChildren(...rows);
  }

  function renderAnalysis(t) {
    const a = t.analysis || {};
    const items = [...defRow("État", ANALYSIS[a.status] || a.status || "—")];
    if (a.sentiment) {
      items.push(...defRow("Sentiment détecté", `${SENTIMENT[a.sentiment]}${a.corrected ? " (corrigé par l'équipe)" : ""}`));
    }
    if (a.scores) {
      const scores = Object.entries(a.scores)
        .map(([key, value]) => `${SENTIMENT[key.toUpperCase()] || key} ${number(Number(value) * 100)} %`)
        .join(", ");
      items.push(...defRow("Scores", scores));
    }
    if (a.suggestedTheme) items.push(...defRow("Thème suggéré", themeLabel(info, a.suggestedTheme)));
    if (a.keyPhrases && a.keyPhrases.length) items.push(...defRow("Expressions clés", a.keyPhrases.join(" · ")));
    items.push(...defRow("Données personnelles repérées", a.pii && a.pii.length ? `${a.pii.length} (masquées à la publication)` : "Aucune"));
    items.push(...defRow("Propos injurieux", a.toxic ? "Oui (retenu en modération)" : "Non"));
    if (a.engine) items.push(...defRow("Moteur", `${a.engine}${a.modelVersion ? ` (modèle ${a.modelVersion})` : ""}`));
    if (a.error) items.push(...defRow("Erreur", a.error));
    analysisBox.replaceChildren(h("dl", { class: "summary" }, items));
  }

  // The citizen's right to erasure, on their request (admins): contact, e-mails and files
  // go; the texts stay anonymised.
  function erasureButton() {
    const button = h("button", { type: "button", class: "button button--danger button--small" }, "Effacer les données du citoyen");
    button.addEventListener("click", async () => {
      const confirmed = await confirmDialog({
        title: "Effacer les données du citoyen",
        message: "Son adresse, son nom, ses e-mails d'origine et leurs pièces jointes seront effacés, pour ce fil et ses autres fils, ainsi que les fichiers d'export non anonymisés qui contiennent ses messages. Ses messages ne resteront que sous forme anonymisée. C'est définitif.",
        confirmLabel: "Effacer définitivement",
        danger: true,
      });
      if (!confirmed) return;
      try {
        const done = await post(`/console/threads/${encodeURIComponent(id)}/erasure`, {});
        announce(`Données du citoyen effacées (${done.erased} fil${done.erased > 1 ? "s" : ""}).`);
        await reload();
      } catch (error) {
        announceError(errorText(error));
      }
    });
    return button;
  }

  function renderContact(t) {
    if (!seesContact) return;
    const c = t.contact;
    if (!c) {
      contactBox.replaceChildren(h("p", null, "Le citoyen n'a pas laissé de coordonnées."));
    } else {
      contactBox.replaceChildren(
        h(
          "dl",
          { class: "summary" },
          ...defRow("Nom", c.name || "Non communiqué"),
          ...defRow("E-mail", c.email || "Non communiqué"),
          ...defRow("Adresse vérifiée", c.verified ? "Oui" : "Non : déclarée, pas prouvée (non reliée à ses autres avis)"),
          c.platform ? defRow("Réseau social", PLATFORM[c.platform] || c.platform) : [],
        ),
        can("admin") ? erasureButton() : null,
      );
    }
    const history = t.history || [];
    historyBox.replaceChildren(
      history.length
        ? h(
            "ul",
            { class: "plain-list history" },
            history.map((other) =>
              h(
                "li",
                null,
                h("a", { href: `#/fils/${encodeURIComponent(other.id)}` }, other.subject || excerpt(other.preview, 80)),
                " — ",
                themeLabel(info, other.theme),
                ", ",
                STATUS[other.status] || other.status,
                ", ",
                timeElement(other.createdAt, dateTime(other.createdAt)),
              ),
            ),
          )
        : h("p", null, "Aucun autre fil connu pour ce citoyen (il faut une adresse vérifiée)."),
    );
  }

  // ---- management (PATCH with version) ------------------------------------------------------
  const manage = {};
  const manageStatus = messageBox();
  let dirty = false;
  let manageForm = null;
  if (editor) {
    manage.status = select("status", Object.entries(STATUS), thread.status);
    manage.assignee = h("input", { type: "email", name: "assignee", autocomplete: "off", spellcheck: "false" });
    manage.priority = select("priority", Object.entries(PRIORITY), thread.priority);
    manage.service = select("service", [["", "Aucun"], ...serviceList.map((item) => [item.id, item.label])], thread.service || "");
    manage.theme = select("theme", themeOptions(info), thread.theme);
    manage.sentiment = select("sentiment", [["", "Non analysé"], ...Object.entries(SENTIMENT)], thread.sentiment || "");
    manage.tags = h("input", { type: "text", name: "tags", autocomplete: "off" });
    const assignMe = h("button", { type: "button", class: "button button--small button--secondary" }, "M'assigner");
    assignMe.addEventListener("click", () => {
      manage.assignee.value = session.email;
      dirty = true;
    });
    manageForm = h(
      "form",
      { class: "form", novalidate: true },
      manageStatus,
      field("Statut", manage.status),
      field("Assigné à (e-mail)", manage.assignee, "Laisser vide pour ne l'assigner à personne."),
      h("p", { class: "inline-action" }, assignMe),
      field("Priorité", manage.priority),
      field("Service", manage.service),
      field("Thème", manage.theme, "Corriger le thème aide la commune à mieux classer les prochains avis."),
      field("Sentiment", manage.sentiment, "Une correction du sentiment est apprise par le modèle d'analyse."),
      field("Étiquettes", manage.tags, "Séparées par des virgules ; 10 au plus, de 1 à 30 caractères."),
      h("div", { class: "form__actions" }, h("button", { type: "submit", class: "button" }, "Enregistrer les modifications")),
    );
    manageForm.addEventListener("input", () => {
      dirty = true;
    });
    manageForm.addEventListener("submit", (event) => {
      event.preventDefault();
      saveManage();
    });
  }

  let base = thread; // the thread as the form was filled (its version goes with the PATCH)
  function fillManage(t) {
    if (!editor) return;
    base = t;
    manage.status.value = t.status;
    manage.assignee.value = t.assignee || "";
    manage.priority.value = t.priority;
    manage.service.value = t.service || "";
    if (![...manage.theme.options].some((option) => option.value === t.theme)) {
      manage.theme.append(h("option", { value: t.theme }, themeLabel(info, t.theme)));
    }
    manage.theme.value = t.theme;
    manage.sentiment.value = t.sentiment || "";
    manage.sentiment.disabled = !t.sentiment && (t.analysis || {}).status !== "done";
    manage.tags.value = (t.tags || []).join(", ");
    dirty = false;
  }

  async function saveManage() {
    manageStatus.hide();
    const body = { version: base.version };
    const tags = manage.tags.value
      .split(",")
      .map((tag) => tag.trim())
      .filter(Boolean);
    if (manage.status.value !== base.status) body.status = manage.status.value;
    if (manage.assignee.value.trim() !== (base.assignee || "")) body.assignee = manage.assignee.value.trim();
    if (manage.priority.value !== base.priority) body.priority = manage.priority.value;
    if (manage.service.value !== (base.service || "")) body.service = manage.service.value;
    if (manage.theme.value !== base.theme) body.theme = manage.theme.value;
    if (manage.sentiment.value && manage.sentiment.value !== (base.sentiment || "")) body.sentiment = manage.sentiment.value;
    if (tags.join("\u0000") !== (base.tags || []).join("\u0000")) body.tags = tags;
    if (Object.keys(body).length === 1) {
      manageStatus.show("Aucune modification à enregistrer.", "info");
      return;
    }
    const invalidTag = tags.find((tag) => tag.length > 30);
    if (tags.length > 10 || invalidTag) {
      manageStatus.show("Étiquettes invalides : 10 au plus, de 1 à 30 caractères chacune.", "error");
      manage.tags.setAttribute("aria-invalid", "true");
      manage.tags.focus();
      return;
    }
    manage.tags.removeAttribute("aria-invalid");
    try {
      thread = await patch(`/console/threads/${encodeURIComponent(id)}`, body);
      redraw(thread);
      fillManage(thread);
      manageStatus.show("Modifications enregistrées.", "success");
    } catch (failure) {
      if (failure instanceof ApiError && failure.code === "version_conflict") {
        const fresh = failure.body && failure.body.thread;
        thread = fresh || (await get(`/console/threads/${encodeURIComponent(id)}`));
        redraw(thread);
        fillManage(thread);
        manageStatus.show(
          "Ce fil a été modifié par quelqu'un d'autre pendant que vous le lisiez : il vient d'être rechargé avec ses nouvelles valeurs. Vérifiez-les puis refaites votre modification.",
          "error",
        );
      } else {
        manageStatus.show(errorText(failure), "error");
      }
    }
  }

  // ---- reply ---------------------------------------------------------------------------------
  let replyText = null;
  let replyForm = null;
  if (editor) {
    const replyStatus = messageBox();
    replyText = h("textarea", { name: "text", rows: "7", maxlength: "5000", required: true });
    const counter = h("p", { class: "hint", id: uid("compteur"), "aria-live": "off" }, "0 / 5 000 caractères");
    replyText.setAttribute("aria-describedby", counter.id);
    const templateSelect = h("select", { name: "template" }, h("option", { value: "" }, "Choisir un modèle…"));
    const insert = h("button", { type: "button", class: "button button--small button--secondary" }, "Insérer le modèle");
    let insertedTemplate = null;
    const visibilityName = uid("visibilite");
    const privateRadio = h("input", { type: "radio", name: visibilityName, value: "private", id: `${visibilityName}-privee`, checked: true });
    const publicRadio = h("input", { type: "radio", name: visibilityName, value: "public", id: `${visibilityName}-publique` });
    const send = h("button", { type: "submit", class: "button" }, "Envoyer la réponse");
    replyForm = h(
      "form",
      { class: "form", novalidate: true },
      replyStatus,
      h("div", { class: "template-picker" }, field("Réponse type", templateSelect), insert),
      field("Votre réponse", replyText),
      counter,
      h(
        "fieldset",
        { class: "fieldset" },
        h("legend", null, "Visibilité de la réponse"),
        h(
          "div",
          { class: "field field--check" },
          privateRadio,
          h("label", { for: privateRadio.id }, "Privée : envoyée au citoyen seulement (sur son canal et son lien de suivi)"),
        ),
        h(
          "div",
          { class: "field field--check" },
          publicRadio,
          h("label", { for: publicRadio.id }, "Publique : publiée aussi sous l'avis, sur la page de la commune"),
        ),
      ),
      h("div", { class: "form__actions" }, send),
    );
    replyText.addEventListener("input", () => {
      counter.textContent = `${replyText.value.length.toLocaleString("fr-FR")} / 5 000 caractères`;
    });
    insert.addEventListener("click", () => {
      const template = templates.find((item) => item.id === templateSelect.value);
      if (!template) {
        replyStatus.show("Choisissez d'abord un modèle dans la liste.", "info");
        templateSelect.focus();
        return;
      }
      const vars = {
        citoyen: (thread.contact && thread.contact.name) || "Madame, Monsieur",
        commune: info.name || "la commune",
        theme: themeLabel(info, thread.theme),
        agent: session.email.split("@")[0],
      };
      replyText.value = fillVariables(template.text, vars);
      insertedTemplate = { id: template.id, text: replyText.value };
      replyText.dispatchEvent(new Event("input"));
      replyText.focus();
      announce(`Modèle « ${template.title} » inséré dans la réponse.`);
    });
    replyForm.addEventListener("submit", async (event) => {
      event.preventDefault();
      replyStatus.hide();
      const text = replyText.value.trim();
      if (text.length < 3) {
        replyText.setAttribute("aria-invalid", "true");
        replyStatus.show("La réponse doit compter au moins 3 caractères.", "error");
        replyText.focus();
        return;
      }
      replyText.removeAttribute("aria-invalid");
      const visibility = publicRadio.checked ? "public" : "private";
      if (visibility === "public") {
        const ok = await confirmDialog({
          title: "Publier la réponse ?",
          message: "Cette réponse sera visible de tous sur la page publique de la commune, sous l'avis du citoyen (une fois l'avis publié).",
          confirmLabel: "Publier la réponse",
        });
        if (!ok) return;
      }
      const body =
        insertedTemplate && insertedTemplate.text === replyText.value ? { templateId: insertedTemplate.id, visibility } : { text, visibility };
      send.disabled = true;
      try {
        await post(`/console/threads/${encodeURIComponent(id)}/replies`, body);
        replyText.value = "";
        insertedTemplate = null;
        replyText.dispatchEvent(new Event("input"));
        privateRadio.checked = true;
        replyStatus.show("Réponse enregistrée : elle part vers le citoyen. Son état d'envoi s'affiche sous le message.", "success");
        await reload();
        watchDelivery();
      } catch (failure) {
        replyStatus.show(errorText(failure), "error");
      } finally {
        send.disabled = false;
      }
    });
    get("/console/templates")
      .then((data) => {
        templates = data.items || [];
        for (const template of templates) templateSelect.append(h("option", { value: template.id }, template.title));
        if (!templates.length) templateSelect.append(h("option", { value: "", disabled: true }, "(aucun modèle : créez-en dans « Modèles de réponse »)"));
      })
      .catch(() => {});
  }

  // ---- note ------------------------------------------------------------------------------------
  let noteForm = null;
  if (editor) {
    const noteStatus = messageBox();
    const noteText = h("textarea", { name: "note", rows: "3", maxlength: "5000" });
    noteForm = h(
      "form",
      { class: "form", novalidate: true },
      noteStatus,
      field("Note pour vos collègues", noteText, "Jamais montrée au citoyen."),
      h("div", { class: "form__actions" }, h("button", { type: "submit", class: "button button--secondary" }, "Ajouter la note interne")),
    );
    noteForm.addEventListener("submit", async (event) => {
      event.preventDefault();
      const text = noteText.value.trim();
      if (text.length < 3) {
        noteText.setAttribute("aria-invalid", "true");
        noteStatus.show("La note doit compter au moins 3 caractères.", "error");
        noteText.focus();
        return;
      }
      noteText.removeAttribute("aria-invalid");
      try {
        await post(`/console/threads/${encodeURIComponent(id)}/notes`, { text });
        noteText.value = "";
        noteStatus.show("Note ajoutée au fil.", "success");
        await reload();
      } catch (failure) {
        noteStatus.show(errorText(failure), "error");
      }
    });
  }

  // ---- merge -----------------------------------------------------------------------------------
  let mergeForm = null;
  if (editor) {
    const mergeStatus = messageBox();
    const into = h("input", { type: "text", name: "into", minlength: "26", maxlength: "26", autocomplete: "off", spellcheck: "false" });
    mergeForm = h(
      "form",
      { class: "form", novalidate: true },
      mergeStatus,
      field(
        "Identifiant du fil principal",
        into,
        "26 caractères, visible dans la rubrique « Résumé » du fil principal. Ce fil-ci (le doublon) sera clos ; les réponses données là-bas atteindront aussi ce citoyen.",
      ),
      h("div", { class: "form__actions" }, h("button", { type: "submit", class: "button button--secondary" }, "Fusionner dans ce fil")),
    );
    mergeForm.addEventListener("submit", async (event) => {
      event.preventDefault();
      const target = into.value.trim().toLowerCase();
      if (!/^[0-9a-z]{26}$/.test(target) || target === id) {
        into.setAttribute("aria-invalid", "true");
        mergeStatus.show("Indiquez l'identifiant (26 lettres et chiffres) d'un autre fil.", "error");
        into.focus();
        return;
      }
      into.removeAttribute("aria-invalid");
      const ok = await confirmDialog({
        title: "Fusionner ce fil ?",
        message: `Ce fil sera clos et rattaché au fil ${target}. Cette action ne peut pas être annulée.`,
        confirmLabel: "Fusionner",
        danger: true,
      });
      if (!ok) return;
      try {
        // The answer is the thread merged into; this page shows the duplicate, reloaded.
        const primary = await post(`/console/threads/${encodeURIComponent(id)}/merge`, { into: target });
        into.value = "";
        await reload();
        fillManage(thread);
        mergeStatus.replaceChildren(
          "Fil fusionné et clos. ",
          h("a", { href: `#/fils/${encodeURIComponent(primary.id)}` }, `Ouvrir le fil principal « ${excerpt(titleOf(primary), 60)} »`),
        );
        mergeStatus.className = "message-box message-box--success";
      } catch (failure) {
        mergeStatus.show(errorText(failure), "error");
      }
    });
  }

  const similar = similarPanel({ id, editor, reload: () => reload() });

  // ---- layout ------------------------------------------------------------------------------------
  const section = (idText, title, ...content) =>
    h("section", { class: "panel", "aria-labelledby": idText }, h("h2", { id: idText }, title), ...content);
  const mainColumn = h(
    "div",
    { class: "thread-main" },
    h("section", { class: "panel", "aria-labelledby": "titre-messages" }, messagesHeading, messagesList),
    editor ? section("titre-repondre", "Répondre au citoyen", replyForm) : null,
    editor ? section("titre-note", "Note interne", noteForm) : null,
    !editor ? h("p", { class: "message-box message-box--info" }, "Lecture seule : votre rôle permet de consulter les fils, sans les coordonnées des citoyens.") : null,
  );
  const sideColumn = h(
    "div",
    { class: "thread-side" },
    section("titre-resume", "Résumé", summary),
    similar.element,
    editor ? section("titre-traitement", "Traitement", manageForm) : null,
    section("titre-analyse", "Analyse automatique", analysisBox),
    seesContact ? section("titre-contact", "Contact", contactBox) : null,
    seesContact ? section("titre-historique", "Autres fils de ce citoyen", historyBox) : null,
    editor ? section("titre-fusion", "Fusionner un doublon", mergeForm) : null,
  );
  ctx.outlet.append(h("div", { class: "thread-layout" }, mainColumn, sideColumn));

  let deliveries = null;
  function redraw(t) {
    const signature = t.messages.map((message) => message.delivery || "").join();
    if (deliveries !== null && signature !== deliveries) {
      const last = [...t.messages].reverse().find((message) => message.delivery);
      if (last && (last.delivery === "sent" || last.delivery === "failed")) {
        announce(`Dernière réponse : ${(DELIVERY[last.delivery] || last.delivery).toLowerCase()}${last.deliveryDetail ? ` (${last.deliveryDetail})` : ""}.`);
      }
    }
    deliveries = signature;
    renderHeading(t);
    renderMessages(t);
    renderSummary(t);
    renderAnalysis(t);
    renderContact(t);
    similar.update(t);
  }
  redraw(thread);
  fillManage(thread);

  async function reload() {
    try {
      const fresh = await get(`/console/threads/${encodeURIComponent(id)}`, null, ctx.signal);
      if (!ctx.alive()) return null;
      thread = fresh;
      redraw(thread);
      if (!dirty) fillManage(thread);
      return thread;
    } catch {
      return null;
    }
  }

  // Answers in "pending"/"sending": check again until they settle (1 minute at most).
  let deliveryTimer = null;
  function watchDelivery(round = 0) {
    window.clearTimeout(deliveryTimer);
    const waiting = thread.messages.some((message) => message.delivery === "pending" || message.delivery === "sending");
    if (!waiting || round > 20) return;
    deliveryTimer = window.setTimeout(async () => {
      const fresh = await reload();
      if (!fresh) return;
      watchDelivery(round + 1);
    }, 3000);
  }
  ctx.onCleanup(() => window.clearTimeout(deliveryTimer));
  watchDelivery();

  // Live: another colleague, the citizen or the analysis changed this thread.
  let liveTimer = null;
  ctx.onCleanup(() => window.clearTimeout(liveTimer));
  ctx.onCleanup(
    onEvents((events) => {
      const mine = events.filter((event) => event.threadId === id && event.actor !== session.email);
      if (!mine.length) return;
      window.clearTimeout(liveTimer);
      liveTimer = window.setTimeout(async () => {
        const fresh = await reload();
        if (!fresh) return;
        const kinds = new Set(mine.map((event) => event.kind));
        if (kinds.has("thread.citizen_message")) announce("Nouveau message du citoyen dans ce fil.");
        else if (kinds.has("thread.analysed")) announce("L'analyse de ce fil est terminée.");
        else announce("Ce fil vient d'être mis à jour par un collègue.");
        if (dirty && editor) {
          manageStatus.show("Ce fil a changé pendant votre saisie : à l'enregistrement, vous serez invité à vérifier les nouvelles valeurs.", "info");
        }
      }, 400);
    }),
  );

  ctx.onCleanup(
    setViewKeys({
      reply: () => {
        if (replyText) {
          replyText.focus();
          replyText.scrollIntoView({ block: "center" });
        } else announce("Votre rôle permet de lire les fils, pas d'y répondre.");
      },
    }),
  );
  if (ctx.query.get("repondre") === "1" && replyText) {
    replyText.focus();
    replyText.scrollIntoView({ block: "center" });
  }
}
