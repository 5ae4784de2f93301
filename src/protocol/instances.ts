// Live runner instances: each writes a heartbeat key with a TTL; an instance whose key has
// expired is gone.
import type { Redis } from "ioredis";
import type { RedisKeys } from "./keys.js";
import { scanKeys } from "./scan.js";

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
}

export async function writeHeartbeat(
  redis: Redis,
  keys: RedisKeys,
  info: InstanceInfo,
  ttlS: number,
): Promise<void> {
  // Milliseconds: a fractional heartbeat (--heartbeat 0.5) gives a fractional lease, which EX
  // refuses ("value is not an integer"), and a refused heartbeat reads as a crashed instance.
  const ttlMs = Math.max(1, Math.ceil(ttlS * 1000));
  await redis.set(keys.instance(info.runner_id, info.instance), JSON.stringify(info), "PX", ttlMs);
}

export async function removeHeartbeat(
  redis: Redis,
  keys: RedisKeys,
  runnerId: string,
  instance: string,
): Promise<void> {
  await redis.del(keys.instance(runnerId, instance));
}

/** Every live instance (of one runner id, or of all), found with SCAN (never KEYS). */
export async function listInstances(
  redis: Redis,
  keys: RedisKeys,
  runnerId?: string,
): Promise<InstanceInfo[]> {
  const found = await scanKeys(redis, keys.instancePattern(runnerId));
  if (found.length === 0) return [];
  const values = await redis.mget(...found);
  const out: InstanceInfo[] = [];
  for (const v of values) {
    if (v === null) continue;
    try {
      out.push(JSON.parse(v) as InstanceInfo);
    } catch {
      // A key someone else wrote under our pattern: not an instance of ours.
    }
  }
  return out.sort(
    (a, b) => a.runner_id.localeCompare(b.runner_id) || a.instance.localeCompare(b.instance),
  );
}
