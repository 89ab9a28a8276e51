// Hash routing (#/boite, #/fils/<id>…): each route loads its view module on demand, the
// view draws its <h1> first, focus moves to it and the new page is announced.

import { announce, h } from "./dom.js";

/** "#/fils/abc?x=1" → {path: "/fils/abc", query: URLSearchParams} */
export function parseHash(hash = window.location.hash) {
  const raw = hash.startsWith("#") ? hash.slice(1) : hash;
  const [path, search = ""] = raw.split("?");
  return { path: path || "/", query: new URLSearchParams(search) };
}

export function hashFor(path, params) {
  const search = new URLSearchParams();
  if (params) {
    for (const [key, value] of Object.entries(params)) {
      if (value === undefined || value === null || value === "" || value === false) continue;
      search.set(key, String(value));
    }
  }
  const text = search.toString();
  return `#${path}${text ? `?${text}` : ""}`;
}

export function navigate(hash) {
  if (window.location.hash === hash) window.dispatchEvent(new HashChangeEvent("hashchange"));
  else window.location.hash = hash;
}

/** Changes the query of the current route without re-rendering (filters). */
export function replaceQuery(path, params) {
  const hash = hashFor(path, params);
  window.history.replaceState(window.history.state, "", hash);
}

export function createRouter({ routes, outlet, guard, onRoute, fallback }) {
  let generation = 0;
  let current = null;

  function teardown() {
    if (!current) return;
    current.controller.abort();
    for (const cleanup of current.cleanups.splice(0)) {
      try {
        cleanup();
      } catch {
        /* a view's cleanup never blocks navigation */
      }
    }
    current = null;
  }

  async function render() {
    const { path, query } = parseHash();
    const hash = window.location.hash;
    if (hash && !hash.startsWith("#/")) return; // an in-page anchor (skip link): not a route
    let route = null;
    let match = null;
    for (const candidate of routes) {
      match = path.match(candidate.pattern);
      if (match) {
        route = candidate;
        break;
      }
    }
    const redirect = guard(route, path);
    if (redirect) {
      window.history.replaceState(window.history.state, "", redirect);
      render();
      return;
    }
    if (!route) route = fallback;
    generation += 1;
    const mine = generation;
    teardown();
    const controller = new AbortController();
    const cleanups = [];
    current = { controller, cleanups, route };
    let module;
    try {
      module = await route.load();
    } catch {
      if (mine !== generation) return;
      outlet.replaceChildren(
        h("h1", { tabindex: "-1" }, "Page indisponible"),
        h("p", { role: "alert" }, "Cette page n'a pas pu être chargée. Vérifiez votre connexion puis rechargez la page."),
      );
      focusHeading(outlet);
      return;
    }
    if (mine !== generation) return;
    const ctx = {
      path,
      params: match ? match.slice(1).map((value) => decodeURIComponent(value)) : [],
      query,
      outlet,
      signal: controller.signal,
      alive: () => mine === generation && !controller.signal.aborted,
      onCleanup: (fn) => cleanups.push(fn),
      setTitle: (title) => {
        document.title = `${title} – Console Concerto`;
      },
    };
    outlet.replaceChildren();
    outlet.removeAttribute("aria-busy");
    document.title = `${route.title} – Console Concerto`;
    if (onRoute) onRoute(route, ctx);
    let pending;
    try {
      pending = module.render(ctx);
    } catch (error) {
      pending = Promise.reject(error);
    }
    focusHeading(outlet);
    announce(`Page « ${route.title} » affichée.`);
    try {
      await pending;
    } catch (error) {
      if (mine !== generation || (error && error.name === "AbortError")) return;
      if (error && error.code === "expired") return; // the session handler takes over
      outlet.append(
        h("p", { class: "message-box message-box--error", role: "alert" }, error && error.message ? error.message : "Cette page n'a pas pu être affichée."),
      );
    }
  }

  window.addEventListener("hashchange", render);
  return {
    render,
    teardown,
    get current() {
      return current;
    },
  };
}

export function focusHeading(outlet) {
  const heading = outlet.querySelector("h1");
  if (!heading) return;
  heading.setAttribute("tabindex", "-1");
  heading.focus({ preventScroll: false });
}
