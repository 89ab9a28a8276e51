// Privacy page: erase what Concerto keeps in this browser (the barometer/consultation token).
import { $ } from "/site/lib.js";

const button = $("#effacer");
const status = $("#effacer-etat");

button.hidden = false;
button.addEventListener("click", () => {
  try {
    for (const key of Object.keys(localStorage)) {
      if (key.startsWith("concerto.")) localStorage.removeItem(key);
    }
    status.textContent = "Les données de Concerto ont été effacées de ce navigateur.";
  } catch {
    status.textContent = "Ce navigateur ne garde aucune donnée de Concerto.";
  }
});
