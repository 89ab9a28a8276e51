// Home: the "go to my commune" form (a name or slug → /{slug}).
import { $, el, api } from "/site/lib.js";

const form = $("#form-commune");
const input = $("#commune");
const field = $("#champ-commune");

/** "Saint-Paul de Vence" → "saint-paul-de-vence" (lower case, no accents, hyphens). */
function toSlug(text) {
  return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase()
    .replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 63);
}

function showError(message) {
  let error = $("#commune-erreur");
  if (!error) {
    error = el("p", { id: "commune-erreur", class: "message-erreur" });
    field.insertBefore(error, input);
  }
  error.textContent = message;
  input.setAttribute("aria-invalid", "true");
  input.setAttribute("aria-describedby", "commune-erreur commune-aide");
  input.focus();
}

function clearError() {
  const error = $("#commune-erreur");
  if (error) error.remove();
  input.removeAttribute("aria-invalid");
  input.setAttribute("aria-describedby", "commune-aide");
}

async function go(raw) {
  const slug = toSlug(raw);
  if (!slug) {
    showError("Saisissez le nom de votre commune, par exemple : Biot.");
    return;
  }
  try {
    await api(`/communes/${encodeURIComponent(slug)}`);
  } catch (error) {
    if (error.status === 404) {
      showError(`Aucune commune « ${raw.trim()} » n'est sur Concerto. Vérifiez l'orthographe.`);
      return;
    }
    // The API cannot tell: let the commune page say it.
  }
  location.assign(`/${slug}`);
}

form.noValidate = true;
form.addEventListener("submit", (event) => {
  event.preventDefault();
  clearError();
  go(input.value);
});

// Without JavaScript the form reloads "/?commune=…": finish the trip now.
const asked = new URLSearchParams(location.search).get("commune");
if (asked) {
  input.value = asked;
  go(asked);
}
