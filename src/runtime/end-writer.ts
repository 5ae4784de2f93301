// Recording a job's end so that a refused write never makes the job run again: the outcome
// is decided once, as an exact FINISH call, and only the write is retried (in the state
// directory too, so that the next start writes what a stopped runner could not).
import {
  type FinishCall,
  type FinishOutcome,
  type JobStore,
  signedArgs,
} from "../protocol/index.js";
import { coerceError } from "../util/index.js";
import type { Logger } from "./logger.js";
import type { PendingEnds } from "./state-dir.js";

/** A job's end that could not be written yet: left to the next start (see PendingEnds). */
export type EndOutcome = FinishOutcome | "deferred";

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms).unref());
}

function describe(e: unknown): string {
  const error = coerceError(e);
  return error.message || error.name;
}

export class EndWriter {
  /** Ends whose write Redis refused, being retried. */
  private readonly retrying = new Set<Promise<EndOutcome>>();
  /** Stopping, past the grace period: ends still refused are left to the next start. */
  private abandoned = false;

  constructor(
    private readonly store: JobStore,
    private readonly pending: PendingEnds | undefined,
    private readonly log: Logger,
  ) {}

  /**
   * Writes a job's end, and when Redis refuses it (out of memory, unreachable) keeps the
   * outcome (in the state directory too) and retries only the write, with backoff. The same
   * FINISH call is sent each time, so one that went through unseen answers "written" again.
   * `saved`: the call is in the state directory already (left by an earlier process).
   */
  async write(call: FinishCall, saved = false): Promise<EndOutcome> {
    try {
      const outcome = await this.store.writeEnd(call);
      if (saved) this.pending?.remove(call.id);
      return outcome;
    } catch (e) {
      this.log.warn(
        { job_id: call.id, err: describe(e) },
        "cannot record the job's end; keeping its outcome and retrying the write",
      );
    }
    if (!saved) {
      try {
        // Kept as it will be sent: signed now if its write never got as far (end-signing.ts).
        signedArgs(call);
        this.pending?.save(call);
      } catch (e) {
        this.log.error({ job_id: call.id, err: describe(e) }, "cannot keep the job's end on disk");
      }
    }
    const retry = this.retry(call);
    this.retrying.add(retry);
    void retry.finally(() => this.retrying.delete(retry));
    return retry;
  }

  private async retry(call: FinishCall): Promise<EndOutcome> {
    for (let n = 1; ; n++) {
      await sleep(Math.min(100 * 2 ** n, 1000));
      if (this.abandoned) {
        this.log.warn({ job_id: call.id }, "job end still refused; left to the next start");
        return "deferred";
      }
      try {
        const outcome = await this.store.writeEnd(call);
        this.pending?.remove(call.id);
        this.log.info({ job_id: call.id, outcome, tries: n + 1 }, "job end recorded");
        return outcome;
      } catch (e) {
        this.log.debug(
          { job_id: call.id, tries: n + 1, err: describe(e) },
          "job end still refused",
        );
      }
    }
  }

  /** Writes, in the background, the ends an earlier process of ours left in the state directory. */
  writeLeft(): void {
    const calls =
      this.pending?.load((file, why) =>
        this.log.error({ file, err: why }, "unreadable job end set aside"),
      ) ?? [];
    for (const call of calls) {
      this.log.info({ job_id: call.id }, "writing a job end left by an earlier process");
      void this.write(call, true).then((outcome) => {
        if (outcome !== "deferred")
          this.log.info({ job_id: call.id, outcome }, "left job end written");
      });
    }
  }

  /** Gives up on ends still refused (they stay in the state directory) and waits for the rest. */
  async abandon(): Promise<void> {
    this.abandoned = true;
    await Promise.all([...this.retrying]);
  }
}
