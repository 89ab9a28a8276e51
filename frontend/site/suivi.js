// The citizen's private follow-up (/suivi#token): status, conversation, reply box.
// The token stays in the fragment and travels to the API in a header (logs keep paths).
import {
  $, el, append, clear, api, errorMessage, tokenFromHash, announce, showState, timeEl, store,
  loadCommune, themeLabel, setTitle, saveJson, eraseControls,
} from "/site/lib.js";

const page = $("#contenu-page");
const STATUS = { new: "Reçu", in_progress: "En cours", answered: "Répondu", closed: "Clos" };
const STATUS_HELP = {
  new: "La mairie a bien enregistré votre avis ; elle ne l'a pas encore traité.",
  in_progress: "Un agent de la mairie s'occupe de votre avis.",
  answered: "La mairie vous a apporté une réponse. Vous pouvez lui écrire à votre tour.",
  closed: "Cet échange est terminé. Si vous écrivez à nouveau à la mairie, il sera rouvert.",
};
const CHANNEL = { web: "sur le site", email: "par e-mail", form: "par formulaire", social: "sur les réseaux sociaux" };

function themeName(id) {
  if (!id || id === "a-classer") return "À classer par la mairie";
  const words = id.replace(/-/g, " ");
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** A form to paste one's follow-up link when the page was opened without it. */
function askForLink(message) {
  clear(page);
  page.setAttribute("aria-busy", "false");
  if (message) page.appendChild(el("div", { class: "alerte-erreur", tabindex: "-1", id: "suivi-erreur" }, message));
  const input = el("input", { id: "lien", name: "lien", type: "text", spellcheck: "false", autocomplete: "off", "aria-describedby": "lien-aide" });
  const form = el("form", { class: "formulaire carte", novalidate: true },
    el("h2", {}, "Retrouver mon suivi"),
    el("div", { class: "champ" },
      el("label", { for: "lien" }, "Votre lien de suivi"),
      el("p", { class: "aide", id: "lien-aide" }, "Collez le lien reçu après l'envoi de votre avis (il contient le signe #)."),
      input),
    el("button", { type: "submit", class: "bouton" }, "Afficher mon suivi"));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    input.removeAttribute("aria-invalid");
    const value = input.value.trim();
    const token = value.includes("#") ? value.slice(value.indexOf("#") + 1) : value;
    if (!token) {
      input.setAttribute("aria-invalid", "true");
      input.focus();
      announce("Collez votre lien de suivi dans le champ.");
      return;
    }
    location.hash = token;
  });
  page.appendChild(form);
  const error = $("#suivi-erreur");
  if (error) error.focus();
}

function message(item) {
  const mine = item.author === "citizen";
  return el("li", { class: `message ${mine ? "message-citoyen" : "message-commune"}` },
    el("p", { class: "auteur" }, mine ? "Vous" : "La mairie"),
    el("p", { class: "meta" }, timeEl(item.createdAt, true), CHANNEL[item.channel] ? `, ${CHANNEL[item.channel]}` : ""),
    el("p", { class: "texte" }, item.text));
}

function replyForm(token, thread) {
  const text = el("textarea", { id: "reponse", name: "text", rows: "5", required: true, minlength: "3", maxlength: "5000", "aria-describedby": "reponse-aide" });
  const error = el("p", { class: "message-erreur", id: "reponse-erreur", hidden: true });
  const status = el("p", { role: "status", id: "reponse-etat" });
  const button = el("button", { type: "submit", class: "bouton" }, "Envoyer ma réponse");
  const form = el("form", { class: "formulaire", novalidate: true },
    el("div", { class: "champ" },
      el("label", { for: "reponse" }, "Votre message"),
      el("p", { class: "aide", id: "reponse-aide" },
        thread.status === "closed" ? "Entre 3 et 5 000 caractères. Votre message rouvrira l'échange." : "Entre 3 et 5 000 caractères."),
      error, text),
    button, status);
  let busy = false;

  function invalid(messageText) {
    error.textContent = messageText;
    error.hidden = false;
    text.setAttribute("aria-invalid", "true");
    text.setAttribute("aria-describedby", "reponse-erreur reponse-aide");
    text.focus();
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (busy) return;
    error.hidden = true;
    text.removeAttribute("aria-invalid");
    text.setAttribute("aria-describedby", "reponse-aide");
    const value = text.value.trim();
    if (value.length < 3) return invalid("Écrivez votre message (au moins 3 caractères).");
    if (value.length > 5000) return invalid("Votre message ne doit pas dépasser 5 000 caractères.");
    busy = true;
    button.setAttribute("aria-disabled", "true");
    status.textContent = "Envoi en cours…";
    try {
      await api("/followup", { method: "POST", body: { text: value }, headers: { "X-Followup-Token": token } });
      text.value = "";
      await load(token, "Votre message a été envoyé à la mairie.");
    } catch (failure) {
      status.textContent = "";
      invalid(failure.status === 422 ? errorMessage({ code: "text_too_short" }) : errorMessage(failure, "Votre message n'a pas pu être envoyé."));
    } finally {
      busy = false;
      button.removeAttribute("aria-disabled");
    }
  });
  return form;
}

/** The commune, when this browser has visited its page (INSEE code → slug, kept locally). */
async function communeOf(token) {
  const slug = store(`commune.${token.split(".")[0]}`);
  if (typeof slug !== "string" || !/^[a-z0-9][a-z0-9-]{0,62}$/.test(slug)) return null;
  try {
    const commune = await loadCommune(slug);
    return commune ? { ...commune, slug } : null; // the validated slug builds the link
  } catch { return null; }
}

function render(token, thread, notice, commune) {
  clear(page);
  page.setAttribute("aria-busy", "false");
  const label = STATUS[thread.status] || thread.status;
  const messages = Array.isArray(thread.messages) ? thread.messages : [];
  const conversation = messages.length
    ? el("ol", { class: "conversation" }, messages.map(message))
    : el("p", { class: "etat-empty" }, "Aucun message pour l'instant.");
  append(page, [
    notice ? el("p", { class: "alerte-succes", id: "suivi-notice", tabindex: "-1" }, notice) : null,
    el("p", { class: "encart" }, "Ce lien est privé : ne le partagez pas. Ajoutez cette page à vos favoris pour la retrouver."),
    el("section", { class: "carte", "aria-labelledby": "titre-statut" },
      el("h2", { id: "titre-statut" }, "Où en est mon avis ?"),
      el("p", {}, "Statut : ", el("span", { class: `statut statut-${thread.status}` }, label)),
      el("p", {}, STATUS_HELP[thread.status] || ""),
      el("p", { class: "meta" }, `Thème : ${commune ? themeLabel(commune, thread.theme) : themeName(thread.theme)}`),
      commune ? el("p", {}, el("a", { href: `/${commune.slug}` }, `La page de ${commune.name}`)) : null),
    el("section", { class: "section", "aria-labelledby": "titre-echanges" },
      el("h2", { id: "titre-echanges" }, "Vos échanges avec la mairie"),
      conversation),
    el("section", { class: "section", "aria-labelledby": "titre-repondre" },
      el("h2", { id: "titre-repondre" }, "Écrire à la mairie"),
      replyForm(token, thread)),
    dataSection(token),
  ]);
  if (notice) {
    $("#suivi-notice").focus();
    announce(notice);
  }
}

// The citizen's rights (RGPD): a copy of their data, and its erasure.
function dataSection(token) {
  const status = el("p", { role: "status", id: "donnees-etat" });
  const download = el("button", { type: "button", class: "bouton bouton-secondaire" }, "Télécharger mes données");
  download.addEventListener("click", async () => {
    status.textContent = "Préparation de vos données…";
    try {
      saveJson(await api("/followup/data", { headers: { "X-Followup-Token": token } }), status);
    } catch (error) {
      status.textContent = errorMessage(error, "Vos données n'ont pas pu être préparées. Réessayez.");
    }
  });
  const erase = eraseControls(
    "Votre adresse, votre nom, vos e-mails et leurs pièces jointes seront effacés. Vos messages ne resteront que sous une forme anonymisée. C'est définitif.",
    async () => {
      status.textContent = "Effacement en cours…";
      try {
        await api("/followup", { method: "DELETE", headers: { "X-Followup-Token": token } });
        status.textContent = "Vos données personnelles ont été effacées.";
        return true;
      } catch (error) {
        status.textContent = errorMessage(error, "L'effacement n'a pas abouti. Réessayez.");
        return false;
      }
    },
  );
  return el("section", { class: "section", "aria-labelledby": "titre-donnees" },
    el("h2", { id: "titre-donnees" }, "Vos données personnelles"),
    el("p", {}, "Vous pouvez obtenir une copie de ce que la mairie conserve sur cet avis, ou effacer vos données personnelles."),
    el("div", { class: "actions" }, download, erase.button),
    erase.notice, erase.confirm, status);
}

async function load(token, notice) {
  if (!notice) showState(page, "loading", "Chargement de votre suivi…");
  let thread;
  const commune = communeOf(token);
  try {
    thread = await api("/followup", { headers: { "X-Followup-Token": token } });
  } catch (error) {
    if (error.status === 404 || error.status === 422 || error.status === 400) {
      askForLink("Ce lien de suivi n'est pas valide : aucun avis ne lui correspond. Vérifiez que vous avez copié le lien en entier, jusqu'au dernier caractère.");
      return;
    }
    showState(page, "error", errorMessage(error, "Votre suivi n'a pas pu être chargé."), () => load(token));
    return;
  }
  const known = await commune;
  if (known) setTitle("Le suivi de mon avis", known.name);
  render(token, thread, notice, known);
}

function start() {
  const token = tokenFromHash();
  if (token) load(token);
  else if (location.hash.length > 1) askForLink("Ce lien de suivi est incomplet ou mal formé. Vérifiez que vous l'avez copié en entier.");
  else askForLink(null);
}

window.addEventListener("hashchange", start);
start();
