// What a runner needs from the thing that actually runs a job's payload.
import type { Job } from "../job/index.js";

export interface JobLogger {
  info(msg: string, extra?: Record<string, unknown>): void;
  warn(msg: string, extra?: Record<string, unknown>): void;
  error(msg: string, extra?: Record<string, unknown>): void;
  debug(msg: string, extra?: Record<string, unknown>): void;
}

export interface ExecutionContext {
  /** The job, already validated and with verified signatures. */
  readonly job: Job;
  /** Aborted when the job must stop: its timeout, a cancel, or a forced shutdown. */
  readonly signal: AbortSignal;
  /** Appends a line to the job's log (`job:{id}:logs`), as it happens. */
  log(line: string): void;
  /** The job's environment variables (env_vars). */
  readonly envVars: Readonly<Record<string, string>>;
  /** Public keys (hex, compressed) of the job's valid signatures. */
  readonly signatories: readonly string[];
  /** The runner's structured logger, bound to this job. */
  readonly logger: JobLogger;
}

/**
 * Runs payloads. `execute` resolves with the job's output or throws: a `JobFailure` (or any
 * error with an `errorKind`) sets the job's error_kind; other errors count as `script`.
 * It must give up promptly once `ctx.signal` is aborted.
 */
export interface Executor {
  /** `hero`, `sal`, `osiris` or a test executor's name. */
  readonly kind: string;
  /** Called once before the runner takes its first job. */
  start?(): Promise<void>;
  execute(ctx: ExecutionContext): Promise<string>;
  /** Called once when the runner stops, after its last job. */
  close?(): Promise<void>;
}
