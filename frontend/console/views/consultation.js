// A consultation's results: GET /console/consultations/{id} — choice counts, sentiment of the
// text answers, key phrases (all as tables and text; no chart library needed here).

import { h, messageBox, dataTable, scrollBox } from "../lib/dom.js";
import { get, errorText } from "../lib/api.js";
import { commune, themeLabel, quartierLabel } from "../lib/commune.js";
import { SENTIMENT, integer, number, longDay } from "../lib/format.js";

export async function render(ctx) {
  const heading = h("h1", null, "Résultats de la concertation");
  ctx.outlet.append(heading, h("p", { class: "back-link" }, h("a", { href: "#/consultations" }, "Retour aux concertations")));
  const error = messageBox("error");
  ctx.outlet.append(error);
  let data;
  try {
    [data] = await Promise.all([get(`/console/consultations/${encodeURIComponent(ctx.params[0])}`, null, ctx.signal), commune()]);
  } catch (failure) {
    if (!ctx.alive()) return;
    error.show(errorText(failure));
    return;
  }
  if (!ctx.alive()) return;
  const info = await commune();
  const c = data.consultation;
  heading.textContent = `Résultats : ${c.title}`;
  ctx.setTitle(`Résultats : ${c.title}`);
  const totalChoices = data.choices.reduce((sum, row) => sum + row.count, 0);
  const sentiments = Object.entries(data.sentiments || {});
  const totalTexts = sentiments.reduce((sum, [, count]) => sum + count, 0);
  ctx.outlet.append(
    h(
      "section",
      { class: "panel", "aria-labelledby": "titre-question" },
      h("h2", { id: "titre-question" }, "Question"),
      h("p", { class: "message__text" }, c.question),
      h(
        "dl",
        { class: "summary" },
        h("dt", null, "Thème"),
        h("dd", null, themeLabel(info, c.theme)),
        h("dt", null, "Période"),
        h("dd", null, `du ${longDay(c.opensOn)} au ${longDay(c.closesOn)}`),
        h("dt", null, "État"),
        h("dd", null, c.open ? "Ouverte" : "Fermée"),
        h("dt", null, "Quartiers"),
        h("dd", null, c.quartiers.length ? c.quartiers.map((id) => quartierLabel(info, id)).join(", ") : "Toute la commune"),
      ),
    ),
    h(
      "section",
      { class: "panel", "aria-labelledby": "titre-choix" },
      h("h2", { id: "titre-choix" }, "Réponses par choix"),
      h("p", null, totalChoices ? `${integer(totalChoices)} réponse${totalChoices > 1 ? "s" : ""} à choix.` : "Aucune réponse à choix pour l'instant."),
      scrollBox(
        dataTable(
          "Nombre de réponses par choix",
          [
            { label: "Choix", cell: (row) => row.choice },
            { label: "Réponses", numeric: true, cell: (row) => integer(row.count) },
            { label: "Part", numeric: true, cell: (row) => (totalChoices ? `${number((row.count / totalChoices) * 100)} %` : "—") },
          ],
          data.choices,
          { empty: "Pas de choix proposés." },
        ),
        "Tableau des réponses par choix",
      ),
    ),
    h(
      "section",
      { class: "panel", "aria-labelledby": "titre-sentiments" },
      h("h2", { id: "titre-sentiments" }, "Sentiment des réponses libres"),
      h("p", null, totalTexts ? `${integer(totalTexts)} réponse${totalTexts > 1 ? "s" : ""} libre${totalTexts > 1 ? "s" : ""} analysée${totalTexts > 1 ? "s" : ""}.` : "Aucune réponse libre analysée."),
      scrollBox(
        dataTable(
          "Réponses libres par sentiment",
          [
            { label: "Sentiment", cell: ([key]) => SENTIMENT[key] || key },
            { label: "Réponses", numeric: true, cell: ([, count]) => integer(count) },
          ],
          sentiments,
          { empty: "Aucune." },
        ),
        "Tableau des sentiments",
      ),
    ),
    h(
      "section",
      { class: "panel", "aria-labelledby": "titre-expressions-concertation" },
      h("h2", { id: "titre-expressions-concertation" }, "Expressions les plus citées"),
      data.keyPhrases.length
        ? h(
            "ol",
            { class: "phrases" },
            data.keyPhrases.map((phrase) =>
              h(
                "li",
                { class: "phrase" },
                h("p", null, h("strong", null, phrase.phrase), ` — ${integer(phrase.count)} mention${phrase.count > 1 ? "s" : ""}`),
                phrase.quotes && phrase.quotes.length ? h("ul", { class: "quotes" }, phrase.quotes.map((quote) => h("li", null, h("blockquote", { class: "quote" }, h("p", null, quote))))) : null,
              ),
            ),
          )
        : h("p", null, "Aucune expression récurrente."),
    ),
  );
}
