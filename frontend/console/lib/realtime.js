// Live updates: the WebSocket (config.realtimeUrl + "?token=<ID token>") pushes
// {"events": [...]} as they are recorded; when it is unavailable or closed, the console polls
// GET /console/events?since=<cursor> every few seconds (and slowly while the socket is up, as a
// safety net). Events are delivered once each, oldest first, to the views that listen.

import { loadConfig, idToken } from "./auth.js";
import { get } from "./api.js";

const FAST_POLL_MS = 5000;
const SLOW_POLL_MS = 60000;
const PING_MS = 5 * 60 * 1000;
const MAX_SEEN = 5000;

const listeners = new Set();
let running = false;
let socket = null;
let pollTimer = null;
let pollEvery = 0;
let reconnectTimer = null;
let pingTimer = null;
let backoff = 2000;
let cursor = null;
let polling = false;
let started = false;
let mode = "off";
const seen = new Set();
const seenOrder = [];

/** fn(events) for each batch of new events; returns an unsubscribe function. */
export function onEvents(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

export function currentMode() {
  return mode;
}

function setMode(next) {
  mode = next;
  const el = document.getElementById("etat-direct");
  if (!el) return;
  el.textContent =
    next === "live"
      ? "Mises à jour : en direct"
      : next === "polling"
        ? "Mises à jour : toutes les 5 secondes"
        : "";
}

function remember(id) {
  seen.add(id);
  seenOrder.push(id);
  if (seenOrder.length > MAX_SEEN) seen.delete(seenOrder.shift());
}

function deliver(events) {
  if (!Array.isArray(events) || !events.length) return;
  const fresh = [];
  for (const event of events) {
    if (!event || typeof event.id !== "string" || seen.has(event.id)) continue;
    remember(event.id);
    fresh.push(event);
  }
  if (!fresh.length) return;
  fresh.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  for (const listener of [...listeners]) {
    try {
      listener(fresh);
    } catch {
      /* one view's failure never stops the feed */
    }
  }
}

async function pollOnce() {
  if (!running || polling) return;
  polling = true;
  try {
    for (let page = 0; page < 5; page += 1) {
      const feed = await get("/console/events", cursor ? { since: cursor } : { limit: started ? 100 : 1 });
      if (!started) {
        // First call: the latest event only gives the starting point.
        for (const item of feed.items || []) remember(item.id);
        cursor = feed.cursor || null;
        started = true;
        break;
      }
      deliver(feed.items);
      if (feed.cursor) cursor = feed.cursor;
      if (!feed.items || feed.items.length < 100) break;
    }
  } catch {
    /* next tick retries; an expired session is handled by auth */
  } finally {
    polling = false;
  }
}

function poll(every) {
  if (pollTimer && pollEvery === every) return;
  window.clearInterval(pollTimer);
  pollEvery = every;
  pollTimer = window.setInterval(pollOnce, every);
}

function fallBack() {
  setMode("polling");
  poll(FAST_POLL_MS);
  pollOnce();
}

function scheduleReconnect() {
  window.clearTimeout(reconnectTimer);
  if (!running) return;
  reconnectTimer = window.setTimeout(connect, backoff);
  backoff = Math.min(backoff * 2, 60000);
}

async function connect() {
  if (!running) return;
  let config;
  let token;
  try {
    config = await loadConfig();
    token = await idToken();
  } catch {
    fallBack();
    scheduleReconnect();
    return;
  }
  if (!config.realtimeUrl || typeof WebSocket === "undefined") {
    fallBack();
    return;
  }
  let ws;
  try {
    const base = String(config.realtimeUrl);
    ws = new WebSocket(`${base}${base.includes("?") ? "&" : "?"}token=${encodeURIComponent(token)}`);
  } catch {
    fallBack();
    scheduleReconnect();
    return;
  }
  socket = ws;
  ws.addEventListener("open", () => {
    if (socket !== ws) return;
    backoff = 2000;
    setMode("live");
    poll(SLOW_POLL_MS);
    pollOnce(); // what happened while connecting
    window.clearInterval(pingTimer);
    pingTimer = window.setInterval(() => {
      if (ws.readyState === WebSocket.OPEN) ws.send("ping");
    }, PING_MS);
  });
  ws.addEventListener("message", (message) => {
    if (socket !== ws) return;
    let data;
    try {
      data = JSON.parse(message.data);
    } catch {
      return;
    }
    if (data && Array.isArray(data.events)) deliver(data.events);
  });
  ws.addEventListener("close", () => {
    if (socket !== ws) return;
    socket = null;
    window.clearInterval(pingTimer);
    if (!running) return;
    fallBack();
    scheduleReconnect();
  });
}

export async function start() {
  if (running) return;
  running = true;
  setMode("polling");
  await pollOnce(); // the starting cursor
  connect();
}

export function stop() {
  running = false;
  window.clearInterval(pollTimer);
  window.clearInterval(pingTimer);
  window.clearTimeout(reconnectTimer);
  pollTimer = null;
  pollEvery = 0;
  cursor = null;
  started = false;
  if (socket) {
    const ws = socket;
    socket = null;
    ws.close();
  }
  setMode("off");
}

/** The ID token was refreshed: the socket is tied to the old one's expiry, so reconnect. */
export function tokenChanged() {
  if (!running) return;
  const old = socket;
  socket = null;
  if (old) old.close();
  backoff = 2000;
  connect();
}
