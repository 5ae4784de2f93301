// The sandbox as the Rhai executors use it: a pool of workers with the host modules
// loaded, where `run` executes one job's script under its timeout, signal and limits.

import { availableParallelism } from "node:os";
import type { Job } from "../job/index.js";
import type { EngineLimits } from "../rhai/index.js";
import { InlineRunner } from "./inline.js";
import { DEFAULT_HEAP_MB, engineLimits, type LogLimits, logLimits } from "./limits.js";
import { MainHost } from "./main-host.js";
import { moduleHref } from "./modules.js";
import { type RunOptions, WorkerPool } from "./pool.js";
import type { HostModuleSpec, ScriptJob } from "./protocol.js";

export interface SandboxOptions {
  /** Host modules given to every script (SAL, Osiris, test modules). */
  readonly modules?: readonly HostModuleSpec[];
  /** Number of workers, i.e. of jobs run at once (default: available cores). */
  readonly size?: number;
  /** Engine limits on top of DEFAULT_ENGINE_LIMITS. */
  readonly limits?: Partial<EngineLimits>;
  /** How much one job may log, on top of DEFAULT_LOG_LIMITS. */
  readonly logLimits?: Partial<LogLimits>;
  /** Heap limit of each worker, in MB (default DEFAULT_HEAP_MB). */
  readonly heapMb?: number;
  /** Told when a worker fails to start or dies on its own (the pool replaces it). */
  readonly onWorkerError?: (error: Error) => void;
  /** The worker entry to start; only tests replace it. */
  readonly workerUrl?: URL;
  /**
   * Whether tiny scripts that cannot loop or call anything may run on the calling thread
   * instead of a worker (see inline.ts; default true). Only with the Rhai worker entry.
   */
  readonly inline?: boolean;
}

export interface Sandbox {
  /**
   * Runs a job's script. Resolves with its final value as `to_string` renders it; rejects
   * with a JobFailure whose `errorKind` is `timeout`, `cancelled`, `resources`, `script`
   * (with line and column), `crashed`, or what a host function said (e.g. `unauthorized`).
   */
  run(job: ScriptJob, opts?: RunOptions): Promise<string>;
  /** Terminates the workers (running jobs end as `cancelled`) and closes the host modules. */
  close(): Promise<void>;
  /** Workers alive or starting. */
  readonly workerCount: number;
  /** Workers that ended (killed at a timeout, crashed, out of memory) and were replaced. */
  readonly workersReplaced: number;
}

/**
 * The compiled worker entry. Under vitest this file runs from its TypeScript source, and a
 * worker cannot start from that: use the build in dist/ (the test setup builds it first).
 */
export function defaultWorkerUrl(): URL {
  const here = import.meta.url;
  return here.endsWith(".ts")
    ? new URL("../../dist/sandbox/worker.js", here)
    : new URL("./worker.js", here);
}

/** Loads the host modules, starts the workers and waits until they are ready. */
export async function createSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const specs = options.modules ?? [];
  const heapMb = options.heapMb ?? DEFAULT_HEAP_MB;
  if (!(heapMb >= 16)) throw new RangeError(`heapMb must be at least 16 (got ${heapMb})`);
  const host = await MainHost.load(specs);
  const limits = engineLimits(options.limits);
  // A replaced worker entry (tests' stand-in) runs another language: only ours is Rhai.
  const inline =
    options.inline !== false && options.workerUrl === undefined
      ? InlineRunner.create(limits, host.functions())
      : undefined;
  const pool = new WorkerPool({
    workerUrl: options.workerUrl ?? defaultWorkerUrl(),
    size: options.size ?? availableParallelism(),
    init: {
      modules: specs.map((m) => ({ href: moduleHref(m.url), options: { ...(m.options ?? {}) } })),
      limits,
      logLimits: logLimits(options.logLimits),
    },
    resourceLimits: { maxOldGenerationSizeMb: heapMb },
    host,
    ...(inline === undefined ? {} : { inline: (job: ScriptJob) => inline.tryRun(job) }),
    ...(options.onWorkerError === undefined ? {} : { onWorkerError: options.onWorkerError }),
  });
  try {
    await pool.start();
  } catch (e) {
    await pool.close();
    await host.close();
    throw e;
  }
  let closing: Promise<void> | undefined;
  return {
    run: (job, opts) => pool.run(job, opts),
    close: () => {
      closing ??= pool.close().then(() => host.close());
      return closing;
    },
    get workerCount() {
      return pool.workerCount;
    },
    get workersReplaced() {
      return pool.workersReplaced;
    },
  };
}

/** What the sandbox needs of a verified job: its payload, ids, env_vars and signatories. */
export function scriptJobOf(job: Job, signatories: readonly string[], attempt = 1): ScriptJob {
  return {
    source: job.payload,
    jobId: job.id,
    callerId: job.caller_id,
    contextId: job.context_id,
    signatories,
    envVars: job.env_vars,
    attempt,
  };
}
