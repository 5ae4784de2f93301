// Redis connections. Every part of the project opens Redis through here, so options such as
// reconnection behave the same everywhere.
import { Cluster, type ClusterOptions, Redis, type RedisOptions } from "ioredis";
import { DEFAULT_REDIS_URL, redactUrl } from "./urls.js";

// The URL forms, kept apart so that command lines can check them without loading ioredis.
export { clusterUrl, DEFAULT_REDIS_URL, redactUrl, sentinelUrl } from "./urls.js";

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

interface ClusterTarget {
  nodes: { host: string; port: number }[];
  username?: string;
  password?: string;
  tls: boolean;
}

/** Parses `host:port` (IPv6 hosts in brackets); `what` names the list in error messages. */
function parseAddress(hostPort: string, defaultPort: number, what: string) {
  const colon = hostPort.lastIndexOf(":");
  const hasPort = colon > 0 && !hostPort.endsWith("]");
  const host = (hasPort ? hostPort.slice(0, colon) : hostPort).replace(/^\[(.*)\]$/, "$1");
  const port = hasPort ? Number(hostPort.slice(colon + 1)) : defaultPort;
  if (host === "" || !Number.isInteger(port) || port < 1 || port > 65535)
    throw new Error(`bad ${what} address: ${hostPort}`);
  return { host, port };
}

function parseClusterUrl(url: string): ClusterTarget {
  const m = /^(rediss?)-cluster:\/\/(?:([^:@/]*):([^@/]*)@)?([^/@?#]+)\/?$/.exec(url);
  if (!m)
    throw new Error(
      `not a Cluster URL (redis-cluster://[user:password@]host:port,host:port): ${redactUrl(url)}`,
    );
  const nodes = (m[4] ?? "")
    .split(",")
    .map((a) => a.trim())
    .filter((a) => a !== "")
    .map((a) => parseAddress(a, 6379, "Cluster node"));
  if (nodes.length === 0) throw new Error(`a Cluster URL names no node: ${redactUrl(url)}`);
  return {
    nodes,
    ...(m[2] ? { username: decodeURIComponent(m[2]) } : {}),
    ...(m[3] ? { password: decodeURIComponent(m[3]) } : {}),
    tls: m[1] === "rediss",
  };
}

/** True for a URL naming one Redis server (redis:// or rediss://), not Sentinels or a Cluster. */
export function isSingleServerUrl(url: string): boolean {
  return /^rediss?:\/\//.test(url);
}

/** Whether a connection from `connectRedis` is a Cluster (see `openCluster`). */
export function isCluster(redis: Redis): boolean {
  return (redis as { isCluster?: boolean }).isCluster === true;
}

/** The master nodes of a Cluster connection; a plain connection is its own only node. */
export function masterNodes(redis: Redis): Redis[] {
  return isCluster(redis) ? (redis as unknown as Cluster).nodes("master") : [redis];
}

export function connectRedis(url: string = DEFAULT_REDIS_URL, options: ConnectOptions = {}): Redis {
  const redisOptions: RedisOptions = {
    lazyConnect: false,
    retryStrategy: retryDelay,
    maxRetriesPerRequest: options.persistent ? null : 3,
    enableOfflineQueue: true,
    connectionName: options.name,
  };
  const redis = /^rediss?-cluster:\/\//.test(url)
    ? openCluster(parseClusterUrl(url), redisOptions, options)
    : url.startsWith("redis-sentinel://")
      ? new Redis({ ...redisOptions, ...parseSentinelUrl(url), sentinelRetryStrategy: retryDelay })
      : new Redis(url, redisOptions);
  // Connection errors also reject the commands that were waiting, and callers watch the
  // events they care about; without a listener ioredis prints every retry to stderr.
  redis.on("error", () => {});
  return redis;
}

/** Failed reconnections after which a non-persistent Cluster connection fails waiting commands. */
const CLUSTER_ATTEMPTS_BEFORE_FAILING = 3;

/**
 * A Cluster connection handed out as a `Redis`, the one place the two types meet. Every
 * method the project calls on connections exists on both with the same signature (commands,
 * pipeline/multi, evalsha/eval, blmove, subscribe/publish, quit/disconnect, status, the
 * ready/error events), all keys of one namespace share one hash slot (`RedisKeys`), and the
 * one command that differs, SCAN, goes through `scanKeys`, which runs it on every master.
 */
function openCluster(
  target: ClusterTarget,
  redisOptions: RedisOptions,
  options: ConnectOptions,
): Redis {
  const clusterOptions: ClusterOptions = {
    lazyConnect: false,
    enableOfflineQueue: true,
    // While the whole Cluster is unreachable, commands wait in the offline queue and the
    // connection retries with the same backoff as a single server's.
    clusterRetryStrategy: (attempt) => {
      // Like maxRetriesPerRequest for one server: a tool's commands fail after a few failed
      // attempts (reconnection goes on); a runner's keep waiting. flushQueue is how ioredis
      // itself fails the offline queue when it gives up; it is private in its types only.
      if (!options.persistent && attempt > CLUSTER_ATTEMPTS_BEFORE_FAILING)
        (cluster as unknown as { flushQueue(e: Error): void }).flushQueue(
          new Error("Redis Cluster unreachable"),
        );
      return retryDelay(attempt);
    },
    // A node lost or failing over: retry after a pause, for minutes when persistent (a
    // finished job's result must not be dropped), a few times otherwise.
    retryDelayOnFailover: 200,
    retryDelayOnClusterDown: 200,
    retryDelayOnTryAgain: 200,
    maxRedirections: options.persistent ? 1000 : 16,
    // Each node's own connection: ioredis does not reconnect it (it refreshes the slot map
    // instead), so the single-server retry options do not apply there.
    redisOptions: {
      connectionName: redisOptions.connectionName,
      maxRetriesPerRequest: redisOptions.maxRetriesPerRequest,
      ...(target.username ? { username: target.username } : {}),
      ...(target.password ? { password: target.password } : {}),
      ...(target.tls ? { tls: {} } : {}),
    },
  };
  const cluster: Cluster = new Cluster(target.nodes, clusterOptions);
  return cluster as unknown as Redis;
}

/** An error's own words; a Cluster's "all nodes failed" carries the last node's error inside. */
function errorWords(e: Error): string {
  const inner = (e as { lastNodeError?: unknown }).lastNodeError;
  return inner instanceof Error ? `${e.message} ${inner.message}` : e.message;
}

/**
 * Resolves once the connection is ready; rejects with a clear message after `timeoutMs`,
 * naming the last connection error seen (a refused password, say) when there was one.
 */
export function whenReady(redis: Redis, url: string, timeoutMs = 5000): Promise<void> {
  if (redis.status === "ready") return Promise.resolve();
  return new Promise((resolve, reject) => {
    let lastError = "";
    const onError = (e: Error) => {
      lastError = errorWords(e);
    };
    const timer = setTimeout(() => {
      redis.off("ready", onReady);
      redis.off("error", onError);
      const why = lastError === "" ? "" : `; last error: ${lastError}`;
      reject(
        new Error(
          `cannot reach Redis at ${redactUrl(url)} (no answer within ${timeoutMs / 1000} s${why})`,
        ),
      );
    }, timeoutMs);
    const onReady = () => {
      clearTimeout(timer);
      redis.off("error", onError);
      resolve();
    };
    redis.once("ready", onReady);
    redis.on("error", onError);
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
