// Thank-you page: shows the private follow-up link (/suivi#token) with a "Copier le lien" button.
import { $, el, clear, slugFromPath, tokenFromHash, setTitle, loadCommune, communeNav } from "/site/lib.js";

const slug = slugFromPath();
const token = tokenFromHash();
const input = $("#lien-suivi");
const copy = $("#copier");
const status = $("#etat-copie");
const open = $("#ouvrir-suivi");
const back = $("#retour-commune");

function say(message) {
  status.textContent = "";
  setTimeout(() => { status.textContent = message; }, 60);
}

/** Old-school copy: select the read-only field and ask the browser to copy the selection. */
function fallbackCopy() {
  input.focus();
  input.select();
  input.setSelectionRange(0, input.value.length);
  try {
    return document.execCommand("copy");
  } catch {
    return false;
  }
}

async function copyLink() {
  let done = false;
  if (navigator.clipboard && window.isSecureContext) {
    try {
      await navigator.clipboard.writeText(input.value);
      done = true;
    } catch {
      done = false;
    }
  }
  if (!done) done = fallbackCopy();
  if (done) {
    say("Le lien de suivi a été copié. Collez-le dans vos notes ou envoyez-le-vous par e-mail.");
    copy.textContent = "Lien copié";
    setTimeout(() => { copy.textContent = "Copier le lien"; }, 4000);
  } else {
    input.focus();
    input.select();
    say("La copie automatique n'a pas fonctionné : le lien est sélectionné, copiez-le avec Ctrl+C (ou Cmd+C sur Mac).");
  }
}

if (slug) {
  communeNav(slug);
  back.href = `/${slug}`;
  back.textContent = "Retour à la page de la commune";
  loadCommune(slug).then((commune) => {
    if (!commune) return;
    setTitle("Merci", commune.name);
    communeNav(slug, commune.name);
    $("#merci-intro").textContent = `La mairie de ${commune.name} l'a reçu et vous répondra.`;
    back.textContent = `Retour à la page de ${commune.name}`;
  }).catch(() => { /* the name is a nicety: the link matters */ });
}

if (token) {
  const link = `${location.origin}/suivi#${token}`;
  input.value = link;
  open.href = `/suivi#${token}`;
  copy.addEventListener("click", copyLink);
  input.addEventListener("focus", () => input.select());
} else {
  const box = $("#merci-suivi");
  clear(box);
  box.appendChild(el("div", { class: "encart" },
    el("p", {}, "Le lien de suivi n'apparaît pas dans l'adresse de cette page. Si vous avez laissé votre adresse e-mail, vous le recevrez avec la réponse de la mairie."),
    el("p", {}, el("a", { href: "/suivi" }, "J'ai déjà un lien de suivi"))));
}
