// /verification#token: confirms the citizen's e-mail address (POST /contacts/verification).
import { $, el, clear, api, errorMessage, tokenFromHash, showState } from "/site/lib.js";

const page = $("#contenu-page");

function result(kind, title, text) {
  clear(page);
  page.setAttribute("aria-busy", "false");
  const box = el("div", { class: kind === "ok" ? "alerte-succes" : "alerte-erreur", role: kind === "ok" ? "status" : "alert" }, title);
  page.appendChild(box);
  if (text) page.appendChild(el("p", {}, text));
}

async function verify() {
  const token = tokenFromHash();
  if (!token) {
    result("error", "Ce lien de confirmation est incomplet.",
      "Ouvrez le lien reçu par e-mail tel quel, ou copiez-le en entier dans la barre d'adresse.");
    return;
  }
  showState(page, "loading", "Confirmation de votre adresse en cours…");
  try {
    await api("/contacts/verification", { method: "POST", body: { token } });
    result("ok", "Votre adresse e-mail est confirmée. Merci !",
      "Vos prochains avis envoyés avec cette adresse seront rattachés à vos échanges précédents avec la mairie, et vous serez prévenu de ses réponses.");
  } catch (error) {
    if (error.status === 404 || error.status === 422 || error.status === 400) {
      result("error", "Ce lien de confirmation n'est pas valide ou a expiré.",
        "Vérifiez que vous avez ouvert le lien en entier. Vous recevrez un nouveau lien la prochaine fois que vous donnerez votre avis avec cette adresse.");
      return;
    }
    showState(page, "error", errorMessage(error, "Votre adresse n'a pas pu être confirmée."), verify);
  }
}

window.addEventListener("hashchange", verify);
verify();
