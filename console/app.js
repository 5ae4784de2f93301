// The supervisor's web console. It speaks the same JSON-RPC API as every other client, over
// one WebSocket: auth.verify with the key authenticates the connection, job.subscribe
// streams a job's status and log lines. Jobs are signed here (signing.js, over the project's own
// canonical form), and so are the retries of dead letters; the private key lives in local
// storage and is never sent.
import { generatePrivateKey, publicKeyOf, signJob } from "/console/signing.js";

const $ = (id) => document.getElementById(id);
const REFRESH_MS = 2000;
const PAGE = 20;

/** JSON-RPC over a WebSocket: call() returns a promise; notifications go to onEvent. */
class Rpc {
  constructor(url, onEvent, onClose) {
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
      if (msg.method === "job.event") return onEvent(msg.params);
      const waiter = this.pending.get(msg.id);
      if (!waiter) return;
      this.pending.delete(msg.id);
      if (msg.error)
        waiter.reject(Object.assign(new Error(msg.error.message), { code: msg.error.code }));
      else waiter.resolve(msg.result);
    });
    this.socket.addEventListener("close", () => {
      for (const w of this.pending.values()) w.reject(new Error("connection closed"));
      this.pending.clear();
      onClose();
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

const state = {
  rpc: null,
  timer: null,
  offset: 0,
  selected: null,
  runners: [],
  listings: 0,
  // The dead letters page: its offset, the letter shown, and which listing is the newest.
  dead: { offset: 0, selected: null, runner: "", listings: 0 },
};

function el(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (className) node.className = className;
  return node;
}

/** A public key short enough to read at a glance; the whole key goes in the tooltip. */
function shortKey(hex) {
  return hex.length > 16 ? `${hex.slice(0, 10)}…${hex.slice(-6)}` : hex;
}

function setMessage(id, text, ok) {
  const node = $(id);
  node.textContent = text;
  node.className = `message ${ok ? "ok" : "bad"}`;
}

// --- connection ---------------------------------------------------------------------------

async function connect(event) {
  event?.preventDefault();
  const key = $("api-key").value.trim();
  if (!key) return;
  state.rpc?.close();
  clearInterval(state.timer);
  const wsUrl = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws`;
  const rpc = new Rpc(wsUrl, onJobEvent, () => {
    if (state.rpc === rpc) $("connection").textContent = "disconnected";
  });
  state.rpc = rpc;
  try {
    const who = await rpc.call("auth.verify", { key });
    sessionStorage.setItem("horus-api-key", key);
    $("connection").textContent = `connected as ${who.name} (${who.scope})`;
    $("connection").className = "ok";
  } catch (e) {
    $("connection").textContent = `refused: ${e.message}`;
    $("connection").className = "bad";
    return;
  }
  await refresh();
  state.timer = setInterval(() => void refresh(), REFRESH_MS);
}

async function refresh() {
  // The dead letters are listed per runner: after the runners, which fill its choice.
  await Promise.all([refreshRunners().then(refreshDead), refreshJobs()]).catch(() => {});
}

// --- runners ------------------------------------------------------------------------------

async function refreshRunners() {
  const { runners } = await state.rpc.call("list_runners");
  state.runners = runners;
  const body = $("runners").tBodies[0];
  body.replaceChildren(
    ...runners.map((r) => {
      const row = el("tr");
      row.dataset.runner = r.name;
      row.append(
        el("td", r.name),
        el("td", r.registered ? "yes" : "no"),
        el("td", String(r.queue_length)),
      );
      const cell = el("td");
      if (r.instances.length === 0) cell.append(el("span", "offline", "bad"));
      for (const i of r.instances) {
        const line = el(
          "div",
          `${i.host} pid ${i.pid} · ${i.kind} ${i.version} · running ${i.jobs_running}/${i.concurrency} · done ${i.jobs_done}`,
          "instance",
        );
        // The key the instance signs results with, when it signs them.
        if (typeof i.public_key === "string" && i.public_key) {
          const key = el("span", ` · signs as ${shortKey(i.public_key)}`, "signer");
          key.title = i.public_key;
          line.append(key);
        }
        cell.append(line);
      }
      row.append(cell);
      return row;
    }),
  );
  fillRunnerSelect(
    $("job-runner"),
    runners.filter((r) => r.registered),
    false,
  );
  fillRunnerSelect($("filter-runner"), runners, true);
  fillRunnerSelect($("dead-runner"), runners, false);
}

function fillRunnerSelect(select, runners, withAny) {
  const current = select.value;
  const names = runners.map((r) => r.name);
  const wanted = [...(withAny ? [""] : []), ...names];
  if ([...select.options].map((o) => o.value).join("\n") === wanted.join("\n")) return;
  select.replaceChildren(
    ...wanted.map((n) => Object.assign(el("option", n || "any"), { value: n })),
  );
  if (wanted.includes(current)) select.value = current;
}

// --- jobs ---------------------------------------------------------------------------------

async function refreshJobs() {
  const params = { offset: state.offset, limit: PAGE };
  if ($("filter-status").value) params.status = $("filter-status").value;
  if ($("filter-runner").value) params.runner = $("filter-runner").value;
  if ($("filter-search").value.trim()) params.search = $("filter-search").value.trim();
  // A listing asked for earlier (other filters) may answer later: only the newest counts.
  const asked = ++state.listings;
  const page = await state.rpc.call("jobs.list", params);
  if (asked !== state.listings) return;
  $("jobs").tBodies[0].replaceChildren(
    ...page.jobs.map((j) => {
      const row = el("tr");
      row.dataset.job = j.id;
      if (j.id === state.selected) row.classList.add("selected");
      row.append(
        el("td", j.id),
        el("td", j.runner ?? ""),
        el("td", j.status ?? "", `status ${j.status}`),
        el("td", j.created_at ?? ""),
      );
      row.addEventListener("click", () => void showJob(j.id));
      return row;
    }),
  );
  $("jobs-page").textContent = page.jobs.length
    ? `${page.offset + 1}–${page.offset + page.jobs.length}${page.has_more ? " of more" : ""}`
    : "no jobs";
  $("jobs-prev").disabled = page.offset === 0;
  $("jobs-next").disabled = !page.has_more;
}

async function showJob(id) {
  // Unsubscribe first (the same job too): a new subscription replays the logs from the start.
  const previous = state.selected;
  state.selected = id;
  if (previous) await state.rpc.call("job.unsubscribe", { job_id: previous }).catch(() => {});
  const got = await state.rpc.call("jobs.get", { job_id: id });
  $("job-detail").hidden = false;
  $("detail-id").textContent = id;
  $("detail-payload").textContent = got.job.payload;
  $("detail-logs").textContent = "";
  showDetail(got);
  showResult(got.status);
  // The subscription replays the logs so far, then follows new lines and the end.
  await state.rpc.call("job.subscribe", { job_id: id });
}

/** The selected job's status, its lifecycle and its attempts, read again. */
async function refreshDetail() {
  const id = state.selected;
  if (!id) return;
  const got = await state.rpc.call("jobs.get", { job_id: id });
  if (id === state.selected) showDetail(got);
}

/** What jobs.get says of a job beyond its payload, logs and result. */
function showDetail({ job, status, history }) {
  showStatus(status.status, status.next_run_at);
  const parts = [];
  if (job.max_attempts !== undefined)
    parts.push(`attempts ${status.attempts} of ${job.max_attempts}`);
  if (job.backoff) parts.push(`backoff ${describeBackoff(job.backoff)}`);
  if (job.run_at !== undefined) parts.push(`run at ${job.run_at}`);
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
function showAttempts(table, attempts) {
  table.tBodies[0].replaceChildren(
    ...attempts.map((a) => {
      const row = el("tr");
      row.dataset.attempt = String(a.attempt);
      const outcome =
        a.status === "finished" ? "finished" : `${a.error_kind ?? "error"}: ${a.error ?? ""}`;
      row.append(
        el("td", String(a.attempt)),
        el("td", a.instance),
        el("td", a.started_at ?? ""),
        el("td", a.ended_at),
        el("td", outcome, a.status === "finished" ? "ok" : "bad"),
        el("td", a.next_run_at ?? ""),
      );
      return row;
    }),
  );
}

function showStatus(status, nextRunAt) {
  $("detail-status").textContent = status;
  $("detail-status").className = `status ${status}`;
  $("detail-next").textContent =
    status === "scheduled" && nextRunAt ? `next run at ${nextRunAt}` : "";
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
  if (event.job_id !== state.selected) return;
  if (event.type === "log") {
    $("detail-logs").textContent += `${event.line}\n`;
  } else if (event.type === "status") {
    showStatus(event.status);
    // A new attempt, a retry's due time: read the record and the attempts again.
    void refreshDetail().catch(() => {});
  } else if (event.type === "end") {
    showStatus(event.status);
    if (event.record) showResult(event.record);
    void refreshDetail().catch(() => {});
    void refresh(); // the list and the runner's counters changed too
  }
}

// --- dead letters ------------------------------------------------------------------------

async function refreshDead() {
  const runner = $("dead-runner").value;
  if (runner !== state.dead.runner) {
    state.dead.runner = runner;
    state.dead.offset = 0;
  }
  const body = $("dead").tBodies[0];
  if (!runner) {
    body.replaceChildren();
    $("dead-page").textContent = "no runner";
    return;
  }
  const asked = ++state.dead.listings;
  const page = await state.rpc.call("dead.list", {
    runner,
    offset: state.dead.offset,
    limit: PAGE,
  });
  if (asked !== state.dead.listings) return;
  body.replaceChildren(
    ...page.letters.map(({ id, died_at, record }) => {
      const row = el("tr");
      row.dataset.dead = id;
      if (id === state.dead.selected) row.classList.add("selected");
      const error = `${record.error_kind ?? "error"}: ${record.error ?? ""}`;
      row.append(
        el("td", id),
        el("td", died_at),
        el("td", String(record.attempts)),
        el("td", error.length > 120 ? `${error.slice(0, 119)}…` : error, "bad"),
      );
      row.addEventListener("click", () => void showDead(id));
      return row;
    }),
  );
  // An admin key learns how many letters there are; a user key, whether there are more.
  const of = page.total !== undefined ? ` of ${page.total}` : page.has_more ? " of more" : "";
  $("dead-page").textContent = page.letters.length
    ? `${page.offset + 1}–${page.offset + page.letters.length}${of}`
    : "no dead letters";
  $("dead-prev").disabled = page.offset === 0;
  $("dead-next").disabled = !page.has_more;
  $("dead-purge-all").disabled = page.letters.length === 0;
}

/** A dead letter: its record, its attempts, and what a retry needs. */
async function showDead(id) {
  state.dead.selected = id;
  const detail = await state.rpc.call("dead.show", { job_id: id });
  if (id !== state.dead.selected) return;
  state.dead.detail = detail;
  for (const row of $("dead").tBodies[0].rows)
    row.classList.toggle("selected", row.dataset.dead === id);
  const r = detail.record;
  $("dead-detail").hidden = false;
  $("dead-id").textContent = id;
  $("dead-summary").textContent = [
    detail.dead ? `dead letter of runner ${r.runner}` : `no dead letter (now ${r.status})`,
    `${r.attempts} attempt(s)`,
    r.finished_at ? `ended ${r.finished_at}` : "",
  ]
    .filter(Boolean)
    .join(" · ");
  $("dead-error").textContent = `${r.error_kind ?? "error"}: ${r.error ?? ""}`;
  $("dead-attempts-box").hidden = detail.attempts.length === 0;
  showAttempts($("dead-attempts"), detail.attempts);
  // Values the API key may not see: the signer types the original ones.
  const hidden = detail.redacted_env_vars ?? [];
  $("dead-env").hidden = hidden.length === 0;
  $("dead-env-fields").replaceChildren(
    ...hidden.map((name) => {
      const label = el("label", name);
      const input = el("input");
      input.dataset.env = name;
      input.autocomplete = "off";
      input.spellcheck = false;
      label.append(input);
      return label;
    }),
  );
  $("dead-retry").disabled = !detail.retry_job;
  $("dead-purge").disabled = !detail.dead;
  // A letter changed in Redis since it was signed: its work is not signed again.
  setMessage("dead-message", detail.retry_refused ?? "", !detail.retry_refused);
}

/**
 * Runs the letter shown again: its retry (dead.show's retry_job, asked for again so its id
 * and time are fresh), with any hidden env values typed in, signed here and handed to
 * dead.retry. The supervisor checks it is exactly the letter's retry.
 */
async function retryDead() {
  const id = state.dead.selected;
  try {
    const secret = $("sign-key").value.trim();
    if (!secret) throw new Error("a signing key is needed: paste one or press Generate above");
    const detail = await state.rpc.call("dead.show", { job_id: id });
    if (detail.retry_refused) throw new Error(detail.retry_refused);
    if (!detail.dead || !detail.retry_job) throw new Error(`job ${id} is no dead letter now`);
    const env = { ...detail.retry_job.env_vars };
    for (const name of detail.redacted_env_vars ?? []) {
      const input = [...$("dead-env-fields").querySelectorAll("input")].find(
        (i) => i.dataset.env === name,
      );
      if (!input?.value) throw new Error(`type the value of ${name}: your API key may not see it`);
      env[name] = input.value;
    }
    const job = signJob({ ...detail.retry_job, env_vars: env }, secret);
    const { job_id } = await state.rpc.call("dead.retry", { job_id: id, job });
    await showDead(id);
    setMessage("dead-message", `retried as ${job_id}`, true);
    await Promise.all([refreshDead(), refreshJobs()]);
  } catch (e) {
    setMessage("dead-message", e.message, false);
  }
}

/** Purges the letters named (or all the key reaches on the runner), once confirmed. */
async function purgeDead(runner, ids) {
  const what = ids
    ? `dead letter ${ids[0]}`
    : `every dead letter of runner ${runner} that your key reaches`;
  if (!confirm(`Purge ${what}? The job, its logs and result are deleted; it never runs again.`))
    return;
  try {
    const { purged } = await state.rpc.call("dead.purge", {
      runner,
      ...(ids ? { job_ids: ids } : {}),
    });
    if (!ids || ids.includes(state.dead.selected)) {
      state.dead.selected = null;
      $("dead-detail").hidden = true;
    }
    setMessage("dead-list-message", `${purged} dead letter(s) purged`, true);
    await refreshDead();
  } catch (e) {
    setMessage("dead-list-message", e.message, false);
  }
}

// --- signing and submitting ---------------------------------------------------------------

function showPublicKey() {
  const secret = $("sign-key").value.trim();
  try {
    $("sign-pub").textContent = secret ? publicKeyOf(secret) : "–";
    if (secret) localStorage.setItem("horus-signing-key", secret);
  } catch (e) {
    $("sign-pub").textContent = e.message;
  }
}

function parseEnv(text) {
  const env = {};
  for (const line of text
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean)) {
    const eq = line.indexOf("=");
    if (eq <= 0) throw new Error(`environment line "${line}" is not KEY=VALUE`);
    env[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return env;
}

/** A whole number from a field, or undefined when it is empty. */
function wholeNumber(id, what) {
  const text = $(id).value.trim();
  if (text === "") return undefined;
  const n = Number(text);
  if (!Number.isSafeInteger(n)) throw new Error(`${what}: expected a whole number, got "${text}"`);
  return n;
}

/**
 * The lifecycle fields the form asks for (docs/protocol.md): each only when set, as `horus
 * submit` does, so a job without them signs the same bytes as before they existed. Their
 * ranges are the job schema's to check (the supervisor answers with the field named).
 */
function lifecycleFields(now) {
  const fields = {};
  const attempts = wholeNumber("job-attempts", "attempts");
  const delayMs = wholeNumber("job-backoff", "backoff");
  const maxMs = wholeNumber("job-backoff-max", "max backoff");
  if (attempts !== undefined) fields.max_attempts = attempts;
  if (delayMs !== undefined || maxMs !== undefined) {
    if (attempts === undefined)
      throw new Error("a backoff applies between attempts: give the attempts too");
    if (delayMs === undefined) throw new Error("a max backoff needs a backoff");
    fields.backoff = { type: $("job-backoff-type").value, delay_ms: delayMs };
    if (maxMs !== undefined) fields.backoff.max_delay_ms = maxMs;
  }
  const delay = $("job-delay").value.trim();
  const at = $("job-at").value;
  if (delay !== "" && at !== "") throw new Error("a delay and a time both say when: give one");
  if (delay !== "") {
    const seconds = Number(delay);
    if (!Number.isFinite(seconds) || seconds < 0)
      throw new Error(`delay: expected seconds, got "${delay}"`);
    fields.run_at = new Date(now.getTime() + seconds * 1000).toISOString();
  }
  if (at !== "") {
    // datetime-local is the browser's local time, without a zone; Date reads it as such.
    const when = new Date(at);
    if (Number.isNaN(when.getTime())) throw new Error(`at: not a time: "${at}"`);
    fields.run_at = when.toISOString();
  }
  if ($("job-priority").value !== "") fields.priority = Number($("job-priority").value);
  return fields;
}

async function submit() {
  try {
    const secret = $("sign-key").value.trim();
    if (!secret) throw new Error("a signing key is needed: paste one or press Generate");
    const runner = $("job-runner").value;
    if (!runner) throw new Error("choose a registered runner");
    const now = new Date();
    const stamp = now.toISOString();
    // Every field of the wire format, so the signature covers what the server stores.
    const job = signJob(
      {
        id: crypto.randomUUID(),
        caller_id: "console",
        context_id: "",
        payload: $("job-payload").value,
        runner,
        executor: $("job-executor").value.trim(),
        timeout: Number($("job-timeout").value) || 60,
        env_vars: parseEnv($("job-env").value),
        created_at: stamp,
        updated_at: stamp,
        signatures: [],
        ...lifecycleFields(now),
      },
      secret,
    );
    await state.rpc.call("jobs.create", { job });
    await state.rpc.call("job.start", { job_id: job.id });
    setMessage("submit-message", `submitted ${job.id}`, true);
    await showJob(job.id);
    await refreshJobs();
  } catch (e) {
    setMessage("submit-message", e.message, false);
  }
}

// --- wiring -------------------------------------------------------------------------------

$("login").addEventListener("submit", (e) => void connect(e));
$("sign-key").addEventListener("input", showPublicKey);
$("gen-key").addEventListener("click", () => {
  $("sign-key").value = generatePrivateKey();
  showPublicKey();
});
$("job-submit").addEventListener("click", () => void submit());
$("detail-cancel").addEventListener("click", () => {
  if (state.selected)
    state.rpc.call("job.cancel", { job_id: state.selected }).catch((e) => alert(e.message));
});
for (const id of ["filter-status", "filter-runner"]) {
  $(id).addEventListener("change", () => {
    state.offset = 0;
    void refreshJobs();
  });
}
$("filter-search").addEventListener("input", () => {
  state.offset = 0;
  void refreshJobs();
});
$("jobs-prev").addEventListener("click", () => {
  state.offset = Math.max(0, state.offset - PAGE);
  void refreshJobs();
});
$("jobs-next").addEventListener("click", () => {
  state.offset += PAGE;
  void refreshJobs();
});
$("dead-runner").addEventListener("change", () => void refreshDead());
$("dead-prev").addEventListener("click", () => {
  state.dead.offset = Math.max(0, state.dead.offset - PAGE);
  void refreshDead();
});
$("dead-next").addEventListener("click", () => {
  state.dead.offset += PAGE;
  void refreshDead();
});
$("dead-retry").addEventListener("click", () => void retryDead());
$("dead-purge").addEventListener("click", () => {
  const detail = state.dead.detail;
  if (detail) void purgeDead(detail.record.runner, [state.dead.selected]);
});
$("dead-purge-all").addEventListener("click", () => {
  if ($("dead-runner").value) void purgeDead($("dead-runner").value);
});
$("dead-open").addEventListener("click", () => {
  if (state.dead.selected) void showJob(state.dead.selected);
});

$("sign-key").value = localStorage.getItem("horus-signing-key") ?? "";
showPublicKey();
$("api-key").value = sessionStorage.getItem("horus-api-key") ?? "";
if ($("api-key").value) void connect();
document.body.dataset.ready = "1";
