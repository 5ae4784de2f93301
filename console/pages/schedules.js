// Schedules: the namespace's schedules (schedule.list) with their next and last minted
// occurrences, a schedule's runs with their jobs' statuses (schedule.runs), a new schedule
// signed here with the Submit page's key (schedule.add), and removal for admin keys.
import { $, el, fillRunnerSelect, idNode, row, setMessage, shortKey } from "../lib/dom.js";
import { session } from "../lib/session.js";
import { duration, local, timeNode } from "../lib/time.js";
import { signingKey } from "../pages/submit.js";
import { signSchedule } from "../signing.js";

const state = { selected: null };

const html = `
  <h2>Schedules</h2>
  <div class="table-wrap">
    <table id="schedules">
      <thead><tr><th>name</th><th>runner</th><th>when</th><th>next</th><th>last minted</th>
        <th>signed by</th><th></th></tr></thead>
      <tbody></tbody>
    </table>
  </div>
  <div id="schedules-message" class="message"></div>
  <div id="schedule-runs-box" hidden>
    <h3>Runs of <code id="schedule-runs-name"></code></h3>
    <div class="table-wrap">
      <table id="schedule-runs">
        <thead><tr><th>job</th><th>occurrence</th><th>status</th><th>started</th>
          <th>duration</th><th>error</th></tr></thead>
        <tbody></tbody>
      </table>
    </div>
  </div>
  <h3>Add a schedule</h3>
  <p class="muted">Signed here with the signing key of the Submit page; the runners of its
    runner id mint and run its occurrences.</p>
  <div class="row">
    <label>Name <input id="sched-name" autocomplete="off" spellcheck="false"></label>
    <label>Runner <select id="sched-runner"></select></label>
  </div>
  <div class="row">
    <label>Cron <input id="sched-cron" placeholder="*/5 * * * *" spellcheck="false"></label>
    <label>or every (s) <input id="sched-every" type="number" min="1" step="1"></label>
    <label>Timezone <input id="sched-tz" placeholder="UTC" spellcheck="false"></label>
    <label>Timeout (s) <input id="sched-timeout" type="number" min="1" value="60"></label>
  </div>
  <label>Payload <textarea id="sched-payload" rows="3" spellcheck="false"></textarea></label>
  <button id="sched-add" type="button">Sign and add</button>
  <div id="sched-message" class="message"></div>`;

function when(s) {
  if (s.cron) return `cron ${s.cron}${s.timezone ? ` (${s.timezone})` : ""}`;
  if (s.every_ms) return `every ${duration(s.every_ms / 1000)}`;
  return "";
}

async function refresh() {
  fillRunnerSelect(
    $("sched-runner"),
    session.runners.filter((r) => r.registered).map((r) => r.name),
    false,
  );
  const { schedules } = await session.call("schedule.list");
  $("schedules").tBodies[0].replaceChildren(
    ...schedules.map((s) => {
      const signers = el("td");
      for (const key of s.signed_by) {
        const k = el("code", shortKey(key), "key");
        k.title = key;
        signers.append(k, " ");
      }
      const actions = el("td");
      if (session.admin) {
        const remove = el("button", "Remove…");
        remove.type = "button";
        remove.dataset.remove = s.name;
        remove.addEventListener("click", (e) => {
          e.stopPropagation();
          void removeSchedule(s.name);
        });
        actions.append(remove);
      }
      const tr = row(
        [
          idNode(s.name),
          idNode(s.runner ?? ""),
          s.problem ? el("td", s.problem, "bad") : when(s),
          s.next ? timeNode(s.next) : "–",
          s.last_minted ? timeNode(s.last_minted) : "–",
          signers,
          actions,
        ],
        { schedule: s.name },
      );
      if (s.name === state.selected) tr.classList.add("selected");
      tr.addEventListener("click", () => void showRuns(s.name));
      return tr;
    }),
  );
  if (state.selected) await showRuns(state.selected);
}

async function showRuns(name) {
  state.selected = name;
  for (const tr of $("schedules").tBodies[0].rows)
    tr.classList.toggle("selected", tr.dataset.schedule === name);
  const { runs } = await session.call("schedule.runs", { name, limit: 20 });
  if (name !== state.selected) return;
  $("schedule-runs-box").hidden = false;
  $("schedule-runs-name").textContent = name;
  $("schedule-runs").tBodies[0].replaceChildren(
    ...runs.map((r) =>
      row(
        [
          idNode(r.id, `#/job/${encodeURIComponent(r.id)}`),
          timeNode(r.occurrence, true),
          el("td", r.status, `status ${r.status}`),
          r.started_at ? timeNode(r.started_at) : "",
          r.started_at && r.finished_at
            ? duration((Date.parse(r.finished_at) - Date.parse(r.started_at)) / 1000)
            : "",
          el("td", r.error_kind ? `${r.error_kind}: ${r.error ?? ""}` : "", "bad"),
        ],
        { run: r.id },
      ),
    ),
  );
}

async function addSchedule() {
  try {
    const secret = signingKey();
    if (!secret) throw new Error("a signing key is needed: paste one on the Submit page");
    const cron = $("sched-cron").value.trim();
    const every = $("sched-every").value.trim();
    if ((cron === "") === (every === "")) throw new Error("give a cron expression or an interval");
    const schedule = {
      name: $("sched-name").value.trim(),
      runner: $("sched-runner").value,
      ...(cron ? { cron } : { every_ms: Math.round(Number(every) * 1000) }),
      ...($("sched-tz").value.trim() ? { timezone: $("sched-tz").value.trim() } : {}),
      template: {
        payload: $("sched-payload").value,
        timeout: Number($("sched-timeout").value) || 60,
      },
      created_at: new Date().toISOString(),
      signatures: [],
    };
    const { name, next } = await session.call("schedule.add", {
      schedule: signSchedule(schedule, secret),
    });
    setMessage("sched-message", `added ${name}, next run ${next ? local(next) : "–"}`, true);
    await refresh();
  } catch (e) {
    setMessage("sched-message", e.message, false);
  }
}

async function removeSchedule(name) {
  if (!confirm(`Remove schedule ${name}? Nothing more is minted from it.`)) return;
  try {
    await session.call("schedule.remove", { name });
    if (state.selected === name) {
      state.selected = null;
      $("schedule-runs-box").hidden = true;
    }
    setMessage("schedules-message", `removed ${name}`, true);
    await refresh();
  } catch (e) {
    setMessage("schedules-message", e.message, false);
  }
}

export default {
  name: "schedules",
  title: "Schedules",
  html,
  init() {
    $("sched-add").addEventListener("click", () => void addSchedule());
  },
  show: refresh,
  refresh,
};
