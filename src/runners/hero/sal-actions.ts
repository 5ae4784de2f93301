// Heroscript actions that reach the SAL: `redis.*`, `postgres.*`, `net.*` and the downloads
// of `os.*` (the other file and process work has built-in actions already). Each action
// reads its parameters, calls one main-side SAL function with the play's context (the same
// function, checks and error messages as a Rhai script's `redis_get`, `pg_query`...) and
// shows the result: reads print (or, with `env:NAME`, keep it in a session variable),
// writes only log. The heroscript engine knows nothing of the SAL; this file is the bridge.
import { resolve } from "node:path";
import type { ActionDefinition, Params, PlayContext } from "../../heroscript/index.js";
import type { HostModule, MainFunction } from "../../host/index.js";
import { Float, type RhaiMap, type Value } from "../../rhai/index.js";
import { netModule, osModule, postgresModule, redisModule } from "../../sal/index.js";
import { coerceError } from "../../util/index.js";
import { jsonText, plainText } from "./sal-values.js";

/**
 * Calls the SAL function `fn` of `module` for an action of the play `play`: in the play's
 * host session (its context, and its span when the job is traced).
 */
export type SalCaller = (
  module: HostModule,
  fn: MainFunction,
  play: PlayContext,
  args: Value[],
) => Value | Promise<Value>;

interface SalActionSpec {
  readonly name: string;
  readonly summary: string;
  readonly params: readonly string[];
  readonly module: HostModule;
  /** The SAL function called (its Rhai name). */
  readonly fn: string;
  /** What the action does with its parameters and the function. */
  run(ctx: PlayContext, call: (args: Value[]) => Promise<Value>): Promise<void>;
}

/** The main-side function `name` of a module; a missing one is a bug here, found at once. */
function mainFunction(module: HostModule, name: string): MainFunction {
  const fn = module.functions.find((f): f is MainFunction => f.side === "main" && f.name === name);
  if (fn === undefined) throw new Error(`SAL module '${module.name}' has no main-side '${name}'`);
  return fn;
}

/**
 * A SAL failure as the action's error. SAL messages start with the Rhai function's name
 * ("redis_get: Redis at ...: cannot connect"); the action's own name already heads the
 * message here, so the Rhai name goes.
 */
function actionFailure(fn: string, e: unknown): Error {
  const err = e as { name?: string; detail?: unknown };
  if (err?.name !== "RhaiRuntimeError" || typeof err.detail !== "string") {
    return coerceError(e);
  }
  const prefix = `${fn}: `;
  const text = err.detail.startsWith(prefix) ? err.detail.slice(prefix.length) : err.detail;
  return new Error(text, { cause: e });
}

function toDefinition(spec: SalActionSpec, callSal: SalCaller): ActionDefinition {
  const fn = mainFunction(spec.module, spec.fn);
  return {
    name: spec.name,
    summary: spec.summary,
    params: spec.params,
    run: (ctx) => {
      // What shapes the result is read first: a bad `env` or `require` fails the action
      // before its statement or command has run.
      envTarget(ctx);
      if (ctx.params.has("require")) ctx.params.getBool("require");
      return spec.run(ctx, async (args) => {
        try {
          return await callSal(spec.module, fn, ctx, args);
        } catch (e) {
          throw actionFailure(spec.fn, e);
        }
      });
    },
  };
}

// ---- parameters ----

function nonEmpty(params: Params, key: string): string {
  const value = params.get(key);
  if (value.trim() === "") throw new Error(`parameter '${key}' must not be empty`);
  return value;
}

/** A value parameter, `val` or `value` as in `session.env_set`. */
function valueParam(params: Params): string {
  return params.getOneOf(["val", "value"]);
}

/** The items of `val` (or `value`): `val:a,b,c` is three values, `val:'a,b'` one. */
function valueItems(params: Params): string[] {
  if (!params.has("val") && !params.has("value")) params.getOneOf(["val", "value"]); // throws
  const items = params.getList(params.has("val") ? "val" : "value");
  return items.length > 0 ? items : [""];
}

/** The optional `timeout` (a duration) as the seconds SAL functions take. */
function timeoutArgs(params: Params): Value[] {
  if (!params.has("timeout")) return [];
  const ms = params.getDuration("timeout");
  if (ms <= 0)
    throw new Error(`parameter 'timeout' must be more than 0, got '${params.get("timeout")}'`);
  return [ms % 1000 === 0 ? ms / 1000 : new Float(ms / 1000)];
}

/** SQL and its bound parameters: `params` items, sent as text (the server casts them). */
function sqlArgs(params: Params): Value[] {
  const sql = nonEmpty(params, "sql");
  return params.has("params") ? [sql, params.getList("params")] : [sql];
}

// ---- results ----

/** The session variable named by `env:NAME`, if the action has one. */
function envTarget(ctx: PlayContext): string | undefined {
  if (!ctx.params.has("env")) return undefined;
  return nonEmpty(ctx.params, "env");
}

/**
 * Shows a single result: printed, or with `env:NAME` kept in that session variable (a
 * missing value removes it, so a later `session.env_set_once` can give a default).
 */
function showValue(ctx: PlayContext, value: Value, missing: string): void {
  const text = plainText(value);
  const target = envTarget(ctx);
  if (target === undefined) {
    if (text === undefined) ctx.log(missing);
    else ctx.print(text);
    return;
  }
  if (text === undefined) {
    ctx.env.delete(target);
    ctx.log(`${missing}; ${target} unset`);
  } else {
    ctx.env.set(target, text);
    ctx.log(`${target} set`);
  }
}

/** Shows a check's `true`/`false`; with `require:true`, false fails the action. */
function showCheck(ctx: PlayContext, ok: Value, what: string): void {
  if (ok !== true && ctx.params.getBool("require", false)) throw new Error(`${what}: check failed`);
  showValue(ctx, ok === true, "");
}

const CHECK_PARAMS = ["timeout", "require", "env"] as const;

// ---- the actions ----

const redisSpecs: SalActionSpec[] = [
  {
    name: "redis.ping",
    summary: "prints PONG when the Redis answers",
    params: [],
    module: redisModule,
    fn: "redis_ping",
    async run(ctx, call) {
      ctx.print(String(await call([])));
    },
  },
  {
    name: "redis.set",
    summary: "sets `key` to `val` (or `value`)",
    params: ["key", "val", "value"],
    module: redisModule,
    fn: "redis_set",
    async run(ctx, call) {
      const key = ctx.params.get("key");
      await call([key, valueParam(ctx.params)]);
      ctx.log(`redis: set ${key}`);
    },
  },
  {
    name: "redis.get",
    summary:
      "prints the value at `key` (nothing when it does not exist); `env:NAME` keeps it instead",
    params: ["key", "env"],
    module: redisModule,
    fn: "redis_get",
    async run(ctx, call) {
      const key = ctx.params.get("key");
      showValue(ctx, await call([key]), `redis: ${key} does not exist`);
    },
  },
  {
    name: "redis.del",
    summary: "deletes `key`",
    params: ["key"],
    module: redisModule,
    fn: "redis_del",
    async run(ctx, call) {
      const key = ctx.params.get("key");
      const existed = await call([key]);
      ctx.log(`redis: ${key} ${existed === true ? "deleted" : "did not exist"}`);
    },
  },
  {
    name: "redis.hset",
    summary: "sets `field` of the hash `key` to `val` (or `value`)",
    params: ["key", "field", "val", "value"],
    module: redisModule,
    fn: "redis_hset",
    async run(ctx, call) {
      const key = ctx.params.get("key");
      const field = ctx.params.get("field");
      await call([key, field, valueParam(ctx.params)]);
      ctx.log(`redis: set ${key} ${field}`);
    },
  },
  {
    name: "redis.hget",
    summary: "prints `field` of the hash `key` (nothing when missing); `env:NAME` keeps it instead",
    params: ["key", "field", "env"],
    module: redisModule,
    fn: "redis_hget",
    async run(ctx, call) {
      const key = ctx.params.get("key");
      const field = ctx.params.get("field");
      showValue(ctx, await call([key, field]), `redis: ${key} has no field ${field}`);
    },
  },
  {
    name: "redis.hgetall",
    summary: "prints the hash `key` as one JSON object (`{}` when it does not exist)",
    params: ["key"],
    module: redisModule,
    fn: "redis_hgetall",
    async run(ctx, call) {
      ctx.print(jsonText(await call([ctx.params.get("key")])));
    },
  },
  {
    name: "redis.hdel",
    summary: "deletes `field` of the hash `key`",
    params: ["key", "field"],
    module: redisModule,
    fn: "redis_hdel",
    async run(ctx, call) {
      const key = ctx.params.get("key");
      const field = ctx.params.get("field");
      const existed = await call([key, field]);
      ctx.log(`redis: ${key} ${field} ${existed === true ? "deleted" : "did not exist"}`);
    },
  },
  ...(["rpush", "lpush"] as const).map(
    (op): SalActionSpec => ({
      name: `redis.${op}`,
      summary: `${op === "rpush" ? "appends" : "prepends"} \`val\` (or \`value\`; a list pushes each item in order) to the list \`key\``,
      params: ["key", "val", "value"],
      module: redisModule,
      fn: `redis_${op}`,
      async run(ctx, call) {
        const key = ctx.params.get("key");
        let length: Value = 0;
        for (const item of valueItems(ctx.params)) length = await call([key, item]);
        ctx.log(`redis: ${key} has ${String(length)} items`);
      },
    }),
  ),
  {
    name: "redis.llen",
    summary:
      "prints the length of the list `key` (0 when it does not exist); `env:NAME` keeps it instead",
    params: ["key", "env"],
    module: redisModule,
    fn: "redis_llen",
    async run(ctx, call) {
      showValue(ctx, await call([ctx.params.get("key")]), "");
    },
  },
  {
    name: "redis.lrange",
    summary:
      "prints the items of the list `key` from `start` (default 0) to `stop` (default -1, the last), one a line",
    params: ["key", "start", "stop"],
    module: redisModule,
    fn: "redis_lrange",
    async run(ctx, call) {
      const items = await call([
        ctx.params.get("key"),
        ctx.params.getInt("start", 0),
        ctx.params.getInt("stop", -1),
      ]);
      for (const item of items as Value[]) ctx.print(plainText(item) ?? "");
    },
  },
];

const CONNECT_KEYS = ["host", "port", "user", "password", "database"] as const;

const postgresSpecs: SalActionSpec[] = [
  {
    name: "postgres.connect",
    summary:
      "chooses the play's PostgreSQL (`url`, or `host`, `port`, `user`, `password`, `database`) and checks it answers",
    params: ["url", ...CONNECT_KEYS],
    module: postgresModule,
    fn: "pg_connect",
    async run(ctx, call) {
      const parts = CONNECT_KEYS.filter((k) => ctx.params.has(k));
      if (ctx.params.has("url")) {
        if (parts.length > 0) {
          throw new Error(
            `give either 'url' or ${parts.map((k) => `'${k}'`).join(", ")}, not both`,
          );
        }
        await call([nonEmpty(ctx.params, "url")]);
      } else if (parts.length > 0) {
        const target: RhaiMap = new Map();
        for (const k of parts) {
          target.set(k, k === "port" ? ctx.params.getInt(k) : ctx.params.get(k));
        }
        await call([target]);
      } else {
        await call([]);
      }
      ctx.log("postgres: connected");
    },
  },
  {
    name: "postgres.ping",
    summary:
      "prints whether the PostgreSQL answers (`true`/`false`); `require:true` fails on false",
    params: ["require", "env"],
    module: postgresModule,
    fn: "pg_ping",
    async run(ctx, call) {
      showCheck(ctx, await call([]), "PostgreSQL");
    },
  },
  {
    name: "postgres.execute",
    summary:
      "runs the statement `sql` with `params` bound to $1, $2...; logs the rows affected (`env:NAME` keeps the count)",
    params: ["sql", "params", "env"],
    module: postgresModule,
    fn: "pg_execute",
    async run(ctx, call) {
      const count = await call(sqlArgs(ctx.params));
      const target = envTarget(ctx);
      if (target !== undefined) ctx.env.set(target, String(count));
      ctx.log(`postgres: ${String(count)} rows affected`);
    },
  },
  {
    name: "postgres.query",
    summary:
      "runs the query `sql` with `params` bound to $1, $2...; prints each row as a JSON line",
    params: ["sql", "params"],
    module: postgresModule,
    fn: "pg_query",
    async run(ctx, call) {
      const rows = (await call(sqlArgs(ctx.params))) as Value[];
      for (const row of rows) ctx.print(jsonText(row));
      ctx.log(`postgres: ${rows.length} rows`);
    },
  },
  {
    name: "postgres.query_one",
    summary:
      "like `postgres.query` for the first row (an error when there is none); `env:NAME` keeps its one column's value",
    params: ["sql", "params", "env"],
    module: postgresModule,
    fn: "pg_query_one",
    async run(ctx, call) {
      const row = (await call(sqlArgs(ctx.params))) as RhaiMap;
      if (envTarget(ctx) === undefined) {
        ctx.print(jsonText(row));
        return;
      }
      if (row.size !== 1) {
        const columns = [...row.keys()].join(", ");
        throw new Error(
          `with 'env' the query must return one column, it returned ${row.size} (${columns})`,
        );
      }
      showValue(ctx, [...row.values()][0], "postgres: the value is NULL");
    },
  },
];

const netSpecs: SalActionSpec[] = [
  {
    name: "net.tcp_check",
    summary: "prints whether `host`:`port` accepts TCP connections (`true`/`false`)",
    params: ["host", "port", ...CHECK_PARAMS],
    module: netModule,
    fn: "tcp_check",
    async run(ctx, call) {
      const host = ctx.params.get("host");
      const port = ctx.params.getInt("port");
      showCheck(ctx, await call([host, port, ...timeoutArgs(ctx.params)]), `${host}:${port}`);
    },
  },
  {
    name: "net.tcp_ping",
    summary: "prints whether `host` answers over TCP at all (`true`/`false`; no ICMP needed)",
    params: ["host", ...CHECK_PARAMS],
    module: netModule,
    fn: "tcp_ping",
    async run(ctx, call) {
      const host = ctx.params.get("host");
      showCheck(ctx, await call([host, ...timeoutArgs(ctx.params)]), host);
    },
  },
  {
    name: "net.http_check",
    summary: "prints whether `url` answers with a status below 400 (`true`/`false`)",
    params: ["url", ...CHECK_PARAMS],
    module: netModule,
    fn: "http_check",
    async run(ctx, call) {
      const url = ctx.params.get("url");
      showCheck(ctx, await call([url, ...timeoutArgs(ctx.params)]), url);
    },
  },
  {
    name: "net.http_status",
    summary: "prints the HTTP status `url` answers with; `env:NAME` keeps it instead",
    params: ["url", "timeout", "env"],
    module: netModule,
    fn: "http_status",
    async run(ctx, call) {
      showValue(ctx, await call([ctx.params.get("url"), ...timeoutArgs(ctx.params)]), "");
    },
  },
  {
    name: "net.http_get",
    summary:
      "prints the body of `url` (an error from status 400 on); `env:NAME` keeps it instead, without trailing newlines",
    params: ["url", "timeout", "env"],
    module: netModule,
    fn: "http_get",
    async run(ctx, call) {
      const body = await call([ctx.params.get("url"), ...timeoutArgs(ctx.params)]);
      // As a shell's $(...) does: "v2\n" from a version endpoint is kept as "v2".
      const kept = envTarget(ctx) !== undefined && typeof body === "string";
      showValue(ctx, kept ? body.replace(/\n+$/, "") : body, "");
    },
  },
];

/** `os.download` and `os.download_file`: the SAL's downloads, paths as in `file.*`. */
const osSpecs: SalActionSpec[] = [
  {
    name: "os.download",
    summary:
      "downloads `url` into the folder `dest`, unpacking archives (.tar.gz, .tgz, .tar.xz, .tar.bz2, .tar, .zip); `min_size` (a size) fails a smaller file",
    fn: "download",
  },
  {
    name: "os.download_file",
    summary:
      "downloads `url` into exactly the file `dest` (never unpacked); `min_size` (a size) fails a smaller file",
    fn: "download_file",
  },
].map(
  ({ name, summary, fn }): SalActionSpec => ({
    name,
    summary,
    params: ["url", "dest", "min_size", "env"],
    module: osModule,
    fn,
    async run(ctx, call) {
      const url = nonEmpty(ctx.params, "url");
      // Relative to the script's folder, as for file.* (the SAL would take the job's cwd).
      const dest = resolve(ctx.baseDir, nonEmpty(ctx.params, "dest"));
      // The SAL counts whole KiB; rounding up never lets a smaller file through.
      const minKb = Math.ceil(ctx.params.getSize("min_size", 0) / 1024);
      const path = await call([url, dest, minKb]);
      ctx.log(`downloaded ${url} to ${String(path)}`);
      const target = envTarget(ctx);
      if (target !== undefined) ctx.env.set(target, String(path));
    },
  }),
);

/**
 * The SAL actions, calling SAL functions through `callSal`. The executor builds them per
 * play, with a caller bound to that play's `HostSession`.
 */
export function salActions(callSal: SalCaller): ActionDefinition[] {
  return [...redisSpecs, ...postgresSpecs, ...netSpecs, ...osSpecs].map((s) =>
    toDefinition(s, callSal),
  );
}

/** The SAL actions for listing and documentation: running one is an error. */
export function salActionCatalog(): ActionDefinition[] {
  return salActions(() => {
    throw new Error("SAL actions run only in a play with a SAL host");
  });
}
