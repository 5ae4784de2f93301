// The main thread's side of the host modules: it serves the calls scripts make to
// main-side functions. Each job's context (signal, log, cleanups) is the host kit's
// `HostSession`, and each module's options and shared state its `HostModules`, kept for the
// life of the pool.

import {
  type HostFunction,
  type HostModule,
  HostModules,
  type HostSession,
  type MainFunction,
} from "../host/index.js";
import { type ErrorKind, errorKindOf } from "../job/index.js";
import { typeName, type Value } from "../rhai/index.js";
import type { HostCallTracer } from "../tracing/index.js";
import { coerceError } from "../util/index.js";
import { loadHostModule, moduleHref } from "./modules.js";
import type { CallTarget, HostModuleSpec, ScriptJob } from "./protocol.js";

/** A main-side function failed: what the script sees, and the job's error_kind if uncaught. */
export interface HostFailure {
  readonly message: string;
  readonly errorKind?: ErrorKind;
}

export class MainHost {
  private constructor(
    private readonly loaded: readonly HostModule[],
    private readonly modules: HostModules,
  ) {}

  static async load(specs: readonly HostModuleSpec[]): Promise<MainHost> {
    const loaded = await Promise.all(specs.map((spec) => loadHostModule(moduleHref(spec.url))));
    const modules = new HostModules();
    loaded.forEach((module, i) => {
      modules.add(module, specs[i]?.options ?? {});
    });
    return new MainHost(loaded, modules);
  }

  /** Every host function, both sides (the inline runner checks them). */
  functions(): HostFunction[] {
    return this.loaded.flatMap((m) => m.functions);
  }

  /**
   * Opens the main-side session of one job; `end()` it when the job ends, however. With a
   * tracer (a traced job), each call is a span.
   */
  beginJob(job: ScriptJob, log: (line: string) => void, tracer?: HostCallTracer): HostSession {
    const { jobId, callerId, contextId, signatories } = job;
    const identity = { jobId, callerId, contextId, signatories };
    return this.modules.beginSession(identity, log, undefined, tracer);
  }

  /** Runs the main-side function a script of `job` called, in its session; never rejects. */
  async call(
    session: HostSession,
    job: ScriptJob,
    target: CallTarget,
    args: Value[],
  ): Promise<{ ok: true; value: unknown } | ({ ok: false } & HostFailure)> {
    try {
      const [module, fn] = this.resolve(target, args);
      const value = await session.call(module, fn, job.envVars, args);
      return { ok: true, value };
    } catch (e) {
      const message = coerceError(e).message;
      const errorKind = errorKindOf(e);
      return errorKind === undefined ? { ok: false, message } : { ok: false, message, errorKind };
    }
  }

  /** Gives each module the chance to close what it shares (connection pools...). */
  close(): Promise<void> {
    return this.modules.close();
  }

  private resolve(target: CallTarget, args: Value[]): [HostModule, MainFunction] {
    if ("qualified" in target) return this.resolveQualified(target.qualified, args);
    const module = this.loaded[target.module];
    const fn = module?.functions[target.fn];
    if (module === undefined || fn === undefined || fn.side !== "main") {
      throw new Error(`no main-side function at ${target.module}:${target.fn}`);
    }
    return [module, fn];
  }

  /** `module.function`, picking the overload whose parameters fit the arguments. */
  private resolveQualified(qualified: string, args: Value[]): [HostModule, MainFunction] {
    const dot = qualified.indexOf(".");
    const moduleName = qualified.slice(0, dot);
    const fnName = qualified.slice(dot + 1);
    const module = this.loaded.find((m) => m.name === moduleName);
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
    return [module, fn];
  }
}
