// Signing and submitting a job: the job is built and signed here, in the browser, with a key
// kept in local storage (never sent); then jobs.create and job.start, and the job's page.
import { $, fillRunnerSelect, setMessage } from "../lib/dom.js";
import { session } from "../lib/session.js";
import { generatePrivateKey, publicKeyOf, signJob } from "../signing.js";

const html = `
  <h2>Submit a job</h2>
  <p class="muted">Jobs are signed here, in the browser. The signing key stays in this browser
    (local storage) and is never sent to the supervisor.</p>
  <div class="row">
    <label>Signing key (secp256k1, hex)
      <input id="sign-key" type="password" autocomplete="off" spellcheck="false"></label>
    <button id="gen-key" type="button">Generate</button>
  </div>
  <div class="muted">public key: <code id="sign-pub" class="id-full">–</code></div>
  <div class="row">
    <label>Runner <select id="job-runner"></select></label>
    <label>Timeout (s) <input id="job-timeout" type="number" min="1" value="60"></label>
    <label>Executor <input id="job-executor" placeholder="hero, sal, osiris"></label>
  </div>
  <div class="row">
    <label>Attempts <input id="job-attempts" type="number" min="1" max="100" step="1" placeholder="1"></label>
    <label>Backoff (ms) <input id="job-backoff" type="number" min="0" step="1" placeholder="none"></label>
    <label>Backoff growth
      <select id="job-backoff-type">
        <option value="fixed">fixed</option>
        <option value="exponential">exponential</option>
      </select></label>
    <label>Max backoff (ms) <input id="job-backoff-max" type="number" min="0" step="1" placeholder="none"></label>
  </div>
  <div class="row">
    <label>Delay (s) <input id="job-delay" type="number" min="0" step="any" placeholder="none"></label>
    <label>or at (local time) <input id="job-at" type="datetime-local" step="1"></label>
    <label>Priority
      <select id="job-priority">
        <option value="">5 (default)</option>
        <option>9</option><option>8</option><option>7</option><option>6</option>
        <option>5</option><option>4</option><option>3</option><option>2</option>
        <option>1</option><option>0</option>
      </select></label>
  </div>
  <label>Payload <textarea id="job-payload" rows="6" spellcheck="false"></textarea></label>
  <label>Environment (KEY=VALUE per line) <textarea id="job-env" rows="2" spellcheck="false"></textarea></label>
  <button id="job-submit" type="button">Sign and submit</button>
  <div id="submit-message" class="message"></div>`;

/** The signing key typed or generated here (dead letters and schedules sign with it too). */
export function signingKey() {
  return $("sign-key").value.trim();
}

function showPublicKey() {
  const secret = signingKey();
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
    const secret = signingKey();
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
    await session.call("jobs.create", { job });
    await session.call("job.start", { job_id: job.id });
    setMessage("submit-message", `submitted ${job.id}`, true);
    session.go(`job/${encodeURIComponent(job.id)}`);
  } catch (e) {
    setMessage("submit-message", e.message, false);
  }
}

function refresh() {
  fillRunnerSelect(
    $("job-runner"),
    session.runners.filter((r) => r.registered).map((r) => r.name),
    false,
  );
}

export default {
  name: "submit",
  title: "Submit",
  html,
  init() {
    $("sign-key").addEventListener("input", showPublicKey);
    $("gen-key").addEventListener("click", () => {
      $("sign-key").value = generatePrivateKey();
      showPublicKey();
    });
    $("job-submit").addEventListener("click", () => void submit());
    $("sign-key").value = localStorage.getItem("horus-signing-key") ?? "";
    showPublicKey();
  },
  show: refresh,
  refresh,
};
