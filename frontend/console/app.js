// The console's entry point: session, shell (header, role-aware navigation) and routes.
// Views, live updates and keyboard shortcuts are loaded on demand.

import { h, announce } from "./lib/dom.js";
import { createRouter, hashFor, parseHash, navigate } from "./lib/router.js";
import * as auth from "./lib/auth.js";

const ALL = ["admin", "agent", "viewer"];
const EDIT = ["admin", "agent"];
const ADMIN = ["admin"];

const routes = [
  { name: "login", pattern: /^\/connexion$/, title: "Connexion", public: true, load: () => import("./views/login.js") },
  { name: "inbox", pattern: /^\/boite$/, title: "Boîte de réception", roles: ALL, nav: "boite", load: () => import("./views/inbox.js") },
  { name: "thread", pattern: /^\/fils\/([0-9A-Za-z]{10,40})$/, title: "Fil de discussion", roles: ALL, nav: "boite", load: () => import("./views/thread.js") },
  { name: "dashboard", pattern: /^\/tableau-de-bord$/, title: "Tableau de bord", roles: ALL, nav: "tableau-de-bord", load: () => import("./views/dashboard.js") },
  { name: "topic", pattern: /^\/sujets\/([0-9A-Za-z_-]{1,64})$/, title: "Sujet", roles: ALL, nav: "tableau-de-bord", load: () => import("./views/topic.js") },
  { name: "alerts", pattern: /^\/alertes$/, title: "Alertes", roles: ALL, nav: "alertes", load: () => import("./views/alerts.js") },
  { name: "exports", pattern: /^\/exports$/, title: "Exports", roles: ALL, nav: "exports", load: () => import("./views/exports.js") },
  { name: "moderation", pattern: /^\/moderation$/, title: "Modération", roles: EDIT, nav: "moderation", load: () => import("./views/moderation.js") },
  { name: "consultations", pattern: /^\/consultations$/, title: "Concertations", roles: ALL, nav: "consultations", load: () => import("./views/consultations.js") },
  { name: "consultation", pattern: /^\/consultations\/([0-9A-Za-z]{10,40})$/, title: "Résultats de la concertation", roles: ALL, nav: "consultations", load: () => import("./views/consultation.js") },
  { name: "templates", pattern: /^\/modeles$/, title: "Modèles de réponse", roles: EDIT, nav: "modeles", load: () => import("./views/templates.js") },
  { name: "settings", pattern: /^\/reglages$/, title: "Réglages de la commune", roles: ADMIN, nav: "reglages", load: () => import("./views/settings.js") },
  { name: "routing", pattern: /^\/reglages\/services$/, title: "Services et aiguillage", roles: ADMIN, nav: "reglages", load: () => import("./views/routing.js") },
  { name: "channels", pattern: /^\/reglages\/canaux$/, title: "Canaux de contact", roles: ADMIN, nav: "reglages", load: () => import("./views/channels.js") },
  { name: "referential", pattern: /^\/reglages\/referentiel$/, title: "Thèmes et quartiers", roles: ADMIN, nav: "reglages", load: () => import("./views/referential.js") },
  { name: "staff", pattern: /^\/reglages\/equipe$/, title: "Équipe", roles: ADMIN, nav: "reglages", load: () => import("./views/staff.js") },
  { name: "account", pattern: /^\/compte$/, title: "Mon compte", roles: ALL, load: () => import("./views/account.js") },
  { name: "subscriptions", pattern: /^\/abonnements$/, title: "Mes abonnements", roles: ALL, nav: "abonnements", load: () => import("./views/subscriptions.js") },
  { name: "audit", pattern: /^\/journal$/, title: "Journal d'audit", roles: ADMIN, nav: "journal", load: () => import("./views/audit.js") },
  { name: "forbidden", pattern: /^\/acces-refuse$/, title: "Accès refusé", roles: ALL, load: () => import("./views/forbidden.js") },
];
const notFound = { name: "notfound", title: "Page introuvable", roles: ALL, load: () => import("./views/notfound.js") };

const NAV = [
  { key: "boite", label: "Boîte de réception", hash: "#/boite", roles: ALL },
  { key: "tableau-de-bord", label: "Tableau de bord", hash: "#/tableau-de-bord", roles: ALL },
  { key: "alertes", label: "Alertes", hash: "#/alertes", roles: ALL },
  { key: "moderation", label: "Modération", hash: "#/moderation", roles: EDIT },
  { key: "consultations", label: "Concertations", hash: "#/consultations", roles: ALL },
  { key: "exports", label: "Exports", hash: "#/exports", roles: ALL },
  { key: "modeles", label: "Modèles de réponse", hash: "#/modeles", roles: EDIT },
  { key: "reglages", label: "Réglages", hash: "#/reglages", roles: ADMIN },
  { key: "journal", label: "Journal", hash: "#/journal", roles: ADMIN },
];

function homeFor(session) {
  return session && session.role === "viewer" ? "#/tableau-de-bord" : "#/boite";
}

const outlet = document.getElementById("contenu");
const nav = document.getElementById("navigation");
const account = document.getElementById("compte");
let loginNotice = "";
let extrasLoaded = null;

function guard(route, path) {
  const session = auth.current();
  if (!session) {
    if (route && route.public) return null;
    const back = route && route.name !== "forbidden" ? path + (window.location.hash.includes("?") ? `?${window.location.hash.split("?")[1]}` : "") : "";
    return hashFor("/connexion", back && back !== "/" ? { retour: back } : null);
  }
  if (path === "/" || path === "") return homeFor(session);
  if (route && route.public) return homeFor(session);
  if (route && route.roles && !route.roles.includes(session.role)) return "#/acces-refuse";
  return null;
}

function renderNav(activeKey) {
  const session = auth.current();
  if (!session) {
    nav.hidden = true;
    nav.replaceChildren();
    return;
  }
  nav.hidden = false;
  if (!nav.firstChild) {
    const listId = "menu-principal";
    const toggle = h(
      "button",
      { type: "button", class: "nav__toggle button button--ghost", "aria-expanded": "false", "aria-controls": listId },
      "Menu",
    );
    const list = h("ul", { class: "nav__list", id: listId });
    toggle.addEventListener("click", () => {
      const open = toggle.getAttribute("aria-expanded") !== "true";
      toggle.setAttribute("aria-expanded", String(open));
      nav.classList.toggle("nav--open", open);
    });
    for (const item of NAV) {
      if (!item.roles.includes(session.role)) continue;
      list.append(h("li", null, h("a", { href: item.hash, class: "nav__link", dataset: { key: item.key } }, item.label)));
    }
    list.addEventListener("click", (event) => {
      if (event.target.closest("a")) {
        toggle.setAttribute("aria-expanded", "false");
        nav.classList.remove("nav--open");
      }
    });
    nav.append(toggle, list);
  }
  for (const link of nav.querySelectorAll(".nav__link")) {
    if (link.dataset.key === activeKey) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
}

function renderAccount() {
  const session = auth.current();
  if (!session) {
    account.hidden = true;
    account.replaceChildren();
    return;
  }
  account.hidden = false;
  const logout = h("button", { type: "button", class: "button button--ghost" }, "Se déconnecter");
  logout.addEventListener("click", () => {
    loginNotice = "Vous êtes déconnecté·e.";
    auth.logout();
  });
  const shortcuts = h("button", { type: "button", class: "button button--ghost", id: "bouton-raccourcis" }, "Raccourcis clavier");
  shortcuts.addEventListener("click", () => {
    import("./lib/shortcuts.js").then((module) => module.openHelp());
  });
  account.replaceChildren(
    h(
      "p",
      { class: "account__who" },
      h("span", { class: "account__email" }, session.email),
      " ",
      h("span", { class: "account__role" }, `(${auth.ROLE_LABELS[session.role] || session.role})`),
    ),
    h("p", { class: "account__live", id: "etat-direct" }, ""),
    h(
      "div",
      { class: "account__actions" },
      h("a", { href: "#/compte", class: "button button--ghost" }, "Mon compte"),
      h("a", { href: "#/abonnements", class: "button button--ghost" }, "Mes abonnements"),
      shortcuts,
      logout,
    ),
  );
}

// A member whose role needs two-factor sign-in (admins; agents when their commune requires
// it) and who has not set it up loses those actions (the API answers 403 mfa_required): a
// banner says so on every page until it is done.
const MFA_BANNERS = {
  admin: "Vos actions d'administrateur (réglages, équipe, canaux, journal) sont suspendues tant que la double authentification n'est pas activée sur votre compte. ",
  agent: "Votre commune exige la double authentification des agents : tant qu'elle n'est pas activée sur votre compte, vous consultez les fils sans les coordonnées des citoyens et ne pouvez ni répondre ni modifier. ",
};

async function renderMfaBanner(known) {
  let banner = document.getElementById("bandeau-mfa");
  let me = known;
  if (!me && auth.current() && MFA_BANNERS[auth.current().role]) {
    try {
      const { get } = await import("./lib/api.js");
      me = await get("/console/me");
    } catch {
      me = null;
    }
  }
  const needed = !!(auth.current() && me && me.mfa && me.mfa.required && !me.mfa.enabled);
  if (!needed) {
    if (banner) banner.remove();
    return;
  }
  if (banner && banner.dataset.role !== me.role) {
    banner.remove();
    banner = null;
  }
  if (!banner) {
    banner = h(
      "div",
      { class: "message-box message-box--warning mfa-banner", id: "bandeau-mfa", role: "region", "aria-label": "Double authentification", dataset: { role: me.role } },
      h("p", null, MFA_BANNERS[me.role] || MFA_BANNERS.agent),
      h("a", { href: "#/compte", class: "button" }, "Activer la double authentification"),
    );
    outlet.before(banner);
  }
}

window.addEventListener("concerto:compte-modifie", (event) => renderMfaBanner(event.detail));

async function loadExtras() {
  if (!extrasLoaded) {
    extrasLoaded = Promise.all([import("./lib/realtime.js"), import("./lib/shortcuts.js"), import("./lib/commune.js")]).then(
      ([realtime, shortcuts, communeModule]) => {
        realtime.start();
        shortcuts.install();
        communeModule.commune().then((info) => {
          const brand = document.getElementById("marque-commune");
          if (brand && info && info.name) brand.textContent = `Console de ${info.name}`;
        });
        return { realtime, shortcuts, communeModule };
      },
    );
  }
  return extrasLoaded;
}

async function unloadExtras() {
  if (!extrasLoaded) return;
  const { realtime, shortcuts, communeModule } = await extrasLoaded;
  realtime.stop();
  shortcuts.uninstall();
  communeModule.forget();
  extrasLoaded = null;
  const brand = document.getElementById("marque-commune");
  if (brand) brand.textContent = "Console de la commune";
}

const router = createRouter({
  routes,
  outlet,
  guard,
  fallback: notFound,
  onRoute: (route, ctx) => {
    renderNav(route.nav);
    if (route.name === "login") {
      ctx.notice = loginNotice;
      loginNotice = "";
    }
  },
});

auth.onSessionChange(async (kind) => {
  if (kind === "login") {
    renderAccount();
    loadExtras();
    renderMfaBanner();
    const back = parseHash().query.get("retour");
    const target = back && back.startsWith("/") && !back.startsWith("/connexion") ? `#${back}` : homeFor(auth.current());
    navigate(target);
  } else if (kind === "refresh") {
    if (extrasLoaded) extrasLoaded.then(({ realtime }) => realtime.tokenChanged());
  } else if (kind === "logout" || kind === "expired") {
    if (kind === "expired") loginNotice = "Votre session a expiré : reconnectez-vous pour continuer.";
    await unloadExtras();
    renderAccount();
    renderMfaBanner();
    renderNav(null);
    const { path, query } = parseHash();
    const back = kind === "expired" && path !== "/connexion" ? path + (query.toString() ? `?${query}` : "") : "";
    navigate(hashFor("/connexion", back ? { retour: back } : null));
    if (kind === "logout") announce("Vous êtes déconnecté·e.");
  }
});

// The skip link must not change the hash (hash routing): it focuses <main>.
document.getElementById("lien-evitement").addEventListener("click", (event) => {
  event.preventDefault();
  outlet.focus();
  outlet.scrollIntoView();
});

auth.restore();
renderAccount();
if (auth.current()) {
  loadExtras();
  renderMfaBanner();
}
router.render();
