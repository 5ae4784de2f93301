// What a runner needs from the thing that actually runs a job's payload.
import type { Job } from "../job/index.js";
import type { HostCallTracer } from "../tracing/index.js";

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
  /** Which run of the job this is, from 1 (retries and crash recoveries count up). */
  readonly attempt: number;
  /** Public keys (hex, compressed) of the job's valid signatures. */
  readonly signatories: readonly string[];
  /** The runner's structured logger, bound to this job. */
  readonly logger: JobLogger;
  /**
   * Called before each host call the script makes (files, processes, network...): undefined
   * when it may go ahead at once; else a promise that resolves once it may (the runner has
   * confirmed it still holds the job's lease) or rejects when it must not (the lease was
   * lost and the job taken over: the job is being stopped). An executor that serves host
   * calls itself must wait on it; this is what keeps a paused runner from acting on a job
   * another instance has recovered.
   */
  readonly beforeHostCall?: () => Promise<void> | undefined;
  /**
   * Given only when the job is traced (its `job.execute` span's context captured within):
   * an executor that serves host calls runs each through it, a span per call. Absent, it
   * runs them as they are, at no cost.
   */
  readonly traceHostCall?: HostCallTracer;
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
  /** The executor's workers, for metrics; absent when it has none. */
  stats?(): ExecutorStats;
}

export interface ExecutorStats {
  /** Workers alive or starting. */
  workers: number;
  /** Workers that ended (a timeout's kill, a crash) and were replaced, since the start. */
  workersReplaced: number;
}
