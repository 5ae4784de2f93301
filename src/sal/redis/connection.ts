// The Redis connection scripts use: its own client (never the runner's queue connection),
// one per URL, kept in the module's per-runner `shared` state and reused across jobs. Tuned
// so a missing server is a quick, readable error and never a hang.

import type { Redis } from "ioredis";
import type { MainSideContext } from "../../sandbox/index.js";

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
  // Errors reach the caller through the failed command; this only keeps them off stderr.
  client.on("error", () => {});
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
