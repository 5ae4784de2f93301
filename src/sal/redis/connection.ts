// The Redis connection scripts use: its own client (never the runner's queue connection),
// one per URL, kept in the module's per-runner `shared` state and reused across jobs. Tuned
// so a missing server is a quick, readable error and never a hang.

import type { Redis } from "ioredis";
import type { MainSideContext } from "../../host/index.js";
import { coerceError } from "../../util/index.js";

const DEFAULT_URL = "redis://127.0.0.1:6379";
const CLIENT_PREFIX = "redis-client:";

/** Where a job's Redis calls go: job env REDIS_URL, the runner's option, its env, the default. */
export function redisUrl(ctx: MainSideContext): string {
  const fromOptions = ctx.job.options.redisUrl;
  return (
    ctx.job.envVars.REDIS_URL ||
    (typeof fromOptions === "string" && fromOptions !== "" ? fromOptions : "") ||
    process.env.REDIS_URL ||
    DEFAULT_URL
  );
}

/** A URL fit for an error message: the password is hidden. */
export function safeUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.href.replace(/\/$/, "");
  } catch {
    return "(invalid Redis URL)";
  }
}

const lastErrors = new WeakMap<Redis, Error>();

/** Why a command failed, in words: the connection problem behind a retry error if any. */
export function redisFailure(client: Redis, e: unknown): string {
  const connection = lastErrors.get(client);
  if (connection && client.status !== "ready") {
    const code = (connection as NodeJS.ErrnoException).code;
    return `cannot connect: ${code ?? connection.message}`;
  }
  return coerceError(e).message;
}

export async function redisClient(ctx: MainSideContext): Promise<Redis> {
  const url = redisUrl(ctx);
  const key = CLIENT_PREFIX + url;
  const cached = ctx.shared.get(key) as Redis | undefined;
  if (cached && cached.status !== "end") return cached;
  const { Redis: RedisClient } = await import("ioredis");
  const client = new RedisClient(url, {
    lazyConnect: true,
    connectTimeout: 3000,
    commandTimeout: 5000,
    maxRetriesPerRequest: 1,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
    connectionName: "horus-sal",
  });
  // Connection errors are remembered for the failed command's message (ioredis itself only
  // says it ran out of retries), and kept off stderr.
  client.on("error", (e: Error) => lastErrors.set(client, e));
  client.on("ready", () => lastErrors.delete(client));
  ctx.shared.set(key, client);
  return client;
}

/** Closes every client this module opened (the runner is stopping). */
export async function closeRedisClients(shared: Map<string, unknown>): Promise<void> {
  for (const [key, value] of shared) {
    if (!key.startsWith(CLIENT_PREFIX)) continue;
    shared.delete(key);
    const client = value as Redis;
    await client.quit().catch(() => client.disconnect());
  }
}

/**
 * Drops the job's client (its URL's), so the next call connects afresh. `quit` lets commands
 * already sent by other jobs on the same client finish; new calls get a new client.
 */
export async function resetRedisClient(ctx: MainSideContext): Promise<void> {
  const key = CLIENT_PREFIX + redisUrl(ctx);
  const client = ctx.shared.get(key) as Redis | undefined;
  ctx.shared.delete(key);
  if (client) await client.quit().catch(() => client.disconnect());
}
