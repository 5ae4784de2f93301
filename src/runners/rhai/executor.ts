// The executor of the Rhai runners: each job's script runs in the sandbox's worker pool,
// with the host modules its runner chose (SAL, Osiris).
import type { EngineLimits } from "../../rhai/index.js";
import type { ExecutionContext, Executor } from "../../runtime/index.js";
import { createSandbox, type HostModuleSpec, type Sandbox } from "../../sandbox/index.js";

export interface RhaiExecutorOptions {
  /** `sal`, `osiris`: what the runner reports as its kind. */
  kind: string;
  modules: readonly HostModuleSpec[];
  /** Workers in the pool: the runner's concurrency, so a taken job never waits for one. */
  workers: number;
  limits?: Partial<EngineLimits>;
  heapMb?: number;
}

export function createRhaiExecutor(options: RhaiExecutorOptions): Executor {
  let sandbox: Sandbox | undefined;
  return {
    kind: options.kind,
    async start() {
      sandbox = await createSandbox({
        modules: options.modules,
        size: options.workers,
        ...(options.limits ? { limits: options.limits } : {}),
        ...(options.heapMb ? { heapMb: options.heapMb } : {}),
      });
    },
    execute(ctx: ExecutionContext): Promise<string> {
      if (!sandbox) throw new Error("the Rhai executor was not started");
      const { job } = ctx;
      return sandbox.run(
        {
          source: job.payload,
          jobId: job.id,
          callerId: job.caller_id,
          contextId: job.context_id,
          signatories: ctx.signatories,
          envVars: ctx.envVars,
        },
        // The runtime aborts the signal at the job's deadline (reason "timeout") or on a
        // cancel; the sandbox then terminates the worker running the script.
        { signal: ctx.signal, onLog: (line) => ctx.log(line) },
      );
    },
    async close() {
      await sandbox?.close();
    },
  };
}
