// Every job of the namespace (jobs.index: the job index, however the jobs were submitted;
// a user key sees those it stored), newest first, with the counts per state, filtered by
// runner, status and age, paged by cursor.
import { $, cell, el, fillRunnerSelect, idNode, row } from "../lib/dom.js";
import { session } from "../lib/session.js";
import { between, duration, timeNode } from "../lib/time.js";

const PAGE = 25;
/** The counts shown, and the status filter each one sets (dead letters have a page). */
const COUNTS = [
  ["queued", "dispatched"],
  ["scheduled", "scheduled"],
  ["running", "started"],
  ["finished", "finished"],
  ["error", "error"],
  ["dead", null],
];

/** Cursors of the pages before this one (the first page has none), and this one's. */
const paging = { before: [], at: undefined, next: undefined, listings: 0 };

const html = `
  <h2>Jobs</h2>
  <div id="job-counts" class="counts"></div>
  <div class="row">
    <label>Runner <select id="filter-runner"><option value="">any</option></select></label>
    <label>Status
      <select id="filter-status">
        <option value="">any</option>
        <option>created</option><option>scheduled</option><option>dispatched</option>
        <option>started</option><option>finished</option><option>error</option>
      </select></label>
    <label>Since
      <select id="filter-since">
        <option value="">any time</option>
        <option value="900">15 min ago</option>
        <option value="3600">1 h ago</option>
        <option value="86400">24 h ago</option>
        <option value="604800">7 days ago</option>
      </select></label>
    <form id="open-job" class="inline-form"><label>Open a job by id
      <input id="open-job-id" autocomplete="off" spellcheck="false"></label></form>
  </div>
  <p id="jobs-scope" class="muted" hidden>Your API key lists the jobs it stored; an admin key
    lists every job. The counts are of every job.</p>
  <div class="table-wrap">
    <table id="jobs">
      <thead><tr><th>id</th><th>runner</th><th>status</th><th>created</th>
        <th>duration</th><th>attempts</th><th>error</th></tr></thead>
      <tbody></tbody>
    </table>
  </div>
  <div class="row pager"><button id="jobs-prev" type="button">◀</button>
    <span id="jobs-page" class="muted"></span>
    <button id="jobs-next" type="button">▶</button></div>`;

function filters() {
  const params = { limit: PAGE };
  if ($("filter-runner").value) params.runner = $("filter-runner").value;
  if ($("filter-status").value) params.status = $("filter-status").value;
  const since = Number($("filter-since").value);
  if (since) params.since = new Date(Date.now() - since * 1000).toISOString();
  return params;
}

function restart() {
  paging.before = [];
  paging.at = undefined;
  void refresh();
}

async function refresh() {
  fillRunnerSelect(
    $("filter-runner"),
    session.runners.map((r) => r.name),
    true,
  );
  $("jobs-scope").hidden = session.admin;
  const params = filters();
  if (paging.at !== undefined) params.after = paging.at;
  // A listing asked for earlier (other filters) may answer later: only the newest counts.
  const asked = ++paging.listings;
  const page = await session.call("jobs.index", params);
  if (asked !== paging.listings) return;
  paging.next = page.next;
  showCounts(page.counts);
  $("jobs").tBodies[0].replaceChildren(...page.jobs.map(jobRow));
  const first = paging.before.length * PAGE;
  $("jobs-page").textContent = page.jobs.length
    ? `${first + 1}–${first + page.jobs.length}${page.next ? " of more" : ""}`
    : "no jobs";
  $("jobs-prev").disabled = paging.before.length === 0;
  $("jobs-next").disabled = !page.next;
}

function jobRow(j) {
  const tr = row(
    [
      idNode(j.id, `#/job/${encodeURIComponent(j.id)}`),
      idNode(j.runner),
      cell("status", j.status, `status ${j.status}`),
      timeNode(j.created_at ?? j.stored_at),
      cell("duration", j.finished_at ? duration(between(j.started_at, j.finished_at)) : ""),
      cell("attempts", String(j.attempts)),
      cell("error_kind", j.error_kind ?? "", "bad"),
    ],
    { job: j.id },
  );
  tr.addEventListener("click", (e) => {
    if (e.target.closest("a")) return;
    session.go(`job/${encodeURIComponent(j.id)}`);
  });
  return tr;
}

function showCounts(counts) {
  $("job-counts").replaceChildren(
    ...COUNTS.map(([name, status]) => {
      const chip = el("button", undefined, `count ${name}`);
      chip.type = "button";
      chip.dataset.count = name;
      chip.append(el("span", String(counts[name]), "n"), el("span", ` ${name}`));
      chip.addEventListener("click", () => {
        if (status === null) return session.go("dead");
        $("filter-status").value = status;
        restart();
      });
      return chip;
    }),
  );
}

export default {
  name: "jobs",
  title: "Jobs",
  html,
  init() {
    for (const id of ["filter-runner", "filter-status", "filter-since"])
      $(id).addEventListener("change", restart);
    $("jobs-prev").addEventListener("click", () => {
      paging.at = paging.before.pop();
      void refresh();
    });
    $("jobs-next").addEventListener("click", () => {
      if (!paging.next) return;
      paging.before.push(paging.at);
      paging.at = paging.next;
      void refresh();
    });
    $("open-job").addEventListener("submit", (e) => {
      e.preventDefault();
      const id = $("open-job-id").value.trim();
      if (id) session.go(`job/${encodeURIComponent(id)}`);
    });
  },
  /** `#/jobs/runner=R&status=S` sets the filters. */
  show(arg) {
    const given = new URLSearchParams(arg);
    if (given.has("runner")) {
      fillRunnerSelect(
        $("filter-runner"),
        session.runners.map((r) => r.name),
        true,
      );
      $("filter-runner").value = given.get("runner");
    }
    if (given.has("status")) $("filter-status").value = given.get("status");
    if (arg) {
      paging.before = [];
      paging.at = undefined;
    }
    return refresh();
  },
  refresh,
};
