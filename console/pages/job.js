// One job (#/job/<id>): its times (created, started, finished, as local time and relative),
// queue wait, duration, attempts, error, instance, runner, who stored it and the result's
// signature, its payload, its logs live (job.subscribe) and its result. Once it has ended
// the page says so: no "following live", no Cancel.
import { $, el, idNode, shortKey } from "../lib/dom.js";
import { session } from "../lib/session.js";
import { between, duration, local, timeNode } from "../lib/time.js";

const ENDED = new Set(["finished", "error", "unknown"]);

const state = { id: null, ended: false };

const html = `
  <h2>Job <code id="detail-id" class="id-full"></code></h2>
  <div id="detail-missing" class="message bad" hidden></div>
  <div id="detail-body">
    <div class="row">
      <div>status: <span id="detail-status" class="status"></span>
        <span id="detail-next" class="muted"></span></div>
      <button id="detail-cancel" type="button">Cancel</button>
    </div>
    <dl id="detail-facts" class="facts"></dl>
    <div id="detail-lifecycle" class="muted"></div>
    <div id="detail-attempts-box" hidden>
      <h3>Attempts</h3>
      <div class="table-wrap">
        <table id="detail-attempts" class="attempts">
          <thead><tr><th>#</th><th>instance</th><th>started</th><th>ended</th><th>outcome</th><th>next run</th></tr></thead>
          <tbody></tbody>
        </table>
      </div>
    </div>
    <h3>Payload</h3>
    <pre id="detail-payload"></pre>
    <h3>Logs <span id="detail-live" class="muted">(following live)</span></h3>
    <pre id="detail-logs"></pre>
    <h3>Result</h3>
    <pre id="detail-result" class="muted">(not yet)</pre>
    <div id="detail-signer" class="muted"></div>
  </div>`;

async function show(id) {
  // Unsubscribe first (the same job too): a new subscription replays the logs from the start.
  await unsubscribe();
  state.id = id;
  state.ended = false;
  $("detail-id").textContent = id;
  $("detail-logs").textContent = "";
  $("detail-payload").textContent = "";
  let got;
  try {
    got = await session.call("jobs.get", { job_id: id });
  } catch (e) {
    if (id !== state.id) return;
    $("detail-missing").hidden = false;
    $("detail-missing").textContent = e.message;
    $("detail-body").hidden = true;
    return;
  }
  if (id !== state.id) return;
  $("detail-missing").hidden = true;
  $("detail-body").hidden = false;
  $("detail-payload").textContent = got.job.payload;
  showDetail(got);
  showResult(got.status);
  // The subscription replays the logs so far, then follows new lines and the end.
  await session.call("job.subscribe", { job_id: id });
}

async function unsubscribe() {
  const previous = state.id;
  state.id = null;
  if (previous) await session.call("job.unsubscribe", { job_id: previous }).catch(() => {});
}

/** The job's record, lifecycle and attempts, read again. */
async function refresh() {
  const id = state.id;
  if (!id) return;
  const got = await session.call("jobs.get", { job_id: id });
  if (id === state.id) showDetail(got);
}

function fact(name, label, value) {
  const dt = el("dt", label);
  const dd = el("dd");
  dd.dataset.field = name;
  if (value instanceof Node) dd.append(value);
  else dd.textContent = value ?? "–";
  return [dt, dd];
}

/** What jobs.get says of a job beyond its payload, logs and result. */
function showDetail({ job, status, history }) {
  showStatus(status.status, status.next_run_at);
  // Queue wait: from when it could run (run_at, else created_at) to its first start.
  const firstStart = history[0]?.started_at ?? status.started_at;
  const wait = firstStart ? between(job.run_at ?? job.created_at, firstStart) : undefined;
  const took = status.finished_at ? between(status.started_at, status.finished_at) : undefined;
  const max = job.max_attempts ?? 1;
  const facts = [
    fact("runner", "runner", idNode(status.runner, `#/jobs/runner=${status.runner}`)),
    fact("instance", "instance", status.runner_instance ? idNode(status.runner_instance) : "–"),
    fact("created", "created", timeNode(job.created_at, true)),
    fact("started", "started", status.started_at ? timeNode(status.started_at, true) : "–"),
    fact("finished", "finished", status.finished_at ? timeNode(status.finished_at, true) : "–"),
    fact("queue_wait", "queue wait", wait === undefined ? "–" : duration(wait)),
    fact(
      "duration",
      history.length > 1 ? "duration (last attempt)" : "duration",
      took === undefined ? "–" : duration(took),
    ),
    fact("attempts", "attempts", `${status.attempts} of ${max}`),
    fact("error_kind", "error kind", status.error_kind ?? "–"),
    fact("submitted_by", "stored by", status.submitted_by_name ?? status.submitted_by ?? "–"),
    fact(
      "result_signature",
      "result signature",
      status.result_signature ? idNode(status.result_signature) : "–",
    ),
  ];
  $("detail-facts").replaceChildren(...facts.flat());
  const parts = [];
  if (job.max_attempts !== undefined)
    parts.push(`attempts ${status.attempts} of ${job.max_attempts}`);
  if (job.backoff) parts.push(`backoff ${describeBackoff(job.backoff)}`);
  if (job.run_at !== undefined) parts.push(`run at ${local(job.run_at)}`);
  if (job.priority !== undefined) parts.push(`priority ${job.priority}`);
  $("detail-lifecycle").textContent = parts.join(" · ");
  $("detail-attempts-box").hidden = history.length === 0;
  showAttempts($("detail-attempts"), history);
}

function describeBackoff(b) {
  const max = b.max_delay_ms === undefined ? "" : `, at most ${b.max_delay_ms} ms`;
  return `${b.type} ${b.delay_ms} ms${max}`;
}

/** One row per attempt: who ran it, when, how it ended, when the next was due. */
export function showAttempts(table, attempts) {
  table.tBodies[0].replaceChildren(
    ...attempts.map((a) => {
      const tr = el("tr");
      tr.dataset.attempt = String(a.attempt);
      const outcome =
        a.status === "finished" ? "finished" : `${a.error_kind ?? "error"}: ${a.error ?? ""}`;
      const at = (iso) => {
        const td = el("td");
        if (iso) td.append(timeNode(iso, true));
        return td;
      };
      const instance = el("td");
      instance.append(idNode(a.instance));
      tr.append(
        el("td", String(a.attempt)),
        instance,
        at(a.started_at),
        at(a.ended_at),
        el("td", outcome, a.status === "finished" ? "ok" : "bad"),
        at(a.next_run_at),
      );
      return tr;
    }),
  );
}

function showStatus(status, nextRunAt) {
  $("detail-status").textContent = status;
  $("detail-status").className = `status ${status}`;
  const next = $("detail-next");
  next.replaceChildren();
  if (status === "scheduled" && nextRunAt) {
    next.append("next run ", timeNode(nextRunAt));
    next.dataset.at = nextRunAt;
  } else delete next.dataset.at;
  showEnded(ENDED.has(status));
}

/** An ended job: nothing more to follow, nothing to cancel. */
function showEnded(ended) {
  state.ended = ended;
  $("detail-live").hidden = ended;
  $("detail-cancel").disabled = ended;
  $("detail-cancel").hidden = ended;
}

function showResult(record) {
  const node = $("detail-result");
  showSigner(record);
  if (!record.result) {
    node.textContent = "(not yet)";
    node.className = "muted";
    return;
  }
  node.textContent =
    "success" in record.result ? record.result.success : `error: ${record.result.error}`;
  node.className = "success" in record.result ? "ok" : "bad";
}

/**
 * Who signed the result, as the runner recorded it. The supervisor passes the signature on
 * without judging it: whether that key is one you trust is for `horus result --runner-keys`
 * (or you) to check against the keys the runners were given.
 */
function showSigner(record) {
  const node = $("detail-signer");
  const signer = record.result_signer;
  if (typeof signer === "string" && signer) {
    node.textContent = `result signed by ${shortKey(signer)}`;
    node.title = signer;
    node.className = "ok";
  } else {
    node.textContent = record.result ? "result not signed" : "";
    node.title = "";
    node.className = "muted";
  }
}

function onJobEvent(event) {
  if (event.job_id !== state.id) return;
  if (event.type === "log") {
    $("detail-logs").textContent += `${event.line}\n`;
  } else if (event.type === "status") {
    showStatus(event.status);
    // A new attempt, a retry's due time: read the record and the attempts again.
    void refresh().catch(() => {});
  } else if (event.type === "end") {
    showStatus(event.status);
    if (event.record) showResult(event.record);
    void refresh().catch(() => {});
  }
}

export default {
  name: "job",
  title: "Job",
  nav: false,
  navAs: "jobs",
  html,
  init() {
    session.jobEventHandlers.add(onJobEvent);
    $("detail-cancel").addEventListener("click", () => {
      if (state.id && !state.ended)
        session.call("job.cancel", { job_id: state.id }).catch((e) => alert(e.message));
    });
  },
  show,
  hide: () => void unsubscribe(),
  refresh,
};
