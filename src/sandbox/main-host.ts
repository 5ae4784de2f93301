// The main thread's side of the host modules: it serves the calls scripts make to
// main-side functions, gives each job its context (signal, log, cleanups) and keeps each
// module's shared state for the life of the pool.

import type {
  HostFunction,
  HostJobInfo,
  HostModule,
  MainFunction,
  MainSideContext,
} from "../host/index.js";
import { type ErrorKind, errorKindOf } from "../job/index.js";
import { typeName, type Value } from "../rhai/index.js";
import { coerceError } from "../util/index.js";
import { loadHostModule, moduleHref } from "./modules.js";
import type { CallTarget, HostModuleSpec, ScriptJob } from "./protocol.js";

/** How long a job's cleanups may take before the job's result is given anyway. */
const CLEANUP_GRACE_MS = 5_000;

interface LoadedModule {
  readonly module: HostModule;
  readonly options: Record<string, unknown>;
  readonly shared: Map<string, unknown>;
}

/** A main-side function failed: what the script sees, and the job's error_kind if uncaught. */
export interface HostFailure {
  readonly message: string;
  readonly errorKind?: ErrorKind;
}

export class MainHost {
  private constructor(private readonly modules: readonly LoadedModule[]) {}

  static async load(specs: readonly HostModuleSpec[]): Promise<MainHost> {
    const modules = await Promise.all(
      specs.map(async (spec) => ({
        module: await loadHostModule(moduleHref(spec.url)),
        options: { ...(spec.options ?? {}) },
        shared: new Map<string, unknown>(),
      })),
    );
    return new MainHost(modules);
  }

  /** Every host function, both sides (the inline runner checks them). */
  functions(): HostFunction[] {
    return this.modules.flatMap((m) => m.module.functions);
  }

  /** Opens the main-side context of one job; `end()` it when the job ends, however. */
  beginJob(job: ScriptJob, log: (line: string) => void): JobHostSession {
    return new JobHostSession(this.modules, job, log);
  }

  /** Gives each module the chance to close what it shares (connection pools...). */
  async close(): Promise<void> {
    for (const m of this.modules) {
      try {
        await m.module.close?.(m.shared);
      } catch {
        // One module failing to close must not keep the others open.
      }
    }
  }
}

/** The main-side state of one job. */
export class JobHostSession {
  private readonly controller = new AbortController();
  private readonly cleanups: (() => void | Promise<void>)[] = [];
  private readonly contexts = new Map<number, MainSideContext>();
  private ended = false;

  constructor(
    private readonly modules: readonly LoadedModule[],
    private readonly job: ScriptJob,
    private readonly log: (line: string) => void,
  ) {}

  /** Runs the main-side function a script called; never rejects. */
  async call(
    target: CallTarget,
    args: Value[],
  ): Promise<{ ok: true; value: unknown } | ({ ok: false } & HostFailure)> {
    try {
      const [moduleIndex, fn] = this.resolve(target, args);
      if (this.ended) throw new Error("the job has ended");
      const value = await fn.run(this.context(moduleIndex), args);
      return { ok: true, value };
    } catch (e) {
      const message = coerceError(e).message;
      const errorKind = errorKindOf(e);
      return errorKind === undefined ? { ok: false, message } : { ok: false, message, errorKind };
    }
  }

  /** Aborts the job's signal (with how the job ended) and runs its cleanups (each on its own, time-boxed). */
  async end(reason: unknown = "job ended"): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    this.controller.abort(reason);
    if (this.cleanups.length === 0) return;
    const cleanups = this.cleanups.splice(0).map(async (cleanup) => {
      try {
        await cleanup();
      } catch (e) {
        this.log(`cleanup failed: ${coerceError(e).message}`);
      }
    });
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, CLEANUP_GRACE_MS);
      timer.unref();
    });
    await Promise.race([Promise.all(cleanups), grace]);
    clearTimeout(timer);
  }

  private resolve(target: CallTarget, args: Value[]): [number, MainFunction] {
    if ("qualified" in target) return this.resolveQualified(target.qualified, args);
    const fn = this.modules[target.module]?.module.functions[target.fn];
    if (fn === undefined || fn.side !== "main") {
      throw new Error(`no main-side function at ${target.module}:${target.fn}`);
    }
    return [target.module, fn];
  }

  /** `module.function`, picking the overload whose parameters fit the arguments. */
  private resolveQualified(qualified: string, args: Value[]): [number, MainFunction] {
    const dot = qualified.indexOf(".");
    const moduleName = qualified.slice(0, dot);
    const fnName = qualified.slice(dot + 1);
    const moduleIndex = this.modules.findIndex((m) => m.module.name === moduleName);
    const module = this.modules[moduleIndex]?.module;
    if (dot < 0 || module === undefined) {
      throw new Error(`no host module for main-side function '${qualified}'`);
    }
    const fits = (f: MainFunction): boolean =>
      f.params.length === args.length &&
      f.params.every((p, i) => p === "any" || p === typeName(args[i]));
    const candidates = module.functions.filter(
      (f): f is MainFunction => f.side === "main" && f.name === fnName,
    );
    const fn = candidates.find(fits);
    if (fn === undefined) {
      const types = args.map(typeName).join(", ");
      throw new Error(`no main-side function '${qualified}' takes (${types})`);
    }
    return [moduleIndex, fn];
  }

  private context(moduleIndex: number): MainSideContext {
    let ctx = this.contexts.get(moduleIndex);
    if (ctx === undefined) {
      const m = this.modules[moduleIndex] as LoadedModule;
      const job: HostJobInfo = {
        jobId: this.job.jobId,
        callerId: this.job.callerId,
        contextId: this.job.contextId,
        signatories: this.job.signatories,
        envVars: this.job.envVars,
        options: m.options,
      };
      ctx = {
        job,
        signal: this.controller.signal,
        log: this.log,
        onJobEnd: (cleanup) => {
          // Registered too late (the job already ended): clean up at once.
          if (this.ended)
            void Promise.resolve()
              .then(cleanup)
              .catch(() => {});
          else this.cleanups.push(cleanup);
        },
        shared: m.shared,
      };
      this.contexts.set(moduleIndex, ctx);
    }
    return ctx;
  }
}
