// Lease and sweep: an instance holds each job it took in its active list, and its heartbeat
// key is the lease on all of them. When the heartbeat has expired the instance is gone, and
// one live instance (the one that wins the sweep guard) recovers what its lists hold. The
// sweep finds instances in their runner's registry (see HEARTBEAT), never by SCAN: a
// keyspace of a million retained keys cost Redis 1.8 s of CPU per sweep, every 10 s.

import type { Redis } from "ioredis";
import { type Backoff, retryDelayMs } from "../job/index.js";
import { decodeCode, RECOVER_CODES } from "./codes.js";
import { registeredInstances, unregisterInstance } from "./instances.js";
import type { RedisKeys } from "./keys.js";
import { RECOVER } from "./scripts.js";
import { runScript } from "./scripts-runner.js";
import type { JobReply } from "./store.js";

export interface SweepOptions {
  /** The sweeping instance (its own list is never swept). */
  self: string;
  /** How many times a job may be started in all; a crashed job past that ends `crashed`. */
  maxAttempts: number;
  retentionS: number;
  /** Dead letters the runner id keeps at most (a job that crashed on its last attempt). */
  keepDead?: number;
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
  for (const instance of await registeredInstances(redis, keys, runnerId)) {
    if (instance === opts.self) continue;
    if ((await redis.exists(keys.instance(runnerId, instance))) === 1) continue;
    // Besides its active list, a dead instance may have left an id in its taking list (killed
    // between a blocking take's two commands): not started, so it goes back like any other.
    const lists = [keys.active(runnerId, instance), keys.taking(runnerId, instance)];
    for (const list of lists)
      await recoverList(redis, keys, runnerId, instance, list, opts, report);
    // Nothing left to recover from it (unless it came back meanwhile, or a list refilled).
    await unregisterInstance(redis, keys, runnerId, instance, false);
  }
  return report;
}

/**
 * What a crashed attempt of a job leads to: how many times the job may start in all (its
 * max_attempts, else the runner's --max-attempts), and when a retry is due (its backoff).
 * Read from the job's hash unverified: these only decide whether it is queued again, and the
 * runner that takes it checks the attempt against the signed job before running it.
 */
async function nextAttempt(
  redis: Redis,
  keys: RedisKeys,
  id: string,
  opts: SweepOptions,
): Promise<{
  budget: number;
  dueMs: number;
  now: string;
  history: (instance: string, message: string) => string;
}> {
  const [maxAttempts, backoffText, attemptsText, startedAt] = await redis.hmget(
    keys.job(id),
    "max_attempts",
    "backoff",
    "attempts",
    "started_at",
  );
  const now = new Date().toISOString();
  const signed = Number(maxAttempts);
  const budget = Number.isSafeInteger(signed) && signed >= 1 ? signed : opts.maxAttempts;
  const attempt = Number(attemptsText) || 0;
  let backoff: Backoff | undefined;
  try {
    backoff = backoffText ? (JSON.parse(backoffText) as Backoff) : undefined;
  } catch {
    backoff = undefined;
  }
  const delay = backoff === undefined ? 0 : retryDelayMs(backoff, attempt);
  const dueMs = Number.isFinite(delay) && delay > 0 ? Date.now() + delay : 0;
  return {
    budget,
    dueMs,
    now,
    history: (instance, message) =>
      maxAttempts === null
        ? ""
        : JSON.stringify({
            attempt,
            instance,
            started_at: startedAt ?? undefined,
            ended_at: now,
            status: "error",
            error_kind: "crashed",
            error: message,
          }),
  };
}

/** Recovers every id of one list (active or taking) a dead instance held. */
async function recoverList(
  redis: Redis,
  keys: RedisKeys,
  runnerId: string,
  instance: string,
  list: string,
  opts: SweepOptions,
  report: SweepReport,
): Promise<void> {
  const message = `the runner instance running the job (${instance}) stopped renewing its lease (it crashed, was killed, or was paused past the lease) and stopped without finishing it`;
  for (const id of await redis.lrange(list, 0, -1)) {
    const reply: JobReply = { id, status: "error", error_kind: "crashed" };
    const next = await nextAttempt(redis, keys, id, opts);
    const code = await runScript(
      redis,
      RECOVER,
      [
        keys.job(id),
        keys.queue(runnerId),
        list,
        keys.claim(id),
        keys.result(id),
        keys.reply(id),
        keys.logs(id),
        keys.instance(runnerId, instance),
        keys.delayed(runnerId),
        keys.running(runnerId),
        keys.dead(runnerId),
        keys.attempts(id),
      ],
      [
        id,
        instance,
        next.budget,
        next.now,
        opts.retentionS,
        message,
        JSON.stringify({ error: message }),
        JSON.stringify(reply),
        next.dueMs,
        opts.keepDead ?? 0,
        keys.control(runnerId),
        next.history(instance, message),
        next.dueMs > 0 ? new Date(next.dueMs).toISOString() : "",
      ],
    );
    const word = decodeCode(RECOVER_CODES, code, "RECOVER");
    if (word === "requeued") report.requeued += 1;
    else if (word === "retried") report.retried += 1;
    else if (word === "crashed") report.crashed += 1;
    else if (word === "missing" || word === "had-ended") report.cleaned += 1;
  }
}
