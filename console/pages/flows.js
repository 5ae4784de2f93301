// The console's Flows page (docs/flows.md, docs/supervisor.md): the newest flows the key
// reaches, and a chosen flow's graph drawn with dagre (@dagrejs/dagre, served from
// node_modules by the supervisor: never a CDN), its nodes' states following live through
// flow.subscribe. Kept apart from app.js: it adds its own sections to the page, its own
// stylesheet, and talks over its own WebSocket, authenticated with the key the login form
// holds.
import dagre from "/vendor/@dagrejs/dagre/dist/dagre.esm.js";

const REFRESH_MS = 2000;
const LIST_LIMIT = 20;
const NODE_W = 150;
const NODE_H = 46;
const SVG_NS = "http://www.w3.org/2000/svg";

const $ = (id) => document.getElementById(id);

function el(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (className) node.className = className;
  return node;
}

function svg(tag, attrs = {}, text) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}

/** JSON-RPC over a WebSocket of its own; flow.event notifications go to onEvent. */
class Rpc {
  constructor(url, onEvent) {
    this.pending = new Map();
    this.nextId = 1;
    this.socket = new WebSocket(url);
    this.opened = new Promise((resolve, reject) => {
      this.socket.addEventListener("open", resolve, { once: true });
      this.socket.addEventListener("error", () => reject(new Error("cannot connect")), {
        once: true,
      });
    });
    this.socket.addEventListener("message", (e) => {
      const msg = JSON.parse(e.data);
      if (msg.method === "flow.event") return onEvent(msg.params);
      const waiter = this.pending.get(msg.id);
      if (!waiter) return;
      this.pending.delete(msg.id);
      if (msg.error) waiter.reject(new Error(msg.error.message));
      else waiter.resolve(msg.result);
    });
    this.socket.addEventListener("close", () => {
      for (const w of this.pending.values()) w.reject(new Error("connection closed"));
      this.pending.clear();
    });
  }

  async call(method, params = {}) {
    await this.opened;
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.socket.send(JSON.stringify({ jsonrpc: "2.0", id, method, params }));
    });
  }

  close() {
    this.socket.close();
  }
}

const state = { rpc: null, timer: null, selected: null, record: null };

// --- the page's parts ---------------------------------------------------------------------

function addSections() {
  const link = el("link");
  link.rel = "stylesheet";
  link.href = "/console/pages/flows.css";
  document.head.append(link);

  const list = el("section");
  list.id = "flows-panel";
  list.append(
    el("h2", "Flows"),
    el(
      "p",
      "Signed graphs of jobs (horus flow run / submit, or flow.create). Choose one to see its graph, live.",
      "muted",
    ),
  );
  const table = el("table");
  table.id = "flows";
  const head = el("tr");
  for (const h of ["id", "status", "nodes", "created"]) head.append(el("th", h));
  table.append(el("thead"), el("tbody"));
  table.tHead.append(head);
  const message = el("div", "", "message");
  message.id = "flows-message";
  list.append(table, message);

  const detail = el("section");
  detail.id = "flow-detail";
  detail.hidden = true;
  const title = el("h2", "Flow ");
  const code = el("code");
  code.id = "flow-id";
  title.append(code);
  const status = el("div", "status: ");
  const badge = el("span", "", "status");
  badge.id = "flow-status";
  status.append(badge);
  const times = el("div", "", "muted");
  times.id = "flow-times";
  const graph = svg("svg", { id: "flow-graph", role: "img" });
  const info = el("pre", "", "muted");
  info.id = "flow-node-info";
  const legend = el("div", "", "flow-legend muted");
  for (const s of ["pending", "dispatched", "started", "finished", "error", "cancelled"]) {
    const item = el("span", s, `flow-key state-${s}`);
    legend.append(item);
  }
  detail.append(title, status, times, legend, graph, info);

  const main = document.querySelector("main") ?? document.body;
  const jobs = $("jobs-panel");
  if (jobs?.parentNode === main) jobs.after(list, detail);
  else main.append(list, detail);
}

// --- connection ---------------------------------------------------------------------------

async function connect(key) {
  if (!key) return;
  state.rpc?.close();
  clearInterval(state.timer);
  const wsUrl = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws`;
  const rpc = new Rpc(wsUrl, onFlowEvent);
  state.rpc = rpc;
  try {
    await rpc.call("auth.verify", { key });
  } catch {
    return; // app.js says why in the header.
  }
  await refreshList();
  state.timer = setInterval(() => void refreshList(), REFRESH_MS);
  if (state.selected) await select(state.selected);
}

// --- the list -----------------------------------------------------------------------------

async function refreshList() {
  let flows;
  try {
    ({ flows } = await state.rpc.call("flow.list", { limit: LIST_LIMIT }));
  } catch (e) {
    $("flows-message").textContent = e.message;
    return;
  }
  $("flows-message").textContent = flows.length === 0 ? "no flows yet" : "";
  const body = $("flows").tBodies[0];
  body.replaceChildren(
    ...flows.map((f) => {
      const row = el("tr");
      row.dataset.flow = f.id;
      if (f.id === state.selected) row.className = "selected";
      const done = f.nodes.filter((n) => n.state === "finished").length;
      row.append(
        el("td", f.id),
        el("td", f.status, `status ${f.status}`),
        el("td", `${done}/${f.nodes.length} finished`),
        el("td", f.created_at ? new Date(f.created_at).toLocaleString() : ""),
      );
      row.addEventListener("click", () => void select(f.id));
      return row;
    }),
  );
}

// --- one flow -----------------------------------------------------------------------------

/** What a node's box says: a queued node's job status (dispatched, started...), else its state. */
function shownState(node) {
  return node.state === "queued" && node.job ? node.job.status : node.state;
}

async function select(id) {
  const rpc = state.rpc;
  if (state.selected && state.selected !== id)
    rpc.call("flow.unsubscribe", { flow_id: state.selected }).catch(() => {});
  state.selected = id;
  for (const row of $("flows").tBodies[0].rows)
    row.className = row.dataset.flow === id ? "selected" : "";
  let record;
  try {
    record = await rpc.call("flow.status", { flow_id: id });
  } catch (e) {
    $("flows-message").textContent = e.message;
    return;
  }
  if (state.selected !== id) return;
  state.record = record;
  $("flow-detail").hidden = false;
  $("flow-id").textContent = id;
  $("flow-node-info").textContent = "";
  draw(record);
  showStatus(record);
  if (record.status !== "finished" && record.status !== "error")
    await rpc.call("flow.subscribe", { flow_id: id }).catch(() => {});
}

function showStatus(record) {
  $("flow-status").textContent = record.status;
  $("flow-status").className = `status ${record.status}`;
  $("flow-detail").dataset.status = record.status;
  const parts = [`policy ${record.failure_policy}`];
  if (record.started_at) parts.push(`started ${new Date(record.started_at).toLocaleString()}`);
  if (record.finished_at) parts.push(`ended ${new Date(record.finished_at).toLocaleString()}`);
  if (record.expires_at) parts.push(`expires ${new Date(record.expires_at).toLocaleString()}`);
  $("flow-times").textContent = parts.join(" · ");
}

/** Lays the graph out with dagre (left to right, parents first) and draws it as SVG. */
function draw(record) {
  const g = new dagre.graphlib.Graph();
  g.setGraph({ rankdir: "LR", nodesep: 24, ranksep: 56, marginx: 12, marginy: 12 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const n of record.nodes) g.setNode(n.id, { width: NODE_W, height: NODE_H });
  for (const n of record.nodes) for (const dep of n.depends_on) g.setEdge(dep, n.id);
  dagre.layout(g);
  const { width, height } = g.graph();
  const root = $("flow-graph");
  root.setAttribute("viewBox", `0 0 ${width} ${height}`);
  root.setAttribute("width", String(width));
  root.setAttribute("height", String(height));
  const defs = svg("defs");
  const marker = svg("marker", {
    id: "flow-arrow",
    viewBox: "0 0 10 10",
    refX: 10,
    refY: 5,
    markerWidth: 7,
    markerHeight: 7,
    orient: "auto-start-reverse",
  });
  marker.append(svg("path", { d: "M 0 0 L 10 5 L 0 10 z", class: "flow-arrowhead" }));
  defs.append(marker);
  const edges = svg("g", { class: "flow-edges" });
  for (const e of g.edges()) {
    const points = g
      .edge(e)
      .points.map((p) => `${p.x},${p.y}`)
      .join(" ");
    edges.append(
      svg("polyline", {
        points,
        class: "flow-edge",
        "data-from": e.v,
        "data-to": e.w,
        "marker-end": "url(#flow-arrow)",
      }),
    );
  }
  const nodes = svg("g", { class: "flow-nodes" });
  for (const n of record.nodes) {
    const box = g.node(n.id);
    const group = svg("g", {
      class: "flow-node",
      "data-node": n.id,
      "data-runner": n.runner,
      transform: `translate(${box.x - NODE_W / 2},${box.y - NODE_H / 2})`,
    });
    group.append(
      svg("rect", { width: NODE_W, height: NODE_H, rx: 6 }),
      svg("text", { x: 10, y: 19, class: "flow-node-id" }, n.id),
      svg("text", { x: 10, y: 36, class: "flow-node-state" }, ""),
    );
    group.addEventListener("click", () => showNode(n.id));
    nodes.append(group);
  }
  root.replaceChildren(defs, edges, nodes);
  for (const n of record.nodes) paintNode(n.id, shownState(n));
}

/** Shows a node's state on its box: the text under its id, and its colour (flows.css). */
function paintNode(id, shown) {
  const group = $("flow-graph").querySelector(`[data-node="${CSS.escape(id)}"]`);
  if (!group) return;
  group.dataset.state = shown;
  group.setAttribute("class", `flow-node state-${shown}`);
  group.querySelector(".flow-node-state").textContent = `${shown} @${group.dataset.runner}`;
}

function showNode(id) {
  const node = state.record?.nodes.find((n) => n.id === id);
  if (!node) return;
  const lines = [`${node.id} @${node.runner} (job ${node.job_id})`, `state: ${shownState(node)}`];
  if (node.depends_on.length > 0) lines.push(`after: ${node.depends_on.join(", ")}`);
  const job = node.job;
  if (job?.started_at) lines.push(`started: ${job.started_at}`);
  if (job?.finished_at) lines.push(`ended: ${job.finished_at}`);
  if (job?.result?.success !== undefined) lines.push(`output: ${job.result.success}`);
  if (job?.result?.error !== undefined)
    lines.push(`error (${job.error_kind}): ${job.result.error}`);
  $("flow-node-info").textContent = lines.join("\n");
}

function onFlowEvent(event) {
  if (event.flow_id !== state.selected || !state.record) return;
  if (event.type === "status") {
    state.record.status = event.status;
    showStatus(state.record);
  } else if (event.type === "node") {
    const node = state.record.nodes.find((n) => n.id === event.node);
    if (!node) return;
    node.state = event.state;
    if (event.job_status) node.job = { ...(node.job ?? {}), status: event.job_status };
    paintNode(node.id, shownState(node));
  } else if (event.type === "end" && event.record) {
    state.record = event.record;
    showStatus(event.record);
    for (const n of event.record.nodes) paintNode(n.id, shownState(n));
  }
}

// --- wiring -------------------------------------------------------------------------------

addSections();
$("login")?.addEventListener("submit", () => void connect($("api-key").value.trim()));
const saved = sessionStorage.getItem("horus-api-key");
if (saved) void connect(saved);
document.body.dataset.flowsReady = "1";
