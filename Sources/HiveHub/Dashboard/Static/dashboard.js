// Hive hub dashboard: reads /api/v1/dashboard/summary (and, with the admin token, follows
// /api/v1/events) and draws every chart as SVG. No dependencies, no external requests.
"use strict";

const TOKEN_KEY = "hive.dashboard.adminToken";
const SUMMARY = "/api/v1/dashboard/summary";
const POLL_MS = 5000;
// At most one summary read per MIN_GAP_MS: the hub rate-limits admin calls (60/min by default),
// and a burst of events must not spend that budget.
const MIN_GAP_MS = 4000;
const SVG_NS = "http://www.w3.org/2000/svg";
const TASK_TYPES = ["preference", "recommendation", "discovery", "behavior"];
const BAND_LABELS = ["0–0.2", "0.2–0.4", "0.4–0.6", "0.6–0.8", "0.8–1"];

const state = { token: sessionStorage.getItem(TOKEN_KEY), timer: null, events: null, refreshQueued: false, last: 0 };

function $(id) { return document.getElementById(id); }

function setStatus(text) { $("status").textContent = text; }

// MARK: data

async function fetchSummary() {
  const headers = { Accept: "application/json" };
  if (state.token) headers.Authorization = "Bearer " + state.token;
  const response = await fetch(SUMMARY, { headers, cache: "no-store" });
  if (response.status === 401) return { unauthorized: true };
  if (!response.ok) {
    let detail = response.statusText;
    try { detail = (await response.json()).detail || detail; } catch (_) { /* not JSON */ }
    throw new Error(response.status + " " + detail);
  }
  return { summary: await response.json() };
}

async function refresh() {
  state.last = Date.now();
  try {
    const result = await fetchSummary();
    if (result.unauthorized) {
      showSignIn(state.token ? "That token was refused." : "");
      return;
    }
    showPanels(result.summary);
    render(result.summary);
    document.body.dataset.ready = "1";
    const time = new Date(result.summary.generatedAt).toLocaleTimeString();
    setStatus((result.summary.mode === "public" ? "public view (aggregates only)" : "signed in") + " · updated " + time);
  } catch (error) {
    setStatus("cannot reach the hub: " + error.message + " — retrying");
  }
}

function queueRefresh() {
  if (state.refreshQueued) return;
  state.refreshQueued = true;
  const wait = Math.max(400, state.last + MIN_GAP_MS - Date.now());
  setTimeout(() => { state.refreshQueued = false; refresh(); }, wait);
}

// Follows the hub's SSE stream with fetch so the token travels in a header (EventSource
// cannot set one, and the token must never appear in a URL). Every event triggers a refresh.
async function followEvents() {
  if (!state.token || state.events) return;
  const controller = new AbortController();
  state.events = controller;
  try {
    const response = await fetch("/api/v1/events", {
      headers: { Authorization: "Bearer " + state.token, Accept: "text/event-stream" }, signal: controller.signal,
    });
    if (!response.ok || !response.body) throw new Error("events: " + response.status);
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let buffered = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffered += decoder.decode(value, { stream: true });
      let end;
      while ((end = buffered.indexOf("\n\n")) >= 0) {
        const block = buffered.slice(0, end);
        buffered = buffered.slice(end + 2);
        if (/^(event|data):/m.test(block)) queueRefresh();
      }
    }
  } catch (_) {
    // Stream closed or refused: polling carries on; try again later.
  }
  state.events = null;
  if (state.token) setTimeout(followEvents, POLL_MS);
}

// MARK: views

function showSignIn(message) {
  stopLive();
  $("panels").hidden = true;
  $("sign-in").hidden = false;
  $("sign-out").hidden = true;
  $("sign-in-error").textContent = message || "";
  document.body.dataset.view = "sign-in";
  setStatus("sign in to see the hub");
  $("token").focus();
}

function showPanels(summary) {
  $("sign-in").hidden = true;
  $("panels").hidden = false;
  $("sign-out").hidden = !state.token;
  document.body.dataset.view = "panels";
  document.body.dataset.mode = summary.mode;
  if (!state.timer) state.timer = setInterval(() => { if (Date.now() - state.last >= MIN_GAP_MS) refresh(); }, POLL_MS);
  followEvents();
}

function stopLive() {
  if (state.timer) { clearInterval(state.timer); state.timer = null; }
  if (state.events) { state.events.abort(); state.events = null; }
}

function figure(name, value, text) {
  const element = document.querySelector('[data-figure="' + name + '"]');
  if (!element) return;
  element.dataset.value = value === null || value === undefined ? "" : String(value);
  element.textContent = text !== undefined ? text : (value === null || value === undefined ? "–" : String(value));
}

function bytes(n) {
  if (n < 1024) return n + " B";
  const units = ["KiB", "MiB", "GiB", "TiB"];
  let value = n, unit = -1;
  do { value /= 1024; unit += 1; } while (value >= 1024 && unit < units.length - 1);
  return value.toFixed(1) + " " + units[unit];
}

function percent(x) { return x === null || x === undefined ? "–" : (x * 100).toFixed(1) + " %"; }

function syncsPerMinute(samples) {
  const points = [];
  for (let i = 1; i < samples.length; i += 1) {
    const dt = samples[i].t - samples[i - 1].t;
    if (dt > 0) points.push({ t: samples[i].t, v: (samples[i].syncs - samples[i - 1].syncs) * 60000 / dt });
  }
  return points;
}

function render(s) {
  const perMinute = syncsPerMinute(s.twins.syncSamples);
  figure("twins.active", s.twins.active);
  figure("twins.registered", s.twins.registered);
  figure("twins.blocked", s.twins.blocked);
  const lastRate = perMinute.length ? perMinute[perMinute.length - 1].v : null;
  figure("twins.syncsPerMinute", lastRate === null ? null : Math.round(lastRate * 10) / 10);
  lineChart($("chart-syncs"), perMinute, "syncs per minute", "collecting — a point every 5 s while this page is open");
  barChart($("chart-reputation"), s.twins.reputationBands.map((b, i) => ({ label: BAND_LABELS[i], value: b.count })), "twins per reputation band");
  $("empty-twins").hidden = s.twins.registered > 0;

  const l = s.learning;
  figure("learning.modelVersion", l.modelVersion);
  figure("learning.rounds", l.rounds);
  figure("learning.envelopesAccepted", l.envelopesAccepted);
  figure("learning.envelopesRejected", l.envelopesRejected);
  figure("learning.rule", l.rule, l.rule || "none in this build");
  figure("learning.excludedCount", l.excludedCount);
  lineChart($("chart-versions"), l.versions.map((v) => ({ t: v.publishedAt, v: v.version })), "model version", "no model version published yet");
  groupedBars($("chart-rounds"), l.recentRounds.map((r) => ({ label: "#" + r.round, a: r.durationMs, b: r.updatesUsed })),
    "round duration (ms)", "updates used", "no round seen by this hub process yet");
  fillList($("excluded-list"), (l.excludedTwins || []).slice(0, 10).map((id) => "excluded: " + id));
  $("empty-learning").hidden = l.rounds > 0;

  const p = s.patterns;
  figure("patterns.consolidated", p.consolidated);
  figure("patterns.received", p.received);
  figure("patterns.pending", p.pending);
  figure("patterns.consensusRate", p.consensusRate, percent(p.consensusRate));
  heatmap($("chart-heatmap"), p.heatmap);
  const rows = $("latest-patterns").querySelector("tbody");
  rows.replaceChildren(...p.latest.map((x) => row([x.taskType, x.approach, String(x.voters), percent(x.agreement), String(x.round)])));
  $("latest-patterns").hidden = p.latest.length === 0;
  $("empty-patterns").hidden = p.consolidated > 0;

  const k = s.skills;
  figure("skills.total", k.total);
  fillList($("latest-traces"), k.latest.map((t) =>
    t.intent + " — confidence " + t.confidence.toFixed(2) + (t.twinID ? " · " + t.twinID : "")));
  barChart($("chart-instances"), k.instanceBands.map((b, i) => ({ label: BAND_LABELS[i], value: b.count })), "instances per reputation band");
  $("empty-skills").hidden = k.total > 0;

  const n = s.network;
  figure("network.syncs", n.syncs);
  figure("network.syncFailures", n.syncFailures);
  figure("network.bytesIn", n.bytesIn, bytes(n.bytesIn));
  figure("network.bytesOut", n.bytesOut, bytes(n.bytesOut));
  barChart($("chart-latency"), n.p50Ms === null || n.p50Ms === undefined ? [] :
    [{ label: "p50", value: n.p50Ms }, { label: "p95", value: n.p95Ms }, { label: "p99", value: n.p99Ms }],
    "sync latency (ms) over the latest " + n.latencySamples + " syncs", "no sync latency recorded yet");
  const errors = Object.entries(n.errorsByKind).sort((a, b) => b[1] - a[1]).map(([kind, count]) => ({ label: kind, value: count }));
  barChart($("chart-errors"), errors, "requests answered with a problem, by kind", "no errors");
  $("empty-network").hidden = n.syncs > 0;

  $("ledger-figures").hidden = !s.ledger;
  $("empty-ledger").hidden = !!s.ledger;
  if (s.ledger) {
    figure("ledger.treeSize", s.ledger.treeSize);
    figure("ledger.rootHash", s.ledger.rootHash);
  }

  $("graph-limit").textContent = "Top " + s.graph.limit + " of each.";
  forceGraph($("chart-graph"), s.graph);
  $("empty-graph").hidden = s.graph.nodes.length > 0;
}

function row(cells) {
  const tr = document.createElement("tr");
  for (const text of cells) { const td = document.createElement("td"); td.textContent = text; tr.appendChild(td); }
  return tr;
}

function fillList(list, items) {
  list.replaceChildren(...items.map((text) => { const li = document.createElement("li"); li.textContent = text; return li; }));
}

// MARK: SVG charts

function svg(width, height, label) {
  const root = document.createElementNS(SVG_NS, "svg");
  root.setAttribute("viewBox", "0 0 " + width + " " + height);
  root.setAttribute("role", "img");
  root.setAttribute("aria-label", label);
  const title = document.createElementNS(SVG_NS, "title");
  title.textContent = label;
  root.appendChild(title);
  return root;
}

function el(name, attributes, text) {
  const node = document.createElementNS(SVG_NS, name);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, value);
  if (text !== undefined) node.textContent = text;
  return node;
}

function emptyChart(container, message) {
  const p = document.createElement("p");
  p.className = "empty";
  p.textContent = message;
  container.replaceChildren(p);
}

function niceMax(value) { return value <= 0 ? 1 : value * 1.1; }

function barChart(container, items, label, emptyMessage) {
  if (!items.length || (emptyMessage && items.every((x) => !x.value))) { emptyChart(container, emptyMessage || "no data yet"); return; }
  const width = 320, height = 140, left = 34, bottom = 22, top = 8;
  const max = niceMax(Math.max(...items.map((x) => x.value)));
  const root = svg(width, height, label + ": " + items.map((x) => x.label + " " + fmt(x.value)).join(", "));
  root.appendChild(el("line", { class: "axis", x1: left, y1: height - bottom, x2: width, y2: height - bottom }));
  root.appendChild(el("text", { x: 2, y: top + 8 }, fmt(max / 1.1)));
  const slot = (width - left) / items.length;
  items.forEach((item, i) => {
    const h = (height - bottom - top) * item.value / max;
    const x = left + i * slot + slot * 0.15;
    const bar = el("rect", { class: "bar", x, y: height - bottom - h, width: slot * 0.7, height: Math.max(h, 0) });
    bar.appendChild(el("title", {}, item.label + ": " + fmt(item.value)));
    root.appendChild(bar);
    root.appendChild(el("text", { x: x, y: height - 8 }, item.label.length > 14 ? item.label.slice(0, 13) + "…" : item.label));
    root.appendChild(el("text", { x: x, y: Math.max(height - bottom - h - 3, 10) }, fmt(item.value)));
  });
  container.replaceChildren(root);
}

function groupedBars(container, items, labelA, labelB, emptyMessage) {
  if (!items.length) { emptyChart(container, emptyMessage); return; }
  const width = 320, height = 140, left = 6, bottom = 22, top = 14;
  const maxA = niceMax(Math.max(...items.map((x) => x.a))), maxB = niceMax(Math.max(...items.map((x) => x.b)));
  const root = svg(width, height, labelA + " and " + labelB + " for the latest " + items.length + " rounds");
  root.appendChild(el("text", { x: left, y: 10 }, "■ " + labelA + "  "));
  root.appendChild(el("text", { x: width / 2, y: 10 }, "■ " + labelB));
  const slot = (width - left) / items.length;
  items.forEach((item, i) => {
    const ha = (height - bottom - top) * item.a / maxA, hb = (height - bottom - top) * item.b / maxB;
    const x = left + i * slot;
    const a = el("rect", { class: "bar", x: x + slot * 0.1, y: height - bottom - ha, width: slot * 0.38, height: ha });
    a.appendChild(el("title", {}, item.label + ": " + item.a + " ms"));
    const b = el("rect", { class: "bar2", x: x + slot * 0.5, y: height - bottom - hb, width: slot * 0.38, height: hb });
    b.appendChild(el("title", {}, item.label + ": " + item.b + " updates"));
    root.append(a, b);
    if (items.length <= 12) root.appendChild(el("text", { x: x + slot * 0.1, y: height - 8 }, item.label));
  });
  container.replaceChildren(root);
}

function lineChart(container, points, label, emptyMessage) {
  if (points.length < 2) { emptyChart(container, emptyMessage); return; }
  const width = 320, height = 120, left = 34, bottom = 18, top = 8;
  const t0 = points[0].t, t1 = points[points.length - 1].t;
  const max = niceMax(Math.max(...points.map((p) => p.v)));
  const x = (t) => left + (width - left - 4) * (t1 > t0 ? (t - t0) / (t1 - t0) : 0);
  const y = (v) => height - bottom - (height - bottom - top) * v / max;
  const root = svg(width, height, label + ": latest " + fmt(points[points.length - 1].v) + ", peak " + fmt(max / 1.1));
  root.appendChild(el("line", { class: "axis", x1: left, y1: height - bottom, x2: width, y2: height - bottom }));
  root.appendChild(el("text", { x: 2, y: top + 8 }, fmt(max / 1.1)));
  root.appendChild(el("text", { x: left, y: height - 4 }, new Date(t0).toLocaleTimeString()));
  root.appendChild(el("text", { x: width - 60, y: height - 4 }, new Date(t1).toLocaleTimeString()));
  root.appendChild(el("polyline", { class: "line", points: points.map((p) => x(p.t).toFixed(1) + "," + y(p.v).toFixed(1)).join(" ") }));
  container.replaceChildren(root);
}

function heatmap(container, cells) {
  if (!cells.length) { emptyChart(container, "no consolidated patterns to map yet"); return; }
  const width = 320, height = 150, left = 92, top = 6, bottom = 22;
  const cw = (width - left) / 5, ch = (height - top - bottom) / TASK_TYPES.length;
  const max = Math.max(...cells.map((c) => c.count));
  const root = svg(width, height, "pattern count and mean quality by task type and success band");
  TASK_TYPES.forEach((task, r) => root.appendChild(el("text", { x: 2, y: top + r * ch + ch / 2 + 3 }, task)));
  BAND_LABELS.forEach((band, c) => root.appendChild(el("text", { x: left + c * cw + 4, y: height - 6 }, band)));
  for (let r = 0; r < TASK_TYPES.length; r += 1) {
    for (let c = 0; c < 5; c += 1) {
      const cell = cells.find((x) => x.taskType === TASK_TYPES[r] && x.band === c);
      const rect = el("rect", { x: left + c * cw + 1, y: top + r * ch + 1, width: cw - 2, height: ch - 2,
        class: "bar", "fill-opacity": cell ? (0.15 + 0.85 * cell.count / max).toFixed(2) : "0.04" });
      rect.appendChild(el("title", {}, TASK_TYPES[r] + ", success " + BAND_LABELS[c] + ": " +
        (cell ? cell.count + " patterns, mean quality " + cell.meanQuality.toFixed(2) : "none")));
      root.appendChild(rect);
      if (cell) root.appendChild(el("text", { x: left + c * cw + cw / 2 - 4, y: top + r * ch + ch / 2 + 3 }, String(cell.count)));
    }
  }
  container.replaceChildren(root);
}

// A small force layout: pairwise repulsion, springs along edges and a pull to the centre,
// run for a fixed number of steps from positions on a circle (deterministic for a given graph).
function forceGraph(container, graph) {
  if (!graph.nodes.length) { container.replaceChildren(); return; }
  const width = 640, height = 400;
  const nodes = graph.nodes.map((n, i) => {
    const angle = 2 * Math.PI * i / graph.nodes.length;
    return { ...n, x: width / 2 + 150 * Math.cos(angle), y: height / 2 + 150 * Math.sin(angle), vx: 0, vy: 0 };
  });
  const index = new Map(nodes.map((n, i) => [n.id, i]));
  const edges = graph.edges.filter((e) => index.has(e.source) && index.has(e.target))
    .map((e) => [index.get(e.source), index.get(e.target)]);
  for (let step = 0; step < 300; step += 1) {
    const cooling = 1 - step / 300;
    for (let i = 0; i < nodes.length; i += 1) {
      for (let j = i + 1; j < nodes.length; j += 1) {
        let dx = nodes[i].x - nodes[j].x, dy = nodes[i].y - nodes[j].y;
        const d2 = Math.max(dx * dx + dy * dy, 25), force = 900 / d2, d = Math.sqrt(d2);
        dx /= d; dy /= d;
        nodes[i].vx += dx * force; nodes[i].vy += dy * force; nodes[j].vx -= dx * force; nodes[j].vy -= dy * force;
      }
    }
    for (const [a, b] of edges) {
      const dx = nodes[b].x - nodes[a].x, dy = nodes[b].y - nodes[a].y, pull = 0.02;
      nodes[a].vx += dx * pull; nodes[a].vy += dy * pull; nodes[b].vx -= dx * pull; nodes[b].vy -= dy * pull;
    }
    for (const n of nodes) {
      n.vx += (width / 2 - n.x) * 0.01; n.vy += (height / 2 - n.y) * 0.01;
      n.x = Math.min(width - 12, Math.max(12, n.x + n.vx * cooling));
      n.y = Math.min(height - 12, Math.max(12, n.y + n.vy * cooling));
      n.vx *= 0.6; n.vy *= 0.6;
    }
  }
  const twins = nodes.filter((n) => n.kind === "twin").length;
  const root = svg(width, height, "graph of " + twins + " twins and " + (nodes.length - twins) + " consolidated patterns with " + edges.length + " links");
  for (const [a, b] of edges) root.appendChild(el("line", { class: "edge", x1: nodes[a].x, y1: nodes[a].y, x2: nodes[b].x, y2: nodes[b].y }));
  for (const n of nodes) {
    const circle = el("circle", { class: n.kind, cx: n.x.toFixed(1), cy: n.y.toFixed(1), r: (4 + 8 * Math.min(Math.max(n.weight, 0), 1)).toFixed(1) });
    circle.appendChild(el("title", {}, n.kind + " " + n.id + " (" + (n.kind === "twin" ? "reputation " : "quality ") + n.weight.toFixed(2) + ")"));
    root.appendChild(circle);
  }
  container.replaceChildren(root);
}

function fmt(v) {
  if (v === null || v === undefined || !isFinite(v)) return "–";
  if (Math.abs(v) >= 100 || Number.isInteger(v)) return String(Math.round(v));
  return v.toFixed(1);
}

// MARK: start

document.addEventListener("DOMContentLoaded", () => {
  $("sign-in-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const token = $("token").value.trim();
    if (!token) return;
    state.token = token;
    sessionStorage.setItem(TOKEN_KEY, token);
    $("token").value = "";
    refresh();
  });
  $("sign-out").addEventListener("click", () => {
    sessionStorage.removeItem(TOKEN_KEY);
    state.token = null;
    showSignIn("");
  });
  refresh();
});
