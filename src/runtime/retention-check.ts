// Whether what a runner id keeps fits in Redis: finished jobs stay for --result-ttl, at most
// --keep-finished of them, and at a high rate that is more than a Redis holds. Checked from
// what Redis has seen (the last ten minutes of ends, and the size of recent jobs), never
// from guesses, and said once at start-up and hourly: a Redis that fills up refuses every
// submit (see docs/operations.md, "Sizing Redis").
import type { Redis } from "ioredis";
import type { RedisKeys } from "../protocol/index.js";
import type { Logger } from "./logger.js";

export interface RetentionEstimate {
  /** Jobs ended per second over the window. */
  ratePerS: number;
  /** Average bytes a recent finished job holds in Redis (its hash, result, logs, reply, claim). */
  bytesPerJob: number;
  /** Jobs kept at that rate: the rate times the retention, or the count cap if lower. */
  jobsKept: number;
  /** What they take: jobs kept times bytes per job. */
  bytesKept: number;
  /** Redis's maxmemory (0: none). */
  maxMemory: number;
}

const WINDOW_MS = 10 * 60 * 1000;
const SAMPLE = 20;

/**
 * Estimates what a runner id's retention will hold at the rate its jobs have ended lately.
 * Undefined when nothing has ended lately (no rate to go by) or the count cap is off (the
 * ends are not counted then).
 */
export async function estimateRetention(
  redis: Redis,
  keys: RedisKeys,
  runnerId: string,
  retentionS: number,
  keepFinished: number,
  now = Date.now(),
): Promise<RetentionEstimate | undefined> {
  if (keepFinished <= 0) return undefined;
  const done = keys.done(runnerId);
  const ended = await redis.zcount(done, now - WINDOW_MS, now);
  if (ended === 0) return undefined;
  const ratePerS = ended / (WINDOW_MS / 1000);
  const recent = await redis.zrevrange(done, 0, SAMPLE - 1);
  let bytes = 0;
  let sampled = 0;
  for (const id of recent) {
    const parts = [keys.job(id), keys.result(id), keys.logs(id), keys.reply(id), keys.claim(id)];
    const sizes = await Promise.all(
      parts.map((k) => redis.call("MEMORY", "USAGE", k) as Promise<number | null>),
    );
    if (sizes[0] === null) continue; // deleted meanwhile
    bytes += sizes.reduce<number>((sum, n) => sum + (n ?? 0), 0);
    sampled += 1;
  }
  if (sampled === 0) return undefined;
  const bytesPerJob = bytes / sampled;
  const info = await redis.info("memory");
  const maxMemory = Number(/maxmemory:(\d+)/.exec(info)?.[1] ?? 0);
  const jobsKept = Math.min(keepFinished, ratePerS * retentionS);
  return { ratePerS, bytesPerJob, jobsKept, bytesKept: jobsKept * bytesPerJob, maxMemory };
}

/** The warning to give, if the estimate does not fit in Redis's maxmemory. */
export function retentionWarning(e: RetentionEstimate): string | undefined {
  if (e.maxMemory <= 0 || e.bytesKept <= e.maxMemory) return undefined;
  const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;
  return (
    `retention would exceed Redis's maxmemory: at ${e.ratePerS.toFixed(2)} jobs/s, ` +
    `${Math.round(e.jobsKept)} finished jobs of ~${Math.round(e.bytesPerJob)} bytes are kept ` +
    `(${mb(e.bytesKept)}) against maxmemory ${mb(e.maxMemory)}; ` +
    "lower --result-ttl or --keep-finished, or raise maxmemory"
  );
}

/** Checks now and every hour, saying a warning when the retention does not fit; stop() ends it. */
export function watchRetention(
  redis: Redis,
  keys: RedisKeys,
  runnerId: string,
  retentionS: number,
  keepFinished: number,
  log: Logger,
): { stop(): void } {
  const check = () => {
    estimateRetention(redis, keys, runnerId, retentionS, keepFinished).then(
      (estimate) => {
        if (estimate === undefined) return;
        const warning = retentionWarning(estimate);
        if (warning) log.warn({ ...estimate }, warning);
        else log.debug({ ...estimate }, "retention estimate fits in Redis");
      },
      () => {
        // Redis away, or MEMORY not allowed to this user: nothing to say.
      },
    );
  };
  check();
  const timer = setInterval(check, 3600_000);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
