// How the ways a sandboxed job can stop from the outside become a JobFailure.

import { errorKindOf, JobFailure } from "../job/index.js";
import { coerceError } from "../util/index.js";

/** A job stopped by its AbortSignal: `"cancelled"` is a cancel, a timeout is a timeout. */
export function abortFailure(reason: unknown): JobFailure {
  if (reason instanceof JobFailure) return reason;
  if (reason === "cancelled") return new JobFailure("cancelled", "the job was cancelled");
  const name = (reason as { name?: unknown } | null)?.name;
  if (reason === "timeout" || name === "TimeoutError") {
    return new JobFailure("timeout", "the job ran past its timeout");
  }
  const kind = errorKindOf(reason);
  const text = coerceError(reason).message;
  if (kind !== undefined) return new JobFailure(kind, text, { cause: reason });
  return new JobFailure("cancelled", `the job was stopped: ${text}`, { cause: reason });
}

export function timeoutFailure(timeoutMs: number): JobFailure {
  return new JobFailure("timeout", `the job ran past its timeout of ${formatMs(timeoutMs)}`);
}

/** The worker running the job died on its own (not killed by us). */
export function workerDeathFailure(error: unknown, exitCode: number, heapMb: number): JobFailure {
  const code = (error as { code?: unknown } | undefined)?.code;
  if (code === "ERR_WORKER_OUT_OF_MEMORY") {
    return new JobFailure(
      "resources",
      `the script ran out of memory (the sandbox allows ${heapMb} MB of heap)`,
      { cause: error },
    );
  }
  const why = error instanceof Error ? error.message : `exit code ${exitCode}`;
  return new JobFailure("crashed", `the script's worker died: ${why}`, { cause: error });
}

function formatMs(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}
