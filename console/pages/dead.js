// Dead letters: jobs that used their attempts and failed, per runner id, newest first and
// paged; a letter's attempts and last error; a retry signed here (dead.show's retry_job,
// with any env values the key may not see typed in) and purges, each confirmed first.
import { $, el, fillRunnerSelect, idNode, row, setMessage } from "../lib/dom.js";
import { session } from "../lib/session.js";
import { timeNode } from "../lib/time.js";
import { showAttempts } from "../pages/job.js";
import { signingKey } from "../pages/submit.js";
import { signJob } from "../signing.js";

const PAGE = 20;
/** Its offset, the letter shown, and which listing is the newest. */
const dead = { offset: 0, selected: null, runner: "", listings: 0, detail: null };

const html = `
  <div class="columns">
    <div>
      <h2>Dead letters</h2>
      <p class="muted">Jobs that used their attempts and failed. A retry runs one again as a
        new job, signed here with the signing key of the Submit page.</p>
      <div class="row">
        <label>Runner <select id="dead-runner"></select></label>
        <button id="dead-purge-all" type="button">Purge all…</button>
      </div>
      <div class="table-wrap">
        <table id="dead">
          <thead><tr><th>id</th><th>died</th><th>attempts</th><th>error</th></tr></thead>
          <tbody></tbody>
        </table>
      </div>
      <div class="row pager"><button id="dead-prev" type="button">◀</button>
        <span id="dead-page" class="muted"></span>
        <button id="dead-next" type="button">▶</button></div>
      <div id="dead-list-message" class="message"></div>
    </div>
    <div id="dead-detail" hidden>
      <h2>Dead letter <code id="dead-id" class="id-full"></code></h2>
      <div id="dead-summary"></div>
      <pre id="dead-error"></pre>
      <div id="dead-attempts-box" hidden>
        <h3>Attempts</h3>
        <div class="table-wrap">
          <table id="dead-attempts" class="attempts">
            <thead><tr><th>#</th><th>instance</th><th>started</th><th>ended</th><th>outcome</th><th>next run</th></tr></thead>
            <tbody></tbody>
          </table>
        </div>
      </div>
      <div id="dead-env" hidden>
        <p class="muted">Your API key may not see these environment values: enter the
          original values to sign the retry (the supervisor checks they are the original's).</p>
        <div id="dead-env-fields"></div>
      </div>
      <div class="row">
        <button id="dead-retry" type="button">Sign and retry</button>
        <button id="dead-purge" type="button">Purge…</button>
        <button id="dead-open" type="button">Show the job</button>
      </div>
      <div id="dead-message" class="message"></div>
    </div>
  </div>`;

async function refresh() {
  fillRunnerSelect(
    $("dead-runner"),
    session.runners.map((r) => r.name),
    false,
  );
  const runner = $("dead-runner").value;
  if (runner !== dead.runner) {
    dead.runner = runner;
    dead.offset = 0;
  }
  const body = $("dead").tBodies[0];
  if (!runner) {
    body.replaceChildren();
    $("dead-page").textContent = "no runner";
    return;
  }
  const asked = ++dead.listings;
  const page = await session.call("dead.list", { runner, offset: dead.offset, limit: PAGE });
  if (asked !== dead.listings) return;
  body.replaceChildren(
    ...page.letters.map(({ id, died_at, record }) => {
      const error = `${record.error_kind ?? "error"}: ${record.error ?? ""}`;
      const tr = row(
        [
          idNode(id),
          timeNode(died_at),
          String(record.attempts),
          el("td", error.length > 120 ? `${error.slice(0, 119)}…` : error, "bad"),
        ],
        { dead: id },
      );
      if (id === dead.selected) tr.classList.add("selected");
      tr.addEventListener("click", () => void showDead(id));
      return tr;
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
  dead.selected = id;
  const detail = await session.call("dead.show", { job_id: id });
  if (id !== dead.selected) return;
  dead.detail = detail;
  for (const tr of $("dead").tBodies[0].rows)
    tr.classList.toggle("selected", tr.dataset.dead === id);
  const r = detail.record;
  $("dead-detail").hidden = false;
  $("dead-id").textContent = id;
  const summary = $("dead-summary");
  summary.replaceChildren(
    [
      detail.dead ? `dead letter of runner ${r.runner}` : `no dead letter (now ${r.status})`,
      `${r.attempts} attempt(s)`,
    ].join(" · "),
  );
  if (r.finished_at) summary.append(" · ended ", timeNode(r.finished_at, true));
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
  const id = dead.selected;
  try {
    const secret = signingKey();
    if (!secret) throw new Error("a signing key is needed: paste one on the Submit page");
    const detail = await session.call("dead.show", { job_id: id });
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
    const { job_id } = await session.call("dead.retry", { job_id: id, job });
    await showDead(id);
    setMessage("dead-message", `retried as ${job_id}`, true);
    await refresh();
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
    const { purged } = await session.call("dead.purge", {
      runner,
      ...(ids ? { job_ids: ids } : {}),
    });
    if (!ids || ids.includes(dead.selected)) {
      dead.selected = null;
      $("dead-detail").hidden = true;
    }
    setMessage("dead-list-message", `${purged} dead letter(s) purged`, true);
    await refresh();
  } catch (e) {
    setMessage("dead-list-message", e.message, false);
  }
}

export default {
  name: "dead",
  title: "Dead letters",
  html,
  init() {
    $("dead-runner").addEventListener("change", () => void refresh());
    $("dead-prev").addEventListener("click", () => {
      dead.offset = Math.max(0, dead.offset - PAGE);
      void refresh();
    });
    $("dead-next").addEventListener("click", () => {
      dead.offset += PAGE;
      void refresh();
    });
    $("dead-retry").addEventListener("click", () => void retryDead());
    $("dead-purge").addEventListener("click", () => {
      if (dead.detail) void purgeDead(dead.detail.record.runner, [dead.selected]);
    });
    $("dead-purge-all").addEventListener("click", () => {
      if ($("dead-runner").value) void purgeDead($("dead-runner").value);
    });
    $("dead-open").addEventListener("click", () => {
      if (dead.selected) session.go(`job/${encodeURIComponent(dead.selected)}`);
    });
  },
  show: refresh,
  refresh,
};
