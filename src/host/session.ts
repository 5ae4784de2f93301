// The main-thread side of host functions for one job, and the module state shared across
// jobs. The sandbox serves a Rhai script's bridged calls with it, and the hero executor a
// heroscript play's SAL actions, so both give a function the same context: a signal
// aborted when the job ends (however it ends), cleanups run then within a grace period,
// and each module's shared state (connection pools) kept for the life of the runner.

import type { Value } from "../rhai/index.js";
// A type only: the host kit loads no npm package (sandbox workers import it), and tracing's
// code is the caller's, given to a session as its tracer.
import type { HostCallTracer } from "../tracing/index.js";
import { coerceError } from "../util/index.js";
import type { HostJobIdentity, HostModule, MainFunction, MainSideContext } from "./contract.js";

/** How long a job's cleanups may take before the job's result is given anyway. */
const CLEANUP_GRACE_MS = 5_000;

interface ModuleState {
  readonly options: Readonly<Record<string, unknown>>;
  readonly shared: Map<string, unknown>;
}

/**
 * Each module's options and shared state, for the life of a runner (or a `hero run`):
 * `close()` lets every module close what it shares.
 */
export class HostModules {
  readonly #states = new Map<HostModule, ModuleState>();
  readonly #defaults: Readonly<Record<string, unknown>>;
  #closed = false;

  /** `defaults`: the options of a module added on first use (unset entries are left out). */
  constructor(defaults: Readonly<Record<string, unknown>> = {}) {
    this.#defaults = withoutUnset(defaults);
  }

  /** Registers a module with options of its own, as given (before its first use). */
  add(module: HostModule, options: Readonly<Record<string, unknown>>): void {
    this.#states.set(module, { options: { ...options }, shared: new Map() });
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** The options a module's functions see as `ctx.job.options`. */
  optionsOf(module: HostModule): Readonly<Record<string, unknown>> {
    return this.#state(module).options;
  }

  /** The shared state of a module, created on first use. */
  sharedOf(module: HostModule): Map<string, unknown> {
    return this.#state(module).shared;
  }

  /**
   * Opens one job's session; `end()` it when the job ends, however it ends. `tracer`, given
   * when the job is traced, makes a span of each call run through `call`.
   */
  beginSession(
    job: HostJobIdentity,
    log: (line: string) => void,
    jobSignal?: AbortSignal,
    tracer?: HostCallTracer,
  ): HostSession {
    if (this.#closed) throw new Error("the host is closed");
    return new HostSession(this, job, log, jobSignal, tracer);
  }

  /** Lets each module close what it shares; call after the last job. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const [module, state] of this.#states) {
      try {
        await module.close?.(state.shared);
      } catch {
        // One module failing to close must not keep the others open.
      }
    }
    this.#states.clear();
  }

  #state(module: HostModule): ModuleState {
    let state = this.#states.get(module);
    if (state === undefined) {
      state = { options: this.#defaults, shared: new Map() };
      this.#states.set(module, state);
    }
    return state;
  }
}

/** The main-side state of one job: its signal, its cleanups, its functions' contexts. */
export class HostSession {
  readonly #controller = new AbortController();
  readonly #cleanups: (() => void | Promise<void>)[] = [];
  readonly #contexts = new Map<HostModule, MainSideContext>();
  readonly #unlink: () => void;
  #ended = false;

  constructor(
    private readonly modules: HostModules,
    readonly job: HostJobIdentity,
    private readonly log: (line: string) => void,
    jobSignal?: AbortSignal,
    private readonly tracer?: HostCallTracer,
  ) {
    // A timeout or cancel of the job stops the calls in flight at once, before `end()`.
    const forward = () => this.#controller.abort(jobSignal?.reason);
    if (jobSignal?.aborted) forward();
    else jobSignal?.addEventListener("abort", forward, { once: true });
    this.#unlink = () => jobSignal?.removeEventListener("abort", forward);
  }

  /** Aborted when the job ends, with how it ended. */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  get ended(): boolean {
    return this.#ended;
  }

  /**
   * The context a function of `module` runs with, the job's env vars being `envVars` (a
   * play's session environment changes between actions). The same context is given again
   * while the env vars are the same object.
   */
  context(module: HostModule, envVars: Readonly<Record<string, string>>): MainSideContext {
    if (this.#ended) throw new Error("the job has ended");
    const known = this.#contexts.get(module);
    if (known !== undefined && known.job.envVars === envVars) return known;
    const ctx: MainSideContext = {
      job: { ...this.job, envVars, options: this.modules.optionsOf(module) },
      signal: this.#controller.signal,
      log: this.log,
      onJobEnd: (cleanup) => this.#onJobEnd(cleanup),
      shared: this.modules.sharedOf(module),
    };
    this.#contexts.set(module, ctx);
    return ctx;
  }

  /**
   * Runs the main-side function `fn` of `module` for this job (its context as `context`
   * gives it): the one way the sandbox and heroscript call them. A traced job's call is a
   * span of its own; an untraced one pays one check for it.
   */
  call(
    module: HostModule,
    fn: MainFunction,
    envVars: Readonly<Record<string, string>>,
    args: Value[],
  ): Value | Promise<Value> {
    const ctx = this.context(module, envVars);
    if (this.tracer === undefined) return fn.run(ctx, args);
    const op = args[0];
    const call =
      typeof op === "string" && fn.operations?.has(op) === true
        ? ({ kind: "function", module: module.name, function: fn.name, operation: op } as const)
        : ({ kind: "function", module: module.name, function: fn.name } as const);
    return this.tracer(call, () => fn.run(ctx, args));
  }

  /** Aborts the signal (with how the job ended) and runs the cleanups, each on its own, time-boxed. */
  async end(reason: unknown = "job ended"): Promise<void> {
    if (this.#ended) return;
    this.#ended = true;
    this.#unlink();
    this.#controller.abort(reason);
    this.#contexts.clear();
    if (this.#cleanups.length === 0) return;
    const cleanups = this.#cleanups.splice(0).map(async (cleanup) => {
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

  #onJobEnd(cleanup: () => void | Promise<void>): void {
    if (!this.#ended) {
      this.#cleanups.push(cleanup);
      return;
    }
    // Registered after the end (a call that outlived its job): clean up at once.
    void Promise.resolve()
      .then(cleanup)
      .catch(() => {});
  }
}

/** Options without the unset ones, so a module falls back to its own defaults. */
function withoutUnset(
  options: Readonly<Record<string, unknown>>,
): Readonly<Record<string, unknown>> {
  return Object.freeze(
    Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined && v !== "")),
  );
}
