// Lease and sweep: an instance holds each job it took in its active list, and its heartbeat
// key is the lease on all of them. When the heartbeat has expired the instance is gone, and
// one live instance (the one that wins the sweep guard) recovers what its list holds.
import type { Redis } from "ioredis";
import type { RedisKeys } from "./keys.js";
import { scanKeys } from "./scan.js";
import { RECOVER } from "./scripts.js";
import { runScript } from "./scripts-runner.js";
import type { JobReply } from "./store.js";

export interface SweepOptions {
  /** The sweeping instance (its own list is never swept). */
  self: string;
  /** How many times a job may be started in all; a crashed job past that ends `crashed`. */
  maxAttempts: number;
  retentionS: number;
  /** How long the sweep guard is held: at most one sweep per runner id in this time. */
  guardMs: number;
}

export interface SweepReport {
  swept: boolean;
  requeued: number;
  retried: number;
  crashed: number;
  /** Ids that had ended already, or were gone. */
  cleaned: number;
}

export async function sweepCrashedInstances(
  redis: Redis,
  keys: RedisKeys,
  runnerId: string,
  opts: SweepOptions,
): Promise<SweepReport> {
  const report: SweepReport = { swept: false, requeued: 0, retried: 0, crashed: 0, cleaned: 0 };
  const guard = await redis.set(keys.sweepGuard(runnerId), opts.self, "PX", opts.guardMs, "NX");
  if (guard === null) return report;
  report.swept = true;
  // Besides its active list, a dead instance may have left an id in its taking list (killed
  // between a blocking take's two commands): not started, so it goes back like any other.
  const lists = [
    ...(await scanKeys(redis, keys.activePattern(runnerId))).map((key) => ({
      key,
      instance: keys.instanceOfActive(runnerId, key),
    })),
    ...(await scanKeys(redis, keys.takingPattern(runnerId))).map((key) => ({
      key,
      instance: keys.instanceOfTaking(runnerId, key),
    })),
  ];
  for (const { key: activeKey, instance } of lists) {
    if (instance === opts.self) continue;
    if ((await redis.exists(keys.instance(runnerId, instance))) === 1) continue;
    for (const id of await redis.lrange(activeKey, 0, -1)) {
      const message = `the runner instance running the job (${instance}) stopped without finishing it`;
      const reply: JobReply = { id, status: "error", error_kind: "crashed" };
      const code = await runScript(
        redis,
        RECOVER,
        [
          keys.job(id),
          keys.queue(runnerId),
          activeKey,
          keys.claim(id),
          keys.result(id),
          keys.reply(id),
          keys.logs(id),
          keys.instance(runnerId, instance),
        ],
        [
          id,
          instance,
          opts.maxAttempts,
          new Date().toISOString(),
          opts.retentionS,
          message,
          JSON.stringify({ error: message }),
          JSON.stringify(reply),
        ],
      );
      if (code === 2) report.requeued += 1;
      else if (code === 4) report.retried += 1;
      else if (code === 5) report.crashed += 1;
      else if (code === 0 || code === 1) report.cleaned += 1;
    }
  }
  return report;
}
