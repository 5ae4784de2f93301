// Redis connections. Every part of the project opens Redis through here, so options such as
// reconnection behave the same everywhere.
import { Redis, type RedisOptions } from "ioredis";

export const DEFAULT_REDIS_URL = "redis://localhost:6379";

export interface ConnectOptions {
  /**
   * Keep commands queued while Redis is away and retry them when it returns, however long
   * that takes (runners: a finished job's result must not be dropped). Otherwise commands
   * fail after a few reconnection attempts (command-line tools).
   */
  persistent?: boolean;
  /** Name shown by CLIENT LIST. */
  name?: string;
}

/** Backoff between reconnection attempts: quick at first, at most 2 seconds. */
function retryDelay(attempt: number): number {
  return Math.min(50 * 2 ** Math.min(attempt, 6), 2000);
}

/**
 * Where Redis is, as one string that every layer can pass along: an ordinary
 * `redis://[user:password@]host:port/db` or `rediss://...` (TLS) URL, or a Sentinel
 * deployment written `redis-sentinel://[:password@]host:port,host:port/master[/db]`.
 */
export function sentinelUrl(sentinels: readonly string[], master: string, base?: string): string {
  let auth = "";
  let db = "";
  if (base !== undefined) {
    const u = new URL(base);
    if (u.password) auth = `:${u.password}@`;
    const n = u.pathname.replace(/^\//, "");
    if (n !== "") db = `/${n}`;
  }
  return `redis-sentinel://${auth}${sentinels.join(",")}/${encodeURIComponent(master)}${db}`;
}

interface SentinelTarget {
  sentinels: { host: string; port: number }[];
  name: string;
  password?: string;
  db: number;
}

function parseSentinelUrl(url: string): SentinelTarget {
  const m = /^redis-sentinel:\/\/(?::([^@]*)@)?([^/]+)\/([^/]+)(?:\/(\d+))?\/?$/.exec(url);
  if (!m)
    throw new Error(
      `not a Sentinel URL (redis-sentinel://host:port,host:port/master[/db]): ${url}`,
    );
  const sentinels = (m[2] ?? "").split(",").map((hostPort) => {
    const colon = hostPort.lastIndexOf(":");
    const host = colon > 0 ? hostPort.slice(0, colon) : hostPort;
    const port = colon > 0 ? Number(hostPort.slice(colon + 1)) : 26379;
    if (!Number.isInteger(port) || port < 1 || port > 65535)
      throw new Error(`bad Sentinel address: ${hostPort}`);
    return { host, port };
  });
  return {
    sentinels,
    name: decodeURIComponent(m[3] ?? ""),
    ...(m[1] ? { password: decodeURIComponent(m[1]) } : {}),
    db: Number(m[4] ?? 0),
  };
}

/** The URL without its password, for logs and error messages. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:@/]*):([^@/]*)@/, "//$1:***@");
}

export function connectRedis(url: string = DEFAULT_REDIS_URL, options: ConnectOptions = {}): Redis {
  const redisOptions: RedisOptions = {
    lazyConnect: false,
    retryStrategy: retryDelay,
    maxRetriesPerRequest: options.persistent ? null : 3,
    enableOfflineQueue: true,
    connectionName: options.name,
  };
  const redis = url.startsWith("redis-sentinel://")
    ? new Redis({ ...redisOptions, ...parseSentinelUrl(url), sentinelRetryStrategy: retryDelay })
    : new Redis(url, redisOptions);
  // Connection errors also reject the commands that were waiting, and callers watch the
  // events they care about; without a listener ioredis prints every retry to stderr.
  redis.on("error", () => {});
  return redis;
}

/** Resolves once the connection is ready; rejects with a clear message after `timeoutMs`. */
export function whenReady(redis: Redis, url: string, timeoutMs = 5000): Promise<void> {
  if (redis.status === "ready") return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      redis.off("ready", onReady);
      reject(
        new Error(
          `cannot reach Redis at ${redactUrl(url)} (no answer within ${timeoutMs / 1000} s)`,
        ),
      );
    }, timeoutMs);
    const onReady = () => {
      clearTimeout(timer);
      resolve();
    };
    redis.once("ready", onReady);
  });
}

/** Closes a connection, waiting for pending replies, but never hanging on a dead server. */
export async function closeRedis(redis: Redis, timeoutMs = 2000): Promise<void> {
  if (redis.status === "end") return;
  const timer = setTimeout(() => redis.disconnect(), timeoutMs);
  timer.unref();
  try {
    await redis.quit();
  } catch {
    redis.disconnect();
  } finally {
    clearTimeout(timer);
  }
}
