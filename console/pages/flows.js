// Flows (#/flows, #/flows/<id>): the newest flows the key reaches (flow.list) with their
// status and node counts, and a chosen flow's graph drawn with dagre (@dagrejs/dagre, served
// from node_modules by the supervisor: never a CDN), each node's box coloured by its state
// and following live through flow.subscribe (flow.event notifications over the console's
// one connection). The list is read again when the supervisor pushes activity (refresh),
// and the chosen flow's row follows its events, so the list and the graph agree. Leaving
// the flow (another flow, another page) unsubscribes. Clicking a node shows its job (a
// link to its page), times, and output or error.
import dagre from "/vendor/@dagrejs/dagre/dist/dagre.esm.js";
import { $, el, idNode, row } from "../lib/dom.js";
import { session } from "../lib/session.js";
import { between, duration, timeNode } from "../lib/time.js";

const LIST_LIMIT = 20;
const NODE_W = 150;
const NODE_H = 46;
const SVG_NS = "http://www.w3.org/2000/svg";
const ENDED = new Set(["finished", "error"]);
/** How far along a flow is: a record further along is the newer one. */
const RANK = { created: 0, started: 1, finished: 2, error: 2 };
const LEGEND = ["pending", "dispatched", "started", "finished", "error", "cancelled"];

/** The flow shown (id, its record as the graph shows it), the node whose facts are open. */
const state = { id: null, record: null, node: null, flows: [] };

const html = `
  <h2>Flows</h2>
  <p class="muted">Signed graphs of jobs (<code>horus flow run</code> / <code>submit</code>,
    or <code>flow.create</code>), newest first. Choose one to see its graph, live.</p>
  <div id="flow-detail" hidden>
    <h3>Flow <code id="flow-id" class="id-full"></code>
      <a href="#/flows" class="muted flow-close">all flows</a></h3>
    <div id="flow-missing" class="message bad" hidden></div>
    <div id="flow-body">
      <div>status: <span id="flow-status" class="status"></span>
        <span id="flow-live" class="muted">(following live)</span></div>
      <div id="flow-times" class="muted"></div>
      <div class="flow-legend muted">${LEGEND.map((s) => `<span class="flow-key state-${s}">${s}</span>`).join("")}</div>
      <div class="flow-graph-wrap"><svg id="flow-graph" role="img"
        aria-label="the flow's graph: parents left of children"></svg></div>
      <div id="flow-node-box" hidden>
        <h3>Node <code id="flow-node-id"></code></h3>
        <dl id="flow-node-info" class="facts"></dl>
      </div>
    </div>
  </div>
  <div class="table-wrap">
    <table id="flows">
      <thead><tr><th>id</th><th>status</th><th>nodes</th><th>created</th></tr></thead>
      <tbody></tbody>
    </table>
  </div>
  <div id="flows-message" class="message muted"></div>`;

function svg(tag, attrs = {}, text) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}

// --- the list -----------------------------------------------------------------------------

async function refreshList() {
  let flows;
  try {
    ({ flows } = await session.call("flow.list", { limit: LIST_LIMIT }));
  } catch (e) {
    $("flows-message").textContent = e.message;
    return;
  }
  state.flows = flows;
  $("flows-message").textContent = flows.length === 0 ? "no flows yet" : "";
  $("flows").tBodies[0].replaceChildren(...flows.map((f) => flowRow(shownInList(f))));
  // The list read a newer state of the flow shown than its events brought: read it again.
  const listed = flows.find((f) => f.id === state.id);
  if (listed && state.record && RANK[listed.status] > RANK[state.record.status])
    await reload(state.id);
}

/** The flow shown is listed as the graph shows it (its events are the newest word). */
function shownInList(f) {
  return f.id === state.id && state.record && RANK[state.record.status] >= RANK[f.status]
    ? state.record
    : f;
}

/** "2/4 finished · 1 queued · 1 pending": each node state's count. */
function nodeCounts(nodes) {
  const counts = new Map();
  for (const n of nodes) counts.set(n.state, (counts.get(n.state) ?? 0) + 1);
  const parts = [`${counts.get("finished") ?? 0}/${nodes.length} finished`];
  for (const s of ["error", "cancelled", "queued", "pending"])
    if (counts.get(s)) parts.push(`${counts.get(s)} ${s}`);
  return parts.join(" · ");
}

function flowRow(f) {
  const status = el("td", f.status, `status ${f.status}`);
  status.dataset.field = "status";
  const nodes = el("td", nodeCounts(f.nodes));
  nodes.dataset.field = "nodes";
  const tr = row([idNode(f.id, `#/flows/${encodeURIComponent(f.id)}`), status, nodes], {
    flow: f.id,
  });
  const created = el("td");
  if (f.created_at) created.append(timeNode(f.created_at));
  tr.append(created);
  if (f.id === state.id) tr.className = "selected";
  tr.addEventListener("click", (e) => {
    if (!(e.target instanceof HTMLAnchorElement)) session.go(`flows/${f.id}`);
  });
  return tr;
}

/** The shown flow's row, brought in step with its graph. */
function updateRow() {
  const old = $("flows").querySelector(`tr[data-flow="${CSS.escape(state.id ?? "")}"]`);
  if (old && state.record) old.replaceWith(flowRow(state.record));
}

// --- one flow -----------------------------------------------------------------------------

/** What a node's box says: a queued node's job status (dispatched, started...), else its state. */
function shownState(node) {
  return node.state === "queued" && node.job ? node.job.status : node.state;
}

async function show(arg) {
  const id = arg || null;
  if (id !== state.id) await unsubscribe();
  for (const tr of $("flows").tBodies[0].rows)
    tr.className = tr.dataset.flow === id ? "selected" : "";
  $("flow-detail").hidden = id === null;
  const listed = refreshList();
  if (id === null) return listed;
  // Subscribed again even to the same flow: after a reconnect the old subscription is gone.
  state.id = id;
  state.node = null;
  $("flow-id").textContent = id;
  $("flow-node-box").hidden = true;
  if (!(await reload(id)) || state.id !== id) return listed;
  if (!ENDED.has(state.record.status)) {
    await session.call("flow.subscribe", { flow_id: id }).catch(() => {});
    // Left meanwhile (another flow, another page): that subscription is not wanted.
    if (state.id !== id) await session.call("flow.unsubscribe", { flow_id: id }).catch(() => {});
  }
  await listed;
}

/** Reads the flow's record and draws it; false when it cannot be read. */
async function reload(id) {
  let record;
  try {
    record = await session.call("flow.status", { flow_id: id });
  } catch (e) {
    if (id !== state.id) return false;
    $("flow-missing").hidden = false;
    $("flow-missing").textContent = e.message;
    $("flow-body").hidden = true;
    return false;
  }
  if (id !== state.id) return false;
  const redraw = state.record?.id !== id;
  state.record = record;
  $("flow-missing").hidden = true;
  $("flow-body").hidden = false;
  if (redraw || $("flow-graph").childElementCount === 0) draw(record);
  else for (const n of record.nodes) paintNode(n.id, shownState(n));
  showStatus(record);
  updateRow();
  if (state.node) showNode(state.node);
  return true;
}

async function unsubscribe() {
  const previous = state.id;
  state.id = null;
  state.record = null;
  state.node = null;
  if (previous) await session.call("flow.unsubscribe", { flow_id: previous }).catch(() => {});
}

function showStatus(record) {
  $("flow-status").textContent = record.status;
  $("flow-status").className = `status ${record.status}`;
  $("flow-detail").dataset.status = record.status;
  $("flow-live").hidden = ENDED.has(record.status);
  const times = $("flow-times");
  times.replaceChildren(`policy ${record.failure_policy}`);
  for (const [label, iso] of [
    ["created", record.created_at],
    ["started", record.started_at],
    ["ended", record.finished_at],
    ["expires", record.expires_at],
  ])
    if (iso) times.append(` · ${label} `, timeNode(iso, true));
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
      tabindex: 0,
      transform: `translate(${box.x - NODE_W / 2},${box.y - NODE_H / 2})`,
    });
    group.append(
      svg("rect", { width: NODE_W, height: NODE_H, rx: 6 }),
      svg("text", { x: 10, y: 19, class: "flow-node-id" }, n.id),
      svg("text", { x: 10, y: 36, class: "flow-node-state" }, ""),
    );
    group.addEventListener("click", () => void openNode(n.id));
    group.addEventListener("keydown", (e) => {
      if (e.key === "Enter" || e.key === " ") void openNode(n.id);
    });
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

/** A node clicked: its facts, from the flow's record read again (its job's times, result). */
async function openNode(id) {
  state.node = id;
  showNode(id);
  if (state.id) await reload(state.id);
}

function fact(name, label, value) {
  const dt = el("dt", label);
  const dd = el("dd");
  dd.dataset.field = name;
  if (value instanceof Node) dd.append(value);
  else dd.textContent = value ?? "–";
  return [dt, dd];
}

function showNode(id) {
  const node = state.record?.nodes.find((n) => n.id === id);
  if (!node) return;
  const job = node.job;
  const at = (iso) => (iso ? timeNode(iso, true) : "–");
  const took = between(job?.started_at, job?.finished_at);
  const facts = [
    fact("job", "job", idNode(node.job_id, `#/job/${encodeURIComponent(node.job_id)}`)),
    fact("runner", "runner", node.runner),
    fact("state", "state", shownState(node)),
    fact("after", "after", node.depends_on.join(", ") || "–"),
    fact("created", "created", at(job?.created_at)),
    fact("started", "started", at(job?.started_at)),
    fact("finished", "finished", at(job?.finished_at)),
    fact("duration", "duration", took === undefined ? "–" : duration(took)),
  ];
  if (job?.result && "success" in job.result)
    facts.push(fact("output", "output", el("pre", job.result.success, "ok")));
  if (job?.result && "error" in job.result)
    facts.push(
      fact("error", `error (${job.error_kind ?? "error"})`, el("pre", job.result.error, "bad")),
    );
  else if (job?.error) facts.push(fact("error", "error", el("pre", job.error, "bad")));
  $("flow-node-id").textContent = node.id;
  $("flow-node-info").replaceChildren(...facts.flat());
  $("flow-node-box").hidden = false;
}

function onFlowEvent(event) {
  if (event.flow_id !== state.id || !state.record) return;
  const record = state.record;
  if (event.type === "status") {
    record.status = event.status;
    showStatus(record);
  } else if (event.type === "node") {
    const node = record.nodes.find((n) => n.id === event.node);
    if (!node) return;
    node.state = event.state;
    if (event.job_status) node.job = { ...(node.job ?? {}), status: event.job_status };
    paintNode(node.id, shownState(node));
    // The node whose facts are open: its job's times and result, read again.
    if (node.id === state.node) void reload(state.id);
  } else if (event.type === "end" && event.record) {
    state.record = event.record;
    showStatus(event.record);
    for (const n of event.record.nodes) paintNode(n.id, shownState(n));
    if (state.node) showNode(state.node);
  } else if (event.type === "end") {
    $("flow-missing").hidden = false;
    $("flow-missing").textContent = `flow ${event.flow_id} is gone (${event.status})`;
    $("flow-live").hidden = true;
  }
  updateRow();
}

export default {
  name: "flows",
  title: "Flows",
  html,
  init() {
    session.flowEventHandlers.add(onFlowEvent);
  },
  show,
  hide: () => void unsubscribe(),
  refresh: () => refreshList(),
};
