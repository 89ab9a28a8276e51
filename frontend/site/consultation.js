// A consultation (/{slug}/consultations/{id}): the question, a choice and/or a text, once per
// browser (the same random `voter` token as the barometer).
import {
  $, el, append, clear, api, errorMessage, slugFromPath, setTitle, showState, loadCommune,
  communeNotFound, communeNav, formatDay, quartierLabel, themeLabel, voterToken, store, isToken,
} from "/site/lib.js";

const slug = slugFromPath();
const id = (location.pathname.split("/")[3] || "").toLowerCase();
const page = $("#contenu-page");
const h1 = $("#titre-page");

function notFound(commune) {
  h1.textContent = "Concertation introuvable";
  setTitle("Concertation introuvable", commune.name);
  clear(page);
  page.setAttribute("aria-busy", "false");
  append(page, [
    el("p", {}, "Cette concertation n'existe pas, ou elle est close et n'accepte plus de réponses."),
    el("p", {}, el("a", { href: `/${slug}` }, `Voir les concertations en cours à ${commune.name}`)),
  ]);
}

function thanks(commune, receipt) {
  const box = el("div", { class: "carte", id: "merci-concertation", tabindex: "-1" },
    el("h2", {}, "Merci, votre réponse a été enregistrée"));
  if (receipt && isToken(receipt.followUpToken)) {
    const href = `/suivi#${receipt.followUpToken}`;
    append(box, [
      el("p", {}, "Votre commentaire a été transmis à la mairie. Ce lien privé vous permet de lire sa réponse : gardez-le (dans vos favoris) et ne le partagez pas."),
      el("p", {}, el("a", { href }, "Suivre la réponse de la mairie à mon commentaire")),
    ]);
  } else {
    box.appendChild(el("p", {}, "Elle sera comptée dans les résultats de la concertation."));
  }
  box.appendChild(el("p", {}, el("a", { href: `/${slug}` }, `Retour à la page de ${commune.name}`)));
  return box;
}

function render(commune, c) {
  h1.textContent = c.title;
  setTitle(c.title, commune.name);
  clear(page);
  page.setAttribute("aria-busy", "false");
  append(page, [
    el("p", { class: "meta" }, `Concertation de la mairie de ${commune.name} · ${themeLabel(commune, c.theme)} · ouverte jusqu'au ${formatDay(c.closesOn)}`),
    el("p", { class: "chapo" }, c.question),
  ]);
  if (store(`concertation.${c.id}`)) {
    page.appendChild(el("p", { class: "alerte-succes" }, "Vous avez déjà répondu à cette concertation depuis ce navigateur. Merci !"));
    page.appendChild(el("p", {}, el("a", { href: `/${slug}` }, `Retour à la page de ${commune.name}`)));
    return;
  }

  const summary = el("div", { class: "resume-erreurs", tabindex: "-1", role: "alert", hidden: true });
  const status = el("p", { role: "status" });
  const button = el("button", { type: "submit", class: "bouton" }, "Envoyer ma réponse");
  const choices = Array.isArray(c.choices) ? c.choices : [];
  const form = el("form", { class: "formulaire", novalidate: true }, summary);

  if (choices.length) {
    const group = el("fieldset", { class: "champ", id: "choix-groupe" },
      el("legend", {}, "Votre réponse : ", c.question));
    const list = el("div", { class: "choix-liste" });
    choices.forEach((choice, n) => {
      list.appendChild(el("div", { class: "radio-ligne" },
        el("input", { type: "radio", id: `choix-${n}`, name: "choice", value: choice }),
        el("label", { for: `choix-${n}` }, choice)));
    });
    group.appendChild(list);
    form.appendChild(group);
  }

  const text = el("textarea", { id: "commentaire", name: "text", rows: "6", maxlength: "5000", "aria-describedby": "commentaire-aide" });
  form.appendChild(el("div", { class: "champ" },
    el("label", { for: "commentaire" }, choices.length ? ["Votre commentaire ", el("span", { class: "facultatif" }, "(facultatif)")] : c.question),
    el("p", { class: "aide", id: "commentaire-aide" }, "Entre 3 et 5 000 caractères. La mairie lit chaque commentaire et peut vous répondre."),
    text));

  const ids = (c.quartiers && c.quartiers.length) ? c.quartiers : commune.quartiers.map((q) => q.id);
  let quartier = null;
  if (ids.length) {
    quartier = el("select", { id: "quartier", name: "quartier" }, el("option", { value: "" }, "Non précisé"),
      ids.map((q) => el("option", { value: q }, quartierLabel(commune, q))));
    form.appendChild(el("div", { class: "champ" },
      el("label", { for: "quartier" }, "Votre quartier ", el("span", { class: "facultatif" }, "(facultatif)")), quartier));
  }
  append(form, [el("p", { class: "aide" }, "Votre réponse est anonyme. Vous ne pouvez répondre qu'une fois."), el("div", { class: "actions" }, button), status]);
  page.appendChild(form);

  let busy = false;
  function problem(items) {
    clear(summary);
    const list = el("ul");
    for (const { control, message } of items) {
      const item = control ? el("a", { href: `#${control.id}` }, message) : message;
      if (control) item.addEventListener("click", (event) => { event.preventDefault(); control.focus(); });
      list.appendChild(el("li", {}, item));
    }
    append(summary, [el("h2", {}, "Votre réponse n'a pas été envoyée"), list]);
    summary.hidden = false;
    summary.focus();
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (busy) return;
    summary.hidden = true;
    text.removeAttribute("aria-invalid");
    const checked = form.querySelector('input[name="choice"]:checked');
    const value = text.value.trim();
    const first = choices.length ? $("#choix-0") : text;
    if (!checked && !value) {
      return problem([{ control: first, message: choices.length ? "Choisissez une réponse ou écrivez un commentaire." : "Écrivez votre réponse." }]);
    }
    if (value && value.length < 3) {
      text.setAttribute("aria-invalid", "true");
      return problem([{ control: text, message: "Votre commentaire doit compter au moins 3 caractères." }]);
    }
    const body = { voter: voterToken() };
    if (checked) body.choice = checked.value;
    if (value) body.text = value;
    if (quartier && quartier.value) body.quartier = quartier.value;
    busy = true;
    button.setAttribute("aria-disabled", "true");
    status.textContent = "Envoi de votre réponse…";
    try {
      const receipt = await api(`/communes/${encodeURIComponent(slug)}/consultations/${encodeURIComponent(c.id)}/answers`, { method: "POST", body });
      store(`concertation.${c.id}`, true);
      form.replaceWith(thanks(commune, receipt));
      $("#merci-concertation").focus();
    } catch (error) {
      status.textContent = "";
      if (error.code === "already_answered") store(`concertation.${c.id}`, true);
      problem([{ control: null, message: errorMessage(error, "Votre réponse n'a pas pu être envoyée. Réessayez.") }]);
    } finally {
      busy = false;
      button.removeAttribute("aria-disabled");
    }
  });
}

async function start() {
  if (!slug) return;
  communeNav(slug);
  showState(page, "loading", "Chargement de la concertation…");
  let commune;
  try {
    commune = await loadCommune(slug);
  } catch (error) {
    showState(page, "error", errorMessage(error), start);
    return;
  }
  if (!commune) {
    communeNotFound($("#contenu"), slug);
    return;
  }
  communeNav(slug, commune.name);
  let list = commune.consultations;
  try {
    list = (await api(`/communes/${encodeURIComponent(slug)}/consultations`)).items || list;
  } catch { /* the profile's list will do */ }
  const consultation = (list || []).find((c) => c.id === id && c.open !== false);
  if (!consultation) notFound(commune);
  else render(commune, consultation);
}

start();
