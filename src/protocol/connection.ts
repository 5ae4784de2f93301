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

export function connectRedis(url: string = DEFAULT_REDIS_URL, options: ConnectOptions = {}): Redis {
  const redisOptions: RedisOptions = {
    lazyConnect: false,
    retryStrategy: retryDelay,
    maxRetriesPerRequest: options.persistent ? null : 3,
    enableOfflineQueue: true,
    connectionName: options.name,
  };
  const redis = new Redis(url, redisOptions);
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
      reject(new Error(`cannot reach Redis at ${url} (no answer within ${timeoutMs / 1000} s)`));
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
