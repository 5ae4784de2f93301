// The executor of the Rhai runners: each job's script runs in the sandbox's worker pool,
// with the host modules its runner chose (SAL, Osiris).
import type { EngineLimits } from "../../rhai/index.js";
import type { ExecutionContext, Executor, Logger } from "../../runtime/index.js";
import {
  createSandbox,
  type HostModuleSpec,
  type Sandbox,
  scriptJobOf,
} from "../../sandbox/index.js";
import { heroscriptMistake } from "./heroscript-check.js";

export interface RhaiExecutorOptions {
  /** `sal`, `osiris`: what the runner reports as its kind. */
  kind: string;
  modules: readonly HostModuleSpec[];
  /** Jobs run at once (the runner's concurrency). */
  workers: number;
  limits?: Partial<EngineLimits>;
  heapMb?: number;
  /** Where a worker that dies outside a job (a crash while starting, say) is reported. */
  logger?: Logger;
}

export function createRhaiExecutor(options: RhaiExecutorOptions): Executor {
  let sandbox: Sandbox | undefined;
  return {
    kind: options.kind,
    async start() {
      sandbox = await createSandbox({
        modules: options.modules,
        // One worker more than jobs run at once: a worker killed at a job's timeout takes
        // most of a second to replace, and the spare, already started, takes its place.
        size: options.workers + 1,
        ...(options.limits ? { limits: options.limits } : {}),
        ...(options.heapMb ? { heapMb: options.heapMb } : {}),
        onWorkerError: (e) => options.logger?.error({ err: e.message }, "script worker failed"),
      });
    },
    execute(ctx: ExecutionContext): Promise<string> {
      if (!sandbox) throw new Error("the Rhai executor was not started");
      const mistake = heroscriptMistake(ctx.job.payload);
      if (mistake !== undefined) return Promise.reject(new Error(mistake));
      return sandbox.run(
        scriptJobOf(ctx.job, ctx.signatories, ctx.attempt),
        // The runtime aborts the signal at the job's deadline (reason "timeout") or on a
        // cancel; the sandbox then terminates the worker running the script. Made only for a
        // script that goes to a worker (the runtime never starts a job stopped before).
        {
          signal: () => ctx.signal,
          onLog: (line) => ctx.log(line),
          ...(ctx.beforeHostCall ? { beforeHostCall: ctx.beforeHostCall } : {}),
          // Only a traced job has one: its host calls are spans in its trace.
          ...(ctx.traceHostCall ? { traceHostCall: ctx.traceHostCall } : {}),
        },
      );
    },
    async close() {
      await sandbox?.close();
    },
    stats() {
      return { workers: sandbox?.workerCount ?? 0, workersReplaced: sandbox?.workersReplaced ?? 0 };
    },
  };
}
