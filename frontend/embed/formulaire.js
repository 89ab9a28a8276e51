/*
 * Concerto — the form a commune embeds in its own website.
 * <div id="concerto-avis"></div>
 * <script src="https://<site>/embed/formulaire.js" data-commune="biot"
 *         data-api="https://<api>" data-target="concerto-avis" async></script>
 * Opinions sent through it reach the commune's inbox on the « Formulaire » channel.
 */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script) { return; }
  var slug = script.getAttribute("data-commune");
  var api = (script.getAttribute("data-api") || "").replace(/\/$/, "");
  var site = new URL(script.src).origin;
  var target = document.getElementById(script.getAttribute("data-target") || "concerto-avis");
  if (!slug || !api || !target) { return; }

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) { node.setAttribute(name, attrs[name]); });
    if (text) { node.textContent = text; }
    return node;
  }

  function field(form, id, label, control, hint) {
    var wrapper = el("p");
    wrapper.appendChild(el("label", { "for": id }, label));
    if (hint) {
      control.setAttribute("aria-describedby", id + "-aide");
      wrapper.appendChild(el("span", { id: id + "-aide", "class": "concerto-aide" }, hint));
    }
    control.id = id;
    wrapper.appendChild(control);
    form.appendChild(wrapper);
    return control;
  }

  function select(name, options, empty) {
    var control = el("select", { name: name });
    if (empty) { control.appendChild(el("option", { value: "" }, empty)); }
    options.forEach(function (o) { control.appendChild(el("option", { value: o.id }, o.label)); });
    return control;
  }

  // What citizens read when the API refuses (its own messages are for developers).
  var REFUSALS = {
    rate_limited: "trop d'envois en peu de temps depuis votre connexion.",
    duplicate_flood: "ce même message vient d'être envoyé plusieurs fois à la mairie.",
    spam_suspected: "le formulaire semble avoir été rempli automatiquement. Laissez vide le champ « Ne pas remplir »."
  };

  function refusal(result) {
    var error = (result.data && result.data.error) || {};
    var text = REFUSALS[error.code] || error.message || "une erreur est survenue.";
    if (result.retryAfter) {
      text += " Réessayez dans " + Math.max(1, Math.ceil(result.retryAfter / 60)) + " minute(s) environ.";
    }
    return text;
  }

  function render(commune) {
    var form = el("form", { "class": "concerto-formulaire", novalidate: "" });
    form.appendChild(el("h2", {}, "Donnez votre avis à la mairie de " + commune.name));
    var theme = field(form, "concerto-theme", "Thème", select("theme", commune.themes));
    var quartier = field(form, "concerto-quartier", "Quartier (facultatif)",
      select("quartier", commune.quartiers, "Non précisé"));
    var text = field(form, "concerto-texte", "Votre avis",
      el("textarea", { name: "text", rows: "5", required: "", minlength: "3", maxlength: "5000" }),
      "Entre 3 et 5 000 caractères.");
    var email = field(form, "concerto-email", "Votre e-mail (facultatif)",
      el("input", { type: "email", name: "email", autocomplete: "email" }),
      "Pour recevoir la réponse de la mairie.");
    var consentBox = el("p");
    var consent = el("input", { type: "checkbox", id: "concerto-consentement", name: "consent" });
    consentBox.appendChild(consent);
    consentBox.appendChild(el("label", { "for": "concerto-consentement" },
      " J'accepte que la mairie conserve mon adresse pour me répondre."));
    form.appendChild(consentBox);
    // Honeypot: off-screen (styled through the CSSOM, which the host page's CSP allows),
    // out of the tab order and hidden from screen readers: only robots fill it.
    var trap = el("div", { "aria-hidden": "true" });
    trap.style.position = "absolute";
    trap.style.left = "-10000px";
    trap.style.width = "1px";
    trap.style.height = "1px";
    trap.style.overflow = "hidden";
    trap.appendChild(el("label", { "for": "concerto-site-web" }, "Ne pas remplir : laissez ce champ vide"));
    var website = el("input", { type: "text", id: "concerto-site-web", name: "website", tabindex: "-1", autocomplete: "off" });
    trap.appendChild(website);
    form.appendChild(trap);
    var status = el("p", { role: "status", "aria-live": "polite" });
    form.appendChild(el("button", { type: "submit" }, "Envoyer mon avis"));
    form.appendChild(status);

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (text.value.trim().length < 3) {
        status.textContent = "Écrivez au moins 3 caractères.";
        text.focus();
        return;
      }
      if (email.value && !consent.checked) {
        status.textContent = "Cochez la case pour que la mairie puisse garder votre adresse.";
        consent.focus();
        return;
      }
      var body = { theme: theme.value, text: text.value, source: "form", consent: consent.checked };
      if (quartier.value) { body.quartier = quartier.value; }
      if (email.value) { body.email = email.value; }
      if (website.value) { body.website = website.value; }
      status.textContent = "Envoi…";
      fetch(api + "/communes/" + encodeURIComponent(slug) + "/feedback", {
        method: "POST",
        headers: { "Content-Type": "application/json", "Idempotency-Key": crypto.randomUUID() },
        body: JSON.stringify(body)
      }).then(function (response) {
        return response.json().then(function (data) {
          return { ok: response.ok, data: data, retryAfter: Number(response.headers.get("Retry-After")) || 0 };
        });
      }).then(function (result) {
        if (!result.ok) {
          status.textContent = "Votre avis n'a pas pu être envoyé : " + refusal(result);
          return;
        }
        form.reset();
        status.textContent = "";
        var done = el("p", {}, "Merci, votre avis a bien été envoyé. ");
        done.appendChild(el("a", { href: site + "/suivi#" + result.data.followUpToken },
          "Suivre la réponse de la mairie"));
        status.appendChild(done);
      }).catch(function () {
        status.textContent = "Le service est injoignable. Réessayez dans un instant.";
      });
    });
    target.appendChild(form);
  }

  fetch(api + "/communes/" + encodeURIComponent(slug))
    .then(function (response) { return response.json(); })
    .then(render)
    .catch(function () {
      target.textContent = "Le formulaire d'avis est momentanément indisponible.";
    });
})();
