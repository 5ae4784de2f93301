// The SAL's main side, hosted for heroscript plays. Rhai scripts reach the SAL across the
// sandbox bridge, where `MainHost` builds each function's context; a heroscript action runs
// on the main thread already, so this file builds the same context directly:
// - `SalHost` lives as long as the executor: it keeps each module's shared state (Redis
//   clients, PostgreSQL pools) and closes it when the executor closes.
// - `SalPlay` lives for one play (one job): its signal is aborted when the play ends,
//   however it ends, and the cleanups SAL functions register (`onJobEnd`) run then.

import type { HostJobInfo, HostModule, MainSideContext } from "../../host/index.js";
import type { SalOptions } from "../../sal/index.js";
import { coerceError } from "../../util/index.js";

/** Who a play runs for: the job's identity as SAL functions see it. */
export interface SalJobIdentity {
  readonly jobId: string;
  readonly callerId: string;
  readonly contextId: string;
  readonly signatories: readonly string[];
}

/** How long a play's cleanups may take before the play's result is given anyway. */
const CLEANUP_GRACE_MS = 5_000;

export class SalHost {
  readonly #options: Readonly<Record<string, unknown>>;
  readonly #shared = new Map<HostModule, Map<string, unknown>>();
  #closed = false;

  constructor(options: SalOptions = {}) {
    // Unset options are left out, so a module falls back to its own defaults.
    this.#options = Object.freeze(
      Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined && v !== "")),
    );
  }

  /** The options every module sees as `ctx.job.options`. */
  get options(): Readonly<Record<string, unknown>> {
    return this.#options;
  }

  /** Starts the SAL side of one play; `end()` it when the play ends, however it ends. */
  beginPlay(job: SalJobIdentity, signal: AbortSignal, log: (line: string) => void): SalPlay {
    if (this.#closed) throw new Error("the SAL host is closed");
    return new SalPlay(this, job, signal, log);
  }

  /** The shared state of a module, created on first use. */
  sharedOf(module: HostModule): Map<string, unknown> {
    let shared = this.#shared.get(module);
    if (shared === undefined) {
      shared = new Map();
      this.#shared.set(module, shared);
    }
    return shared;
  }

  /** Lets each module close what it shares (connections, pools); call after the last play. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const [module, shared] of this.#shared) {
      try {
        await module.close?.(shared);
      } catch {
        // One module failing to close must not keep the others open.
      }
    }
    this.#shared.clear();
  }
}

export class SalPlay {
  readonly #controller = new AbortController();
  readonly #cleanups: (() => void | Promise<void>)[] = [];
  readonly #unlink: () => void;
  #ended = false;

  constructor(
    private readonly host: SalHost,
    private readonly job: SalJobIdentity,
    playSignal: AbortSignal,
    private readonly log: (line: string) => void,
  ) {
    // A timeout or cancel of the play stops the SAL calls in flight at once.
    const forward = () => this.#controller.abort(playSignal.reason);
    if (playSignal.aborted) forward();
    else playSignal.addEventListener("abort", forward, { once: true });
    this.#unlink = () => playSignal.removeEventListener("abort", forward);
  }

  /**
   * The context a SAL function of `module` runs with. `env` is the session environment as
   * it is now, so `!!session.env_set key:REDIS_URL ...` applies to the actions after it.
   */
  context(module: HostModule, env: ReadonlyMap<string, string>): MainSideContext {
    if (this.#ended) throw new Error("the play has ended");
    const job: HostJobInfo = {
      ...this.job,
      envVars: Object.fromEntries(env),
      options: this.host.options,
    };
    return {
      job,
      signal: this.#controller.signal,
      log: this.log,
      onJobEnd: (cleanup) => {
        if (!this.#ended) {
          this.#cleanups.push(cleanup);
          return;
        }
        // Registered after the end (a call that outlived its play): clean up at once.
        void Promise.resolve()
          .then(cleanup)
          .catch(() => {});
      },
      shared: this.host.sharedOf(module),
    };
  }

  /** Aborts the play's SAL signal and runs the cleanups, each on its own, time-boxed. */
  async end(reason: unknown = "job ended"): Promise<void> {
    if (this.#ended) return;
    this.#ended = true;
    this.#unlink();
    this.#controller.abort(reason);
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
}
