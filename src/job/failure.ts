import type { ErrorKind } from "./types.js";

/**
 * An error that says how a job failed. Executors and the packages they run throw it (or any
 * error carrying an `errorKind` string) so the job's `error_kind` is right; anything else
 * thrown by an executor counts as `script`.
 */
export class JobFailure extends Error {
  override readonly name = "JobFailure";
  constructor(
    readonly errorKind: ErrorKind,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The error kind an arbitrary thrown value asks for, if it names a known one. */
export function errorKindOf(e: unknown): ErrorKind | undefined {
  const kind = (e as { errorKind?: unknown } | null)?.errorKind;
  return typeof kind === "string" ? (kind as ErrorKind) : undefined;
}
