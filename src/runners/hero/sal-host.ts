// The SAL's main side, hosted for heroscript plays. Rhai scripts reach the SAL across the
// sandbox bridge; a heroscript action runs on the main thread already, so it calls the SAL
// function directly, with a context from the host kit's session, as the sandbox does:
// - `SalHost` lives as long as the executor: the SAL modules' options and shared state
//   (Redis clients, PostgreSQL pools), closed when the executor closes.
// - a play (one job) is a `HostSession`: its signal is aborted when the play ends, however
//   it ends, and the cleanups SAL functions register (`onJobEnd`) run then.

import { type HostJobIdentity, HostModules, type HostSession } from "../../host/index.js";
import type { SalOptions } from "../../sal/index.js";
import type { HostCallTracer } from "../../tracing/index.js";

export class SalHost extends HostModules {
  /** Every SAL module sees `options` as `ctx.job.options` (unset ones are left out). */
  constructor(options: SalOptions = {}) {
    super(options as Readonly<Record<string, unknown>>);
  }

  /**
   * Starts the SAL side of one play; `end()` it when the play ends, however it ends. With a
   * tracer (a traced job), each SAL call is a span.
   */
  beginPlay(
    job: HostJobIdentity,
    signal: AbortSignal,
    log: (line: string) => void,
    tracer?: HostCallTracer,
  ): HostSession {
    if (this.closed) throw new Error("the SAL host is closed");
    return this.beginSession(job, log, signal, tracer);
  }
}
