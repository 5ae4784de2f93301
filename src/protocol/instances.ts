// Runner instances: each renews a heartbeat key with a TTL, its lease on the jobs it holds,
// and is listed in its runner's registry while it may hold any; an instance whose lease has
// expired is gone.
import type { Redis } from "ioredis";
import { decodeCode, HEARTBEAT_CODES, UNREGISTER_CODES } from "./codes.js";
import type { RedisKeys } from "./keys.js";
import { HEARTBEAT, UNREGISTER } from "./scripts.js";
import { runScript } from "./scripts-runner.js";

export interface InstanceInfo {
  runner_id: string;
  instance: string;
  host: string;
  pid: number;
  kind: string;
  version: string;
  concurrency: number;
  started_at: string;
  jobs_done: number;
  jobs_running: number;
  /** The key this instance signs results with (compressed hex), when it signs them. */
  public_key?: string;
}

/**
 * Renews an instance's lease and keeps it in its runner's registry (see HEARTBEAT): a lease
 * that lapsed while the instance lived (a long pause, Redis away) and was swept meanwhile
 * registers it again with its next beat.
 */
export async function writeHeartbeat(
  redis: Redis,
  keys: RedisKeys,
  info: InstanceInfo,
  ttlS: number,
): Promise<"renewed" | "lapsed"> {
  // Milliseconds: a fractional heartbeat (--heartbeat 0.5) gives a fractional lease, which PX
  // takes and EX refuses ("value is not an integer"); a refused heartbeat reads as a crash.
  const ttlMs = Math.max(1, Math.ceil(ttlS * 1000));
  const code = await runScript(
    redis,
    HEARTBEAT,
    [
      keys.instance(info.runner_id, info.instance),
      keys.instances(info.runner_id),
      keys.runnerIds(),
    ],
    [JSON.stringify(info), ttlMs, info.instance, info.runner_id],
  );
  return decodeCode(HEARTBEAT_CODES, code, "HEARTBEAT");
}

/** What UNREGISTER's code says. */
export type Unregistered = "unregistered" | "alive" | "holds-jobs";

/**
 * Takes an instance out of its runner's registry if its lease is gone and its lists are
 * empty; with `stopping`, drops the lease first (the instance itself, stopping cleanly).
 */
export async function unregisterInstance(
  redis: Redis,
  keys: RedisKeys,
  runnerId: string,
  instance: string,
  stopping: boolean,
): Promise<Unregistered> {
  const code = await runScript(
    redis,
    UNREGISTER,
    [
      keys.instance(runnerId, instance),
      keys.active(runnerId, instance),
      keys.taking(runnerId, instance),
      keys.instances(runnerId),
      keys.runnerIds(),
    ],
    [instance, stopping ? "stop" : "swept", runnerId],
  );
  return decodeCode(UNREGISTER_CODES, code, "UNREGISTER");
}

/** The instances registered for a runner id, alive or not (see HEARTBEAT). */
export async function registeredInstances(
  redis: Redis,
  keys: RedisKeys,
  runnerId: string,
): Promise<string[]> {
  return (await redis.smembers(keys.instances(runnerId))).sort();
}

/**
 * Every live instance (of one runner id, or of all): the registered ones whose lease is
 * held. Read from the registries, so it costs the same however many jobs Redis keeps.
 */
export async function listInstances(
  redis: Redis,
  keys: RedisKeys,
  runnerId?: string,
): Promise<InstanceInfo[]> {
  const runnerIds = runnerId === undefined ? await redis.smembers(keys.runnerIds()) : [runnerId];
  const heartbeats: string[] = [];
  for (const id of runnerIds) {
    for (const instance of await registeredInstances(redis, keys, id))
      heartbeats.push(keys.instance(id, instance));
  }
  if (heartbeats.length === 0) return [];
  const values = await redis.mget(...heartbeats);
  const out: InstanceInfo[] = [];
  for (const v of values) {
    if (v === null) continue;
    try {
      out.push(JSON.parse(v) as InstanceInfo);
    } catch {
      // Not written by a heartbeat: not an instance of ours.
    }
  }
  return out.sort(
    (a, b) => a.runner_id.localeCompare(b.runner_id) || a.instance.localeCompare(b.instance),
  );
}
