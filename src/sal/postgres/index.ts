// The `postgres` host module: connect, ping, execute and query with bound parameters
// (`$1`, `$2`... in the SQL, values in an array), rows as maps.

import type { Pool, PoolClient, QueryResult } from "pg";
import {
  argArray,
  argNonEmpty,
  checkKeys,
  describe,
  fromPlain,
  type HostModule,
  hostError,
  type MainFunction,
  type MainSideContext,
  mainFn,
  overloads,
  reason,
} from "../../host/index.js";
import type { RhaiMap, Value } from "../../rhai/index.js";
import {
  chooseTarget,
  closePools,
  describeTarget,
  jobTarget,
  type PgTarget,
  poolFor,
  resetTarget,
} from "./connection.js";
import { toParam } from "./convert.js";

/** A pg error in one line: the server's message and SQLSTATE, or the connection problem. */
function pgReason(e: unknown): string {
  const err = e as { code?: string; message?: string; severity?: string };
  if (err?.severity && err.code) return `${err.message} (SQLSTATE ${err.code})`;
  return reason(e);
}

/** Runs one statement on a pooled connection; the connection is dropped if the job ends. */
async function query(
  ctx: MainSideContext,
  pool: Pool,
  sql: string,
  params: unknown[],
): Promise<QueryResult> {
  ctx.signal.throwIfAborted();
  const client: PoolClient = await pool.connect();
  let dropped = false;
  const onAbort = () => {
    dropped = true;
    // Closing our socket does not stop the server's work: cancel the statement there too.
    const backend = (client as unknown as { processID?: number }).processID;
    if (backend) pool.query("select pg_cancel_backend($1)", [backend]).catch(() => {});
    client.release(new Error("the job ended during the query"));
  };
  ctx.signal.addEventListener("abort", onAbort, { once: true });
  try {
    const result = (await client.query(sql, params)) as QueryResult | QueryResult[];
    // Several statements without parameters give one result each: the last one speaks.
    return Array.isArray(result) ? (result[result.length - 1] as QueryResult) : result;
  } catch (e) {
    if (dropped) throw new Error("the job ended during the query");
    throw e;
  } finally {
    ctx.signal.removeEventListener("abort", onAbort);
    if (!dropped) client.release();
  }
}

function sqlAndParams(fn: string, args: readonly Value[]): [string, unknown[]] {
  const sql = argNonEmpty(fn, args, 0, "SQL");
  const params = args.length > 1 ? argArray(fn, args, 1, "parameters") : [];
  return [sql, params.map((v, i) => toParam(v, `parameter $${i + 1}`))];
}

function rows(result: QueryResult): RhaiMap[] {
  return result.rows.map((row: Record<string, unknown>) => {
    const m: RhaiMap = new Map();
    for (const field of result.fields) m.set(field.name, fromPlain(row[field.name]));
    return m;
  });
}

/** Declares a SQL function: `(sql)` and `(sql, params)`, run on the job's connection. */
function sqlFn(
  spec: Omit<MainFunction, "side" | "run" | "params">,
  shape: (result: QueryResult, fn: string) => Value,
): MainFunction[] {
  const fn = spec.name;
  return overloads(
    mainFn({
      ...spec,
      params: ["string", "array"],
      run: async (ctx, args) => {
        let sqlParams: [string, unknown[]];
        try {
          sqlParams = sqlAndParams(fn, args);
        } catch (e) {
          throw hostError(fn, reason(e));
        }
        const target = jobTarget(ctx);
        let result: QueryResult;
        try {
          result = await query(ctx, await poolFor(ctx, target), ...sqlParams);
        } catch (e) {
          throw hostError(fn, `${pgReason(e)} [PostgreSQL at ${describeTarget(target)}]`);
        }
        return shape(result, fn);
      },
    }),
    ["string"],
  );
}

const TARGET_KEYS = ["host", "port", "user", "password", "database", "dbname"];

function targetFromArgs(fn: string, args: readonly Value[]): PgTarget | undefined {
  const arg = args[0];
  if (args.length === 0) return undefined;
  if (typeof arg === "string") {
    if (arg.trim() === "") throw hostError(fn, "the connection string must not be empty");
    return { connectionString: arg };
  }
  if (!(arg instanceof Map))
    throw hostError(fn, `expects a connection string or a map, got ${describe(arg)}`);
  checkKeys(fn, arg, TARGET_KEYS);
  const t: PgTarget = {};
  for (const [k, v] of arg) {
    if (k === "port") {
      if (typeof v !== "number") throw hostError(fn, `port must be an integer, got ${describe(v)}`);
      t.port = v;
    } else {
      if (typeof v !== "string") throw hostError(fn, `${k} must be a string, got ${describe(v)}`);
      if (k === "dbname" || k === "database") t.database = v;
      else t[k as "host" | "user" | "password"] = v;
    }
  }
  return t;
}

const postgresModule: HostModule = {
  name: "postgres",
  description:
    "PostgreSQL with bound parameters: write `$1`, `$2`... in the SQL and pass the values as an array, never paste them into the text. The connection is the one `pg_connect` chose, else the job's env (`DATABASE_URL`, or `POSTGRES_HOST`, `POSTGRES_PORT`, `POSTGRES_USER`, `POSTGRES_PASSWORD`, `POSTGRES_DB`), else the runner's. Rows are maps from column name to value: integers as i64, floats as f64, numeric, dates and times as text, json as maps/arrays, bytea as blob, NULL as `()`.",
  functions: [
    ...overloads(
      mainFn({
        name: "pg_connect",
        params: [],
        returns: "bool",
        doc: "Chooses and checks the job's connection: its default, a connection string, or a map (`host`, `port`, `user`, `password`, `database`).",
        example: 'pg_connect("postgres://root@127.0.0.1:5432/test");',
        run: async (ctx, args) => {
          const target = targetFromArgs("pg_connect", args) ?? jobTarget(ctx);
          try {
            await query(ctx, await poolFor(ctx, target), "select 1", []);
          } catch (e) {
            throw hostError(
              "pg_connect",
              `cannot connect to PostgreSQL at ${describeTarget(target)}: ${pgReason(e)}`,
            );
          }
          chooseTarget(ctx, target);
          return true;
        },
      }),
      ["string"],
      ["map"],
    ),
    mainFn({
      name: "pg_reset",
      params: [],
      returns: "bool",
      doc: "Closes the job's PostgreSQL connections and forgets what `pg_connect` chose; the next call connects afresh to the job's default.",
      example: 'pg_reset(); pg_connect("postgres://app@db:5432/app");',
      run: async (ctx) => {
        await resetTarget(ctx);
        return true;
      },
    }),
    mainFn({
      name: "pg_ping",
      params: [],
      returns: "bool",
      doc: "Whether the job's PostgreSQL answers (false rather than an error).",
      example: 'if !pg_ping() { throw "database down"; }',
      run: async (ctx) => {
        try {
          await query(ctx, await poolFor(ctx, jobTarget(ctx)), "select 1", []);
          return true;
        } catch {
          return false;
        }
      },
    }),
    ...sqlFn(
      {
        name: "pg_execute",
        returns: "i64",
        doc: "Runs a statement (with optional bound parameters); returns the number of rows it affected.",
        example: 'pg_execute("insert into notes (body) values ($1)", ["it\'s here"]);',
      },
      (r) => r.rowCount ?? 0,
    ),
    ...sqlFn(
      {
        name: "pg_query",
        returns: "array",
        doc: "Runs a query (with optional bound parameters); returns its rows as an array of maps.",
        example:
          'for row in pg_query("select id, body from notes where id > $1", [10]) { print(row.body); }',
      },
      (r) => rows(r),
    ),
    ...sqlFn(
      {
        name: "pg_query_one",
        returns: "map",
        doc: "Runs a query and returns its first row as a map; an error if it returns no row.",
        example: 'let n = pg_query_one("select count(*) as n from notes").n;',
      },
      (r, fn) => {
        const [first] = rows(r);
        if (first === undefined) throw hostError(fn, "the query returned no row");
        return first;
      },
    ),
  ],
  close: closePools,
};

export default postgresModule;
