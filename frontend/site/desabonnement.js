// /desabonnement#token: one-click unsubscribe of a staff e-mail (POST /unsubscribe/{token}).
import { $, el, api, errorMessage, tokenFromHash } from "/site/lib.js";

const button = $("#desabonner");
const output = $("#resultat");
const TOPICS = {
  digest: "Vous ne recevrez plus le récapitulatif quotidien de vos fils de discussion.",
  alerts: "Vous ne recevrez plus les alertes de la commune par e-mail.",
};
let busy = false;

function show(kind, text) {
  output.className = kind === "ok" ? "alerte-succes" : "alerte-erreur";
  output.textContent = text;
}

async function unsubscribe() {
  const token = tokenFromHash();
  if (busy || !token) return;
  busy = true;
  button.setAttribute("aria-disabled", "true");
  output.className = "";
  output.textContent = "Désabonnement en cours…";
  try {
    const data = await api(`/unsubscribe/${token}`, { method: "POST" });
    show("ok", `C'est fait. ${TOPICS[data.topic] || "Vous ne recevrez plus ces e-mails."}`);
    button.hidden = true;
  } catch (error) {
    show("error", error.status === 404
      ? "Ce lien de désabonnement n'est pas valide ou a expiré. Vous pouvez vous désabonner depuis la console de la commune."
      : errorMessage(error, "Le désabonnement n'a pas pu être enregistré. Réessayez."));
  } finally {
    busy = false;
    button.removeAttribute("aria-disabled");
  }
}

if (tokenFromHash()) {
  button.disabled = false;
  button.addEventListener("click", unsubscribe);
} else {
  button.hidden = true;
  show("error", "Ce lien de désabonnement est incomplet. Ouvrez le lien de l'e-mail tel quel.");
  output.parentNode.insertBefore(el("p", {}, el("a", { href: "/" }, "Retour à l'accueil de Concerto")), output.nextSibling);
}
