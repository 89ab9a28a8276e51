// /mes-donnees: a citizen without their follow-up link asks for a link to their data by
// e-mail (POST /communes/{slug}/privacy-requests); /mes-donnees#token (the link received)
// shows every opinion sent with that address, downloads them and erases them.
import { $, el, clear, api, errorMessage, tokenFromHash, showState, timeEl, saveJson, eraseControls } from "/site/lib.js";

const page = $("#contenu-page");

/** "Saint-Paul de Vence" → "saint-paul-de-vence", as the home page does. */
function toSlug(text) {
  return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase()
    .replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 63);
}

function field(id, label, hint, input) {
  input.id = id;
  input.setAttribute("aria-describedby", `${id}-aide`);
  return el("div", { class: "champ", id: `champ-${id}` },
    el("label", { for: id }, label),
    el("p", { class: "aide", id: `${id}-aide` }, hint),
    input);
}

function showFieldError(input, message) {
  const id = `${input.id}-erreur`;
  let error = document.getElementById(id);
  if (!error) {
    error = el("p", { id, class: "message-erreur" });
    input.before(error);
  }
  error.textContent = message;
  input.setAttribute("aria-invalid", "true");
  input.setAttribute("aria-describedby", `${id} ${input.id}-aide`);
}

function clearFieldError(input) {
  const error = document.getElementById(`${input.id}-erreur`);
  if (error) error.remove();
  input.removeAttribute("aria-invalid");
  input.setAttribute("aria-describedby", `${input.id}-aide`);
}

function requestForm(notice) {
  clear(page);
  page.setAttribute("aria-busy", "false");
  const commune = el("input", { type: "text", name: "commune", autocomplete: "address-level2", required: true });
  const email = el("input", { type: "email", name: "email", autocomplete: "email", required: true, spellcheck: "false" });
  const status = el("div", { role: "status", id: "demande-etat" });
  const submit = el("button", { type: "submit", class: "bouton" }, "Recevoir le lien");
  const form = el("form", { novalidate: true, class: "formulaire" },
    field("commune", "Votre commune", "Le nom de la commune à laquelle vous avez écrit, par exemple : Biot.", commune),
    field("email", "Votre adresse e-mail", "L'adresse avec laquelle vous avez donné votre avis.", email),
    el("div", { class: "actions" }, submit),
    status);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearFieldError(commune);
    clearFieldError(email);
    status.textContent = "";
    const slug = toSlug(commune.value);
    if (!slug) {
      showFieldError(commune, "Saisissez le nom de votre commune, par exemple : Biot.");
      commune.focus();
      return;
    }
    if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email.value.trim())) {
      showFieldError(email, "Saisissez une adresse e-mail valide, par exemple : nom@exemple.fr.");
      email.focus();
      return;
    }
    submit.disabled = true;
    try {
      await api(`/communes/${encodeURIComponent(slug)}/privacy-requests`, { method: "POST", body: { email: email.value.trim() } });
      status.className = "alerte-succes";
      status.textContent = "C'est envoyé. Si cette adresse a écrit à la mairie, elle reçoit dans quelques minutes un lien vers ses données, valable 24 heures. Pensez à regarder dans les courriers indésirables.";
    } catch (error) {
      if (error.status === 404 && error.code === "commune_not_found") {
        showFieldError(commune, `Aucune commune « ${commune.value.trim()} » n'est sur Concerto. Vérifiez l'orthographe.`);
        commune.focus();
      } else if (error.code === "invalid_email" || error.status === 422) {
        showFieldError(email, errorMessage({ code: "invalid_email" }));
        email.focus();
      } else {
        status.className = "alerte-erreur";
        status.textContent = errorMessage(error, "La demande n'a pas abouti. Réessayez dans un instant.");
      }
    } finally {
      submit.disabled = false;
    }
  });
  page.append(
    notice ? el("div", { class: "alerte-erreur", role: "alert" }, notice) : "",
    el("p", {}, "Vous avez donné votre avis avec votre adresse e-mail mais n'avez plus votre lien de suivi ? Recevez par e-mail un lien pour consulter, télécharger ou effacer tout ce que la mairie conserve sur vos avis."),
    form,
  );
}

function opinion(thread) {
  const first = (thread.messages || [])[0];
  return el("li", { class: "carte" },
    el("p", {}, el("strong", {}, thread.theme || "Sans thème"), " — ", timeEl(thread.createdAt)),
    first ? el("p", {}, first.text) : "",
    el("p", { class: "aide" }, `${(thread.messages || []).length} message(s) dans cet échange.`));
}

async function show(token) {
  showState(page, "loading", "Chargement de vos données…");
  let data;
  try {
    data = await api("/privacy", { headers: { "X-Rights-Token": token } });
  } catch (error) {
    if (error.status === 410) {
      requestForm("Ce lien a expiré (il est valable 24 heures) : demandez-en un nouveau ci-dessous.");
      return;
    }
    if (error.status === 404 || error.status === 400) {
      requestForm("Ce lien n'est pas valide. Vérifiez que vous l'avez ouvert en entier, ou demandez-en un nouveau ci-dessous.");
      return;
    }
    showState(page, "error", errorMessage(error, "Vos données n'ont pas pu être chargées."), () => show(token));
    return;
  }
  clear(page);
  page.setAttribute("aria-busy", "false");
  const status = el("p", { role: "status", id: "donnees-etat" });
  const download = el("button", { type: "button", class: "bouton bouton-secondaire" }, "Télécharger mes données");
  download.addEventListener("click", () => saveJson(data, status));
  const erase = eraseControls(
    "Votre adresse, votre nom, vos e-mails et leurs pièces jointes seront effacés pour tous ces avis. Vos messages ne resteront que sous une forme anonymisée. C'est définitif.",
    async () => {
      status.textContent = "Effacement en cours…";
      try {
        const done = await api("/privacy", { method: "DELETE", headers: { "X-Rights-Token": token } });
        status.textContent = `Vos données personnelles ont été effacées (${done.erased} avis concerné(s)).`;
        return true;
      } catch (error) {
        status.textContent = errorMessage(error, "L'effacement n'a pas abouti. Réessayez.");
        return false;
      }
    },
  );
  const threads = data.threads || [];
  page.append(
    el("p", {}, `Voici ce que la mairie de ${data.commune} conserve sur les avis envoyés avec votre adresse.`),
    el("h2", {}, threads.length ? `Vos avis (${threads.length})` : "Aucun avis"),
    threads.length
      ? el("ul", { class: "liste-simple" }, ...threads.map(opinion))
      : el("p", {}, "La mairie ne conserve plus de données personnelles liées à cette adresse."),
    el("h2", {}, "Télécharger ou effacer"),
    el("div", { class: "actions" }, download, threads.length ? erase.button : ""),
    erase.notice, erase.confirm, status,
  );
}

function start() {
  const token = tokenFromHash();
  if (token) show(token);
  else requestForm(location.hash.length > 1 ? "Ce lien est incomplet : ouvrez-le en entier, ou demandez-en un nouveau." : null);
}

window.addEventListener("hashchange", start);
start();
