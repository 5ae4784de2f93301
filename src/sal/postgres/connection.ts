// Which PostgreSQL a job talks to, and the pools that serve it. A job uses the connection it
// chose with `pg_connect`, else its default: the job's env (DATABASE_URL, or POSTGRES_HOST,
// POSTGRES_PORT, POSTGRES_USER, POSTGRES_PASSWORD, POSTGRES_DB), then the runner's
// `databaseUrl` option, then the runner's own environment (same names), then libpq's
// defaults. Pools are kept per connection in the module's per-runner `shared` state.

import type { Pool, PoolConfig } from "pg";
import type { MainSideContext } from "../../host/index.js";
import { jobState } from "../job-state.js";
import { pgTypes } from "./convert.js";

const POOL_PREFIX = "pg-pool:";

/** A connection as scripts describe it; all parts optional (libpq fills the gaps). */
export interface PgTarget {
  connectionString?: string;
  host?: string;
  port?: number;
  user?: string;
  password?: string;
  database?: string;
}

function fromEnv(env: Readonly<Record<string, string | undefined>>): PgTarget | undefined {
  if (env.DATABASE_URL) return { connectionString: env.DATABASE_URL };
  const target: PgTarget = {};
  if (env.POSTGRES_HOST) target.host = env.POSTGRES_HOST;
  if (env.POSTGRES_PORT) target.port = Number(env.POSTGRES_PORT);
  if (env.POSTGRES_USER) target.user = env.POSTGRES_USER;
  if (env.POSTGRES_PASSWORD) target.password = env.POSTGRES_PASSWORD;
  const database = env.POSTGRES_DB ?? env.POSTGRES_DATABASE;
  if (database) target.database = database;
  return Object.keys(target).length > 0 ? target : undefined;
}

export function defaultTarget(ctx: MainSideContext): PgTarget {
  const option = ctx.job.options.databaseUrl;
  return (
    fromEnv(ctx.job.envVars) ??
    (typeof option === "string" && option !== "" ? { connectionString: option } : undefined) ??
    fromEnv(process.env) ??
    {}
  );
}

/** host:port/database as user, never the password: for messages. */
export function describeTarget(t: PgTarget): string {
  if (t.connectionString) {
    try {
      const u = new URL(t.connectionString);
      return `${u.hostname || "localhost"}:${u.port || 5432}${u.pathname || "/"}${u.username ? ` as ${decodeURIComponent(u.username)}` : ""}`;
    } catch {
      return "(invalid connection string)";
    }
  }
  const host = t.host ?? process.env.PGHOST ?? "localhost";
  const port = t.port ?? 5432;
  const db = t.database ?? process.env.PGDATABASE ?? "";
  return `${host}:${port}/${db}${t.user ? ` as ${t.user}` : ""}`;
}

function poolKey(t: PgTarget): string {
  return POOL_PREFIX + JSON.stringify(t, Object.keys(t).sort());
}

export async function poolFor(ctx: MainSideContext, target: PgTarget): Promise<Pool> {
  const key = poolKey(target);
  const cached = ctx.shared.get(key) as Pool | undefined;
  if (cached && !cached.ended) return cached;
  const pg = (await import("pg")).default;
  const config: PoolConfig = {
    ...target,
    max: 4,
    connectionTimeoutMillis: 5000,
    idleTimeoutMillis: 30_000,
    application_name: "horus-sal",
    types: pgTypes(pg.types),
  };
  const pool = new pg.Pool(config);
  // A broken idle connection is dropped by the pool; the next query reports the real error.
  pool.on("error", () => {});
  ctx.shared.set(key, pool);
  return pool;
}

/** The target of the job: the one chosen with pg_connect, else its default. */
export function jobTarget(ctx: MainSideContext): PgTarget {
  const chosen = jobState(ctx).pgKey;
  return chosen !== undefined ? (JSON.parse(chosen) as PgTarget) : defaultTarget(ctx);
}

export function chooseTarget(ctx: MainSideContext, target: PgTarget): void {
  jobState(ctx).pgKey = JSON.stringify(target);
}

export async function closePools(shared: Map<string, unknown>): Promise<void> {
  for (const [key, value] of shared) {
    if (!key.startsWith(POOL_PREFIX)) continue;
    shared.delete(key);
    await (value as Pool).end().catch(() => {});
  }
}

/**
 * Forgets the job's `pg_connect` choice and closes the pool it used, so the next call
 * connects afresh to the job's default. Other jobs on that pool finish what they hold (`end`
 * waits for checked-out clients); their next call opens a new pool.
 */
export async function resetTarget(ctx: MainSideContext): Promise<void> {
  const key = poolKey(jobTarget(ctx));
  jobState(ctx).pgKey = undefined;
  const pool = ctx.shared.get(key) as Pool | undefined;
  ctx.shared.delete(key);
  if (pool && !pool.ended) await pool.end().catch(() => {});
}
