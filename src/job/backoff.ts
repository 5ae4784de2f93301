// How long a failed attempt waits before the next one (the job's signed `backoff`), how long
// a job may take in all, and the job that runs a dead letter again.
import { randomUUID } from "node:crypto";
import { JOB_LIMITS } from "./limits.js";
import type { Backoff, ErrorKind, Job } from "./types.js";

/**
 * The kinds of failure another attempt may cure: the script threw (a service was down), the
 * job ran out of time, its runner crashed, or the runner itself failed. A refusal (bad
 * signature, invalid job), a cancel or a resource cap gives the same answer every time.
 */
export const RETRYABLE_KINDS: ReadonlySet<ErrorKind> = new Set([
  "script",
  "timeout",
  "crashed",
  "internal",
]);

/**
 * The delay before the attempt after `failed` (1 for the first attempt), in ms: fixed, or
 * doubling from `delay_ms` for each attempt (capped at `max_delay_ms`, a day at most), then
 * spread by ±20% so jobs that failed together do not all come back together. No backoff: 0.
 */
export function retryDelayMs(
  backoff: Backoff | undefined,
  failed: number,
  random: () => number = Math.random,
): number {
  if (backoff === undefined) return 0;
  const cap = Math.min(backoff.max_delay_ms ?? JOB_LIMITS.maxBackoffMs, JOB_LIMITS.maxBackoffMs);
  const base =
    backoff.type === "fixed"
      ? backoff.delay_ms
      : backoff.delay_ms * 2 ** Math.min(Math.max(0, failed - 1), 40);
  const jittered = Math.min(base, cap) * (0.8 + 0.4 * random());
  return Math.round(Math.min(jittered, cap));
}

/**
 * The longest a job may take from now until its last attempt ends (seconds): the wait until
 * its run_at, every attempt's timeout, and the longest backoff between them. A client
 * waiting for the job's end waits this long (and a margin) before giving up.
 */
export function longestSpanS(job: Job, nowMs: number = Date.now()): number {
  const attempts = job.max_attempts ?? 1;
  let span = Math.max(0, (job.run_at === undefined ? nowMs : Date.parse(job.run_at)) - nowMs);
  for (let failed = 1; failed < attempts; failed++)
    span += retryDelayMs(job.backoff, failed, () => 1);
  return span / 1000 + attempts * job.timeout;
}

/**
 * A new job to run a dead letter again: the same work and lifecycle (not its old run_at),
 * a fresh id and time, and `HORUS_RETRY_OF` naming the original in its env_vars. Unsigned:
 * whoever retries signs it with their own key.
 */
export function retryJobOf(dead: Job, now: Date = new Date()): Job {
  const { run_at: _old, signatures: _sigs, ...rest } = dead;
  const stamp = now.toISOString();
  return {
    ...rest,
    id: randomUUID(),
    created_at: stamp,
    updated_at: stamp,
    env_vars: { ...dead.env_vars, HORUS_RETRY_OF: dead.id },
    signatures: [],
  };
}
