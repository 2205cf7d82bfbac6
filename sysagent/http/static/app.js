// sysagent's live page: history from /api/v1/metrics/history, then updates over SSE (/api/v1/events).
// Plain JS, no framework, no build step; charts are inline SVG.
"use strict";

const WINDOW_S = 900;
const SVG = "http://www.w3.org/2000/svg";
const CHARTS = [
  { id: "cpu", title: "CPU busy", unit: "%", keys: ["cpu.busy"], max: 100, thresholds: [80, 95] },
  { id: "mem", title: "Memory used", unit: "%", keys: ["memory.used"], max: 100, thresholds: [85, 95] },
  { id: "fs", title: "Fullest filesystem", unit: "%", keys: ["filesystem.fullest"], max: 100, thresholds: [85, 95] },
  { id: "net", title: "Network", unit: "By/s", keys: ["network.receive", "network.transmit"], names: ["in", "out"] },
  { id: "disk", title: "Disk", unit: "By/s", keys: ["disk.read", "disk.write"], names: ["read", "write"] },
  { id: "load", title: "Load", unit: "", keys: ["load.1m", "load.5m", "load.15m"], names: ["1m", "5m", "15m"] },
];
const TIME_KEYS = new Set(["since", "at", "ends", "last_success", "last_error_at"]);
const series = {}; // key -> [[t, v], ...]
let cores = 0;

(function theme() {
  const t = new URLSearchParams(location.search).get("theme");
  if (t === "dark" || t === "light") document.documentElement.dataset.theme = t;
})();

function el(tag, attrs, text) {
  const e = tag.startsWith("svg:") ? document.createElementNS(SVG, tag.slice(4)) : document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

function bytes(v) {
  const units = ["B/s", "KB/s", "MB/s", "GB/s", "TB/s"];
  let i = 0;
  while (Math.abs(v) >= 1000 && i < units.length - 1) { v /= 1000; i++; }
  return `${v.toFixed(v < 10 && i ? 1 : 0)} ${units[i]}`;
}

function duration(s) {
  const d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600), m = Math.floor((s % 3600) / 60);
  return d ? `${d}d ${h}h` : h ? `${h}h ${m}m` : `${m}m ${Math.floor(s % 60)}s`;
}

function format(key, v, unit) {
  if (v === undefined || v === null || Number.isNaN(v)) return "–";
  if (unit === "%") return `${v.toFixed(1)} %`;
  if (unit === "By/s") return bytes(v);
  if (unit === "s") return duration(v);
  return v.toFixed(2);
}

function when(t) {
  if (!t) return "";
  const ago = Date.now() / 1000 - t;
  const d = new Date(t * 1000);
  const hhmm = d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit" });
  if (ago < 0) return `${hhmm} (in ${duration(-ago)})`;
  return ago < 86400 ? `${hhmm} (${duration(ago)} ago)` : d.toLocaleString();
}

function buildCharts() {
  const box = document.getElementById("charts");
  for (const c of CHARTS) {
    const card = el("div", { class: "chart", id: `chart-${c.id}` });
    card.append(el("h3", {}, c.title));
    const svg = el("svg:svg", { viewBox: "0 0 600 140", role: "img", "aria-label": c.title });
    card.append(svg);
    const legend = el("div", { class: "legend" });
    c.keys.forEach((k, i) => legend.append(el("b", { class: `s${i}` }, `— ${(c.names || [c.title])[i]}`)));
    card.append(legend);
    box.append(card);
  }
}

function draw(c) {
  const svg = document.querySelector(`#chart-${c.id} svg`);
  const now = Date.now() / 1000, t0 = now - WINDOW_S;
  let max = c.max || 0;
  if (!c.max) for (const k of c.keys) for (const [, v] of series[k] || []) max = Math.max(max, v);
  if (c.id === "load" && cores) max = Math.max(max, cores);
  max = max > 0 ? max * (c.max ? 1 : 1.1) : 1;
  svg.replaceChildren();
  // the drawing is as wide as the element, so text and lines are never stretched
  const H = 125, W = Math.max(200, Math.round(svg.clientWidth || 600));
  svg.setAttribute("viewBox", `0 0 ${W} 140`);
  const y = (v) => H - (v / max) * (H - 10);
  for (const f of [0, 0.5, 1]) svg.append(el("svg:line", { class: "grid", x1: 0, x2: W, y1: y(max * f), y2: y(max * f) }));
  svg.append(el("svg:text", { class: "axis", x: 2, y: 10 }, format("", max, c.unit)));
  svg.append(el("svg:text", { class: "axis", x: 2, y: 138 }, "15 min ago"));
  svg.append(el("svg:text", { class: "axis", x: W - 22, y: 138 }, "now"));
  const limits = c.thresholds || (c.id === "load" && cores ? [cores] : []);
  for (const th of limits) svg.append(el("svg:line", { class: "threshold", x1: 0, x2: W, y1: y(th), y2: y(th) }));
  c.keys.forEach((k, i) => {
    const pts = (series[k] || []).filter(([t]) => t >= t0);
    const coords = pts.map(([t, v]) => `${(((t - t0) / WINDOW_S) * W).toFixed(1)},${y(v).toFixed(1)}`);
    svg.append(el("svg:polyline", { class: `s${i}`, "data-key": k, "data-count": pts.length, points: coords.join(" ") }));
  });
}

function drawAll() { for (const c of CHARTS) draw(c); }

function showNow(now) {
  if (now.host) document.getElementById("host").textContent = now.host;
  const values = now.values || {}, units = now.units || {};
  if (values["cpu.count"]) {
    cores = values["cpu.count"];
    document.getElementById("cores").textContent = `(${cores} CPUs)`;
  }
  for (const node of document.querySelectorAll("[data-key]")) {
    if (node.tagName === "polyline") continue;
    const k = node.dataset.key;
    if (k in values) node.textContent = format(k, values[k], units[k]);
  }
  if (!now.time) return;
  for (const [k, v] of Object.entries(values)) {
    const s = (series[k] = series[k] || []);
    if (!s.length || s[s.length - 1][0] < now.time) s.push([now.time, v]);
    while (s.length && s[0][0] < now.time - WINDOW_S) s.shift();
  }
}

function showHealth(health) {
  const h = document.getElementById("health");
  h.textContent = health.status === "ok" ? "healthy" : "unhealthy";
  h.className = `value ${health.status === "ok" ? "ok" : "bad"}`;
  const list = document.getElementById("reasons");
  list.replaceChildren(...(health.reasons || []).map((r) => el("li", {}, r)));
}

function cell(k, v) {
  if (v === null || v === undefined) return "";
  if (TIME_KEYS.has(k) && typeof v === "number") return when(v);
  if (typeof v === "number") return Number.isInteger(v) ? String(v) : v.toPrecision(4);
  if (typeof v === "object") return JSON.stringify(v);
  return String(v);
}

function table(id, rows) {
  const cols = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const t = el("table", { id });
  const head = el("tr");
  for (const c of cols) head.append(el("th", {}, c));
  const thead = el("thead");
  thead.append(head);
  t.append(thead);
  const body = t.appendChild(el("tbody"));
  for (const r of rows) {
    const tr = el("tr", r.severity ? { class: r.severity } : {});
    for (const c of cols) tr.append(el("td", {}, cell(c, r[c])));
    body.append(tr);
  }
  const wrap = el("div", { class: "table-wrap" });
  wrap.append(t);
  return wrap;
}

function showSections(sections) {
  const box = document.getElementById("sections");
  const out = [];
  for (const [name, sec] of Object.entries(sections || {})) {
    const s = el("section", { id: `section-${name}` });
    s.append(el("h2", {}, name[0].toUpperCase() + name.slice(1)));
    for (const [key, value] of Object.entries(sec || {})) {
      s.append(el("h3", {}, `${key}${Array.isArray(value) ? ` (${value.length})` : ""}`));
      if (Array.isArray(value)) {
        s.append(value.length ? table(`section-${name}-${key}`, value) : el("p", { class: "none", id: `section-${name}-${key}` }, "none"));
      } else {
        s.append(el("p", {}, cell(key, value)));
      }
    }
    out.push(s);
  }
  box.replaceChildren(...out);
}

async function loadHistory() {
  const keys = CHARTS.flatMap((c) => c.keys);
  await Promise.all(keys.map(async (k) => {
    const r = await fetch(`/api/v1/metrics/history?metric=${encodeURIComponent(k)}&since=15m`);
    if (r.ok) {
      const body = await r.json();
      const known = series[k] || [];
      const first = known.length ? known[0][0] : Infinity;
      series[k] = body.points.filter(([t]) => t < first).concat(known);
    }
  }));
  drawAll();
}

function connect() {
  const conn = document.getElementById("conn");
  const source = new EventSource("/api/v1/events");
  source.addEventListener("update", (ev) => {
    const data = JSON.parse(ev.data);
    showNow(data.now);
    showHealth(data.health);
    showSections(data.sections);
    drawAll();
    conn.textContent = `live · ${new Date().toLocaleTimeString()}`;
    conn.className = "pill live";
    document.body.dataset.seq = data.seq;
  });
  source.onerror = () => { conn.textContent = "reconnecting…"; conn.className = "pill"; };
}

document.addEventListener("DOMContentLoaded", () => {
  buildCharts();
  connect();
  loadHistory();
  setInterval(drawAll, 5000);
});
