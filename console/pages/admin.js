// For admin keys: the API keys (made with their secret shown once, listed, removed) and
// runner registration (admin and registrar keys), with the runners registered so far.
import { $, el, idNode, row, setMessage } from "../lib/dom.js";
import { session } from "../lib/session.js";
import { timeNode } from "../lib/time.js";

const html = `
  <h2>Administration</h2>
  <p id="admin-scope" class="muted"></p>
  <div class="columns">
    <div id="admin-keys">
      <h3>API keys</h3>
      <div class="table-wrap">
        <table id="keys">
          <thead><tr><th>id</th><th>name</th><th>scope</th><th>created</th><th></th></tr></thead>
          <tbody></tbody>
        </table>
      </div>
      <div class="row">
        <label>Name <input id="key-name" autocomplete="off"></label>
        <label>Scope
          <select id="key-scope">
            <option>user</option><option>registrar</option><option>admin</option>
          </select></label>
        <button id="key-create" type="button">Create key</button>
      </div>
      <div id="key-message" class="message"></div>
      <pre id="key-secret" hidden></pre>
    </div>
    <div id="admin-runners">
      <h3>Runners</h3>
      <div class="table-wrap">
        <table id="registered">
          <thead><tr><th>runner</th><th>registered</th><th>live instances</th></tr></thead>
          <tbody></tbody>
        </table>
      </div>
      <div class="row">
        <label>Runner id <input id="register-name" autocomplete="off" spellcheck="false"></label>
        <button id="register" type="button">Register</button>
      </div>
      <div id="register-message" class="message"></div>
    </div>
  </div>`;

async function refresh() {
  const scope = session.who?.scope;
  const mayRegister = scope === "admin" || scope === "registrar";
  $("admin-keys").hidden = scope !== "admin";
  $("admin-runners").hidden = !mayRegister;
  $("admin-scope").textContent =
    scope === "admin"
      ? ""
      : mayRegister
        ? "API keys are an admin key's to manage."
        : "API keys and runner registration need an admin (or registrar) key.";
  $("registered").tBodies[0].replaceChildren(
    ...session.runners.map((r) =>
      row(
        [
          idNode(r.name),
          r.registered_at ? timeNode(r.registered_at) : "no",
          String(r.instances.length),
        ],
        { runner: r.name },
      ),
    ),
  );
  if (scope !== "admin") return;
  const { keys } = await session.call("auth.list_keys");
  $("keys").tBodies[0].replaceChildren(
    ...keys.map((k) => {
      const remove = el("button", "Remove…");
      remove.type = "button";
      remove.addEventListener("click", () => void removeKey(k));
      return row([idNode(k.id), k.name, k.scope, timeNode(k.created_at), remove], { key: k.id });
    }),
  );
}

async function createKey() {
  try {
    const made = await session.call("auth.create_key", {
      name: $("key-name").value.trim(),
      scope: $("key-scope").value,
    });
    setMessage("key-message", `key ${made.id} made: copy its secret now, it is shown once`, true);
    $("key-secret").hidden = false;
    $("key-secret").textContent = made.key;
    await refresh();
  } catch (e) {
    setMessage("key-message", e.message, false);
  }
}

async function removeKey(k) {
  if (!confirm(`Remove API key ${k.name} (${k.id})? Whoever uses it is refused from now on.`))
    return;
  try {
    await session.call("auth.remove_key", { id: k.id });
    setMessage("key-message", `removed ${k.id}`, true);
    $("key-secret").hidden = true;
    await refresh();
  } catch (e) {
    setMessage("key-message", e.message, false);
  }
}

async function register() {
  try {
    const status = await session.call("register_runner", { name: $("register-name").value.trim() });
    setMessage("register-message", `registered ${status.name}`, true);
    session.runners = (await session.call("list_runners")).runners;
    await refresh();
  } catch (e) {
    setMessage("register-message", e.message, false);
  }
}

export default {
  name: "admin",
  title: "Admin",
  html,
  init() {
    $("key-create").addEventListener("click", () => void createKey());
    $("register").addEventListener("click", () => void register());
  },
  show: refresh,
  refresh,
};
