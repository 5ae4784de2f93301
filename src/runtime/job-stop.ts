// What stops a running job (timeout, cancel, shutdown), without an AbortController per job
// unless its executor asks for a signal. Most jobs end by themselves and nobody looks at
// their signal; making one, listening to it and aborting it at the end cost a runner
// more per job than its whole bookkeeping otherwise does.

/**
 * Why a running job was stopped; "finished" releases whatever the executor left behind;
 * "fenced": its runner lost the lease on it (paused past it) and another took it over.
 */
export type StopReason = "timeout" | "cancelled" | "shutdown" | "fenced" | "finished";

export class JobStop {
  private why: StopReason | undefined;
  private controller: AbortController | undefined;
  private rejectStopped: ((reason: StopReason) => void) | undefined;

  /** Rejects with the reason once stopped; never settles for a job that ends by itself. */
  readonly stopped: Promise<never>;

  constructor() {
    this.stopped = new Promise<never>((_, reject) => {
      this.rejectStopped = reject;
    });
    // Nobody need be waiting on it when the job stops.
    this.stopped.catch(() => {});
  }

  /** The reason it was stopped for, if it was. */
  get reason(): StopReason | undefined {
    return this.why;
  }

  /** An AbortSignal made on first use, aborted already if the job was stopped before. */
  get signal(): AbortSignal {
    if (this.controller === undefined) {
      this.controller = new AbortController();
      if (this.why !== undefined) this.controller.abort(this.why);
    }
    return this.controller.signal;
  }

  /** Stops the job; the first reason given is the one that counts. */
  stop(reason: StopReason): void {
    if (this.why !== undefined) return;
    this.why = reason;
    this.controller?.abort(reason);
    this.rejectStopped?.(reason);
  }
}
