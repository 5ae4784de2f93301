// The supervisor's web console. It speaks the same JSON-RPC API as every other client, over
// one WebSocket: auth.verify with the key authenticates the connection, events.subscribe
// pushes a notice when jobs change state (the page shown refreshes then, at most once a
// second), job.subscribe streams a job's status and log lines, flow.subscribe a flow's node
// states. Jobs and schedules are signed here (signing.js, over the project's own canonical
// form), and so are the retries of dead letters; the private key lives in local storage and
// is never sent.
//
// Each page is a module of pages/ whose default export is
//   { name, title, html, nav?, navAs?, init?(section), show?(arg), refresh?(reason), hide?() }
// name: its address (#/<name>, #/<name>/<arg>); html: its markup, put in a <section> once;
// nav: false keeps it out of the navigation (reached by links; navAs: the tab it lights);
// show: when it is routed to, and again after a reconnect (its subscriptions are gone);
// refresh: when the supervisor pushes activity or the timer fires, while it is shown
// ("activity", "timer"); hide: when another page is shown. Pages share lib/session.js (the
// connection, who is connected, the runners, the handlers of job.event and flow.event
// notifications). A page is added by importing it here and listing it in PAGES.
import { $, el } from "./lib/dom.js";
import { Rpc } from "./lib/rpc.js";
import { session } from "./lib/session.js";
import admin from "./pages/admin.js";
import dead from "./pages/dead.js";
import flows from "./pages/flows.js";
import job from "./pages/job.js";
import jobs from "./pages/jobs.js";
import overview from "./pages/overview.js";
import schedules from "./pages/schedules.js";
import submit from "./pages/submit.js";

/** In the order of the navigation; `nav: false` pages are reached by links only. */
const PAGES = [overview, jobs, job, flows, submit, schedules, dead, admin];
/** What the page shown is refreshed by when nothing is pushed (heartbeats, queue ages). */
const REFRESH_MS = 5000;
/** No page refreshes more often than this, however much is pushed. */
const MIN_REFRESH_MS = 1000;

const view = { page: null, arg: "", timer: null, lastRefresh: 0, refreshing: null, again: false };
/** After a lost connection: the next try's delay (doubling, at most 30 s), and its timer. */
const reconnect = { delayMs: 1000, timer: null };

function build() {
  const nav = $("nav");
  const main = $("pages");
  for (const page of PAGES) {
    const section = el("section", undefined, "page");
    section.id = `page-${page.name}`;
    section.hidden = true;
    section.innerHTML = page.html;
    main.append(section);
    page.init?.(section);
    if (page.nav === false) continue;
    const link = el("a", page.title);
    link.href = `#/${page.name}`;
    link.dataset.page = page.name;
    nav.append(link);
  }
}

/** Shows the page the location's hash names (#/jobs, #/job/<id>; the overview by default). */
function route() {
  const path = location.hash.replace(/^#\/?/, "");
  const slash = path.indexOf("/");
  const name = slash < 0 ? path : path.slice(0, slash);
  const arg = slash < 0 ? "" : decodeURIComponent(path.slice(slash + 1));
  const page = PAGES.find((p) => p.name === name) ?? overview;
  if (view.page && view.page !== page) {
    view.page.hide?.();
    $(`page-${view.page.name}`).hidden = true;
  }
  view.page = page;
  view.arg = arg;
  $(`page-${page.name}`).hidden = false;
  for (const a of $("nav").querySelectorAll("a"))
    a.classList.toggle("current", a.dataset.page === (page.navAs ?? page.name));
  document.title = `${page.title} · Horus supervisor`;
  if (session.rpc) void Promise.resolve(page.show?.(arg)).catch(showError);
}

function showError(e) {
  console.warn(e);
}

/**
 * Refreshes the page shown: once at a time, at most once a second; asked again meanwhile,
 * it refreshes once more when it may.
 */
function refresh(reason) {
  if (!session.rpc || !view.page) return;
  if (view.refreshing) {
    view.again = true;
    return;
  }
  const wait = Math.max(0, view.lastRefresh + MIN_REFRESH_MS - Date.now());
  view.refreshing = new Promise((r) => setTimeout(r, wait))
    .then(async () => {
      view.lastRefresh = Date.now();
      const { runners } = await session.call("list_runners");
      session.runners = runners;
      await view.page.refresh?.(reason);
    })
    .catch(showError)
    .finally(() => {
      view.refreshing = null;
      if (view.again) {
        view.again = false;
        refresh(reason);
      }
    });
}

function onNotice(method, params) {
  if (method === "job.event") for (const h of session.jobEventHandlers) h(params);
  else if (method === "flow.event") for (const h of session.flowEventHandlers) h(params);
  else if (method === "events.activity") refresh("activity");
}

/**
 * Connects with the key typed. A connection that had been accepted and is lost (the
 * supervisor restarted, the network dropped) is tried again, 1 s later, then 2 s, 4 s, ...
 * at most 30 s apart; a refused key is not.
 */
async function connect(event) {
  event?.preventDefault();
  const key = $("api-key").value.trim();
  if (!key) return;
  if (event) reconnect.delayMs = 1000;
  clearTimeout(reconnect.timer);
  session.rpc?.close();
  clearInterval(view.timer);
  const wsUrl = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws`;
  const rpc = new Rpc(wsUrl, onNotice, () => {
    if (session.rpc !== rpc) return;
    clearInterval(view.timer);
    $("connection").textContent = `disconnected; trying again in ${reconnect.delayMs / 1000} s`;
    $("connection").className = "bad";
    reconnect.timer = setTimeout(() => void connect(), reconnect.delayMs);
    reconnect.delayMs = Math.min(30_000, reconnect.delayMs * 2);
  });
  session.rpc = rpc;
  try {
    const who = await rpc.call("auth.verify", { key });
    reconnect.delayMs = 1000;
    session.who = who;
    sessionStorage.setItem("horus-api-key", key);
    $("connection").textContent = `connected as ${who.name} (${who.scope})`;
    $("connection").className = "ok";
    document.body.dataset.scope = who.scope;
  } catch (e) {
    // A refused key: no more tries. A connection that failed: the close above retries.
    if (e.code !== undefined) {
      $("connection").textContent = `refused: ${e.message}`;
      $("connection").className = "bad";
    }
    return;
  }
  await rpc.call("events.subscribe").catch(showError);
  session.runners = (await rpc.call("list_runners")).runners;
  route();
  view.timer = setInterval(() => refresh("timer"), REFRESH_MS);
}

build();
$("login").addEventListener("submit", (e) => void connect(e));
window.addEventListener("hashchange", route);
$("api-key").value = sessionStorage.getItem("horus-api-key") ?? "";
route();
if ($("api-key").value) void connect();
document.body.dataset.ready = "1";
