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

const state = {
  token: sessionStorage.getItem(TOKEN_KEY), timer: null, events: null, refreshQueued: false, last: 0,
  // The ledger head the panel shows, and whether a verification is running.
  ledgerShown: null, verifying: false,
};

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
  figure("learning.model", l.model ? l.model.items + "×" + l.model.rank : null,
    l.model ? l.model.items + " items × rank " + l.model.rank : "–");
  figure("learning.excludedCount", l.excludedCount);
  lineChart($("chart-versions"), l.versions.map((v) => ({ t: v.publishedAt, v: v.version })), "model version", "no model version published yet");
  barChart($("chart-rounds"), l.recentRounds.slice(-12).map((r) => ({ label: "#" + r.round, value: r.durationMs })),
    "round duration (ms)", l.recentRounds.length ? undefined : "no round seen by this hub process yet");
  groupedBars($("chart-round-updates"), l.recentRounds.map((r) => ({ label: "#" + r.round, a: r.updatesAccepted, b: r.updatesRejected })),
    "accepted", "rejected", "no round seen by this hub process yet", true);
  fillList($("excluded-list"), (l.excludedTwins || []).slice(0, 10).map((id) => "excluded: " + id));
  $("empty-learning").hidden = l.rounds > 0;

  const p = s.patterns;
  figure("patterns.consolidated", p.consolidated);
  figure("patterns.received", p.received);
  figure("patterns.pending", p.pending);
  figure("patterns.consensusRate", p.consensusRate, percent(p.consensusRate));
  heatmap($("chart-heatmap"), p.heatmap);
  lineChart($("chart-consensus"), l.recentRounds.filter((r) => r.patternsConsidered > 0)
    .map((r) => ({ t: r.startedAt, v: 100 * r.patternsConsolidated / r.patternsConsidered })),
    "consensus rate per round (%)", "needs two rounds with patterns seen by this hub process");
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

  renderLedger(s.ledger);

  $("graph-limit").textContent = "Top " + s.graph.limit + " of each.";
  forceGraph($("chart-graph"), s.graph);
  $("empty-graph").hidden = s.graph.nodes.length > 0;
}

function renderLedger(ledger) {
  $("ledger-figures").hidden = !ledger;
  $("ledger-unavailable").hidden = !!ledger;
  $("ledger-verify").disabled = !ledger || state.verifying;
  const rows = $("ledger-entries").querySelector("tbody");
  if (!ledger) { rows.replaceChildren(); $("empty-ledger").hidden = true; return; }
  state.ledgerShown = { size: ledger.treeSize, root: ledger.rootHash };
  figure("ledger.treeSize", ledger.treeSize);
  figure("ledger.signedAt", ledger.signedAt, new Date(ledger.signedAt).toLocaleTimeString());
  figure("ledger.rootHash", ledger.rootHash);
  rows.replaceChildren(...ledger.recent.map((e) => {
    const about = [e.ref, e.modelVersion !== null && e.modelVersion !== undefined ? "model v" + e.modelVersion : null, e.twin]
      .filter((x) => x !== null && x !== undefined).join(" · ");
    const tr = row([String(e.index), e.kind, about || "–", e.leafHash.slice(0, 16) + "…"]);
    tr.dataset.index = String(e.index);
    tr.dataset.leafHash = e.leafHash;
    return tr;
  }));
  $("ledger-entries").hidden = ledger.recent.length === 0;
  $("empty-ledger").hidden = ledger.treeSize > 0;
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

// Two bars per item; `sameScale` draws both series against one axis (counts of one kind).
function groupedBars(container, items, labelA, labelB, emptyMessage, sameScale) {
  if (!items.length) { emptyChart(container, emptyMessage); return; }
  if (items.every((x) => !x.a && !x.b)) { emptyChart(container, "none in the rounds seen (" + items.length + ")"); return; }
  const width = 320, height = 140, left = 6, bottom = 22, top = 14;
  let maxA = niceMax(Math.max(...items.map((x) => x.a))), maxB = niceMax(Math.max(...items.map((x) => x.b)));
  if (sameScale) { maxA = Math.max(maxA, maxB); maxB = maxA; }
  const root = svg(width, height, labelA + " and " + labelB + " for the latest " + items.length + " rounds");
  root.appendChild(el("text", { x: left, y: 10 }, "■ " + labelA + "  "));
  root.appendChild(el("text", { x: width / 2, y: 10 }, "■ " + labelB));
  const slot = (width - left) / items.length;
  items.forEach((item, i) => {
    const ha = (height - bottom - top) * item.a / maxA, hb = (height - bottom - top) * item.b / maxB;
    const x = left + i * slot;
    const a = el("rect", { class: "bar", x: x + slot * 0.1, y: height - bottom - ha, width: slot * 0.38, height: ha });
    a.appendChild(el("title", {}, item.label + ": " + item.a + " " + labelA));
    const b = el("rect", { class: "bar2", x: x + slot * 0.5, y: height - bottom - hb, width: slot * 0.38, height: hb });
    b.appendChild(el("title", {}, item.label + ": " + item.b + " " + labelB));
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

// MARK: ledger verification (RFC 9162), in this browser

// The head this page last verified (kept for the tab's session), so each "verify now" also proves
// the log only grew since — what a twin does with the head it keeps.
const TRUSTED_HEAD_KEY = "hive.dashboard.ledgerHead";
// How many of the newest entries get an inclusion check per verification.
const INCLUSION_CHECKS = 4;

function hexToBytes(hex) {
  if (typeof hex !== "string" || hex.length % 2 !== 0 || /[^0-9a-f]/i.test(hex)) throw new Error("not hex: " + String(hex).slice(0, 20));
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i += 1) out[i] = parseInt(hex.substr(i * 2, 2), 16);
  return out;
}

function bytesToHex(bytes) { return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join(""); }

function base64ToBytes(text) { return Uint8Array.from(atob(text), (c) => c.charCodeAt(0)); }

// SHA-256 (FIPS 180-4) in plain JavaScript: crypto.subtle only exists on https or localhost, and
// proofs need thousands of small synchronous hashes. Round constants are the first 32 bits of the
// fractional parts of the cube roots (K) and square roots (H) of the first primes.
const SHA = (() => {
  const primes = [];
  for (let n = 2; primes.length < 64; n += 1) if (primes.every((p) => n % p !== 0)) primes.push(n);
  const frac = (x) => Math.floor((x - Math.floor(x)) * 4294967296) >>> 0;
  return { K: Uint32Array.from(primes, (p) => frac(Math.cbrt(p))), H: Uint32Array.from(primes.slice(0, 8), (p) => frac(Math.sqrt(p))) };
})();

function sha256(bytes) {
  const ror = (x, n) => (x >>> n) | (x << (32 - n));
  const padded = new Uint8Array(Math.ceil((bytes.length + 9) / 64) * 64);
  padded.set(bytes);
  padded[bytes.length] = 0x80;
  const view = new DataView(padded.buffer);
  const bits = bytes.length * 8;
  view.setUint32(padded.length - 8, Math.floor(bits / 4294967296));
  view.setUint32(padded.length - 4, bits >>> 0);
  const h = Uint32Array.from(SHA.H), w = new Uint32Array(64);
  for (let offset = 0; offset < padded.length; offset += 64) {
    for (let i = 0; i < 16; i += 1) w[i] = view.getUint32(offset + 4 * i);
    for (let i = 16; i < 64; i += 1) {
      const x = w[i - 15], y = w[i - 2];
      w[i] = (w[i - 16] + (ror(x, 7) ^ ror(x, 18) ^ (x >>> 3)) + w[i - 7] + (ror(y, 17) ^ ror(y, 19) ^ (y >>> 10))) | 0;
    }
    let a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], k = h[7];
    for (let i = 0; i < 64; i += 1) {
      const t1 = (k + (ror(e, 6) ^ ror(e, 11) ^ ror(e, 25)) + ((e & f) ^ (~e & g)) + SHA.K[i] + w[i]) | 0;
      const t2 = ((ror(a, 2) ^ ror(a, 13) ^ ror(a, 22)) + ((a & b) ^ (a & c) ^ (b & c))) | 0;
      k = g; g = f; f = e; e = (d + t1) | 0; d = c; c = b; b = a; a = (t1 + t2) | 0;
    }
    h[0] += a; h[1] += b; h[2] += c; h[3] += d; h[4] += e; h[5] += f; h[6] += g; h[7] += k;
  }
  const out = new Uint8Array(32), outView = new DataView(out.buffer);
  for (let i = 0; i < 8; i += 1) outView.setUint32(4 * i, h[i]);
  return out;
}

function leafHash(data) { const m = new Uint8Array(data.length + 1); m.set(data, 1); return sha256(m); }

function nodeHash(left, right) { const m = new Uint8Array(65); m[0] = 1; m.set(left, 1); m.set(right, 33); return sha256(m); }

function sameBytes(a, b) { return a.length === b.length && a.every((x, i) => x === b[i]); }

// Sizes stay below 2^53, so halving uses arithmetic (JavaScript's bit operators are 32-bit).
const half = (n) => Math.floor(n / 2);
const odd = (n) => n % 2 === 1;

// RFC 9162 §2.1.3.2: does `path` prove leaf `index` (hash `leaf`) is in the tree of `size` with `root`?
function verifyInclusion(index, size, leaf, path, root) {
  if (!(index < size)) return false;
  let fn = index, sn = size - 1, r = leaf;
  for (const p of path) {
    if (sn === 0) return false;
    if (odd(fn) || fn === sn) {
      r = nodeHash(p, r);
      if (!odd(fn)) { while (!odd(fn) && fn !== 0) { fn = half(fn); sn = half(sn); } }
    } else {
      r = nodeHash(r, p);
    }
    fn = half(fn); sn = half(sn);
  }
  return sn === 0 && sameBytes(r, root);
}

// RFC 9162 §2.1.4.2: does `path` prove the tree of `second` (root `secondRoot`) extends the tree of
// `first` (root `firstRoot`)? An empty first tree extends trivially; equal sizes need equal roots.
function verifyConsistency(first, second, firstRoot, secondRoot, path) {
  if (first > second) return false;
  if (first === 0) return path.length === 0;
  if (first === second) return path.length === 0 && sameBytes(firstRoot, secondRoot);
  if (path.length === 0) return false;
  let proof = path.slice();
  let m = first;
  while (!odd(m)) m = half(m);
  if (m === 1) proof = [firstRoot, ...proof]; // first is a power of two: its root is a node of the path
  let fn = first - 1, sn = second - 1;
  while (odd(fn)) { fn = half(fn); sn = half(sn); }
  let fr = proof[0], sr = proof[0];
  for (const c of proof.slice(1)) {
    if (sn === 0) return false;
    if (odd(fn) || fn === sn) {
      fr = nodeHash(c, fr); sr = nodeHash(c, sr);
      if (!odd(fn)) { while (!odd(fn) && fn !== 0) { fn = half(fn); sn = half(sn); } }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = half(fn); sn = half(sn);
  }
  return sn === 0 && sameBytes(fr, firstRoot) && sameBytes(sr, secondRoot);
}

// The 56 bytes a tree head's signature covers: "HIVESTH1" ‖ size (u64 BE) ‖ time ms (u64 BE) ‖ root.
function treeHeadMessage(head) {
  const message = new Uint8Array(56), view = new DataView(message.buffer);
  message.set(new TextEncoder().encode("HIVESTH1"), 0);
  view.setUint32(8, Math.floor(head.tree_size / 4294967296)); view.setUint32(12, head.tree_size >>> 0);
  view.setUint32(16, Math.floor(head.timestamp_ms / 4294967296)); view.setUint32(20, head.timestamp_ms >>> 0);
  message.set(hexToBytes(head.root_hash), 24);
  return message;
}

// true / false, or null when this browser cannot check Ed25519 (no crypto.subtle off https/localhost).
async function verifyTreeHeadSignature(head) {
  if (!window.crypto || !crypto.subtle) return null;
  let key;
  try {
    key = await crypto.subtle.importKey("raw", hexToBytes(head.signer_key), { name: "Ed25519" }, false, ["verify"]);
  } catch (error) {
    if (error && error.name === "NotSupportedError") return null;
    return false;
  }
  return crypto.subtle.verify({ name: "Ed25519" }, key, hexToBytes(head.signature), treeHeadMessage(head));
}

async function getJSON(path) {
  const response = await fetch(path, { headers: { Accept: "application/json" }, cache: "no-store" });
  if (!response.ok) {
    let detail = response.statusText;
    try { detail = (await response.json()).detail || detail; } catch (_) { /* not JSON */ }
    throw new Error(path.split("?")[0] + ": " + response.status + " " + detail);
  }
  return response.json();
}

function trustedHead() {
  try {
    const head = JSON.parse(sessionStorage.getItem(TRUSTED_HEAD_KEY) || "null");
    if (head && Number.isSafeInteger(head.size) && head.size >= 0 && typeof head.root === "string") return head;
  } catch (_) { /* unreadable: start from the head on screen */ }
  return null;
}

// Runs every check; returns { status: ok | partial | failed, checks: [{ name, result, detail }], head }.
async function verifyLedgerNow() {
  const checks = [];
  const check = (name, result, detail) => { checks.push({ name, result, detail }); return result === "ok"; };
  const hub = await getJSON("/api/v1/hub");
  const head = await getJSON("/api/v1/ledger/sth");
  const size = head.tree_size, root = hexToBytes(head.root_hash);
  check("signed by this hub's key", head.signer_key === hub.publicKey ? "ok" : "failed",
    head.signer_key === hub.publicKey ? "key " + hub.publicKey.slice(0, 16) + "…" : "head signed by " + head.signer_key.slice(0, 16) + "…, hub key is " + hub.publicKey.slice(0, 16) + "…");
  const signature = await verifyTreeHeadSignature(head);
  check("Ed25519 signature on the tree head", signature === null ? "skipped" : signature ? "ok" : "failed",
    signature === null ? "this browser cannot check Ed25519 here (needs https or localhost)" : "size " + size + ", signed " + new Date(head.timestamp_ms).toLocaleTimeString());

  const previous = trustedHead() || state.ledgerShown;
  if (!previous) {
    check("consistency with the previous head", "skipped", "no earlier head to compare with");
  } else if (previous.size > size) {
    check("consistency with the previous head", "failed", "the log shrank from " + previous.size + " to " + size + " entries");
  } else {
    const proof = previous.size === 0 || previous.size === size ? { path: [] }
      : await getJSON("/api/v1/ledger/proof/consistency?first=" + previous.size + "&second=" + size);
    const ok = verifyConsistency(previous.size, size, hexToBytes(previous.root), root, proof.path.map(hexToBytes));
    check("consistency with the previous head", ok ? "ok" : "failed",
      (ok ? "size " + previous.size + " → " + size + " only appended" : "size " + previous.size + " → " + size + ": the proof does not join the two roots")
      + (trustedHead() ? " (head verified earlier in this tab)" : " (head shown on this page)"));
  }

  const count = Math.min(INCLUSION_CHECKS, size);
  if (count === 0) {
    check("newest entries included", "skipped", "the log is empty");
  } else {
    const page = await getJSON("/api/v1/ledger/entries?start=" + (size - count) + "&end=" + size);
    let included = 0;
    const failures = [];
    for (const entry of page.entries) {
      const proof = await getJSON("/api/v1/ledger/proof/inclusion?leaf=" + entry.index + "&size=" + size);
      const hash = leafHash(base64ToBytes(entry.data));
      const listed = document.querySelector('#ledger-entries tr[data-index="' + entry.index + '"]');
      if (listed && listed.dataset.leafHash !== bytesToHex(hash)) failures.push("entry " + entry.index + " differs from the one listed");
      else if (verifyInclusion(entry.index, size, hash, proof.path.map(hexToBytes), root)) included += 1;
      else failures.push("entry " + entry.index + " is not in the tree");
    }
    check("newest entries included", failures.length === 0 && included === count ? "ok" : "failed",
      failures.length ? failures.join("; ") : "entries " + (size - count) + "–" + (size - 1) + " hash into root " + head.root_hash.slice(0, 16) + "…");
  }
  const failed = checks.some((c) => c.result === "failed");
  const skipped = checks.some((c) => c.result === "skipped" && c.name.startsWith("Ed25519"));
  return { status: failed ? "failed" : skipped ? "partial" : "ok", checks, head };
}

async function onVerifyClick() {
  if (state.verifying) return;
  state.verifying = true;
  const button = $("ledger-verify"), result = $("ledger-verify-result");
  button.disabled = true;
  result.dataset.verify = "running";
  result.textContent = "verifying…";
  $("ledger-verify-checks").replaceChildren();
  try {
    const outcome = await verifyLedgerNow();
    result.dataset.verify = outcome.status;
    result.dataset.treeSize = String(outcome.head.tree_size);
    result.textContent = (outcome.status === "ok" ? "Verified" : outcome.status === "partial" ? "Partly verified" : "Verification FAILED")
      + " at tree size " + outcome.head.tree_size + " · " + new Date().toLocaleTimeString();
    $("ledger-verify-checks").replaceChildren(...outcome.checks.map((c) => {
      const li = document.createElement("li");
      li.className = "check-" + c.result;
      li.dataset.check = c.result;
      li.textContent = c.name + ": " + c.result + " — " + c.detail;
      return li;
    }));
    // Only a head that passed becomes the reference for the next check.
    if (outcome.status !== "failed") {
      sessionStorage.setItem(TRUSTED_HEAD_KEY, JSON.stringify({ size: outcome.head.tree_size, root: outcome.head.root_hash }));
    }
  } catch (error) {
    result.dataset.verify = "failed";
    result.textContent = "Verification could not run: " + error.message;
  } finally {
    state.verifying = false;
    button.disabled = false;
  }
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
  $("ledger-verify").addEventListener("click", onVerifyClick);
  $("sign-out").addEventListener("click", () => {
    sessionStorage.removeItem(TOKEN_KEY);
    state.token = null;
    showSignIn("");
  });
  refresh();
});
