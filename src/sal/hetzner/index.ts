// The `hetzner` host module: Hetzner Cloud servers, SSH keys, images and server types.
// `hetzner(token)` makes a HetznerClient in the script's worker; its methods send the
// operation to `hetzner_call` on the main thread, which talks to the HTTP API. The token
// travels only inside those calls: the client prints as `HetznerClient`, and no message,
// log line or result of this module contains it.

import {
  argArray,
  argHandle,
  argMap,
  argNonEmpty,
  argSeconds,
  argString,
  field,
  fromPlain,
  guard,
  type HostFunction,
  type HostModule,
  handleMethods,
  hostError,
  type MainSideContext,
  mainFn,
  numberValue,
  overloads,
  rhaiMap,
  type WorkerFunction,
  workerFn,
} from "../../host/index.js";
import { Float, RHAI_TYPE_NAME, type RhaiMap, type Value } from "../../rhai/index.js";
import { DEFAULT_BASE_URL, HetznerApi, HetznerError } from "./api.js";

export const HETZNER_CLIENT = "HetznerClient";
const TOKEN_VARS = ["HCLOUD_TOKEN", "HETZNER_TOKEN"] as const;

/** The worker-side handle: settings only; every method is a call to the main thread. */
export class HetznerClient {
  readonly [RHAI_TYPE_NAME] = HETZNER_CLIENT;
  constructor(
    /** "" means: the job's HCLOUD_TOKEN (read on the main thread). */
    readonly token: string,
    readonly timeout: number = 30,
    readonly actionTimeout: number = 300,
  ) {}

  toString(): string {
    return HETZNER_CLIENT; // never the token
  }

  settings(): RhaiMap {
    return rhaiMap({
      token: this.token,
      // FLOAT when fractional: a plain JS fraction is not a Rhai value the bridge carries.
      timeout: numberValue(this.timeout),
      action_timeout: numberValue(this.actionTimeout),
    });
  }
}

type Json = Record<string, unknown>;

const str = (v: unknown): Value => (typeof v === "string" ? v : undefined);

/** The facts about a server a script needs, flat. */
function serverMap(s: unknown): RhaiMap {
  const net = field(s, "public_net");
  const datacenter = field(s, "datacenter");
  return rhaiMap({
    id: fromPlain(field(s, "id")),
    name: str(field(s, "name")),
    status: str(field(s, "status")),
    server_type: str(field(field(s, "server_type"), "name")),
    image: str(field(field(s, "image"), "name")),
    datacenter: str(field(datacenter, "name")),
    location: str(field(field(datacenter, "location"), "name")),
    ipv4: str(field(field(net, "ipv4"), "ip")),
    ipv6: str(field(field(net, "ipv6"), "ip")),
    created: str(field(s, "created")),
    labels: fromPlain(field(s, "labels") ?? {}),
  });
}

function actionMap(a: unknown): RhaiMap {
  return rhaiMap({
    id: fromPlain(field(a, "id")),
    command: str(field(a, "command")),
    status: str(field(a, "status")),
    progress: fromPlain(field(a, "progress")),
  });
}

function pick(o: unknown, keys: readonly string[]): RhaiMap {
  const m: RhaiMap = new Map();
  for (const k of keys) m.set(k, fromPlain(field(o, k)));
  return m;
}

interface Call {
  readonly api: HetznerApi;
  readonly ctx: MainSideContext;
  readonly fn: string;
  readonly args: readonly Value[];
}

/** A server's id from an INT id or a name (looked up; an unknown name is an error). */
async function serverId({ api, fn, args }: Call): Promise<number> {
  const target = args[0];
  if (typeof target === "number") {
    if (!Number.isSafeInteger(target) || target <= 0)
      throw hostError(fn, `not a server id: ${target}`);
    return target;
  }
  const name = argNonEmpty(fn, args, 0, "server id or name");
  const found = await api.request("GET", `/servers?name=${encodeURIComponent(name)}`);
  const servers = found.servers;
  const id = Array.isArray(servers) ? field(servers[0], "id") : undefined;
  if (typeof id !== "number") throw hostError(fn, `no server named "${name}"`);
  return id;
}

/** Runs a server action (reboot, poweroff, ...) and follows it until done. */
async function serverAction(call: Call, action: string): Promise<Value> {
  const id = await serverId(call);
  const answer = await call.api.request("POST", `/servers/${id}/actions/${action}`);
  const done = await call.api.waitAction(answer.action);
  call.ctx.log(`hetzner: ${action} of server ${id} done`);
  return actionMap(done);
}

async function createServer(call: Call): Promise<Value> {
  const { api, ctx, fn, args } = call;
  const name = argNonEmpty(fn, args, 0, "name");
  const body: Json = {
    name,
    server_type: argNonEmpty(fn, args, 1, "server type"),
    image: argNonEmpty(fn, args, 2, "image"),
    start_after_create: true,
  };
  const location = argString(fn, args, 3, "location");
  if (location !== "") body.location = location;
  const keys = argArray(fn, args, 4, "ssh_keys").map((k, i) => {
    if (typeof k === "string" && k !== "") return k;
    if (typeof k === "number") return k;
    throw hostError(fn, `ssh_keys[${i}] must be a key name or id`);
  });
  if (keys.length > 0) body.ssh_keys = keys;
  const userData = argString(fn, args, 5, "user_data");
  if (userData !== "") body.user_data = userData;
  const answer = await api.request("POST", "/servers", body);
  const server = answer.server;
  const id = field(server, "id");
  if (typeof id !== "number") throw new HetznerError("POST /servers returned no server id");
  ctx.log(`hetzner: server ${name} (${id}) created, waiting for it to start`);
  const actions = [
    answer.action,
    ...(Array.isArray(answer.next_actions) ? answer.next_actions : []),
  ];
  for (const action of actions) if (action) await api.waitAction(action);
  // The answer to the create call still says "initializing": read the server as it is now.
  // (A root password, sent when no SSH key is given, is a credential: never returned.)
  return serverMap((await api.request("GET", `/servers/${id}`)).server);
}

type Operation = (call: Call) => Promise<Value>;

const operations: Record<string, Operation> = {
  servers_list: async ({ api }) => (await api.listAll("/servers", "servers")).map(serverMap),
  server_get: async (call) =>
    serverMap((await call.api.request("GET", `/servers/${await serverId(call)}`)).server),
  server_create: createServer,
  server_delete: async (call) => {
    const id = await serverId(call);
    const answer = await call.api.request("DELETE", `/servers/${id}`);
    if (answer.action) await call.api.waitAction(answer.action);
    call.ctx.log(`hetzner: server ${id} deleted`);
    return true;
  },
  server_reboot: (call) => serverAction(call, "reboot"),
  server_poweroff: (call) => serverAction(call, "poweroff"),
  server_poweron: (call) => serverAction(call, "poweron"),
  ssh_keys_list: async ({ api }) =>
    (await api.listAll("/ssh_keys", "ssh_keys")).map((k) =>
      pick(k, ["id", "name", "fingerprint", "public_key"]),
    ),
  ssh_key_create: async ({ api, fn, args }) => {
    const answer = await api.request("POST", "/ssh_keys", {
      name: argNonEmpty(fn, args, 0, "name"),
      public_key: argNonEmpty(fn, args, 1, "public key"),
    });
    return pick(answer.ssh_key, ["id", "name", "fingerprint", "public_key"]);
  },
  images_list: async ({ api, fn, args }) => {
    const type = args.length > 0 ? argNonEmpty(fn, args, 0, "image type") : "";
    const path = type === "" ? "/images" : `/images?type=${encodeURIComponent(type)}`;
    return (await api.listAll(path, "images")).map((i) =>
      pick(i, ["id", "name", "description", "type", "os_flavor", "os_version", "architecture"]),
    );
  },
  server_types_list: async ({ api }) =>
    (await api.listAll("/server_types", "server_types")).map((t) =>
      pick(t, ["id", "name", "description", "cores", "memory", "disk", "architecture"]),
    ),
};

function token(ctx: MainSideContext, fn: string, given: Value): string {
  if (typeof given === "string" && given !== "") return given;
  for (const name of TOKEN_VARS) {
    const fromEnv = ctx.job.envVars[name];
    if (fromEnv) return fromEnv;
  }
  throw hostError(
    fn,
    `no API token: pass one to hetzner(token) or set ${TOKEN_VARS[0]} in the job's env vars`,
  );
}

function baseUrl(ctx: MainSideContext): string {
  const fromOptions = ctx.job.options.hetznerUrl;
  if (typeof fromOptions === "string" && fromOptions !== "") return fromOptions;
  return ctx.job.envVars.HETZNER_API_URL || DEFAULT_BASE_URL;
}

function seconds(v: Value, fallback: number): number {
  const n = v instanceof Float ? v.value : v;
  return typeof n === "number" && n > 0 ? n : fallback;
}

async function dispatch(ctx: MainSideContext, args: readonly Value[]): Promise<Value> {
  const op = argString("hetzner_call", args, 0, "operation");
  const operation = operations[op];
  if (!operation) throw hostError("hetzner_call", `unknown operation "${op}"`);
  const fn = op;
  const settings = argMap(fn, args, 1, "settings");
  const opArgs = argArray(fn, args, 2, "arguments");
  return guard(fn, async () => {
    try {
      const api = new HetznerApi({
        token: token(ctx, fn, settings.get("token")),
        baseUrl: baseUrl(ctx),
        timeoutMs: seconds(settings.get("timeout"), 30) * 1000,
        actionTimeoutMs: seconds(settings.get("action_timeout"), 300) * 1000,
        signal: ctx.signal,
      });
      return await operation({ api, ctx, fn, args: opArgs });
    } catch (e) {
      if (e instanceof HetznerError) throw hostError(fn, e.message);
      throw e;
    }
  });
}

const method = handleMethods(HETZNER_CLIENT, HetznerClient, "hetzner.hetzner_call", (handle) =>
  handle.settings(),
);

const target = ["i64", "string"];

function perTarget(name: string, doc: string, returns: string, verb: string): WorkerFunction[] {
  return target.map((t) =>
    method(name, [t], returns, doc, `h.${name}(${t === "i64" ? "4711" : '"web-1"'}); // ${verb}`),
  );
}

const functions: HostFunction[] = [
  ...overloads(
    workerFn({
      name: "hetzner",
      params: ["string"],
      returns: HETZNER_CLIENT,
      doc: "A Hetzner Cloud client with an API token; without one, the job's `HCLOUD_TOKEN` env var. The token is never printed, logged or returned.",
      example: "let h = hetzner(); // token from the job's HCLOUD_TOKEN",
      run: (_ctx, args) =>
        new HetznerClient(args.length > 0 ? argString("hetzner", args, 0, "token") : ""),
    }),
    [],
  ),
  ...["i64", "f64"].map((t) =>
    workerFn({
      name: "timeout",
      params: [HETZNER_CLIENT, t],
      returns: HETZNER_CLIENT,
      doc: "Seconds one HTTP request may take (default 30).",
      example: "let h = hetzner().timeout(10);",
      run: (_ctx, args) => {
        const c = argHandle(args, 0, HetznerClient);
        return new HetznerClient(
          c.token,
          argSeconds("timeout", args, 1, "timeout"),
          c.actionTimeout,
        );
      },
    }),
  ),
  ...["i64", "f64"].map((t) =>
    workerFn({
      name: "action_timeout",
      params: [HETZNER_CLIENT, t],
      returns: HETZNER_CLIENT,
      doc: "Seconds an action (create, delete, reboot, ...) may take to finish (default 300).",
      example: "let h = hetzner().action_timeout(600);",
      run: (_ctx, args) => {
        const c = argHandle(args, 0, HetznerClient);
        return new HetznerClient(
          c.token,
          c.timeout,
          argSeconds("action_timeout", args, 1, "timeout"),
        );
      },
    }),
  ),
  method(
    "servers_list",
    [],
    "array",
    "Every server of the project: maps with `id`, `name`, `status`, `server_type`, `image`, `datacenter`, `location`, `ipv4`, `ipv6`, `created`, `labels`.",
    'for s in hetzner().servers_list() { print(s.name + " " + s.status); }',
  ),
  ...perTarget(
    "server_get",
    "One server (by id or name), as servers_list describes it.",
    "map",
    "by id or name",
  ),
  method(
    "server_create",
    ["string", "string", "string", "string", "array", "string"],
    "map",
    'Creates and starts a server (name, type, image, location or "", SSH key names or ids, cloud-init user data or ""), waits until its actions are done, and returns it. The root password Hetzner makes when no SSH key is given is not returned.',
    'let s = hetzner().server_create("web-1", "cx22", "debian-12", "fsn1", ["me"], "");',
  ),
  ...perTarget(
    "server_delete",
    "Deletes a server (by id or name) and waits until it is gone; true.",
    "bool",
    "deleted",
  ),
  ...perTarget(
    "server_reboot",
    "Reboots a server (by id or name) and waits for the action: a map with `id`, `command`, `status`, `progress`.",
    "map",
    "rebooted",
  ),
  ...perTarget(
    "server_poweroff",
    "Cuts a server's power (by id or name) and waits for the action.",
    "map",
    "hard off",
  ),
  ...perTarget(
    "server_poweron",
    "Powers a server on (by id or name) and waits for the action.",
    "map",
    "on",
  ),
  method(
    "ssh_keys_list",
    [],
    "array",
    "The project's SSH keys: maps with `id`, `name`, `fingerprint`, `public_key`.",
    "let names = hetzner().ssh_keys_list().map(|k| k.name);",
  ),
  method(
    "ssh_key_create",
    ["string", "string"],
    "map",
    "Uploads a public SSH key under a name; returns it as ssh_keys_list describes it.",
    'hetzner().ssh_key_create("me", file_read("~/.ssh/id_ed25519.pub"));',
  ),
  method(
    "images_list",
    [],
    "array",
    "Images: maps with `id`, `name`, `description`, `type`, `os_flavor`, `os_version`, `architecture`.",
    "let images = hetzner().images_list();",
  ),
  method(
    "images_list",
    ["string"],
    "array",
    'Images of one type ("system", "snapshot", "backup", "app").',
    'let systems = hetzner().images_list("system");',
  ),
  method(
    "server_types_list",
    [],
    "array",
    "Server types: maps with `id`, `name`, `description`, `cores`, `memory` (GB), `disk` (GB), `architecture`.",
    "for t in hetzner().server_types_list() { print(t.name); }",
  ),
  mainFn({
    name: "hetzner_call",
    params: ["string", "map", "array"],
    operations: method.operations,
    returns: "any",
    doc: "The main-thread call behind every HetznerClient method (operation, client settings, arguments); scripts use the methods.",
    example: 'let servers = hetzner_call("servers_list", #{token: ""}, []);',
    run: dispatch,
  }),
];

const hetznerModule: HostModule = {
  name: "hetzner",
  description:
    "Hetzner Cloud through its HTTP API. `hetzner(token)` (or `hetzner()`, taking the job's `HCLOUD_TOKEN`) gives a client whose methods list, create, delete and switch servers, and manage SSH keys. Each request times out (30 s by default, `.timeout(s)`); actions are followed until done (300 s by default, `.action_timeout(s)`). API failures, rate limits included, are errors quoting Hetzner's code and message. The API is https://api.hetzner.cloud/v1 unless the runner (option `hetznerUrl`) or the job (`HETZNER_API_URL`) names another. The token never appears in logs, results or errors.",
  functions,
};

export default hetznerModule;
