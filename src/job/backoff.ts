// How long a failed attempt waits before the next one (the job's signed `backoff`), how long
// a job may take in all, and the job that runs a dead letter again (and the check that a job
// someone else made is that job).
import { randomUUID } from "node:crypto";
import { canonicalJson } from "./canonical.js";
import { verifyJobSignatures } from "./crypto.js";
import { nodeOfJobId } from "./flow.js";
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

/**
 * Why a dead letter's work must not be signed again, or undefined when it may. Whoever
 * retries signs the old job's work as their own: only work its signer signed, never a
 * payload someone changed in Redis while it lay among the dead (every signature must hold).
 */
export function retryRefusal(dead: Job): string | undefined {
  // A flow's node has no signature of its own: its flow's authorises it, for that flow's
  // run alone. Signed again as a job of its own it would run without its parents' results
  // (PARENTS) and without the flow going on after it, so it is not (docs/flows.md).
  const node = dead.signatures.length === 0 ? nodeOfJobId(dead.id) : undefined;
  if (node !== undefined)
    return `job ${dead.id} is node "${node.node}" of flow "${node.flow}": its flow's signature authorises it, and it has none of its own to sign again (alone it would run without its parents' results and nothing would follow it). Run the flow again: horus flow run FILE signs it under a new id`;
  const report = verifyJobSignatures(dead);
  if (report.valid.length > 0 && report.invalid.length === 0) return undefined;
  const why = report.invalid.length > 0 ? `: ${report.invalid.join("; ")}` : "";
  return `job ${dead.id}'s signatures do not hold (it was changed after it was signed${why}): its work is not signed again`;
}

/** The fields a retry has of its own: everything else is the dead letter's (retryJobOf). */
const OWN_FIELDS: ReadonlySet<string> = new Set(["id", "created_at", "updated_at", "signatures"]);

/** Canonical JSON of a field's value; absent and undefined read alike. */
function valueText(value: unknown): string | undefined {
  return value === undefined ? undefined : canonicalJson(value);
}

/**
 * Why `candidate` is not what retryJobOf(dead) makes, or undefined when it is: the same
 * fields as the dead letter but its own id and times (and signatures), env_vars with
 * HORUS_RETRY_OF naming the dead letter, no run_at. For a retry made and signed elsewhere (a
 * browser, `horus --supervisor`) before it is run in the letter's place. The reason names the
 * fields that differ (and the env_vars names, never their values).
 */
export function retryMismatch(dead: Job, candidate: Job): string | undefined {
  const expected = retryJobOf(dead) as unknown as Record<string, unknown>;
  const given = candidate as unknown as Record<string, unknown>;
  const differ: string[] = [];
  if (candidate.id === dead.id) differ.push("id (a retry has an id of its own)");
  const fields = [...new Set([...Object.keys(expected), ...Object.keys(given)])].sort();
  for (const field of fields) {
    if (OWN_FIELDS.has(field) || valueText(expected[field]) === valueText(given[field])) continue;
    if (field !== "env_vars") {
      differ.push(field);
      continue;
    }
    const want = expected.env_vars as Record<string, string>;
    const got = candidate.env_vars;
    const names = [...new Set([...Object.keys(want), ...Object.keys(got)])]
      .filter((name) => want[name] !== got[name])
      .sort();
    differ.push(`env_vars (${names.join(", ")})`);
  }
  if (differ.length === 0) return undefined;
  return `not a retry of job ${dead.id}: ${differ.join(", ")} ${differ.length === 1 ? "differs" : "differ"} from what retrying it gives (the same job with a new id and time, env_vars HORUS_RETRY_OF=${dead.id}, no run_at)`;
}
