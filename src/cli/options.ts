// Options several commands share, defined once so their names, variables and defaults agree.
// On `horus --help`'s path: this imports only light modules (protocol/urls.ts, not the
// protocol's index, which loads the Redis client).
import { Option } from "commander";
import { clusterUrl, DEFAULT_REDIS_URL, redactUrl, sentinelUrl } from "../protocol/urls.js";

const REDIS_URL_FORMS =
  "redis://[user:password@]host[:port][/db], rediss://... for TLS, redis-sentinel://host:port,.../master[/db] or redis-cluster://host:port,...";

/**
 * Why `url` is not a Redis URL a connection can use, or undefined when it is. Checked up
 * front: ioredis reads anything else as a socket path or a default and fails much later
 * with words that point elsewhere ("connect ENOENT //bar").
 */
export function redisUrlProblem(url: string): string | undefined {
  const shown = redactUrl(url);
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(url)?.[1]?.toLowerCase();
  if (scheme === undefined) return `"${shown}" is not a URL; use ${REDIS_URL_FORMS}`;
  if (["redis-sentinel", "redis-cluster", "rediss-cluster"].includes(scheme)) return undefined;
  if (scheme !== "redis" && scheme !== "rediss")
    return `"${shown}": unknown scheme ${scheme}://; use ${REDIS_URL_FORMS}`;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return `"${shown}" is not a valid URL; use ${REDIS_URL_FORMS}`;
  }
  if (parsed.hostname === "") return `"${shown}" names no host`;
  const db = parsed.pathname.replace(/^\//, "");
  if (db !== "" && !/^\d+$/.test(db))
    return `"${shown}": the path is the database number, not "${db}"`;
  return undefined;
}

/**
 * Throws, naming the flag, when `url` is not a usable Redis URL. Not a commander argument
 * parser: commander's message repeats the value as given, password and all.
 */
export function checkRedisUrl(url: string, flag: string): void {
  const problem = redisUrlProblem(url);
  if (problem !== undefined) throw new Error(`${flag}: ${problem}`);
}

/** `--redis-url URL` (or HORUS_REDIS_URL), default redis://localhost:6379. */
export function redisUrlOption(description = "Redis the runners read"): Option {
  return new Option("--redis-url <url>", description)
    .env("HORUS_REDIS_URL")
    .default(DEFAULT_REDIS_URL);
}

/** `--namespace NS` (or HORUS_NAMESPACE): the prefix of every Redis key. */
export function namespaceOption(): Option {
  return new Option("--namespace <ns>", "prefix of every Redis key")
    .env("HORUS_NAMESPACE")
    .default("");
}

/** `--redis-cluster host:port,...` (or HORUS_REDIS_CLUSTER): Redis is a Cluster. */
export function redisClusterOption(): Option {
  return new Option(
    "--redis-cluster <list>",
    "reach a Redis Cluster through these nodes, host:port comma-separated (every key of a namespace goes to one hash slot)",
  ).env("HORUS_REDIS_CLUSTER");
}

/** The flags that together say where Redis is. */
export interface RedisLocationFlags {
  redisUrl: string;
  redisCluster?: string;
  redisSentinels?: string;
  redisMaster?: string;
}

function hostList(list: string): string[] {
  return list
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
}

/**
 * Where Redis is, as the one URL every layer takes (see `connectRedis`). With
 * --redis-cluster or --redis-sentinels the password (and for Sentinel the database) still
 * come from --redis-url when it is given. Throws with a message for the user on a bad mix.
 */
export function redisUrlFromFlags(flags: RedisLocationFlags): string {
  const { redisCluster: cluster, redisSentinels: sentinels, redisMaster: master } = flags;
  checkRedisUrl(flags.redisUrl, "--redis-url (or HORUS_REDIS_URL)");
  const base = flags.redisUrl === DEFAULT_REDIS_URL ? undefined : flags.redisUrl;
  if (cluster !== undefined && (sentinels !== undefined || master !== undefined))
    throw new Error("--redis-cluster excludes --redis-sentinels and --redis-master");
  if (cluster !== undefined) {
    const nodes = hostList(cluster);
    if (nodes.length === 0) throw new Error("--redis-cluster needs at least one host:port");
    return clusterUrl(nodes, base);
  }
  if ((sentinels === undefined) !== (master === undefined))
    throw new Error("--redis-sentinels and --redis-master go together");
  if (sentinels !== undefined && master !== undefined)
    return sentinelUrl(hostList(sentinels), master, base);
  return flags.redisUrl;
}
