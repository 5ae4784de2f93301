// Submitting many jobs at once: SUBMIT_MANY runs SUBMIT's Lua for each job of a call, and
// every call of a batch leaves in one write.
import type { Job } from "../job/index.js";
import { decodeCode, SUBMIT_CODES } from "./codes.js";
import { SUBMIT_MANY } from "./scripts.js";
import { runScriptBatched } from "./scripts-runner.js";
import { explainRedisError, type JobStore } from "./store.js";

/** How one job of `submitMany` went (see JobStore.submitMany). */
export interface SubmitOutcome {
  id: string;
  /**
   * `stored`: queued, or scheduled for its run_at; `exists` and `claimed`: refused as SUBMIT
   * refuses; `failed`: the call that held it failed (`error` says how), and whether it was
   * stored is unknown: submitting the same job again is safe (if it was, that says `exists`).
   */
  outcome: "stored" | "exists" | "claimed" | "failed";
  error?: string;
}

/**
 * Most jobs in one SUBMIT_MANY call, and about the most bytes of their fields: Redis serves
 * nobody else while a script runs, and each job costs it about ten commands, so a call stays
 * around a millisecond. A job larger than the byte bound goes in a call of its own.
 */
export const SUBMIT_MANY_MAX_JOBS = 100;
export const SUBMIT_MANY_MAX_BYTES = 1024 * 1024;

/**
 * Stores and queues many jobs as SUBMIT does each one, in calls of SUBMIT_MANY holding at
 * most SUBMIT_MANY_MAX_JOBS jobs (and about SUBMIT_MANY_MAX_BYTES), all sent in one write:
 * one round trip for the lot. Each job is refused on its own (its id exists, or was
 * claimed) and the others go in; the answer has one outcome per job, in order. Never
 * throws for a refused job or a failed call: the outcomes say which jobs went in.
 */
export async function submitMany(store: JobStore, jobs: readonly Job[]): Promise<SubmitOutcome[]> {
  const calls: { ids: string[]; keys: string[]; args: string[]; bytes: number }[] = [];
  let call: (typeof calls)[number] | undefined;
  for (const job of jobs) {
    const [keys, args] = store.submitCall(job);
    let bytes = 0;
    for (const a of args) bytes += a.length;
    if (
      call === undefined ||
      call.ids.length >= SUBMIT_MANY_MAX_JOBS ||
      (call.ids.length > 0 && call.bytes + bytes > SUBMIT_MANY_MAX_BYTES)
    ) {
      call = { ids: [], keys: [], args: [], bytes: 0 };
      calls.push(call);
    }
    call.ids.push(job.id);
    call.keys.push(...keys);
    // SUBMIT's arguments with the count of the hash's items before them (see SUBMIT_MANY).
    call.args.push(...args.slice(0, 4), String(args.length - 4));
    for (let i = 4; i < args.length; i++) call.args.push(args[i] as string);
    call.bytes += bytes;
  }
  // Called in one tick, the calls leave in one write (runScriptBatched).
  const replies = await Promise.allSettled(
    calls.map((c) => runScriptBatched(store.redis, SUBMIT_MANY, c.keys, c.args)),
  );
  const out: SubmitOutcome[] = [];
  replies.forEach((reply, i) => {
    const ids = (calls[i] as (typeof calls)[number]).ids;
    if (reply.status === "rejected") {
      const error = explainRedisError(reply.reason, `${ids.length} jobs were not submitted`);
      const message = error instanceof Error ? error.message : String(error);
      for (const id of ids) out.push({ id, outcome: "failed", error: message });
      return;
    }
    const codes = reply.value as unknown[];
    ids.forEach((id, k) => {
      out.push({ id, outcome: decodeCode(SUBMIT_CODES, codes[k], "SUBMIT_MANY") });
    });
  });
  return out;
}
