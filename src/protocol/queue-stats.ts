// A runner id's queues as numbers, read at a metrics scrape: cheap reads only (lengths and
// the oldest entry of each list, never a walk of one).
import type { Redis } from "ioredis";
import type { RedisKeys } from "./keys.js";

export interface QueueStats {
  /** Job ids queued, every priority together. */
  queued: number;
  /** How long the oldest queued job has waited since it could run (s; 0 when none). */
  oldestAgeS: number;
  /** Jobs waiting for a later time (run_at, a retry's backoff). */
  delayed: number;
  /** Dead letters kept. */
  dead: number;
}

export async function queueStats(
  redis: Redis,
  keys: RedisKeys,
  runnerId: string,
  nowMs: number = Date.now(),
): Promise<QueueStats> {
  const prios = await redis.zrange(keys.priorities(runnerId), "0", "-1");
  const lists = [keys.queue(runnerId), ...prios.map((p) => keys.queueAt(runnerId, Number(p)))];
  const pipe = redis.pipeline();
  for (const list of lists) pipe.llen(list).lindex(list, -1);
  pipe.zcard(keys.delayed(runnerId)).zcard(keys.dead(runnerId));
  const replies = ((await pipe.exec()) ?? []).map(([, v]) => v);
  let queued = 0;
  const oldestIds: string[] = [];
  lists.forEach((_, i) => {
    queued += Number(replies[2 * i] ?? 0);
    const id = replies[2 * i + 1];
    if (typeof id === "string" && id !== "~") oldestIds.push(id);
  });
  let oldestAgeS = 0;
  if (oldestIds.length > 0) {
    const pipeTimes = redis.pipeline();
    for (const id of oldestIds) pipeTimes.hmget(keys.job(id), "created_at", "run_at");
    for (const [, v] of (await pipeTimes.exec()) ?? []) {
      const [created, runAt] = (v ?? []) as (string | null)[];
      const from = Date.parse(runAt ?? created ?? "");
      if (Number.isFinite(from)) oldestAgeS = Math.max(oldestAgeS, (nowMs - from) / 1000);
    }
  }
  return {
    queued,
    oldestAgeS,
    delayed: Number(replies[2 * lists.length] ?? 0),
    dead: Number(replies[2 * lists.length + 1] ?? 0),
  };
}
