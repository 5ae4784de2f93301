// Where Redis is, written as one URL string, and the string functions on it. Free of any
// Redis client, so command lines can build and check URLs without loading one.

export const DEFAULT_REDIS_URL = "redis://localhost:6379";

/**
 * Where Redis is, as one string that every layer can pass along: an ordinary
 * `redis://[user:password@]host:port/db` or `rediss://...` (TLS) URL, a Sentinel
 * deployment written `redis-sentinel://[:password@]host:port,host:port/master[/db]`, or a
 * Cluster written `redis-cluster://[user:password@]host:port,host:port` (`rediss-cluster://`
 * with TLS); see `clusterUrl`.
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

/**
 * A Redis Cluster reached through any of these nodes (the others are discovered). The user,
 * password and TLS, if any, come from the base URL; a Cluster has only database 0.
 */
export function clusterUrl(nodes: readonly string[], base?: string): string {
  let scheme = "redis-cluster";
  let auth = "";
  if (base !== undefined) {
    const u = new URL(base);
    if (u.protocol === "rediss:") scheme = "rediss-cluster";
    if (u.username || u.password) auth = `${u.username}:${u.password}@`;
    const db = u.pathname.replace(/^\//, "");
    if (db !== "" && db !== "0")
      throw new Error(`a Redis Cluster has only database 0, not ${db} (${redactUrl(base)})`);
  }
  return `${scheme}://${auth}${nodes.join(",")}`;
}

/** The URL without its password, for logs and error messages. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:@/]*):([^@/]*)@/, "//$1:***@");
}
